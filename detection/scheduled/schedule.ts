// Schedules of scheduled searches: Vigil's rule extension (`custom: { vigil: { schedule, lookback } }`,
// or `vigil:` at the top level, both kept by the parser as unknown keys) and the config list
// `scheduled: [{ rule, every, lookback }]`.
import { isPlainObject } from '../../core/ecs.ts';
import { ErrorCode, type SourceLocation, VigilError } from '../../core/errors.ts';
import type { SigmaMeta } from '../sigma/index.ts';

export interface Schedule {
  /** Run interval in ms. */
  everyMs: number;
  /** Each run searches events from `to − lookbackMs` (at least from the previous run's end). */
  lookbackMs: number;
}

/** A config entry: `rule` is a rule id, name or the rule's file path. */
export interface ScheduledSearchConfig {
  rule: string;
  every: string | number;
  /** @default every */
  lookback?: string | number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `5m`, `1h`, `1d`, `500ms`; a bare number is seconds. Throws CONFIG_INVALID naming the place. */
export function parseDuration(value: unknown, where: SourceLocation): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value * 1000;
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value) : null;
  if (!m || Number(m[1]) <= 0) {
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `${where.source}${where.path ? ` ${where.path}` : ''}: ${JSON.stringify(value)} is not a duration (a positive number with ms, s, m, h or d, e.g. 5m)`,
      where,
    );
  }
  return Number(m[1]) * UNIT_MS[m[2]];
}

function vigilExtension(rule: SigmaMeta): { value: Record<string, unknown>; path: string } | undefined {
  const nested = rule.custom.custom;
  if (isPlainObject(nested) && isPlainObject(nested.vigil)) return { value: nested.vigil, path: 'custom.vigil' };
  const top = rule.custom.vigil;
  if (isPlainObject(top)) return { value: top, path: 'vigil' };
  return undefined;
}

/** The rule's own schedule, or undefined when it has none. Throws SIGMA_INVALID for a bad one. */
export function ruleSchedule(rule: SigmaMeta): Schedule | undefined {
  const ext = vigilExtension(rule);
  if (!ext || ext.value.schedule === undefined) return undefined;
  const label = rule.id ?? rule.name ?? rule.title;
  const read = (key: string, v: unknown): number => {
    try {
      return parseDuration(v, { source: rule.source, path: `${ext.path}.${key}` });
    } catch (err) {
      throw new VigilError(ErrorCode.SIGMA_INVALID, `${label}: ${(err as Error).message}`, { source: rule.source, path: `${ext.path}.${key}` });
    }
  };
  const everyMs = read('schedule', ext.value.schedule);
  const lookbackMs = ext.value.lookback === undefined ? everyMs : read('lookback', ext.value.lookback);
  return { everyMs, lookbackMs };
}

/** A config entry's schedule; `index` places errors at `scheduled[index]`. */
export function configSchedule(entry: ScheduledSearchConfig, index: number): Schedule {
  const at = (key: string): SourceLocation => ({ source: 'config', path: `scheduled[${index}].${key}` });
  const everyMs = parseDuration(entry.every, at('every'));
  const lookbackMs = entry.lookback === undefined ? everyMs : parseDuration(entry.lookback, at('lookback'));
  return { everyMs, lookbackMs };
}
