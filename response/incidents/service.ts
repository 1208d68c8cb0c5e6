// Case operations on incidents for analysts (through the HTTP routes) and playbooks (directly):
// reading with filters and detail, lifecycle transitions, comments, assignment, tags,
// classification, grading, reports, merge, bulk updates, false positives and rule exceptions.
// Every change goes through IncidentWriter: timeline entry with actor and time, audit entry
// with before/after, and a Notice.
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Notice } from '../../core/messages.ts';
import { NoticeType } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import {
  type Alert,
  type AlertFilter,
  type Incident,
  type IncidentFilter,
  type Page,
  type PageRequest,
  severityRank,
  type StorageEngine,
  type StoredEvent,
  type TimelineEntry,
} from '../../core/storage/types.ts';
import { type ExceptionCondition, type RuleException, RuleExceptions } from '../alerts/exceptions.ts';
import { groupCollection } from '../alerts/intake.ts';
import { type StoredSuppression, Suppressions } from '../alerts/suppression.ts';
import { type ClassificationTable, gradeRank, isGrade, loadClassification, resolveClassification } from './classification.ts';
import { type ReportClock, type ReportKind, type SlaClock, recordReportClock, reportingOf, slaOf, stateEnteredAt } from './clock-state.ts';
import { type IncidentConfig, type IncidentConfigInput, incidentConfig } from './config.ts';
import { actorLabel, type ChangeBy, IncidentWriter, isVersionConflict } from './incident-writer.ts';
import { assertTransition, IncidentState, isResolution, type LifecyclePhase, phases, type Resolution, resolutions, transitions } from './lifecycle.ts';
import { mergeObservables, type Observable, observablesOf } from './observables.ts';

export type { ChangeBy } from './incident-writer.ts';

export const verdictCollection = 'rule-verdicts';

export interface RuleVerdicts {
  ruleId: string;
  tp: number;
  fp: number;
  /** tp / (tp + fp); absent before any verdict. */
  precision?: number;
}

export interface IncidentServiceOptions {
  store: StorageEngine;
  notices: WorkQueue<Notice>;
  config?: IncidentConfigInput;
  classification?: ClassificationTable;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface TransitionInput {
  to: string;
  resolution?: string;
  summary?: string;
}

export interface BulkInput {
  ids: string[];
  assign?: { assignee: string | null };
  transition?: TransitionInput;
  tags?: { add?: string[]; remove?: string[] };
}

export type BulkResult = { id: string; ok: true; state: string; version: number } | { id: string; ok: false; error: { code: string; message: string } };

export interface IncidentDetail {
  incident: Incident;
  phase: LifecyclePhase;
  allowedTransitions: readonly string[];
  alerts: Alert[];
  timeline: TimelineEntry[];
  observables: Observable[];
  events: StoredEvent[];
  sla: Partial<Record<string, SlaClock>>;
  reporting: Partial<Record<ReportKind, ReportClock>>;
}

const reservedFields = new Set(['commentCount', 'closedAt', 'reopenCount', 'observables', 'alertCount', 'stateEnteredAt', 'sla', 'reporting', 'resolution', 'summary', 'gradedAt', 'gradeSource', 'classificationSource', 'mergedInto', 'mergedFrom']);

function uniq(xs: Iterable<string>): string[] {
  return [...new Set(xs)];
}

function bad(path: string, message: string): VigilError {
  return new VigilError(ErrorCode.REQUEST_INVALID, `${path.slice(1)}: ${message}`, { source: 'body', path });
}

export class IncidentService {
  readonly config: IncidentConfig;
  readonly classification: ClassificationTable;
  readonly exceptions: RuleExceptions;
  readonly suppressions: Suppressions;
  private readonly writer: IncidentWriter;
  private readonly store: StorageEngine;
  private readonly notices: WorkQueue<Notice>;
  private readonly now: () => Date;

  constructor(opts: IncidentServiceOptions) {
    this.config = incidentConfig(opts.config);
    this.classification = opts.classification ?? loadClassification();
    this.store = opts.store;
    this.notices = opts.notices;
    this.now = opts.now ?? (() => new Date());
    this.exceptions = new RuleExceptions(opts.store.docs);
    this.suppressions = new Suppressions(opts.store.docs);
    this.writer = new IncidentWriter({ incidents: opts.store.incidents, audit: opts.store.audit, notices: opts.notices, config: this.config, now: this.now });
  }

  // ------------------------------------------------------------------ reading

  get(id: string): Promise<Incident> {
    return this.writer.load(id);
  }

  list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>> {
    return this.store.incidents.list(filter, page);
  }

  listAlerts(filter: AlertFilter, page: PageRequest): Promise<Page<Alert>> {
    return this.store.alerts.list(filter, page);
  }

  async alertsOf(incidentId: string, max = 1000): Promise<Alert[]> {
    const out: Alert[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.alerts.list({ incidentId }, { limit: Math.min(500, max - out.length), cursor });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && out.length < max);
    return out;
  }

  async detail(id: string): Promise<IncidentDetail> {
    const incident = await this.get(id);
    const alerts = await this.alertsOf(id);
    const eventIds = uniq(alerts.flatMap((a) => a.eventIds)).slice(0, this.config.detailEventLimit);
    const state = incident.state as IncidentState;
    return {
      incident,
      phase: phases[state],
      allowedTransitions: transitions[state] ?? [],
      alerts,
      timeline: await this.store.incidents.timeline(id),
      observables: observablesOf(incident.fields),
      events: eventIds.length ? await this.store.events.getMany(eventIds) : [],
      sla: slaOf(incident.fields),
      reporting: reportingOf(incident.fields),
    };
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    await this.get(id);
    return this.store.incidents.timeline(id);
  }

  // ------------------------------------------------------------------ lifecycle

  async transition(id: string, input: TransitionInput, by: ChangeBy): Promise<Incident> {
    let from = '';
    const after = await this.writer.mutate(id, by, (inc, nowMs) => {
      from = inc.state;
      assertTransition(id, inc.state, input.to);
      const at = new Date(nowMs).toISOString();
      const fields: Record<string, unknown> = { stateEnteredAt: { ...stateEnteredAt(inc.fields) } };
      const entered = fields.stateEnteredAt as Record<string, string>;
      entered[input.to] ??= at;
      const data: Record<string, unknown> = { from: inc.state, to: input.to };
      if (input.to === IncidentState.closed) {
        if (input.resolution === undefined) throw bad('/resolution', `closing incident ${id} needs a resolution (${resolutions.join(', ')})`);
        if (!isResolution(input.resolution)) throw bad('/resolution', `'${input.resolution}' is not a resolution (${resolutions.join(', ')})`);
        if (!input.summary?.trim()) throw bad('/summary', `closing incident ${id} needs a summary`);
        fields.resolution = input.resolution;
        fields.summary = input.summary;
        fields.closedAt = at;
        data.resolution = input.resolution;
        data.summary = input.summary;
      } else if (inc.state === IncidentState.closed) {
        // Reopening: the old resolution stays on the timeline, not on the incident.
        fields.resolution = undefined;
        fields.summary = undefined;
        fields.closedAt = undefined;
        fields.reopenCount = (typeof inc.fields.reopenCount === 'number' ? inc.fields.reopenCount : 0) + 1;
        data.reopened = true;
      }
      return {
        change: { state: input.to, fields },
        action: 'incident.transition',
        timeline: [{ kind: 'transition', data }],
        notices: [{ type: NoticeType.incidentStateChanged, data }],
      };
    });
    if (input.to === IncidentState.closed) await this.recordVerdicts(after, input.resolution as Resolution, by);
    else if (from === IncidentState.closed) await this.recordVerdicts(after, undefined, by);
    return after;
  }

  /**
   * A close's resolution counts into each alert's rule precision (true/false positive), and the
   * alerts close with the incident; reopening takes both back.
   */
  private async recordVerdicts(inc: Incident, resolution: Resolution | undefined, by: ChangeBy): Promise<void> {
    const verdict = resolution === 'true_positive' ? 'tp' : resolution === 'false_positive' ? 'fp' : undefined;
    const closing = resolution !== undefined;
    for (const alert of await this.alertsOf(inc.id)) {
      // Alerts an analyst judged one by one keep their own verdict.
      if (alert.data.falsePositive) continue;
      const status: Alert['status'] = verdict === 'fp' ? 'false_positive' : closing ? 'closed' : 'open';
      await this.setVerdict(alert, verdict, status, by);
    }
  }

  private async setVerdict(alert: Alert, verdict: 'tp' | 'fp' | undefined, status: Alert['status'], by: ChangeBy, extra: Record<string, unknown> = {}): Promise<Alert> {
    const old = alert.data.verdict as 'tp' | 'fp' | undefined;
    if (old === verdict && status === alert.status && !Object.keys(extra).length) return alert;
    const data: Record<string, unknown> = { ...alert.data, ...extra, verdict };
    if (verdict === undefined) delete data.verdict;
    if (old !== verdict) data.verdictBy = actorLabel(by.actor);
    const updated = await this.store.alerts.update(alert.id, { status, data });
    if (old !== verdict) {
      await this.adjustVerdicts(alert.ruleId, (v) => {
        if (old) v[old] = Math.max(0, v[old] - 1);
        if (verdict) v[verdict] += 1;
      });
    }
    return updated;
  }

  private async adjustVerdicts(ruleId: string, fn: (v: { tp: number; fp: number }) => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const doc = await this.store.docs.get<{ tp: number; fp: number }>(verdictCollection, ruleId);
      const v = { tp: doc?.body.tp ?? 0, fp: doc?.body.fp ?? 0 };
      fn(v);
      try {
        await this.store.docs.put(verdictCollection, ruleId, v, doc?.version ?? 0);
        return;
      } catch (err) {
        if (!isVersionConflict(err) || attempt >= 20) throw err;
      }
    }
  }

  async ruleVerdicts(ruleId: string): Promise<RuleVerdicts> {
    const doc = await this.store.docs.get<{ tp: number; fp: number }>(verdictCollection, ruleId);
    const tp = doc?.body.tp ?? 0;
    const fp = doc?.body.fp ?? 0;
    return { ruleId, tp, fp, ...(tp + fp > 0 ? { precision: tp / (tp + fp) } : {}) };
  }

  // ------------------------------------------------------------------ case operations

  async comment(id: string, input: { text: string }, by: ChangeBy): Promise<Incident> {
    if (!input.text.trim()) throw bad('/text', 'a comment needs text');
    return this.writer.mutate(id, by, (inc) => ({
      change: { fields: { commentCount: (typeof inc.fields.commentCount === 'number' ? inc.fields.commentCount : 0) + 1 } },
      action: 'incident.comment',
      timeline: [{ kind: 'comment', data: { text: input.text } }],
      notices: [{ type: NoticeType.incidentUpdated, data: { change: 'comment' } }],
    }));
  }

  async assign(id: string, input: { assignee: string | null }, by: ChangeBy): Promise<Incident> {
    const assignee = input.assignee?.trim() || undefined;
    return this.writer.mutate(id, by, (inc) => {
      if (inc.assignee === assignee) return undefined;
      return {
        change: { assignee },
        action: 'incident.assign',
        timeline: [{ kind: 'assign', data: { from: inc.assignee ?? null, to: assignee ?? null } }],
        notices: [{ type: NoticeType.incidentUpdated, data: { change: 'assign', assignee: assignee ?? null } }],
      };
    });
  }

  async tag(id: string, input: { add?: string[]; remove?: string[] }, by: ChangeBy): Promise<Incident> {
    const add = uniq((input.add ?? []).map((t) => t.trim()).filter(Boolean));
    const remove = new Set((input.remove ?? []).map((t) => t.trim()));
    return this.writer.mutate(id, by, (inc) => {
      // A tag both added and removed ends up removed.
      const tags = uniq([...inc.tags, ...add]).filter((t) => !remove.has(t));
      if (JSON.stringify(tags) === JSON.stringify(inc.tags)) return undefined;
      return {
        change: { tags },
        action: 'incident.tag',
        timeline: [{ kind: 'tag', data: { added: tags.filter((t) => !inc.tags.includes(t)), removed: inc.tags.filter((t) => remove.has(t)) } }],
        notices: [{ type: NoticeType.incidentUpdated, data: { change: 'tags', tags } }],
      };
    });
  }

  async classify(id: string, input: { category: string; subcategory?: string }, by: ChangeBy): Promise<Incident> {
    const cls = resolveClassification(this.classification, input.category, input.subcategory);
    return this.writer.mutate(id, by, (inc) => ({
      change: { category: cls.category, subcategory: cls.subcategory, fields: { classificationSource: 'analyst' } },
      action: 'incident.classify',
      timeline: [{ kind: 'classify', data: { from: { category: inc.category ?? null, subcategory: inc.subcategory ?? null }, to: { category: cls.category, subcategory: cls.subcategory ?? null } } }],
      notices: [{ type: NoticeType.incidentUpdated, data: { change: 'classification', category: cls.category, subcategory: cls.subcategory ?? null } }],
    }));
  }

  /** The analyst's grade; a reason is mandatory. Raising to III or higher starts the reporting clock. */
  async regrade(id: string, input: { grade: string; reason: string }, by: ChangeBy): Promise<Incident> {
    if (!isGrade(input.grade)) throw bad('/grade', `'${input.grade}' is not a grade (I, II, III, IV)`);
    if (!input.reason?.trim()) throw bad('/reason', 'changing the grade needs a reason');
    return this.writer.mutate(id, by, (inc, nowMs) => ({
      change: { grade: input.grade, fields: { gradeSource: 'analyst', gradedAt: new Date(nowMs).toISOString() } },
      action: 'incident.grade',
      timeline: [{ kind: 'grade', data: { from: inc.grade ?? null, to: input.grade, reason: input.reason } }],
      notices: [{ type: NoticeType.incidentUpdated, data: { change: 'grade', from: inc.grade ?? null, grade: input.grade, raised: gradeRank(input.grade) > gradeRank(inc.grade) } }],
    }));
  }

  async recordReport(id: string, input: { kind: ReportKind; reference?: string; note?: string }, by: ChangeBy): Promise<Incident> {
    if (input.kind !== 'initial' && input.kind !== 'summary') throw bad('/kind', `'${input.kind}' is not a report kind (initial, summary)`);
    return this.writer.mutate(id, by, (inc, nowMs) => {
      const reporting = recordReportClock(inc.fields, input.kind, input, actorLabel(by.actor), nowMs);
      const clock = reporting[input.kind] as ReportClock;
      return {
        change: { fields: { reporting } },
        action: 'incident.report',
        timeline: [{ kind: 'report_recorded', data: { kind: input.kind, reference: input.reference ?? null, note: input.note ?? null, deadline: clock.deadline, late: clock.late ?? false } }],
        notices: [{ type: NoticeType.incidentUpdated, data: { change: 'report', kind: input.kind, late: clock.late ?? false } }],
      };
    });
  }

  /** For playbooks: sets stage-independent fields (the clocks and lifecycle keys are refused). */
  async setFields(id: string, fields: Record<string, unknown>, by: ChangeBy): Promise<Incident> {
    for (const k of Object.keys(fields)) {
      if (reservedFields.has(k)) throw bad(`/fields/${k}`, `'${k}' is kept by Vigil itself and cannot be set (use the matching operation)`);
    }
    return this.writer.mutate(id, by, () => ({
      change: { fields },
      action: 'incident.set_fields',
      timeline: [{ kind: 'fields_set', data: { fields } }],
      notices: [{ type: NoticeType.incidentUpdated, data: { change: 'fields', keys: Object.keys(fields) } }],
    }));
  }

  /** For playbooks: a timeline entry without changing the incident (its own step notices go out separately). */
  async appendTimeline(id: string, entry: { kind: string; data: Record<string, unknown>; id?: string }, by: ChangeBy): Promise<TimelineEntry> {
    await this.get(id);
    const nowMs = this.now().getTime();
    const full: TimelineEntry = {
      id: entry.id ?? newId(nowMs),
      incidentId: id,
      at: new Date(nowMs).toISOString(),
      actor: actorLabel(by.actor),
      kind: entry.kind,
      data: entry.data,
    };
    await this.store.incidents.appendTimeline([full]);
    return full;
  }

  /** Moves `sourceId`'s alerts and observables into `targetId`; the source closes as a duplicate. */
  async merge(targetId: string, sourceId: string, by: ChangeBy): Promise<Incident> {
    if (targetId === sourceId) throw bad('/source', `cannot merge incident ${targetId} into itself`);
    const target = await this.get(targetId);
    const source = await this.writer.load(sourceId).catch((err: unknown) => {
      if (err instanceof VigilError && err.code === ErrorCode.NOT_FOUND) throw bad('/source', `incident ${sourceId} not found`);
      throw err;
    });
    for (const [inc, role] of [
      [target, 'target'],
      [source, 'source'],
    ] as const) {
      if (inc.state === IncidentState.closed) {
        throw new VigilError(ErrorCode.INCIDENT_INVALID_TRANSITION, `incident ${inc.id} (merge ${role}) is closed; reopen it first`, { source: 'body', path: role === 'source' ? '/source' : '/id' });
      }
    }
    const alerts = await this.alertsOf(sourceId, 100_000);
    for (const a of alerts) await this.store.alerts.update(a.id, { incidentId: targetId });
    const after = await this.writer.mutate(targetId, by, (inc) => {
      const src = source;
      const severity = severityRank[src.severity] > severityRank[inc.severity] ? src.severity : inc.severity;
      return {
        change: {
          severity,
          ruleIds: uniq([...inc.ruleIds, ...src.ruleIds]),
          hosts: uniq([...inc.hosts, ...src.hosts]),
          users: uniq([...inc.users, ...src.users]),
          tags: uniq([...inc.tags, ...src.tags]),
          fields: {
            observables: mergeObservables(observablesOf(inc.fields), observablesOf(src.fields)),
            alertCount: Number(inc.fields.alertCount ?? 0) + Number(src.fields.alertCount ?? 0),
            mergedFrom: uniq([...((inc.fields.mergedFrom as string[] | undefined) ?? []), sourceId]),
          },
        },
        action: 'incident.merge',
        timeline: [{ kind: 'merged', data: { source: sourceId, alerts: alerts.length } }],
        notices: [{ type: NoticeType.incidentUpdated, data: { change: 'merge', source: sourceId } }],
      };
    });
    await this.writer.mutate(sourceId, by, (inc, nowMs) => {
      const at = new Date(nowMs).toISOString();
      const summary = `merged into incident ${targetId}`;
      const data = { from: inc.state, to: IncidentState.closed, resolution: 'duplicate', summary, mergedInto: targetId };
      return {
        change: {
          state: IncidentState.closed,
          fields: { stateEnteredAt: { [IncidentState.closed]: at, ...stateEnteredAt(inc.fields) }, resolution: 'duplicate', summary, closedAt: at, mergedInto: targetId },
        },
        action: 'incident.merge',
        timeline: [
          { kind: 'merged_into', data: { target: targetId, alerts: alerts.length } },
          { kind: 'transition', data },
        ],
        notices: [{ type: NoticeType.incidentStateChanged, data }],
      };
    });
    // New alerts of the source's group should land in the surviving incident.
    if (source.groupKey) {
      const claim = await this.store.docs.get<{ incidentId: string; createdAt: string }>(groupCollection, source.groupKey);
      if (claim?.body.incidentId === sourceId) {
        await this.store.docs.put(groupCollection, source.groupKey, { incidentId: targetId, createdAt: after.createdAt }, claim.version).catch((err: unknown) => {
          if (!isVersionConflict(err)) throw err;
        });
      }
    }
    return after;
  }

  /** Applies assign, tags, then transition to each id; one failure does not stop the others. */
  async bulk(input: BulkInput, by: ChangeBy): Promise<BulkResult[]> {
    if (!input.assign && !input.transition && !input.tags) throw bad('/ids', 'nothing to do: give assign, transition or tags');
    const results: BulkResult[] = [];
    for (const id of uniq(input.ids)) {
      try {
        let inc = await this.get(id);
        if (input.assign) inc = await this.assign(id, input.assign, by);
        if (input.tags) inc = await this.tag(id, input.tags, by);
        if (input.transition) inc = await this.transition(id, input.transition, by);
        results.push({ id, ok: true, state: inc.state, version: inc.version });
      } catch (err) {
        if (!(err instanceof VigilError)) throw err;
        results.push({ id, ok: false, error: { code: err.code, message: err.message } });
      }
    }
    return results;
  }

  // ------------------------------------------------------------------ false positives and exceptions

  async markFalsePositive(
    alertId: string,
    input: { reason: string; exception?: ExceptionCondition[] },
    by: ChangeBy,
  ): Promise<{ alert: Alert; exception?: RuleException; verdicts: RuleVerdicts }> {
    const alert = await this.store.alerts.get(alertId);
    if (!alert) throw new VigilError(ErrorCode.NOT_FOUND, `alert ${alertId}: not found`, { source: 'params', path: '/id' });
    if (!input.reason?.trim()) throw bad('/reason', 'marking a false positive needs a reason');
    const at = this.now().toISOString();
    let exception: RuleException | undefined;
    if (input.exception?.length) {
      exception = await this.exceptions.add({
        ruleId: alert.ruleId,
        conditions: input.exception.map((c) => ({ field: c.field, value: String(c.value) })),
        reason: input.reason,
        createdBy: actorLabel(by.actor),
        createdAt: at,
        sourceAlertId: alertId,
      });
    }
    const updated = await this.setVerdict(alert, 'fp', 'false_positive', by, { falsePositive: { by: actorLabel(by.actor), at, reason: input.reason, ...(exception ? { exceptionId: exception.id } : {}) } });
    await this.auditOther(by, { action: 'alert.false_positive', target: alertId, before: { status: alert.status }, after: { status: updated.status, exceptionId: exception?.id } });
    if (alert.incidentId) {
      await this.writer.mutate(alert.incidentId, by, () => ({
        change: {},
        timeline: [{ kind: 'alert_false_positive', data: { alertId, ruleId: alert.ruleId, reason: input.reason, exceptionId: exception?.id ?? null } }],
        notices: [{ type: NoticeType.incidentUpdated, alertId, data: { change: 'alert_false_positive', ruleId: alert.ruleId } }],
      }));
    }
    return { alert: updated, ...(exception ? { exception } : {}), verdicts: await this.ruleVerdicts(alert.ruleId) };
  }

  listExceptions(ruleId: string): Promise<RuleException[]> {
    return this.exceptions.forRule(ruleId);
  }

  async deleteException(ruleId: string, exceptionId: string, by: ChangeBy): Promise<RuleException> {
    const removed = await this.exceptions.remove(ruleId, exceptionId);
    await this.auditOther(by, { action: 'rule.exception.delete', target: `${ruleId}/${exceptionId}`, before: removed });
    return removed;
  }

  listSuppressions(): Promise<StoredSuppression[]> {
    return this.suppressions.list();
  }

  async addSuppression(input: { ruleId: string; entity?: string; from?: string; until?: string; reason?: string }, by: ChangeBy): Promise<StoredSuppression> {
    const created = await this.suppressions.add({ ...input, createdBy: actorLabel(by.actor), createdAt: this.now().toISOString() });
    await this.auditOther(by, { action: 'suppression.create', target: created.id, after: created });
    return created;
  }

  async removeSuppression(id: string, by: ChangeBy): Promise<StoredSuppression> {
    const removed = await this.suppressions.remove(id);
    await this.auditOther(by, { action: 'suppression.delete', target: id, before: removed });
    return removed;
  }

  /** Audit for changes that are not incident writes (those go through IncidentWriter). */
  private async auditOther(by: ChangeBy, entry: { action: string; target: string; before?: unknown; after?: unknown }): Promise<void> {
    if (by.audit) await by.audit(entry);
    else await this.store.audit.append({ ...entry, actor: by.actor.id, at: this.now().toISOString() });
  }
}
