// ArcSight Common Event Format (CEF:0/1, optionally behind a syslog header) → ECS, using the
// extension key → ECS field table of Elastic's CEF decoder; every extension is also kept under
// cef.extensions.<full key name>.
import { getPath, setPath } from '../../core/ecs.ts';
import { baseEvent, fillRelatedB, isIp, parseFailure, put, toInt } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, localToEpoch, monthNumber, parseIsoLike } from './zoned-time.ts';
import { defaultZoneOf } from '../normalise/time.ts';

const DATASET = 'cef';

/** Splits the 7 header fields; `\|` and `\\` are escapes inside them. */
function splitHeader(text: string): { fields: string[]; rest: string } | undefined {
  const fields: string[] = [];
  let cur = '';
  let i = 0;
  while (i < text.length && fields.length < 7) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      cur += text[i + 1];
      i += 2;
    } else if (c === '|') {
      fields.push(cur);
      cur = '';
      i++;
    } else {
      cur += c;
      i++;
    }
  }
  if (fields.length < 7) return undefined;
  return { fields, rest: text.slice(i) };
}

function unescapeValue(v: string): string {
  return v.replace(/\\([\\=nr|])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/**
 * Extension `k1=v1 k2=v with spaces k3=v3`: a value runs until the space before the next
 * unescaped `key=`; `\=` and `\\` are escapes.
 */
export function parseCefExtension(text: string): [string, string][] {
  const out: [string, string][] = [];
  const keyRe = /(?:^|\s)([\w.\-[\]]+)=/g;
  const starts: { key: string; keyStart: number; valueStart: number }[] = [];
  for (const m of text.matchAll(keyRe)) {
    const eq = (m.index ?? 0) + m[0].length - 1;
    // An escaped '=' (`\=`) is part of a value, not a key separator.
    if (text[eq - 1] === '\\') continue;
    const keyStart = eq - m[1].length;
    if (keyStart > 0 && text[keyStart - 1] === '\\') continue;
    starts.push({ key: m[1], keyStart, valueStart: eq + 1 });
  }
  starts.forEach((s, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].keyStart : text.length;
    out.push([s.key, unescapeValue(text.slice(s.valueStart, end).replace(/\s+$/, ''))]);
  });
  return out;
}

// Short ArcSight names and their full dictionary names.
const FULL_NAMES: Record<string, string> = {
  act: 'deviceAction', app: 'applicationProtocol', c6a1: 'deviceCustomIPv6Address1', c6a2: 'deviceCustomIPv6Address2',
  c6a3: 'deviceCustomIPv6Address3', c6a4: 'deviceCustomIPv6Address4', cat: 'deviceEventCategory',
  cfp1: 'deviceCustomFloatingPoint1', cfp2: 'deviceCustomFloatingPoint2', cfp3: 'deviceCustomFloatingPoint3',
  cfp4: 'deviceCustomFloatingPoint4', cn1: 'deviceCustomNumber1', cn2: 'deviceCustomNumber2', cn3: 'deviceCustomNumber3',
  cnt: 'baseEventCount', cs1: 'deviceCustomString1', cs2: 'deviceCustomString2', cs3: 'deviceCustomString3',
  cs4: 'deviceCustomString4', cs5: 'deviceCustomString5', cs6: 'deviceCustomString6', dhost: 'destinationHostName',
  dmac: 'destinationMacAddress', dntdom: 'destinationNtDomain', dpid: 'destinationProcessId',
  dpriv: 'destinationUserPrivileges', dproc: 'destinationProcessName', dpt: 'destinationPort', dst: 'destinationAddress',
  duid: 'destinationUserId', duser: 'destinationUserName', dvc: 'deviceAddress', dvchost: 'deviceHostName',
  dvcmac: 'deviceMacAddress', dvcpid: 'deviceProcessId', end: 'endTime', fname: 'fileName', fsize: 'fileSize',
  in: 'bytesIn', msg: 'message', out: 'bytesOut', outcome: 'eventOutcome', proto: 'transportProtocol',
  request: 'requestUrl', rt: 'deviceReceiptTime', shost: 'sourceHostName', smac: 'sourceMacAddress',
  sntdom: 'sourceNtDomain', spid: 'sourceProcessId', spriv: 'sourceUserPrivileges', sproc: 'sourceProcessName',
  spt: 'sourcePort', src: 'sourceAddress', start: 'startTime', suid: 'sourceUserId', suser: 'sourceUserName',
  dlat: 'destinationLatitude', dlong: 'destinationLongitude', slat: 'sourceLatitude', slong: 'sourceLongitude',
  deviceTranslatedAddress: 'deviceTranslatedAddress',
};

type Conv = 'ip' | 'int' | 'time' | 'mac' | 'string' | 'lower';

/** Full extension name → ECS field (Elastic's CEF decoder mapping). */
const ECS: Record<string, [string, Conv]> = {
  deviceAction: ['event.action', 'string'],
  applicationProtocol: ['network.protocol', 'lower'],
  destinationHostName: ['destination.domain', 'string'],
  destinationMacAddress: ['destination.mac', 'mac'],
  destinationNtDomain: ['destination.registered_domain', 'string'],
  destinationProcessId: ['destination.process.pid', 'int'],
  destinationProcessName: ['destination.process.name', 'string'],
  destinationPort: ['destination.port', 'int'],
  destinationAddress: ['destination.ip', 'ip'],
  destinationUserId: ['destination.user.id', 'string'],
  destinationUserName: ['destination.user.name', 'string'],
  destinationTranslatedAddress: ['destination.nat.ip', 'ip'],
  destinationTranslatedPort: ['destination.nat.port', 'int'],
  deviceAddress: ['observer.ip', 'ip'],
  deviceHostName: ['observer.hostname', 'string'],
  deviceMacAddress: ['observer.mac', 'mac'],
  deviceProcessId: ['process.pid', 'int'],
  deviceProcessName: ['process.name', 'string'],
  deviceExternalId: ['observer.name', 'string'],
  deviceInboundInterface: ['observer.ingress.interface.name', 'string'],
  deviceOutboundInterface: ['observer.egress.interface.name', 'string'],
  endTime: ['event.end', 'time'],
  startTime: ['event.start', 'time'],
  fileName: ['file.name', 'string'],
  filePath: ['file.path', 'string'],
  fileSize: ['file.size', 'int'],
  fileHash: ['file.hash.sha256', 'string'],
  bytesIn: ['source.bytes', 'int'],
  bytesOut: ['destination.bytes', 'int'],
  message: ['message', 'string'],
  eventOutcome: ['event.outcome', 'lower'],
  transportProtocol: ['network.transport', 'lower'],
  requestUrl: ['url.original', 'string'],
  requestClientApplication: ['user_agent.original', 'string'],
  requestMethod: ['http.request.method', 'string'],
  requestContext: ['http.request.referrer', 'string'],
  deviceReceiptTime: ['@timestamp', 'time'],
  sourceHostName: ['source.domain', 'string'],
  sourceMacAddress: ['source.mac', 'mac'],
  sourceNtDomain: ['source.registered_domain', 'string'],
  sourceProcessId: ['source.process.pid', 'int'],
  sourceProcessName: ['source.process.name', 'string'],
  sourcePort: ['source.port', 'int'],
  sourceAddress: ['source.ip', 'ip'],
  sourceUserId: ['source.user.id', 'string'],
  sourceUserName: ['source.user.name', 'string'],
  sourceTranslatedAddress: ['source.nat.ip', 'ip'],
  sourceTranslatedPort: ['source.nat.port', 'int'],
  reason: ['event.reason', 'string'],
  externalId: ['event.id', 'string'],
};

const SEVERITY_WORDS: Record<string, number> = { low: 0, medium: 4, high: 7, 'very-high': 9, 'very high': 9 };

/** CEF times: epoch milliseconds, `MMM dd yyyy HH:mm:ss(.SSS)( zone)`, `MMM dd HH:mm:ss`, or ISO 8601. */
export function parseCefTime(v: string, tz: string, receivedAt: Date): string | undefined {
  if (/^\d{10,13}$/.test(v)) return formatInZone(v.length === 13 ? Number(v) : Number(v) * 1000);
  const m = /^([A-Za-z]{3}) (\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?: (\S+))?$/.exec(v.trim());
  if (m) {
    const month = monthNumber(m[1]);
    if (month === undefined) return undefined;
    const zone = m[8] ?? tz;
    const year = m[3] ? Number(m[3]) : receivedAt.getUTCFullYear();
    const t = localToEpoch(
      { year, month, day: Number(m[2]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millis: m[7] ? Number(m[7].padEnd(3, '0')) : 0 },
      zone,
    );
    return formatInZone(t);
  }
  const t = parseIsoLike(v, tz);
  return t === undefined ? undefined : formatInZone(t);
}

export function parseCef(raw: RawRecord): ParseResult {
  const at = raw.message.indexOf('CEF:');
  if (at < 0) return parseFailure(raw, DATASET, 'no "CEF:" header');
  const header = splitHeader(raw.message.slice(at + 4));
  if (!header) return parseFailure(raw, DATASET, 'CEF header has fewer than 7 |-separated fields');
  const [version, vendor, product, devVersion, classId, name, severity] = header.fields;
  const doc = baseEvent(raw, 'cef', DATASET);
  const tz = defaultZoneOf(raw.tz) ?? 'UTC';
  setPath(doc, 'cef.version', version);
  put(doc, 'cef.device.vendor', vendor);
  put(doc, 'cef.device.product', product);
  put(doc, 'cef.device.version', devVersion);
  put(doc, 'cef.device.event_class_id', classId);
  put(doc, 'cef.name', name);
  put(doc, 'cef.severity', severity);
  put(doc, 'observer.vendor', vendor);
  put(doc, 'observer.product', product);
  put(doc, 'observer.version', devVersion);
  put(doc, 'event.code', classId);
  put(doc, 'message', name);
  const sev = toInt(severity) ?? SEVERITY_WORDS[severity.toLowerCase()];
  if (sev !== undefined) setPath(doc, 'event.severity', sev);

  // Syslog prefix: the relaying host.
  const prefix = raw.message.slice(0, at).trim();
  const host = /(?:^|\s)([A-Za-z0-9][\w.-]*)\s*:?$/.exec(prefix);
  if (host && !/^\d{2}:\d{2}:\d{2}$/.test(host[1]) && !/^<\d+>/.test(host[1])) put(doc, 'observer.hostname', host[1]);

  for (const [key, value] of parseCefExtension(header.rest)) {
    // Labels (cs1Label …) keep their short name: the dictionary has no long form for them.
    const full = FULL_NAMES[key] ?? key;
    setPath(doc, `cef.extensions.${full}`, value);
    const mapping = ECS[full];
    if (!mapping || value === '') continue;
    const [field, conv] = mapping;
    switch (conv) {
      case 'ip':
        if (isIp(value)) setPath(doc, field, value);
        break;
      case 'int': {
        const n = toInt(value);
        if (n !== undefined) setPath(doc, field, n);
        break;
      }
      case 'time': {
        const t = parseCefTime(value, tz, raw.receivedAt);
        if (t) setPath(doc, field, t);
        break;
      }
      case 'mac':
        setPath(doc, field, value.toUpperCase().replace(/[:.]/g, '-'));
        break;
      case 'lower':
        setPath(doc, field, value.toLowerCase());
        break;
      default:
        setPath(doc, field, value);
    }
  }
  const dir = getPath(doc, 'cef.extensions.deviceDirection');
  if (dir === '0') setPath(doc, 'network.direction', 'inbound');
  else if (dir === '1') setPath(doc, 'network.direction', 'outbound');
  const outcome = getPath(doc, 'event.outcome');
  if (typeof outcome === 'string') {
    const o = /^(success|succeeded|allow|allowed|ok)/.test(outcome) ? 'success' : /^(fail|failure|failed|deny|denied|block)/.test(outcome) ? 'failure' : 'unknown';
    setPath(doc, 'event.outcome', o);
  }
  const sourceUser = getPath(doc, 'source.user.name');
  if (typeof sourceUser === 'string') setPath(doc, 'user.name', sourceUser);
  setPath(doc, 'event.kind', 'event');
  fillRelatedB(doc);
  return { ok: true, events: [doc] };
}

export const cefParser: Parser = {
  dataset: DATASET,
  parse: parseCef,
  detect: (line) => /(?:^|[\s:>])CEF:\d+\|/.test(line),
};
