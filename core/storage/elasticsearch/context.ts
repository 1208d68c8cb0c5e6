// What every Elasticsearch store shares: the client (once the cluster is set up), the index names,
// the clock, error translation with the privilege a call needs, and cursor paging with
// search_after (the cursor is the last hit's sort values, tagged with the sort it was made for).
import type { Client, estypes } from '@elastic/elasticsearch';
import { ErrorCode, VigilError } from '../../errors.ts';
import { decodeCursor, encodeCursor, pageLimit, type SortValue } from '../sqlite/paging.ts';
import { isoToMs } from '../sqlite/times.ts';
import type { Page, PageRequest, TimeRange } from '../types.ts';
import { type Need, translateEsError } from './es-errors.ts';
import type { EsLayout, StoreIndex } from './templates.ts';

export type Query = estypes.QueryDslQueryContainer;
export type Sort = Array<Record<string, estypes.SortOrder>>;

export class EsContext {
  constructor(
    private readonly getClient: () => Promise<Client>,
    readonly layout: EsLayout,
    readonly clock: () => number,
  ) {}

  index(name: StoreIndex): string {
    return this.layout.indices[name];
  }

  /** Runs a call once the cluster is ready; failures become VigilErrors naming `place` and the privilege. */
  async call<T>(place: string, need: Need, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.getClient();
    try {
      return await fn(client);
    } catch (err) {
      throw translateEsError(err, place, need);
    }
  }

  read(place: string, index: string): Need {
    return { privilege: 'read', kind: 'index', on: index, what: `${place} (read ${index})` };
  }

  write(place: string, index: string): Need {
    return { privilege: 'write', kind: 'index', on: index, what: `${place} (write ${index})` };
  }

  /** One page of hits, sorted by `sort` (its last key unique), continuing after `page.cursor`. */
  async page<T>(
    place: string,
    index: string,
    query: Query,
    sort: Sort,
    page: PageRequest,
    tag: string,
    map: (source: Record<string, unknown>) => T,
  ): Promise<Page<T>> {
    // size is limit + 1, and Elasticsearch refuses a size above index.max_result_window (10000).
    const limit = Math.min(pageLimit(page), 9_999);
    const req: estypes.SearchRequest = { index, query, sort, size: limit + 1, track_total_hits: false };
    if (page.cursor) req.search_after = decodeCursor(page.cursor, tag, sort.length);
    const res = await this.call(place, this.read(place, index), (c) => c.search<Record<string, unknown>>(req));
    const hits = res.hits.hits;
    const more = hits.length > limit;
    const kept = more ? hits.slice(0, limit) : hits;
    const out: Page<T> = { items: kept.map((h) => map(h._source ?? {})) };
    if (more) out.nextCursor = encodeCursor((kept[kept.length - 1].sort ?? []) as SortValue[], tag);
    return out;
  }

  /** Every hit (up to 10000, the default result window), in `sort` order. */
  async all(place: string, index: string, query: Query, sort: Sort): Promise<Array<estypes.SearchHit<Record<string, unknown>>>> {
    const res = await this.call(place, this.read(place, index), (c) =>
      c.search<Record<string, unknown>>({ index, query, sort, size: 10_000, track_total_hits: false }),
    );
    return res.hits.hits;
  }

  /** Terms counts, largest first, ties by key. */
  async countBy(place: string, index: string, query: Query, field: string, size = 1000): Promise<Array<{ key: string; count: number }>> {
    const res = await this.call(place, this.read(place, index), (c) =>
      c.search({
        index,
        query,
        size: 0,
        track_total_hits: false,
        aggs: { by: { terms: { field, size, order: [{ _count: 'desc' }, { _key: 'asc' }] } } },
      }),
    );
    return termBuckets(res.aggregations?.by);
  }

  async count(place: string, index: string, query: Query): Promise<number> {
    const res = await this.call(place, this.read(place, index), (c) => c.count({ index, query }));
    return res.count;
  }
}

export function termBuckets(agg: estypes.AggregationsAggregate | undefined): Array<{ key: string; count: number }> {
  const buckets = (agg as estypes.AggregationsStringTermsAggregate | undefined)?.buckets;
  if (!Array.isArray(buckets)) return [];
  return (buckets as Array<{ key: unknown; key_as_string?: string; doc_count: number }>).map((b) => ({
    key: b.key_as_string ?? String(b.key),
    count: b.doc_count,
  }));
}

/** `[from, to)` on a date field, as a filter clause (none when the range is open). */
export function rangeFilter(field: string, range: TimeRange | undefined): Query[] {
  if (!range || (range.from === undefined && range.to === undefined)) return [];
  const r: estypes.QueryDslDateRangeQuery = { format: 'strict_date_optional_time||epoch_millis' };
  if (range.from !== undefined) r.gte = new Date(isoToMs(range.from, 'range.from', 'query')).toISOString();
  if (range.to !== undefined) r.lt = new Date(isoToMs(range.to, 'range.to', 'query')).toISOString();
  return [{ range: { [field]: r } }];
}

export function terms(field: string, values: readonly string[] | undefined): Query[] {
  return values?.length ? [{ terms: { [field]: [...values] } }] : [];
}

export function term(field: string, value: string | undefined, caseInsensitive = false): Query[] {
  if (value === undefined) return [];
  return [{ term: { [field]: caseInsensitive ? { value, case_insensitive: true } : { value } } }];
}

export function all(filters: Query[]): Query {
  return filters.length ? { bool: { filter: filters } } : { match_all: {} };
}

/** Removes fields the store keeps for itself, and nulls (Elasticsearch keeps the nulls a partial update writes). */
export function strip<T>(source: Record<string, unknown>, own: readonly string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) {
    if (v === null || own.includes(k)) continue;
    out[k] = v;
  }
  return out as T;
}

export function notFound(what: string, id: string, source: string): VigilError {
  return new VigilError(ErrorCode.NOT_FOUND, `${what} ${id}: not found`, { source, path: id });
}

/** Status of a 4xx/5xx the client threw, or undefined. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { meta?: { statusCode?: number }; cause?: unknown };
  if (e?.meta?.statusCode !== undefined) return e.meta.statusCode;
  if (err instanceof VigilError && err.cause !== undefined) return statusOf(err.cause);
  return undefined;
}
