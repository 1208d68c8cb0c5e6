// Events on SQLite: one row per ECS document, with the columns that time-range and dataset/kind
// queries need pulled out of the JSON. Queries on any other field go through json_extract.
import type Database from 'better-sqlite3';
import { getPath } from '../../ecs.ts';
import type { EcsEvent } from '../../ecs.ts';
import { ErrorCode, VigilError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { QueryNode } from '../../query/ast.ts';
import type { Bucket, EventQuery, EventStore, Page, PageRequest, SortOrder, StoredEvent, TimeBucket } from '../types.ts';
import { keyset, pageLimit, toPage, whereSql } from './paging.ts';
import { bucketSql, fillHistogram, msToIso, rangeClause } from './times.ts';

/** Turns a query tree into a WHERE fragment over the `doc` column (core/storage/sqlite/query-sql.ts). */
export type QueryCompiler = (
  node: QueryNode,
  opts: { docColumn: string; tsColumn?: string; now?: number },
) => { sql: string; params: unknown[] };

interface EventRow {
  id: string;
  ts: number;
  ingested: number;
  dataset: string | null;
  kind: string | null;
  doc: string;
}

const fieldPattern = /^[A-Za-z0-9_@.-]+$/;

/** A field name as a JSON path for json_extract/json_each; the name is checked, then bound as a parameter. */
export function jsonPathOf(field: string, place: string): string {
  if (!fieldPattern.test(field) || field.startsWith('.') || field.endsWith('.') || field.includes('..')) {
    throw new VigilError(
      ErrorCode.REQUEST_INVALID,
      `${place}: '${field}' is not a field name (letters, digits, _ @ . - only)`,
      { source: 'query', path: place },
    );
  }
  return `$${field
    .split('.')
    .map((p) => `."${p}"`)
    .join('')}`;
}

/** The event's own time in ms: @timestamp as ISO text or epoch ms; undefined when missing or unparsable. */
function eventTime(doc: EcsEvent): number | undefined {
  const t = getPath(doc, '@timestamp');
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof t === 'number' && Number.isFinite(t)) return Math.trunc(t);
  return undefined;
}

function stringAt(doc: EcsEvent, path: string): string | null {
  const v = getPath(doc, path);
  return typeof v === 'string' ? v : null;
}

function toStoredEvent(r: EventRow): StoredEvent {
  const ev: StoredEvent = { id: r.id, timestamp: msToIso(r.ts), ingestedAt: msToIso(r.ingested), doc: JSON.parse(r.doc) };
  if (r.dataset !== null) ev.dataset = r.dataset;
  if (r.kind !== null) ev.kind = r.kind;
  return ev;
}

export class SqliteEventStore implements EventStore {
  private readonly insertMany: (rows: unknown[][]) => void;
  private readonly byId: Database.Statement<[string], EventRow>;
  private readonly byIds: Database.Statement<[string], EventRow>;

  constructor(
    private readonly db: Database.Database,
    private readonly compile: QueryCompiler,
    private readonly clock: () => number,
  ) {
    const insert = db.prepare('INSERT INTO events (id, ts, ingested, dataset, kind, doc) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertMany = db.transaction((rows: unknown[][]) => {
      for (const r of rows) insert.run(r);
    });
    this.byId = db.prepare('SELECT id, ts, ingested, dataset, kind, doc FROM events WHERE id = ?');
    this.byIds = db.prepare('SELECT id, ts, ingested, dataset, kind, doc FROM events WHERE id IN (SELECT value FROM json_each(?))');
  }

  async append(events: readonly EcsEvent[]): Promise<string[]> {
    const now = this.clock();
    const ids: string[] = [];
    // Serialise before the transaction so one bad document fails the batch without holding the write lock.
    const rows = events.map((doc, i) => {
      let json: string;
      try {
        json = JSON.stringify(doc);
      } catch (err) {
        throw new VigilError(ErrorCode.REQUEST_INVALID, `events[${i}]: cannot be stored as JSON: ${(err as Error).message}`, {
          source: 'events',
          path: `[${i}]`,
        });
      }
      if (typeof json !== 'string' || !json.startsWith('{')) {
        throw new VigilError(ErrorCode.REQUEST_INVALID, `events[${i}]: an event must be a JSON object`, { source: 'events', path: `[${i}]` });
      }
      const id = newId(now);
      ids.push(id);
      return [id, eventTime(doc) ?? now, now, stringAt(doc, 'event.dataset'), stringAt(doc, 'event.kind'), json];
    });
    if (rows.length) this.insertMany(rows);
    return ids;
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    const r = this.byId.get(id);
    return r ? toStoredEvent(r) : undefined;
  }

  /** In the order asked for; ids not stored are left out. */
  async getMany(ids: readonly string[]): Promise<StoredEvent[]> {
    if (ids.length === 0) return [];
    const found = new Map(this.byIds.all(JSON.stringify(ids)).map((r) => [r.id, r]));
    const out: StoredEvent[] = [];
    for (const id of ids) {
      const r = found.get(id);
      if (r) out.push(toStoredEvent(r));
    }
    return out;
  }

  async search(q: EventQuery, page: PageRequest, order: SortOrder = 'desc'): Promise<Page<StoredEvent>> {
    const limit = pageLimit(page);
    const tag = `events:${order}`;
    const { where, params } = this.where(q);
    const ks = keyset(['ts', 'id'], order, page, tag);
    if (ks.where) {
      where.push(ks.where);
      params.push(...ks.params);
    }
    const rows = this.db
      .prepare<unknown[], EventRow>(
        `SELECT id, ts, ingested, dataset, kind, doc FROM events ${whereSql(where)} ORDER BY ${ks.orderBy} LIMIT ?`,
      )
      .all(...params, limit + 1);
    return toPage(rows, limit, tag, (r) => [r.ts, r.id], toStoredEvent);
  }

  async count(q: EventQuery): Promise<number> {
    const { where, params } = this.where(q);
    const r = this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM events ${whereSql(where)}`).get(...params);
    return r?.n ?? 0;
  }

  /**
   * Counts events per value of `field`; an array field counts the event once under each of its
   * values (as Elasticsearch's terms aggregation does). Ties are broken by key for stable output.
   */
  async terms(q: EventQuery, field: string, size: number): Promise<Bucket[]> {
    const path = jsonPathOf(field, 'field');
    const { where, params } = this.where(q);
    return this.db
      .prepare<unknown[], { term: string; n: number }>(
        `WITH m AS (SELECT id, doc FROM events ${whereSql(where)})
         SELECT CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.value AS TEXT) END AS term,
                count(DISTINCT m.id) AS n
         FROM m, json_each(m.doc, ?) AS j
         WHERE j.type NOT IN ('object', 'array', 'null')
         GROUP BY term ORDER BY n DESC, term ASC LIMIT ?`,
      )
      .all(...params, path, Math.max(1, Math.trunc(size)))
      .map((r) => ({ key: r.term, count: r.n }));
  }

  async histogram(q: EventQuery, intervalMs: number): Promise<TimeBucket[]> {
    const bucket = bucketSql('ts', intervalMs);
    const { where, params } = this.where(q);
    const rows = this.db
      .prepare<unknown[], { b: number; c: number }>(
        `SELECT ${bucket} AS b, count(*) AS c FROM events ${whereSql(where)} GROUP BY b ORDER BY b`,
      )
      .all(...params);
    return fillHistogram(rows, intervalMs);
  }

  private where(q: EventQuery): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    rangeClause('ts', q.range, where, params);
    if (q.query && q.query.kind !== 'match_all') {
      // `now` from the store's clock, so relative ranges (now-15m) agree with the times it stamps.
      const c = this.compile(q.query, { docColumn: 'doc', tsColumn: 'ts', now: this.clock() });
      where.push(`(${c.sql})`);
      params.push(...c.params);
    }
    return { where, params };
  }
}
