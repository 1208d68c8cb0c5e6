// Time ranges and intervals as callers give them: ISO times or dates (a date means its UTC
// midnight) and intervals such as 15m, 1h, 1d or a number of milliseconds.
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { TimeRange } from '../../core/storage/types.ts';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses '15m', '1h', '1d', '2w', '500ms' or a bare number of milliseconds. */
export function parseInterval(value: string | number, source = 'querystring', path = 'interval'): number {
  const text = String(value).trim();
  const m = /^(\d+)(ms|s|m|h|d|w)?$/.exec(text);
  const ms = m ? Number(m[1]) * unitMs[m[2] ?? 'ms'] : Number.NaN;
  if (!m || !Number.isSafeInteger(ms) || ms < 1000) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `${path}: '${text}' is not an interval of at least 1 s (examples: 30s, 15m, 1h, 1d, 1w, 60000)`, { source, path });
  }
  return ms;
}

/** An ISO time or a YYYY-MM-DD date (UTC midnight), as ISO; names the input on failure. */
export function parseTime(value: string, source: string, path: string): string {
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `${path}: '${value}' is not an ISO 8601 time or YYYY-MM-DD date`, { source, path });
  }
  return new Date(ms).toISOString();
}

/** A [from, to) range from optional caller strings; from must come before to. */
export function parseRange(from: string | undefined, to: string | undefined, source = 'querystring'): TimeRange {
  const range: TimeRange = {};
  if (from !== undefined) range.from = parseTime(from, source, 'from');
  if (to !== undefined) range.to = parseTime(to, source, 'to');
  if (range.from && range.to && Date.parse(range.from) >= Date.parse(range.to)) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `to: '${to}' must be after from: '${from}'`, { source, path: 'to' });
  }
  return range;
}
