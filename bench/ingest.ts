// `npm run bench:ingest`: normalisation rate per core for three common inputs (sshd/syslog lines,
// nginx access lines, Windows JSON from the Mordor sample) and end-to-end HTTP ingest into the
// embedded store with acknowledgement latency. Writes bench/results/ingest.json and an SVG chart.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { SingleBar } from 'cli-progress';
import { startServer } from '../bin/compose.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logging.ts';
import { ecsFieldType } from '../core/ecs-fields.ts';
import { createEcsChecker } from '../ingest/ecs/check.ts';
import { getParser } from '../ingest/parsers/index.ts';
import { createDatasetRouter } from '../ingest/pipeline/routing.ts';
import type { RawRecord } from '../ingest/parsers/types.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = join(here, '../test/fixtures/ecs');
const mordor = process.env.VIGIL_BENCH_WINDOWS ?? join(here, '../../shared/datasets/mordor-windows/events.ndjson.gz');
const N = Number(process.env.VIGIL_BENCH_EVENTS ?? 200_000);
const tty = Boolean(process.stderr.isTTY);

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/** Repeats the sample lines up to n, varying the source address so values are not all identical. */
function cycle(sample: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(sample[i % sample.length].replace(/\b203\.0\.113\.\d+\b/, `203.0.113.${i % 250}`));
  return out;
}

interface NormaliseRun {
  input: string;
  dataset: string;
  /** The whole input, timed from the first event (JIT warm-up included). */
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** The input after its first tenth: the same process, warm, on events it has not seen. */
  warmEvents: number;
  warmSeconds: number;
  warmEventsPerSecond: number;
}

/**
 * dataset 'auto' detects each line's dataset first with the pipeline's router, as
 * `/ingest/raw?dataset=auto` does (a JSON line is parsed once, by detection, and handed to the parser).
 */
function normalise(input: string, dataset: string, raws: string[]): NormaliseRun {
  const router = createDatasetRouter();
  const fixed = dataset === 'auto' ? undefined : getParser(dataset);
  if (dataset !== 'auto' && !fixed) throw new Error(`no parser for ${dataset}`);
  const check = createEcsChecker(ecsFieldType);
  const receivedAt = new Date();
  const bar = tty ? new SingleBar({ format: `  ${input.padEnd(22)} [{bar}] {percentage}% {value}/{total}` }) : undefined;
  bar?.start(raws.length, 0);
  let failed = 0;
  // The first tenth warms the code paths up (V8 compiles hot functions after a few thousand
  // calls); the rest is timed on its own as well, so both figures come from one pass over the
  // input and no event is normalised twice.
  const warmFrom = Math.floor(raws.length / 10);
  let tWarm = 0n;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < raws.length; i++) {
    if (i === warmFrom) tWarm = process.hrtime.bigint();
    const rec: RawRecord = { message: raws[i], receivedAt, source: 'bench' };
    const name = fixed ? fixed.dataset : router.resolve(rec);
    const parser = fixed ?? (name ? router.parser(name) : undefined);
    if (!parser) throw new Error(`no parser for input ${i}`);
    const r = parser.parse(rec);
    if (r.ok) for (const ev of r.events) check(ev);
    else failed++;
    if (bar && i % 5000 === 0) bar.update(i);
  }
  const t1 = process.hrtime.bigint();
  const seconds = Number(t1 - t0) / 1e9;
  const warmSeconds = Number(t1 - tWarm) / 1e9;
  bar?.update(raws.length);
  bar?.stop();
  if (failed) console.error(`  ${input}: ${failed} inputs failed to parse`);
  const warmEvents = raws.length - warmFrom;
  return { input, dataset, events: raws.length, seconds, eventsPerSecond: raws.length / seconds, warmEvents, warmSeconds, warmEventsPerSecond: warmEvents / warmSeconds };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The HTTP load generator (plain JavaScript, run in a worker thread). */
const CLIENT = `
const { parentPort, workerData: w } = require('node:worker_threads');
(async () => {
  const latencies = [];
  let next = 0;
  let done = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: w.concurrency }, async () => {
    while (next < w.batches) {
      const b = next++;
      const s = process.hrtime.bigint();
      const r = await fetch(w.url, {
        method: 'POST',
        headers: { authorization: 'Bearer ' + w.key, 'content-type': 'text/plain' },
        body: w.bodies[b % w.bodies.length],
      });
      if (r.status !== 202) throw new Error('ingest answered ' + r.status + ': ' + (await r.text()));
      await r.arrayBuffer();
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (++done % 5 === 0) parentPort.postMessage({ progress: done });
    }
  }));
  parentPort.postMessage({ latencies, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
})().catch((err) => process.nextTick(() => { throw err; }));
`;

async function endToEnd(sample: string[]): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const key = 'bench-admin-key-0123456789abcdef';
  const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_BOOTSTRAP_ADMIN_KEY: key, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'warn' } });
  const server = await startServer(config, createLogger({ level: 'warn' }), { version: 'bench', roles: ['ingest', 'api'] });
  const batch = 1000;
  const batches = Math.ceil(N / batch);
  const concurrency = 4;
  const bodies: string[] = [];
  for (let b = 0; b < Math.min(batches, 20); b++) bodies.push(cycle(sample, batch).join('\n'));
  // The load runs on its own thread, as a shipper would be its own process: the server's event
  // loop then spends its time on ingest, not on being the HTTP client too.
  const load = async (count: number, bar?: SingleBar): Promise<{ latencies: number[]; seconds: number }> => {
    bar?.start(count, 0);
    const client = new Worker(CLIENT, {
      eval: true,
      workerData: { url: `${server.url}/api/v1/ingest/raw?dataset=system.auth`, key, bodies, batches: count, concurrency },
    });
    try {
      return await new Promise<{ latencies: number[]; seconds: number }>((resolve, reject) => {
        client.on('message', (m: { progress?: number; latencies?: number[]; seconds?: number }) => {
          if (m.progress !== undefined) bar?.update(m.progress);
          else resolve({ latencies: m.latencies ?? [], seconds: m.seconds ?? 0 });
        });
        client.on('error', reject);
        client.on('exit', (code) => reject(new Error(`bench client thread exited with ${code}`)));
      });
    } finally {
      await client.terminate();
      bar?.stop();
    }
  };
  // A server that has been running: the first batches (a tenth, at most 20) warm it up untimed.
  const warmBatches = Math.min(20, Math.ceil(batches / 10));
  await load(warmBatches);
  const { latencies, seconds } = await load(batches, tty ? new SingleBar({ format: '  HTTP ingest            [{bar}] {percentage}% {value}/{total} batches' }) : undefined);
  const stored = (await server.engines.store.events.count({})) - warmBatches * batch;
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    events: batches * batch,
    stored,
    batchSize: batch,
    concurrency,
    seconds,
    eventsPerSecond: (batches * batch) / seconds,
    ackP50Ms: percentile(latencies, 50),
    ackP99Ms: percentile(latencies, 99),
  };
}

function chart(rows: Array<{ label: string; value: number; target: number }>): string {
  const w = 640;
  const barH = 28;
  const max = Math.max(...rows.map((r) => Math.max(r.value, r.target))) * 1.1;
  const x = (v: number) => 190 + (v / max) * (w - 220);
  const parts = rows.map((r, i) => {
    const y = 40 + i * (barH + 14);
    return `<text x="10" y="${y + 19}" font-size="13">${r.label}</text><rect x="190" y="${y}" width="${x(r.value) - 190}" height="${barH}" fill="#3b82f6"/><line x1="${x(r.target)}" x2="${x(r.target)}" y1="${y - 4}" y2="${y + barH + 4}" stroke="#dc2626" stroke-width="2"/><text x="${x(r.value) + 6}" y="${y + 19}" font-size="12">${Math.round(r.value).toLocaleString('en')}</text>`;
  });
  const h = 60 + rows.length * (barH + 14);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" role="img"><title>Vigil ingest throughput, events per second, against the targets</title><text x="10" y="22" font-size="15" font-weight="bold">Vigil ingest, events/s (normalisation: after the first tenth of the input; red line: target)</text>${parts.join('')}</svg>\n`;
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  // Other work on the machine moves these figures: the load average is recorded with them.
  const loadBefore = loadavg()[0];
  console.log(
    `Vigil ingest benchmark — ${cpu}, ${cpus().length} cores, Node ${process.version}, load ${loadBefore.toFixed(2)}, ${N.toLocaleString('en')} events per run`,
  );
  // Each input is normalised in a process of its own (as bench:detect runs each configuration), so
  // one input's figure does not carry the JIT and heap state the others left behind.
  const self = fileURLToPath(import.meta.url);
  const runs = (['sshd', 'nginx', 'windows'] as const).map(
    (name) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, '--child', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as NormaliseRun,
  );
  const auth = lines(join(fixtures, 'system.auth/test-auth.log'));
  const e2e = await endToEnd(auth);

  console.log('\nNormalisation (one core: parse + ECS type check)   whole input    after the first tenth');
  for (const r of runs)
    console.log(
      `  ${r.input.padEnd(24)} ${Math.round(r.eventsPerSecond).toLocaleString('en').padStart(10)} events/s  ${Math.round(r.warmEventsPerSecond).toLocaleString('en').padStart(10)} events/s`,
    );
  console.log('\nEnd to end: HTTP POST /api/v1/ingest/raw → parse → ECS → SQLite, 202 after commit');
  console.log(`  ${Math.round(e2e.eventsPerSecond).toLocaleString('en')} events/s, ack latency p50 ${e2e.ackP50Ms.toFixed(1)} ms, p99 ${e2e.ackP99Ms.toFixed(1)} ms (batches of ${e2e.batchSize}, ${e2e.concurrency} concurrent)`);

  const loadAfter = loadavg()[0];
  console.log(`\nload average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`);
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'ingest.json'), `${JSON.stringify({ machine: { cpu, cores: cpus().length, node: process.version, loadBefore, loadAfter }, at: new Date().toISOString(), normalise: runs, endToEnd: e2e }, null, 2)}\n`);
  writeFileSync(
    join(out, 'ingest.svg'),
    chart([
      ...runs.map((r) => ({ label: r.input, value: r.warmEventsPerSecond, target: 50_000 })),
      { label: 'HTTP → SQLite (e2e)', value: e2e.eventsPerSecond, target: 20_000 },
    ]),
  );
  console.log(`\nwrote ${join(out, 'ingest.json')} and ingest.svg`);
}

/** One normalisation run, in this process. */
function child(name: string): NormaliseRun {
  switch (name) {
    case 'sshd':
      return normalise('sshd/syslog lines', 'system.auth', cycle(lines(join(fixtures, 'system.auth/test-auth.log')), N));
    case 'nginx':
      return normalise('nginx access lines', 'nginx.access', cycle(lines(join(fixtures, 'nginx.access/test-test-with-host.log')), N));
    case 'windows':
      // The Windows sample mixes Sysmon, Security and PowerShell channels: each is routed by its own dataset.
      return normalise('Windows JSON (NXLog)', 'auto', gunzipSync(readFileSync(mordor)).toString('utf8').split('\n').filter(Boolean).slice(0, N));
    default:
      throw new Error(`bench:ingest: unknown input ${name}`);
  }
}

if (process.argv[2] === '--child') process.stdout.write(JSON.stringify(child(process.argv[3])));
else await main();
