// Versioned schema of the embedded store. Each migration runs in its own transaction and is
// recorded both in `schema_migrations` (audit trail: what ran when) and in `PRAGMA user_version`
// (cheap check on open). Migrations only ever get appended to this list; a shipped one is never edited.
import type Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Append-only tables refuse UPDATE and DELETE at the database level, not just by API shape. */
function appendOnlyTriggers(table: string): string {
  return `
    CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} is append-only: rows cannot be updated'); END;
    CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} is append-only: rows cannot be deleted'); END;`;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'base schema',
    up(db) {
      db.exec(`
        -- A rowid table, not WITHOUT ROWID: documents are large rows, which SQLite advises against
        -- storing inside a WITHOUT ROWID b-tree (and appends measured about a third faster).
        CREATE TABLE events (
          id TEXT PRIMARY KEY,
          ts INTEGER NOT NULL,
          ingested INTEGER NOT NULL,
          dataset TEXT,
          kind TEXT,
          doc TEXT NOT NULL
        );
        CREATE INDEX events_ts ON events (ts, id);
        -- id last so a dataset- or kind-filtered page is read in (ts, id) order without a sort.
        CREATE INDEX events_dataset_ts ON events (dataset, ts, id);
        CREATE INDEX events_kind_ts ON events (kind, ts, id);

        CREATE TABLE alerts (
          id TEXT PRIMARY KEY,
          rule_id TEXT NOT NULL,
          severity TEXT NOT NULL,
          status TEXT NOT NULL,
          incident_id TEXT,
          event_time INTEGER NOT NULL,
          detected_at INTEGER NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE INDEX alerts_detected ON alerts (detected_at, id);
        CREATE INDEX alerts_rule ON alerts (rule_id, detected_at);
        CREATE INDEX alerts_incident ON alerts (incident_id);

        CREATE TABLE incidents (
          id TEXT PRIMARY KEY,
          version INTEGER NOT NULL,
          state TEXT NOT NULL,
          severity TEXT NOT NULL,
          severity_rank INTEGER NOT NULL,
          grade TEXT,
          category TEXT,
          assignee TEXT,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE INDEX incidents_created ON incidents (created_at, id);
        CREATE INDEX incidents_updated ON incidents (updated_at, id);
        CREATE INDEX incidents_state ON incidents (state, created_at);

        CREATE TABLE incident_timeline (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          incident_id TEXT NOT NULL REFERENCES incidents (id),
          at INTEGER NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, at, seq);
        ${appendOnlyTriggers('incident_timeline')}

        CREATE TABLE audit (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          at INTEGER NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          target TEXT NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE INDEX audit_at ON audit (at, seq);
        CREATE INDEX audit_actor ON audit (actor, at);
        CREATE INDEX audit_target ON audit (target, at);
        ${appendOnlyTriggers('audit')}

        CREATE TABLE playbook_runs (
          id TEXT PRIMARY KEY,
          version INTEGER NOT NULL,
          playbook_id TEXT NOT NULL,
          incident_id TEXT,
          status TEXT NOT NULL,
          wake_at INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE INDEX playbook_runs_status ON playbook_runs (status, wake_at);
        CREATE INDEX playbook_runs_incident ON playbook_runs (incident_id, created_at);

        CREATE TABLE outbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          subscription_id TEXT NOT NULL,
          event_type TEXT NOT NULL,
          ordering_key TEXT NOT NULL,
          payload TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          leased_until INTEGER,
          delivered_at INTEGER,
          last_status INTEGER,
          last_error TEXT
        );
        CREATE INDEX outbox_key_head ON outbox (ordering_key, status, created_at, seq);
        CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
        CREATE INDEX outbox_subscription ON outbox (subscription_id, created_at);

        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          role TEXT NOT NULL,
          hash TEXT NOT NULL,
          prefix TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by TEXT,
          revoked_at TEXT,
          last_used_at TEXT
        );
        CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
      `);
    },
  },
  {
    // Grouping alerts into incidents looks up "the open incident with this group key" for every
    // alert; v1 answered that by scanning JSON. A real column (backfilled) plus an index makes it
    // an index seek.
    version: 2,
    name: 'incidents.group_key column and index',
    up(db) {
      db.exec(`
        ALTER TABLE incidents ADD COLUMN group_key TEXT;
        UPDATE incidents SET group_key = json_extract(doc, '$.groupKey');
        CREATE INDEX incidents_group_key ON incidents (group_key, state);
      `);
    },
  },
  {
    // Response and detection keep small settings-like records (rule exceptions, checkpoints,
    // subscriptions, dedup keys) that need no table of their own.
    version: 3,
    name: 'documents table',
    up(db) {
      db.exec(`
        CREATE TABLE documents (
          collection TEXT NOT NULL,
          id TEXT NOT NULL,
          version INTEGER NOT NULL,
          updated_at TEXT NOT NULL,
          body TEXT NOT NULL,
          PRIMARY KEY (collection, id)
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const latestSchemaVersion: number = migrations[migrations.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `target` (default: the latest), one transaction per migration.
 * `file` only names the database in errors. Returns the versions applied.
 */
export function applyMigrations(
  db: Database.Database,
  opts: { file: string; target?: number; list?: readonly Migration[] } = { file: 'database' },
): number[] {
  const list = opts.list ?? migrations;
  const latest = list.length ? list[list.length - 1].version : 0;
  const target = opts.target ?? latest;
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  if (current > latest) {
    throw new VigilError(
      ErrorCode.STORE_MIGRATION_FAILED,
      `${opts.file}: schema version ${current} is newer than this Vigil understands (latest ${latest}); ` +
        'run the newer Vigil or restore a backup taken before the upgrade',
      { source: opts.file, path: 'user_version' },
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of list) {
    if (m.version <= current || m.version > target) continue;
    const run = db.transaction(() => {
      m.up(db);
      record.run(m.version, m.name, new Date().toISOString());
      // PRAGMA cannot take a bound parameter; the version is a number from this file.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    });
    try {
      run.immediate();
    } catch (err) {
      throw new VigilError(
        ErrorCode.STORE_MIGRATION_FAILED,
        `${opts.file}: migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}`,
        { source: opts.file, path: `migration ${m.version}` },
        { cause: err },
      );
    }
    applied.push(m.version);
  }
  return applied;
}
