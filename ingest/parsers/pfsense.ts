// Elastic's pfsense.log: pfSense/OPNsense syslog. filterlog CSV (IPv4/IPv6, TCP/UDP/ICMP/CARP/
// other), plus dhcpd, unbound query logs, OpenVPN, the php-fpm web GUI logins and sshd.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { appendValue, isIpAddress, setIfDefined, toInt } from '../normalise/ecs-build.ts';
import { fillRelated } from '../normalise/related.ts';
import { defaultZoneOf } from '../normalise/time.ts';
import { httpOutcome, setUrlFields } from '../normalise/url.ts';
import { parseFailure } from './parse-error.ts';
import { syslogEnvelope } from './syslog-header.ts';
import { applyHaproxyMessage } from './haproxy.ts';
import { applySshMessage } from './system-auth.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'pfsense.log';

function setAddress(doc: EcsEvent, prefix: string, address: string | undefined): void {
  if (!address) return;
  setPath(doc, `${prefix}.address`, address);
  if (isIpAddress(address)) setPath(doc, `${prefix}.ip`, address);
}

function formatMac(mac: string): string {
  return mac.toUpperCase().replace(/:/g, '-');
}

/** pfSense filterlog: rule,subrule,anchor,tracker,iface,reason,action,dir,ipver,... (docs.netgate.com "Filter Log Format"). */
function applyFilterlog(doc: EcsEvent, csv: string): boolean {
  const f = csv.trim().split(',');
  if (f.length < 9 || !/^[46]$/.test(f[8])) return false;
  setIfDefined(doc, 'pfsense.rule.number', f[0]);
  setIfDefined(doc, 'pfsense.rule.subrule', f[1]);
  setIfDefined(doc, 'pfsense.rule.anchor', f[2]);
  setIfDefined(doc, 'rule.id', f[3]);
  setIfDefined(doc, 'observer.ingress.interface.name', f[4]);
  const vlan = /\.(\d+)$/.exec(f[4]);
  if (vlan) {
    setPath(doc, 'observer.ingress.vlan.id', vlan[1]);
    setPath(doc, 'network.vlan.id', vlan[1]);
  }
  setIfDefined(doc, 'event.reason', f[5]);
  const action = f[6];
  setIfDefined(doc, 'event.action', action);
  if (f[7] === 'in' || f[7] === 'out') setPath(doc, 'network.direction', `${f[7]}bound`);
  let i: number;
  let transport: string;
  if (f[8] === '4') {
    setPath(doc, 'network.type', 'ipv4');
    setIfDefined(doc, 'pfsense.ip.tos', f[9]);
    setIfDefined(doc, 'pfsense.ip.ecn', f[10]);
    setIfDefined(doc, 'pfsense.ip.ttl', toInt(f[11]));
    setIfDefined(doc, 'pfsense.ip.id', toInt(f[12]));
    setIfDefined(doc, 'pfsense.ip.offset', toInt(f[13]));
    setIfDefined(doc, 'pfsense.ip.flags', f[14]);
    setIfDefined(doc, 'network.iana_number', f[15]);
    transport = (f[16] ?? '').toLowerCase();
    setIfDefined(doc, 'network.bytes', toInt(f[17]));
    setAddress(doc, 'source', f[18]);
    setAddress(doc, 'destination', f[19]);
    i = 20;
  } else {
    setPath(doc, 'network.type', 'ipv6');
    setIfDefined(doc, 'pfsense.ip.tos', f[9]);
    setIfDefined(doc, 'pfsense.ip.flow_label', f[10]);
    // Elastic files the IPv6 hop limit under pfsense.ip.flags; kept for dashboard compatibility.
    setIfDefined(doc, 'pfsense.ip.flags', f[11]);
    setIfDefined(doc, 'pfsense.ip.ttl', toInt(f[11]));
    transport = (f[12] ?? '').toLowerCase();
    setIfDefined(doc, 'network.iana_number', f[13]);
    setIfDefined(doc, 'network.bytes', toInt(f[14]));
    setAddress(doc, 'source', f[15]);
    setAddress(doc, 'destination', f[16]);
    i = 17;
  }
  setIfDefined(doc, 'network.transport', transport);
  const rest = f.slice(i);
  switch (transport) {
    case 'tcp':
      setIfDefined(doc, 'source.port', toInt(rest[0]));
      setIfDefined(doc, 'destination.port', toInt(rest[1]));
      setIfDefined(doc, 'pfsense.tcp.length', toInt(rest[2]));
      setIfDefined(doc, 'pfsense.tcp.flags', rest[3]);
      setIfDefined(doc, 'pfsense.tcp.seq', rest[4]?.split(':')[0]);
      setIfDefined(doc, 'pfsense.tcp.ack', toInt(rest[5]));
      setIfDefined(doc, 'pfsense.tcp.window', toInt(rest[6]));
      setIfDefined(doc, 'pfsense.tcp.urg', rest[7]);
      if (rest[8]) setPath(doc, 'pfsense.tcp.options', rest.slice(8).join(',').split(';').filter((o) => o !== ''));
      break;
    case 'udp':
      setIfDefined(doc, 'source.port', toInt(rest[0]));
      setIfDefined(doc, 'destination.port', toInt(rest[1]));
      setIfDefined(doc, 'pfsense.udp.length', toInt(rest[2]));
      break;
    case 'icmp':
      applyIcmp(doc, rest);
      break;
    case 'carp':
      setIfDefined(doc, 'pfsense.carp.type', rest[0]);
      setIfDefined(doc, 'pfsense.carp.ttl', toInt(rest[1]));
      setIfDefined(doc, 'pfsense.carp.vhid', toInt(rest[2]));
      setIfDefined(doc, 'pfsense.carp.version', toInt(rest[3]));
      setIfDefined(doc, 'pfsense.carp.advbase', toInt(rest[4]));
      setIfDefined(doc, 'pfsense.carp.advskew', toInt(rest[5]));
      break;
    default: {
      const dl = /^datalength=(\d+)$/.exec(rest[0] ?? '');
      if (dl) setPath(doc, 'pfsense.ip.data_length', Number(dl[1]));
    }
  }
  setPath(doc, 'event.category', ['network']);
  if (getPath(doc, 'source.address') !== undefined && getPath(doc, 'destination.address') !== undefined) {
    appendValue(doc, 'event.type', 'connection');
  }
  if (action === 'block' || action === 'reject') appendValue(doc, 'event.type', 'denied');
  else if (action === 'pass') appendValue(doc, 'event.type', 'allowed');
  return true;
}

function applyIcmp(doc: EcsEvent, r: string[]): void {
  const type = r[0];
  setIfDefined(doc, 'pfsense.icmp.type', type);
  switch (type) {
    case 'request':
    case 'reply':
    case 'tstamp':
      setIfDefined(doc, 'pfsense.icmp.id', toInt(r[1]));
      setIfDefined(doc, 'pfsense.icmp.seq', toInt(r[2]));
      break;
    case 'tstampreply':
      setIfDefined(doc, 'pfsense.icmp.id', toInt(r[1]));
      setIfDefined(doc, 'pfsense.icmp.seq', toInt(r[2]));
      setIfDefined(doc, 'pfsense.icmp.otime', r[3]);
      setIfDefined(doc, 'pfsense.icmp.rtime', r[4]);
      setIfDefined(doc, 'pfsense.icmp.ttime', r[5]);
      break;
    case 'unreachproto':
      setIfDefined(doc, 'pfsense.icmp.destination.ip', r[1]);
      setIfDefined(doc, 'pfsense.icmp.unreachable.iana_number', r[2]);
      break;
    case 'unreachport':
      setIfDefined(doc, 'pfsense.icmp.destination.ip', r[1]);
      setIfDefined(doc, 'pfsense.icmp.unreachable.iana_number', r[2]);
      setIfDefined(doc, 'pfsense.icmp.unreachable.port', toInt(r[3]));
      break;
    case 'needfrag':
      setIfDefined(doc, 'pfsense.icmp.destination.ip', r[1]);
      setIfDefined(doc, 'pfsense.icmp.mtu', toInt(r[2]));
      break;
    default:
      if (r.length > 1) setPath(doc, 'pfsense.icmp.unreachable.other', r.slice(1).join(','));
  }
}

const MAC = '([0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5})';
const DHCP_RULES: RegExp[] = [
  new RegExp(`^(DHCP[A-Z]+) on (\\S+) to ${MAC}(?: \\(([^)]*)\\))? via (\\S+)`),
  new RegExp(`^(DHCP[A-Z]+) for (\\S+)(?: \\((\\S+)\\))? from ${MAC}(?: \\(([^)]*)\\))? via (\\S+)`),
  new RegExp(`^(DHCP[A-Z]+) from ${MAC}(?: \\(([^)]*)\\))? via (\\S+)`),
];

function applyDhcp(doc: EcsEvent, message: string, provider: string): void {
  let m = DHCP_RULES[0].exec(message);
  if (m) {
    setPath(doc, 'event.action', m[1].toLowerCase());
    setAddress(doc, 'client', m[2]);
    setPath(doc, 'client.mac', formatMac(m[3]));
    setIfDefined(doc, 'pfsense.dhcp.hostname', m[4]);
    setPath(doc, 'observer.ingress.interface.name', m[5]);
  } else if ((m = DHCP_RULES[1].exec(message))) {
    setPath(doc, 'event.action', m[1].toLowerCase());
    setAddress(doc, 'client', m[2]);
    setAddress(doc, 'server', m[3]);
    setPath(doc, 'client.mac', formatMac(m[4]));
    setIfDefined(doc, 'pfsense.dhcp.hostname', m[5]);
    setPath(doc, 'observer.ingress.interface.name', m[6]);
  } else if ((m = DHCP_RULES[2].exec(message))) {
    setPath(doc, 'event.action', m[1].toLowerCase());
    setPath(doc, 'client.mac', formatMac(m[2]));
    setIfDefined(doc, 'pfsense.dhcp.hostname', m[3]);
    setPath(doc, 'observer.ingress.interface.name', m[4]);
  } else {
    const v6 = /^(.*?) (?:(?:from|to) )?([0-9a-fA-F:]+:[0-9a-fA-F:]*)(?:\/\d+)?(?: on (\S+)| port (\d+))?/.exec(message);
    if (v6 && isIpAddress(v6[2])) {
      setPath(doc, 'event.action', v6[1].toLowerCase().replace(/[: ]+/g, '-').replace(/-$/, ''));
      setAddress(doc, 'client', v6[2]);
      setIfDefined(doc, 'observer.ingress.interface.name', v6[3]);
      setIfDefined(doc, 'client.port', toInt(v6[4]));
    }
  }
  const client = getPath(doc, 'client');
  if (client) setPath(doc, 'source', structuredClone(client));
  const server = getPath(doc, 'server');
  if (server) setPath(doc, 'destination', structuredClone(server));
  const v6 = provider === 'dhcp6c' || String(getPath(doc, 'client.address') ?? '').includes(':');
  setPath(doc, 'network.protocol', v6 ? 'dhcpv6' : 'dhcp');
  setPath(doc, 'network.transport', 'udp');
  setPath(doc, 'event.category', ['network']);
  setPath(doc, 'event.type', ['connection', 'protocol', 'info']);
}

function applyUnbound(doc: EcsEvent, message: string): void {
  // unbound prefixes '[pid:thread] ' to its lines.
  const q = /^(?:\[[\d:]+\] )?(\w+): (\S+) (\S+?)\.? ([A-Z0-9]+) ([A-Z]+)$/.exec(message);
  if (q && isIpAddress(q[2])) {
    setPath(doc, 'log.level', q[1]);
    setAddress(doc, 'source', q[2]);
    setAddress(doc, 'client', q[2]);
    setPath(doc, 'dns.type', 'question');
    setPath(doc, 'dns.question.name', q[3]);
    setPath(doc, 'dns.question.type', q[4]);
    setPath(doc, 'dns.question.class', q[5]);
    setPath(doc, 'event.type', ['connection']);
  }
  setPath(doc, 'network.protocol', 'dns');
  setPath(doc, 'event.category', ['network']);
}

function applyOpenvpn(doc: EcsEvent, message: string): void {
  const src = /(?:^|[\s/[])(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F]*):(\d+)\b/.exec(message);
  if (src && isIpAddress(src[1])) {
    setAddress(doc, 'source', src[1]);
    setPath(doc, 'source.port', Number(src[2]));
  }
  const user =
    /\[([A-Za-z0-9._-]+)\] /.exec(message) ?? /user '([A-Za-z0-9._-]+)'/.exec(message) ??
    /^([A-Za-z0-9._-]+)\/\d/.exec(message);
  if (user) setPath(doc, 'user.name', user[1]);
  const nat = /IPv4=(\d{1,3}(?:\.\d{1,3}){3})/.exec(message);
  if (nat) setPath(doc, 'source.nat.ip', nat[1]);
  const lower = message.toLowerCase();
  if (lower.includes('auth')) appendValue(doc, 'event.category', 'authentication');
  if (getPath(doc, 'source.address') !== undefined) appendValue(doc, 'event.type', 'connection');
  if (lower.includes('error') || lower.includes('not auth') || lower.includes('auth_failed')) {
    appendValue(doc, 'event.type', 'error');
    if (lower.includes('auth')) setPath(doc, 'event.outcome', 'failure');
  }
  if (lower.includes('initiat')) appendValue(doc, 'event.type', 'start');
  setPath(doc, 'network.protocol', 'openvpn');
  appendValue(doc, 'event.category', 'network');
}

function applyPhpFpm(doc: EcsEvent, message: string): void {
  const m =
    /: (.*?) for user '([^']*)' from: (\S+?)(?: \(|$)/.exec(message) ?? /User (.*?) for user '([^']*)' from: (\S+)/.exec(message);
  setPath(doc, 'event.category', ['authentication']);
  if (!m) return;
  setPath(doc, 'user.name', m[2]);
  setAddress(doc, 'source', m[3]);
  const action = m[1].toLowerCase();
  setPath(doc, 'event.action', action.replace(/^webconfigurator /, '').replace(/\s+/g, '-'));
  if (action.includes('success')) setPath(doc, 'event.outcome', 'success');
  else if (action.includes('authentication error') || action.includes('failed')) setPath(doc, 'event.outcome', 'failure');
  if (action.includes('logged out')) setPath(doc, 'event.type', ['end']);
  else setPath(doc, 'event.type', ['start']);
}

/** Squid's native access log as pfSense forwards it: 'client STATUS/code bytes METHOD url user HIER/peer type'. */
function applySquid(doc: EcsEvent, message: string): void {
  const m = /(?:^|\s)(\S+) (\S+)\/(\d{3}) (\d+) (\S+) (\S+) (\S+) (\S+)\/(\S+) (\S+)\s*$/.exec(message);
  setPath(doc, 'event.category', ['web']);
  if (!m) return;
  setAddress(doc, 'source', m[1]);
  setPath(doc, 'pfsense.squid.request_status', m[2]);
  const status = Number(m[3]);
  setPath(doc, 'http.response.status_code', status);
  setPath(doc, 'http.response.bytes', Number(m[4]));
  setPath(doc, 'http.request.method', m[5]);
  if (m[6] !== '-') setUrlFields(doc, m[6]);
  setIfDefined(doc, 'user.name', m[7]);
  setPath(doc, 'pfsense.squid.hierarchy_status', m[8]);
  setAddress(doc, 'destination', m[9] === '-' ? undefined : m[9]);
  setIfDefined(doc, 'http.response.mime_type', m[10]);
  setIfDefined(doc, 'event.outcome', httpOutcome(status));
}

/** strongSwan (charon): the traffic lines carry both peers as 'ip[port] to ip[port] (N bytes)'. */
function applyIpsec(doc: EcsEvent, message: string): void {
  const m = /(\S+)\[(\d+)\] to (\S+)\[(\d+)\] \((\d+) bytes\)/.exec(message);
  if (m && isIpAddress(m[1]) && isIpAddress(m[3])) {
    setAddress(doc, 'source', m[1]);
    setPath(doc, 'source.port', Number(m[2]));
    setAddress(doc, 'destination', m[3]);
    setPath(doc, 'destination.port', Number(m[4]));
    setPath(doc, 'network.bytes', Number(m[5]));
    appendValue(doc, 'event.type', 'connection');
  }
  if (message.toLowerCase().includes('disconnected')) appendValue(doc, 'event.type', 'end');
  setPath(doc, 'network.protocol', 'ipsec');
  setPath(doc, 'event.category', ['network']);
}

export function parsePfsense(raw: RawRecord): ParseResult {
  const env = syslogEnvelope(raw, 'pfsense', DATASET, true);
  if (!env) return parseFailure(raw, DATASET, 'no syslog header: expected "[<PRI>]Mmm dd hh:mm:ss HOST PROGRAM[PID]: MESSAGE"');
  const { doc, message, header } = env;
  setPath(doc, 'observer.vendor', 'netgate');
  setPath(doc, 'observer.type', 'firewall');
  const host = header?.hostname;
  if (host) setPath(doc, isIpAddress(host) ? 'observer.ip' : 'observer.name', host);
  const rawName = String(getPath(doc, 'process.name') ?? '');
  // Elastic keeps the program's base name: '/usr/local/sbin/filterlog' and '(dhcpd)' become the word.
  const name = rawName.replace(/^\((.*)\)$/, '$1').replace(/^.*\//, '');
  if (name !== '') setPath(doc, 'process.name', name);
  // The provider is the program's first word ('squid-1' → squid), php-fpm excepted.
  const provider = name.startsWith('php-fpm') ? 'php-fpm' : /^\w+/.exec(name)?.[0];
  if (provider) setPath(doc, 'event.provider', provider);
  const text = message.trim();
  switch (getPath(doc, 'event.provider')) {
    case 'filterlog':
      if (!applyFilterlog(doc, text)) return parseFailure(raw, DATASET, 'filterlog: expected the CSV "rule,sub,anchor,tracker,iface,reason,action,dir,4|6,..."');
      break;
    case 'dhcpd':
    case 'dhclient':
    case 'dhcp6c':
      applyDhcp(doc, text, String(getPath(doc, 'event.provider')));
      break;
    case 'unbound':
      applyUnbound(doc, text);
      break;
    case 'openvpn':
      applyOpenvpn(doc, text);
      break;
    case 'php-fpm':
      applyPhpFpm(doc, text);
      break;
    case 'sshd':
      applySshMessage(text, doc);
      break;
    case 'haproxy':
      applyHaproxyMessage(text, doc, defaultZoneOf(raw.tz));
      break;
    case 'squid':
      applySquid(doc, text);
      break;
    case 'charon':
      applyIpsec(doc, text);
      break;
    default:
      break;
  }
  return { ok: true, events: [fillRelated(doc)] };
}

export const pfsenseParser: Parser = {
  dataset: DATASET,
  parse: parsePfsense,
  detect: (line) => / filterlog(?:\[\d+\]:| \d+ - )/.test(line),
};
