// FortiGate key=value syslog (traffic, utm, dns, event types) → ECS, mirroring Elastic's
// fortinet_fortigate.log pipelines; unmapped keys stay under fortinet.firewall.*.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { defaultZoneOf } from '../normalise/time.ts';
import {
  baseEvent,
  fillRelatedB,
  isIp,
  parseFailure,
  put,
  putPort,
  putSyslogPriority,
  toInt,
  transportName,
} from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, isKnownZone, parseIsoLike } from './zoned-time.ts';

const DATASET = 'fortinet_fortigate.log';

/**
 * Splits FortiGate's `k=v k="quoted value"` list. A backslash-escaped quote stays inside the
 * value (with its backslash, as FortiGate wrote it); keys with non-word characters are dropped.
 */
export function splitFortinetPairs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && text[i] === ' ') i++;
    const keyStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ' ') i++;
    const key = text.slice(keyStart, i);
    if (text[i] !== '=') continue;
    i++;
    let value = '';
    if (text[i] === '"') {
      i++;
      const start = i;
      while (i < n && text[i] !== '"') i += text[i] === '\\' && i + 1 < n ? 2 : 1;
      value = text.slice(start, i);
      i++;
    } else {
      const start = i;
      while (i < n && text[i] !== ' ') i++;
      value = text.slice(start, i);
    }
    if (key !== '' && /^\w+$/.test(key) && value !== 'N/A') out.set(key, value);
  }
  return out;
}

const PRIVATE_V4: [number, number][] = [
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
];

function ipv4ToInt(ip: string): number | undefined {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

/** Elastic's `private` named network: RFC 1918 and IPv6 unique-local addresses. */
export function isPrivateIp(ip: string): boolean {
  if (ip.includes(':')) return /^f[cd][0-9a-f]{2}:/i.test(ip);
  const n = ipv4ToInt(ip);
  if (n === undefined) return false;
  return PRIVATE_V4.some(([net, bits]) => n >>> (32 - bits) === net >>> (32 - bits));
}

function directionFromNetworks(src: unknown, dst: unknown): string | undefined {
  if (typeof src !== 'string' || typeof dst !== 'string' || !isIp(src) || !isIp(dst)) return undefined;
  const si = isPrivateIp(src);
  const di = isPrivateIp(dst);
  if (si && di) return 'internal';
  if (si && !di) return 'outbound';
  if (!si && di) return 'inbound';
  return 'external';
}

/** FortiGate's own tz field ('-0500', 'UTC+1:00', '+0100') as an offset. */
function normaliseZone(tz: string): string | undefined {
  const m = /^(?:[A-Z]{1,4})?([+-])(\d{1,2}):?(\d{2})$/.exec(tz.trim());
  if (m) return `${m[1]}${m[2].padStart(2, '0')}:${m[3]}`;
  return isKnownZone(tz) ? tz : undefined;
}

type Kv = Map<string, string>;

function take(kv: Kv, used: Set<string>, key: string): string | undefined {
  const v = kv.get(key);
  if (v === undefined || v === '') return undefined;
  used.add(key);
  return v;
}

function appendType(doc: EcsEvent, ...types: string[]): void {
  const cur = (getPath(doc, 'event.type') as string[] | undefined) ?? [];
  for (const t of types) if (!cur.includes(t)) cur.push(t);
  setPath(doc, 'event.type', cur);
}

function appendCategory(doc: EcsEvent, ...cats: string[]): void {
  const cur = (getPath(doc, 'event.category') as string[] | undefined) ?? [];
  for (const c of cats) if (!cur.includes(c)) cur.push(c);
  setPath(doc, 'event.category', cur);
}

function putUrl(doc: EcsEvent, url: string | undefined): void {
  if (!url) return;
  const q = url.indexOf('?');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      put(doc, 'url.original', url);
      put(doc, 'url.scheme', u.protocol.replace(/:$/, ''));
      put(doc, 'url.domain', u.hostname);
      put(doc, 'url.path', u.pathname);
      put(doc, 'url.query', u.search.replace(/^\?/, ''));
      return;
    } catch {
      // not a URL after all: keep it as a path below
    }
  }
  put(doc, 'url.path', q >= 0 ? url.slice(0, q) : url);
  if (q >= 0) put(doc, 'url.query', url.slice(q + 1));
}

function traffic(doc: EcsEvent, kv: Kv, used: Set<string>): void {
  const g = (k: string) => take(kv, used, k);
  const action = kv.get('action');
  put(doc, 'event.action', action);
  if (action) setPath(doc, 'event.outcome', 'success');
  appendCategory(doc, 'network');
  appendType(doc, 'connection');
  if (action === 'start') appendType(doc, 'start');
  else if (action) appendType(doc, 'end');
  if (kv.get('app') && action !== 'deny') appendType(doc, 'protocol');
  if (kv.get('utmaction') === undefined && action !== 'deny') appendType(doc, 'allowed');
  if (kv.get('utmaction') === 'block' || action === 'deny') appendType(doc, 'denied');
  put(doc, 'destination.ip', g('dstip'));
  const tranip = g('tranip');
  if (tranip && isIp(tranip)) put(doc, 'destination.nat.ip', tranip);
  putPort(doc, 'destination.port', g('dstport'));
  putPort(doc, 'destination.nat.port', g('tranport'));
  put(doc, 'destination.bytes', toInt(g('rcvdbyte')));
  put(doc, 'destination.packets', toInt(g('rcvdpkt')));
  put(doc, 'destination.address', g('dstname'));
  put(doc, 'destination.user.name', g('dstunauthuser'));
  put(doc, 'source.user.group.name', g('group'));
  put(doc, 'source.bytes', toInt(g('sentbyte')));
  put(doc, 'source.domain', g('srcdomain'));
  put(doc, 'source.ip', g('srcip'));
  put(doc, 'source.mac', g('srcmac'));
  putPort(doc, 'source.port', g('srcport'));
  put(doc, 'source.user.name', g('unauthuser') ?? g('user'));
  put(doc, 'source.packets', toInt(g('sentpkt')));
  const transip = g('transip');
  if (transip && isIp(transip)) put(doc, 'source.nat.ip', transip);
  putPort(doc, 'source.nat.port', g('transport'));
  put(doc, 'network.application', g('app'));
  put(doc, 'file.name', g('filename'));
  put(doc, 'rule.description', g('comment'));
  put(doc, 'rule.id', g('policyid'));
  put(doc, 'rule.uuid', g('poluuid'));
  put(doc, 'rule.ruleset', g('policytype'));
  put(doc, 'rule.name', g('policyname'));
  put(doc, 'rule.category', g('appcat')?.replace(/\./g, '-'));
  put(doc, 'threat.feed.name', g('srcthreatfeed'));
  putUrl(doc, g('url'));
}

function utm(doc: EcsEvent, kv: Kv, used: Set<string>): void {
  const g = (k: string) => take(kv, used, k);
  const action = kv.get('action');
  if (action === 'block' || action === 'blocked') appendType(doc, 'denied');
  if (kv.get('subtype') === 'dns') appendType(doc, 'info');
  if (action === 'pass' || action === 'passthrough') appendType(doc, 'allowed');
  if (action) setPath(doc, 'event.outcome', 'success');
  appendCategory(doc, 'network');
  put(doc, 'destination.ip', g('dstip') ?? g('remip'));
  putPort(doc, 'destination.port', g('dst_port') ?? g('remport') ?? g('dstport'));
  put(doc, 'destination.bytes', toInt(g('rcvdbyte')));
  put(doc, 'email.to.address', g('recipient') ? [kv.get('recipient')] : undefined);
  put(doc, 'source.user.group.name', g('group'));
  put(doc, 'source.ip', g('locip') ?? g('srcip'));
  putPort(doc, 'source.port', g('locport') ?? g('src_port') ?? g('srcport'));
  put(doc, 'source.bytes', toInt(g('sentbyte')));
  put(doc, 'source.domain', g('srcdomain'));
  put(doc, 'http.request.method', g('httpmethod'));
  put(doc, 'http.request.referrer', g('referralurl'));
  put(doc, 'source.mac', g('srcmac'));
  put(doc, 'source.user.name', g('unauthuser') ?? g('user'));
  put(doc, 'email.from.address', g('from') ? [kv.get('from')] : undefined);
  put(doc, 'user_agent.original', g('agent'));
  put(doc, 'network.application', g('app'));
  put(doc, 'rule.category', (g('appcat') ?? g('catdesc'))?.replace(/\./g, '-'));
  put(doc, 'rule.ruleset', g('applist') ?? g('profile'));
  put(doc, 'event.code', g('errorcode'));
  put(doc, 'event.id', g('event_id') ?? g('eventid'));
  put(doc, 'file.name', g('filename') ?? g('infectedfilename') ?? g('matchedfilename'));
  put(doc, 'file.size', toInt(g('filesize') ?? g('infectedfilesize')));
  put(doc, 'file.extension', g('filetype') ?? g('infectedfiletype') ?? g('matchedfiletype'));
  put(doc, 'url.domain', g('hostname'));
  const ips = g('ipaddr');
  if (ips) setPath(doc, 'dns.resolved_ip', ips.split(/,\s*/));
  put(doc, 'rule.id', g('policy_id') ?? g('policyid'));
  put(doc, 'dns.question.class', g('qclass'));
  put(doc, 'dns.question.name', g('qname'));
  put(doc, 'dns.question.type', g('qtype'));
  put(doc, 'dns.id', g('xid'));
  putUrl(doc, g('url'));
  put(doc, 'tls.client.server_name', g('sni'));
  if (getPath(doc, 'destination.domain') === undefined) put(doc, 'destination.domain', kv.get('sni'));
  put(doc, 'tls.cipher', g('cipher'));
  put(doc, 'tls.curve', g('kxcurve'));
  put(doc, 'tls.server.issuer', g('scertissuer') ?? g('issuer'));
  put(doc, 'tls.server.hash.sha1', g('certhash'));
  const tlsver = g('tlsver');
  if (tlsver) {
    const m = /^([a-z]+)v?(\d+(?:\.\d+)?)/i.exec(tlsver);
    if (m) {
      put(doc, 'tls.version_protocol', m[1].toLowerCase());
      put(doc, 'tls.version', m[2].includes('.') ? m[2] : `${m[2]}.0`);
    }
  }
  put(doc, 'event.reference', g('ref'));
  const dtype = g('dtype');
  if (dtype) setPath(doc, 'vulnerability.category', [dtype]);
}

function eventType(doc: EcsEvent, kv: Kv, used: Set<string>): void {
  const g = (k: string) => take(kv, used, k);
  const action = kv.get('action');
  const subtype = kv.get('subtype');
  if (kv.get('result') === 'ERROR' || kv.get('status') === 'negotiate_error') setPath(doc, 'event.outcome', 'failure');
  if (kv.get('result') === 'OK' || ['FSSO-logon', 'auth-logon', 'FSSO-logoff', 'auth-logout'].includes(action ?? ''))
    setPath(doc, 'event.outcome', 'success');
  if (action === 'FSSO-logon' || action === 'auth-logon') appendType(doc, 'start');
  if (action === 'FSSO-logoff' || action === 'auth-logout') appendType(doc, 'end');
  if (subtype === 'vpn') {
    appendType(doc, 'connection');
    appendCategory(doc, 'network');
  }
  if (action === 'perf-stats') {
    appendType(doc, 'info');
    appendCategory(doc, 'host');
  }
  if (subtype === 'update') {
    appendType(doc, 'info');
    appendCategory(doc, 'host', 'malware');
  }
  if (subtype === 'user') appendCategory(doc, 'authentication');
  put(doc, 'destination.ip', g('dstip') ?? g('remip'));
  putPort(doc, 'destination.port', g('dstport') ?? g('remport'));
  put(doc, 'destination.bytes', toInt(g('rcvdbyte')));
  put(doc, 'destination.address', g('daddr') ?? g('dst_host'));
  put(doc, 'source.user.group.name', g('group'));
  put(doc, 'source.bytes', toInt(g('sentbyte')));
  put(doc, 'source.ip', g('srcip') ?? g('locip'));
  put(doc, 'source.mac', g('srcmac') ?? g('source_mac'));
  putPort(doc, 'source.port', g('srcport') ?? g('locport'));
  put(doc, 'source.user.name', g('user'));
  put(doc, 'source.address', g('saddr'));
  put(doc, 'user_agent.original', g('agent'));
  put(doc, 'file.name', g('file'));
  put(doc, 'file.size', toInt(g('filesize')));
  put(doc, 'rule.id', g('policyid'));
  put(doc, 'error.code', g('error_num'));
  put(doc, 'rule.description', g('logdesc'));
  putUrl(doc, g('url'));
  put(doc, 'url.domain', g('hostname'));
  if (subtype === 'vpn') {
    put(doc, 'source.user.name', kv.get('xauthuser') ?? kv.get('eapuser'));
    // For VPN logs remip (the client) is the source and locip (the firewall) the destination.
    const src = (getPath(doc, 'source') as EcsEvent | undefined) ?? {};
    const dst = (getPath(doc, 'destination') as EcsEvent | undefined) ?? {};
    const user = src.user;
    delete src.user;
    if (user !== undefined) dst.user = user;
    if (Object.keys(dst).length) setPath(doc, 'source', dst);
    else delete doc.source;
    if (Object.keys(src).length) setPath(doc, 'destination', src);
    else delete doc.destination;
  }
}

function login(doc: EcsEvent, kv: Kv, message: string): void {
  if (getPath(doc, 'event.action') === undefined) setPath(doc, 'event.action', 'login');
  appendCategory(doc, 'authentication');
  const suser = getPath(doc, 'source.user.name');
  if (typeof suser === 'string') setPath(doc, 'user.name', suser);
  const from = kv.get('userfrom');
  const json = from ? /^JSON\(([^)]+)\)/.exec(from) : null;
  if (json) put(doc, 'source.ip', json[1]);
  let outcome: string | undefined;
  const desc = kv.get('desc');
  const d = desc ? /^User login\/logout (\S+)/.exec(desc) : null;
  if (d && message.startsWith('user')) outcome = d[1];
  const ssh = /^Login from ssh: (\S+) for (\S+) from (\S+) port (\d+)/.exec(message);
  if (ssh) {
    outcome = ssh[1];
    put(doc, 'user.name', ssh[2]);
    put(doc, 'source.ip', ssh[3]);
    putPort(doc, 'source.port', ssh[4]);
  }
  const admin =
    /^(\S+) (\S+) login (\S+) from [^(]*\(([^)]+)\)/.exec(message) ??
    /^(\S+) (\S+) logged in (\S+) from [^(]*\(([^)]+)\)/i.exec(message);
  if (message.startsWith('Administrator') && admin) {
    setPath(doc, 'user.roles', [admin[1]]);
    put(doc, 'user.name', admin[2]);
    outcome = admin[3];
    put(doc, 'source.ip', admin[4]);
  }
  if (outcome?.toLowerCase().startsWith('fail')) setPath(doc, 'event.outcome', 'failure');
  else if (outcome?.toLowerCase().startsWith('success')) setPath(doc, 'event.outcome', 'success');
  const prof = kv.get('adminprof');
  if (prof) {
    setPath(doc, 'user.roles', [prof]);
    setPath(doc, 'source.user.roles', [prof]);
  }
}

export function parseFortigate(raw: RawRecord): ParseResult {
  const m = /^(?:<(\d{1,3})>\s*)?(?:\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(?:-|\[.*?\])\s+)?([\s\S]*)$/.exec(raw.message);
  const body = (m?.[2] ?? raw.message).replace(/[\u0000-\u001F\u007F]/g, '');
  const start = body.search(/\b(?:date|logver|devname|logid|eventtime)=/);
  const kv = splitFortinetPairs(start > 0 ? body.slice(start) : body);
  if (!kv.has('type') && !kv.has('logid') && !kv.has('devname')) {
    return parseFailure(raw, DATASET, 'no FortiGate key=value fields (type=, logid=, devname=)');
  }
  const doc = baseEvent(raw, 'fortinet_fortigate', DATASET);
  if (m?.[1]) putSyslogPriority(doc, Number(m[1]));
  const used = new Set<string>();
  const g = (k: string) => take(kv, used, k);
  setPath(doc, 'observer.vendor', 'Fortinet');
  setPath(doc, 'observer.product', 'Fortigate');
  setPath(doc, 'observer.type', 'firewall');

  const tzField = g('tz');
  const zone = (tzField && normaliseZone(tzField)) ?? defaultZoneOf(raw.tz) ?? 'UTC';
  setPath(doc, 'event.timezone', tzField ?? zone);
  const date = g('date');
  const time = g('time');
  if (date && time) {
    const t = parseIsoLike(`${date} ${time}`, zone);
    if (t !== undefined) setPath(doc, '@timestamp', formatInZone(t, zone));
  }
  const eventtime = g('eventtime');
  if (eventtime && /^\d+$/.test(eventtime)) {
    const digits = eventtime.length > 18 ? eventtime.slice(0, -6) : eventtime;
    const ms = digits.length > 11 ? Number(digits) : Number(digits) * 1000;
    setPath(doc, 'event.start', formatInZone(ms, zone));
  }
  put(doc, 'observer.name', g('devname'));
  put(doc, 'observer.serial_number', g('devid'));
  const duration = toInt(g('duration'));
  if (duration !== undefined) setPath(doc, 'event.duration', duration * 1_000_000_000);
  put(doc, 'observer.egress.interface.name', g('dstintf') ?? g('dst_int'));
  put(doc, 'observer.ingress.interface.name', g('srcintf') ?? g('src_int'));
  put(doc, 'log.level', g('level'));
  put(doc, 'email.subject', kv.get('subject'));
  const srcname = g('srcname');
  if (srcname) setPath(doc, 'host.name', srcname.toLowerCase());
  const message = g('msg');
  put(doc, 'message', message);
  const dstmac = g('dstmac');
  if (dstmac) setPath(doc, 'destination.mac', dstmac.replace(/:/g, '-').toUpperCase());
  put(doc, 'event.code', g('logid'));

  const type = kv.get('type');
  setPath(doc, 'event.kind', 'event');
  if (type === 'event') eventType(doc, kv, used);
  const lower = (message ?? '').toLowerCase();
  if (lower.includes('login') || lower.includes('logged in')) login(doc, kv, message ?? '');
  if (type === 'traffic') traffic(doc, kv, used);
  if (type === 'utm' || type === 'dns') utm(doc, kv, used);

  if (getPath(doc, 'event.action') === undefined) put(doc, 'event.action', g('eventtype'));
  if (getPath(doc, 'event.reason') === undefined) put(doc, 'event.reason', g('reason') ?? g('eventsubtype'));
  let direction = getPath(doc, 'network.direction') as string | undefined;
  if (direction === undefined) direction = g('dir') ?? g('direction');
  if (direction === undefined) direction = directionFromNetworks(getPath(doc, 'source.ip'), getPath(doc, 'destination.ip'));
  if (direction !== undefined) {
    const d = direction.toLowerCase();
    const norm = d === 'outgoing' ? 'outbound' : d === 'incoming' ? 'inbound' : d;
    setPath(
      doc,
      'network.direction',
      ['ingress', 'egress', 'inbound', 'outbound', 'internal', 'external'].includes(norm) ? norm : 'unknown',
    );
  }
  const iface = g('interface');
  const dir = getPath(doc, 'network.direction');
  if (iface && ['ingress', 'inbound', 'internal'].includes(String(dir)))
    put(doc, 'observer.ingress.interface.name', iface);
  else if (iface && ['egress', 'outbound', 'external'].includes(String(dir)))
    put(doc, 'observer.egress.interface.name', iface);

  const proto = g('proto');
  if (proto) {
    setPath(doc, 'network.iana_number', proto);
    const name = proto === '0' ? 'hopopt' : transportName(Number(proto));
    if (name) setPath(doc, 'network.transport', name);
  }
  const service = g('service');
  if (service) setPath(doc, 'network.protocol', service.toLowerCase());
  const sb = getPath(doc, 'source.bytes');
  const db = getPath(doc, 'destination.bytes');
  if (typeof sb === 'number' && typeof db === 'number') setPath(doc, 'network.bytes', sb + db);
  const sp = getPath(doc, 'source.packets');
  const dp = getPath(doc, 'destination.packets');
  if (typeof sp === 'number' && typeof dp === 'number') setPath(doc, 'network.packets', sp + dp);
  const smac = getPath(doc, 'source.mac');
  if (typeof smac === 'string') setPath(doc, 'source.mac', smac.toUpperCase().replace(/[:.]/g, '-'));

  for (const k of ['date', 'time', 'tz', 'eventtime', 'devid', 'duration']) used.add(k);
  for (const [k, v] of kv) {
    if (used.has(k)) continue;
    setPath(doc, `fortinet.firewall.${k}`, v);
  }
  fillRelatedB(doc);
  for (const ip of [kv.get('ip'), kv.get('assignip'), kv.get('tunnelip'), ...((getPath(doc, 'dns.resolved_ip') as string[]) ?? [])]) {
    if (!ip || !isIp(ip)) continue;
    const list = (getPath(doc, 'related.ip') as string[] | undefined) ?? [];
    if (!list.includes(ip)) setPath(doc, 'related.ip', [...list, ip]);
  }
  return { ok: true, events: [doc] };
}

export const fortigateParser: Parser = {
  dataset: DATASET,
  parse: parseFortigate,
  detect: (line) => /\bdate=\d{4}-\d{2}-\d{2}\b/.test(line) && /\b(?:devname|devid|logid)=/.test(line),
};
