// The audit log on SQLite: append-only (database triggers refuse UPDATE and DELETE), listed
// newest first. Filters are exact matches on actor, action and target.
import type Database from 'better-sqlite3';
import { newId } from '../../ids.ts';
import type { AuditEntry, AuditFilter, AuditLog, Page, PageRequest } from '../types.ts';
import { keyset, pageLimit, toPage, whereSql } from './paging.ts';
import { isoToMs, msToIso, rangeClause } from './times.ts';

interface AuditRow {
  seq: number;
  at: number;
  doc: string;
}

export class SqliteAuditLog implements AuditLog {
  private readonly insert: Database.Statement<unknown[]>;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.insert = db.prepare('INSERT INTO audit (id, at, actor, action, target, doc) VALUES (?, ?, ?, ?, ?, ?)');
  }

  async append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<AuditEntry> {
    const now = this.clock();
    const at = entry.at !== undefined ? isoToMs(entry.at, 'at', 'audit') : now;
    const stored: AuditEntry = { ...entry, id: newId(now), at: msToIso(at) };
    this.insert.run(stored.id, at, stored.actor, stored.action, stored.target, JSON.stringify(stored));
    return stored;
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const limit = pageLimit(page);
    const tag = 'audit:at:desc';
    const where: string[] = [];
    const params: unknown[] = [];
    rangeClause('at', filter.range, where, params);
    for (const [column, value] of [
      ['actor', filter.actor],
      ['action', filter.action],
      ['target', filter.target],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    // seq (insertion order) breaks ties between entries of the same millisecond.
    const ks = keyset(['at', 'seq'], 'desc', page, tag);
    if (ks.where) {
      where.push(ks.where);
      params.push(...ks.params);
    }
    const rows = this.db
      .prepare<unknown[], AuditRow>(`SELECT seq, at, doc FROM audit ${whereSql(where)} ORDER BY ${ks.orderBy} LIMIT ?`)
      .all(...params, limit + 1);
    return toPage(rows, limit, tag, (r) => [r.at, r.seq], (r) => JSON.parse(r.doc) as AuditEntry);
  }
}
