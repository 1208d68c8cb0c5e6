// Alerts on SQLite: the whole alert as JSON plus the columns the filters and counts use. The time
// of an alert for range filters, ordering and histograms is `detectedAt` (when Vigil raised it),
// newest first, so an analyst's "last 24 hours" means alerts raised in that window.
import type Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';
import type { Alert, AlertChange, AlertFilter, AlertStore, Bucket, Page, PageRequest, TimeBucket } from '../types.ts';
import { inList, keyset, pageLimit, toPage, whereSql } from './paging.ts';
import { bucketSql, fillHistogram, isoToMs, rangeClause } from './times.ts';

interface AlertRow {
  id: string;
  detected_at: number;
  doc: string;
}

const countColumns = { severity: 'severity', ruleId: 'rule_id', status: 'status' } as const;

function filterSql(f: AlertFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  rangeClause('detected_at', f.range, where, params);
  if (f.ruleId !== undefined) {
    where.push('rule_id = ?');
    params.push(f.ruleId);
  }
  if (f.severity?.length) inList('severity', f.severity, where, params);
  if (f.status?.length) inList('status', f.status, where, params);
  if (f.incidentId !== undefined) {
    where.push('incident_id = ?');
    params.push(f.incidentId);
  }
  // Host and user names compare case-insensitively: WIN-01 and win-01 are the same machine.
  if (f.host !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(doc, '$.entities.hosts') WHERE lower(value) = lower(?))`);
    params.push(f.host);
  }
  if (f.user !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(doc, '$.entities.users') WHERE lower(value) = lower(?))`);
    params.push(f.user);
  }
  return { where, params };
}

export class SqliteAlertStore implements AlertStore {
  private readonly insertAll: (alerts: readonly Alert[]) => { inserted: string[]; duplicates: string[] };
  private readonly byId: Database.Statement<[string], AlertRow>;
  private readonly write: Database.Statement<unknown[]>;

  constructor(private readonly db: Database.Database) {
    const insert = db.prepare(
      `INSERT OR IGNORE INTO alerts (id, rule_id, severity, status, incident_id, event_time, detected_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertAll = db.transaction((alerts: readonly Alert[]) => {
      const inserted: string[] = [];
      const duplicates: string[] = [];
      alerts.forEach((a, i) => {
        const r = insert.run(
          a.id,
          a.ruleId,
          a.severity,
          a.status,
          a.incidentId ?? null,
          isoToMs(a.eventTime, `alerts[${i}].eventTime`, 'alerts'),
          isoToMs(a.detectedAt, `alerts[${i}].detectedAt`, 'alerts'),
          JSON.stringify(a),
        );
        (r.changes === 1 ? inserted : duplicates).push(a.id);
      });
      return { inserted, duplicates };
    });
    this.byId = db.prepare('SELECT id, detected_at, doc FROM alerts WHERE id = ?');
    this.write = db.prepare('UPDATE alerts SET status = ?, incident_id = ?, doc = ? WHERE id = ?');
  }

  async put(alerts: readonly Alert[]): Promise<{ inserted: string[]; duplicates: string[] }> {
    return this.insertAll(alerts);
  }

  async get(id: string): Promise<Alert | undefined> {
    const r = this.byId.get(id);
    return r ? (JSON.parse(r.doc) as Alert) : undefined;
  }

  async list(filter: AlertFilter, page: PageRequest): Promise<Page<Alert>> {
    const limit = pageLimit(page);
    const tag = 'alerts:detectedAt:desc';
    const { where, params } = filterSql(filter);
    const ks = keyset(['detected_at', 'id'], 'desc', page, tag);
    if (ks.where) {
      where.push(ks.where);
      params.push(...ks.params);
    }
    const rows = this.db
      .prepare<unknown[], AlertRow>(`SELECT id, detected_at, doc FROM alerts ${whereSql(where)} ORDER BY ${ks.orderBy} LIMIT ?`)
      .all(...params, limit + 1);
    return toPage(rows, limit, tag, (r) => [r.detected_at, r.id], (r) => JSON.parse(r.doc) as Alert);
  }

  /** A key present with the value undefined clears it (`{ incidentId: undefined }` detaches the alert). */
  async update(id: string, change: AlertChange): Promise<Alert> {
    const apply = this.db.transaction(() => {
      const r = this.byId.get(id);
      if (!r) throw new VigilError(ErrorCode.NOT_FOUND, `alert ${id}: not found`, { source: 'alerts', path: id });
      const next = { ...(JSON.parse(r.doc) as Alert), ...change };
      if ('incidentId' in change && change.incidentId === undefined) delete next.incidentId;
      this.write.run(next.status, next.incidentId ?? null, JSON.stringify(next), id);
      return next;
    });
    return apply.immediate();
  }

  async count(filter: AlertFilter): Promise<number> {
    const { where, params } = filterSql(filter);
    return this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM alerts ${whereSql(where)}`).get(...params)?.n ?? 0;
  }

  async countBy(filter: AlertFilter, field: 'severity' | 'ruleId' | 'status'): Promise<Bucket[]> {
    const column = countColumns[field];
    if (!column) throw new VigilError(ErrorCode.REQUEST_INVALID, `field: '${field}' cannot be counted by`, { source: 'query', path: 'field' });
    const { where, params } = filterSql(filter);
    return this.db
      .prepare<unknown[], Bucket>(
        `SELECT ${column} AS key, count(*) AS count FROM alerts ${whereSql(where)} GROUP BY key ORDER BY count DESC, key ASC`,
      )
      .all(...params);
  }

  async histogram(filter: AlertFilter, intervalMs: number): Promise<TimeBucket[]> {
    const bucket = bucketSql('detected_at', intervalMs);
    const { where, params } = filterSql(filter);
    const rows = this.db
      .prepare<unknown[], { b: number; c: number }>(
        `SELECT ${bucket} AS b, count(*) AS c FROM alerts ${whereSql(where)} GROUP BY b ORDER BY b`,
      )
      .all(...params);
    return fillHistogram(rows, intervalMs);
  }
}
