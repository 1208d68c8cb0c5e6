// Bulk indexing with end-to-end acknowledgement: add() resolves only once every document it was
// given is indexed (or kept in the dead-letter index), so a sender acknowledged by Vigil never
// loses data while Elasticsearch is slow or briefly down.
// - Batches close on document count, serialised bytes or time, whichever comes first.
// - Each item of a bulk reply is classified on its own (as Vector's Elasticsearch sink does):
//   429 and 5xx are retried alone with exponential backoff and full jitter; a mapping refusal
//   (mapper_parsing_exception, document_parsing_exception) goes to the dead-letter index with the
//   reason and the original document; 409 on create means an earlier attempt already stored the
//   document (the reply was lost), so it counts as indexed; anything else fails the caller.
// - A whole request that fails to connect, times out or answers 429/5xx is retried the same way;
//   other refusals (400, 401, 403 …) fail the caller at once, 403 naming the missing privilege.
// - Pending documents (queued, in flight or waiting to retry) are bounded: add() waits for room
//   instead of growing the buffer, and that wait is the backpressure a source feels.
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { ErrorCode, type ErrorRecord, toErrorRecord, VigilError } from '../../errors.ts';
import { type Need, translateEsError } from './es-errors.ts';

export interface BulkIndexerOptions {
  client: Client;
  /** Index that receives documents Elasticsearch refused for their content. */
  deadLetterIndex: string;
  /** @default 1000 */
  maxDocs?: number;
  /** Serialised bytes of a batch's documents. @default 5 MiB */
  maxBytes?: number;
  /** A partial batch is sent this long after its first document arrived. @default 1000 */
  flushIntervalMs?: number;
  /** Documents accepted but not yet settled; add() waits beyond this. @default 20000 */
  maxPendingDocs?: number;
  /** Bulk requests in flight at once. @default 2 */
  concurrency?: number;
  /** @default 200 */
  initialBackoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /** A document still failing this long after its first attempt fails its add() (STORE_UNAVAILABLE, retryable). @default 300000 */
  retryTimeoutMs?: number;
  /** Refresh policy of each bulk request ('wait_for': searchable when add() resolves). @default false */
  refresh?: estypes.Refresh;
  /** The privilege the writes need, named when the cluster answers 403. */
  need?: Need;
  /** Name in error messages. @default 'bulk' */
  place?: string;
  logger?: Logger;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
}

export interface BulkItem {
  index: string;
  id: string;
  doc: Record<string, unknown>;
}

export interface BulkOutcome {
  id: string;
  result: 'indexed' | 'dead_lettered';
}

export interface BulkIndexerStats {
  /** Accepted by add() and not yet settled. */
  pending: number;
  queued: number;
  inFlight: number;
  indexed: number;
  deadLettered: number;
  retried: number;
  failed: number;
}

interface Entry {
  item: BulkItem;
  line: string;
  bytes: number;
  attempts: number;
  firstTry: number;
  lastError?: ItemError;
  /** Set once resolved or rejected; a second settle is ignored. */
  done?: boolean;
  resolve(o: BulkOutcome): void;
  reject(e: unknown): void;
}

const MAPPING_ERRORS = new Set(['mapper_parsing_exception', 'document_parsing_exception', 'strict_dynamic_mapping_exception']);

type ItemError = estypes.ErrorCause;

export class BulkIndexer {
  private readonly o: Required<Omit<BulkIndexerOptions, 'logger' | 'need' | 'refresh'>> & Pick<BulkIndexerOptions, 'logger' | 'need' | 'refresh'>;
  private queue: Entry[] = [];
  private queuedBytes = 0;
  private pending = 0;
  private inFlight = 0;
  private waiters: Array<{ n: number; go: () => void }> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushDue = false;
  private closing = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private drained: Array<() => void> = [];
  private readonly counters = { indexed: 0, deadLettered: 0, retried: 0, failed: 0 };

  constructor(opts: BulkIndexerOptions) {
    this.o = {
      maxDocs: 1000,
      maxBytes: 5 * 1024 * 1024,
      flushIntervalMs: 1000,
      maxPendingDocs: 20_000,
      concurrency: 2,
      initialBackoffMs: 200,
      maxBackoffMs: 30_000,
      retryTimeoutMs: 300_000,
      place: 'bulk',
      random: Math.random,
      // An option given as undefined keeps its default.
      ...(Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as BulkIndexerOptions),
    };
    for (const k of ['maxDocs', 'maxBytes', 'maxPendingDocs', 'concurrency'] as const) {
      if (!Number.isInteger(this.o[k]) || this.o[k] < 1) {
        throw new VigilError(ErrorCode.CONFIG_INVALID, `elasticsearch.bulk.${k}: ${String(this.o[k])} must be a positive integer`, {
          source: 'config',
          path: `elasticsearch.bulk.${k}`,
        });
      }
    }
  }

  stats(): BulkIndexerStats {
    return { pending: this.pending, queued: this.queue.length, inFlight: this.inFlight, ...this.counters };
  }

  /** Resolves once every item is indexed or dead-lettered; rejects when any item failed for good. */
  async add(items: readonly BulkItem[]): Promise<BulkOutcome[]> {
    if (this.closing) throw this.closedError();
    if (items.length === 0) return [];
    const lines = items.map((it, i) => {
      try {
        return JSON.stringify(it.doc);
      } catch (err) {
        throw new VigilError(ErrorCode.REQUEST_INVALID, `${this.o.place}[${i}]: cannot be stored as JSON: ${(err as Error).message}`, {
          source: this.o.place,
          path: `[${i}]`,
        });
      }
    });
    await this.reserve(items.length);
    const now = Date.now();
    const promises = items.map(
      (item, i) =>
        new Promise<BulkOutcome>((resolve, reject) => {
          const line = lines[i];
          const entry: Entry = { item, line, bytes: Buffer.byteLength(line), attempts: 0, firstTry: now, resolve, reject };
          this.queue.push(entry);
          this.queuedBytes += entry.bytes;
        }),
    );
    this.schedule();
    // Every item settles even when one fails, so the pending count stays right; then report the first failure.
    const settled = await Promise.allSettled(promises);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<BulkOutcome>).value);
  }

  /** Sends what is queued and waits until every accepted document has settled. */
  async close(): Promise<void> {
    this.closing = true;
    this.flushDue = true;
    this.schedule();
    if (this.pending > 0) await new Promise<void>((r) => this.drained.push(r));
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // ------------------------------------------------------------ capacity

  private reserve(n: number): Promise<void> {
    if (this.waiters.length === 0 && (this.pending + n <= this.o.maxPendingDocs || this.pending === 0)) {
      this.pending += n;
      return Promise.resolve();
    }
    return new Promise<void>((go) => this.waiters.push({ n, go }));
  }

  private release(n: number): void {
    this.pending -= n;
    while (this.waiters.length > 0) {
      const w = this.waiters[0];
      if (this.pending + w.n > this.o.maxPendingDocs && this.pending > 0) break;
      this.waiters.shift();
      this.pending += w.n;
      w.go();
    }
    if (this.pending === 0) {
      const done = this.drained;
      this.drained = [];
      for (const d of done) d();
    }
  }

  private settle(e: Entry, outcome: BulkOutcome | { error: unknown }): void {
    if (e.done) return;
    e.done = true;
    if ('error' in outcome) {
      this.counters.failed++;
      e.reject(outcome.error);
    } else {
      if (outcome.result === 'indexed') this.counters.indexed++;
      else this.counters.deadLettered++;
      e.resolve(outcome);
    }
    this.release(1);
  }

  // ------------------------------------------------------------ batching

  private schedule(): void {
    while (this.inFlight < this.o.concurrency && this.queue.length > 0) {
      const full = this.queue.length >= this.o.maxDocs || this.queuedBytes >= this.o.maxBytes;
      if (!full && !this.flushDue && !this.closing) break;
      const batch = this.takeBatch();
      if (this.queue.length === 0) this.flushDue = false;
      this.inFlight++;
      void this.send(batch)
        .catch((err: unknown) => {
          // A fault of the indexer itself must still answer every caller, never leave it waiting.
          const error = err instanceof VigilError ? err : new VigilError(ErrorCode.INTERNAL, `${this.o.place}: ${(err as Error).message}`, undefined, { cause: err });
          for (const e of batch) this.settle(e, { error });
        })
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
    if (this.queue.length > 0 && !this.timer && !this.flushDue) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushDue = true;
        this.schedule();
      }, this.o.flushIntervalMs);
    } else if (this.queue.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.o.maxDocs) {
      const next = this.queue[0];
      // A single document bigger than the byte limit still goes, alone.
      if (batch.length > 0 && bytes + next.bytes > this.o.maxBytes) break;
      this.queue.shift();
      this.queuedBytes -= next.bytes;
      bytes += next.bytes;
      batch.push(next);
    }
    return batch;
  }

  // ------------------------------------------------------------ sending

  private async send(batch: Entry[]): Promise<void> {
    const operations: string[] = [];
    for (const e of batch) {
      operations.push(JSON.stringify({ create: { _index: e.item.index, _id: e.item.id } }), e.line);
      e.attempts++;
    }
    let reply: estypes.BulkResponse;
    try {
      reply = await this.bulk(operations);
    } catch (err) {
      this.requestFailed(batch, err);
      return;
    }
    const retry: Entry[] = [];
    const deadLetter: Array<{ entry: Entry; error: ItemError }> = [];
    reply.items.forEach((item, i) => {
      const e = batch[i];
      if (!e) return;
      const result = item.create ?? item.index;
      const status = result?.status ?? 500;
      const error = result?.error;
      if (status < 300) this.settle(e, { id: e.item.id, result: 'indexed' });
      else if (status === 409) this.settle(e, { id: e.item.id, result: 'indexed' });
      else if (status === 429 || status >= 500) {
        retry.push(e);
        e.lastError = error;
      } else if (status === 400 && error && isMappingError(error)) deadLetter.push({ entry: e, error });
      else {
        this.settle(e, {
          error: new VigilError(
            ErrorCode.INTERNAL,
            `${this.o.place}: Elasticsearch refused document ${e.item.id} for ${e.item.index} (${status} ${describe(error)})`,
            { source: 'elasticsearch', path: `${this.o.place}/${e.item.id}` },
          ),
        });
      }
    });
    for (const e of batch.slice(reply.items.length)) {
      this.settle(e, {
        error: new VigilError(ErrorCode.INTERNAL, `${this.o.place}: Elasticsearch sent no result for document ${e.item.id}`, {
          source: 'elasticsearch',
          path: this.o.place,
        }),
      });
    }
    if (retry.length) this.retryLater(retry, describe(retry[0].lastError));
    if (deadLetter.length) await this.deadLetter(deadLetter);
  }

  private bulk(operations: string[]): Promise<estypes.BulkResponse> {
    const req: estypes.BulkRequest<string> = { operations };
    if (this.o.refresh !== undefined) req.refresh = this.o.refresh;
    // The indexer does its own retrying, item by item; the client's would resend the whole batch.
    return this.o.client.bulk(req, { maxRetries: 0 });
  }

  private requestFailed(batch: Entry[], err: unknown): void {
    const translated = translateEsError(err, this.o.place, this.o.need);
    if (translated instanceof VigilError && translated.retryable) {
      this.retryLater(batch, translated.message);
      return;
    }
    for (const e of batch) this.settle(e, { error: translated });
  }

  private retryLater(entries: Entry[], why: string): void {
    const now = Date.now();
    const keep: Entry[] = [];
    for (const e of entries) {
      if (now - e.firstTry >= this.o.retryTimeoutMs) {
        this.settle(e, {
          error: new VigilError(
            ErrorCode.STORE_UNAVAILABLE,
            `${this.o.place}: document ${e.item.id} not stored after ${e.attempts} attempts over ${now - e.firstTry} ms (last: ${why})`,
            { source: 'elasticsearch', path: this.o.place },
            { retryable: true },
          ),
        });
      } else keep.push(e);
    }
    if (keep.length === 0) return;
    this.counters.retried += keep.length;
    const attempts = Math.max(...keep.map((e) => e.attempts));
    const ceiling = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** (attempts - 1));
    const delay = Math.floor(this.o.random() * ceiling);
    this.o.logger?.warn({ docs: keep.length, attempts, delayMs: delay, why }, 'elasticsearch bulk: retrying documents');
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      // Retried documents go first: they were accepted earliest.
      this.queue.unshift(...keep);
      for (const e of keep) this.queuedBytes += e.bytes;
      this.flushDue = true;
      this.schedule();
    }, delay);
    this.retryTimers.add(timer);
  }

  /** Documents refused for their content are kept, with the reason, so nothing is dropped silently. */
  private async deadLetter(list: Array<{ entry: Entry; error: ItemError }>): Promise<void> {
    const at = new Date().toISOString();
    const operations: string[] = [];
    for (const { entry, error } of list) {
      const record: ErrorRecord = toErrorRecord(
        new VigilError(ErrorCode.INGEST_PARSE, `${entry.item.index}: ${describe(error)}`, {
          source: 'elasticsearch',
          path: `${entry.item.index}/${entry.item.id}`,
        }),
      );
      operations.push(
        JSON.stringify({ create: { _index: this.o.deadLetterIndex, _id: entry.item.id } }),
        JSON.stringify({
          '@timestamp': at,
          index: entry.item.index,
          id: entry.item.id,
          reason: { type: error.type, reason: error.reason ?? '' },
          error: record,
          original: entry.item.doc,
        }),
      );
    }
    this.o.logger?.warn({ docs: list.length, reason: describe(list[0].error) }, 'elasticsearch bulk: documents dead-lettered');
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.bulk(operations);
        reply.items.forEach((item, i) => {
          const { entry } = list[i];
          const r = item.create ?? item.index;
          const status = r?.status ?? 500;
          if (status < 300 || status === 409) this.settle(entry, { id: entry.item.id, result: 'dead_lettered' });
          else {
            this.settle(entry, {
              error: new VigilError(
                ErrorCode.STORE_UNAVAILABLE,
                `${this.o.place}: document ${entry.item.id} was refused by ${entry.item.index} (${describe(list[i].error)}) and could not be dead-lettered in ${this.o.deadLetterIndex} (${status} ${describe(r?.error)})`,
                { source: 'elasticsearch', path: this.o.deadLetterIndex },
                { retryable: status === 429 || status >= 500 },
              ),
            });
          }
        });
        return;
      } catch (err) {
        const t = translateEsError(err, `${this.o.place} dead-letter`, {
          privilege: 'create_doc',
          kind: 'index',
          on: this.o.deadLetterIndex,
          what: `keep refused documents in ${this.o.deadLetterIndex}`,
        });
        const elapsed = Date.now() - Math.min(...list.map((l) => l.entry.firstTry));
        if (!(t instanceof VigilError && t.retryable) || elapsed >= this.o.retryTimeoutMs) {
          for (const { entry } of list) this.settle(entry, { error: t });
          return;
        }
        const ceiling = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** (attempt - 1));
        await new Promise((r) => setTimeout(r, Math.floor(this.o.random() * ceiling)));
      }
    }
  }

  private closedError(): VigilError {
    return new VigilError(ErrorCode.STORE_UNAVAILABLE, `${this.o.place}: the Elasticsearch store is closed`, {
      source: 'elasticsearch',
      path: this.o.place,
    });
  }
}

function isMappingError(error: ItemError): boolean {
  return MAPPING_ERRORS.has(error.type) || (error.caused_by !== undefined && MAPPING_ERRORS.has(error.caused_by.type));
}

function describe(error: ItemError | undefined): string {
  if (!error) return 'no reason given';
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason ?? ''})` : '';
  return `${error.type}: ${error.reason ?? ''}${cause}`;
}
