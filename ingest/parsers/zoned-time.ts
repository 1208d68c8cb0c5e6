// The time helpers the group-B parsers call, expressed over the shared ingest/normalise/time.ts:
// zone settings given as text ('Europe/Berlin', '+02:00', 'UTC'), milliseconds instead of fraction
// text, and the ISO-like stamps vendors write (`2024/01/31 10:00:00`, `…T1000`, `-0400`).
import {
  formatIsoInZone,
  localToUtcMs,
  monthNumber as monthNumberShared,
  parseZone,
  resolveYear as resolveYearShared,
  type Zone,
} from '../normalise/time.ts';

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis?: number;
}

const UTC: Zone = { kind: 'offset', minutes: 0 };

function zoneOf(tz: string): Zone {
  return parseZone(tz) ?? UTC;
}

/** The shared helpers keep sub-second precision as fraction text. */
function fraction(millis: number | undefined): string | undefined {
  return millis ? String(millis).padStart(3, '0') : undefined;
}

/** Month number (1-12) from an English abbreviation or name, undefined otherwise. */
export function monthNumber(name: string): number | undefined {
  return monthNumberShared(name);
}

/** True when `tz` is an IANA zone or an offset we can compute with. */
export function isKnownZone(tz: string): boolean {
  return parseZone(tz) !== undefined;
}

/** The instant at which the wall clock in `tz` shows `parts`. Unknown zones count as UTC. */
export function localToEpoch(parts: LocalParts, tz: string): number {
  // Copied field by field (not rest/spread): this runs for every Windows and vendor timestamp.
  const { year, month, day, hour, minute, second } = parts;
  return localToUtcMs({ year, month, day, hour, minute, second, fraction: fraction(parts.millis) }, zoneOf(tz));
}

/** ISO 8601 with milliseconds, printed in `tz`'s offset (`Z` when the offset is zero), as Elastic prints dates. */
export function formatInZone(epochMs: number, tz = 'UTC'): string {
  return formatIsoInZone(epochMs, zoneOf(tz));
}

/** The year for a yearless timestamp: closest to `receivedAt`, not more than a day after it. */
export function resolveYear(parts: Omit<LocalParts, 'year'>, receivedAt: Date, tz: string): number {
  const { millis, ...rest } = parts;
  return resolveYearShared({ ...rest, fraction: fraction(millis) }, receivedAt, zoneOf(tz));
}

/**
 * Parses ISO 8601 / RFC 3339 (also `YYYY-MM-DD hh:mm:ss`, `YYYY/MM/DD hh:mm:ss`, compact `hhmm` and
 * `±hhmm` zones); a timestamp without zone is read in `tz`. Returns the instant or undefined.
 */
export function parseIsoLike(text: string, tz = 'UTC'): number | undefined {
  const m =
    /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const parts: LocalParts = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] ? Number(m[6]) : 0,
    millis: m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0,
  };
  return localToEpoch(parts, m[8] ? m[8].toUpperCase() : tz);
}
