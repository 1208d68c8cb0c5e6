// Test helper process: claims outbox deliveries from a shared database file until none are left,
// then prints the ids it got as one JSON line. Two of these run at once in sqlite-engine.test.ts.
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';

const [dataDir, nowIso] = process.argv.slice(2);
const engine = createSqliteEngine({ dataDir });
// Start together: announce readiness, then wait for the parent's "go" line on stdin.
process.stdout.write('ready\n');
await new Promise((r) => process.stdin.once('data', r));
const got: string[] = [];
let emptyRounds = 0;
while (emptyRounds < 3) {
  const claimed = await engine.outbox.claimDue(nowIso, 3, 600_000);
  if (claimed.length === 0) emptyRounds++;
  else emptyRounds = 0;
  got.push(...claimed.map((d) => d.id));
  // A pause between claims, as a real sender has while it posts: the other process claims meanwhile.
  await new Promise((r) => setTimeout(r, 2));
}
await engine.close();
process.stdout.write(`${JSON.stringify(got)}\n`);
process.exit(0);
