// Elastic's iptables.log: netfilter LOG target lines (IPv4/IPv6, TCP/UDP/ICMP, Ubiquiti
// '[RULESET-RULE-ACTION]' prefixes, UDM truncated lines), from syslog or a journald document.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { appendValue, isIpAddress, setIfDefined, toInt } from '../normalise/ecs-build.ts';
import { fillRelated } from '../normalise/related.ts';
import { parseFailure } from './parse-error.ts';
import { syslogEnvelope } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'iptables.log';

const KV_START = /(?<![A-Za-z])(?:IN|SRC|TTL|TL|L)=/;
const TCP_FLAGS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);
const FRAG_FLAGS = new Set(['CE', 'DF', 'MF']);
const UBIQUITI_LABEL = /\[([^\]]*)-([^-\]]*)-([^-\]]*)\]/;
const UBIQUITI_ACTIONS: Record<string, string> = { a: 'accept', d: 'drop', r: 'reject' };
const ACTION_TYPES: Record<string, string> = { accept: 'allowed', drop: 'denied', deny: 'denied', reject: 'denied' };

function hexToInt(text: string): number | undefined {
  const t = text.replace(/^0x/i, '');
  return /^[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : undefined;
}

function formatMac(octets: string[]): string {
  return octets.map((o) => o.toUpperCase().padStart(2, '0')).join('-');
}

/** MAC= holds destination MAC, source MAC and EtherType, colon-separated octets. */
function applyMac(doc: EcsEvent, value: string): void {
  const o = value.split(':');
  if (o.length >= 6) setPath(doc, 'destination.mac', formatMac(o.slice(0, 6)));
  if (o.length >= 12) setPath(doc, 'source.mac', formatMac(o.slice(6, 12)));
  if (o.length >= 14) {
    const ether = `${o[12]}${o[13]}`.toLowerCase();
    setPath(doc, 'iptables.ether_type', Number.parseInt(ether, 16));
    if (ether === '0800') setPath(doc, 'network.type', 'ipv4');
    else if (ether === '86dd') setPath(doc, 'network.type', 'ipv6');
  }
}

/** Reads the netfilter key=value body in order: some keys (LEN, ID, SEQ, ACK) mean different things before and after PROTO=. */
function applyPacket(doc: EcsEvent, body: string): void {
  const tokens = body.trim().split(/\s+/);
  let proto: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'INCOMPLETE' && /^\[\d+$/.test(tokens[i + 1] ?? '')) {
      setPath(doc, 'iptables.incomplete_bytes', Number(tokens[i + 1].slice(1)));
      i += 2;
      continue;
    }
    const kv = /^([A-Z]+)[=:](.*)$/.exec(t);
    if (!kv) {
      if (proto === 'tcp' && TCP_FLAGS.has(t)) appendValue(doc, 'iptables.tcp.flags', t);
      else if (!proto && FRAG_FLAGS.has(t)) appendValue(doc, 'iptables.fragment_flags', t);
      continue;
    }
    const [, key, value] = kv;
    const num = toInt(value);
    switch (key) {
      case 'IN':
        setPath(doc, 'iptables.input_device', value);
        break;
      case 'OUT':
        setPath(doc, 'iptables.output_device', value);
        break;
      case 'MAC':
        applyMac(doc, value);
        break;
      case 'SRC':
        if (isIpAddress(value)) setPath(doc, 'source.ip', value);
        break;
      case 'DST':
        if (isIpAddress(value)) setPath(doc, 'destination.ip', value);
        break;
      case 'LEN':
        setIfDefined(doc, proto === 'udp' || proto === 'udplite' ? 'iptables.udp.length' : 'iptables.length', num);
        break;
      case 'TOS':
        setIfDefined(doc, 'iptables.tos', hexToInt(value));
        break;
      case 'TC':
        setIfDefined(doc, 'iptables.tos', num);
        break;
      case 'PREC':
        setIfDefined(doc, 'iptables.precedence_bits', hexToInt(value));
        break;
      case 'TTL':
      case 'TL':
      case 'L':
      case 'HOPLIMIT':
        if (!proto) setIfDefined(doc, 'iptables.ttl', num);
        break;
      case 'FLOWLBL':
        setIfDefined(doc, 'iptables.flow_label', num);
        break;
      case 'ID':
        setIfDefined(doc, proto === 'icmp' || proto === 'ipv6-icmp' ? 'iptables.icmp.id' : 'iptables.id', num);
        break;
      case 'FRAG':
        setIfDefined(doc, 'iptables.fragment_offset', num);
        break;
      case 'PROTO': {
        const p = value.toLowerCase();
        if (/^\d+$/.test(p)) setPath(doc, 'network.iana_number', p);
        else {
          proto = p === 'icmpv6' ? 'ipv6-icmp' : p;
          setPath(doc, 'network.transport', proto);
        }
        break;
      }
      case 'SPT':
        setIfDefined(doc, 'source.port', num);
        break;
      case 'DPT':
        setIfDefined(doc, 'destination.port', num);
        break;
      case 'WINDOW':
        setIfDefined(doc, 'iptables.tcp.window', num);
        break;
      case 'RES':
        setIfDefined(doc, 'iptables.tcp.reserved_bits', hexToInt(value));
        break;
      case 'SEQ':
        setIfDefined(doc, proto === 'tcp' ? 'iptables.tcp.seq' : 'iptables.icmp.seq', num);
        break;
      case 'ACK':
        setIfDefined(doc, 'iptables.tcp.ack', num);
        break;
      case 'URGP':
        break;
      case 'TYPE':
        setIfDefined(doc, 'iptables.icmp.type', num);
        break;
      case 'CODE':
        setIfDefined(doc, 'iptables.icmp.code', num);
        break;
      case 'PARAMETER':
        setIfDefined(doc, 'iptables.icmp.parameter', num);
        break;
      case 'GATEWAY':
        setPath(doc, 'iptables.icmp.redirect', value);
        break;
      case 'MARK':
        setPath(doc, 'iptables.mark', value);
        break;
      default:
        break;
    }
  }
}

function applyPrefix(doc: EcsEvent, prefix: string): void {
  const label = UBIQUITI_LABEL.exec(prefix);
  if (label) {
    const [, ruleSet, ruleNumber, actionCode] = label;
    setPath(doc, 'iptables.ubiquiti.rule_set', ruleSet);
    setPath(doc, 'iptables.ubiquiti.rule_number', ruleNumber);
    setPath(doc, 'rule.name', ruleSet);
    setPath(doc, 'rule.id', ruleNumber);
    const zones = /^([^-]*)-([^-]*)$/.exec(ruleSet);
    if (zones) {
      setPath(doc, 'iptables.ubiquiti.input_zone', zones[1]);
      setPath(doc, 'iptables.ubiquiti.output_zone', zones[2]);
      setPath(doc, 'observer.ingress.zone', zones[1]);
      setPath(doc, 'observer.egress.zone', zones[2]);
    }
    const action = UBIQUITI_ACTIONS[actionCode.toLowerCase()] ?? actionCode.toLowerCase();
    setPath(doc, 'event.action', action);
    const type = ACTION_TYPES[action];
    if (type) appendValue(doc, 'event.type', type);
    return;
  }
  // A free-form --log-prefix ('DROP_INPUT:') names the rule that logged; keep it as written.
  const text = prefix.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim();
  if (text !== '') setPath(doc, 'iptables.prefix', text);
}

export function parseIptables(raw: RawRecord): ParseResult {
  const env = syslogEnvelope(raw, 'iptables', DATASET);
  if (!env) return parseFailure(raw, DATASET, 'unreadable line');
  const { doc, message } = env;
  const start = KV_START.exec(message);
  if (!start) return parseFailure(raw, DATASET, 'no netfilter fields (IN=, SRC=, TTL=, ...) in the message');
  applyPrefix(doc, message.slice(0, start.index));
  applyPacket(doc, message.slice(start.index));
  const hostname = env.header?.hostname;
  if (hostname) setPath(doc, 'observer.name', hostname);
  const src = getPath(doc, 'source.ip');
  if (getPath(doc, 'network.type') === undefined && typeof src === 'string') {
    setPath(doc, 'network.type', src.includes(':') ? 'ipv6' : 'ipv4');
  }
  setPath(doc, 'event.category', ['network']);
  if (src !== undefined && getPath(doc, 'destination.ip') !== undefined) appendValue(doc, 'event.type', 'connection');
  return { ok: true, events: [fillRelated(doc)] };
}

export const iptablesParser: Parser = {
  dataset: DATASET,
  parse: parseIptables,
  detect: (line) => / IN=\S* OUT=\S* /.test(line) && / SRC=/.test(line),
};
