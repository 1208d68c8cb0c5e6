// Wall-clock times in a named zone or fixed offset, for the group-B parsers: turning local
// date parts into an instant and printing an instant the way Elastic's date processor does.

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis?: number;
}

const OFFSET_RE = /^([+-])(\d{2}):?(\d{2})$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Month number (1-12) from an English abbreviation or name, undefined otherwise. */
export function monthNumber(name: string): number | undefined {
  const i = MONTHS.indexOf(name.slice(0, 3).toLowerCase());
  return i < 0 ? undefined : i + 1;
}

/** True when `tz` is something we can compute offsets for (IANA zone, `±hh:mm`, `±hhmm`, `Z`, `UTC`). */
export function isKnownZone(tz: string): boolean {
  if (tz === 'Z' || tz === 'UTC' || OFFSET_RE.test(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatterCache = new Map<string, Intl.DateTimeFormat>();

/** Offset of `tz` from UTC in minutes at the instant `epochMs` (east positive). */
export function zoneOffsetMinutes(tz: string, epochMs: number): number {
  if (tz === 'Z' || tz === 'UTC' || tz === 'GMT') return 0;
  const m = OFFSET_RE.exec(tz);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  let fmt = formatterCache.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatterCache.set(tz, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(new Date(epochMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(epochMs / 1000) * 1000) / 60000);
}

/** The instant at which the wall clock in `tz` shows `parts`. Unknown zones count as UTC. */
export function localToEpoch(parts: LocalParts, tz: string): number {
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, parts.millis ?? 0);
  if (!isKnownZone(tz)) return wall;
  // Two passes settle the offset across DST changes.
  let epoch = wall - zoneOffsetMinutes(tz, wall) * 60000;
  epoch = wall - zoneOffsetMinutes(tz, epoch) * 60000;
  return epoch;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** ISO 8601 with milliseconds, printed in `tz`'s offset (`Z` when the offset is zero), as Elastic prints dates. */
export function formatInZone(epochMs: number, tz = 'UTC'): string {
  const off = isKnownZone(tz) ? zoneOffsetMinutes(tz, epochMs) : 0;
  const d = new Date(epochMs + off * 60000);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  if (off === 0) return `${base}Z`;
  const a = Math.abs(off);
  return `${base}${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** Local parts → ISO string in that zone. */
export function localToIso(parts: LocalParts, tz: string): string {
  return formatInZone(localToEpoch(parts, tz), tz);
}

/**
 * Picks the year for a yearless timestamp: the one that puts it closest to `receivedAt` without
 * being more than a day after it (syslog RFC 3164 lines carry no year).
 */
export function resolveYear(parts: Omit<LocalParts, 'year'>, receivedAt: Date, tz: string): number {
  const ref = receivedAt.getTime();
  const base = receivedAt.getUTCFullYear();
  let best = base;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const year of [base - 1, base, base + 1]) {
    const t = localToEpoch({ ...parts, year }, tz);
    if (t - ref > 86_400_000) continue;
    const dist = Math.abs(t - ref);
    if (dist < bestDist) {
      bestDist = dist;
      best = year;
    }
  }
  return best;
}

/** `hh:mm:ss(.fff)` → parts of the time of day, undefined when malformed. */
export function parseClock(text: string): { hour: number; minute: number; second: number; millis: number } | undefined {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  return {
    hour: Number(m[1]),
    minute: Number(m[2]),
    second: Number(m[3]),
    millis: m[4] ? Math.floor(Number(`0.${m[4]}`) * 1000) : 0,
  };
}

/**
 * Parses ISO 8601 / RFC 3339 (also `YYYY-MM-DD hh:mm:ss` and `YYYY/MM/DD hh:mm:ss`); a timestamp
 * without zone is read in `tz`. Returns the instant or undefined.
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
    millis: m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0,
  };
  let zone = m[8] ? m[8].toUpperCase() : tz;
  if (/^[+-]\d{2}$/.test(zone)) zone = `${zone}:00`;
  return localToEpoch(parts, zone);
}
