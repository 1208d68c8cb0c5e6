// The ECS skeleton every Windows channel shares (winlog.*, event.code/provider/created, host, log.level)
// plus the value helpers the channel mappings use: user splitting, paths, hashes, command lines.
// Documents are built by assigning into their objects directly rather than through setPath: the
// same fields in the same order, without a path lookup per field (this runs for every event).
import { type EcsEvent, getPath, isPlainObject, objectAt } from '../../../core/ecs.ts';
import { isoOf } from '../../normalise/ecs-build.ts';
import { defaultZoneOf } from '../../normalise/time.ts';
import { ECS_VERSION, hasValue, isIp } from '../event-build.ts';
import type { RawRecord } from '../types.ts';
import { formatInZone, parseIsoLike } from '../zoned-time.ts';
import type { WindowsEvent } from './shapes.ts';

/** The object at a path of keys, each created when missing (setPath's walk, without splitting a string). */
export function objectPath(doc: EcsEvent, keys: readonly string[]): EcsEvent {
  let cur = doc;
  for (let i = 0; i < keys.length; i++) cur = objectAt(cur, keys[i]);
  return cur;
}

function hasKeys(obj: EcsEvent): boolean {
  for (const _ in obj) return true;
  return false;
}

/** Values Windows writes for "nothing here". */
export function isEmptyValue(v: string | undefined): boolean {
  return v === undefined || v === '' || v === '-' || v === '{00000000-0000-0000-0000-000000000000}';
}

export function iso(v: string | undefined, tz = 'UTC'): string | undefined {
  if (!v) return undefined;
  if (tz === 'UTC') {
    const fast = plainUtcIso(v);
    if (fast !== undefined) return fast;
  }
  const t = parseIsoLike(v, tz);
  return t === undefined ? undefined : formatInZone(t);
}

const ZERO = 48;

/** The number written by the `len` ASCII digits of `v` at `at`, or -1 when one is not a digit. */
function digits(v: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = v.charCodeAt(i) - ZERO;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * The common Windows timestamps (Sysmon's UtcTime `2020-09-21 18:52:18.123`, shippers'
 * `2020-09-21T18:52:18.123Z`) read without the general parser's regex and zone machinery, which
 * cost several microseconds an event. Anything else (zones, odd field ranges, spaces) is left to
 * parseIsoLike: undefined here means "not the simple case", not "invalid".
 */
function plainUtcIso(v: string): string | undefined {
  const n = v.length;
  if (n < 19 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58)
    return undefined;
  const sep = v.charCodeAt(10);
  if (sep !== 32 && sep !== 84 /* T */) return undefined;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return undefined;
  if (second < 0 || second > 59) return undefined;
  let end = n;
  if (v.charCodeAt(n - 1) === 90 /* Z */) end = n - 1;
  let millis = 0;
  if (end > 19) {
    if (v.charCodeAt(19) !== 46 /* . */) return undefined;
    const len = end - 20;
    if (len < 1 || len > 9) return undefined;
    // Only the first three digits count (as parseIsoLike), but all must be digits.
    if (digits(v, 20, len) < 0) return undefined;
    const ms = digits(v, 20, Math.min(3, len));
    millis = len === 1 ? ms * 100 : len === 2 ? ms * 10 : ms;
  }
  // A day past the month's end is left to the general parser (it rolls over; keep its answer).
  if (day > daysInMonth(year, month)) return undefined;
  // What new Date(Date.UTC(…)).toISOString() writes for these fields, without the Date.
  const ms = millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : String(millis);
  return `${v.slice(0, 10)}T${v.slice(11, 19)}.${ms}Z`;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the proleptic Gregorian calendar (the one Date uses). */
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1];
}

/**
 * The document every channel starts from. `timestamp` is the channel's own event time when it has
 * one (Sysmon's UtcTime): it wins over TimeCreated, the shipper's time and the receive time.
 */
export function startWindowsEvent(
  raw: RawRecord,
  ev: WindowsEvent,
  module: string,
  dataset: string,
  timestamp?: string,
): EcsEvent {
  const shippedOriginal = raw.document ? getPath(raw.document, 'event.original') : undefined;
  const event: EcsEvent = {
    original: typeof shippedOriginal === 'string' ? shippedOriginal : raw.message,
    module,
    dataset,
    kind: 'event',
  };
  // Formatted even when an event time replaces it, so an invalid receive time fails as it always did.
  const received = isoOf(raw.receivedAt);
  const doc: EcsEvent = { '@timestamp': received, ecs: { version: ECS_VERSION }, event };
  // NXLog's EventTime has no zone: trust it only when the source's zone is configured.
  const created = iso(ev.timeCreated) ?? (raw.tz && ev.localTime ? iso(ev.localTime, defaultZoneOf(raw.tz) ?? 'UTC') : undefined);
  const ts = timestamp || created || iso(ev.shipperTimestamp);
  if (ts) doc['@timestamp'] = ts;
  if (created) event.created = created;
  if (hasValue(ev.eventId)) event.code = ev.eventId;
  if (hasValue(ev.provider)) event.provider = ev.provider;
  const level = ev.level?.toLowerCase();
  if (hasValue(level)) doc.log = { level };
  const winlog: EcsEvent = {};
  if (hasValue(ev.channel)) winlog.channel = ev.channel;
  if (hasValue(ev.eventId)) winlog.event_id = ev.eventId;
  if (hasValue(ev.provider)) winlog.provider_name = ev.provider;
  if (hasValue(ev.providerGuid)) winlog.provider_guid = ev.providerGuid;
  if (hasValue(ev.computer)) winlog.computer_name = ev.computer;
  if (hasValue(ev.recordId)) winlog.record_id = ev.recordId;
  if (hasValue(ev.opcode)) winlog.opcode = ev.opcode;
  if (hasValue(ev.task)) winlog.task = ev.task;
  if (ev.version !== undefined) winlog.version = ev.version;
  if (ev.processId !== undefined) winlog.process = { pid: ev.processId };
  if (ev.threadId !== undefined) objectAt(winlog, 'process').thread = { id: ev.threadId };
  if (hasValue(ev.userSid)) winlog.user = { identifier: ev.userSid };
  if (hasValue(ev.userName)) objectAt(winlog, 'user').name = ev.userName;
  if (hasValue(ev.userDomain)) objectAt(winlog, 'user').domain = ev.userDomain;
  if (hasValue(ev.activityId)) winlog.activity_id = ev.activityId;
  if (hasKeys(winlog)) doc.winlog = winlog;
  if (ev.computer) {
    const dot = ev.computer.indexOf('.');
    doc.host = { name: ev.computer, hostname: dot < 0 ? ev.computer : ev.computer.slice(0, dot) };
  }
  if (ev.userSid) doc.user = { id: ev.userSid };
  return doc;
}

/** Where a group of fields goes: the keys of its object (`['process', 'parent']` for process.parent.*). */
export type FieldPrefix = readonly string[];

/** Splits `DOMAIN\user` into `<prefix>.domain` / `<prefix>.name`. */
export function putDomainUser(doc: EcsEvent, prefix: FieldPrefix, value: string | undefined): void {
  if (isEmptyValue(value) || value === undefined) return;
  const o = objectPath(doc, prefix);
  const i = value.indexOf('\\');
  if (i > 0) {
    o.domain = value.slice(0, i);
    o.name = value.slice(i + 1);
  } else o.name = value;
}

/** `<prefix>.path/name/directory/extension` from a Windows path. */
export function putPath(doc: EcsEvent, prefix: FieldPrefix, path: string | undefined): void {
  if (isEmptyValue(path) || path === undefined) return;
  const o = objectPath(doc, prefix);
  o.path = path;
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  const name = path.slice(cut + 1);
  if (name) o.name = name;
  if (cut > 0) o.directory = path.slice(0, cut);
  const dot = name.lastIndexOf('.');
  if (dot > 0 && dot < name.length - 1) o.extension = name.slice(dot + 1);
}

export function putExecutable(doc: EcsEvent, prefix: FieldPrefix, path: string | undefined): void {
  if (isEmptyValue(path) || path === undefined) return;
  const o = objectPath(doc, prefix);
  o.executable = path;
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  o.name = path.slice(cut + 1);
}

/** Sysmon's `SHA1=…,MD5=…,IMPHASH=…` → lower-case map without all-zero values. */
export function parseHashes(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v) return out;
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const value = part.slice(eq + 1).trim().toLowerCase();
    if (/^0*$/.test(value)) continue;
    out[part.slice(0, eq).trim().toLowerCase()] = value;
  }
  return out;
}

const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Windows CommandLineToArgvW rules: quotes group, backslashes escape quotes only before a quote.
 * Runs of ordinary characters are copied as one slice (command lines can be kilobytes long, as
 * PowerShell's -enc arguments are): the end of a run is found with indexOf, whose native scan is
 * far faster than a loop over the characters, and each character's next position is remembered
 * until the scan passes it, so the line is searched once per special character, not once per run.
 */
export function splitCommandLine(cmd: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = cmd.length;
  // Next index of each special character at or after the current run (-1: none left).
  let nextBackslash = -2;
  let nextQuote = -2;
  let nextSpace = -2;
  let nextTab = -2;
  const runEnd = (from: number, inQuote: boolean): number => {
    if (nextBackslash !== -1 && nextBackslash < from) nextBackslash = cmd.indexOf('\\', from);
    if (nextQuote !== -1 && nextQuote < from) nextQuote = cmd.indexOf('"', from);
    let end = n;
    if (nextBackslash !== -1 && nextBackslash < end) end = nextBackslash;
    if (nextQuote !== -1 && nextQuote < end) end = nextQuote;
    if (!inQuote) {
      if (nextSpace !== -1 && nextSpace < from) nextSpace = cmd.indexOf(' ', from);
      if (nextTab !== -1 && nextTab < from) nextTab = cmd.indexOf('\t', from);
      if (nextSpace !== -1 && nextSpace < end) end = nextSpace;
      if (nextTab !== -1 && nextTab < end) end = nextTab;
    }
    return end;
  };
  while (i < n) {
    while (i < n && (cmd.charCodeAt(i) === SPACE || cmd.charCodeAt(i) === TAB)) i++;
    if (i >= n) break;
    let arg = '';
    let inQuote = false;
    while (i < n) {
      const c = cmd.charCodeAt(i);
      if ((c === SPACE || c === TAB) && !inQuote) break;
      if (c === BACKSLASH) {
        let slashes = 0;
        while (i < n && cmd.charCodeAt(i) === BACKSLASH) {
          slashes++;
          i++;
        }
        if (cmd.charCodeAt(i) === QUOTE) {
          arg += '\\'.repeat(Math.floor(slashes / 2));
          if (slashes % 2 === 1) {
            arg += '"';
            i++;
          }
        } else arg += '\\'.repeat(slashes);
        continue;
      }
      if (c === QUOTE) {
        if (inQuote && cmd.charCodeAt(i + 1) === QUOTE) {
          arg += '"';
          i += 2;
          continue;
        }
        inQuote = !inQuote;
        i++;
        continue;
      }
      const start = i;
      i = runEnd(i + 1, inQuote);
      arg += cmd.slice(start, i);
    }
    args.push(arg);
  }
  return args;
}

export function putCommandLine(doc: EcsEvent, prefix: FieldPrefix, cmd: string | undefined): void {
  if (isEmptyValue(cmd) || cmd === undefined) return;
  const o = objectPath(doc, prefix);
  o.command_line = cmd;
  const args = splitCommandLine(cmd);
  if (args.length) {
    o.args = args;
    o.args_count = args.length;
  }
}

/**
 * Decimal or `0x` hexadecimal text → number. Number() reads `0x…` itself, with the value
 * parseInt(…, 16) gives, so no pattern test is needed to tell the two apart.
 */
export function toNumber(v: string | undefined): number | undefined {
  if (isEmptyValue(v) || v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Appends the non-empty strings not yet listed to `related[key]`, creating it (and related) when there are any. */
export function appendRelated(doc: EcsEvent, key: string, values: readonly unknown[]): void {
  const related = doc.related;
  let cur = isPlainObject(related) ? (related[key] as unknown[] | undefined) : undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string' || v === '') continue;
    if (cur === undefined) cur = [v];
    else if (!cur.includes(v)) cur.push(v);
  }
  if (cur?.length) objectAt(doc, 'related')[key] = cur;
}

/** `obj[key]` when obj is an object (a read of one path step, as getPath takes it). */
function at(obj: unknown, key: string): unknown {
  return isPlainObject(obj) ? obj[key] : undefined;
}

/**
 * related.user / related.ip / related.hosts from the fields Windows mappings fill. The document is
 * the mapping's own (no literal dotted keys), so plain property reads find what getPath would.
 */
export function fillWindowsRelated(doc: EcsEvent): void {
  const user = doc.user;
  const source = doc.source;
  const destination = doc.destination;
  const dns = doc.dns;
  appendRelated(doc, 'user', [
    at(user, 'name'),
    at(at(user, 'target'), 'name'),
    at(at(user, 'effective'), 'name'),
    at(at(source, 'user'), 'name'),
    at(at(destination, 'user'), 'name'),
  ]);
  const ips: unknown[] = [];
  const sourceIp = at(source, 'ip');
  if (typeof sourceIp === 'string' && isIp(sourceIp)) ips.push(sourceIp);
  const destinationIp = at(destination, 'ip');
  if (typeof destinationIp === 'string' && isIp(destinationIp)) ips.push(destinationIp);
  const resolved = at(dns, 'resolved_ip') as unknown[] | undefined;
  if (resolved) for (const v of resolved) if (typeof v === 'string' && isIp(v)) ips.push(v);
  appendRelated(doc, 'ip', ips);
  appendRelated(doc, 'hosts', [at(doc.host, 'name'), at(source, 'domain'), at(destination, 'domain'), at(at(dns, 'question'), 'name')]);
}

/**
 * What is left of the event data goes to winlog.event_data (without empty values). Keys in `omit`
 * are removed from it, as Elastic's pipelines remove fields after copying them: the object is
 * still written when they were all it had.
 */
export function putEventData(
  doc: EcsEvent,
  data: Record<string, string>,
  consumed: ReadonlySet<string>,
  omit?: ReadonlySet<string>,
): void {
  let rest: Record<string, string> | undefined;
  for (const k in data) {
    const v = data[k];
    if (isEmptyValue(v) || consumed.has(k)) continue;
    rest ??= {};
    if (omit?.has(k)) continue;
    rest[k] = v;
  }
  if (rest) objectAt(doc, 'winlog').event_data = rest;
}

/** The event data a mapping reads, remembering what it consumed (the rest goes to winlog.event_data). */
export class EventDataReader {
  readonly used = new Set<string>();
  constructor(readonly data: Record<string, string>) {}

  /** The value of `key` when it carries one; a present key counts as consumed even when empty. */
  take(key: string): string | undefined {
    const v = this.data[key];
    if (v === undefined) return undefined;
    this.used.add(key);
    return isEmptyValue(v) ? undefined : v;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v);
}
