// Events on Elasticsearch: ECS documents in the data streams `logs-vigil.<dataset>-<namespace>`,
// written through the bulk indexer (append resolves once they are indexed or dead-lettered) and
// read with the Query DSL compiler. Data streams need a date in @timestamp, so an event without
// a usable one is stored at its ingest time, and `vigil_store` remembers what the event really
// held so reads give back the document exactly as it was appended. Paging is search_after on
// [@timestamp, vigil_store.id] (sorting on _id is disabled by default in Elasticsearch 8+).
import type { estypes } from '@elastic/elasticsearch';
import { type EcsEvent, getPath, isPlainObject } from '../../ecs.ts';
import { ecsFieldClass } from '../../ecs-fields.ts';
import { ErrorCode, VigilError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { checkInterval, msToIso } from '../sqlite/times.ts';
import type { Bucket, EventQuery, EventStore, Page, PageRequest, SortOrder, StoredEvent, TimeBucket } from '../types.ts';
import type { BulkIndexer } from './bulk-indexer.ts';
import { type EsContext, type Query, rangeFilter, type Sort } from './context.ts';
import { compileQueryDsl } from './query-dsl.ts';
import { eventDataStream, STORE_FIELD } from './templates.ts';

interface StoreMeta {
  id: string;
  ingested: string;
  no_timestamp?: boolean;
  original_timestamp?: string;
}

const FIELD = /^[A-Za-z0-9_@.-]+$/;

/** The event's own time in ms, when @timestamp holds one. */
function ownTime(doc: EcsEvent): number | undefined {
  const t = getPath(doc, '@timestamp');
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof t === 'number' && Number.isFinite(t)) return Math.trunc(t);
  return undefined;
}

/** The document to index: @timestamp as an ISO time Elasticsearch parses, and the store's bookkeeping. */
export function toIndexedEvent(doc: EcsEvent, id: string, now: number): Record<string, unknown> {
  const own = ownTime(doc);
  const ts = own ?? now;
  const meta: StoreMeta = { id, ingested: msToIso(now) };
  const out: Record<string, unknown> = { ...doc };
  // A literal "@timestamp" key is the one getPath read; it is replaced by the normalised time.
  const original = doc['@timestamp'];
  if (original === undefined) meta.no_timestamp = true;
  else if (original !== msToIso(ts)) meta.original_timestamp = JSON.stringify(original);
  out['@timestamp'] = msToIso(ts);
  out[STORE_FIELD] = meta;
  return out;
}

/** Inverse of toIndexedEvent. */
export function fromIndexedEvent(source: Record<string, unknown>): StoredEvent {
  const { [STORE_FIELD]: rawMeta, ...doc } = source;
  const meta = (isPlainObject(rawMeta) ? rawMeta : {}) as Partial<StoreMeta>;
  const timestamp = msToIso(Date.parse(String(doc['@timestamp'])));
  if (meta.no_timestamp) delete doc['@timestamp'];
  else if (meta.original_timestamp !== undefined) doc['@timestamp'] = JSON.parse(meta.original_timestamp);
  const ev: StoredEvent = { id: String(meta.id), timestamp, ingestedAt: meta.ingested ?? timestamp, doc };
  const dataset = getPath(doc, 'event.dataset');
  const kind = getPath(doc, 'event.kind');
  if (typeof dataset === 'string') ev.dataset = dataset;
  if (typeof kind === 'string') ev.kind = kind;
  return ev;
}

export class EsEventStore implements EventStore {
  constructor(
    private readonly ctx: EsContext,
    private readonly indexer: () => Promise<BulkIndexer>,
  ) {}

  private get pattern(): string {
    return this.ctx.layout.eventsPattern;
  }

  async append(events: readonly EcsEvent[]): Promise<string[]> {
    const now = this.ctx.clock();
    const items = events.map((doc, i) => {
      if (!isPlainObject(doc)) {
        throw new VigilError(ErrorCode.REQUEST_INVALID, `events[${i}]: an event must be a JSON object`, { source: 'events', path: `[${i}]` });
      }
      const id = newId(now);
      return { index: eventDataStream(this.ctx.layout, getPath(doc, 'event.dataset')), id, doc: toIndexedEvent(doc, id, now) };
    });
    if (items.length === 0) return [];
    await (await this.indexer()).add(items);
    return items.map((it) => it.id);
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    return (await this.getMany([id]))[0];
  }

  /** In the order asked for; ids not stored are left out. */
  async getMany(ids: readonly string[]): Promise<StoredEvent[]> {
    if (ids.length === 0) return [];
    const res = await this.ctx.call('events.getMany', this.ctx.read('events.getMany', this.pattern), (c) =>
      c.search<Record<string, unknown>>({
        index: this.pattern,
        query: { terms: { [`${STORE_FIELD}.id`]: [...new Set(ids)] } },
        size: Math.min(ids.length, 10_000),
        track_total_hits: false,
      }),
    );
    const found = new Map<string, StoredEvent>();
    for (const h of res.hits.hits) {
      const ev = fromIndexedEvent(h._source ?? {});
      found.set(ev.id, ev);
    }
    return ids.map((id) => found.get(id)).filter((e): e is StoredEvent => e !== undefined);
  }

  async search(q: EventQuery, page: PageRequest, order: SortOrder = 'desc'): Promise<Page<StoredEvent>> {
    const sort: Sort = [{ '@timestamp': order }, { [`${STORE_FIELD}.id`]: order }];
    return this.ctx.page('events.search', this.pattern, this.query(q), sort, page, `events:${order}`, fromIndexedEvent);
  }

  async count(q: EventQuery): Promise<number> {
    return this.ctx.count('events.count', this.pattern, this.query(q));
  }

  /** Counts events per value; an array field counts the event once under each value (terms aggregation). */
  async terms(q: EventQuery, field: string, size: number): Promise<Bucket[]> {
    if (!FIELD.test(field) || field.split('.').some((p) => p === '')) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `field: '${field}' is not a field name (letters, digits, _ @ . - only)`, {
        source: 'query',
        path: 'field',
      });
    }
    if (ecsFieldClass(field) === 'text') {
      throw new VigilError(
        ErrorCode.REQUEST_INVALID,
        `field: '${field}' is a text field, which Elasticsearch cannot count by; use ${keywordOf(field) ? `'${keywordOf(field)}'` : 'a keyword field (event.code, user.name …)'}`,
        { source: 'query', path: 'field' },
      );
    }
    return this.ctx.countBy('events.terms', this.pattern, this.query(q), field, Math.max(1, Math.trunc(size)));
  }

  /** Buckets from the first to the last non-empty one, empty ones included. */
  async histogram(q: EventQuery, intervalMs: number): Promise<TimeBucket[]> {
    return dateHistogram(this.ctx, 'events.histogram', this.pattern, this.query(q), '@timestamp', intervalMs);
  }

  private query(q: EventQuery): Query {
    const filters: Query[] = [...rangeFilter('@timestamp', q.range)];
    if (q.query && q.query.kind !== 'match_all') filters.push(compileQueryDsl(q.query, { now: this.ctx.clock() }));
    return filters.length ? { bool: { filter: filters } } : { match_all: {} };
  }
}

/** The keyword field a `.text` multi-field belongs to (`user.name.text` → `user.name`). */
function keywordOf(field: string): string | undefined {
  const parent = field.endsWith('.text') ? field.slice(0, -5) : undefined;
  return parent !== undefined && ecsFieldClass(parent) === 'keyword' ? parent : undefined;
}

/** A fixed-interval date histogram, aligned to the epoch like the SQLite engine's buckets. */
export async function dateHistogram(
  ctx: EsContext,
  place: string,
  index: string,
  query: Query,
  field: string,
  intervalMs: number,
): Promise<TimeBucket[]> {
  const interval = checkInterval(intervalMs);
  const res = await ctx.call(place, ctx.read(place, index), (c) =>
    c.search({
      index,
      query,
      size: 0,
      track_total_hits: false,
      aggs: { h: { date_histogram: { field, fixed_interval: `${interval}ms`, min_doc_count: 0 } } },
    }),
  );
  const buckets = (res.aggregations?.h as estypes.AggregationsDateHistogramAggregate | undefined)?.buckets;
  if (!Array.isArray(buckets)) return [];
  return buckets.map((b) => ({ start: msToIso(Number(b.key)), count: b.doc_count }));
}

