// Incidents on SQLite with optimistic concurrency: every update names the version it read and
// is refused with STORE_VERSION_CONFLICT when someone else changed the incident in between.
// The timeline is a separate append-only table (database triggers refuse UPDATE and DELETE).
import type Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';
import {
  type Bucket,
  type Incident,
  type IncidentChange,
  type IncidentFilter,
  type IncidentStore,
  type NewIncident,
  type Page,
  type PageRequest,
  severityRank,
  type TimelineEntry,
} from '../types.ts';
import { inList, keyset, pageLimit, toPage, whereSql } from './paging.ts';
import { isoToMs, msToIso, rangeClause } from './times.ts';

interface IncidentRow {
  id: string;
  version: number;
  severity_rank: number;
  created_at: number;
  updated_at: number;
  doc: string;
}

const sortColumns = {
  createdAt: ['created_at', 'id'],
  updatedAt: ['updated_at', 'id'],
  // Same severity: newest first (or oldest with asc), then id for a total order.
  severity: ['severity_rank', 'created_at', 'id'],
} as const;

const countColumns = { state: 'state', grade: 'grade', category: 'category', severity: 'severity' } as const;

/** Store-owned fields a change may not set. */
const immutable = ['id', 'version', 'createdAt', 'updatedAt'] as const;

function rankOf(severity: string, path: string): number {
  const rank = (severityRank as Record<string, number | undefined>)[severity];
  if (rank === undefined) {
    throw new VigilError(
      ErrorCode.REQUEST_INVALID,
      `${path}: '${severity}' is not a severity (allowed: ${Object.keys(severityRank).join(', ')})`,
      { source: 'incidents', path },
    );
  }
  return rank;
}

function filterSql(f: IncidentFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  rangeClause('created_at', f.range, where, params);
  if (f.state?.length) inList('state', f.state, where, params);
  if (f.severity?.length) inList('severity', f.severity, where, params);
  if (f.grade?.length) inList('grade', f.grade, where, params);
  if (f.category?.length) inList('category', f.category, where, params);
  for (const [column, value] of [
    ['assignee', f.assignee],
    ['group_key', f.groupKey],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (f.ruleId !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(doc, '$.ruleIds') WHERE value = ?)`);
    params.push(f.ruleId);
  }
  for (const [path, value] of [
    ['$.hosts', f.host],
    ['$.users', f.user],
  ] as const) {
    if (value === undefined) continue;
    where.push(`EXISTS (SELECT 1 FROM json_each(doc, '${path}') WHERE lower(value) = lower(?))`);
    params.push(value);
  }
  if (f.text !== undefined && f.text !== '') {
    where.push(`(instr(lower(json_extract(doc, '$.title')), lower(?)) > 0
      OR EXISTS (SELECT 1 FROM json_each(doc, '$.tags') WHERE instr(lower(value), lower(?)) > 0)
      OR EXISTS (SELECT 1 FROM json_each(doc, '$.hosts') WHERE instr(lower(value), lower(?)) > 0)
      OR EXISTS (SELECT 1 FROM json_each(doc, '$.users') WHERE instr(lower(value), lower(?)) > 0))`);
    params.push(f.text, f.text, f.text, f.text);
  }
  return { where, params };
}

function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export class SqliteIncidentStore implements IncidentStore {
  private readonly byId: Database.Statement<[string], IncidentRow>;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly write: Database.Statement<unknown[]>;
  private readonly exists: Database.Statement<[string], { one: number }>;
  private readonly insertTimeline: Database.Statement<unknown[]>;
  private readonly timelineOf: Database.Statement<[string], { doc: string }>;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number,
  ) {
    const cols = 'id, version, severity_rank, created_at, updated_at, doc';
    this.byId = db.prepare(`SELECT ${cols} FROM incidents WHERE id = ?`);
    this.insert = db.prepare(
      `INSERT INTO incidents (id, version, state, severity, severity_rank, grade, category, assignee, group_key, created_at, updated_at, doc)
       VALUES (@id, @version, @state, @severity, @rank, @grade, @category, @assignee, @groupKey, @createdAt, @updatedAt, @doc)`,
    );
    this.write = db.prepare(
      `UPDATE incidents SET version = @version, state = @state, severity = @severity, severity_rank = @rank, grade = @grade,
         category = @category, assignee = @assignee, group_key = @groupKey, updated_at = @updatedAt, doc = @doc
       WHERE id = @id AND version = @expected`,
    );
    this.exists = db.prepare('SELECT 1 AS one FROM incidents WHERE id = ?');
    this.insertTimeline = db.prepare('INSERT OR IGNORE INTO incident_timeline (id, incident_id, at, doc) VALUES (?, ?, ?, ?)');
    this.timelineOf = db.prepare('SELECT doc FROM incident_timeline WHERE incident_id = ? ORDER BY at, seq');
  }

  private columns(inc: Incident): Record<string, unknown> {
    return {
      id: inc.id,
      version: inc.version,
      state: inc.state,
      severity: inc.severity,
      rank: rankOf(inc.severity, 'severity'),
      grade: inc.grade ?? null,
      category: inc.category ?? null,
      assignee: inc.assignee ?? null,
      groupKey: inc.groupKey ?? null,
      createdAt: Date.parse(inc.createdAt),
      updatedAt: Date.parse(inc.updatedAt),
      doc: JSON.stringify(inc),
    };
  }

  /** createdAt defaults to now; updatedAt starts equal to createdAt. An existing id is a 409. */
  async create(incident: NewIncident): Promise<Incident> {
    const created = msToIso(incident.createdAt !== undefined ? isoToMs(incident.createdAt, 'createdAt', 'incidents') : this.clock());
    const inc = withoutUndefined({ ...incident, version: 1, createdAt: created, updatedAt: created } as Incident);
    const cols = this.columns(inc);
    try {
      this.insert.run(cols);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `incident ${inc.id}: already exists`, {
          source: 'incidents',
          path: inc.id,
        });
      }
      throw err;
    }
    return inc;
  }

  async get(id: string): Promise<Incident | undefined> {
    const r = this.byId.get(id);
    return r ? (JSON.parse(r.doc) as Incident) : undefined;
  }

  /**
   * Applies `change` when the stored version is `expectedVersion`; keys present with the value
   * undefined clear optional fields (e.g. `{ assignee: undefined }` unassigns).
   */
  async update(id: string, expectedVersion: number, change: IncidentChange): Promise<Incident> {
    const apply = this.db.transaction(() => {
      const r = this.byId.get(id);
      if (!r) throw new VigilError(ErrorCode.NOT_FOUND, `incident ${id}: not found`, { source: 'incidents', path: id });
      const stored = JSON.parse(r.doc) as Incident;
      const next = { ...stored, ...change } as Incident;
      for (const k of immutable) (next as unknown as Record<string, unknown>)[k] = stored[k];
      next.version = r.version + 1;
      next.updatedAt = msToIso(Math.max(this.clock(), r.updated_at));
      withoutUndefined(next);
      const res = this.write.run({ ...this.columns(next), expected: expectedVersion });
      if (res.changes === 0) {
        throw new VigilError(
          ErrorCode.STORE_VERSION_CONFLICT,
          `incident ${id}: expected version ${expectedVersion} but the stored version is ${r.version}; reload and retry`,
          { source: 'incidents', path: id },
        );
      }
      return next;
    });
    return apply.immediate();
  }

  async list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>> {
    const limit = pageLimit(page);
    const sort = filter.sort ?? { field: 'createdAt', order: 'desc' };
    const columns = sortColumns[sort.field];
    if (!columns) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `sort.field: '${sort.field}' (allowed: ${Object.keys(sortColumns).join(', ')})`, {
        source: 'query',
        path: 'sort.field',
      });
    }
    const tag = `incidents:${sort.field}:${sort.order}`;
    const { where, params } = filterSql(filter);
    const ks = keyset(columns, sort.order, page, tag);
    if (ks.where) {
      where.push(ks.where);
      params.push(...ks.params);
    }
    const rows = this.db
      .prepare<unknown[], IncidentRow>(
        `SELECT id, version, severity_rank, created_at, updated_at, doc FROM incidents ${whereSql(where)} ORDER BY ${ks.orderBy} LIMIT ?`,
      )
      .all(...params, limit + 1);
    const keyOf = (r: IncidentRow) => columns.map((c) => r[c as keyof IncidentRow] as string | number);
    return toPage(rows, limit, tag, keyOf, (r) => JSON.parse(r.doc) as Incident);
  }

  /** Incidents without a value for the field (no grade yet) are not counted, as in a terms aggregation. */
  async countBy(filter: IncidentFilter, field: 'state' | 'grade' | 'category' | 'severity'): Promise<Bucket[]> {
    const column = countColumns[field];
    if (!column) throw new VigilError(ErrorCode.REQUEST_INVALID, `field: '${field}' cannot be counted by`, { source: 'query', path: 'field' });
    const { where, params } = filterSql(filter);
    where.push(`${column} IS NOT NULL`);
    return this.db
      .prepare<unknown[], Bucket>(
        `SELECT ${column} AS key, count(*) AS count FROM incidents ${whereSql(where)} GROUP BY key ORDER BY count DESC, key ASC`,
      )
      .all(...params);
  }

  /**
   * Entries whose id is already stored are skipped, so a retried append does not duplicate.
   * An entry for an unknown incident fails the whole batch with NOT_FOUND.
   */
  async appendTimeline(entries: readonly TimelineEntry[]): Promise<void> {
    const append = this.db.transaction(() => {
      entries.forEach((e, i) => {
        if (!this.exists.get(e.incidentId)) {
          throw new VigilError(ErrorCode.NOT_FOUND, `timeline[${i}].incidentId: incident ${e.incidentId} not found`, {
            source: 'incidents',
            path: `timeline[${i}].incidentId`,
          });
        }
        this.insertTimeline.run(e.id, e.incidentId, isoToMs(e.at, `timeline[${i}].at`, 'incidents'), JSON.stringify(e));
      });
    });
    append.immediate();
  }

  /** Oldest first, in the order appended when times are equal. */
  async timeline(incidentId: string): Promise<TimelineEntry[]> {
    return this.timelineOf.all(incidentId).map((r) => JSON.parse(r.doc) as TimelineEntry);
  }
}
