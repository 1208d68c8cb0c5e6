// Versioned JSON documents by (collection, id) on SQLite: the store for small records that
// stages keep (exceptions, checkpoints, subscriptions, dedup keys).
import type Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';
import type { DocumentStore, StoredDocument } from '../types.ts';

interface DocRow {
  collection: string;
  id: string;
  version: number;
  updated_at: string;
  body: string;
}

function toDoc<T>(r: DocRow): StoredDocument<T> {
  return { collection: r.collection, id: r.id, version: r.version, updatedAt: r.updated_at, body: JSON.parse(r.body) as T };
}

export class SqliteDocumentStore implements DocumentStore {
  private readonly one: Database.Statement<[string, string], DocRow>;
  private readonly all: Database.Statement<[string], DocRow>;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly insertIgnore: Database.Statement<unknown[]>;
  private readonly replace: Database.Statement<unknown[]>;
  private readonly remove: Database.Statement<[string, string]>;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.one = db.prepare('SELECT * FROM documents WHERE collection = ? AND id = ?');
    this.all = db.prepare('SELECT * FROM documents WHERE collection = ? ORDER BY id');
    this.insert = db.prepare('INSERT INTO documents (collection, id, version, updated_at, body) VALUES (?, ?, 1, ?, ?)');
    this.insertIgnore = db.prepare('INSERT OR IGNORE INTO documents (collection, id, version, updated_at, body) VALUES (?, ?, 1, ?, ?)');
    this.replace = db.prepare('UPDATE documents SET version = version + 1, updated_at = ?, body = ? WHERE collection = ? AND id = ? AND version = ?');
    this.remove = db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
  }

  async get<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    const r = this.one.get(collection, id);
    return r ? toDoc<T>(r) : undefined;
  }

  async put<T>(collection: string, id: string, body: T, expectedVersion?: number): Promise<StoredDocument<T>> {
    const now = new Date(this.clock()).toISOString();
    const json = JSON.stringify(body);
    const write = this.db.transaction((): StoredDocument<T> => {
      const cur = this.one.get(collection, id);
      if (!cur) {
        if (expectedVersion !== undefined && expectedVersion !== 0) {
          throw new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `document ${collection}/${id}: expected version ${expectedVersion}, but it does not exist`);
        }
        this.insert.run(collection, id, now, json);
      } else {
        const expected = expectedVersion ?? cur.version;
        if (this.replace.run(now, json, collection, id, expected).changes === 0) {
          throw new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `document ${collection}/${id}: expected version ${expected}, stored version is ${cur.version}`);
        }
      }
      return toDoc<T>(this.one.get(collection, id) as DocRow);
    });
    return write.immediate();
  }

  async putIfAbsent<T>(collection: string, id: string, body: T): Promise<boolean> {
    return this.insertIgnore.run(collection, id, new Date(this.clock()).toISOString(), JSON.stringify(body)).changes === 1;
  }

  async list<T>(collection: string): Promise<StoredDocument<T>[]> {
    return this.all.all(collection).map((r) => toDoc<T>(r));
  }

  async delete(collection: string, id: string): Promise<boolean> {
    return this.remove.run(collection, id).changes === 1;
  }
}
