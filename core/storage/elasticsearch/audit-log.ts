// The audit log on Elasticsearch: written with `op_type: create` only and never updated or
// deleted by Vigil (grant the Vigil user create_doc and read on the audit index, not write, to make
// that hold against the user too). Ids are time-ordered, so they break ties between entries of the
// same millisecond in append order. Listed newest first; filters are exact matches.
import { newId } from '../../ids.ts';
import { isoToMs, msToIso } from '../sqlite/times.ts';
import type { AuditEntry, AuditFilter, AuditLog, Page, PageRequest } from '../types.ts';
import { all, type EsContext, rangeFilter, strip, term } from './context.ts';

export class EsAuditLog implements AuditLog {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('audit');
  }

  async append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<AuditEntry> {
    const now = this.ctx.clock();
    const at = entry.at !== undefined ? isoToMs(entry.at, 'at', 'audit') : now;
    const stored: AuditEntry = { ...entry, id: newId(now), at: msToIso(at) };
    await this.ctx.call(
      'audit.append',
      { privilege: 'create_doc', kind: 'index', on: this.index, what: `append to the audit log ${this.index}` },
      (c) => c.create({ index: this.index, id: stored.id, document: stored, refresh: 'wait_for' }),
    );
    return stored;
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const query = all([
      ...rangeFilter('at', filter.range),
      ...term('actor', filter.actor),
      ...term('action', filter.action),
      ...term('target', filter.target),
    ]);
    return this.ctx.page('audit.list', this.index, query, [{ at: 'desc' }, { id: 'desc' }], page, 'audit:at:desc', (s) =>
      strip<AuditEntry>(s),
    );
  }
}
