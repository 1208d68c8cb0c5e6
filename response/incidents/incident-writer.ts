// The one way incidents change: read, compute a change, write it under the version read (retrying
// on STORE_VERSION_CONFLICT), refresh the SLA/reporting clocks in the same write, then append the
// timeline entries, the audit entry (before/after of what changed) and publish the notices.
import type { Actor } from '../../core/auth/api-keys.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { AuditInput } from '../../core/http/types.ts';
import { newId, stableId } from '../../core/ids.ts';
import { type Notice, NoticeType } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import type { AuditLog, Incident, IncidentChange, IncidentStore, TimelineEntry } from '../../core/storage/types.ts';
import { type ClockEvent, refreshClocks, startReportingClocks } from './clock-state.ts';
import type { IncidentConfig } from './config.ts';

/** Who makes a change; `audit` is the HTTP request's audit writer (adds the request id). */
export interface ChangeBy {
  actor: Actor;
  audit?: (entry: AuditInput) => Promise<unknown>;
}

export function actorLabel(actor: Actor): string {
  return actor.id === actor.name ? actor.id : `${actor.id} (${actor.name})`;
}

export interface PlannedEntry {
  kind: string;
  data: Record<string, unknown>;
  /** Deterministic id, so a retried write does not add the entry twice. */
  id?: string;
}

export interface PlannedNotice {
  type: Notice['type'];
  data: Record<string, unknown>;
  alertId?: string;
  id?: string;
}

export interface Mutation {
  change: IncidentChange;
  timeline?: PlannedEntry[];
  notices?: PlannedNotice[];
  /** Audit action ('incident.transition'); absent: not audited (system bookkeeping such as alert joins). */
  action?: string;
}

export interface WriterDeps {
  incidents: IncidentStore;
  audit: AuditLog;
  notices: WorkQueue<Notice>;
  config: IncidentConfig;
  now: () => Date;
}

const MAX_ATTEMPTS = 20;

const clockNotice: Record<ClockEvent['kind'], Notice['type']> = {
  sla_near: NoticeType.incidentUpdated,
  sla_breach: NoticeType.slaBreached,
  reporting_due: NoticeType.reportingDue,
  reporting_missed: NoticeType.reportingMissed,
};

export function isVersionConflict(err: unknown): boolean {
  return err instanceof VigilError && err.code === ErrorCode.STORE_VERSION_CONFLICT;
}

export class IncidentWriter {
  constructor(readonly deps: WriterDeps) {}

  async load(id: string): Promise<Incident> {
    const inc = await this.deps.incidents.get(id);
    if (!inc) throw new VigilError(ErrorCode.NOT_FOUND, `incident ${id}: not found`, { source: 'params', path: '/id' });
    return inc;
  }

  /**
   * Applies `plan` to the current incident. `plan` may run several times (after a conflict) and
   * returns undefined when there is nothing to do. Returns the incident as written.
   */
  async mutate(id: string, by: ChangeBy, plan: (inc: Incident, nowMs: number) => Mutation | undefined): Promise<Incident> {
    for (let attempt = 1; ; attempt++) {
      const before = await this.load(id);
      const nowMs = this.deps.now().getTime();
      const m = plan(before, nowMs);
      if (!m) return before;
      const next = { ...before, ...m.change, fields: { ...before.fields, ...m.change.fields } } as Incident;
      const started = startReportingClocks(before, next, this.deps.config, nowMs);
      if (started) next.fields.reporting = started;
      const clocks = refreshClocks(next, this.deps.config, nowMs);
      const change: IncidentChange = { ...m.change };
      if (m.change.fields || started || Object.keys(clocks.fields).length) change.fields = { ...next.fields, ...clocks.fields };
      let after: Incident;
      try {
        after = await this.deps.incidents.update(id, before.version, change);
      } catch (err) {
        if (isVersionConflict(err) && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
      await this.record(after, by, nowMs, m, clocks.events, before);
      return after;
    }
  }

  /** Timeline, audit and notices for a write that has happened. */
  async record(after: Incident, by: ChangeBy, nowMs: number, m: Omit<Mutation, 'change'>, clockEvents: ClockEvent[], before?: Incident): Promise<void> {
    const at = new Date(nowMs).toISOString();
    const actor = actorLabel(by.actor);
    const entries: TimelineEntry[] = (m.timeline ?? []).map((e) => ({
      id: e.id ?? newId(nowMs),
      incidentId: after.id,
      at,
      actor,
      kind: e.kind,
      data: e.data,
    }));
    const notices: Notice[] = (m.notices ?? []).map((n) => ({
      id: n.id ?? newId(nowMs),
      type: n.type,
      at,
      incidentId: after.id,
      ...(n.alertId ? { alertId: n.alertId } : {}),
      data: n.data,
    }));
    for (const ev of clockEvents) {
      // Deterministic ids: the version check already makes the status change happen once; this
      // also keeps a retried record() from doubling the entry.
      const key = stableId(after.id, ev.kind, ev.clock, ev.deadline);
      entries.push({ id: key, incidentId: after.id, at, actor: 'system', kind: ev.kind, data: { clock: ev.clock, deadline: ev.deadline } });
      notices.push({ id: key, type: clockNotice[ev.kind], at, incidentId: after.id, data: { kind: ev.kind, clock: ev.clock, deadline: ev.deadline, grade: after.grade } });
    }
    if (entries.length) await this.deps.incidents.appendTimeline(entries);
    if (m.action) {
      const diff = changedFields(before, after);
      const entry: AuditInput = { action: m.action, target: after.id, before: diff.before, after: diff.after };
      if (by.audit) await by.audit(entry);
      else await this.deps.audit.append({ ...entry, actor: by.actor.id, at });
    }
    if (notices.length) await this.deps.notices.publishBatch(notices);
  }
}

const bookkeeping = new Set(['version', 'updatedAt']);

/** The top-level properties (and `fields` entries) that differ, before and after. */
export function changedFields(before: Incident | undefined, after: Incident): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  const prev = (before ?? {}) as unknown as Record<string, unknown>;
  const next = after as unknown as Record<string, unknown>;
  for (const k of new Set([...Object.keys(prev), ...Object.keys(next)])) {
    if (bookkeeping.has(k) || k === 'fields') continue;
    if (JSON.stringify(prev[k]) !== JSON.stringify(next[k])) {
      b[k] = prev[k];
      a[k] = next[k];
    }
  }
  const pf = (before?.fields ?? {}) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(pf), ...Object.keys(after.fields)])) {
    if (JSON.stringify(pf[k]) !== JSON.stringify(after.fields[k])) {
      (b.fields ??= {} as Record<string, unknown>);
      (a.fields ??= {} as Record<string, unknown>);
      (b.fields as Record<string, unknown>)[k] = pf[k];
      (a.fields as Record<string, unknown>)[k] = after.fields[k];
    }
  }
  return { before: b, after: a };
}
