// Test helper process: appends numbered events in batches, printing "acked <n>" once
// append() has resolved for events 0..n-1. The durability test kills it with SIGKILL mid-stream.
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';

const [dataDir] = process.argv.slice(2);
const engine = createSqliteEngine({ dataDir });
// Bounded, and gone with its parent (EPIPE on stdout), so a failed test leaves no process behind.
process.stdout.on('error', () => process.exit(1));
let n = 0;
while (n < 1_000_000) {
  const batch = Array.from({ length: 50 }, (_, i) => ({ '@timestamp': new Date().toISOString(), seq: n + i }));
  await engine.events.append(batch);
  n += batch.length;
  process.stdout.write(`acked ${n}\n`);
}
