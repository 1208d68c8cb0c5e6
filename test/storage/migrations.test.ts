// Schema migrations on a real database file: an existing v1 file with data is upgraded in place,
// a file from a newer Vigil is refused, and a failing migration leaves the file as it was.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { openSqliteFile } from '../../core/storage/sqlite/database.ts';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import { applyMigrations, latestSchemaVersion, type Migration, migrations, schemaVersion } from '../../core/storage/sqlite/migrations.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-migrations-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, 'vigil.db');

/** A database file as Vigil's first release left it: schema v1, with an incident and an event in it. */
function createV1File(): void {
  const db = openSqliteFile(file());
  expect(applyMigrations(db, { file: file(), target: 1 })).toEqual([1]);
  const doc = {
    id: 'inc-1',
    version: 1,
    title: 'SSH brute force on web-01',
    state: 'new',
    severity: 'high',
    tags: [],
    ruleIds: ['rule-ssh'],
    hosts: ['web-01'],
    users: [],
    groupKey: 'rule-ssh|203.0.113.7',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    fields: {},
  };
  db.prepare(
    `INSERT INTO incidents (id, version, state, severity, severity_rank, created_at, updated_at, doc)
     VALUES ('inc-1', 1, 'new', 'high', 3, ?, ?, ?)`,
  ).run(Date.parse(doc.createdAt), Date.parse(doc.updatedAt), JSON.stringify(doc));
  db.prepare(`INSERT INTO events (id, ts, ingested, dataset, kind, doc) VALUES ('ev-1', 1000, 2000, 'sshd', 'event', ?)`).run(
    JSON.stringify({ '@timestamp': '1970-01-01T00:00:01.000Z', event: { dataset: 'sshd', kind: 'event' } }),
  );
  db.close();
}

describe('sqlite migrations', () => {
  it('the migration list is ordered and numbered 1..n, with at least two versions', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(latestSchemaVersion).toBeGreaterThanOrEqual(2);
  });

  it('upgrades an existing v1 file to the latest version and keeps its data', async () => {
    createV1File();
    const engine = createSqliteEngine({ dataDir: dir });
    try {
      const inc = await engine.incidents.get('inc-1');
      expect(inc?.title).toBe('SSH brute force on web-01');
      // v2 backfilled the group key column from the stored documents: the lookup finds the old incident.
      const byGroup = await engine.incidents.list({ groupKey: 'rule-ssh|203.0.113.7' }, { limit: 5 });
      expect(byGroup.items.map((i) => i.id)).toEqual(['inc-1']);
      expect((await engine.events.get('ev-1'))?.dataset).toBe('sshd');
      // The upgraded file works for new writes too.
      await engine.incidents.update('inc-1', 1, { state: 'triaged' });
      expect((await engine.incidents.get('inc-1'))?.version).toBe(2);
      expect((await engine.ready()).detail).toContain(`schema v${latestSchemaVersion}`);
    } finally {
      await engine.close();
    }
    const db = new Database(file(), { readonly: true });
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      name: string;
      applied_at: string;
    }>;
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(rows[1].name).toBe(migrations[1].name);
    expect(Number.isNaN(Date.parse(rows[1].applied_at))).toBe(false);
    const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'`).all() as Array<{
      name: string;
    }>;
    expect(indexes.map((i) => i.name)).toContain('incidents_group_key');
    db.close();
  });

  it('opening an up-to-date file applies nothing', async () => {
    await createSqliteEngine({ dataDir: dir }).close();
    const db = openSqliteFile(file());
    expect(applyMigrations(db, { file: file() })).toEqual([]);
    expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(latestSchemaVersion);
    db.close();
  });

  it('refuses a file written by a newer Vigil, naming both versions', () => {
    const db = openSqliteFile(file());
    db.pragma(`user_version = ${latestSchemaVersion + 5}`);
    db.close();
    let err: unknown;
    try {
      createSqliteEngine({ dataDir: dir });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('STORE_MIGRATION_FAILED');
    expect((err as VigilError).message).toContain(file());
    expect((err as VigilError).message).toContain(`schema version ${latestSchemaVersion + 5}`);
    expect((err as VigilError).message).toContain(`latest ${latestSchemaVersion}`);
  });

  it('rolls a failing migration back completely and names it', () => {
    const broken: Migration[] = [
      migrations[0],
      {
        version: 2,
        name: 'half-done change',
        up(db) {
          db.exec('CREATE TABLE half_done (x INTEGER)');
          db.exec('ALTER TABLE no_such_table ADD COLUMN y TEXT');
        },
      },
    ];
    const db = openSqliteFile(file());
    let err: unknown;
    try {
      applyMigrations(db, { file: file(), list: broken });
    } catch (e) {
      err = e;
    }
    expect((err as VigilError).code).toBe('STORE_MIGRATION_FAILED');
    expect((err as VigilError).message).toContain('migration 2 (half-done change)');
    expect((err as VigilError).message).toContain('no_such_table');
    // Migration 1 stays applied; nothing of migration 2 remains.
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'half_done'`).get()).toBeUndefined();
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);
    db.close();
  });
});
