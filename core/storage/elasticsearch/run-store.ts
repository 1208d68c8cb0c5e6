// Playbook runs on Elasticsearch, versioned like incidents (a runner that lost a race gets
// STORE_VERSION_CONFLICT instead of overwriting another runner's step results): the version is in
// the document and writes carry if_seq_no/if_primary_term.
//
// resumable(now) returns what a (re)started runner must look at, oldest due first:
//   - pending and running runs whose wakeAt is unset or due;
//   - waiting_approval runs whose wakeAt (the approval timeout) is due;
//   - never finished runs. `dueAt` (wakeAt, else updatedAt) is stored to sort on.
import { ErrorCode, VigilError } from '../../errors.ts';
import { isoToMs, msToIso } from '../sqlite/times.ts';
import type { NewPlaybookRun, Page, PageRequest, PlaybookRun, PlaybookRunChange, PlaybookRunStore, RunStatus } from '../types.ts';
import { all, type EsContext, notFound, statusOf, strip, term, terms } from './context.ts';

const OWN = ['dueAt'] as const;

export class EsPlaybookRunStore implements PlaybookRunStore {
  constructor(private readonly ctx: EsContext) {}

  private get index(): string {
    return this.ctx.index('playbook-runs');
  }

  private source(run: PlaybookRun): Record<string, unknown> {
    if (run.wakeAt !== undefined) isoToMs(run.wakeAt, 'wakeAt', 'playbook_runs');
    return { ...run, dueAt: run.wakeAt ?? run.updatedAt };
  }

  async create(run: NewPlaybookRun): Promise<PlaybookRun> {
    const now = msToIso(this.ctx.clock());
    const stored: PlaybookRun = { ...run, version: 1, createdAt: now, updatedAt: now };
    try {
      await this.ctx.call('runs.create', this.ctx.write('runs.create', this.index), (c) =>
        c.create({ index: this.index, id: run.id, document: this.source(stored), refresh: 'wait_for' }),
      );
    } catch (err) {
      if (statusOf(err) === 409) {
        throw new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `playbook run ${run.id}: already exists`, {
          source: 'playbook_runs',
          path: run.id,
        });
      }
      throw err;
    }
    return stored;
  }

  async get(id: string): Promise<PlaybookRun | undefined> {
    return (await this.read(id))?.run;
  }

  private async read(id: string): Promise<{ run: PlaybookRun; seq: number; term: number } | undefined> {
    const res = await this.ctx.call('runs.get', this.ctx.read('runs.get', this.index), (c) =>
      c.get<Record<string, unknown>>({ index: this.index, id }, { ignore: [404] }),
    );
    if (!res.found || !res._source) return undefined;
    return { run: strip<PlaybookRun>(res._source, OWN), seq: res._seq_no ?? 0, term: res._primary_term ?? 0 };
  }

  /** `{ wakeAt: undefined }` clears the wake time. */
  async update(id: string, expectedVersion: number, change: PlaybookRunChange): Promise<PlaybookRun> {
    const cur = await this.read(id);
    if (!cur) throw notFound('playbook run', id, 'playbook_runs');
    const stored = cur.run;
    const conflict = (now: string) =>
      new VigilError(
        ErrorCode.STORE_VERSION_CONFLICT,
        `playbook run ${id}: expected version ${expectedVersion} but the stored version is ${now}; reload and retry`,
        { source: 'playbook_runs', path: id },
      );
    if (stored.version !== expectedVersion) throw conflict(String(stored.version));
    const next: PlaybookRun = { ...stored };
    if (change.status !== undefined) next.status = change.status;
    if (change.steps !== undefined) next.steps = change.steps;
    if (change.data !== undefined) next.data = change.data;
    if ('wakeAt' in change) {
      if (change.wakeAt === undefined) delete next.wakeAt;
      else next.wakeAt = change.wakeAt;
    }
    next.version = stored.version + 1;
    next.updatedAt = msToIso(Math.max(this.ctx.clock(), Date.parse(stored.updatedAt)));
    try {
      await this.ctx.call('runs.update', this.ctx.write('runs.update', this.index), (c) =>
        c.index({ index: this.index, id, document: this.source(next), if_seq_no: cur.seq, if_primary_term: cur.term, refresh: 'wait_for' }),
      );
    } catch (err) {
      if (statusOf(err) === 409) throw conflict(`newer (another runner wrote version ${expectedVersion + 1} first)`);
      throw err;
    }
    return next;
  }

  /** Newest first. */
  async list(filter: { incidentId?: string; status?: RunStatus[] }, page: PageRequest): Promise<Page<PlaybookRun>> {
    const query = all([...term('incidentId', filter.incidentId), ...terms('status', filter.status)]);
    return this.ctx.page('runs.list', this.index, query, [{ createdAt: 'desc' }, { id: 'desc' }], page, 'runs:createdAt:desc', (s) =>
      strip<PlaybookRun>(s, OWN),
    );
  }

  async resumable(now: string, limit: number): Promise<PlaybookRun[]> {
    const at = msToIso(isoToMs(now, 'now', 'playbook_runs'));
    const due = { range: { wakeAt: { lte: at } } };
    const query = {
      bool: {
        should: [
          {
            bool: {
              filter: [
                { terms: { status: ['pending', 'running'] } },
                { bool: { should: [{ bool: { must_not: [{ exists: { field: 'wakeAt' } }] } }, due], minimum_should_match: 1 } },
              ],
            },
          },
          { bool: { filter: [{ term: { status: 'waiting_approval' } }, due] } },
        ],
        minimum_should_match: 1,
      },
    };
    const size = Math.min(10_000, Math.max(1, Math.trunc(limit)));
    const res = await this.ctx.call('runs.resumable', this.ctx.read('runs.resumable', this.index), (c) =>
      c.search<Record<string, unknown>>({ index: this.index, query, sort: [{ dueAt: 'asc' }, { id: 'asc' }], size, track_total_hits: false }),
    );
    return res.hits.hits.map((h) => strip<PlaybookRun>(h._source ?? {}, OWN));
  }
}
