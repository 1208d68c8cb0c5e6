// IBM QRadar Log Event Extended Format → ECS. LEEF 1.0 separates attributes with tabs; LEEF 2.0
// names its delimiter in the header (a character, `^`, or a hex code such as `x09`/`0x7C`).
// Predefined LEEF keys map to ECS; other attributes are kept as labels.
import { type EcsEvent, setPath } from '../../core/ecs.ts';
import { defaultZoneOf } from '../normalise/time.ts';
import { parseCefTime } from './cef.ts';
import { baseEvent, fillRelatedB, isIp, parseFailure, put, toInt } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, localToEpoch, monthNumber } from './zoned-time.ts';

const DATASET = 'leef';

type Conv = 'ip' | 'int' | 'string' | 'lower' | 'mac';
const ECS: Record<string, [string, Conv]> = {
  src: ['source.ip', 'ip'],
  dst: ['destination.ip', 'ip'],
  srcPort: ['source.port', 'int'],
  dstPort: ['destination.port', 'int'],
  srcPreNAT: ['source.ip', 'ip'],
  dstPreNAT: ['destination.ip', 'ip'],
  srcPostNAT: ['source.nat.ip', 'ip'],
  dstPostNAT: ['destination.nat.ip', 'ip'],
  srcPreNATPort: ['source.port', 'int'],
  dstPreNATPort: ['destination.port', 'int'],
  srcPostNATPort: ['source.nat.port', 'int'],
  dstPostNATPort: ['destination.nat.port', 'int'],
  usrName: ['user.name', 'string'],
  accountName: ['user.name', 'string'],
  domain: ['user.domain', 'string'],
  role: ['user.roles', 'string'],
  proto: ['network.transport', 'lower'],
  srcMAC: ['source.mac', 'mac'],
  dstMAC: ['destination.mac', 'mac'],
  srcBytes: ['source.bytes', 'int'],
  dstBytes: ['destination.bytes', 'int'],
  srcPackets: ['source.packets', 'int'],
  dstPackets: ['destination.packets', 'int'],
  totalPackets: ['network.packets', 'int'],
  identHostName: ['host.hostname', 'string'],
  identSrc: ['host.ip', 'ip'],
  url: ['url.original', 'string'],
  policy: ['rule.name', 'string'],
  action: ['event.action', 'string'],
  act: ['event.action', 'string'],
  resource: ['url.domain', 'string'],
  vSrc: ['source.ip', 'ip'],
  method: ['http.request.method', 'string'],
  userAgent: ['user_agent.original', 'string'],
  msg: ['message', 'string'],
  message: ['message', 'string'],
};

const IANA_NAMES: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '47': 'gre', '50': 'esp', '58': 'ipv6-icmp' };

/** The LEEF 2.0 delimiter field: a literal character or a hex code (`x09`, `0x09`, `\t`). */
export function leefDelimiter(spec: string): string {
  if (spec === '' || spec === '\\t') return '\t';
  const hex = /^(?:0x|x)([0-9a-f]{1,4})$/i.exec(spec);
  if (hex) return String.fromCharCode(Number.parseInt(hex[1], 16));
  return spec[0];
}

/** devTime with its devTimeFormat (Java SimpleDateFormat); the common QRadar patterns and epoch ms. */
function devTime(value: string, format: string | undefined, tz: string, receivedAt: Date): string | undefined {
  if (!format) return parseCefTime(value, tz, receivedAt);
  const f = format.trim();
  if (/^MMM dd yyyy HH:mm:ss(\.SSS)?( z| Z)?$/.test(f) || /^MMM d yyyy HH:mm:ss/.test(f)) return parseCefTime(value, tz, receivedAt);
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(value);
  if (m) {
    return formatInZone(
      localToEpoch(
        { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millis: m[7] ? Number(m[7].padEnd(3, '0')) : 0 },
        tz,
      ),
    );
  }
  const d = /^(\d{1,2})\/([A-Za-z]{3}|\d{1,2})\/(\d{4})[: ](\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (d) {
    const month = /^\d+$/.test(d[2]) ? Number(d[2]) : monthNumber(d[2]);
    if (month === undefined) return undefined;
    return formatInZone(
      localToEpoch({ year: Number(d[3]), month, day: Number(d[1]), hour: Number(d[4]), minute: Number(d[5]), second: Number(d[6]) }, tz),
    );
  }
  return parseCefTime(value, tz, receivedAt);
}

export function parseLeef(raw: RawRecord): ParseResult {
  const at = raw.message.indexOf('LEEF:');
  if (at < 0) return parseFailure(raw, DATASET, 'no "LEEF:" header');
  const body = raw.message.slice(at + 5);
  const parts = body.split('|');
  const version = parts[0];
  const v2 = version.startsWith('2');
  const headerCount = v2 ? 6 : 5;
  if (parts.length < headerCount) return parseFailure(raw, DATASET, `LEEF ${version} header needs ${headerCount} |-separated fields`);
  const [, vendor, product, prodVersion, eventId] = parts;
  let delimiter = '\t';
  let attrText: string;
  if (v2) {
    delimiter = leefDelimiter(parts[5]);
    attrText = parts.slice(6).join('|');
  } else {
    attrText = parts.slice(5).join('|');
    // Many LEEF 1.0 senders use spaces or '^' despite the spec: pick what actually separates pairs.
    if (!attrText.includes('\t')) delimiter = /\^\w+=/.test(attrText) ? '^' : ' ';
  }
  const doc: EcsEvent = baseEvent(raw, 'leef', DATASET);
  put(doc, 'observer.vendor', vendor);
  put(doc, 'observer.product', product);
  put(doc, 'observer.version', prodVersion);
  put(doc, 'event.code', eventId);
  const attrs: [string, string][] = [];
  if (delimiter === ' ') {
    // Space-delimited values may contain spaces: a value runs until the next ` key=`.
    const re = /(?:^|\s)(\w+)=/g;
    const starts = [...attrText.matchAll(re)].map((m) => ({ key: m[1], start: (m.index ?? 0) + m[0].length, at: m.index ?? 0 }));
    starts.forEach((s, i) => {
      attrs.push([s.key, attrText.slice(s.start, i + 1 < starts.length ? starts[i + 1].at : undefined).trim()]);
    });
  } else {
    for (const pair of attrText.split(delimiter)) {
      const eq = pair.indexOf('=');
      if (eq > 0) attrs.push([pair.slice(0, eq).trim(), pair.slice(eq + 1)]);
    }
  }
  const map = new Map(attrs);
  const tz = defaultZoneOf(raw.tz) ?? 'UTC';
  for (const [key, value] of attrs) {
    if (value === '') continue;
    const mapping = ECS[key];
    if (mapping) {
      const [field, conv] = mapping;
      if (conv === 'ip' && isIp(value)) setPath(doc, field, value);
      else if (conv === 'int' && toInt(value) !== undefined) setPath(doc, field, toInt(value));
      else if (conv === 'lower') setPath(doc, field, IANA_NAMES[value] ?? value.toLowerCase());
      else if (conv === 'mac') setPath(doc, field, value.toUpperCase().replace(/[:.]/g, '-'));
      else if (conv === 'string') setPath(doc, field, field === 'user.roles' ? [value] : value);
      continue;
    }
    if (key === 'devTime') {
      const t = devTime(value, map.get('devTimeFormat'), tz, raw.receivedAt);
      if (t) setPath(doc, '@timestamp', t);
      continue;
    }
    if (key === 'sev') {
      const n = toInt(value);
      if (n !== undefined) setPath(doc, 'event.severity', n);
      continue;
    }
    if (key === 'devTimeFormat') continue;
    setPath(doc, `labels.${key.replace(/[^\w-]/g, '_')}`, value);
  }
  setPath(doc, 'event.kind', 'event');
  fillRelatedB(doc);
  return { ok: true, events: [doc] };
}

export const leefParser: Parser = {
  dataset: DATASET,
  parse: parseLeef,
  detect: (line) => /(?:^|[\s:>])LEEF:[12]\.0\|/.test(line),
};
