// The ECS skeleton every Windows channel shares (winlog.*, event.code/provider/created, host, log.level)
// plus the value helpers the channel mappings use: user splitting, paths, hashes, command lines.
import { type EcsEvent, getPath, isPlainObject, pathReader, setPath } from '../../../core/ecs.ts';
import { defaultZoneOf } from '../../normalise/time.ts';
import { ECS_VERSION, isIp, put } from '../event-build.ts';
import type { RawRecord } from '../types.ts';
import { formatInZone, parseIsoLike } from '../zoned-time.ts';
import type { WindowsEvent } from './shapes.ts';

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
  const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // A day past the month's end is left to the general parser (it rolls over; keep its answer).
  if (d.getUTCDate() !== day) return undefined;
  return d.toISOString();
}

export function startWindowsEvent(raw: RawRecord, ev: WindowsEvent, module: string, dataset: string): EcsEvent {
  const shippedOriginal = raw.document ? getPath(raw.document, 'event.original') : undefined;
  const doc: EcsEvent = {
    '@timestamp': raw.receivedAt.toISOString(),
    ecs: { version: ECS_VERSION },
    event: {
      original: typeof shippedOriginal === 'string' ? shippedOriginal : raw.message,
      module,
      dataset,
      kind: 'event',
    },
  };
  // NXLog's EventTime has no zone: trust it only when the source's zone is configured.
  const created = iso(ev.timeCreated) ?? (raw.tz && ev.localTime ? iso(ev.localTime, defaultZoneOf(raw.tz) ?? 'UTC') : undefined);
  const shipped = iso(ev.shipperTimestamp);
  const ts = created ?? shipped;
  if (ts) setPath(doc, '@timestamp', ts);
  if (created) setPath(doc, 'event.created', created);
  put(doc, 'event.code', ev.eventId);
  put(doc, 'event.provider', ev.provider);
  put(doc, 'log.level', ev.level?.toLowerCase());
  put(doc, 'winlog.channel', ev.channel);
  put(doc, 'winlog.event_id', ev.eventId);
  put(doc, 'winlog.provider_name', ev.provider);
  put(doc, 'winlog.provider_guid', ev.providerGuid);
  put(doc, 'winlog.computer_name', ev.computer);
  put(doc, 'winlog.record_id', ev.recordId);
  put(doc, 'winlog.opcode', ev.opcode);
  put(doc, 'winlog.task', ev.task);
  put(doc, 'winlog.version', ev.version);
  put(doc, 'winlog.process.pid', ev.processId);
  put(doc, 'winlog.process.thread.id', ev.threadId);
  put(doc, 'winlog.user.identifier', ev.userSid);
  put(doc, 'winlog.user.name', ev.userName);
  put(doc, 'winlog.user.domain', ev.userDomain);
  put(doc, 'winlog.activity_id', ev.activityId);
  if (ev.computer) {
    setPath(doc, 'host.name', ev.computer);
    setPath(doc, 'host.hostname', ev.computer.split('.')[0]);
  }
  if (ev.userSid) setPath(doc, 'user.id', ev.userSid);
  return doc;
}

/** Splits `DOMAIN\user` into `<prefix>.domain` / `<prefix>.name`. */
export function putDomainUser(doc: EcsEvent, prefix: string, value: string | undefined): void {
  if (isEmptyValue(value) || value === undefined) return;
  const i = value.indexOf('\\');
  if (i > 0) {
    setPath(doc, `${prefix}.domain`, value.slice(0, i));
    setPath(doc, `${prefix}.name`, value.slice(i + 1));
  } else setPath(doc, `${prefix}.name`, value);
}

/** `<prefix>.path/name/directory/extension` from a Windows path. */
export function putPath(doc: EcsEvent, prefix: string, path: string | undefined): void {
  if (isEmptyValue(path) || path === undefined) return;
  setPath(doc, `${prefix}.path`, path);
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  const name = path.slice(cut + 1);
  if (name) setPath(doc, `${prefix}.name`, name);
  if (cut > 0) setPath(doc, `${prefix}.directory`, path.slice(0, cut));
  const dot = name.lastIndexOf('.');
  if (dot > 0 && dot < name.length - 1) setPath(doc, `${prefix}.extension`, name.slice(dot + 1));
}

export function putExecutable(doc: EcsEvent, prefix: string, path: string | undefined): void {
  if (isEmptyValue(path) || path === undefined) return;
  setPath(doc, `${prefix}.executable`, path);
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  setPath(doc, `${prefix}.name`, path.slice(cut + 1));
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
 * Runs of ordinary characters are copied as one slice (command lines can be kilobytes long).
 */
export function splitCommandLine(cmd: string): string[] {
  const args: string[] = [];
  let i = 0;
  const n = cmd.length;
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
      i++;
      while (i < n) {
        const d = cmd.charCodeAt(i);
        if (d === BACKSLASH || d === QUOTE || ((d === SPACE || d === TAB) && !inQuote)) break;
        i++;
      }
      arg += cmd.slice(start, i);
    }
    args.push(arg);
  }
  return args;
}

export function putCommandLine(doc: EcsEvent, prefix: string, cmd: string | undefined): void {
  if (isEmptyValue(cmd) || cmd === undefined) return;
  setPath(doc, `${prefix}.command_line`, cmd);
  const args = splitCommandLine(cmd);
  if (args.length) {
    setPath(doc, `${prefix}.args`, args);
    setPath(doc, `${prefix}.args_count`, args.length);
  }
}

export function toNumber(v: string | undefined): number | undefined {
  if (isEmptyValue(v) || v === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(v) ? Number.parseInt(v, 16) : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function appendUnique(doc: EcsEvent, path: string, values: unknown[]): void {
  const cur = (getPath(doc, path) as unknown[] | undefined) ?? [];
  for (const v of values) if (typeof v === 'string' && v !== '' && !cur.includes(v)) cur.push(v);
  if (cur.length) setPath(doc, path, cur);
}

/** related.user / related.ip / related.hosts / related.hash from the fields Windows mappings fill. */
export function fillWindowsRelated(doc: EcsEvent): void {
  const get = pathReader(doc);
  appendUnique(doc, 'related.user', [get('user.name'), get('user.target.name'), get('user.effective.name'), get('source.user.name'), get('destination.user.name')]);
  appendUnique(
    doc,
    'related.ip',
    [get('source.ip'), get('destination.ip'), ...((get('dns.resolved_ip') as unknown[]) ?? [])].filter(
      (v) => typeof v === 'string' && isIp(v),
    ),
  );
  appendUnique(doc, 'related.hosts', [get('host.name'), get('source.domain'), get('destination.domain'), get('dns.question.name')]);
}

/** What is left of the event data goes to winlog.event_data (without empty values). */
export function putEventData(doc: EcsEvent, data: Record<string, string>, consumed: Set<string>): void {
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (consumed.has(k) || isEmptyValue(v)) continue;
    rest[k] = v;
  }
  if (Object.keys(rest).length) setPath(doc, 'winlog.event_data', rest);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v);
}
