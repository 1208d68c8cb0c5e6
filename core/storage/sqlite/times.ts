// Time columns are integer epoch milliseconds (sortable, range-indexable); the API speaks ISO 8601.
import { ErrorCode, VigilError } from '../../errors.ts';
import type { TimeRange } from '../types.ts';

/** Parses an ISO time given by a caller; a bad one names the field it came from. */
export function isoToMs(value: string, path: string, source = 'store'): number {
  const ms = Date.parse(value);
  if (typeof value !== 'string' || Number.isNaN(ms)) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `${path}: '${String(value)}' is not an ISO 8601 time`, {
      source,
      path,
    });
  }
  return ms;
}

export function msToIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** SQL for a [from, to) range on an integer-ms column, or nothing when the range is open. */
export function rangeClause(column: string, range: TimeRange | undefined, where: string[], params: unknown[]): void {
  if (range?.from !== undefined) {
    where.push(`${column} >= ?`);
    params.push(isoToMs(range.from, 'range.from', 'query'));
  }
  if (range?.to !== undefined) {
    where.push(`${column} < ?`);
    params.push(isoToMs(range.to, 'range.to', 'query'));
  }
}

/** Buckets of `intervalMs` from the first to the last non-empty one, empty ones included (as Elasticsearch's date_histogram does). */
export function fillHistogram(rows: ReadonlyArray<{ b: number; c: number }>, intervalMs: number): Array<{ start: string; count: number }> {
  if (rows.length === 0) return [];
  const first = rows[0].b;
  const last = rows[rows.length - 1].b;
  const n = Math.floor((last - first) / intervalMs) + 1;
  if (n > 100_000) {
    throw new VigilError(
      ErrorCode.REQUEST_INVALID,
      `interval: ${intervalMs} ms gives ${n} buckets over the data (most 100000); use a larger interval or a narrower range`,
      { source: 'query', path: 'interval' },
    );
  }
  const counts = new Map(rows.map((r) => [r.b, r.c]));
  const out: Array<{ start: string; count: number }> = [];
  for (let b = first; b <= last; b += intervalMs) out.push({ start: msToIso(b), count: counts.get(b) ?? 0 });
  return out;
}

export function checkInterval(intervalMs: number): number {
  if (!Number.isInteger(intervalMs) || intervalMs < 1) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `interval: ${String(intervalMs)} is not a positive integer of milliseconds`, {
      source: 'query',
      path: 'interval',
    });
  }
  return intervalMs;
}

/**
 * Bucket start for the histogram queries: floor to the interval, also for times before 1970.
 * The interval is inlined as a literal because checkInterval has proved it a positive integer.
 */
export function bucketSql(column: string, intervalMs: number): string {
  const i = checkInterval(intervalMs);
  return `(${column} - ((${column} % ${i}) + ${i}) % ${i})`;
}
