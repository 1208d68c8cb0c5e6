// Throughput of EventStore.append on the embedded engine, in batches of 1000 realistic ECS events.
// Run by hand (not part of the test suite): npx tsx test/storage/append.bench.ts [batches]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';

const batches = Number(process.argv[2] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'vigil-append-bench-'));
const engine = createSqliteEngine({ dataDir: dir });
const start0 = Date.parse('2026-01-01T00:00:00Z');
const batch = (b: number) =>
  Array.from({ length: 1000 }, (_, i) => ({
    '@timestamp': new Date(start0 + b * 1000 + i).toISOString(),
    event: { dataset: 'sshd.auth', kind: 'event', category: ['authentication'], outcome: i % 7 ? 'success' : 'failure' },
    source: { ip: `203.0.113.${i % 250}`, port: 40000 + i },
    destination: { ip: '10.0.0.5', port: 22 },
    user: { name: `user${i % 40}` },
    host: { name: 'web-01' },
    message: `Failed password for user${i % 40} from 203.0.113.${i % 250} port ${40000 + i} ssh2`,
  }));
const prepared = Array.from({ length: batches }, (_, b) => batch(b));
const t0 = performance.now();
for (const events of prepared) await engine.events.append(events);
const ms = performance.now() - t0;
const n = batches * 1000;
console.log(`appended ${n} events in ${ms.toFixed(0)} ms: ${Math.round((n / ms) * 1000)} events/s`);
const q0 = performance.now();
const count = await engine.events.count({ range: { from: new Date(start0 + 10_000).toISOString() } });
console.log(`count over a range: ${count} in ${(performance.now() - q0).toFixed(1)} ms`);
await engine.close();
rmSync(dir, { recursive: true, force: true });
