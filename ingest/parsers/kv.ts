// Generic key=value lines (`a=1 b="two words"`, optionally behind a syslog header) → ECS: the
// common key names every vendor reuses map to ECS fields, everything else is kept as labels.
import { type EcsEvent, setPath } from '../../core/ecs.ts';
import { parseKeyValues } from '../normalise/kv.ts';
import { defaultZoneOf, parseSyslogTimestamp } from '../normalise/time.ts';
import { baseEvent, fillRelatedB, isIp, parseFailure, putSyslogPriority, putTransport, toInt } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, parseIsoLike } from './zoned-time.ts';

const DATASET = 'kv';

type Conv = 'ip' | 'port' | 'int' | 'string' | 'transport' | 'time' | 'outcome' | 'status' | 'upper';

const KEYS: [string[], string, Conv][] = [
  [['src', 'src_ip', 'srcip', 'source_ip', 'sourceip', 'sip', 'client_ip', 'clientip', 'src_addr', 'saddr'], 'source.ip', 'ip'],
  [['dst', 'dst_ip', 'dstip', 'dest', 'dest_ip', 'destip', 'destination_ip', 'dip', 'server_ip', 'dst_addr', 'daddr'], 'destination.ip', 'ip'],
  [['spt', 'sport', 'src_port', 'srcport', 'source_port', 'sourceport', 'client_port'], 'source.port', 'port'],
  [['dpt', 'dport', 'dst_port', 'dstport', 'dest_port', 'destport', 'destination_port', 'server_port'], 'destination.port', 'port'],
  [['user', 'username', 'user_name', 'usr', 'uname', 'suser', 'login', 'account'], 'user.name', 'string'],
  [['duser', 'target_user', 'dst_user'], 'user.target.name', 'string'],
  [['proto', 'protocol', 'transport'], 'network.transport', 'transport'],
  [['action', 'act'], 'event.action', 'string'],
  [['host', 'hostname', 'host_name', 'devname', 'device'], 'host.hostname', 'string'],
  [['msg', 'message'], 'message', 'string'],
  [['url', 'uri', 'request'], 'url.original', 'string'],
  [['method', 'http_method', 'request_method'], 'http.request.method', 'upper'],
  [['status', 'status_code', 'http_status', 'response_code'], 'http.response.status_code', 'status'],
  [['pid', 'process_id'], 'process.pid', 'int'],
  [['process', 'proc', 'program', 'process_name', 'app'], 'process.name', 'string'],
  [['time', 'timestamp', 'ts', 'datetime', 'eventtime', 'event_time'], '@timestamp', 'time'],
  [['severity', 'level', 'loglevel', 'log_level', 'priority'], 'log.level', 'string'],
  [['outcome', 'result'], 'event.outcome', 'outcome'],
  [['rule', 'rule_name', 'policy', 'policy_name'], 'rule.name', 'string'],
  [['rule_id', 'policy_id', 'policyid', 'ruleid'], 'rule.id', 'string'],
  [['bytes_in', 'bytesin', 'rcvdbyte', 'bytes_received'], 'destination.bytes', 'int'],
  [['bytes_out', 'bytesout', 'sentbyte', 'bytes_sent'], 'source.bytes', 'int'],
  [['agent', 'user_agent', 'useragent', 'ua'], 'user_agent.original', 'string'],
  [['domain', 'query', 'qname'], 'dns.question.name', 'string'],
  [['file', 'filename', 'file_name'], 'file.name', 'string'],
  [['path', 'file_path', 'filepath'], 'file.path', 'string'],
  [['smac', 'src_mac', 'srcmac'], 'source.mac', 'string'],
  [['dmac', 'dst_mac', 'dstmac'], 'destination.mac', 'string'],
  [['reason'], 'event.reason', 'string'],
];
const BY_KEY = new Map<string, [string, Conv]>();
for (const [names, field, conv] of KEYS) for (const n of names) BY_KEY.set(n, [field, conv]);

function time(v: string, tz: string, receivedAt: Date): string | undefined {
  if (/^\d{10}(?:\.\d+)?$/.test(v)) return formatInZone(Math.round(Number(v) * 1000));
  if (/^\d{13}$/.test(v)) return formatInZone(Number(v));
  const t = parseIsoLike(v, tz);
  if (t !== undefined) return formatInZone(t);
  return parseSyslogTimestamp(v, receivedAt, tz);
}

function outcome(v: string): string {
  const s = v.toLowerCase();
  if (/^(success|succeeded|ok|pass|passed|allow|allowed|accept|accepted|true)$/.test(s)) return 'success';
  if (/^(fail|failed|failure|error|deny|denied|drop|dropped|block|blocked|reject|rejected|false)$/.test(s)) return 'failure';
  return 'unknown';
}

export function parseKv(raw: RawRecord): ParseResult {
  let text = raw.message;
  const doc: EcsEvent = baseEvent(raw, 'kv', DATASET);
  const tz = defaultZoneOf(raw.tz) ?? 'UTC';
  const pri = /^<(\d{1,3})>/.exec(text);
  if (pri) {
    putSyslogPriority(doc, Number(pri[1]));
    text = text.slice(pri[0].length);
  }
  // Anything before the first `key=` is a header (syslog stamp, host, tag).
  const first = /(?:^|\s)[\w.-]+=/.exec(text);
  if (!first) return parseFailure(raw, DATASET, 'no key=value pairs');
  const header = text.slice(0, first.index).trim();
  if (header) {
    const m = /^((?:[A-Z][a-z]{2}\s+\d{1,2}(?:\s+\d{4})?\s+\d{2}:\d{2}:\d{2})|(?:\d{4}-\d{2}-\d{2}T\S+))\s*(\S+)?\s*(?:([\w./-]+?)(?:\[(\d+)\])?:)?\s*$/.exec(header);
    if (m) {
      const ts = parseSyslogTimestamp(m[1], raw.receivedAt, raw.tz);
      if (ts) setPath(doc, '@timestamp', ts);
      if (m[2] && !m[2].endsWith(':')) setPath(doc, 'host.hostname', m[2]);
      if (m[3]) setPath(doc, 'process.name', m[3]);
      if (m[4]) setPath(doc, 'process.pid', Number(m[4]));
    }
  }
  const { pairs } = parseKeyValues(text.slice(first.index));
  if (pairs.length === 0) return parseFailure(raw, DATASET, 'no key=value pairs');
  // The first key naming an ECS field wins; the pairs override what the syslog header said.
  const assigned = new Set<string>();
  for (const [key, value] of pairs) {
    if (value === '' || value === '-') continue;
    const mapping = BY_KEY.get(key.toLowerCase());
    if (mapping && !assigned.has(mapping[0])) {
      const [field, conv] = mapping;
      let v: unknown;
      switch (conv) {
        case 'ip':
          v = isIp(value) ? value : undefined;
          break;
        case 'port': {
          const n = toInt(value);
          v = n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
          break;
        }
        case 'int':
          v = toInt(value);
          break;
        case 'transport':
          putTransport(doc, value);
          assigned.add(field);
          continue;
        case 'time':
          v = time(value, tz, raw.receivedAt);
          break;
        case 'outcome':
          v = outcome(value);
          break;
        case 'status': {
          const n = toInt(value);
          v = n !== undefined && n >= 100 && n <= 599 ? n : undefined;
          break;
        }
        case 'upper':
          v = value.toUpperCase();
          break;
        default:
          v = value;
      }
      if (v !== undefined) {
        setPath(doc, field, v);
        assigned.add(field);
        continue;
      }
    }
    setPath(doc, `labels.${key.replace(/[^\w-]/g, '_')}`, value);
  }
  fillRelatedB(doc);
  return { ok: true, events: [doc] };
}

/** key=value lines have no signature of their own: the detector tries this parser last. */
export const kvParser: Parser = { dataset: DATASET, parse: parseKv, detect: () => false };
