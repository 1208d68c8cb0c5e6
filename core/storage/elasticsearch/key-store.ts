// API key records on Elasticsearch. Only the SHA-256 of a key's secret is stored. Elasticsearch
// cannot make a field unique, so a key's hash is claimed first by a marker document whose _id is
// the hash (`op_type: create`: a second claim answers 409); lookups by hash are a term query on
// the key documents. `kind` tells key documents from hash markers.
import { ErrorCode, VigilError } from '../../errors.ts';
import type { ApiKeyRecord, ApiKeyStore } from '../types.ts';
import { type EsContext, statusOf, strip } from './context.ts';

const OWN = ['kind'] as const;
const KEY = { term: { kind: 'key' } };

function toRecord(source: Record<string, unknown>): ApiKeyRecord {
  return strip<ApiKeyRecord>(source, OWN);
}

export class EsApiKeyStore implements ApiKeyStore {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('api-keys');
  }

  /** A second key with the same id or the same secret hash is refused (409). */
  async create(rec: ApiKeyRecord): Promise<void> {
    const write = this.ctx.write('keys.create', this.index);
    const conflict = (what: string) =>
      new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `api key ${rec.id}: ${what} already exists`, { source: 'api_keys', path: rec.id });
    const markerId = `hash:${rec.hash}`;
    try {
      await this.ctx.call('keys.create', write, (c) =>
        c.create({ index: this.index, id: markerId, document: { kind: 'hash', id: rec.id, hash: rec.hash }, refresh: 'wait_for' }),
      );
    } catch (err) {
      if (statusOf(err) === 409) throw conflict('a key with the same secret hash');
      throw err;
    }
    try {
      await this.ctx.call('keys.create', write, (c) =>
        c.create({ index: this.index, id: `key:${rec.id}`, document: { ...rec, kind: 'key' }, refresh: 'wait_for' }),
      );
    } catch (err) {
      // Give the hash back: the key it was claimed for does not exist.
      await this.ctx.call('keys.create', write, (c) => c.delete({ index: this.index, id: markerId, refresh: 'wait_for' }, { ignore: [404] }));
      if (statusOf(err) === 409) throw conflict('a key with this id');
      throw err;
    }
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return (await this.read(id))?.rec;
  }

  private async read(id: string): Promise<{ rec: ApiKeyRecord; seq: number; term: number } | undefined> {
    const res = await this.ctx.call('keys.get', this.ctx.read('keys.get', this.index), (c) =>
      c.get<Record<string, unknown>>({ index: this.index, id: `key:${id}` }, { ignore: [404] }),
    );
    if (!res.found || !res._source) return undefined;
    return { rec: toRecord(res._source), seq: res._seq_no ?? 0, term: res._primary_term ?? 0 };
  }

  /** Revoked keys are returned too (with revokedAt): the caller decides, and can log the attempt. */
  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const hits = await this.ctx.all('keys.findByHash', this.index, { bool: { filter: [KEY, { term: { hash } }] } }, [{ id: 'asc' }]);
    return hits[0]?._source ? toRecord(hits[0]._source) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const hits = await this.ctx.all('keys.list', this.index, KEY, [{ createdAt: 'asc' }, { id: 'asc' }]);
    return hits.map((h) => toRecord(h._source ?? {}));
  }

  /** A second revoke keeps the first revocation time: that is when the key stopped working. */
  async revoke(id: string, at: string): Promise<ApiKeyRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      const cur = await this.read(id);
      if (!cur) return undefined;
      if (cur.rec.revokedAt !== undefined) return cur.rec;
      const next = { ...cur.rec, revokedAt: at };
      try {
        await this.ctx.call('keys.revoke', this.ctx.write('keys.revoke', this.index), (c) =>
          c.index({
            index: this.index,
            id: `key:${id}`,
            document: { ...next, kind: 'key' },
            if_seq_no: cur.seq,
            if_primary_term: cur.term,
            refresh: 'wait_for',
          }),
        );
        return next;
      } catch (err) {
        if (statusOf(err) === 409 && attempt < 10) continue;
        throw err;
      }
    }
  }

  /** Unknown ids are ignored, as a key deleted meanwhile has nothing to record. */
  async touch(id: string, at: string): Promise<void> {
    await this.ctx.call('keys.touch', this.ctx.write('keys.touch', this.index), (c) =>
      c.update({ index: this.index, id: `key:${id}`, doc: { lastUsedAt: at }, retry_on_conflict: 3, refresh: 'wait_for' }, { ignore: [404] }),
    );
  }

  async count(): Promise<number> {
    return this.ctx.count('keys.count', this.index, KEY);
  }
}
