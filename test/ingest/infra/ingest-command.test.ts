import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import type { CommandIo } from '../../../bin/commands/types.ts';
import { getPath } from '../../../core/ecs.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';

const SSHD_FAIL = 'Nov 24 10:00:01 web-01 sshd[123]: Failed password for root from 203.0.113.7 port 52144 ssh2';
const SSHD_OK = 'Nov 24 10:00:02 web-01 sshd[124]: Accepted publickey for alice from 10.0.0.9 port 50000 ssh2';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function capture(): Writable & { text(): string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text(): string };
  w.text = () => chunks.join('');
  return w;
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-ingest-'));
  dirs.push(dir);
  const stdout = capture();
  const stderr = capture();
  const io: CommandIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { VIGIL_DATA_DIR: join(dir, 'data') },
    cwd: dir,
    isTTY: false,
  };
  return { dir, io, stdout, stderr };
}

describe('vigil ingest', () => {
  it('imports files into the store and prints a per-dataset summary; dead-letters make the exit code 1', async () => {
    const { dir, io, stdout, stderr } = setup();
    writeFileSync(join(dir, 'auth.log'), `${SSHD_FAIL}\n\nnot an auth line\n${SSHD_OK}\n`);
    writeFileSync(join(dir, 'more.log.gz'), gzipSync(`${SSHD_OK}\n`));
    const code = await main(['ingest', 'auth.log', 'more.log.gz', '--dataset', 'system.auth'], io);
    expect(code).toBe(1);
    expect(stdout.text()).toContain('Imported 2 files: 5 lines, 3 accepted (3 events), 1 dead-lettered');
    expect(stdout.text()).toMatch(/system\.auth\s+3\s+1/);
    // The error names the file and its line number in that file.
    expect(stderr.text()).toContain(`${join(dir, 'auth.log')}:3: INGEST_PARSE`);

    const store = createSqliteEngine({ dataDir: join(dir, 'data') });
    try {
      const items = (await store.events.search({}, { limit: 100 }, 'asc')).items;
      expect(items).toHaveLength(4);
      expect(items.filter((e) => e.kind === 'pipeline_error').map((e) => getPath(e.doc, 'event.original'))).toEqual(['not an auth line']);
      expect(items.filter((e) => getPath(e.doc, 'user.name') === 'alice')).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('--dataset auto with --json, and enrichment from an inventory', async () => {
    const { dir, io, stdout } = setup();
    writeFileSync(join(dir, 'mixed.log'), `${SSHD_OK}\n`);
    writeFileSync(join(dir, 'inv.csv'), 'host,owner,criticality\nweb-01,ops,high\n');
    const code = await main(['ingest', 'mixed.log', '--dataset', 'auto', '--json', '--inventory', join(dir, 'inv.csv')], io);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.text());
    expect(summary.totals).toEqual({ lines: 1, accepted: 1, deadLettered: 0, events: 1 });
    expect(summary.datasets).toEqual({ 'system.auth': { accepted: 1, deadLettered: 0 } });
    const store = createSqliteEngine({ dataDir: join(dir, 'data') });
    try {
      const [ev] = (await store.events.search({}, { limit: 10 })).items;
      expect(getPath(ev.doc, 'vigil.asset.owner')).toBe('ops');
    } finally {
      await store.close();
    }
  });

  it('uses the configured enrichment (enrich.* settings) when no flag is given', async () => {
    const { dir, io, stdout } = setup();
    writeFileSync(join(dir, 'a.log'), `${SSHD_FAIL}\n`);
    writeFileSync(join(dir, 'bad.txt'), '203.0.113.7\n');
    const code = await main(['ingest', 'a.log', '--dataset', 'system.auth', '--json'], {
      ...io,
      env: { ...io.env, VIGIL_ENRICH_INTEL: join(dir, 'bad.txt') },
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.text()).totals.accepted).toBe(1);
    const store = createSqliteEngine({ dataDir: join(dir, 'data') });
    try {
      const [ev] = (await store.events.search({}, { limit: 10 })).items;
      expect(getPath(ev.doc, 'threat.enrichments')).toEqual([
        expect.objectContaining({ matched: expect.objectContaining({ atomic: '203.0.113.7', field: 'source.ip' }) }),
      ]);
    } finally {
      await store.close();
    }
  });

  it('draws a progress bar on stderr when it is a terminal', async () => {
    const { dir, io, stderr } = setup();
    writeFileSync(join(dir, 'a.log'), `${SSHD_OK}\n`.repeat(50));
    expect(await main(['ingest', 'a.log', '--dataset', 'system.auth'], { ...io, isTTY: true })).toBe(0);
    expect(stderr.text()).toContain('100%');
    expect(stderr.text()).toContain(`${50 * (SSHD_OK.length + 1)}/${50 * (SSHD_OK.length + 1)} bytes`);
  });

  it('usage errors: no file, no dataset, unknown dataset, missing file', async () => {
    const a = setup();
    expect(await main(['ingest', '--dataset', 'auto'], a.io)).toBe(2);
    expect(a.stderr.text()).toContain('name at least one file');
    const b = setup();
    writeFileSync(join(b.dir, 'x.log'), 'x\n');
    expect(await main(['ingest', 'x.log'], b.io)).toBe(2);
    expect(b.stderr.text()).toContain('--dataset is required');
    const c = setup();
    writeFileSync(join(c.dir, 'x.log'), 'x\n');
    expect(await main(['ingest', 'x.log', '--dataset', 'nope'], c.io)).toBe(2);
    expect(c.stderr.text()).toMatch(/unknown dataset "nope" \(known: auto, .*system\.auth/);
    const d = setup();
    expect(await main(['ingest', 'missing.log', '--dataset', 'auto'], d.io)).toBe(2);
    expect(d.stderr.text()).toContain('missing.log: cannot read the file');
  });
});
