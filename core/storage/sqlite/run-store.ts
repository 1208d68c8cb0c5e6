// Playbook runs on SQLite, versioned like incidents (a runner that lost a race gets
// STORE_VERSION_CONFLICT instead of overwriting another runner's step results).
//
// resumable(now) returns what a (re)started runner must look at:
//   - pending and running runs whose wakeAt is unset or due (a run in retry backoff waits for it);
//   - waiting_approval runs whose wakeAt (the approval timeout) is due;
//   - never finished runs (succeeded, failed, cancelled), whatever their wakeAt.
// Oldest due first.
import type Database from 'better-sqlite3';
import { ErrorCode, VigilError } from '../../errors.ts';
import type { NewPlaybookRun, Page, PageRequest, PlaybookRun, PlaybookRunChange, PlaybookRunStore, RunStatus } from '../types.ts';
import { inList, keyset, pageLimit, toPage, whereSql } from './paging.ts';
import { isoToMs, msToIso } from './times.ts';

interface RunRow {
  id: string;
  version: number;
  created_at: number;
  updated_at: number;
  doc: string;
}

export class SqlitePlaybookRunStore implements PlaybookRunStore {
  private readonly byId: Database.Statement<[string], RunRow>;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly write: Database.Statement<unknown[]>;
  private readonly due: Database.Statement<[number, number, number], RunRow>;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.byId = db.prepare('SELECT id, version, created_at, updated_at, doc FROM playbook_runs WHERE id = ?');
    this.insert = db.prepare(
      `INSERT INTO playbook_runs (id, version, playbook_id, incident_id, status, wake_at, created_at, updated_at, doc)
       VALUES (@id, @version, @playbookId, @incidentId, @status, @wakeAt, @createdAt, @updatedAt, @doc)`,
    );
    this.write = db.prepare(
      `UPDATE playbook_runs SET version = @version, status = @status, wake_at = @wakeAt, updated_at = @updatedAt, doc = @doc
       WHERE id = @id AND version = @expected`,
    );
    this.due = db.prepare(
      `SELECT id, version, created_at, updated_at, doc FROM playbook_runs
       WHERE (status IN ('pending', 'running') AND (wake_at IS NULL OR wake_at <= ?))
          OR (status = 'waiting_approval' AND wake_at <= ?)
       ORDER BY coalesce(wake_at, updated_at), id LIMIT ?`,
    );
  }

  private columns(run: PlaybookRun): Record<string, unknown> {
    return {
      id: run.id,
      version: run.version,
      playbookId: run.playbookId,
      incidentId: run.incidentId ?? null,
      status: run.status,
      wakeAt: run.wakeAt !== undefined ? isoToMs(run.wakeAt, 'wakeAt', 'playbook_runs') : null,
      createdAt: Date.parse(run.createdAt),
      updatedAt: Date.parse(run.updatedAt),
      doc: JSON.stringify(run),
    };
  }

  async create(run: NewPlaybookRun): Promise<PlaybookRun> {
    const now = msToIso(this.clock());
    const stored: PlaybookRun = { ...run, version: 1, createdAt: now, updatedAt: now };
    try {
      this.insert.run(this.columns(stored));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
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
    const r = this.byId.get(id);
    return r ? (JSON.parse(r.doc) as PlaybookRun) : undefined;
  }

  /** `{ wakeAt: undefined }` clears the wake time. */
  async update(id: string, expectedVersion: number, change: PlaybookRunChange): Promise<PlaybookRun> {
    const apply = this.db.transaction(() => {
      const r = this.byId.get(id);
      if (!r) throw new VigilError(ErrorCode.NOT_FOUND, `playbook run ${id}: not found`, { source: 'playbook_runs', path: id });
      const stored = JSON.parse(r.doc) as PlaybookRun;
      const next: PlaybookRun = { ...stored };
      if ('status' in change && change.status !== undefined) next.status = change.status;
      if ('steps' in change && change.steps !== undefined) next.steps = change.steps;
      if ('data' in change && change.data !== undefined) next.data = change.data;
      if ('wakeAt' in change) {
        if (change.wakeAt === undefined) delete next.wakeAt;
        else next.wakeAt = change.wakeAt;
      }
      next.version = r.version + 1;
      next.updatedAt = msToIso(Math.max(this.clock(), r.updated_at));
      const res = this.write.run({ ...this.columns(next), expected: expectedVersion });
      if (res.changes === 0) {
        throw new VigilError(
          ErrorCode.STORE_VERSION_CONFLICT,
          `playbook run ${id}: expected version ${expectedVersion} but the stored version is ${r.version}; reload and retry`,
          { source: 'playbook_runs', path: id },
        );
      }
      return next;
    });
    return apply.immediate();
  }

  /** Newest first. */
  async list(filter: { incidentId?: string; status?: RunStatus[] }, page: PageRequest): Promise<Page<PlaybookRun>> {
    const limit = pageLimit(page);
    const tag = 'runs:createdAt:desc';
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.incidentId !== undefined) {
      where.push('incident_id = ?');
      params.push(filter.incidentId);
    }
    if (filter.status?.length) inList('status', filter.status, where, params);
    const ks = keyset(['created_at', 'id'], 'desc', page, tag);
    if (ks.where) {
      where.push(ks.where);
      params.push(...ks.params);
    }
    const rows = this.db
      .prepare<unknown[], RunRow>(
        `SELECT id, version, created_at, updated_at, doc FROM playbook_runs ${whereSql(where)} ORDER BY ${ks.orderBy} LIMIT ?`,
      )
      .all(...params, limit + 1);
    return toPage(rows, limit, tag, (r) => [r.created_at, r.id], (r) => JSON.parse(r.doc) as PlaybookRun);
  }

  async resumable(now: string, limit: number): Promise<PlaybookRun[]> {
    const ms = isoToMs(now, 'now', 'playbook_runs');
    return this.due.all(ms, ms, Math.max(1, Math.trunc(limit))).map((r) => JSON.parse(r.doc) as PlaybookRun);
  }
}
