// The embedded storage engine: every store on one SQLite file (better-sqlite3, WAL) under the
// data directory, brought to the latest schema on open.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Health } from '../../queue/types.ts';
import type { StorageEngine } from '../types.ts';
import { SqliteAlertStore } from './alert-store.ts';
import { SqliteAuditLog } from './audit-log.ts';
import { ensureDir, openSqliteFile } from './database.ts';
import { SqliteDocumentStore } from './document-store.ts';
import { SqliteEventStore } from './event-store.ts';
import { SqliteIncidentStore } from './incident-store.ts';
import { SqliteApiKeyStore } from './key-store.ts';
import { applyMigrations, schemaVersion } from './migrations.ts';
import { SqliteWebhookOutbox } from './outbox.ts';
import { compileQuerySql, registerSqlFunctions } from './query-sql.ts';
import { SqlitePlaybookRunStore } from './run-store.ts';
import { guardStore } from './sqlite-errors.ts';

export interface SqliteOptions {
  /** Directory holding the database file; created when missing. */
  dataDir: string;
  /** @default 'vigil.db' */
  fileName?: string;
  logger?: Logger;
  /** Milliseconds since the epoch for times the store sets itself. @default Date.now */
  clock?: () => number;
}

export function createSqliteEngine(opts: SqliteOptions): StorageEngine & { readonly file: string } {
  ensureDir(opts.dataDir);
  const file = resolve(join(opts.dataDir, opts.fileName ?? 'vigil.db'));
  const clock = opts.clock ?? Date.now;
  const db = openSqliteFile(file);
  try {
    const before = schemaVersion(db);
    const applied = applyMigrations(db, { file });
    if (applied.length) opts.logger?.info({ file, from: before, applied }, 'storage schema migrated');
    // vigil_regexp / vigil_cidr, which compiled event queries call.
    registerSqlFunctions(db);
  } catch (err) {
    db.close();
    throw err;
  }
  let closed = false;

  return {
    kind: 'sqlite',
    file,
    events: guardStore(new SqliteEventStore(db, compileQuerySql, clock), 'events', file),
    alerts: guardStore(new SqliteAlertStore(db), 'alerts', file),
    incidents: guardStore(new SqliteIncidentStore(db, clock), 'incidents', file),
    audit: guardStore(new SqliteAuditLog(db, clock), 'audit', file),
    runs: guardStore(new SqlitePlaybookRunStore(db, clock), 'runs', file),
    outbox: guardStore(new SqliteWebhookOutbox(db), 'outbox', file),
    keys: guardStore(new SqliteApiKeyStore(db), 'keys', file),
    docs: new SqliteDocumentStore(db, clock),

    async ready(): Promise<Health> {
      if (closed) return { ok: false, detail: `sqlite ${file}: closed` };
      try {
        const start = performance.now();
        db.prepare('SELECT 1').get();
        const ms = Math.round(performance.now() - start);
        return { ok: true, detail: `sqlite ${file} (schema v${schemaVersion(db)}, WAL) SELECT 1 in ${ms} ms` };
      } catch (err) {
        return { ok: false, detail: `sqlite ${file}: ${(err as Error).message}` };
      }
    },

    /** Folds the WAL back into the main file so a stopped Vigil leaves one self-contained file. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (err) {
        opts.logger?.warn({ file, err }, 'WAL checkpoint on close failed; the WAL file will be replayed on next open');
      }
      db.close();
    },
  };
}
