// The compliance report's content, independent of its format: the incident register for a period
// (incidents created in [from, to)), with each lifecycle phase's time, classification, grade,
// resolution, SLA result, actions taken (playbook steps and analyst actions) and approvers;
// summary statistics computed from that same register; and the audit-log extract for the period.
import type { AuditEntry, Bucket, Incident, PlaybookRun, StorageEngine, TimelineEntry } from '../../core/storage/types.ts';
import { collectAll } from '../metrics/collect.ts';
import {
  firstAlertAt,
  type LifecycleState,
  lifecycleStates,
  resolutionOf,
  type SlaClockName,
  type SlaOutcome,
  slaClocks,
  slaClocksOf,
  slaOutcome,
  stateTimes,
  summaryOf,
} from '../metrics/incident-fields.ts';
import { type DurationStats, durationStats } from '../metrics/stats.ts';
import type { CategoryLabels, Label } from './category-labels.ts';

export interface ActionTaken {
  at: string;
  actor: string;
  source: 'playbook' | 'analyst';
  action: string;
}

export interface Approval {
  by: string;
  at?: string;
  approved: boolean;
  step: string;
  reason?: string;
}

export interface RegisterRow {
  id: string;
  title: string;
  state: string;
  severity: string;
  grade?: string;
  category?: string;
  categoryName?: Label;
  subcategory?: string;
  subcategoryName?: Label;
  /** When the incident first entered each state. */
  phases: Partial<Record<LifecycleState, string>>;
  resolution?: string;
  summary?: string;
  sla: { outcome: SlaOutcome; clocks: Partial<Record<SlaClockName, string>> };
  actions: ActionTaken[];
  approvals: Approval[];
}

export interface IncidentReport {
  kind: 'vigil.incident-report';
  version: 1;
  period: { from: string; to: string };
  generatedAt: string;
  generatedBy: string;
  summary: {
    incidents: number;
    byState: Bucket[];
    byGrade: Bucket[];
    byCategory: Array<Bucket & { name?: Label }>;
    sla: Record<SlaOutcome, number>;
    slaByGrade: Array<{ grade: string } & Record<SlaOutcome, number>>;
    responseTimes: { mtta: DurationStats; mttc: DurationStats; mttr: DurationStats };
  };
  incidents: RegisterRow[];
  audit: AuditEntry[];
}

export interface ReportInput {
  from: string;
  to: string;
  generatedBy: string;
  now?: Date;
}

// Bookkeeping the system writes on its own; the register lists what people and playbooks did.
const systemKinds = new Set(['created', 'playbook_step', 'sla_near', 'sla_breach', 'reporting_due', 'reporting_missed', 'alert_added']);

function short(v: unknown, max = 120): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function describeEntry(e: TimelineEntry): string {
  const d = e.data;
  switch (e.kind) {
    case 'transition':
      return `state ${String(d.from)} → ${String(d.to)}${d.resolution ? ` (${String(d.resolution)})` : ''}${d.summary ? `: ${short(d.summary, 80)}` : ''}`;
    case 'comment':
      return `comment: ${short(d.text, 80)}`;
    case 'assign':
      return `assigned to ${d.to === null || d.to === undefined ? 'nobody' : String(d.to)}`;
    case 'grade':
      return `grade ${d.from === null || d.from === undefined ? '-' : String(d.from)} → ${String(d.to)}${d.reason ? `: ${short(d.reason, 80)}` : ''}`;
    case 'classify': {
      const to = (d.to ?? {}) as Record<string, unknown>;
      return `classified ${String(to.category)}${to.subcategory ? `/${String(to.subcategory)}` : ''}`;
    }
    case 'tag':
      return `tags +[${((d.added as string[] | undefined) ?? []).join(', ')}] -[${((d.removed as string[] | undefined) ?? []).join(', ')}]`;
    default:
      return Object.keys(d).length ? `${e.kind}: ${short(d, 100)}` : e.kind;
  }
}

function playbookActions(runs: readonly PlaybookRun[]): { actions: ActionTaken[]; approvals: Approval[] } {
  const actions: ActionTaken[] = [];
  const approvals: Approval[] = [];
  for (const run of runs) {
    const actor = `playbook:${run.playbookId}`;
    for (const step of run.steps) {
      const at = step.finishedAt ?? step.startedAt ?? run.updatedAt;
      if (step.status !== 'pending') {
        actions.push({ at, actor, source: 'playbook', action: `${run.playbookId}/${step.stepId} ${step.status}${run.dryRun ? ' (dry run)' : ''}` });
      }
      if (step.decision) {
        approvals.push({ by: step.decision.by, at: step.decision.at, approved: step.decision.approved, step: `${run.playbookId}/${step.stepId}`, ...(step.decision.reason ? { reason: step.decision.reason } : {}) });
      }
    }
  }
  return { actions, approvals };
}

function registerRow(inc: Incident, timeline: TimelineEntry[], runs: PlaybookRun[], labels?: CategoryLabels): RegisterRow {
  const pb = playbookActions(runs);
  const analyst: ActionTaken[] = timeline
    .filter((e) => !systemKinds.has(e.kind) && e.actor !== 'system')
    .map((e) => ({ at: e.at, actor: e.actor, source: 'analyst', action: describeEntry(e) }));
  const clocks: Partial<Record<SlaClockName, string>> = {};
  const sla = slaClocksOf(inc);
  for (const name of slaClocks) if (sla[name]) clocks[name] = (sla[name] as { status: string }).status;
  const categoryName = inc.category ? labels?.categories[inc.category] : undefined;
  const subcategoryName = inc.category && inc.subcategory ? labels?.subcategories[`${inc.category}/${inc.subcategory}`] : undefined;
  const resolution = resolutionOf(inc);
  const summary = summaryOf(inc);
  return {
    id: inc.id,
    title: inc.title,
    state: inc.state,
    severity: inc.severity,
    ...(inc.grade ? { grade: inc.grade } : {}),
    ...(inc.category ? { category: inc.category } : {}),
    ...(categoryName ? { categoryName } : {}),
    ...(inc.subcategory ? { subcategory: inc.subcategory } : {}),
    ...(subcategoryName ? { subcategoryName } : {}),
    phases: stateTimes(inc),
    ...(resolution ? { resolution } : {}),
    ...(summary ? { summary } : {}),
    sla: { outcome: slaOutcome(inc), clocks },
    actions: [...pb.actions, ...analyst].sort((a, b) => a.at.localeCompare(b.at)),
    approvals: pb.approvals,
  };
}

function count(values: Iterable<string>): Bucket[] {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()].map(([key, n]) => ({ key, count: n })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

const gradeOrder = ['I', 'II', 'III', 'IV', 'ungraded'];

export async function buildIncidentReport(
  store: Pick<StorageEngine, 'incidents' | 'runs' | 'audit'>,
  input: ReportInput,
  labels?: CategoryLabels,
): Promise<IncidentReport> {
  const range = { from: input.from, to: input.to };
  const incidents = await collectAll((page) => store.incidents.list({ range, sort: { field: 'createdAt', order: 'asc' } }, page));
  const rows: RegisterRow[] = [];
  const mtta: number[] = [];
  const mttc: number[] = [];
  const mttr: number[] = [];
  for (const inc of incidents) {
    const timeline = await store.incidents.timeline(inc.id);
    const runs = await collectAll((page) => store.runs.list({ incidentId: inc.id }, page));
    const row = registerRow(inc, timeline, runs, labels);
    rows.push(row);
    const start = Date.parse(firstAlertAt(inc));
    for (const [state, sink] of [
      ['triaged', mtta],
      ['contained', mttc],
      ['closed', mttr],
    ] as const) {
      const at = row.phases[state];
      if (at && Date.parse(at) >= start) sink.push((Date.parse(at) - start) / 1000);
    }
  }
  const audit = (await collectAll((page) => store.audit.list({ range }, page))).sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));

  const grades = [...new Set(rows.map((r) => r.grade ?? 'ungraded'))].sort((a, b) => gradeOrder.indexOf(a) - gradeOrder.indexOf(b));
  const sla = { met: 0, breached: 0, open: 0 };
  for (const r of rows) sla[r.sla.outcome]++;
  const byGrade = count(rows.map((r) => r.grade ?? 'ungraded')).sort((a, b) => gradeOrder.indexOf(a.key) - gradeOrder.indexOf(b.key));
  const stateRank = (s: string) => (lifecycleStates as readonly string[]).indexOf(s);
  return {
    kind: 'vigil.incident-report',
    version: 1,
    period: { from: input.from, to: input.to },
    generatedAt: (input.now ?? new Date()).toISOString(),
    generatedBy: input.generatedBy,
    summary: {
      incidents: rows.length,
      byState: count(rows.map((r) => r.state)).sort((a, b) => stateRank(a.key) - stateRank(b.key)),
      byGrade,
      byCategory: count(rows.map((r) => r.category ?? 'unclassified')).map((b) => {
        const name = labels?.categories[b.key];
        return name ? { ...b, name } : b;
      }),
      sla,
      slaByGrade: grades.map((grade) => {
        const g = rows.filter((r) => (r.grade ?? 'ungraded') === grade);
        return { grade, met: g.filter((r) => r.sla.outcome === 'met').length, breached: g.filter((r) => r.sla.outcome === 'breached').length, open: g.filter((r) => r.sla.outcome === 'open').length };
      }),
      responseTimes: { mtta: durationStats(mtta), mttc: durationStats(mttc), mttr: durationStats(mttr) },
    },
    incidents: rows,
    audit,
  };
}
