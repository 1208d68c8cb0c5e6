// Alerts on Elasticsearch, one document per alert with the alert id as _id. put() uses
// `op_type: create`, so an alert already stored answers 409 and is reported as a duplicate,
// untouched. Updates read the document with its sequence number and write with
// if_seq_no/if_primary_term, retrying on a lost race, so two concurrent updates both apply.
// Writes wait for a refresh: an analyst sees a change in lists as soon as the call returns.
import { ErrorCode, VigilError } from '../../errors.ts';
import { isoToMs } from '../sqlite/times.ts';
import type { Alert, AlertChange, AlertFilter, AlertStore, Bucket, Page, PageRequest, TimeBucket } from '../types.ts';
import { all, type EsContext, notFound, type Query, rangeFilter, statusOf, strip, term, terms } from './context.ts';
import { dateHistogram } from './event-store.ts';

const countFields = { severity: 'severity', ruleId: 'ruleId', status: 'status' } as const;
const UPDATE_ATTEMPTS = 10;

function filterQuery(f: AlertFilter): Query {
  return all([
    ...rangeFilter('detectedAt', f.range),
    ...term('ruleId', f.ruleId),
    ...terms('severity', f.severity),
    ...terms('status', f.status),
    ...term('incidentId', f.incidentId),
    // Host and user names compare case-insensitively: WIN-01 and win-01 are the same machine.
    ...term('entities.hosts', f.host, true),
    ...term('entities.users', f.user, true),
  ]);
}

export class EsAlertStore implements AlertStore {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('alerts');
  }

  async put(alerts: readonly Alert[]): Promise<{ inserted: string[]; duplicates: string[] }> {
    if (alerts.length === 0) return { inserted: [], duplicates: [] };
    alerts.forEach((a, i) => {
      isoToMs(a.eventTime, `alerts[${i}].eventTime`, 'alerts');
      isoToMs(a.detectedAt, `alerts[${i}].detectedAt`, 'alerts');
    });
    const operations = alerts.flatMap((a) => [{ create: { _index: this.index, _id: a.id } }, a]);
    const res = await this.ctx.call('alerts.put', this.ctx.write('alerts.put', this.index), (c) =>
      c.bulk({ operations, refresh: 'wait_for' }),
    );
    const inserted: string[] = [];
    const duplicates: string[] = [];
    res.items.forEach((item, i) => {
      const r = item.create;
      const status = r?.status ?? 500;
      if (status < 300) inserted.push(alerts[i].id);
      else if (status === 409) duplicates.push(alerts[i].id);
      else {
        throw new VigilError(
          status === 429 || status >= 500 ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL,
          `alerts.put: alert ${alerts[i].id} refused by ${this.index} (${status} ${r?.error?.type ?? ''}: ${r?.error?.reason ?? ''}); ${inserted.length} stored before it`,
          { source: 'elasticsearch', path: `alerts[${i}]` },
          { retryable: status === 429 || status >= 500 },
        );
      }
    });
    return { inserted, duplicates };
  }

  async get(id: string): Promise<Alert | undefined> {
    return (await this.read(id))?.alert;
  }

  private async read(id: string): Promise<{ alert: Alert; seq: number; term: number } | undefined> {
    const res = await this.ctx.call('alerts.get', this.ctx.read('alerts.get', this.index), (c) =>
      c.get<Record<string, unknown>>({ index: this.index, id }, { ignore: [404] }),
    );
    if (!res.found || !res._source) return undefined;
    return { alert: strip<Alert>(res._source), seq: res._seq_no ?? 0, term: res._primary_term ?? 0 };
  }

  async list(filter: AlertFilter, page: PageRequest): Promise<Page<Alert>> {
    return this.ctx.page(
      'alerts.list',
      this.index,
      filterQuery(filter),
      [{ detectedAt: 'desc' }, { id: 'desc' }],
      page,
      'alerts:detectedAt:desc',
      (s) => strip<Alert>(s),
    );
  }

  /** A key present with the value undefined clears it (`{ incidentId: undefined }` detaches the alert). */
  async update(id: string, change: AlertChange): Promise<Alert> {
    for (let attempt = 1; ; attempt++) {
      const cur = await this.read(id);
      if (!cur) throw notFound('alert', id, 'alerts');
      const next = { ...cur.alert, ...change } as Alert;
      if ('incidentId' in change && change.incidentId === undefined) delete next.incidentId;
      try {
        await this.ctx.call('alerts.update', this.ctx.write('alerts.update', this.index), (c) =>
          c.index({ index: this.index, id, document: next, if_seq_no: cur.seq, if_primary_term: cur.term, refresh: 'wait_for' }),
        );
        return next;
      } catch (err) {
        // Someone else changed the alert between our read and write: apply the change to their version.
        if (statusOf(err) === 409 && attempt < UPDATE_ATTEMPTS) continue;
        throw err;
      }
    }
  }

  async count(filter: AlertFilter): Promise<number> {
    return this.ctx.count('alerts.count', this.index, filterQuery(filter));
  }

  async countBy(filter: AlertFilter, field: 'severity' | 'ruleId' | 'status'): Promise<Bucket[]> {
    const f = countFields[field];
    if (!f) throw new VigilError(ErrorCode.REQUEST_INVALID, `field: '${field}' cannot be counted by`, { source: 'query', path: 'field' });
    return this.ctx.countBy('alerts.countBy', this.index, filterQuery(filter), f);
  }

  async histogram(filter: AlertFilter, intervalMs: number): Promise<TimeBucket[]> {
    return dateHistogram(this.ctx, 'alerts.histogram', this.index, filterQuery(filter), 'detectedAt', intervalMs);
  }
}
