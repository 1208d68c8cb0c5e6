// Versioned JSON documents by (collection, id) on Elasticsearch, one document each with a
// deterministic _id. The version lives in the document; a replace reads it (realtime GET) and
// writes with if_seq_no/if_primary_term, so a stale writer gets STORE_VERSION_CONFLICT. Creation
// uses `op_type: create`, which also makes putIfAbsent atomic across processes.
import { ErrorCode, VigilError } from '../../errors.ts';
import { stableId } from '../../ids.ts';
import type { DocumentStore, StoredDocument } from '../types.ts';
import { type EsContext, statusOf } from './context.ts';

interface DocSource {
  collection: string;
  id: string;
  version: number;
  updatedAt: string;
  body: unknown;
}

function toDoc<T>(s: DocSource): StoredDocument<T> {
  return { collection: s.collection, id: s.id, version: s.version, updatedAt: s.updatedAt, body: s.body as T };
}

const UNCONDITIONAL_ATTEMPTS = 10;

export class EsDocumentStore implements DocumentStore {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('documents');
  }

  private docId(collection: string, id: string): string {
    return stableId('doc', collection, id);
  }

  private async read(collection: string, id: string): Promise<{ doc: DocSource; seq: number; term: number } | undefined> {
    const res = await this.ctx.call('docs.get', this.ctx.read('docs.get', this.index), (c) =>
      c.get<DocSource>({ index: this.index, id: this.docId(collection, id) }, { ignore: [404] }),
    );
    if (!res.found || !res._source) return undefined;
    return { doc: res._source, seq: res._seq_no ?? 0, term: res._primary_term ?? 0 };
  }

  async get<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    const cur = await this.read(collection, id);
    return cur ? toDoc<T>(cur.doc) : undefined;
  }

  async put<T>(collection: string, id: string, body: T, expectedVersion?: number): Promise<StoredDocument<T>> {
    const conflict = (detail: string) =>
      new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `document ${collection}/${id}: ${detail}`, { source: 'documents', path: `${collection}/${id}` });
    const write = this.ctx.write('docs.put', this.index);
    const _id = this.docId(collection, id);
    // Without an expected version the put is unconditional: a lost race is retried on the new version.
    for (let attempt = 1; ; attempt++) {
      const cur = await this.read(collection, id);
      const now = new Date(this.ctx.clock()).toISOString();
      try {
        if (!cur) {
          if (expectedVersion !== undefined && expectedVersion !== 0) throw conflict(`expected version ${expectedVersion}, but it does not exist`);
          const doc: DocSource = { collection, id, version: 1, updatedAt: now, body };
          await this.ctx.call('docs.put', write, (c) => c.create({ index: this.index, id: _id, document: doc, refresh: 'wait_for' }));
          return toDoc<T>(doc);
        }
        const expected = expectedVersion ?? cur.doc.version;
        if (expected !== cur.doc.version) throw conflict(`expected version ${expected}, stored version is ${cur.doc.version}`);
        const doc: DocSource = { collection, id, version: cur.doc.version + 1, updatedAt: now, body };
        await this.ctx.call('docs.put', write, (c) =>
          c.index({ index: this.index, id: _id, document: doc, if_seq_no: cur.seq, if_primary_term: cur.term, refresh: 'wait_for' }),
        );
        return toDoc<T>(doc);
      } catch (err) {
        if (err instanceof VigilError && err.code === ErrorCode.STORE_VERSION_CONFLICT && statusOf(err) === undefined) throw err;
        if (statusOf(err) !== 409) throw err;
        if (expectedVersion === undefined && attempt < UNCONDITIONAL_ATTEMPTS) continue;
        throw conflict(`expected version ${expectedVersion ?? cur?.doc.version ?? 0}, but another writer changed it first`);
      }
    }
  }

  async putIfAbsent<T>(collection: string, id: string, body: T): Promise<boolean> {
    const doc: DocSource = { collection, id, version: 1, updatedAt: new Date(this.ctx.clock()).toISOString(), body };
    try {
      await this.ctx.call('docs.putIfAbsent', this.ctx.write('docs.putIfAbsent', this.index), (c) =>
        c.create({ index: this.index, id: this.docId(collection, id), document: doc, refresh: 'wait_for' }),
      );
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  /** Ordered by id; up to 10000 per collection (these are small collections by design). */
  async list<T>(collection: string): Promise<StoredDocument<T>[]> {
    const hits = await this.ctx.all('docs.list', this.index, { term: { collection } }, [{ id: 'asc' }]);
    return hits.map((h) => toDoc<T>(h._source as unknown as DocSource));
  }

  async delete(collection: string, id: string): Promise<boolean> {
    const res = await this.ctx.call('docs.delete', { privilege: 'delete', kind: 'index', on: this.index, what: `delete from ${this.index}` }, (c) =>
      c.delete({ index: this.index, id: this.docId(collection, id), refresh: 'wait_for' }, { ignore: [404] }),
    );
    return res.result === 'deleted';
  }
}
