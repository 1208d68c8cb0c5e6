// Opening the embedded database file with the settings every Vigil connection needs.
//
// journal_mode=WAL with synchronous=NORMAL: a commit returns once its pages are written to the
// WAL file (an OS write, not yet fsynced). That survives a crash or kill of the process, which is
// what "acknowledged" promises; only a power loss or kernel crash can lose the last transactions
// (the database itself stays consistent). Readers never block the writer and vice versa.
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';

export function openSqliteFile(file: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new VigilError(
      ErrorCode.STORE_UNAVAILABLE,
      `${file}: cannot open the database: ${(err as Error).message}`,
      { source: file },
      { cause: err, retryable: false },
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Another process (a second `vigil serve`, the CLI) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    db.close();
    throw new VigilError(
      ErrorCode.STORE_UNAVAILABLE,
      `${file}: cannot configure the database (is it a SQLite file?): ${(err as Error).message}`,
      { source: file },
      { cause: err },
    );
  }
  return db;
}

export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `data directory ${dir}: cannot be created: ${(err as Error).message}`,
      { source: 'config', path: 'VIGIL_DATA_DIR' },
      { cause: err },
    );
  }
}
