// The webhook outbox on Elasticsearch. Deliveries that share an ordering key go out one at a time
// in creation order: only the head of a key (its oldest pending delivery) can be claimed, when it
// is due and not leased. Elasticsearch has no transaction, so claimDue works in three steps:
//   1. candidates: pending, due and unleased deliveries, collapsed on orderingKey (one per key,
//      the oldest), oldest first;
//   2. heads: for those keys, the oldest pending delivery whatever its due time or lease, again
//      with collapse; a candidate that is not its key's head is dropped (its key is blocked);
//   3. lease: each head is updated with if_seq_no/if_primary_term from the search, setting
//      leasedUntil and counting the attempt. A 409 means another process changed it since the
//      search (it leased or finished it), so this process skips it: no delivery is leased twice.
// Searches see the last refresh; every write waits for a refresh, so a claim sees the previous ones.
// `attempts` counts claims; redeliver() resets it. `seq` (a time-ordered id) breaks createdAt ties.
import type { estypes } from '@elastic/elasticsearch';
import type { ErrorRecord } from '../../errors.ts';
import { ErrorCode, VigilError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { isoToMs, msToIso } from '../sqlite/times.ts';
import type { OutboxDelivery, Page, PageRequest, WebhookOutbox } from '../types.ts';
import { all, type EsContext, type Sort, statusOf, strip, term, terms } from './context.ts';

const OWN = ['seq', 'leasedUntil'] as const;
type Hit = estypes.SearchHit<Record<string, unknown>>;

function toDelivery(source: Record<string, unknown>): OutboxDelivery {
  return strip<OutboxDelivery>(source, OWN);
}

function notFound(id: string): VigilError {
  return new VigilError(ErrorCode.NOT_FOUND, `delivery ${id}: not found in the outbox`, { source: 'outbox', path: id });
}

export class EsWebhookOutbox implements WebhookOutbox {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('outbox');
  }

  /** An id already in the outbox is skipped, so re-enqueueing after a crash does not send twice. */
  async enqueue(deliveries: ReadonlyArray<Omit<OutboxDelivery, 'status' | 'attempts'>>): Promise<void> {
    if (deliveries.length === 0) return;
    const now = this.ctx.clock();
    const operations = deliveries.flatMap((d, i) => {
      const doc = {
        ...d,
        nextAttemptAt: msToIso(isoToMs(d.nextAttemptAt, `deliveries[${i}].nextAttemptAt`, 'outbox')),
        createdAt: msToIso(isoToMs(d.createdAt, `deliveries[${i}].createdAt`, 'outbox')),
        status: 'pending',
        attempts: 0,
        seq: newId(now),
      };
      return [{ create: { _index: this.index, _id: d.id } }, doc];
    });
    const res = await this.ctx.call('outbox.enqueue', this.ctx.write('outbox.enqueue', this.index), (c) =>
      c.bulk({ operations, refresh: 'wait_for' }),
    );
    res.items.forEach((item, i) => {
      const status = item.create?.status ?? 500;
      if (status < 300 || status === 409) return;
      throw new VigilError(
        status === 429 || status >= 500 ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL,
        `outbox.enqueue: delivery ${deliveries[i].id} refused by ${this.index} (${status} ${item.create?.error?.reason ?? ''}); enqueue again (stored ones are skipped)`,
        { source: 'elasticsearch', path: `deliveries[${i}]` },
        { retryable: status === 429 || status >= 500 },
      );
    });
  }

  async claimDue(now: string, limit: number, leaseMs: number): Promise<OutboxDelivery[]> {
    const ms = isoToMs(now, 'now', 'outbox');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `leaseMs: ${leaseMs} must be a positive number of milliseconds`, {
        source: 'outbox',
        path: 'leaseMs',
      });
    }
    const want = Math.max(1, Math.trunc(limit));
    const at = msToIso(ms);
    const oldest: Sort = [{ createdAt: 'asc' }, { seq: 'asc' }];
    const candidates = await this.collapsed(
      'outbox.claimDue',
      {
        bool: {
          filter: [
            { term: { status: 'pending' } },
            { range: { nextAttemptAt: { lte: at } } },
            {
              bool: {
                should: [{ bool: { must_not: [{ exists: { field: 'leasedUntil' } }] } }, { range: { leasedUntil: { lte: at } } }],
                minimum_should_match: 1,
              },
            },
          ],
        },
      },
      oldest,
      Math.min(10_000, want * 2),
    );
    if (candidates.length === 0) return [];
    const keys = candidates.map((h) => String(h._source?.orderingKey));
    const heads = await this.collapsed(
      'outbox.claimDue',
      { bool: { filter: [{ term: { status: 'pending' } }, { terms: { orderingKey: keys } }] } },
      oldest,
      keys.length,
    );
    const headIds = new Set(heads.map((h) => h._id));
    const claimed: OutboxDelivery[] = [];
    for (const h of candidates) {
      if (claimed.length >= want) break;
      if (!h._id || !headIds.has(h._id) || h._seq_no === undefined || h._primary_term === undefined) continue;
      const source = h._source ?? {};
      const next = { ...source, leasedUntil: msToIso(ms + Math.trunc(leaseMs)), attempts: Number(source.attempts ?? 0) + 1 };
      try {
        const id = h._id;
        await this.ctx.call('outbox.claimDue', this.ctx.write('outbox.claimDue', this.index), (c) =>
          c.index({ index: this.index, id, document: next, if_seq_no: h._seq_no, if_primary_term: h._primary_term, refresh: 'wait_for' }),
        );
        claimed.push(toDelivery(next));
      } catch (err) {
        if (statusOf(err) === 409) continue;
        throw err;
      }
    }
    return claimed;
  }

  /** One hit per orderingKey (the first in `sort`), with the sequence numbers a conditional write needs. */
  private async collapsed(place: string, query: estypes.QueryDslQueryContainer, sort: Sort, size: number): Promise<Hit[]> {
    const res = await this.ctx.call(place, this.ctx.read(place, this.index), (c) =>
      c.search<Record<string, unknown>>({
        index: this.index,
        query,
        sort,
        size,
        collapse: { field: 'orderingKey' },
        seq_no_primary_term: true,
        track_total_hits: false,
      }),
    );
    return res.hits.hits;
  }

  private async patch(place: string, id: string, doc: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      const res = await this.ctx.call(place, this.ctx.write(place, this.index), (c) =>
        c.update<Record<string, unknown>, Record<string, unknown>>({ index: this.index, id, doc, refresh: 'wait_for', _source: true, retry_on_conflict: 3 }),
      );
      return (res.get?._source ?? {}) as Record<string, unknown>;
    } catch (err) {
      if (statusOf(err) === 404) throw notFound(id);
      throw err;
    }
  }

  async markDelivered(id: string, status: number, at: string): Promise<void> {
    const deliveredAt = msToIso(isoToMs(at, 'at', 'outbox'));
    await this.patch('outbox.markDelivered', id, { status: 'delivered', deliveredAt, lastStatus: status, leasedUntil: null });
  }

  /** nextAttemptAt undefined ⇒ dead. */
  async markFailed(id: string, error: ErrorRecord, status: number | undefined, nextAttemptAt: string | undefined): Promise<void> {
    const doc: Record<string, unknown> = {
      status: nextAttemptAt === undefined ? 'dead' : 'pending',
      lastStatus: status ?? null,
      lastError: error,
      leasedUntil: null,
    };
    if (nextAttemptAt !== undefined) doc.nextAttemptAt = msToIso(isoToMs(nextAttemptAt, 'nextAttemptAt', 'outbox'));
    await this.patch('outbox.markFailed', id, doc);
  }

  async get(id: string): Promise<OutboxDelivery | undefined> {
    const res = await this.ctx.call('outbox.get', this.ctx.read('outbox.get', this.index), (c) =>
      c.get<Record<string, unknown>>({ index: this.index, id }, { ignore: [404] }),
    );
    return res.found && res._source ? toDelivery(res._source) : undefined;
  }

  /** Newest first. */
  async list(filter: { subscriptionId?: string; status?: OutboxDelivery['status'][] }, page: PageRequest): Promise<Page<OutboxDelivery>> {
    const query = all([...term('subscriptionId', filter.subscriptionId), ...terms('status', filter.status)]);
    return this.ctx.page('outbox.list', this.index, query, [{ createdAt: 'desc' }, { seq: 'desc' }], page, 'outbox:createdAt:desc', toDelivery);
  }

  /**
   * Back to pending, due at `now`, with a fresh attempt budget. It keeps its place in its key's
   * order, so an old redelivered message goes out before newer pending ones of the same key.
   */
  async redeliver(id: string, now: string): Promise<OutboxDelivery> {
    const at = msToIso(isoToMs(now, 'now', 'outbox'));
    const source = await this.patch('outbox.redeliver', id, {
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      leasedUntil: null,
      deliveredAt: null,
    });
    return toDelivery(source);
  }
}
