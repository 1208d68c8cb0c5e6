// The syslog envelope shared by every syslog-borne dataset: RFC 5424 and RFC 3164 headers (with
// their common variants), or the same facts from an agent-shipped JSON document.
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { ecsBase, setIfDefined, toInt } from '../normalise/ecs-build.ts';
import { BSD_STAMP_SOURCE, ISO_STAMP_SOURCE, KNOWN_ZONE_ABBREVIATIONS, parseSyslogTimestamp } from '../normalise/time.ts';
import type { RawRecord } from './types.ts';

const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp',
  'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];
const SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];
const SEVERITY_ALIASES: Record<string, string> = {
  emerg: 'emergency', panic: 'emergency', crit: 'critical', err: 'error', warn: 'warning', info: 'informational',
};

export interface SyslogStructuredElement {
  id: string;
  params: Record<string, string>;
}

export interface SyslogHeader {
  format: 'rfc5424' | 'rfc3164';
  priority?: number;
  /** ISO 8601 text, absent when the header carries no time. */
  timestamp?: string;
  hostname?: string;
  appname?: string;
  procid?: string;
  msgid?: string;
  version?: number;
  structuredData?: SyslogStructuredElement[];
  /** Facility/severity names some devices print after the host ('user.info'). */
  facilityName?: string;
  severityName?: string;
  /** Everything after the header. */
  message: string;
}

const PRI = /^<(\d{1,3})>/;
const RFC5424 =
  /^(\d{1,2}) (-|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (\S+) (\S+) (\S+) (\S+) (-(?: .*)?|\[.*)$/s;
// A zone abbreviation after the stamp is read only when it is a known one, so 'MAIL' stays a hostname.
const STAMP = new RegExp(
  `^(${ISO_STAMP_SOURCE}|${BSD_STAMP_SOURCE}(?: (?:${KNOWN_ZONE_ABBREVIATIONS.join('|')})(?= ))?):? ?`,
);
// A program tag: 'sshd[123]:', 'sudo:', 'kernel:', '/usr/sbin/cron[9]:'; pid may carry a thread ('21412/0x7000').
// macOS adds the job after the pid: 'com.apple.xpc.launchd[1] (com.apple.mdmclient.123):'.
const TAG = /^([^\s[\]:]+)(?:\[([^\]\s]*)\](?: \([^()\s]*\))?)?: ?/;
const FAC_SEV = /^([a-z0-9-]+)\.([a-z]+) /;

/** Reads RFC 5424 structured data ('[id k="v" ...][id2 ...]') and returns it with the rest of the text. */
export function parseStructuredData(text: string): { elements: SyslogStructuredElement[]; rest: string } | undefined {
  const elements: SyslogStructuredElement[] = [];
  let i = 0;
  while (text[i] === '[') {
    const idMatch = /^\[([^\s\]=]+)/.exec(text.slice(i));
    if (!idMatch) return undefined;
    const el: SyslogStructuredElement = { id: idMatch[1], params: {} };
    i += idMatch[0].length;
    for (;;) {
      if (text[i] === ']') {
        i++;
        break;
      }
      const p = /^ ([^\s\]=]+)="/.exec(text.slice(i));
      if (!p) return undefined;
      i += p[0].length;
      let value = '';
      while (i < text.length && text[i] !== '"') {
        // RFC 5424 §6.3.3: only ", \ and ] are escaped inside PARAM-VALUE.
        if (text[i] === '\\' && i + 1 < text.length && '"\\]'.includes(text[i + 1])) {
          value += text[i + 1];
          i += 2;
        } else {
          value += text[i++];
        }
      }
      if (text[i] !== '"') return undefined;
      i++;
      el.params[p[1]] = value;
    }
    elements.push(el);
  }
  if (elements.length === 0) return undefined;
  return { elements, rest: text.slice(i) };
}

function nil(v: string): string | undefined {
  return v === '-' ? undefined : v;
}

function parse5424(body: string, priority: number | undefined, raw: RawRecord): SyslogHeader | undefined {
  const m = RFC5424.exec(body);
  if (!m) return undefined;
  let message = '';
  let structuredData: SyslogStructuredElement[] | undefined;
  if (m[7].startsWith('-')) {
    if (m[7].length > 1 && m[7][1] !== ' ') return undefined;
    message = m[7].slice(2);
  } else {
    const sd = parseStructuredData(m[7]);
    if (!sd) return undefined;
    structuredData = sd.elements;
    if (sd.rest !== '' && !sd.rest.startsWith(' ')) return undefined;
    message = sd.rest.slice(1);
  }
  if (message.startsWith('\uFEFF')) message = message.slice(1);
  const timestamp = m[2] === '-' ? undefined : parseSyslogTimestamp(m[2], raw.receivedAt, raw.tz);
  if (m[2] !== '-' && !timestamp) return undefined;
  return {
    format: 'rfc5424', priority, version: Number(m[1]), timestamp,
    hostname: nil(m[3]), appname: nil(m[4]), procid: nil(m[5]), msgid: nil(m[6]), structuredData, message,
  };
}

function parse3164(body: string, priority: number | undefined, raw: RawRecord): SyslogHeader | undefined {
  const stamp = STAMP.exec(body);
  if (!stamp) return undefined;
  const timestamp = parseSyslogTimestamp(stamp[1], raw.receivedAt, raw.tz);
  if (!timestamp) return undefined;
  let rest = body.slice(stamp[0].length).replace(/^ +/, '');
  const header: SyslogHeader = { format: 'rfc3164', priority, timestamp, message: rest };
  // Without a hostname the next word is already the tag ('sshd[12]:'); otherwise it is the host.
  if (!TAG.test(rest)) {
    const host = /^(\S+) ?/.exec(rest);
    if (host) {
      header.hostname = host[1];
      rest = rest.slice(host[0].length).replace(/^ +/, '');
    }
    const fs = FAC_SEV.exec(rest);
    if (fs && FACILITIES.includes(fs[1]) && (SEVERITIES.includes(fs[2]) || fs[2] in SEVERITY_ALIASES)) {
      header.facilityName = fs[1];
      header.severityName = SEVERITY_ALIASES[fs[2]] ?? fs[2];
      rest = rest.slice(fs[0].length);
    }
  }
  const tag = TAG.exec(rest);
  if (tag) {
    header.appname = tag[1];
    if (tag[2] !== undefined && tag[2] !== '') header.procid = tag[2];
    rest = rest.slice(tag[0].length);
  }
  header.message = rest;
  return header;
}

/**
 * Splits a syslog line into header and message. Accepts RFC 5424, RFC 3164 with or without
 * <PRI>, with or without hostname, BSD or ISO 8601 stamps. Undefined when there is no header.
 */
export function parseSyslogHeader(line: string, raw: RawRecord): SyslogHeader | undefined {
  let body = line.replace(/^\s+/, '');
  let priority: number | undefined;
  const pri = PRI.exec(body);
  if (pri) {
    priority = Number(pri[1]);
    if (priority > 191) return undefined;
    body = body.slice(pri[0].length);
  }
  return parse5424(body, priority, raw) ?? parse3164(body, priority, raw) ?? (pri ? parseUnstamped(body, priority) : undefined);
}

/** RFC 3164 §4.3.3: a packet with a PRI but no valid TIMESTAMP; the receive time stands in for it. */
function parseUnstamped(body: string, priority: number | undefined): SyslogHeader {
  const header: SyslogHeader = { format: 'rfc3164', priority, message: body };
  const tag = TAG.exec(body);
  if (tag) {
    header.appname = tag[1];
    if (tag[2]) header.procid = tag[2];
    header.message = body.slice(tag[0].length);
  }
  return header;
}

/** Writes the header's facts into ECS: @timestamp, host.hostname, process.name/pid, log.syslog.*. */
export function applySyslogHeader(doc: EcsEvent, h: SyslogHeader): void {
  setIfDefined(doc, '@timestamp', h.timestamp);
  setIfDefined(doc, 'host.hostname', h.hostname);
  setIfDefined(doc, 'process.name', h.appname);
  const pid = toInt(h.procid);
  if (pid !== undefined) setPath(doc, 'process.pid', pid);
  setIfDefined(doc, 'log.syslog.hostname', h.hostname);
  setIfDefined(doc, 'log.syslog.appname', h.appname);
  if (h.procid !== undefined && pid === undefined) setPath(doc, 'log.syslog.procid', h.procid);
  setIfDefined(doc, 'log.syslog.msgid', h.msgid);
  setIfDefined(doc, 'log.syslog.version', h.version === undefined ? undefined : String(h.version));
  if (h.priority !== undefined) {
    setPath(doc, 'log.syslog.priority', h.priority);
    const facility = h.priority >> 3;
    const severity = h.priority & 7;
    setPath(doc, 'log.syslog.facility.code', facility);
    setIfDefined(doc, 'log.syslog.facility.name', FACILITIES[facility]);
    setPath(doc, 'log.syslog.severity.code', severity);
    setPath(doc, 'log.syslog.severity.name', SEVERITIES[severity]);
  }
  if (h.facilityName) setPath(doc, 'log.syslog.facility.name', h.facilityName);
  if (h.severityName) setPath(doc, 'log.syslog.severity.name', h.severityName);
  if (h.structuredData?.length) {
    const sd: Record<string, Record<string, string>> = {};
    for (const el of h.structuredData) sd[el.id] = { ...(sd[el.id] ?? {}), ...el.params };
    setPath(doc, 'log.syslog.structured_data', sd);
  }
}

export interface SyslogEnvelope {
  doc: EcsEvent;
  /** The program's own message (header removed). */
  message: string;
  header?: SyslogHeader;
}

function cloneDocument(document: EcsEvent): EcsEvent {
  return structuredClone(document);
}

/**
 * Starts a dataset's document from a raw record: a raw syslog line gets its header parsed; an
 * agent-shipped JSON document keeps its fields and lends host/process facts from log.syslog,
 * journald or syslog.* (its message may still carry a header, which is then parsed too).
 */
export function syslogEnvelope(raw: RawRecord, module: string, dataset: string, requireHeader = false): SyslogEnvelope | undefined {
  const base = ecsBase(raw, { module, dataset });
  if (raw.tz && !raw.tz.includes('=')) setPath(base, 'event.timezone', raw.tz);
  if (raw.document) {
    const doc = cloneDocument(raw.document);
    const event = isPlainObject(doc.event) ? doc.event : {};
    doc.event = { ...event, ...(base.event as Record<string, unknown>), ...pick(event, ['created', 'timezone']) };
    doc.ecs = base.ecs;
    if (typeof doc['@timestamp'] !== 'string') doc['@timestamp'] = base['@timestamp'];
    const fromDoc = (paths: string[]): unknown => paths.map((p) => getPath(raw.document as EcsEvent, p)).find((v) => v !== undefined && v !== '');
    // journald's own process name (comm) wins over the syslog identifier, as in Elastic's journald pipelines.
    const name = fromDoc(['process.name', 'journald.process.name', 'log.syslog.appname', 'syslog.identifier']);
    const pid = fromDoc(['process.pid', 'log.syslog.procid', 'journald.pid', 'syslog.pid']);
    const host = fromDoc(['host.hostname', 'log.syslog.hostname']);
    if (typeof name === 'string') setPath(doc, 'process.name', name);
    const pidNum = typeof pid === 'number' ? pid : toInt(typeof pid === 'string' ? pid : undefined);
    if (pidNum !== undefined) setPath(doc, 'process.pid', pidNum);
    if (typeof host === 'string') setPath(doc, 'host.hostname', host);
    const header = parseSyslogHeader(raw.message, raw);
    if (header && (header.appname || header.format === 'rfc5424')) {
      applySyslogHeader(doc, header);
      doc.message = header.message;
      return { doc, message: header.message, header };
    }
    return { doc, message: raw.message };
  }
  const header = parseSyslogHeader(raw.message, raw);
  if (!header) return requireHeader ? undefined : { doc: base, message: raw.message };
  applySyslogHeader(base, header);
  base.message = header.message;
  return { doc: base, message: header.message, header };
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
