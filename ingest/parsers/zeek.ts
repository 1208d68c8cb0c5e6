// Zeek JSON logs (conn.log, dns.log, http.log; LogAscii::use_json=T) → ECS, mirroring Elastic's
// zeek.connection / zeek.dns / zeek.http pipelines. The record is kept under zeek.<log>.*.
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { baseEvent, fillRelatedB, isIp, parseFailure, put, toInt } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, parseIsoLike } from './zoned-time.ts';

type ZeekRecord = Record<string, unknown>;

function recordOf(raw: RawRecord): ZeekRecord | undefined {
  try {
    const parsed: unknown = raw.parsedMessage ?? JSON.parse(raw.message);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Zeek's `ts`: epoch seconds with a fraction (default) or ISO 8601 (`LogAscii::json_timestamps`). */
function zeekTime(ts: unknown): string | undefined {
  if (typeof ts === 'number') return formatInZone(Math.round(ts * 1000));
  if (typeof ts === 'string') {
    if (/^\d+(?:\.\d+)?$/.test(ts)) return formatInZone(Math.round(Number(ts) * 1000));
    const t = parseIsoLike(ts);
    return t === undefined ? undefined : formatInZone(t);
  }
  return undefined;
}

function val(r: ZeekRecord, key: string): unknown {
  // Zeek writes `id.orig_h` as a dotted key; some shippers nest it.
  return key in r ? r[key] : getPath(r, key);
}

function endpoints(doc: EcsEvent, r: ZeekRecord): void {
  const oh = val(r, 'id.orig_h');
  const rh = val(r, 'id.resp_h');
  if (typeof oh === 'string') {
    setPath(doc, 'source.address', oh);
    if (isIp(oh)) setPath(doc, 'source.ip', oh);
  }
  if (typeof rh === 'string') {
    setPath(doc, 'destination.address', rh);
    if (isIp(rh)) setPath(doc, 'destination.ip', rh);
  }
  put(doc, 'source.port', toInt(val(r, 'id.orig_p')));
  put(doc, 'destination.port', toInt(val(r, 'id.resp_p')));
}

function vendorCopy(r: ZeekRecord, drop: string[]): ZeekRecord {
  const out: ZeekRecord = {};
  for (const [k, v] of Object.entries(r)) {
    if (drop.includes(k) || k.startsWith('id.') || k === 'id') continue;
    out[k] = v;
  }
  return out;
}

function start(raw: RawRecord, dataset: string, r: ZeekRecord): EcsEvent {
  const doc = baseEvent(raw, 'zeek', dataset);
  setPath(doc, 'event.created', raw.receivedAt.toISOString());
  const ts = zeekTime(r.ts);
  if (ts) setPath(doc, '@timestamp', ts);
  setPath(doc, 'event.kind', 'event');
  setPath(doc, 'event.category', ['network']);
  endpoints(doc, r);
  if (typeof r.uid === 'string') {
    setPath(doc, 'zeek.session_id', r.uid);
    setPath(doc, 'event.id', r.uid);
  }
  if (typeof r.proto === 'string') setPath(doc, 'network.transport', r.proto.toLowerCase());
  return doc;
}

const CONN_STATES: Record<string, [string, string[]]> = {
  S0: ['Connection attempt seen, no reply.', ['connection', 'start']],
  S1: ['Connection established, not terminated.', ['connection', 'start']],
  SF: ['Normal establishment and termination.', ['connection', 'start', 'end']],
  REJ: ['Connection attempt rejected.', ['connection', 'start', 'denied']],
  S2: ['Connection established and close attempt by originator seen (but no reply from responder).', ['connection', 'info']],
  S3: ['Connection established and close attempt by responder seen (but no reply from originator).', ['connection', 'info']],
  RSTO: ['Connection established, originator aborted (sent a RST).', ['connection', 'info']],
  RSTR: ['Responder sent a RST.', ['connection', 'info']],
  RSTOS0: ['Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder.', ['connection', 'info']],
  RSTRH: ['Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator.', ['connection', 'info']],
  SH: ["Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was 'half' open).", ['connection', 'info']],
  SHR: ['Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator.', ['connection', 'info']],
  OTH: ["No SYN seen, just midstream traffic (a 'partial connection' that was not later closed).", ['connection', 'info']],
};

function bad(raw: RawRecord, dataset: string, r: ZeekRecord | undefined): ParseResult | undefined {
  if (!r) return parseFailure(raw, dataset, 'not a JSON object');
  if (r.ts === undefined) return parseFailure(raw, dataset, 'no ts field: not a Zeek JSON log record');
  return undefined;
}

export function parseZeekConn(raw: RawRecord, dataset = 'zeek.connection'): ParseResult {
  const r = recordOf(raw);
  const failure = bad(raw, dataset, r);
  if (failure || !r) return failure as ParseResult;
  const doc = start(raw, dataset, r);
  put(doc, 'network.protocol', r.service);
  put(doc, 'source.bytes', toInt(r.orig_ip_bytes));
  put(doc, 'destination.bytes', toInt(r.resp_ip_bytes));
  put(doc, 'source.packets', toInt(r.orig_pkts));
  put(doc, 'destination.packets', toInt(r.resp_pkts));
  put(doc, 'source.mac', r.orig_l2_addr);
  put(doc, 'destination.mac', r.resp_l2_addr);
  const zc = vendorCopy(r, ['ts', 'uid', 'proto', 'service', 'orig_ip_bytes', 'resp_ip_bytes', 'orig_pkts', 'resp_pkts',
    'orig_l2_addr', 'resp_l2_addr', 'duration', 'orig_bytes', 'resp_bytes', 'tunnel_parents', 'conn_state']);
  if (getPath(doc, 'network.transport') === 'icmp') {
    // For ICMP Zeek stores type and code in the port columns.
    const sp = getPath(doc, 'source.port');
    const dp = getPath(doc, 'destination.port');
    if (sp !== undefined) setPath(zc, 'icmp.type', sp);
    if (dp !== undefined) setPath(zc, 'icmp.code', dp);
    const src = getPath(doc, 'source') as EcsEvent | undefined;
    const dst = getPath(doc, 'destination') as EcsEvent | undefined;
    if (src) delete src.port;
    if (dst) delete dst.port;
  }
  if (typeof r.duration === 'number') setPath(doc, 'event.duration', Math.round(r.duration * 1e9));
  const tags: string[] = [];
  if (r.local_orig !== undefined) tags.push('local_orig');
  if (r.local_resp !== undefined) tags.push('local_resp');
  if (tags.length) setPath(doc, 'tags', tags);
  const sp = getPath(doc, 'source.packets');
  const dp = getPath(doc, 'destination.packets');
  if (typeof sp === 'number' && typeof dp === 'number') setPath(doc, 'network.packets', sp + dp);
  const sb = getPath(doc, 'source.bytes');
  const db = getPath(doc, 'destination.bytes');
  if (typeof sb === 'number' && typeof db === 'number') setPath(doc, 'network.bytes', sb + db);
  if (typeof r.local_orig === 'boolean' && typeof r.local_resp === 'boolean') {
    const dir = r.local_orig
      ? r.local_resp ? 'internal' : 'outbound'
      : r.local_resp ? 'inbound' : 'external';
    setPath(doc, 'network.direction', dir);
  }
  if (typeof r.conn_state === 'string') {
    zc.state = r.conn_state;
    const s = CONN_STATES[r.conn_state];
    if (s) {
      zc.state_message = s[0];
      setPath(doc, 'event.type', [...s[1]]);
    }
  }
  setPath(doc, 'zeek.connection', zc);
  fillRelatedB(doc);
  return { ok: true, events: [doc] };
}

export function parseZeekDns(raw: RawRecord): ParseResult {
  const dataset = 'zeek.dns';
  const r = recordOf(raw);
  const failure = bad(raw, dataset, r);
  if (failure || !r) return failure as ParseResult;
  const doc = start(raw, dataset, r);
  setPath(doc, 'event.type', ['connection', 'protocol', 'info']);
  setPath(doc, 'network.protocol', 'dns');
  put(doc, 'dns.id', r.trans_id === undefined ? undefined : String(r.trans_id));
  put(doc, 'dns.question.name', r.query);
  put(doc, 'dns.question.class', r.qclass_name);
  put(doc, 'dns.question.type', r.qtype_name);
  put(doc, 'dns.response_code', r.rcode_name);
  const answers = Array.isArray(r.answers) ? r.answers.map(String) : [];
  const ttls = Array.isArray(r.TTLs) ? r.TTLs : [];
  setPath(doc, 'dns.type', answers.length ? 'answer' : 'query');
  if (answers.length) {
    setPath(
      doc,
      'dns.answers',
      answers.map((data, i) => {
        const a: EcsEvent = { data };
        const ttl = toInt(typeof ttls[i] === 'number' ? Math.round(ttls[i] as number) : ttls[i]);
        if (ttl !== undefined) a.ttl = ttl;
        return a;
      }),
    );
    const resolved = answers.filter(isIp);
    if (resolved.length) setPath(doc, 'dns.resolved_ip', resolved);
  }
  const flags: string[] = [];
  if (r.AA === true) flags.push('AA');
  if (r.TC === true) flags.push('TC');
  if (r.RD === true) flags.push('RD');
  if (r.RA === true) flags.push('RA');
  if (flags.length) setPath(doc, 'dns.header_flags', flags);
  if (typeof r.rcode_name === 'string') setPath(doc, 'event.outcome', r.rcode_name === 'NOERROR' ? 'success' : 'failure');
  if (typeof r.rtt === 'number') setPath(doc, 'event.duration', Math.round(r.rtt * 1e9));
  const name = getPath(doc, 'dns.question.name');
  if (typeof name === 'string') {
    const labels = name.replace(/\.$/, '').split('.');
    if (labels.length >= 2) {
      setPath(doc, 'dns.question.registered_domain', labels.slice(-2).join('.'));
      setPath(doc, 'dns.question.top_level_domain', labels[labels.length - 1]);
      if (labels.length > 2) setPath(doc, 'dns.question.subdomain', labels.slice(0, -2).join('.'));
    }
  }
  setPath(doc, 'zeek.dns', vendorCopy(r, ['ts', 'uid', 'proto']));
  fillRelatedB(doc);
  const resolved = getPath(doc, 'dns.resolved_ip');
  if (Array.isArray(resolved)) {
    const ips = (getPath(doc, 'related.ip') as string[] | undefined) ?? [];
    for (const ip of resolved) if (!ips.includes(ip)) ips.push(ip);
    setPath(doc, 'related.ip', ips);
  }
  return { ok: true, events: [doc] };
}

export function parseZeekHttp(raw: RawRecord): ParseResult {
  const dataset = 'zeek.http';
  const r = recordOf(raw);
  const failure = bad(raw, dataset, r);
  if (failure || !r) return failure as ParseResult;
  const doc = start(raw, dataset, r);
  setPath(doc, 'event.category', ['network', 'web']);
  setPath(doc, 'event.type', ['connection', 'protocol', 'info']);
  setPath(doc, 'network.protocol', 'http');
  put(doc, 'http.request.method', r.method);
  put(doc, 'http.response.status_code', toInt(r.status_code));
  put(doc, 'http.version', r.version);
  put(doc, 'http.request.referrer', r.referrer);
  put(doc, 'http.request.body.bytes', toInt(r.request_body_len));
  put(doc, 'http.response.body.bytes', toInt(r.response_body_len));
  put(doc, 'user_agent.original', r.user_agent);
  put(doc, 'source.user.name', r.username);
  if (typeof r.host === 'string' && r.host !== '') {
    put(doc, 'url.domain', r.host);
    if (!isIp(r.host)) setPath(doc, 'destination.domain', r.host);
  }
  if (typeof r.uri === 'string') {
    setPath(doc, 'url.original', r.uri);
    const m = /^([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(r.uri);
    if (m) {
      put(doc, 'url.path', m[1]);
      put(doc, 'url.query', m[2]);
      put(doc, 'url.fragment', m[3]);
    }
  }
  const port = getPath(doc, 'destination.port');
  if (typeof port === 'number') setPath(doc, 'url.port', port);
  const status = getPath(doc, 'http.response.status_code');
  if (typeof status === 'number') setPath(doc, 'event.outcome', status < 400 ? 'success' : 'failure');
  setPath(doc, 'zeek.http', vendorCopy(r, ['ts', 'uid', 'method', 'status_code', 'version', 'referrer', 'user_agent', 'uri', 'request_body_len', 'response_body_len']));
  fillRelatedB(doc);
  return { ok: true, events: [doc] };
}

const looksZeek = (line: string): boolean => /^\s*\{/.test(line) && /"uid"\s*:/.test(line) && /"id\.orig_h"\s*:/.test(line);

export const zeekConnectionParser: Parser = {
  dataset: 'zeek.connection',
  parse: (raw) => parseZeekConn(raw, 'zeek.connection'),
  detect: (line) => looksZeek(line) && /"conn_state"\s*:|"orig_ip_bytes"\s*:|"history"\s*:/.test(line),
};

/** The short name the Vigil docs also accept for conn.log. */
export const zeekConnParser: Parser = {
  dataset: 'zeek.conn',
  parse: (raw) => parseZeekConn(raw, 'zeek.conn'),
};

export const zeekDnsParser: Parser = {
  dataset: 'zeek.dns',
  parse: parseZeekDns,
  detect: (line) => looksZeek(line) && /"query"\s*:|"qtype(?:_name)?"\s*:|"trans_id"\s*:/.test(line),
};

export const zeekHttpParser: Parser = {
  dataset: 'zeek.http',
  parse: parseZeekHttp,
  detect: (line) => looksZeek(line) && /"method"\s*:|"status_code"\s*:|"uri"\s*:/.test(line),
};
