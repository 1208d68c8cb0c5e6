// The bulk indexer against a local HTTP stand-in for the cluster (stand-in.test-helper.ts), through
// the real Elasticsearch client: batching, per-item retry, dead-letter, outage, backpressure.
import { Client } from '@elastic/elasticsearch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { BulkIndexer, type BulkIndexerOptions, type BulkItem } from './bulk-indexer.ts';
import { EsStandIn, itemError } from './stand-in.test-helper.ts';

let es: EsStandIn;
let client: Client;
const indexers: BulkIndexer[] = [];

beforeEach(async () => {
  es = await new EsStandIn().start();
  client = new Client({ node: es.url });
});
afterEach(async () => {
  await Promise.all(indexers.splice(0).map((i) => i.close().catch(() => undefined)));
  await client.close();
  await es.stop();
});

function indexer(over: Partial<BulkIndexerOptions> = {}): BulkIndexer {
  const ix = new BulkIndexer({
    client,
    deadLetterIndex: 'vigil-deadletter',
    flushIntervalMs: 20,
    initialBackoffMs: 5,
    maxBackoffMs: 40,
    ...over,
  });
  indexers.push(ix);
  return ix;
}

const docs = (n: number, from = 0): BulkItem[] =>
  Array.from({ length: n }, (_, i) => ({ index: 'logs-vigil.test-default', id: `e${from + i}`, doc: { n: from + i, message: `event ${from + i}` } }));

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `cond` holds, polling; fails the test after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await tick(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function settledFlag(p: Promise<unknown>): { done: boolean } {
  const flag = { done: false };
  p.then(
    () => (flag.done = true),
    () => (flag.done = true),
  );
  return flag;
}

describe('BulkIndexer', () => {
  it('splits by document count and by bytes, and sends a partial batch after the flush interval', async () => {
    const ix = indexer({ maxDocs: 3, concurrency: 1 });
    const out = await ix.add(docs(7));
    expect(out.every((o) => o.result === 'indexed')).toBe(true);
    expect(es.bulks.map((b) => b.length)).toEqual([3, 3, 1]);
    // _bulk create operations, one per document, in the order given
    expect(es.bulks.flat().map((o) => `${o.action}:${o.id}`)).toEqual(docs(7).map((d) => `create:${d.id}`));

    const small = indexer({ maxBytes: 70, maxDocs: 100 });
    await small.add(docs(4, 100));
    // each document serialises to 31 bytes: two fit under 70
    expect(es.bulks.slice(3).map((b) => b.length)).toEqual([2, 2]);

    const timed = indexer({ maxDocs: 100, flushIntervalMs: 200 });
    const pending = timed.add(docs(1, 200));
    await tick(20);
    expect(es.bulks).toHaveLength(5);
    await pending;
    expect(es.bulks).toHaveLength(6);
  });

  it('retries only the items that failed with 429 or 5xx', async () => {
    es.bulkScript = (_ops, n) =>
      n === 1 ? [undefined, itemError(429, 'es_rejected_execution_exception', 'queue full'), undefined, itemError(503, 'unavailable_shards_exception', 'primary not active')] : [];
    const ix = indexer({ maxDocs: 10 });
    const out = await ix.add(docs(4));
    expect(out.map((o) => o.result)).toEqual(['indexed', 'indexed', 'indexed', 'indexed']);
    expect(es.bulks.map((b) => b.map((o) => o.id))).toEqual([['e0', 'e1', 'e2', 'e3'], ['e1', 'e3']]);
    expect(es.storedIds('logs-vigil.test-default')).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(ix.stats().retried).toBe(2);
  });

  it('keeps a document refused for its mapping in the dead-letter index, with the reason and the document', async () => {
    es.bulkScript = (ops) =>
      ops[0].index === 'vigil-deadletter'
        ? []
        : [undefined, itemError(400, 'document_parsing_exception', "[1:30] failed to parse field [source.ip] of type [ip] in document with id 'e1'")];
    const ix = indexer({ maxDocs: 10 });
    const out = await ix.add(docs(2));
    expect(out).toEqual([
      { id: 'e0', result: 'indexed' },
      { id: 'e1', result: 'dead_lettered' },
    ]);
    expect(es.storedIds('logs-vigil.test-default')).toEqual(['e0']);
    const dead = es.stored.get('vigil-deadletter')?.get('e1') as Record<string, unknown>;
    expect(dead.index).toBe('logs-vigil.test-default');
    expect(dead.reason).toEqual({ type: 'document_parsing_exception', reason: expect.stringContaining('source.ip') });
    expect(dead.original).toEqual({ n: 1, message: 'event 1' });
    expect((dead.error as { message: string }).message).toContain('failed to parse field [source.ip]');
    expect(ix.stats().deadLettered).toBe(1);
  });

  it('loses nothing while the cluster answers 503, and resolves append only after it recovers', async () => {
    let down = true;
    es.bulkScript = () => (down ? { status: 503, body: { error: { type: 'cluster_block_exception', reason: 'no master' }, status: 503 } } : []);
    const ix = indexer({ maxDocs: 10 });
    const append = ix.add(docs(5));
    const flag = settledFlag(append);
    await until(() => es.bulks.length >= 3, 'three refused attempts');
    expect(flag.done).toBe(false);
    expect(ix.stats().pending).toBe(5);
    down = false;
    const out = await append;
    expect(out).toHaveLength(5);
    expect(es.storedIds('logs-vigil.test-default')).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(ix.stats().pending).toBe(0);
  });

  it('loses nothing while the cluster refuses connections, and goes on when it is back', async () => {
    const port = Number(new URL(es.url).port);
    await es.stop();
    const ix = indexer({ maxDocs: 10 });
    const append = ix.add(docs(3));
    const flag = settledFlag(append);
    await until(() => ix.stats().retried >= 2, 'two failed connection attempts');
    expect(flag.done).toBe(false);
    es = await new EsStandIn().start(port);
    expect(await append).toHaveLength(3);
    expect(es.storedIds('logs-vigil.test-default')).toEqual(['e0', 'e1', 'e2']);
  });

  it('counts a 409 on create as stored: an earlier attempt already indexed the document', async () => {
    const ix = indexer();
    await ix.add(docs(1));
    const again = await ix.add(docs(1));
    expect(again).toEqual([{ id: 'e0', result: 'indexed' }]);
    expect(es.storedIds('logs-vigil.test-default')).toEqual(['e0']);
  });

  it('makes append wait while the buffer is full (backpressure), then goes on', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    es.bulkScript = async () => {
      await gate;
      return [];
    };
    const ix = indexer({ maxPendingDocs: 2, maxDocs: 2 });
    const first = ix.add(docs(2));
    await until(() => es.bulks.length === 1, 'the first bulk');
    const second = ix.add(docs(1, 2));
    const secondDone = settledFlag(second);
    await tick(80);
    // the second append has not been accepted: nothing more queued or sent
    expect(ix.stats()).toMatchObject({ pending: 2, queued: 0, inFlight: 1 });
    expect(es.bulks).toHaveLength(1);
    expect(secondDone.done).toBe(false);
    open();
    await first;
    await second;
    expect(es.bulks.map((b) => b.map((o) => o.id))).toEqual([['e0', 'e1'], ['e2']]);
  });

  it('fails the caller on any other item error, naming the document and the reason', async () => {
    es.bulkScript = () => [undefined, itemError(400, 'illegal_argument_exception', 'Limit of total fields [10000] has been exceeded')];
    const ix = indexer();
    const err = await ix.add(docs(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).message).toContain('e1');
    expect((err as VigilError).message).toContain('Limit of total fields');
    expect(ix.stats()).toMatchObject({ pending: 0, indexed: 1, failed: 1 });
  });

  it('answers the caller even when a reply leaves documents out', async () => {
    es.bulkScript = () => ({ status: 200, body: { took: 1, errors: false, items: [] } });
    const ix = indexer();
    const err = (await ix.add(docs(2)).catch((e: unknown) => e)) as VigilError;
    expect(err.message).toContain('no result for document e0');
    expect(ix.stats().pending).toBe(0);
  });

  it('names the missing privilege when the cluster answers 403', async () => {
    es.bulkScript = () => ({
      status: 403,
      body: {
        error: {
          type: 'security_exception',
          reason:
            'action [indices:data/write/bulk[s]] is unauthorized for user [vigil] with effective roles [vigil_reader] on indices [logs-vigil.test-default], this action is granted by the index privileges [create_doc,create,index,write,all]',
        },
        status: 403,
      },
    });
    const ix = indexer({ need: { privilege: 'create_doc', kind: 'index', on: 'logs-vigil.*', what: 'append events to logs-vigil.*-default' } });
    const err = (await ix.add(docs(1)).catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain("Elasticsearch user lacks 'create_doc' (index on logs-vigil.*) needed to append events to logs-vigil.*-default");
    expect(err.message).toContain('[create_doc,create,index,write,all]');
    expect(es.bulks).toHaveLength(1);
  });

  it('gives up after the retry timeout with a retryable STORE_UNAVAILABLE, and close() flushes what is queued', async () => {
    es.bulkScript = () => ({ status: 429, body: { error: { type: 'es_rejected_execution_exception', reason: 'rejected' }, status: 429 } });
    const ix = indexer({ retryTimeoutMs: 60 });
    const err = (await ix.add(docs(1)).catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('e0');

    es.bulkScript = () => [];
    const slow = indexer({ flushIntervalMs: 60_000 });
    const pending = slow.add(docs(2, 10));
    await tick(20);
    const before = es.bulks.length;
    await slow.close();
    await pending;
    expect(es.bulks.length).toBe(before + 1);
    expect(es.storedIds('logs-vigil.test-default')).toEqual(['e10', 'e11']);
    await expect(slow.add(docs(1, 20))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
