// Incidents on Elasticsearch with optimistic concurrency. The incident's `version` lives in the
// document; an update reads it (a realtime GET, with _seq_no/_primary_term), refuses a stale
// expectedVersion, and writes with if_seq_no/if_primary_term, so of two writers holding the same
// version exactly one wins and the other gets STORE_VERSION_CONFLICT, never an overwrite.
// The timeline is its own index written with `op_type: create` only (append-only): an entry's id
// is its _id, so a retried append cannot duplicate it. `seq` (a time-ordered id) keeps append order
// among entries with the same time.
import { ErrorCode, VigilError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { isoToMs, msToIso } from '../sqlite/times.ts';
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
import { all, type EsContext, notFound, type Query, rangeFilter, type Sort, statusOf, strip, term, terms } from './context.ts';

const OWN = ['severityRank'] as const;
const immutable = ['id', 'version', 'createdAt', 'updatedAt'] as const;
const countFields = { state: 'state', grade: 'grade', category: 'category', severity: 'severity' } as const;

function sortFor(field: 'createdAt' | 'updatedAt' | 'severity', order: 'asc' | 'desc'): Sort {
  switch (field) {
    case 'createdAt':
      return [{ createdAt: order }, { id: order }];
    case 'updatedAt':
      return [{ updatedAt: order }, { id: order }];
    case 'severity':
      // Same severity: newest first (or oldest with asc), then id for a total order.
      return [{ severityRank: order }, { createdAt: order }, { id: order }];
    default:
      throw new VigilError(ErrorCode.REQUEST_INVALID, `sort.field: '${String(field)}' (allowed: createdAt, updatedAt, severity)`, {
        source: 'query',
        path: 'sort.field',
      });
  }
}

function rankOf(severity: string): number {
  const rank = (severityRank as Record<string, number | undefined>)[severity];
  if (rank === undefined) {
    throw new VigilError(
      ErrorCode.REQUEST_INVALID,
      `severity: '${severity}' is not a severity (allowed: ${Object.keys(severityRank).join(', ')})`,
      { source: 'incidents', path: 'severity' },
    );
  }
  return rank;
}

/** Wildcard text matching `text` anywhere, its own * ? \ taken literally. */
function containing(text: string): string {
  return `*${text.replace(/[\\*?]/g, '\\$&')}*`;
}

function filterQuery(f: IncidentFilter): Query {
  const filters: Query[] = [
    ...rangeFilter('createdAt', f.range),
    ...terms('state', f.state),
    ...terms('severity', f.severity),
    ...terms('grade', f.grade),
    ...terms('category', f.category),
    ...term('assignee', f.assignee),
    ...term('groupKey', f.groupKey),
    ...term('ruleIds', f.ruleId),
    ...term('hosts', f.host, true),
    ...term('users', f.user, true),
  ];
  if (f.text !== undefined && f.text !== '') {
    const value = containing(f.text);
    filters.push({
      bool: {
        should: ['title', 'tags', 'hosts', 'users'].map((field) => ({ wildcard: { [field]: { value, case_insensitive: true } } })),
        minimum_should_match: 1,
      },
    });
  }
  return all(filters);
}

function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export class EsIncidentStore implements IncidentStore {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('incidents');
  }

  private get timelineIndex(): string {
    return this.ctx.index('incident-timeline');
  }

  private source(inc: Incident): Record<string, unknown> {
    return { ...inc, severityRank: rankOf(inc.severity) };
  }

  /** createdAt defaults to now; updatedAt starts equal to createdAt. An existing id is a 409. */
  async create(incident: NewIncident): Promise<Incident> {
    const created = msToIso(incident.createdAt !== undefined ? isoToMs(incident.createdAt, 'createdAt', 'incidents') : this.ctx.clock());
    const inc = withoutUndefined({ ...incident, version: 1, createdAt: created, updatedAt: created } as Incident);
    try {
      await this.ctx.call('incidents.create', this.ctx.write('incidents.create', this.index), (c) =>
        c.create({ index: this.index, id: inc.id, document: this.source(inc), refresh: 'wait_for' }),
      );
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `incident ${inc.id}: already exists`, { source: 'incidents', path: inc.id });
      }
      throw err;
    }
    return inc;
  }

  async get(id: string): Promise<Incident | undefined> {
    return (await this.read(id))?.incident;
  }

  private async read(id: string): Promise<{ incident: Incident; seq: number; term: number } | undefined> {
    const res = await this.ctx.call('incidents.get', this.ctx.read('incidents.get', this.index), (c) =>
      c.get<Record<string, unknown>>({ index: this.index, id }, { ignore: [404] }),
    );
    if (!res.found || !res._source) return undefined;
    return { incident: strip<Incident>(res._source, OWN), seq: res._seq_no ?? 0, term: res._primary_term ?? 0 };
  }

  /**
   * Applies `change` when the stored version is `expectedVersion`; keys present with the value
   * undefined clear optional fields (e.g. `{ assignee: undefined }` unassigns).
   */
  async update(id: string, expectedVersion: number, change: IncidentChange): Promise<Incident> {
    const cur = await this.read(id);
    if (!cur) throw notFound('incident', id, 'incidents');
    const stored = cur.incident;
    if (stored.version !== expectedVersion) {
      throw new VigilError(
        ErrorCode.STORE_VERSION_CONFLICT,
        `incident ${id}: expected version ${expectedVersion} but the stored version is ${stored.version}; reload and retry`,
        { source: 'incidents', path: id },
      );
    }
    const next = { ...stored, ...change } as Incident;
    for (const k of immutable) (next as unknown as Record<string, unknown>)[k] = stored[k];
    next.version = stored.version + 1;
    next.updatedAt = msToIso(Math.max(this.ctx.clock(), Date.parse(stored.updatedAt)));
    withoutUndefined(next);
    try {
      await this.ctx.call('incidents.update', this.ctx.write('incidents.update', this.index), (c) =>
        c.index({ index: this.index, id, document: this.source(next), if_seq_no: cur.seq, if_primary_term: cur.term, refresh: 'wait_for' }),
      );
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new VigilError(
          ErrorCode.STORE_VERSION_CONFLICT,
          `incident ${id}: expected version ${expectedVersion} but another writer stored version ${expectedVersion + 1} first; reload and retry`,
          { source: 'incidents', path: id },
        );
      }
      throw err;
    }
    return next;
  }

  async list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>> {
    const sort = filter.sort ?? { field: 'createdAt', order: 'desc' };
    return this.ctx.page(
      'incidents.list',
      this.index,
      filterQuery(filter),
      sortFor(sort.field, sort.order),
      page,
      `incidents:${sort.field}:${sort.order}`,
      (s) => strip<Incident>(s, OWN),
    );
  }

  /** Incidents without a value for the field (no grade yet) are not counted (terms aggregation). */
  async countBy(filter: IncidentFilter, field: 'state' | 'grade' | 'category' | 'severity'): Promise<Bucket[]> {
    const f = countFields[field];
    if (!f) throw new VigilError(ErrorCode.REQUEST_INVALID, `field: '${field}' cannot be counted by`, { source: 'query', path: 'field' });
    return this.ctx.countBy('incidents.countBy', this.index, filterQuery(filter), f);
  }

  /**
   * Entries whose id is already stored are skipped, so a retried append does not duplicate.
   * An entry for an unknown incident fails the whole batch with NOT_FOUND, before anything is written.
   */
  async appendTimeline(entries: readonly TimelineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = [...new Set(entries.map((e) => e.incidentId))];
    const res = await this.ctx.call('incidents.appendTimeline', this.ctx.read('incidents.appendTimeline', this.index), (c) =>
      c.mget({ index: this.index, ids, _source: false }),
    );
    const present = new Set(res.docs.filter((d) => 'found' in d && d.found).map((d) => d._id));
    entries.forEach((e, i) => {
      if (!present.has(e.incidentId)) {
        throw new VigilError(ErrorCode.NOT_FOUND, `timeline[${i}].incidentId: incident ${e.incidentId} not found`, {
          source: 'incidents',
          path: `timeline[${i}].incidentId`,
        });
      }
      isoToMs(e.at, `timeline[${i}].at`, 'incidents');
    });
    const now = this.ctx.clock();
    const operations = entries.flatMap((e) => [{ create: { _index: this.timelineIndex, _id: e.id } }, { ...e, seq: newId(now) }]);
    const out = await this.ctx.call('incidents.appendTimeline', this.ctx.write('incidents.appendTimeline', this.timelineIndex), (c) =>
      c.bulk({ operations, refresh: 'wait_for' }),
    );
    out.items.forEach((item, i) => {
      const status = item.create?.status ?? 500;
      if (status < 300 || status === 409) return;
      throw new VigilError(
        status === 429 || status >= 500 ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.INTERNAL,
        `incidents.appendTimeline: entry ${entries[i].id} refused by ${this.timelineIndex} (${status} ${item.create?.error?.reason ?? ''}); retry the append (stored entries are skipped)`,
        { source: 'elasticsearch', path: `timeline[${i}]` },
        { retryable: status === 429 || status >= 500 },
      );
    });
  }

  /** Oldest first, in the order appended when times are equal. */
  async timeline(incidentId: string): Promise<TimelineEntry[]> {
    const hits = await this.ctx.all('incidents.timeline', this.timelineIndex, { term: { incidentId } }, [{ at: 'asc' }, { seq: 'asc' }]);
    return hits.map((h) => strip<TimelineEntry>(h._source ?? {}, ['seq']));
  }
}
