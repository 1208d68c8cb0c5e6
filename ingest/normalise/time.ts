// Timestamp normalisation shared by every parser: syslog's year-less stamps, ISO 8601 with or
// without a zone, Apache/nginx CLF stamps; zones given as IANA names or fixed offsets.

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

export interface LocalDateParts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second as written ('5', '123', '123456'); kept as text so precision is not invented. */
  fraction?: string;
}

export type Zone = { kind: 'offset'; minutes: number } | { kind: 'iana'; name: string };

const zoneCache = new Map<string, Zone | undefined>();
/** Shared, never modified: the zone of stamps that name none when the source sets none. */
const UTC_ZONE: Zone = { kind: 'offset', minutes: 0 };
const formatterCache = new Map<string, Intl.DateTimeFormat>();

/** Month number (1-12) for an English month abbreviation or name, case-insensitive. */
export function monthNumber(name: string): number | undefined {
  return MONTHS[name.slice(0, 3).toLowerCase()];
}

/**
 * Reads a zone setting: 'UTC', 'Z', '+02:00', '+0200', '-2', 'GMT-0200', 'UTC+1', an IANA name,
 * or 'local' (this host's zone, as Elastic's settings allow). Undefined when it is none of those.
 */
export function parseZone(tz: string | undefined): Zone | undefined {
  if (tz === undefined) return undefined;
  const key = tz.trim();
  if (zoneCache.has(key)) return zoneCache.get(key);
  let zone: Zone | undefined;
  const off = /^(?:(?:GMT|UTC)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(key);
  if (/^(?:Z|UTC|GMT|Etc\/UTC|Etc\/GMT)$/i.test(key)) zone = { kind: 'offset', minutes: 0 };
  else if (key === 'local') zone = { kind: 'iana', name: Intl.DateTimeFormat().resolvedOptions().timeZone };
  else if (off) {
    const minutes = Number(off[2]) * 60 + Number(off[3] ?? 0);
    zone = { kind: 'offset', minutes: off[1] === '-' ? -minutes : minutes };
  } else if (key.length > 0) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: key });
      zone = { kind: 'iana', name: key };
    } catch {
      zone = undefined;
    }
  }
  zoneCache.set(key, zone);
  return zone;
}

function ianaFormatter(name: string): Intl.DateTimeFormat {
  let f = formatterCache.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatterCache.set(name, f);
  }
  return f;
}

/** Offset of `zone` from UTC, in minutes, at the instant `utcMs`. */
export function zoneOffsetMinutes(zone: Zone, utcMs: number): number {
  if (zone.kind === 'offset') return zone.minutes;
  return ianaOffsetMinutes(zone.name, utcMs);
}

const HOUR_MS = 3_600_000;
/** zone name → UTC hour → offset; only hours whose offset is the same at both ends are kept. */
const hourOffsets = new Map<string, Map<number, number>>();
const HOUR_CACHE_LIMIT = 20_000;

/**
 * Offset of an IANA zone at `utcMs`. Intl's formatToParts is the slow part of reading a stamp, and
 * logs arrive in time order, so offsets are cached per zone and UTC hour — but only for an hour
 * whose first and last millisecond have the same offset, so an hour holding a DST change (or any
 * other transition) is always computed exactly.
 */
function ianaOffsetMinutes(name: string, utcMs: number): number {
  const hour = Math.floor(utcMs / HOUR_MS);
  let byHour = hourOffsets.get(name);
  const cached = byHour?.get(hour);
  if (cached !== undefined) return cached;
  const start = hour * HOUR_MS;
  const first = formatOffsetMinutes(name, start);
  const last = formatOffsetMinutes(name, start + HOUR_MS - 1);
  if (first !== last) return formatOffsetMinutes(name, utcMs);
  if (!byHour) {
    byHour = new Map();
    hourOffsets.set(name, byHour);
  }
  if (byHour.size >= HOUR_CACHE_LIMIT) byHour.clear();
  byHour.set(hour, first);
  return first;
}

function formatOffsetMinutes(name: string, utcMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of ianaFormatter(name).formatToParts(new Date(utcMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

function fractionMs(fraction: string | undefined): number {
  if (!fraction) return 0;
  return Number(fraction.slice(0, 3).padEnd(3, '0'));
}

/** The UTC instant (ms) of wall-clock `parts` in `zone`. */
export function localToUtcMs(parts: LocalDateParts, zone: Zone): number {
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) +
    fractionMs(parts.fraction);
  return wallToUtcMs(wall, zone);
}

/** The UTC instant of a wall-clock time already written as if it were UTC (`wall`) in `zone`. */
function wallToUtcMs(wall: number, zone: Zone): number {
  if (zone.kind === 'offset') return wall - zone.minutes * 60_000;
  // Two passes settle the offset on both sides of a DST change.
  let guess = wall - zoneOffsetMinutes(zone, wall) * 60_000;
  guess = wall - zoneOffsetMinutes(zone, guess) * 60_000;
  return guess;
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0');
}

/** Renders a UTC instant as ISO 8601 in `zone` ('2024-02-21T19:26:53.000-02:00', or 'Z' for UTC). */
export function formatIsoInZone(utcMs: number, zone: Zone = { kind: 'offset', minutes: 0 }): string {
  const offset = zoneOffsetMinutes(zone, utcMs);
  if (offset === 0) return new Date(utcMs).toISOString();
  const local = new Date(utcMs + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/**
 * ISO 8601 text for wall-clock `parts` in `tz` (IANA zone or ±hh:mm offset; unknown or missing → UTC).
 * Returns undefined when the parts are not a real date.
 */
export function toIsoWithZone(parts: LocalDateParts, tz?: string): string | undefined {
  if (!validParts(parts)) return undefined;
  const zone = parseZone(tz) ?? { kind: 'offset', minutes: 0 };
  return formatIsoInZone(localToUtcMs(parts, zone), zone);
}

function validParts(p: LocalDateParts): boolean {
  return validClock(p) && validDay(p.year, p.month, p.day);
}

function validClock(p: Omit<LocalDateParts, 'year'>): boolean {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > 31) return false;
  return !(p.hour > 23 || p.minute > 59 || p.second > 60);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when `day` exists in `month` of `year` (month and day already within 1-12 / 1-31). */
function validDay(year: number, month: number, day: number): boolean {
  if (Number.isInteger(year) && year >= 100 && year <= 275_000 && Number.isInteger(month) && Number.isInteger(day)) {
    if (day <= 28) return true;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]);
  }
  // Unusual years (Date.UTC reads 0-99 as 1900-1999) and fractions: let Date decide, as before.
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCDate() === day;
}

const DAY_MS = 86_400_000;

/**
 * Picks the year for a year-less stamp: the candidate closest to `receivedAt` that is not more
 * than a day after it (logs read in early January still carry December stamps).
 */
export function resolveYear(parts: Omit<LocalDateParts, 'year'>, receivedAt: Date, zone: Zone): number {
  const recv = receivedAt.getTime();
  const base = new Date(recv).getUTCFullYear();
  if (!validClock(parts)) return base;
  const extra = fractionMs(parts.fraction);
  let bestYear: number | undefined;
  let bestDistance = 0;
  for (let year = base - 1; year <= base + 1; year++) {
    if (!validDay(year, parts.month, parts.day)) continue;
    const wall = Date.UTC(year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + extra;
    const t = wallToUtcMs(wall, zone);
    if (t - recv > DAY_MS) continue;
    const distance = Math.abs(recv - t);
    if (bestYear === undefined || distance < bestDistance) {
      bestYear = year;
      bestDistance = distance;
    }
  }
  return bestYear ?? base;
}

const SYSLOG_STAMP =
  /^([A-Za-z]{3})\s+(\d{1,2})(?:\s+(\d{4}))?\s+(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:\s+(\d{4}))?(?:\s+([A-Z]{2,5}|[+-]\d{2}:?\d{2}))?$/;
const ISO_STAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Regex source matching one RFC 3164 stamp ('Feb  5 17:32:18', optional fraction) for use inside line grammars. */
export const BSD_STAMP_SOURCE = String.raw`[A-Z][a-z]{2} {1,2}\d{1,2}(?: \d{4})? \d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?`;
/** Regex source matching one ISO 8601 / RFC 3339 stamp, zone optional. */
export const ISO_STAMP_SOURCE = String.raw`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?`;

/**
 * Parses a syslog timestamp: RFC 3164 'Mmm dd hh:mm:ss' (year resolved against `receivedAt`,
 * optional year, fraction or zone), or ISO 8601 / RFC 3339 with or without a zone. Stamps
 * without a zone are read in `tz` (default UTC). Returns ISO 8601 text, or undefined if unreadable.
 */
export function parseSyslogTimestamp(text: string, receivedAt: Date, tz?: string): string | undefined {
  const s = text.trim();
  // An ISO stamp starts with a digit, a BSD one with a letter: only the regex that can match is run.
  const first = s.charCodeAt(0);
  const iso = first >= 48 && first <= 57 ? ISO_STAMP.exec(s) : null;
  if (iso) {
    const parts: LocalDateParts = {
      year: Number(iso[1]), month: Number(iso[2]), day: Number(iso[3]),
      hour: Number(iso[4]), minute: Number(iso[5]), second: Number(iso[6]), fraction: iso[7],
    };
    return toIsoWithZone(parts, iso[8] ?? defaultZoneOf(tz));
  }
  const bsd = first >= 48 && first <= 57 ? null : SYSLOG_STAMP.exec(s);
  if (!bsd) return undefined;
  const month = monthNumber(bsd[1]);
  if (month === undefined) return undefined;
  const zoneText = bsd[9] && (bsd[9][0] === '+' || bsd[9][0] === '-') ? bsd[9] : undefined;
  const zone = parseZone(zoneText) ??
    parseZone(abbreviationZone(bsd[9], tz)) ??
    parseZone(defaultZoneOf(tz)) ?? UTC_ZONE;
  const partial = {
    month, day: Number(bsd[2]), hour: Number(bsd[4]), minute: Number(bsd[5]), second: Number(bsd[6]), fraction: bsd[7],
  };
  const explicitYear = bsd[3] ?? bsd[8];
  const year = explicitYear ? Number(explicitYear) : resolveYear(partial, receivedAt, zone);
  const parts = { ...partial, year };
  if (!validParts(parts)) return undefined;
  return formatIsoInZone(localToUtcMs(parts, zone), zone);
}

/**
 * Parses the Common Log Format stamp Apache and nginx write: '10/Oct/2000:13:55:36 -0700'
 * (zone optional, then `tz`).
 */
export function parseClfTimestamp(text: string, tz?: string): string | undefined {
  const m = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:\s+([+-]\d{2}:?\d{2}))?$/.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const month = monthNumber(m[2]);
  if (month === undefined) return undefined;
  return toIsoWithZone(
    { year: Number(m[3]), month, day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), fraction: m[7] },
    m[8] ?? defaultZoneOf(tz),
  );
}

const KNOWN_ABBREVIATIONS: Record<string, string> = {
  UTC: 'UTC', GMT: 'UTC', Z: 'UTC',
  EST: '-05:00', EDT: '-04:00', CST: '-06:00', CDT: '-05:00', MST: '-07:00', MDT: '-06:00', PST: '-08:00', PDT: '-07:00',
  AKST: '-09:00', AKDT: '-08:00', HST: '-10:00',
  WET: '+00:00', WEST: '+01:00', BST: '+01:00', IST: '+05:30', CET: '+01:00', CEST: '+02:00', EET: '+02:00', EEST: '+03:00',
  MSK: '+03:00', JST: '+09:00', KST: '+09:00', AEST: '+10:00', AEDT: '+11:00', ACST: '+09:30', AWST: '+08:00', NZST: '+12:00', NZDT: '+13:00',
};

/** The zone abbreviations `abbreviationZone` knows without a source map, for line grammars. */
export const KNOWN_ZONE_ABBREVIATIONS: readonly string[] = Object.keys(KNOWN_ABBREVIATIONS);

/**
 * The zone for an abbreviation written in a log ('EDT'). A source's `tz` may carry its own map as
 * 'EDT=America/New_York,PST=-08:00' (Cisco ASA's tz_map setting); otherwise a table of common ones is used.
 */
export function abbreviationZone(abbr: string | undefined, tz?: string): string | undefined {
  if (!abbr) return undefined;
  const up = abbr.toUpperCase();
  if (tz?.includes('=')) {
    for (const entry of tz.split(',')) {
      const [k, v] = entry.split('=');
      if (k?.trim().toUpperCase() === up && v) return v.trim();
    }
  }
  return KNOWN_ABBREVIATIONS[up];
}

/** The default zone of a source's `tz` setting, ignoring an abbreviation map ('UTC' when none). */
export function defaultZoneOf(tz: string | undefined): string | undefined {
  if (!tz?.includes('=')) return tz;
  const plain = tz.split(',').find((e) => !e.includes('='));
  return plain?.trim();
}
