// Acknowledged means stored: a process that appends events and is then killed with SIGKILL
// (no close, no checkpoint, killed mid-append) loses none of the events it reported as acked.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const child = fileURLToPath(new URL('./append-child.ts', import.meta.url));

let dir: string;
let proc: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-durability-'));
});
afterEach(() => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('every event acked before a SIGKILL is there when the file is reopened', async () => {
  const p = spawn(process.execPath, ['--import', 'tsx', child, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  proc = p;
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const acked = await new Promise<number>((resolve, reject) => {
    let last = 0;
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^acked (\d+)$/.exec(line);
        if (m) last = Number(m[1]);
      }
      // Kill while it is still appending, after a good number of committed batches.
      if (last >= 2000 && p.exitCode === null && !p.killed) {
        p.kill('SIGKILL');
      }
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`append child exited with ${code} before being killed: ${stderr}`));
    });
  });
  expect(acked).toBeGreaterThanOrEqual(2000);

  const engine = createSqliteEngine({ dataDir: dir });
  try {
    const stored = await engine.events.count({});
    // Batches after the last "acked" line may or may not have committed; none acked may be missing.
    expect(stored).toBeGreaterThanOrEqual(acked);
    const seqs = new Set<number>();
    let cursor: string | undefined;
    do {
      const page = await engine.events.search({}, { limit: 1000, cursor }, 'asc');
      for (const e of page.items) seqs.add(e.doc.seq as number);
      cursor = page.nextCursor;
    } while (cursor);
    const missing = Array.from({ length: acked }, (_, i) => i).filter((i) => !seqs.has(i));
    expect(missing).toEqual([]);
  } finally {
    await engine.close();
  }
});
