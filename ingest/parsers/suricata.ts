// Suricata EVE JSON (alert, flow, dns, http, tls, fileinfo, anomaly, stats, ssh, smb …) → ECS,
// mirroring Elastic's suricata.eve pipeline; the EVE record itself is kept under suricata.eve.*.
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { baseEvent, fillRelatedB, isIp, parseFailure, put, toInt } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, parseIsoLike } from './zoned-time.ts';

const DATASET = 'suricata.eve';

interface TypeRule {
  kind?: string;
  category?: string[];
  type?: string[];
  protocol?: string;
}

const EVENT_TYPES: Record<string, TypeRule> = {
  alert: { kind: 'alert', category: ['network', 'intrusion_detection'] },
  dns: { type: ['protocol'], protocol: 'dns' },
  flow: { type: ['connection'] },
  ftp: { type: ['protocol'], protocol: 'ftp' },
  ftp_data: { type: ['protocol'], protocol: 'ftp' },
  http: { category: ['network', 'web'], type: ['access', 'protocol'], protocol: 'http' },
  http2: { category: ['network', 'web'], type: ['access', 'protocol'], protocol: 'http' },
  mqtt: { type: ['protocol'], protocol: 'mqtt' },
  smb: { type: ['protocol'], protocol: 'smb' },
  ssh: { type: ['protocol'], protocol: 'ssh' },
  stats: { kind: 'metric' },
  tftp: { type: ['protocol'], protocol: 'tftp' },
  tls: { type: ['protocol'], protocol: 'tls' },
  rdp: { type: ['protocol'], protocol: 'rdp' },
  rfb: { type: ['protocol'], protocol: 'rdp' },
};

function isoOrUndefined(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = parseIsoLike(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return t === undefined ? undefined : formatInZone(t);
}

function appendUnique(doc: EcsEvent, path: string, values: unknown[]): void {
  const cur = (getPath(doc, path) as unknown[] | undefined) ?? [];
  for (const v of values) if (v !== undefined && v !== '' && !cur.includes(v)) cur.push(v);
  if (cur.length) setPath(doc, path, cur);
}

/** `CN=example.com, O=Example Corp, C=US` → { CN: [...], O: [...], C: [...] } */
function parseDn(dn: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of dn.replace(/\\,/g, '').split(/,\s*(?=[A-Za-z]+=)/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    (out[k] ??= []).push(part.slice(eq + 1).trim());
  }
  return out;
}

const DN_FIELDS: Record<string, string> = {
  C: 'country', CN: 'common_name', L: 'locality', O: 'organization', OU: 'organizational_unit', ST: 'state_or_province',
};

function tls(doc: EcsEvent, t: Record<string, unknown>): void {
  const version = t.version;
  if (typeof version === 'string' && version !== 'UNDETERMINED') {
    const m = /^(\S+) (\S+)$/.exec(version);
    if (m) {
      setPath(doc, 'tls.version_protocol', m[1].toLowerCase());
      setPath(doc, 'tls.version', m[2]);
    }
  }
  if (typeof t.subject === 'string' && t.subject !== '') {
    setPath(doc, 'tls.server.subject', t.subject);
    for (const [k, v] of Object.entries(parseDn(t.subject)))
      if (DN_FIELDS[k]) setPath(doc, `tls.server.x509.subject.${DN_FIELDS[k]}`, v);
  }
  if (typeof t.issuerdn === 'string' && t.issuerdn !== '') {
    setPath(doc, 'tls.server.issuer', t.issuerdn);
    for (const [k, v] of Object.entries(parseDn(t.issuerdn)))
      if (DN_FIELDS[k]) setPath(doc, `tls.server.x509.issuer.${DN_FIELDS[k]}`, v);
  }
  if (typeof t.session_resumed === 'boolean') setPath(doc, 'tls.resumed', t.session_resumed);
  if (typeof t.fingerprint === 'string' && t.fingerprint !== '') {
    const sha1 = t.fingerprint.toUpperCase().replace(/:/g, '');
    setPath(doc, 'tls.server.hash.sha1', sha1);
    appendUnique(doc, 'related.hash', [sha1]);
  }
  let sni = typeof t.sni === 'string' ? t.sni : undefined;
  if (sni?.endsWith('.')) sni = sni.slice(0, -1);
  if (sni) {
    setPath(doc, 'tls.client.server_name', sni);
    setPath(doc, 'destination.domain', sni);
  }
  put(doc, 'tls.server.ja3s', getPath(t, 'ja3s.hash'));
  put(doc, 'tls.client.ja3', getPath(t, 'ja3.hash'));
  put(doc, 'tls.server.certificate', t.certificate);
  put(doc, 'tls.server.certificate_chain', t.chain);
  if (typeof t.serial === 'string') put(doc, 'tls.server.x509.serial_number', t.serial.replace(/:/g, ''));
  const notAfter = isoOrUndefined(t.notafter);
  const notBefore = isoOrUndefined(t.notbefore);
  if (notAfter) {
    setPath(doc, 'tls.server.not_after', notAfter);
    setPath(doc, 'tls.server.x509.not_after', notAfter);
  }
  if (notBefore) {
    setPath(doc, 'tls.server.not_before', notBefore);
    setPath(doc, 'tls.server.x509.not_before', notBefore);
  }
}

function dns(doc: EcsEvent, d: Record<string, unknown>): void {
  put(doc, 'dns.id', d.id === undefined ? undefined : String(d.id));
  put(doc, 'dns.response_code', d.rcode);
  put(doc, 'dns.type', d.type);
  const v2 = d.version === 2 || d.version === 3;
  if (d.type === 'query' || v2) {
    put(doc, 'dns.question.name', d.rrname);
    put(doc, 'dns.question.type', d.rrtype);
  }
  // EVE v3 writes queries as a list.
  const queries = Array.isArray(d.queries) ? d.queries.filter(isPlainObject) : [];
  if (queries[0]) {
    put(doc, 'dns.question.name', queries[0].rrname);
    put(doc, 'dns.question.type', queries[0].rrtype);
  }
  const answers: EcsEvent[] = [];
  const resolved: string[] = [];
  if (d.type === 'answer' && !v2 && d.rdata !== undefined) {
    answers.push({ name: d.rrname, type: d.rrtype, ttl: d.ttl, data: d.rdata });
  }
  if (Array.isArray(d.answers)) {
    for (const a of d.answers.filter(isPlainObject)) {
      const ans: EcsEvent = {};
      put(ans, 'name', a.rrname);
      put(ans, 'type', a.rrtype);
      put(ans, 'ttl', a.ttl);
      put(ans, 'data', a.rdata);
      answers.push(ans);
    }
  }
  if (isPlainObject(d.grouped)) {
    for (const [type, list] of Object.entries(d.grouped)) {
      if (!Array.isArray(list)) continue;
      if (answers.length === 0) for (const data of list) answers.push({ type, data });
    }
  }
  for (const a of answers) {
    if ((a.type === 'A' || a.type === 'AAAA') && typeof a.data === 'string' && isIp(a.data)) resolved.push(a.data);
  }
  if (answers.length) setPath(doc, 'dns.answers', answers);
  if (resolved.length) {
    setPath(doc, 'dns.resolved_ip', [...new Set(resolved)]);
    appendUnique(doc, 'related.ip', resolved);
  }
  const flags: string[] = [];
  if (d.aa === true) flags.push('AA');
  if (d.tc === true) flags.push('TC');
  if (d.rd === true) flags.push('RD');
  if (d.ra === true) flags.push('RA');
  if (flags.length) setPath(doc, 'dns.header_flags', flags);
  const name = getPath(doc, 'dns.question.name');
  if (typeof name === 'string') {
    const labels = name.replace(/\.$/, '').split('.');
    if (labels.length >= 2) {
      setPath(doc, 'dns.question.registered_domain', labels.slice(-2).join('.'));
      setPath(doc, 'dns.question.top_level_domain', labels[labels.length - 1]);
      if (labels.length > 2) setPath(doc, 'dns.question.subdomain', labels.slice(0, -2).join('.'));
    }
  }
}

function eveOf(raw: RawRecord): Record<string, unknown> | undefined {
  const doc = raw.document;
  const fromDoc = doc && isPlainObject(doc.suricata) && isPlainObject((doc.suricata as EcsEvent).eve);
  if (fromDoc) return structuredClone((doc.suricata as EcsEvent).eve as Record<string, unknown>);
  try {
    const parsed: unknown = raw.parsedMessage ?? JSON.parse(raw.message);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function parseSuricata(raw: RawRecord): ParseResult {
  const eve = eveOf(raw);
  if (!eve) return parseFailure(raw, DATASET, 'not a JSON object');
  if (typeof eve.event_type !== 'string' && typeof eve.timestamp !== 'string') {
    return parseFailure(raw, DATASET, 'no event_type or timestamp: not an EVE record');
  }
  const doc = baseEvent(raw, 'suricata', DATASET);
  setPath(doc, 'event.created', raw.receivedAt.toISOString());
  const ts = isoOrUndefined(eve.timestamp);
  if (ts) setPath(doc, '@timestamp', ts);
  const eventType = typeof eve.event_type === 'string' ? eve.event_type.toLowerCase() : undefined;
  if (eventType) eve.event_type = eventType;

  put(doc, 'destination.mac', getPath(eve, 'ether.dest_mac'));
  put(doc, 'source.mac', getPath(eve, 'ether.src_mac'));
  if (typeof eve.src_ip === 'string') {
    setPath(doc, 'source.address', eve.src_ip);
    setPath(doc, 'source.ip', eve.src_ip);
  }
  if (typeof eve.dest_ip === 'string') {
    setPath(doc, 'destination.address', eve.dest_ip);
    setPath(doc, 'destination.ip', eve.dest_ip);
  }
  put(doc, 'source.port', toInt(eve.src_port));
  put(doc, 'destination.port', toInt(eve.dest_port));
  if (typeof eve.proto === 'string') setPath(doc, 'network.transport', eve.proto.toLowerCase());
  if (eve.flow_id !== undefined) eve.flow_id = String(eve.flow_id);

  setPath(doc, 'event.kind', 'event');
  setPath(doc, 'event.category', ['network']);
  const rule = eventType ? EVENT_TYPES[eventType] : undefined;
  if (rule?.kind) setPath(doc, 'event.kind', rule.kind);
  if (rule?.category) setPath(doc, 'event.category', [...rule.category]);
  if (rule?.type) setPath(doc, 'event.type', [...rule.type]);
  if (rule?.protocol) setPath(doc, 'network.protocol', rule.protocol);
  const appProto = typeof eve.app_proto === 'string' ? eve.app_proto.toLowerCase() : undefined;
  if (appProto === 'ftp-data') setPath(doc, 'network.protocol', 'ftp');
  else if (appProto && !['failed', 'template', 'template-rust'].includes(appProto))
    setPath(doc, 'network.protocol', appProto);

  const http = isPlainObject(eve.http) ? eve.http : undefined;
  if (eventType === 'http' && typeof http?.status === 'number')
    setPath(doc, 'event.outcome', http.status < 400 ? 'success' : 'failure');
  const protocol = getPath(doc, 'network.protocol');
  if (protocol === 'dns' && isPlainObject(eve.dns)) dns(doc, eve.dns);
  if (protocol === 'tls' && isPlainObject(eve.tls)) tls(doc, eve.tls);
  const flow = isPlainObject(eve.flow) ? eve.flow : undefined;
  if (flow?.state === 'new') appendUnique(doc, 'event.type', ['start']);
  if (flow?.state === 'closed') appendUnique(doc, 'event.type', ['end']);
  if (http) {
    put(doc, 'http.request.method', http.http_method);
    put(doc, 'http.response.status_code', toInt(http.status));
    if (typeof http.hostname === 'string' && http.hostname !== '') {
      setPath(doc, 'destination.domain', http.hostname);
      if (protocol === 'http') setPath(doc, 'url.domain', http.hostname);
    }
    if (typeof http.url === 'string') {
      const m = /^([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(http.url);
      if (m) {
        put(doc, 'url.path', m[1]);
        put(doc, 'url.query', m[2]);
        put(doc, 'url.fragment', m[3]);
      }
      setPath(doc, 'url.original', http.url);
    }
    put(doc, 'http.request.referrer', http.http_refer);
    put(doc, 'http.response.body.bytes', toInt(http.length));
    put(doc, 'user_agent.original', http.http_user_agent);
  }
  const fileinfo = isPlainObject(eve.fileinfo) ? eve.fileinfo : undefined;
  if (fileinfo) {
    put(doc, 'file.path', fileinfo.filename);
    put(doc, 'file.size', toInt(fileinfo.size));
    put(doc, 'file.hash.md5', fileinfo.md5);
    put(doc, 'file.hash.sha1', fileinfo.sha1);
    put(doc, 'file.hash.sha256', fileinfo.sha256);
  }
  const alert = isPlainObject(eve.alert) ? eve.alert : undefined;
  if (alert) {
    if (alert.category !== undefined) {
      setPath(doc, 'message', String(alert.category));
      put(doc, 'rule.category', String(alert.category));
    }
    put(doc, 'rule.id', alert.signature_id === undefined ? undefined : String(alert.signature_id));
    put(doc, 'rule.name', alert.signature);
    if (typeof alert.action === 'string') {
      appendUnique(doc, 'event.type', [alert.action === 'blocked' ? 'denied' : alert.action]);
      delete alert.action;
    }
    put(doc, 'event.severity', toInt(alert.severity));
    const meta = isPlainObject(alert.metadata) ? alert.metadata : undefined;
    if (meta) {
      const first = (v: unknown) => (Array.isArray(v) ? v : [v]);
      if (meta.mitre_tactic_id !== undefined) setPath(doc, 'threat.tactic.id', first(meta.mitre_tactic_id));
      if (meta.mitre_tactic_name !== undefined) setPath(doc, 'threat.tactic.name', first(meta.mitre_tactic_name));
      if (meta.mitre_technique_id !== undefined) setPath(doc, 'threat.technique.id', first(meta.mitre_technique_id));
      if (meta.mitre_technique_name !== undefined)
        setPath(doc, 'threat.technique.name', first(meta.mitre_technique_name));
    }
  }
  if (flow) {
    put(doc, 'destination.packets', toInt(flow.pkts_toclient));
    put(doc, 'source.packets', toInt(flow.pkts_toserver));
    put(doc, 'destination.bytes', toInt(flow.bytes_toclient));
    put(doc, 'source.bytes', toInt(flow.bytes_toserver));
    const sum = (a: unknown, b: unknown) => (Number(a ?? 0) || 0) + (Number(b ?? 0) || 0);
    const bytes = sum(flow.bytes_toserver, flow.bytes_toclient);
    const packets = sum(flow.pkts_toserver, flow.pkts_toclient);
    if (bytes > 0) setPath(doc, 'network.bytes', bytes);
    if (packets > 0) setPath(doc, 'network.packets', packets);
    const start = isoOrUndefined(flow.start);
    const end = isoOrUndefined(flow.end);
    if (start) setPath(doc, 'event.start', start);
    if (end) setPath(doc, 'event.end', end);
    if (start && end && Date.parse(start) <= Date.parse(end))
      setPath(doc, 'event.duration', (Date.parse(end) - Date.parse(start)) * 1_000_000);
  }
  if (eventType === 'ssh' && isPlainObject(eve.ssh)) {
    put(doc, 'source.user.name', getPath(eve.ssh, 'client.user'));
  }
  for (const k of ['app_proto', 'timestamp', 'src_port', 'dest_port', 'src_ip', 'dest_ip', 'proto']) delete eve[k];
  if (http) {
    delete http.http_method;
    delete http.http_user_agent;
    delete http.hostname;
    delete http.url;
    delete http.status;
  }
  if (flow) {
    delete flow.start;
    delete flow.end;
  }
  setPath(doc, 'suricata.eve', eve);
  fillRelatedB(doc);
  const urlDomain = getPath(doc, 'url.domain');
  if (typeof urlDomain === 'string') appendUnique(doc, 'related.hosts', [urlDomain]);
  return { ok: true, events: [doc] };
}

export const suricataParser: Parser = {
  dataset: DATASET,
  parse: parseSuricata,
  detect: (line) => /^\s*\{/.test(line) && /"event_type"\s*:/.test(line) && /"timestamp"\s*:/.test(line),
};
