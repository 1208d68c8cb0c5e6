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

/**
 * Reads the `detection.scheduled` setting: a YAML list of `{ rule, every, lookback? }` objects, or
 * of strings `"<rule> <every> [<lookback>]"` (the environment form, comma-separated in one string).
 * Throws CONFIG_INVALID naming the entry.
 */
export function parseScheduledConfig(value: unknown, source = 'config', key = 'detection.scheduled'): ScheduledSearchConfig[] {
  if (value === undefined || value === null || value === '') return [];
  const list: unknown[] = typeof value === 'string' ? value.split(',').filter((s) => s.trim() !== '') : Array.isArray(value) ? value : [value];
  return list.map((entry, i) => {
    const at: SourceLocation = { source, path: `${key}[${i}]` };
    const bad = (why: string): VigilError => new VigilError(ErrorCode.CONFIG_INVALID, `${source}: ${key}[${i}]: ${why}`, at);
    let out: ScheduledSearchConfig;
    if (typeof entry === 'string') {
      const parts = entry.trim().split(/\s+/);
      if (parts.length < 2 || parts.length > 3) throw bad(`expected "<rule> <every> [<lookback>]", found ${JSON.stringify(entry)}`);
      out = { rule: parts[0], every: parts[1] };
      if (parts[2] !== undefined) out.lookback = parts[2];
    } else if (isPlainObject(entry)) {
      const extra = Object.keys(entry).filter((k) => k !== 'rule' && k !== 'every' && k !== 'lookback');
      if (extra.length > 0) throw bad(`unknown key '${extra[0]}' (allowed: rule, every, lookback)`);
      if (typeof entry.rule !== 'string' || entry.rule === '') throw bad('rule: expected a rule id, name or file path');
      if (typeof entry.every !== 'string' && typeof entry.every !== 'number') throw bad('every: expected a duration such as 5m');
      out = { rule: entry.rule, every: entry.every };
      if (entry.lookback !== undefined) {
        if (typeof entry.lookback !== 'string' && typeof entry.lookback !== 'number') throw bad('lookback: expected a duration such as 10m');
        out.lookback = entry.lookback;
      }
    } else {
      throw bad(`expected {rule, every, lookback} or "<rule> <every> [<lookback>]", found ${JSON.stringify(entry)}`);
    }
    parseDuration(out.every, { source, path: `${key}[${i}].every` });
    if (out.lookback !== undefined) parseDuration(out.lookback, { source, path: `${key}[${i}].lookback` });
    return out;
  });
}
