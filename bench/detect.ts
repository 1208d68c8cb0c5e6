// `npm run bench:detect`: events/s and peak memory of the hunt engine with every bundled rule over
// the Mordor Windows sample (76,128 events), against the plain read + JSON.parse rate of the same file
// (the ceiling), on one thread and with worker threads. Each run is a separate process so its peak
// RSS (VmHWM, main thread + workers) is its own. Writes bench/results/detect.json.
import { execFileSync, execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readEventTexts, runHunt } from '../detection/hunt/index.ts';
import { loadHuntRules } from '../detection/hunt/rules.ts';
import { bundledPipelineDir, bundledRuleDir, loadPipelines } from '../detection/pipelines/index.ts';

// The Mordor sample sits in the shared folder beside the project (../shared), as on CI.
const file = process.env.VIGIL_BENCH_EVENTS ?? fileURLToPath(new URL('../../shared/datasets/mordor-windows/events.ndjson.gz', import.meta.url));

interface Run {
  run: string;
  workers: number;
  events: number;
  /** Events the engine parsed (the others it decided from their bytes). */
  parsed: number;
  matches: number;
  /** Rule loading and compiling (each worker does its own), not counted in the rate. */
  startupSeconds: number;
  seconds: number;
  eventsPerSecond: number;
  peakRssMB: number;
}

function peakRssMB(): number {
  const kb = Number(readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s*(\d+)/)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;

async function child(mode: string): Promise<Run> {
  if (mode === 'parse') {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for await (const t of readEventTexts(file)) {
      JSON.parse(t.text);
      n++;
    }
    const s = seconds(t0);
    return { run: 'read + JSON.parse only', workers: 0, events: n, parsed: n, matches: 0, startupSeconds: 0, seconds: s, eventsPerSecond: n / s, peakRssMB: peakRssMB() };
  }
  const workers = Number(mode);
  const t0 = process.hrtime.bigint();
  // On one thread the rules are compiled here; with workers, each worker compiles its own.
  const rules = workers > 1 ? undefined : loadHuntRules([bundledRuleDir], loadPipelines([bundledPipelineDir]).pipelines);
  let ready = 0n;
  const summary = await runHunt({
    rulePaths: [bundledRuleDir],
    eventFiles: [file],
    rules,
    workers,
    onReady: () => {
      ready = process.hrtime.bigint();
    },
  });
  const s = seconds(ready);
  return {
    run: workers > 1 ? `hunt, ${workers} workers` : 'hunt, 1 thread',
    workers,
    events: summary.events,
    parsed: summary.parsed,
    matches: summary.matches,
    startupSeconds: Number(ready - t0) / 1e9,
    seconds: s,
    eventsPerSecond: summary.events / s,
    peakRssMB: peakRssMB(),
  };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await child(process.argv[3])));
} else {
  const workerCounts = (process.env.VIGIL_BENCH_WORKERS ?? String(Math.max(2, availableParallelism())))
    .split(',')
    .map(Number)
    .filter((n) => n > 1);
  const self = fileURLToPath(import.meta.url);
  const runs: Run[] = ['parse', '0', ...workerCounts.map(String)].map(
    (mode) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, '--child', mode], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Run,
  );
  const ceiling = runs[0].eventsPerSecond;
  const rows = [
    ['run', 'events', 'parsed', 'matches', 'start-up s', 'seconds', 'events/s', 'of parse rate', 'peak RSS MB'],
    ...runs.map((r) => [
      r.run,
      String(r.events),
      `${((r.parsed / r.events) * 100).toFixed(0)}%`,
      String(r.matches),
      r.startupSeconds.toFixed(2),
      r.seconds.toFixed(2),
      String(Math.round(r.eventsPerSecond)),
      `${((r.eventsPerSecond / ceiling) * 100).toFixed(1)}%`,
      String(r.peakRssMB),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n'));
  const machine = {
    nproc: Number(execSync('nproc').toString().trim()),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage1m: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
  };
  console.log(`\nmachine: ${machine.nproc} CPU(s), ${machine.cpu}, node ${machine.node}, load average ${machine.loadAverage1m}`);
  const out = fileURLToPath(new URL('./results/detect.json', import.meta.url));
  const round = (n: number) => Math.round(n * 100) / 100;
  const result = {
    date: new Date().toISOString(),
    file,
    machine,
    runs: runs.map((r) => ({ ...r, startupSeconds: round(r.startupSeconds), seconds: round(r.seconds), eventsPerSecond: Math.round(r.eventsPerSecond), ofParseRate: round(r.eventsPerSecond / ceiling) })),
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written ${out}`);
}
