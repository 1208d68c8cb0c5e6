// SLA and regulatory reporting clock state, pure. Deadlines and statuses live in incident.fields
// (`sla`, `reporting`) so every view shows them; `refreshClocks` returns the events a status change
// raises, and every incident write runs it under the store's version check (incident-writer.ts),
// so an event is recorded exactly once even with several workers ticking (clocks.ts).
import type { Incident } from '../../core/storage/types.ts';
import { gradeRank, isGrade } from './classification.ts';
import type { IncidentConfig } from './config.ts';
import { IncidentState, slaStopStates } from './lifecycle.ts';

export type SlaClockName = keyof typeof slaStopStates;
export const slaClockNames = Object.keys(slaStopStates) as SlaClockName[];

export interface SlaClock {
  target: string;
  deadline: string;
  status: 'running' | 'near' | 'met' | 'breached';
  nearAt?: string;
  breachedAt?: string;
  /** When the stopping state was first entered. */
  metAt?: string;
}

export type ReportKind = 'initial' | 'summary';

export interface ReportClock {
  startedAt: string;
  deadline: string;
  /** withdrawn: the incident was graded below the reporting threshold before the report was due. */
  status: 'pending' | 'due' | 'missed' | 'met' | 'withdrawn';
  dueAt?: string;
  withdrawnAt?: string;
  missedAt?: string;
  metAt?: string;
  /** Met after the deadline had passed. */
  late?: boolean;
  reference?: string;
  note?: string;
  recordedBy?: string;
}

export interface ClockEvent {
  kind: 'sla_near' | 'sla_breach' | 'reporting_due' | 'reporting_missed';
  clock: string;
  deadline: string;
}

type Fields = Record<string, unknown>;

export function stateEnteredAt(fields: Fields): Record<string, string> {
  const v = fields.stateEnteredAt;
  return v && typeof v === 'object' ? (v as Record<string, string>) : {};
}

export function slaOf(fields: Fields): Partial<Record<SlaClockName, SlaClock>> {
  const v = fields.sla;
  return v && typeof v === 'object' ? (v as Partial<Record<SlaClockName, SlaClock>>) : {};
}

export function reportingOf(fields: Fields): Partial<Record<ReportKind, ReportClock>> {
  const v = fields.reporting;
  return v && typeof v === 'object' ? (v as Partial<Record<ReportKind, ReportClock>>) : {};
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function formatTarget(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms}ms`;
}

/** Whether an incident of this grade must be reported to the regulator. */
export function isReportable(grade: string | undefined, config: IncidentConfig): boolean {
  return gradeRank(grade) >= gradeRank(config.reportingMinGrade);
}

/**
 * Starts or stops the reporting clocks a change calls for: the initial report starts when the
 * incident is graded at or above the reporting threshold (and is withdrawn, if still pending, when
 * an analyst grades it below); the summary report starts when a reportable incident closes.
 */
export function startReportingClocks(before: Incident | undefined, next: Incident, config: IncidentConfig, nowMs: number): Fields | undefined {
  const reporting = { ...reportingOf(next.fields) };
  let changed = false;
  const reportable = isReportable(next.grade, config);
  const regraded = !before || before.grade !== next.grade;
  const initial = reporting.initial;
  if (reportable && regraded && (!initial || initial.status === 'withdrawn')) {
    reporting.initial = { startedAt: iso(nowMs), deadline: iso(nowMs + config.reportingInitialMs[config.operatorType]), status: 'pending' };
    changed = true;
  } else if (!reportable && regraded && initial && (initial.status === 'pending' || initial.status === 'due')) {
    reporting.initial = { ...initial, status: 'withdrawn', withdrawnAt: iso(nowMs) };
    changed = true;
  }
  const closedNow = next.state === IncidentState.closed && before?.state !== IncidentState.closed;
  if (closedNow && !reporting.summary && (reportable || (reporting.initial && reporting.initial.status !== 'withdrawn'))) {
    reporting.summary = { startedAt: iso(nowMs), deadline: iso(nowMs + config.reportingSummaryMs), status: 'pending' };
    changed = true;
  }
  return changed ? reporting : undefined;
}

/**
 * Recomputes SLA deadlines (from creation and the current grade) and statuses, and reporting
 * statuses, at `nowMs`. Returns the new `sla` / `reporting` values and the events whose status
 * changed; nothing when nothing changed.
 */
export function refreshClocks(inc: Incident, config: IncidentConfig, nowMs: number): { fields: Fields; events: ClockEvent[] } {
  const events: ClockEvent[] = [];
  const out: Fields = {};
  const entered = stateEnteredAt(inc.fields);
  const createdMs = Date.parse(inc.createdAt);
  const targets = config.sla[isGrade(inc.grade) ? inc.grade : 'IV'];
  const oldSla = slaOf(inc.fields);
  const sla: Partial<Record<SlaClockName, SlaClock>> = {};
  for (const name of slaClockNames) {
    const targetMs = name === 'triage' ? targets.triageMs : name === 'contain' ? targets.containMs : targets.closeMs;
    const deadlineMs = createdMs + targetMs;
    const prev = oldSla[name];
    const clock: SlaClock = { ...prev, target: formatTarget(targetMs), deadline: iso(deadlineMs), status: prev?.status ?? 'running' };
    const stops = slaStopStates[name].map((s) => entered[s]).filter((t): t is string => typeof t === 'string');
    const stoppedAt = stops.sort()[0];
    if (stoppedAt !== undefined) {
      clock.metAt = stoppedAt;
      // A clock stopped late is a breach even when no tick saw it running past the deadline.
      if (Date.parse(stoppedAt) > deadlineMs && clock.status !== 'breached') {
        clock.status = 'breached';
        clock.breachedAt = iso(deadlineMs);
        events.push({ kind: 'sla_breach', clock: name, deadline: clock.deadline });
      } else if (clock.status !== 'breached') clock.status = 'met';
    } else if (clock.status !== 'breached') {
      if (nowMs >= deadlineMs) {
        clock.status = 'breached';
        clock.breachedAt = iso(nowMs);
        events.push({ kind: 'sla_breach', clock: name, deadline: clock.deadline });
      } else if (nowMs >= createdMs + targetMs * config.slaNearFraction) {
        if (clock.status === 'running') {
          clock.status = 'near';
          clock.nearAt = iso(nowMs);
          events.push({ kind: 'sla_near', clock: name, deadline: clock.deadline });
        }
      } else {
        // A regrade may move the deadline back out of the "near" zone.
        clock.status = 'running';
        delete clock.nearAt;
      }
    }
    sla[name] = clock;
  }
  if (JSON.stringify(sla) !== JSON.stringify(oldSla)) out.sla = sla;

  const oldReporting = reportingOf(inc.fields);
  const reporting: Partial<Record<ReportKind, ReportClock>> = {};
  for (const kind of ['initial', 'summary'] as const) {
    const prev = oldReporting[kind];
    if (!prev) continue;
    const clock = { ...prev };
    if (clock.status === 'pending' || clock.status === 'due') {
      const start = Date.parse(clock.startedAt);
      const deadline = Date.parse(clock.deadline);
      if (nowMs >= deadline) {
        clock.status = 'missed';
        clock.missedAt = iso(nowMs);
        events.push({ kind: 'reporting_missed', clock: kind, deadline: clock.deadline });
      } else if (clock.status === 'pending' && nowMs >= start + (deadline - start) * config.reportingNearFraction) {
        clock.status = 'due';
        clock.dueAt = iso(nowMs);
        events.push({ kind: 'reporting_due', clock: kind, deadline: clock.deadline });
      }
    }
    reporting[kind] = clock;
  }
  if (JSON.stringify(reporting) !== JSON.stringify(oldReporting)) out.reporting = reporting;
  return { fields: out, events };
}

/** Marks a report as made; a report without a running clock is still recorded (with no deadline). */
export function recordReportClock(
  fields: Fields,
  kind: ReportKind,
  input: { reference?: string; note?: string },
  by: string,
  nowMs: number,
): Partial<Record<ReportKind, ReportClock>> {
  const reporting = { ...reportingOf(fields) };
  const prev = reporting[kind];
  const at = iso(nowMs);
  const clock: ReportClock = prev ? { ...prev } : { startedAt: at, deadline: at, status: 'pending' };
  clock.late = prev ? nowMs > Date.parse(prev.deadline) : false;
  clock.status = 'met';
  clock.metAt = at;
  clock.recordedBy = by;
  if (input.reference !== undefined) clock.reference = input.reference;
  if (input.note !== undefined) clock.note = input.note;
  reporting[kind] = clock;
  return reporting;
}
