// The incident state machine as data: states, the lifecycle phase each belongs to (DESIGN.md
// "The security-operation lifecycle"), and the allowed transitions. Anything not listed is
// refused with INCIDENT_INVALID_TRANSITION naming what is allowed.
import { ErrorCode, VigilError } from '../../core/errors.ts';

export const IncidentState = {
  new: 'new',
  triaged: 'triaged',
  contained: 'contained',
  eradicated: 'eradicated',
  recovered: 'recovered',
  closed: 'closed',
} as const;
export type IncidentState = (typeof IncidentState)[keyof typeof IncidentState];
export const incidentStates: readonly IncidentState[] = Object.values(IncidentState);

export const Resolution = {
  true_positive: 'true_positive',
  benign_positive: 'benign_positive',
  false_positive: 'false_positive',
  duplicate: 'duplicate',
} as const;
export type Resolution = (typeof Resolution)[keyof typeof Resolution];
export const resolutions: readonly Resolution[] = Object.values(Resolution);

export interface LifecyclePhase {
  key: 'monitor' | 'warn' | 'respond' | 'recover' | 'review';
  zh: string;
  en: string;
}

export const phases: Record<IncidentState, LifecyclePhase> = {
  new: { key: 'monitor', zh: '监测', en: 'monitor' },
  triaged: { key: 'warn', zh: '预警', en: 'warn / triage' },
  contained: { key: 'respond', zh: '处置', en: 'respond' },
  eradicated: { key: 'respond', zh: '处置', en: 'respond' },
  recovered: { key: 'recover', zh: '恢复', en: 'recover' },
  closed: { key: 'review', zh: '评估', en: 'review' },
};

/** Allowed next states; closing is allowed from every open state, reopening goes to triaged. */
export const transitions: Record<IncidentState, readonly IncidentState[]> = {
  new: ['triaged', 'closed'],
  triaged: ['contained', 'closed'],
  contained: ['eradicated', 'recovered', 'closed'],
  eradicated: ['recovered', 'closed'],
  recovered: ['closed'],
  closed: ['triaged'],
};

export function isIncidentState(s: unknown): s is IncidentState {
  return typeof s === 'string' && (incidentStates as readonly string[]).includes(s);
}

export function isResolution(s: unknown): s is Resolution {
  return typeof s === 'string' && (resolutions as readonly string[]).includes(s);
}

/** Throws INCIDENT_INVALID_TRANSITION (409) unless `from → to` is in the table. */
export function assertTransition(incidentId: string, from: string, to: string): void {
  if (!isIncidentState(to)) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `to: '${to}' is not an incident state (states: ${incidentStates.join(', ')})`, {
      source: 'body',
      path: '/to',
    });
  }
  const allowed = isIncidentState(from) ? transitions[from] : [];
  if (!allowed.includes(to)) {
    throw new VigilError(
      ErrorCode.INCIDENT_INVALID_TRANSITION,
      `incident ${incidentId} is '${from}'; cannot go to '${to}' (allowed: ${allowed.join(', ') || 'none'})`,
      { source: 'body', path: '/to' },
    );
  }
}

/**
 * States whose entry stops each SLA clock: triage stops on leaving `new`, containment once the
 * incident is contained (or later, or closed), closing on `closed`.
 */
export const slaStopStates = {
  triage: ['triaged', 'contained', 'eradicated', 'recovered', 'closed'],
  contain: ['contained', 'eradicated', 'recovered', 'closed'],
  close: ['closed'],
} as const satisfies Record<string, readonly IncidentState[]>;
