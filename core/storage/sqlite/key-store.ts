// API key records on SQLite. Only the SHA-256 of a key's secret is stored; the unique index on
// the hash makes the per-request lookup an index seek and refuses two keys with one secret.
import type Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';
import type { ApiKeyRecord, ApiKeyStore, Role } from '../types.ts';

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  hash: string;
  prefix: string;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

const columns = 'id, name, role, hash, prefix, created_at, created_by, revoked_at, last_used_at';

function toRecord(r: KeyRow): ApiKeyRecord {
  const rec: ApiKeyRecord = { id: r.id, name: r.name, role: r.role, hash: r.hash, prefix: r.prefix, createdAt: r.created_at };
  if (r.created_by !== null) rec.createdBy = r.created_by;
  if (r.revoked_at !== null) rec.revokedAt = r.revoked_at;
  if (r.last_used_at !== null) rec.lastUsedAt = r.last_used_at;
  return rec;
}

export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly insert: Database.Statement<unknown[]>;
  private readonly byId: Database.Statement<[string], KeyRow>;
  private readonly byHash: Database.Statement<[string], KeyRow>;
  private readonly all: Database.Statement<[], KeyRow>;
  private readonly revokeStmt: Database.Statement<unknown[]>;
  private readonly touchStmt: Database.Statement<unknown[]>;
  private readonly countStmt: Database.Statement<[], { n: number }>;

  constructor(db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO api_keys (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.byId = db.prepare(`SELECT ${columns} FROM api_keys WHERE id = ?`);
    this.byHash = db.prepare(`SELECT ${columns} FROM api_keys WHERE hash = ?`);
    this.all = db.prepare(`SELECT ${columns} FROM api_keys ORDER BY created_at, id`);
    // A second revoke keeps the first revocation time: that is when the key stopped working.
    this.revokeStmt = db.prepare('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?');
    this.touchStmt = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM api_keys');
  }

  /** A second key with the same id or the same secret hash is refused (409). */
  async create(rec: ApiKeyRecord): Promise<void> {
    try {
      this.insert.run(
        rec.id,
        rec.name,
        rec.role,
        rec.hash,
        rec.prefix,
        rec.createdAt,
        rec.createdBy ?? null,
        rec.revokedAt ?? null,
        rec.lastUsedAt ?? null,
      );
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const what = code === 'SQLITE_CONSTRAINT_UNIQUE' ? 'a key with the same secret hash' : 'a key with this id';
        throw new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `api key ${rec.id}: ${what} already exists`, {
          source: 'api_keys',
          path: rec.id,
        });
      }
      throw err;
    }
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const r = this.byId.get(id);
    return r ? toRecord(r) : undefined;
  }

  /** Revoked keys are returned too (with revokedAt): the caller decides, and can log the attempt. */
  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const r = this.byHash.get(hash);
    return r ? toRecord(r) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.all.all().map(toRecord);
  }

  async revoke(id: string, at: string): Promise<ApiKeyRecord | undefined> {
    this.revokeStmt.run(at, id);
    return this.get(id);
  }

  async touch(id: string, at: string): Promise<void> {
    this.touchStmt.run(at, id);
  }

  async count(): Promise<number> {
    return this.countStmt.get()?.n ?? 0;
  }
}
