// Reading what the incident stage writes into incident.fields (response/incidents/clock-state.ts,
// service.ts): state entry times, SLA clocks, resolution. Dashboards read these as data and never
// import the response stage (DESIGN.md: stages do not import each other), so the shapes are
// restated here and checked defensively: a field of the wrong shape reads as absent.
import type { Incident } from '../../core/storage/types.ts';

export const lifecycleStates = ['new', 'triaged', 'contained', 'eradicated', 'recovered', 'closed'] as const;
export type LifecycleState = (typeof lifecycleStates)[number];

export const slaClocks = ['triage', 'contain', 'close'] as const;
export type SlaClockName = (typeof slaClocks)[number];

export interface SlaClockView {
  target?: string;
  deadline?: string;
  status: 'running' | 'near' | 'met' | 'breached';
  metAt?: string;
  breachedAt?: string;
}

/** The incident's overall SLA result: breached when any clock breached, met when all stopped in time, else open. */
export type SlaOutcome = 'met' | 'breached' | 'open';

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function isoOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined;
}

/** When the incident first entered each lifecycle state. */
export function stateTimes(inc: Incident): Partial<Record<LifecycleState, string>> {
  const raw = record(inc.fields.stateEnteredAt);
  const out: Partial<Record<LifecycleState, string>> = {};
  for (const s of lifecycleStates) {
    const at = isoOrUndefined(raw[s]);
    if (at) out[s] = at;
  }
  // Incidents always start in `new`; older records may lack the entry.
  out.new ??= inc.createdAt;
  return out;
}

/** The first alert's detection time: the start of the MTTA/MTTC/MTTR clocks. */
export function firstAlertAt(inc: Incident): string {
  return isoOrUndefined(inc.fields.firstAlertAt) ?? inc.createdAt;
}

export function slaClocksOf(inc: Incident): Partial<Record<SlaClockName, SlaClockView>> {
  const raw = record(inc.fields.sla);
  const out: Partial<Record<SlaClockName, SlaClockView>> = {};
  for (const name of slaClocks) {
    const c = record(raw[name]);
    const status = c.status;
    if (status !== 'running' && status !== 'near' && status !== 'met' && status !== 'breached') continue;
    out[name] = {
      status,
      ...(typeof c.target === 'string' ? { target: c.target } : {}),
      ...(isoOrUndefined(c.deadline) ? { deadline: c.deadline as string } : {}),
      ...(isoOrUndefined(c.metAt) ? { metAt: c.metAt as string } : {}),
      ...(isoOrUndefined(c.breachedAt) ? { breachedAt: c.breachedAt as string } : {}),
    };
  }
  return out;
}

export function slaOutcome(inc: Incident): SlaOutcome {
  const clocks = Object.values(slaClocksOf(inc));
  if (clocks.some((c) => c.status === 'breached')) return 'breached';
  if (clocks.length === slaClocks.length && clocks.every((c) => c.status === 'met')) return 'met';
  return 'open';
}

export function resolutionOf(inc: Incident): string | undefined {
  return typeof inc.fields.resolution === 'string' ? inc.fields.resolution : undefined;
}

export function summaryOf(inc: Incident): string | undefined {
  return typeof inc.fields.summary === 'string' ? inc.fields.summary : undefined;
}
