// Options for the incident stage, passed in by the composition root (which reads config/env).
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { Grade } from './classification.ts';

export interface SlaTargets {
  /** From creation to leaving `new`. */
  triageMs: number;
  /** From creation to `contained` (or later). */
  containMs: number;
  /** From creation to `closed`. */
  closeMs: number;
}

export interface SuppressionWindow {
  /** The rule whose alerts are suppressed; '*' for every rule. */
  ruleId: string;
  /** Only alerts naming this entity (host, user, IP, process, hash; case-insensitive). Absent: any. */
  entity?: string;
  /** ISO start; absent: since always. */
  from?: string;
  /** ISO end (exclusive); absent: until removed. */
  until?: string;
  reason?: string;
}

export type OperatorType = 'cii' | 'other';

export interface IncidentConfig {
  /** Alerts with one groupKey join an open incident created less than this long ago. @default 3_600_000 (1 h) */
  groupingWindowMs: number;
  /**
   * An alert stored by an intake that has not finished grouping it for this long is taken over by
   * the next delivery of that alert (its worker is presumed dead). @default 300_000 (5 min)
   */
  intakeLeaseMs: number;
  /** Static suppression windows (more come from the docs collection 'suppressions'). @default [] */
  suppressions: SuppressionWindow[];
  /** SLA targets per grade. @default I 15m/1h/24h, II 30m/4h/72h, III 1h/8h/7d, IV 4h/24h/30d */
  sla: Record<Grade, SlaTargets>;
  /** SLA "near" events fire when this share of a target has passed. @default 0.8 */
  slaNearFraction: number;
  /** 'cii' (critical information infrastructure operator) or 'other'. @default 'other' */
  operatorType: OperatorType;
  /** Initial-report window per operator type, from grading at III or higher. @default cii 1 h, other 4 h */
  reportingInitialMs: Record<OperatorType, number>;
  /** Summary-report window from closing. @default 30 days */
  reportingSummaryMs: number;
  /** Reporting "due" events fire when this share of the window has passed. @default 0.8 */
  reportingNearFraction: number;
  /** Lowest grade that must be reported to the regulator. @default 'III' */
  reportingMinGrade: Grade;
  /** Most events loaded for an incident's detail view. @default 500 */
  detailEventLimit: number;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const defaultIncidentConfig: IncidentConfig = {
  groupingWindowMs: HOUR,
  intakeLeaseMs: 5 * MIN,
  suppressions: [],
  sla: {
    I: { triageMs: 15 * MIN, containMs: HOUR, closeMs: DAY },
    II: { triageMs: 30 * MIN, containMs: 4 * HOUR, closeMs: 3 * DAY },
    III: { triageMs: HOUR, containMs: 8 * HOUR, closeMs: 7 * DAY },
    IV: { triageMs: 4 * HOUR, containMs: DAY, closeMs: 30 * DAY },
  },
  slaNearFraction: 0.8,
  operatorType: 'other',
  reportingInitialMs: { cii: HOUR, other: 4 * HOUR },
  reportingSummaryMs: 30 * DAY,
  reportingNearFraction: 0.8,
  reportingMinGrade: 'III',
  detailEventLimit: 500,
};

/** What callers pass: any subset, with per-grade SLA targets and per-operator windows partial too. */
export type IncidentConfigInput = Omit<Partial<IncidentConfig>, 'sla' | 'reportingInitialMs'> & {
  sla?: Partial<Record<Grade, Partial<SlaTargets>>>;
  reportingInitialMs?: Partial<Record<OperatorType, number>>;
};

/** Fills defaults (a partial `sla` entry keeps the defaults of the targets it leaves out) and checks values. */
export function incidentConfig(partial: IncidentConfigInput = {}): IncidentConfig {
  const sla = { ...defaultIncidentConfig.sla };
  for (const g of Object.keys(partial.sla ?? {}) as Grade[]) sla[g] = { ...sla[g], ...partial.sla?.[g] };
  const config: IncidentConfig = {
    ...defaultIncidentConfig,
    ...partial,
    sla,
    reportingInitialMs: { ...defaultIncidentConfig.reportingInitialMs, ...partial.reportingInitialMs },
  };
  const durations: Array<[string, number]> = [
    ['groupingWindowMs', config.groupingWindowMs],
    ['intakeLeaseMs', config.intakeLeaseMs],
    ['reportingSummaryMs', config.reportingSummaryMs],
    ['reportingInitialMs.cii', config.reportingInitialMs.cii],
    ['reportingInitialMs.other', config.reportingInitialMs.other],
    ['detailEventLimit', config.detailEventLimit],
  ];
  for (const g of Object.keys(sla) as Grade[]) {
    for (const k of ['triageMs', 'containMs', 'closeMs'] as const) durations.push([`sla.${g}.${k}`, sla[g][k]]);
  }
  for (const [path, v] of durations) {
    if (!Number.isFinite(v) || v <= 0) throw new VigilError(ErrorCode.CONFIG_INVALID, `incidents.${path}: ${v} is not a positive number`, { source: 'config', path: `incidents.${path}` });
  }
  for (const [path, v] of [
    ['slaNearFraction', config.slaNearFraction],
    ['reportingNearFraction', config.reportingNearFraction],
  ] as const) {
    if (!(v > 0 && v <= 1)) throw new VigilError(ErrorCode.CONFIG_INVALID, `incidents.${path}: ${v} must be above 0 and at most 1`, { source: 'config', path: `incidents.${path}` });
  }
  if (config.operatorType !== 'cii' && config.operatorType !== 'other') {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `incidents.operatorType: '${config.operatorType}' (allowed: cii, other)`, { source: 'config', path: 'incidents.operatorType' });
  }
  return config;
}
