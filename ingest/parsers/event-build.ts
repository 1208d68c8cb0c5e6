// Small builders the group-B parsers share: the base document, address/ip splitting,
// IANA protocol numbers, related.* collection and the uniform parse-failure result.
import { isIP } from 'node:net';
import { type EcsEvent, getPath, pathReader, setPath } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import { ECS_VERSION, ecsBase } from '../normalise/ecs-build.ts';
import type { ParseResult, RawRecord } from './types.ts';

export { ECS_VERSION };

/** The document every parser starts from: event.original, module/dataset, kind, @timestamp = receivedAt. */
export function baseEvent(raw: RawRecord, module: string, dataset: string): EcsEvent {
  return ecsBase(raw, { module, dataset });
}

export function parseFailure(raw: RawRecord, dataset: string, what: string, path?: string): ParseResult {
  const head = raw.message.length > 80 ? `${raw.message.slice(0, 80)}` : raw.message;
  return {
    ok: false,
    error: new VigilError('INGEST_PARSE', `${raw.source}: ${dataset}: ${what} (got "${head}")`, {
      source: raw.source,
      ...(path ? { path } : {}),
    }),
  };
}

/** Whether `put` would write the value: not undefined, null or ''. */
export function hasValue<T>(v: T | undefined | null | ''): v is T {
  return v !== undefined && v !== null && v !== '';
}

/** Sets `path` only when the value carries information (not undefined, null or ''). */
export function put(doc: EcsEvent, path: string, value: unknown): void {
  if (hasValue(value)) setPath(doc, path, value);
}

export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim())) return undefined;
  const n = Number(v.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isIp(s: string): boolean {
  return isIP(s) !== 0;
}

/** `<prefix>.address` plus `.ip` when it is an IP address, otherwise `.domain` (as Elastic's pipelines do). */
export function putAddress(doc: EcsEvent, prefix: string, address: string | undefined): void {
  if (!address) return;
  setPath(doc, `${prefix}.address`, address);
  if (isIp(address)) setPath(doc, `${prefix}.ip`, address);
  else setPath(doc, `${prefix}.domain`, address);
}

export function putPort(doc: EcsEvent, path: string, value: unknown): void {
  const n = toInt(value);
  if (n !== undefined && n >= 0 && n <= 65535) setPath(doc, path, n);
}

const IANA: Record<string, number> = {
  icmp: 1, igmp: 2, ipv4: 4, tcp: 6, egp: 8, igp: 9, pup: 12, udp: 17, rdp: 27, irtp: 28, dccp: 33, idpr: 35,
  ipv6: 41, 'ipv6-route': 43, 'ipv6-frag': 44, rsvp: 46, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, eigrp: 88, ospf: 89, pim: 103, vrrp: 112, l2tp: 115, sctp: 132,
};
const IANA_NAMES = new Map(Object.entries(IANA).map(([k, v]) => [v, k]));

export function ianaNumber(transport: string): number | undefined {
  return IANA[transport.toLowerCase()];
}

export function transportName(iana: number): string | undefined {
  return IANA_NAMES.get(iana);
}

/** network.transport (lower-case) and network.iana_number (a string, as Elastic stores it) from a name or number. */
export function putTransport(doc: EcsEvent, value: string | number | undefined): void {
  if (value === undefined || value === '') return;
  const text = String(value).toLowerCase();
  if (/^\d+$/.test(text)) {
    const name = transportName(Number(text));
    setPath(doc, 'network.iana_number', text);
    if (name) setPath(doc, 'network.transport', name);
    return;
  }
  const name = text === 'icmpv6' || text === 'icmp6' ? 'ipv6-icmp' : text;
  setPath(doc, 'network.transport', name);
  const n = ianaNumber(name);
  if (n !== undefined) setPath(doc, 'network.iana_number', String(n));
}

const SYSLOG_LEVELS = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'debug'];

export function putSyslogPriority(doc: EcsEvent, priority: number): void {
  setPath(doc, 'log.syslog.priority', priority);
  setPath(doc, 'log.syslog.severity.code', priority & 7);
  setPath(doc, 'log.syslog.facility.code', priority >> 3);
}

export function syslogLevelName(severity: number): string | undefined {
  return SYSLOG_LEVELS[severity];
}

function appendUnique(doc: EcsEvent, path: string, values: unknown[]): void {
  const list: unknown[] = [];
  const existing = getPath(doc, path);
  if (Array.isArray(existing)) list.push(...existing);
  for (const v of values) {
    if (typeof v !== 'string' || v === '' || v === '-' || list.includes(v)) continue;
    list.push(v);
  }
  if (list.length > 0) setPath(doc, path, list);
}

function strings(read: (path: string) => unknown, paths: string[]): unknown[] {
  const out: unknown[] = [];
  for (const p of paths) {
    const v = read(p);
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out;
}

/** Fills related.ip / related.user / related.hosts from the usual ECS places, deduplicated. */
export function fillRelatedB(doc: EcsEvent): EcsEvent {
  const read = pathReader(doc);
  const ips = strings(read, [
    'source.ip', 'source.nat.ip', 'destination.ip', 'destination.nat.ip', 'client.ip', 'server.ip', 'host.ip',
  ]).filter((v) => typeof v === 'string' && isIp(v));
  appendUnique(doc, 'related.ip', ips);
  const users = strings(read, [
    'user.name', 'source.user.name', 'destination.user.name', 'server.user.name', 'client.user.name',
    'user.target.name', 'user.effective.name',
  ]).filter((v) => v !== '*****');
  appendUnique(doc, 'related.user', users);
  appendUnique(
    doc,
    'related.hosts',
    strings(read, ['host.hostname', 'host.name', 'observer.hostname', 'destination.domain', 'source.domain']),
  );
  return doc;
}
