// `npm run bench:detect`: events/s and peak RSS of the hunt engine with every bundled rule over the
// Mordor Windows sample (76,128 events), against the plain JSON.parse rate of the same file (the
// ceiling), single-threaded and with worker threads. Writes bench/results/detect.json.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readEventTexts, runHunt } from '../detection/hunt/index.ts';
import { loadHuntRules } from '../detection/hunt/rules.ts';
import { bundledPipelineDir, bundledRuleDir, loadPipelines } from '../detection/pipelines/index.ts';

const file = process.env.VIGIL_BENCH_EVENTS ?? '/work/shared/datasets/mordor-windows/events.ndjson.gz';
const workerCounts = (process.env.VIGIL_BENCH_WORKERS ?? String(Math.max(2, availableParallelism())))
  .split(',')
  .map(Number)
  .filter((n) => n > 1);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

// Ceiling: read + gunzip + split + JSON.parse, nothing else.
const parse = await timed(async () => {
  let n = 0;
  for await (const t of readEventTexts(file)) {
    JSON.parse(t.text);
    n++;
  }
  return n;
});
const parseRate = parse.value / parse.seconds;

const load = await timed(async () => {
  const { pipelines } = loadPipelines([bundledPipelineDir]);
  return loadHuntRules([bundledRuleDir], pipelines);
});
const rules = load.value;

interface Run {
  workers: number;
  /** Worker start-up (each loads and compiles every rule), not counted in the rate. */
  startupSeconds: number;
  events: number;
  matches: number;
  seconds: number;
  eventsPerSecond: number;
  ofJsonParse: number;
}
const runs: Run[] = [];
for (const workers of [0, ...workerCounts]) {
  let readyAt = 0n;
  const t0 = process.hrtime.bigint();
  const r = await timed(() =>
    runHunt({
      rulePaths: [bundledRuleDir],
      eventFiles: [file],
      rules,
      workers,
      onReady: () => {
        readyAt = process.hrtime.bigint();
      },
    }),
  );
  const startup = Number(readyAt - t0) / 1e9;
  const seconds = r.seconds - startup;
  const eventsPerSecond = r.value.events / seconds;
  runs.push({
    workers,
    startupSeconds: Math.round(startup * 100) / 100,
    events: r.value.events,
    matches: r.value.matches,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSecond: Math.round(eventsPerSecond),
    ofJsonParse: Math.round((eventsPerSecond / parseRate) * 1000) / 1000,
  });
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const machine = {
  nproc: Number(execSync('nproc').toString().trim()),
  cpu: cpus()[0]?.model ?? (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown'),
  node: process.version,
};
const result = {
  date: new Date().toISOString(),
  file,
  machine,
  rules: { compiled: rules.compiled.length, failed: rules.problems.length, correlations: rules.correlations.length, loadSeconds: Math.round(load.seconds * 100) / 100 },
  jsonParse: { events: parse.value, seconds: Math.round(parse.seconds * 100) / 100, eventsPerSecond: Math.round(parseRate) },
  hunt: runs,
  peakRssMB: Math.round(peakRss / 1e6),
};

const rows = [
  ['run', 'events', 'matches', 'start-up s', 'seconds', 'events/s', 'of JSON.parse'],
  ['JSON.parse only', String(parse.value), '', '', result.jsonParse.seconds.toFixed(2), String(result.jsonParse.eventsPerSecond), '100%'],
  ...runs.map((r) => [
    r.workers === 0 ? 'hunt, 1 thread' : `hunt, ${r.workers} workers`,
    String(r.events),
    String(r.matches),
    r.startupSeconds.toFixed(2),
    r.seconds.toFixed(2),
    String(r.eventsPerSecond),
    `${(r.ofJsonParse * 100).toFixed(1)}%`,
  ]),
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n'));
console.log(
  `\nrules: ${rules.compiled.length} compiled (${rules.problems.length} not compiled) in ${result.rules.loadSeconds}s; peak RSS ${result.peakRssMB} MB (main thread + workers)`,
);
console.log(`machine: ${machine.nproc} CPU(s), ${machine.cpu}, node ${machine.node}`);
const out = fileURLToPath(new URL('./results/detect.json', import.meta.url));
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`written ${out}`);
