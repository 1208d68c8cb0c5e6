// Alert intake: stores alerts from the detection side (duplicates ignored entirely), closes the
// ones a rule exception covers, marks suppressed ones, and groups the rest into incidents — an
// alert joins the open incident of its groupKey created within the grouping window, otherwise
// it opens one. Several intake workers may run at once: the group claim and the incident writes
// are version-checked, and a new incident's id is derived from the claim it replaces, so two
// workers racing on one group create one incident.
import { systemActor } from '../../core/auth/api-keys.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { newId, stableId } from '../../core/ids.ts';
import { type Notice, NoticeType } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import { type Alert, type Incident, severityRank, type StorageEngine } from '../../core/storage/types.ts';
import { type ClassificationTable, classifyAlert, gradeRank, loadClassification } from '../incidents/classification.ts';
import { refreshClocks, startReportingClocks } from '../incidents/clock-state.ts';
import { type IncidentConfigInput, incidentConfig, type SuppressionWindow } from '../incidents/config.ts';
import { assetCriticalityOf, defaultGrade } from '../incidents/grading.ts';
import { IncidentWriter, isVersionConflict } from '../incidents/incident-writer.ts';
import { IncidentState } from '../incidents/lifecycle.ts';
import { addObservables, observablesOf } from '../incidents/observables.ts';
import { exceptionMatches, RuleExceptions } from './exceptions.ts';
import { activeSuppressions, windowApplies } from './suppression.ts';

export const groupCollection = 'incident-groups';
/** One document per taken-over alert lease, so one worker alone resumes a dead worker's alert. */
export const takeoverCollection = 'intake-takeovers';

interface GroupClaim {
  incidentId: string;
  createdAt: string;
}

export interface AlertIntakeOptions {
  store: Pick<StorageEngine, 'alerts' | 'incidents' | 'docs' | 'audit'>;
  notices: WorkQueue<Notice>;
  config?: IncidentConfigInput;
  classification?: ClassificationTable;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface IntakeResult {
  /** Newly stored alerts. */
  stored: string[];
  /** Already stored: ignored, unless listed in `recovered`. */
  duplicates: string[];
  /** Duplicates whose first intake died half-way (lease expired), grouped now. */
  recovered: string[];
  excepted: string[];
  suppressed: string[];
  /** Incidents opened by this batch. */
  created: string[];
  /** Existing incidents alerts joined. */
  joined: string[];
}

export interface AlertIntake {
  handle(alerts: readonly Alert[]): Promise<IntakeResult>;
}

function uniq(xs: Iterable<string>): string[] {
  return [...new Set(xs)];
}

function maxSeverity(a: Alert['severity'], b: Alert['severity']): Alert['severity'] {
  return severityRank[a] >= severityRank[b] ? a : b;
}

/** The entity an incident is about: the first host, else user, source IP, destination IP … */
export function mainEntity(alert: Alert): string | undefined {
  const e = alert.entities;
  return e.hosts[0] ?? e.users[0] ?? e.sourceIps[0] ?? e.destinationIps[0] ?? e.processes[0] ?? e.hashes[0];
}

export function createAlertIntake(opts: AlertIntakeOptions): AlertIntake {
  const config = incidentConfig(opts.config);
  const now = opts.now ?? (() => new Date());
  const table = opts.classification ?? loadClassification();
  const { store, notices } = opts;
  const exceptions = new RuleExceptions(store.docs);
  const writer = new IncidentWriter({ incidents: store.incidents, audit: store.audit, notices, config, now });
  const system = { actor: systemActor };

  /** Whether alerts of the incident's group may still join it. */
  function isOpenFor(inc: Incident, nowMs: number): boolean {
    return inc.state !== IncidentState.closed && Date.parse(inc.createdAt) > nowMs - config.groupingWindowMs;
  }

  function newIncident(id: string, alert: Alert, nowMs: number): Incident {
    const at = new Date(nowMs).toISOString();
    const entity = mainEntity(alert);
    const cls = classifyAlert(table, alert);
    const grade = defaultGrade(alert.severity, assetCriticalityOf([alert]));
    const inc: Incident = {
      id,
      version: 1,
      title: entity ? `${alert.ruleTitle} on ${entity}` : alert.ruleTitle,
      state: IncidentState.new,
      severity: alert.severity,
      grade,
      category: cls.category,
      ...(cls.subcategory ? { subcategory: cls.subcategory } : {}),
      tags: [],
      ruleIds: [alert.ruleId],
      hosts: uniq(alert.entities.hosts),
      users: uniq(alert.entities.users),
      groupKey: alert.groupKey,
      createdAt: at,
      updatedAt: at,
      fields: {
        observables: addObservables([], alert),
        alertCount: 1,
        firstAlertAt: alert.detectedAt,
        lastAlertAt: alert.detectedAt,
        stateEnteredAt: { new: at },
        gradedAt: at,
        gradeSource: 'default',
        classificationSource: 'rule',
      },
    };
    const reporting = startReportingClocks(undefined, inc, config, nowMs);
    if (reporting) inc.fields.reporting = reporting;
    Object.assign(inc.fields, refreshClocks(inc, config, nowMs).fields);
    return inc;
  }

  /** The group's open incident, opening it when there is none (created: false ⇒ the caller joins it). */
  async function openIncident(alert: Alert): Promise<{ incident: Incident; created: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const nowMs = now().getTime();
      const claim = await store.docs.get<GroupClaim>(groupCollection, alert.groupKey);
      if (claim) {
        const current = await store.incidents.get(claim.body.incidentId);
        if (current && isOpenFor(current, nowMs)) return { incident: current, created: false };
      }
      // Same observed claim ⇒ same id on every worker, so only one create can succeed.
      const id = stableId('incident', alert.groupKey, String(claim?.version ?? 0), claim?.body.incidentId ?? '');
      const draft = newIncident(id, alert, nowMs);
      let created = true;
      let incident: Incident;
      try {
        const { version: _v, updatedAt: _u, ...fresh } = draft;
        incident = await store.incidents.create(fresh);
      } catch (err) {
        if (!isVersionConflict(err)) throw err;
        const existing = await store.incidents.get(id);
        if (!existing) throw err;
        incident = existing;
        created = false;
        if (!isOpenFor(existing, nowMs)) {
          // Left by a worker that died before recording its claim, and closed or aged since:
          // record the claim to move the group on, then start a new cycle.
          await store.docs.put<GroupClaim>(groupCollection, alert.groupKey, { incidentId: id, createdAt: existing.createdAt }, claim?.version ?? 0).catch((e: unknown) => {
            if (!isVersionConflict(e)) throw e;
          });
          if (attempt > 20) throw err;
          continue;
        }
      }
      try {
        await store.docs.put<GroupClaim>(groupCollection, alert.groupKey, { incidentId: id, createdAt: incident.createdAt }, claim?.version ?? 0);
      } catch (err) {
        // Someone recorded the claim first: with our id (fine) or after a newer cycle (start over).
        if (!isVersionConflict(err)) throw err;
        const latest = await store.docs.get<GroupClaim>(groupCollection, alert.groupKey);
        if (latest?.body.incidentId !== id && !created) {
          if (attempt > 20) throw err;
          continue;
        }
      }
      if (created) {
        const data = {
          title: incident.title,
          severity: incident.severity,
          grade: incident.grade,
          category: incident.category,
          subcategory: incident.subcategory ?? null,
          ruleId: alert.ruleId,
          groupKey: alert.groupKey,
        };
        await writer.record(
          incident,
          system,
          nowMs,
          {
            timeline: [{ kind: 'created', id: stableId(id, 'created'), data: { alertId: alert.id, ruleId: alert.ruleId, ruleTitle: alert.ruleTitle } }],
            notices: [{ type: NoticeType.incidentCreated, alertId: alert.id, data }],
          },
          [],
        );
      }
      return { incident, created };
    }
  }

  async function join(incidentId: string, alert: Alert, notify: boolean): Promise<void> {
    await writer.mutate(incidentId, system, (inc) => {
      const severity = maxSeverity(inc.severity, alert.severity);
      const change: Partial<Incident> = {
        severity,
        ruleIds: uniq([...inc.ruleIds, alert.ruleId]),
        hosts: uniq([...inc.hosts, ...alert.entities.hosts]),
        users: uniq([...inc.users, ...alert.entities.users]),
      };
      const fields: Record<string, unknown> = {
        observables: addObservables(observablesOf(inc.fields), alert),
        alertCount: (typeof inc.fields.alertCount === 'number' ? inc.fields.alertCount : 0) + 1,
        lastAlertAt: alert.detectedAt,
      };
      // A default grade follows the severity up (never down); an analyst's grade stays.
      if (inc.fields.gradeSource === 'default') {
        const grade = defaultGrade(severity, assetCriticalityOf([alert]));
        if (gradeRank(grade) > gradeRank(inc.grade)) {
          change.grade = grade;
          fields.gradedAt = now().toISOString();
        }
      }
      change.fields = fields;
      return {
        change,
        timeline: [{ kind: 'alert_added', id: stableId(incidentId, 'alert_added', alert.id), data: { alertId: alert.id, ruleId: alert.ruleId, severity: alert.severity, suppressed: !notify } }],
        notices: notify ? [{ type: NoticeType.incidentUpdated, alertId: alert.id, data: { change: 'alert_added', severity, alertCount: fields.alertCount } }] : [],
      };
    });
  }

  async function openIncidentFor(alert: Alert): Promise<Incident | undefined> {
    const claim = await store.docs.get<GroupClaim>(groupCollection, alert.groupKey);
    if (!claim) return undefined;
    const inc = await store.incidents.get(claim.body.incidentId);
    return inc && isOpenFor(inc, now().getTime()) ? inc : undefined;
  }

  /** Whether an earlier attempt already counted this alert into the incident (recovery path only). */
  async function alreadyCounted(incidentId: string, alertId: string): Promise<boolean> {
    const tl = await store.incidents.timeline(incidentId);
    return tl.some((e) => (e.kind === 'created' || e.kind === 'alert_added') && e.data.alertId === alertId);
  }

  /** Groups one stored alert; returns the alert.created notice to send, if any. */
  async function groupAlert(alert: Alert, result: IntakeResult, nowIso: string, windows: SuppressionWindow[], recovering: boolean): Promise<Notice | undefined> {
    const suppression = windows.find((w) => windowApplies(w, alert, nowIso));
    if (suppression) {
      result.suppressed.push(alert.id);
      const target = await openIncidentFor(alert);
      const data = { ...alert.data, suppressedBy: { ruleId: suppression.ruleId, entity: suppression.entity, reason: suppression.reason } };
      if (target) {
        if (!recovering || !(await alreadyCounted(target.id, alert.id))) await join(target.id, alert, false);
        await store.alerts.update(alert.id, { incidentId: target.id, data });
        result.joined.push(target.id);
      } else {
        await store.alerts.update(alert.id, { data });
      }
      return undefined;
    }
    const { incident, created } = await openIncident(alert);
    if (created) result.created.push(incident.id);
    else {
      if (!recovering || !(await alreadyCounted(incident.id, alert.id))) await join(incident.id, alert, true);
      result.joined.push(incident.id);
    }
    await store.alerts.update(alert.id, { incidentId: incident.id });
    return {
      id: newId(),
      type: NoticeType.alertCreated,
      at: now().toISOString(),
      alertId: alert.id,
      incidentId: incident.id,
      data: { ruleId: alert.ruleId, severity: alert.severity },
    };
  }

  /**
   * A duplicate whose earlier intake never finished (open, in no incident, not suppressed) and
   * whose lease has run out: the worker holding it died. One worker takes it over.
   */
  async function takeOver(id: string, nowMs: number): Promise<Alert | undefined> {
    const stored = await store.alerts.get(id);
    if (stored?.status !== 'open' || stored.incidentId || stored.data.suppressedBy) return undefined;
    const leased = stored.data.intakeAt;
    if (typeof leased !== 'string' || nowMs - Date.parse(leased) < config.intakeLeaseMs) return undefined;
    if (!(await store.docs.putIfAbsent(takeoverCollection, stableId(id, leased), { alertId: id, at: new Date(nowMs).toISOString() }))) return undefined;
    // A fresh lease, so a crash during this attempt can be taken over in turn.
    return store.alerts.update(id, { data: { ...stored.data, intakeAt: new Date(nowMs).toISOString() } });
  }

  return {
    async handle(alerts) {
      const result: IntakeResult = { stored: [], duplicates: [], recovered: [], excepted: [], suppressed: [], created: [], joined: [] };
      if (!alerts.length) return result;
      alerts.forEach((a, i) => {
        if (!a.id) throw new VigilError(ErrorCode.REQUEST_INVALID, `alerts[${i}] (rule ${a.ruleId}): id is empty`, { source: 'alerts', path: `[${i}].id` });
      });
      const rules = await exceptions.all();
      const nowMs = now().getTime();
      const nowIso = new Date(nowMs).toISOString();
      const prepared = alerts.map((given) => {
        // Without a groupKey from detection, group by rule and main entity.
        const a = given.groupKey ? given : { ...given, groupKey: `${given.ruleId}|${mainEntity(given) ?? ''}` };
        const ex = rules.find((r) => exceptionMatches(r, a));
        if (!ex) return { ...a, status: 'open' as const, data: { ...a.data, intakeAt: nowIso } };
        return { ...a, status: 'closed' as const, data: { ...a.data, exceptedBy: ex.id } };
      });
      const { inserted, duplicates } = await store.alerts.put(prepared);
      result.duplicates = duplicates;
      const fresh = new Set(inserted);
      const windows = await activeSuppressions(store.docs, config.suppressions);
      const createdNotices: Notice[] = [];
      for (const alert of prepared) {
        if (!fresh.has(alert.id)) continue;
        fresh.delete(alert.id); // the same id twice in one batch counts once
        result.stored.push(alert.id);
        if (alert.status === 'closed') {
          result.excepted.push(alert.id);
          continue;
        }
        const notice = await groupAlert(alert, result, nowIso, windows, false);
        if (notice) createdNotices.push(notice);
      }
      for (const id of uniq(duplicates)) {
        if (inserted.includes(id)) continue;
        const stale = await takeOver(id, nowMs);
        if (!stale) continue;
        result.recovered.push(id);
        const notice = await groupAlert(stale, result, nowIso, windows, true);
        if (notice) createdNotices.push(notice);
      }
      if (createdNotices.length) await notices.publishBatch(createdNotices);
      result.joined = uniq(result.joined);
      return result;
    },
  };
}
