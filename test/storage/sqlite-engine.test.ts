// What only the SQLite engine promises: its file, its settings, database-level append-only
// tables, a clean file after close, and outbox claims that two processes never share.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { createStorageEngine } from '../../core/storage/index.ts';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import { translateSqliteError } from '../../core/storage/sqlite/sqlite-errors.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const claimChild = fileURLToPath(new URL('./outbox-claim-child.ts', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    return err as VigilError;
  }
  throw new Error('expected a VigilError');
}

describe('sqlite engine', () => {
  it('creates the data directory and one file in it, in WAL mode with the documented settings', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const engine = createSqliteEngine({ dataDir, fileName: 'soc.db' });
    try {
      expect(engine.file).toBe(join(dataDir, 'soc.db'));
      const health = await engine.ready();
      expect(health.ok).toBe(true);
      expect(health.detail).toContain(join(dataDir, 'soc.db'));
      const db = new Database(engine.file);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    } finally {
      await engine.close();
    }
  });

  it('applies synchronous=NORMAL, foreign keys and a busy timeout on its connection', async () => {
    // The engine's own connection is private, so open the same way it does and read the settings back.
    const { openSqliteFile } = await import('../../core/storage/sqlite/database.ts');
    const db = openSqliteFile(join(dir, 'x.db'));
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('the database itself refuses to change or delete timeline and audit rows', async () => {
    const engine = createSqliteEngine({ dataDir: dir });
    try {
      await engine.incidents.create({
        id: 'i1',
        title: 't',
        state: 'new',
        severity: 'low',
        tags: [],
        ruleIds: [],
        hosts: [],
        users: [],
        fields: {},
      });
      await engine.incidents.appendTimeline([
        { id: 't1', incidentId: 'i1', at: '2026-01-01T00:00:00Z', actor: 'system', kind: 'created', data: {} },
      ]);
      await engine.audit.append({ actor: 'system', action: 'keys.create', target: 'key:k1' });
      // A second connection, as an operator with the sqlite3 shell would have.
      const raw = new Database(engine.file);
      expect(() => raw.prepare(`UPDATE incident_timeline SET doc = '{}'`).run()).toThrow(/incident_timeline is append-only/);
      expect(() => raw.prepare('DELETE FROM incident_timeline').run()).toThrow(/incident_timeline is append-only/);
      expect(() => raw.prepare(`UPDATE audit SET actor = 'someone-else'`).run()).toThrow(/audit is append-only/);
      expect(() => raw.prepare('DELETE FROM audit').run()).toThrow(/audit is append-only/);
      raw.close();
      expect((await engine.incidents.timeline('i1')).map((t) => t.kind)).toEqual(['created']);
      expect((await engine.audit.list({}, { limit: 5 })).items.map((a) => a.actor)).toEqual(['system']);
    } finally {
      await engine.close();
    }
  });

  it('close() folds the WAL into the file, and a reopen sees everything', async () => {
    const engine = createSqliteEngine({ dataDir: dir });
    await engine.events.append(Array.from({ length: 500 }, (_, i) => ({ '@timestamp': '2026-01-01T00:00:00Z', i })));
    await engine.close();
    const wal = `${engine.file}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const again = createSqliteEngine({ dataDir: dir });
    expect(await again.events.count({})).toBe(500);
    await again.close();
  });

  it('a file that is not a SQLite database is refused with the path', () => {
    writeFileSync(join(dir, 'vigil.db'), 'this is not a database, it is a text file that happens to be long enough');
    const err = thrown(() => createSqliteEngine({ dataDir: dir }));
    expect(['STORE_UNAVAILABLE', 'STORE_MIGRATION_FAILED']).toContain(err.code);
    expect(err.message).toContain(join(dir, 'vigil.db'));
  });

  it('rejects bad times and bad field names naming the input', async () => {
    const engine = createSqliteEngine({ dataDir: dir });
    try {
      const err = await engine.events.search({ range: { from: 'yesterday-ish' } }, { limit: 5 }).catch((e: unknown) => e);
      expect((err as VigilError).code).toBe('REQUEST_INVALID');
      expect((err as VigilError).message).toBe(`range.from: 'yesterday-ish' is not an ISO 8601 time`);
      const field = await engine.events.terms({}, "x') OR 1=1 --", 5).catch((e: unknown) => e);
      expect((field as VigilError).code).toBe('REQUEST_INVALID');
      expect((field as VigilError).message).toContain('is not a field name');
      const limit = await engine.events.search({}, { limit: 0 }).catch((e: unknown) => e);
      expect((limit as VigilError).message).toContain('limit: 0');
    } finally {
      await engine.close();
    }
  });

  it('two processes claiming from one outbox never get the same delivery', async () => {
    const engine = createSqliteEngine({ dataDir: dir });
    const deliveries = Array.from({ length: 600 }, (_, i) => ({
      id: `d${i}`,
      subscriptionId: 'sub',
      eventType: 'incident.updated',
      orderingKey: `key-${i}`,
      payload: '{}',
      nextAttemptAt: '2026-01-01T00:00:00.000Z',
      createdAt: '2026-01-01T00:00:00.000Z',
    }));
    await engine.outbox.enqueue(deliveries);
    await engine.close();

    const startChild = () => {
      const p = spawn(process.execPath, ['--import', 'tsx', claimChild, dir, '2026-01-01T00:01:00.000Z'], {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const ready = new Promise<void>((resolve) => {
        p.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.startsWith('ready\n')) resolve();
        });
      });
      const done = new Promise<string[]>((resolve, reject) => {
        p.on('exit', (code) =>
          code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length)) as string[]) : reject(new Error(`claim child: ${code} ${err}`)),
        );
      });
      return { p, ready, done };
    };
    const children = [startChild(), startChild()];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.p.stdin.write('go\n');
    const [a, b] = await Promise.all(children.map((c) => c.done));
    // Both really took part (they start together and pause between claims), so the claims did race.
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    const all = [...a, ...b];
    expect(all).toHaveLength(600);
    expect(new Set(all).size).toBe(600);
  });
});

describe('createStorageEngine', () => {
  it('builds the SQLite engine under VIGIL_DATA_DIR by default', async () => {
    const saved = process.env.VIGIL_DATA_DIR;
    process.env.VIGIL_DATA_DIR = join(dir, 'from-env');
    try {
      const engine = createStorageEngine({});
      expect(engine.kind).toBe('sqlite');
      expect((await engine.ready()).detail).toContain(join(dir, 'from-env', 'vigil.db'));
      await engine.close();
    } finally {
      if (saved === undefined) delete process.env.VIGIL_DATA_DIR;
      else process.env.VIGIL_DATA_DIR = saved;
    }
  });

  it('names the missing setting when the Elasticsearch engine has no URL', () => {
    const err = thrown(() => createStorageEngine({ kind: 'elasticsearch', elasticsearch: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe('elasticsearch.url: store is "elasticsearch" but VIGIL_ELASTICSEARCH_URL is not set');
  });
});

describe('sqlite errors', () => {
  it('a closed engine answers STORE_UNAVAILABLE naming the call and the file', async () => {
    const engine = createSqliteEngine({ dataDir: dir });
    await engine.close();
    const err = (await engine.incidents.get('i1').catch((e: unknown) => e)) as VigilError;
    expect(err).toBeInstanceOf(VigilError);
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.message).toBe(`incidents.get: sqlite ${engine.file} is closed`);
  });

  it('a busy database becomes a retryable STORE_UNAVAILABLE', () => {
    const file = join(dir, 'busy.db');
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE t (x INTEGER)');
    holder.exec('BEGIN IMMEDIATE');
    const other = new Database(file, { timeout: 0 });
    let raw: unknown;
    try {
      other.prepare('INSERT INTO t VALUES (1)').run();
    } catch (e) {
      raw = e;
    }
    holder.exec('ROLLBACK');
    holder.close();
    other.close();
    const err = translateSqliteError(raw, file, 'events.append') as VigilError;
    expect(err).toBeInstanceOf(VigilError);
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('events.append');
    expect(err.message).toContain('SQLITE_BUSY');
  });
});
