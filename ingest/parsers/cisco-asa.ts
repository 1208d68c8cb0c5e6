// Cisco ASA syslog (%ASA-sev-msgid: ...) → ECS, mirroring Elastic's cisco_asa.log pipeline: the
// syslog/EMBLEM header, one grammar per message id, and the per-id event categorisation table.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { abbreviationZone, defaultZoneOf } from '../normalise/time.ts';
import {
  baseEvent,
  fillRelatedB,
  isIp,
  parseFailure,
  put,
  putAddress,
  putPort,
  putSyslogPriority,
  putTransport,
  toInt,
} from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, localToEpoch, monthNumber, parseIsoLike, resolveYear } from './zoned-time.ts';

const DATASET = 'cisco_asa.log';

// Any %VENDOR tag (ASA, FTD, PIX, FWSM …), an optional facility suffix, severity and message id.
const MARKER = /%([A-Z]+)-(?:([A-Za-z_][A-Za-z_]*)-)?(\d)-(\d+)?:?\s*/;
const ASA_DATE =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+)?([A-Z][a-z]{2})\s+(\d{1,2})(?:\s+(\d{4}))?\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:\s+([APMCE][SD]T|UTC))?(?=[:\s]|$)/;
const ISO_DATE = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?(?=[:\s]|$)/;
// Elastic's ASA date grammar only knows these abbreviations; others are read as part of the header.

interface HeaderDate {
  text: string;
  tz?: string;
  year?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  second?: number;
  millis?: number;
  iso?: string;
}

function matchDate(s: string): { date: HeaderDate; rest: string } | undefined {
  const a = ASA_DATE.exec(s);
  if (a) {
    const month = monthNumber(a[1]);
    if (month === undefined) return undefined;
    return {
      date: {
        text: a[0],
        tz: a[8],
        year: a[3] ? Number(a[3]) : undefined,
        month,
        day: Number(a[2]),
        hour: Number(a[4]),
        minute: Number(a[5]),
        second: Number(a[6]),
        millis: a[7] ? Math.floor(Number(`0.${a[7]}`) * 1000) : 0,
      },
      rest: s.slice(a[0].length).replace(/^:?\s*/, ''),
    };
  }
  const i = ISO_DATE.exec(s);
  if (i) {
    return { date: { text: i[0], iso: i[1], tz: i[2] }, rest: s.slice(i[0].length).replace(/^:?\s*/, '') };
  }
  return undefined;
}

interface Header {
  priority?: number;
  date?: HeaderDate;
  hostname?: string;
  process?: string;
  pid?: number;
}

function parseHeader(prefix: string): Header {
  const h: Header = {};
  let rest = prefix.trim();
  const pri = /^<(\d{1,3})>\s*/.exec(rest);
  if (pri) {
    h.priority = Number(pri[1]);
    rest = rest.slice(pri[0].length);
  }
  const d1 = matchDate(rest);
  if (d1) {
    h.date = d1.date;
    rest = d1.rest;
  }
  const host = /^([^\s:%[]+)(?:\[\d+\])?\s*:?\s*/.exec(rest);
  if (host && !matchDate(rest)) {
    h.hostname = host[1];
    rest = rest.slice(host[0].length);
  }
  // Devices that prepend their own stamp after the relay's header ("host : Sep 25 15:47:07 EDT:").
  const d2 = matchDate(rest);
  if (d2) h.date = d2.date;
  else {
    const proc = /^([^%\s:[]+)(?:\[(\d+)\])?:?\s*$/.exec(rest);
    if (proc && h.hostname) {
      h.process = proc[1];
      if (proc[2]) h.pid = Number(proc[2]);
    }
  }
  return h;
}

function resolveZone(abbr: string | undefined, tz: string | undefined): string {
  if (abbr === 'Z') return 'UTC';
  const mapped = abbr ? abbreviationZone(abbr, tz) : undefined;
  return mapped ?? defaultZoneOf(tz) ?? 'UTC';
}

function timestampOf(date: HeaderDate, zone: string, receivedAt: Date): number | undefined {
  if (date.iso) return parseIsoLike(date.tz ? `${date.iso}${date.tz}` : date.iso, zone);
  if (date.month === undefined || date.day === undefined) return undefined;
  const parts = {
    month: date.month,
    day: date.day,
    hour: date.hour ?? 0,
    minute: date.minute ?? 0,
    second: date.second ?? 0,
    millis: date.millis ?? 0,
  };
  const year = date.year ?? resolveYear(parts, receivedAt, zone);
  return localToEpoch({ ...parts, year }, zone);
}

// ---- message grammars ------------------------------------------------------------------------

type Fields = Record<string, string | undefined>;

/** A dissect-style pattern: literal text with `{name}` (or `{}`) holes; the last hole takes the rest. */
function dissect(pattern: string): RegExp {
  const parts = pattern.split(/(\{[a-z_0-9]*\})/);
  const holes = parts.filter((p) => /^\{[a-z_0-9]*\}$/.test(p)).length;
  let seen = 0;
  let src = '^';
  for (const p of parts) {
    const hole = /^\{([a-z_0-9]*)\}$/.exec(p);
    if (hole) {
      seen++;
      const body = seen === holes && parts[parts.length - 1] === '' ? '.*' : '.*?';
      src += hole[1] ? `(?<${hole[1]}>${body})` : `(?:${body})`;
    } else {
      src += p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`${src}$`, 's');
}

// Building blocks for hand-written grammars.
// An IPv4/IPv6 address or a host name (no ':'), so interface names holding ':' stay whole.
const HOST = String.raw`(?:[0-9a-fA-F]*:[0-9a-fA-F:.]+|\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Za-z][0-9A-Za-z_-]*(?:\.[0-9A-Za-z][0-9A-Za-z_-]*)*)`;
const USER_PAREN = String.raw`(?:\s*\((?<suser>[^()]*(?:\([^()]*\))?[^()]*)\))?`;
const DUSER_PAREN = String.raw`(?:\s*\((?<duser>[^()]*(?:\([^()]*\))?[^()]*)\))?`;

interface Grammar {
  ids: string[];
  res: RegExp[];
}

const G = (ids: string[], ...res: (RegExp | string)[]): Grammar => ({
  ids,
  res: res.map((r) => (typeof r === 'string' ? dissect(r) : r)),
});

const GRAMMARS: Grammar[] = [
  G(['106001'], '{dir} {proto} connection denied from {saddr}/{sport} to {daddr}/{dport} flags {} on interface {sif}'),
  G(['106002'], '{proto} Connection denied by {dir} list {acl} src {saddr} dest {daddr}'),
  G(['106006'], 'Deny {dir} {proto} from {saddr}/{sport} to {daddr}/{dport} on interface {sif}'),
  G(['106007'], 'Deny {dir} {proto} from {saddr}/{sport} to {daddr}/{dport} due to {netproto} {}'),
  G(
    ['106010'],
    /^Deny (?<dir>\S+) (?:protocol (?<iana>\d+)|(?<proto>\S+)) src (?<sif>[^\s:]+):(?<saddr>[^\s/]+)(?:\/(?<sport>\d+))? (?:.*?)?dst (?<dif>[^\s:]+):(?<daddr>[^\s/(]+)(?:\/(?<dport>\d+))?/,
  ),
  G(['106012'], 'Deny IP from {saddr} to {daddr}, {reason}'),
  G(['106013'], 'Dropping echo request from {saddr} to PAT address {daddr}'),
  G(
    ['106014'],
    /^Deny (?<dir>\S+) (?<proto>\S+) src (?<sif>[^\s:]+):(?<saddr>\S+) (?:.*?)?dst (?<dif>[^\s:]+):(?<daddr>[^ (]*)/,
  ),
  G(
    ['106015'],
    /^Deny (?<proto>\S+) \S+ \S+ from (?<saddr>[^\s/]+)\/(?<sport>\d+) to (?<daddr>[^\s/]+)\/(?<dport>\d+) flags .*? on interface (?<sif>\S+)/,
  ),
  G(['106016'], 'Deny IP spoof from ({saddr}) to {daddr} on interface {sif}'),
  G(['106017'], 'Deny IP due to Land Attack from {saddr} to {daddr}'),
  G(['106018'], '{proto} packet type {icmptype} denied by {dir} list {acl} src {saddr} dest {daddr}'),
  G(['106020'], 'Deny IP teardrop fragment (size = {}, offset = {}) from {saddr} to {daddr}'),
  G(['106021'], 'Deny {proto} reverse path check from {saddr} to {daddr} on interface {sif}'),
  G(['106022'], 'Deny {proto} connection spoof from {saddr} to {daddr} on interface {sif}'),
  G(
    ['106023'],
    new RegExp(
      String.raw`^Deny (?:protocol (?<iana>\d+)|(?<proto>\S+)) src (?<sif>.*?):(?<saddr>${HOST})(?:\/(?<sport>\d+))?\s*(?:\((?<suser>[^)]*\)?)\) )?dst (?<dif>.*?):(?<daddr>${HOST})(?:\/(?<dport>\d+))?[(\s]+.*?by access-group "(?<acl>[^"\s]+)"`,
    ),
  ),
  G(['106027'], '{} Deny src {saddr} dst {daddr} by access-group "{acl}"'),
  G(['106100'], 'access-list {acl} {outcome} {proto} {sif}/{saddr}({sport}){}-> {dif}/{daddr}({dport}){}'),
  G(['106102'], 'access-list {acl} {outcome} {proto} for user {uname} {sif}/{saddr}({sport}){}-> {dif}/{daddr}({dport}){}'),
  G(['106103'], 'access-list {acl} denied {proto} for user {uname} {sif}/{saddr}({sport}){}-> {dif}/{daddr}({dport}){}'),
  G(['110002'], '{reason} for {proto} from {sif}:{saddr}/{sport} to {daddr}/{dport}'),
  G(['111004'], '{saddr} end configuration: {outcome}'),
  G(['111007'], 'Begin configuration: {saddr} {}'),
  G(['111009'], /^\S+ '(?<srvuser>\S+)' executed \S+ (?<cmd>.*)$/),
  G(['111010'], /^User '(?<srvuser>\S+)', running '[^']*' from IP (?<saddr>[0-9a-fA-F.:]+), executed '(?<cmd>[^']*)'/),
  G(
    ['113004'],
    /^AAA user (?<aaatype>.*?) Successful\s*:\s*server =\s*(?<daddr>\S+)\s*[:,] [Uu]ser = (?<sname>.+?)\s*$/,
  ),
  G(
    ['113005'],
    /^AAA user (?:authentication|authorization) Rejected\s*: reason = (?<rejreason>.*?)\s*: server = (?<daddr>\S+)\s*: user = ?(?<sname>.*?)\s*: user IP = (?:(?<saddr>[0-9a-fA-F.:]+)|None)/,
  ),
  G(['113008'], /^AAA transaction status ACCEPT\s*: user = (?<sname>.*)$/),
  G(['113009'], 'AAA retrieved default group policy {grouppolicy} for user {sname}'),
  G(['113012'], /^AAA user authentication Successful\s*: local database\s*: [Uu]ser = (?<sname>.+?)\s*$/),
  G(
    ['113015'],
    /^AAA user authentication Rejected\s*: reason = (?<rejreason>.*?)\s*: local database\s*: [Uu]ser = (?<sname>.*?)\s*: [Uu]ser IP = (?<saddr>[0-9a-fA-F.:]+)/,
  ),
  G(
    ['113019'],
    'Group = {group}, Username = {sname}, IP = {daddr}, Session disconnected. Session Type: {sessiontype}, Duration: {dur}, Bytes xmt: {sbytes}, Bytes rcv: {dbytes}, Reason: {reason}',
  ),
  G(['113021'], 'Attempted console login failed. User {sname} did NOT have appropriate Admin Rights.'),
  G(['113022', '113023'], 'AAA Marking {netproto} server {daddr} in aaa-server group {}'),
  G(
    ['113040'],
    'Group <{group}> User <{sname}> IP <{saddr}> Terminating the VPN connection attempt from <{tgroup}>. Reason: This connection is group locked to {}.',
    'Terminating the VPN connection attempt from {group}. Reason: This connection is group locked to {}.',
  ),
  G(
    ['113029', '113030', '113031', '113032', '113033', '113034', '113035', '113036', '113038', '113039'],
    /^Group <(?<group>[^>]*)> User <(?<sname>[^>]*)> IP <(?<saddr>[0-9a-fA-F.:]+)>/,
    /^Group (?<group>\S+) User (?<sname>\S+) IP (?<saddr>[0-9a-fA-F.:]+)/,
  ),
  G(['302010'], '{inuse} in use, {mostused} most used'),
  G(
    ['302013', '302015'],
    new RegExp(
      String.raw`^Built (?<dir>\S+) (?<proto>\S+) connection (?<connid>\d+) for (?<aif>[^:]*):(?<aaddr>${HOST})\/(?<aport>\d+) \((?<anat>[^\s/]+)\/(?<anatport>\d+)\)${USER_PAREN} to (?<bif>[^:]*):(?<baddr>[^\s/]+)\/(?<bport>\d+) \((?<bnat>[^\s/]+)\/(?<bnatport>\d+)\)${DUSER_PAREN}(?: \((?<termuser>[^)]*)\))?`,
    ),
  ),
  G(
    ['302014', '302016', '302018', '302021', '302036', '302304', '302306'],
    /^Teardown (?<proto>\S+) (?:state-bypass )?connection (?<connid>\S+) (?:for|from) (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+)\s*(?:\(?(?<suser>[^()]*(?:\([^()]*\))?[^()]*?)\)? )?to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+)\s*(?:\(?(?<duser>[^()]*(?:\([^()]*\))?[^()]*?)\)? )?duration (?<dur>\d+:\d{2}:\d{2}) bytes (?<bytes>\d+)(?: (?<reason>[^:(]*?))?(?: from (?<terminit>[^:(]*?))?(?: \((?<termuser>[^)]*)\))?\s*$/,
    new RegExp(
      String.raw`^Teardown (?<proto>\S+) connection for faddr (?:(?<dif>[^:\s]*):)?(?<daddr>${HOST})\/\d+\s*(?:\(?(?<duser>[^)]*)\)? )?gaddr (?:[^:\s]*:)?(?<natsrc>[^\s/]+)\/\d+ laddr (?:(?<sif>[^:\s]*):)?(?<saddr>${HOST})\/\d+\s*(?:\((?<suser>[^)]*)\))?(?:\s*type (?<icmptype>\d+) code (?<icmpcode>\d+))?`,
    ),
  ),
  G(
    ['302020'],
    new RegExp(
      String.raw`^Built (?<dir>\S+) (?<proto>\S+) connection for faddr (?:(?<dif>[^:\s]*):)?(?<daddr>${HOST})\/\d+\s*(?:\((?<duser>[^)]*)\) )?gaddr (?:[^:\s]*:)?(?<natsrc>[^\s/]+)\/\d+ laddr (?:(?<sif>[^:\s]*):)?(?<saddr>${HOST})\/\d+\s*(?:\((?<suser>[^)]*)\) ?)?(?:type (?<icmptype>\d+) code (?<icmpcode>\d+))?`,
    ),
  ),
  G(['302022'], 'Built {} stub {proto} connection for {sif}:{saddr}/{sport} {} to {dif}:{daddr}/{dport} {}'),
  G(
    ['302023'],
    'Teardown stub {proto} connection for {sif}:{saddr}/{sport} to {dif}:{daddr}/{dport} duration {dur} forwarded bytes {bytes} {reason}',
  ),
  G(
    ['303002'],
    '{netproto} connection from {sif}:{saddr}/{sport} to {dif}:{daddr}/{dport}, user {cuser} {} file {filepath}',
  ),
  G(['304001'], /^(?:(?<sname>\S+)@)?(?<saddr>[0-9a-fA-F.:]+)(?:\(.*?\))? .*? (?:\S+@)?(?<daddr>[0-9A-Za-z_.-]+):(?<url>.*)$/),
  G(['304002'], 'Access denied URL {url} SRC {saddr} {}EST {daddr} on interface {sif}'),
  G(
    ['305011'],
    /^Built \S+ (?<proto>\S+) translation from (?<sif>\S+):(?<saddr>[^\s/]+)\/(?<sport>\d+)(?:\((?<sname>\S+)\))? to (?<dif>\S+):(?<daddr>[0-9a-fA-F.:]+)\/(?<dport>\d+)/,
  ),
  G(
    ['305012'],
    /^Teardown .*? (?<proto>\S+) translation from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+)(?:\s*\((?<suser>[^)]*)\))? to (?<dif>[^:]*):(?<daddr>[0-9a-fA-F.:]+)\/(?<dport>\d+) duration (?<dur>\d+:\d{2}:\d{2})/,
  ),
  G(['313001', '313008'], 'Denied {proto} type={icmptype}, code={icmpcode} from {saddr} on interface {sif}'),
  G(
    ['313004'],
    'Denied {proto} type={icmptype}, from{}addr {saddr} on interface {sif} to {daddr}: no matching session',
  ),
  G(
    ['313005'],
    /^No matching connection for ICMP error message: (?<proto>\S+) src (?<sif>[^:]*):\S+? dst (?<dif>[^:]*):\S+? \(type (?<icmptype>\d+), code (?<icmpcode>\d+)\) on [^:]*? interface\.\s*Original IP payload: (?:protocol (?<origiana>\d+)|\S+) src (?<saddr>[^\s/]+)(?:\/(?<sport>\d+))? dst (?<daddr>[^\s/]+?)(?:\/(?<dport>\d+))?\.?$/,
    /^No matching connection for ICMP error message: (?<proto>\S+) src (?<sif>[^:]*):\S+ dst (?<dif>[^:]*):\S+ \(type (?<icmptype>\d+), code (?<icmpcode>\d+)\)/,
  ),
  G(
    ['313009'],
    'Denied invalid {proto} code {icmpcode}, for {sif}:{saddr}/{sport} ({natsrc}/{natsport}) to {dif}:{daddr}/{dport} ({natdst}/{natdport}){}',
  ),
  G(['315011'], 'SSH session from {saddr} on interface {sif} for user {sname} disconnected by SSH server, reason: {reason}'),
  G(['322001'], 'Deny MAC address {smac}, possible spoof attempt on interface {sif}'),
  G(
    ['338001', '338005', '338101', '338201', '338203'],
    /^Dynamic [Ff]ilter .*? (?<proto>\S+) traffic from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+) \((?<natsrc>[^\s/]+)\/(?<natsport>\d+)\) to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+) \((?<natdst>[^\s/]+)\/(?<natdport>\d+)\).*?source \S+ resolved from (?<acl>\S+) list: (?<sdomain>[^,]+)(?:, threat-level: (?<threatlevel>[^,]+), category: (?<threatcat>.*))?$/,
  ),
  G(
    ['338002', '338006', '338102', '338202', '338204'],
    /^Dynamic [Ff]ilter .*? (?<proto>\S+) traffic from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+) \((?<natsrc>[^\s/]+)\/(?<natsport>\d+)\) to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+) \((?<natdst>[^\s/]+)\/(?<natdport>\d+)\).*?destination \S+ resolved from (?<acl>\S+) list: (?<ddomain>[^,]+)(?:, threat-level: (?<threatlevel>[^,]+), category: (?<threatcat>.*))?$/,
  ),
  G(
    ['338003', '338004', '338007', '338008', '338103', '338104'],
    /^Dynamic [Ff]ilter .*? (?<proto>\S+) traffic from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+) \((?<natsrc>[^\s/]+)\/(?<natsport>\d+)\) to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+) \((?<natdst>[^\s/]+)\/(?<natdport>\d+)\).*?resolved from (?<acl>\S+) list: [^,]*(?:, threat-level: (?<threatlevel>[^,]+), category: (?<threatcat>.*))?$/,
  ),
  G(
    ['338301'],
    'Intercepted DNS reply for domain {sdomain} from {sif}:{saddr}/{sport} to {dif}:{daddr}/{dport}, matched {acl}',
  ),
  G(['402117'], /^IPSEC: Received a non-IPSec \((?<proto>[^)]+)\) packet from (?<saddr>\S+) to (?<daddr>\S+)\.?$/),
  G(['402119'], /^IPSEC: Received an? (?<proto>\S+) packet \(SPI= \S+, sequence number= \S+\) from (?<saddr>\S+) \(user= (?<sname>[^)]*)\) to (?<daddr>\S+) that failed anti-replay checking\.?$/),
  G(['419002'], /^(?<reason>.*?)from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+) to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+) ?(?<reason2>.*)$/),
  G(['421001'], /^(?<proto>\S+) flow from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+) to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+) is (?<reason>.*)$/),
  G(['421002'], /^(?<proto>\S+) flow from (?<sif>[^:]*):(?<saddr>[^\s/]+)\/(?<sport>\d+) to (?<dif>[^:]*):(?<daddr>[^\s/]+)\/(?<dport>\d+) bypassed (?<reason>.*)$/),
  G(['425005'], 'Interface {ifname} become active in redundant interface {redundant}'),
  G(['434002'], 'SFR requested to drop {proto} packet from {sif}:{saddr}/{sport} to {dif}:{daddr}/{dport}'),
  G(
    ['434004'],
    'SFR requested {} to bypass further packet redirection and process {proto} flow from {sif}:{saddr}/{sport} to {dif}:{daddr}/{dport} locally',
  ),
  G(['502103'], 'User priv level changed: Uname: {srvuser} From: {privold} To: {privnew}'),
  G(
    ['507003'],
    '{proto} flow from {sif}:{saddr}/{sport} to {dif}:{daddr}/{dport} terminated by inspection engine, reason - {reason}',
  ),
  G(['602303', '602304'], '{nettype}: An {dir} {tunneltype} SA (SPI= {}) between {saddr} and {daddr} (user= {uname}) has been {}.'),
  G(['605004', '605005'], 'Login {} from {saddr}/{sport} to {dif}:{daddr}/{netproto} for user "{sname}"'),
  G(['607001'], 'Pre-allocate SIP {conntype} secondary channel for {dif}:{daddr}/{dport} to {sif}:{saddr} from {sipmsg} message'),
  G(['609001'], 'Built local-host {sif}:{saddr}'),
  G(['609002'], 'Teardown local-host {sif}:{saddr} duration {dur}'),
  G(['611101', '611102'], 'User authentication {}: IP address: {saddr}, Uname: {srvuser}'),
  G(['611103'], 'User logged out: Uname: {uname}'),
  G(['710003'], '{proto} access denied by ACL from {saddr}/{sport} to {dif}:{daddr}/{dport}'),
  G(['710005', '710006'], '{proto} request discarded from {saddr}/{sport} to {dif}:{daddr}/{dport}'),
  G(
    ['713049'],
    /^Group = \S+, Username = (?<uname>\S+), IP = (?<saddr>[0-9a-fA-F.:]+), Security negotiation complete/,
    /^Group = \S+, IP = (?<saddr>[0-9a-fA-F.:]+), Security negotiation complete/,
  ),
  G(['713120'], 'Group = {}, IP = {saddr}, {reason} (msgid={eventid})'),
  G(['713202'], 'IP = {saddr}, {reason}. {} packet.'),
  G(
    ['713901', '713902', '713903', '713904', '713905', '713906'],
    /^(?:Group = [0-9a-fA-F.:]+, )?(?:IP = (?<saddr>[0-9a-fA-F.:]+), )?(?<reason>.*)$/,
  ),
  G(
    ['716002'],
    /^Group <(?<webvpngroup>[^>]*)> User <(?<sname>[^>]*)> IP <(?<saddr>[0-9a-fA-F.:]+)> WebVPN session terminated: (?<reason>.*?)\.?$/,
    /^Group (?<webvpngroup>\S+) User (?<sname>\S+) IP (?<saddr>[0-9a-fA-F.:]+) WebVPN session terminated: (?<reason>.*?)\.?$/,
  ),
  G(
    ['716003'],
    /^Group <(?<webvpngroup>[^<>]+)> User <(?<sname>[^<>]+)> IP <(?<saddr>[^<>]+)> WebVPN access GRANTED: "?(?<url>.*?)"?$/,
    /^Group (?<webvpngroup>\S+) User (?<sname>\S+) IP (?<saddr>\S+) WebVPN access GRANTED: "?(?<url>.*?)"?$/,
  ),
  G(
    ['716039'],
    /^Authentication: rejected, group = (?<group>\S+) user = (?<sname>\S+) , Session Type: (?<sessiontype>\S+)/,
    /^Group <(?<group>[^>]*)> User <(?<sname>[^>]*)> IP <(?<saddr>[0-9a-fA-F.:]+)> Authentication: rejected, Session Type: (?<sessiontype>[^.\s]+)\./,
  ),
  G(
    ['716058'],
    /^Group <(?<webvpngroup>[^<>]+)> User <(?<sname>[^<>]+)> IP <(?<saddr>[^<>]+)>/,
    /^Group (?<webvpngroup>\S+) User (?<sname>\S+) IP (?<saddr>\S+)/,
  ),
  G(
    ['716059'],
    /^Group <(?<webvpngroup>[^<>]+)> User(?: <(?<sname>[^<>]+)>)? IP <(?<daddr>[^<>]+)> AnyConnect session (?:resumed connection|resumed. Connection) from(?: IP)? <(?<saddr>\S+?)>\.$/,
    /^Group (?<webvpngroup>\S+) User(?: (?<sname>\S+))? IP (?<daddr>\S+) AnyConnect session (?:resumed connection|resumed. Connection) from(?: IP)? (?<saddr>\S+)\.$/,
  ),
  G(['721016'], /^\((?<devtype>[^)]*)\) WebVPN session for client user (?<sname>.*?), IP(?: address)?:? (?<daddr>\S+) has been created\.$/),
  G(['721018'], /^\((?<devtype>[^)]*)\) WebVPN session for client user (?<sname>.*?), IP(?: address)?:? (?<daddr>\S+) has been deleted\.$/),
  G(
    ['722011', '722022', '722023', '722028', '722032', '722033', '722034', '722037', '722051', '722010', '722012', '722036', '722038', '722041'],
    /^Group <(?<group>[^<>]+)> User <(?<sname>[^<>]+)> IP <(?<saddr>[^<>]+)> (?<reason>.*)$/,
    /^Group (?<group>\S+) User (?<sname>\S+) IP (?<saddr>\S+) (?<reason>.*)$/,
  ),
  G(
    ['722055'],
    /^Group <(?<group>[^<>]+)> User <(?<sname>[^<>]+)> IP <(?<saddr>[^<>]+)> Client Type: (?<ua>.*)$/,
    /^Group (?<group>\S+) User (?<sname>\S+) IP (?<saddr>\S+) Client Type: (?<ua>.*)$/,
  ),
  G(
    ['725001'],
    /^Starting SSL handshake with (?<peertype>\S+) (?<sif>.*?):(?<saddr>[^\s/]+)\/(?<sport>\S+) to (?<daddr>[^\s/]+)\/(?<dport>\S+) for (?<tlsver>\S+) session/,
    /^Starting SSL handshake with (?<peertype>\S+) (?<sif>.*?):(?<saddr>[^\s/]+)\/(?<sport>\S+) for (?<tlsver>\S+) session/,
  ),
  G(
    ['725002'],
    /^Device completed SSL handshake with (?<peertype>\S+) (?<sif>.*?):(?<saddr>[^\s/]+)\/(?<sport>\S+) to (?<daddr>[^\s/]+)\/(?<dport>\S+) for (?<tlsver>\S+)/,
  ),
  G(
    ['725007'],
    /^SSL session with (?<peertype>\S+) (?<sif>.*?):(?<saddr>[^\s/]+)\/(?<sport>\S+) to (?<daddr>[^\s/]+)\/(?<dport>\S+) terminated/,
  ),
  G(
    ['725016'],
    /^Device selects trust-point (?<trustpoint>.*?) for (?<peertype>\S+) (?<sif>.*?):(?<saddr>[^\s/]+)\/(?<sport>\S+) to (?<daddr>[^\s/]+)\/(?<dport>\S+)$/,
  ),
  G(
    ['733100'],
    /^\[\s*(?<burstobj>.*?)\] drop (?<burstid>\S+) exceeded\. Current burst rate is (?<burstrate>\d+) per second, max configured rate is (?<burstcfg>\d+); Current average rate is (?<burstavg>\d+) per second, max configured rate is (?<burstcfgavg>\d+); Cumulative total count is (?<burstcount>\d+)/s,
  ),
  G(
    ['734001'],
    'DAP: User {email}, Addr {saddr}, Connection {conntype}: The following DAP records were selected for this connection: {dap}',
  ),
  G(
    ['737003'],
    /^IPAA: (?:Session=(?<sessionid>\S+), )?DHCP configured, no viable servers found for tunnel-group (?<tgroup>\S+)$/,
  ),
  G(['737006'], /^IPAA: (?:Session=(?<sessionid>\S+), )?Local pool request succeeded for tunnel-group (?<tgroup>\S+)$/),
  G(['737016'], /^IPAA: (?:Session=(?<sessionid>\S+), )?Freeing local pool (?<poolname>\S+) address (?<pooladdr>\S+)$/),
  G(['737026'], /^IPAA: (?:Session=(?<sessionid>\S+), )?Client assigned (?<pooladdr>\S+) from local pool (?<poolname>\S+)$/),
  G(['737034'], /^IPAA: (?:Session=(?<sessionid>\S+), )?(?<reason>.*)$/),
  G(['750002'], 'Local:{saddr}:{sport} Remote:{daddr}:{dport} Username:{uname} {reason}'),
  G(['750003'], /^Local:(?<saddr>\S+?):(?<sport>\d+) Remote:(?<daddr>\S+?):(?<dport>\d+) Username:(?<uname>\S+) (?<reason>.*?) ERROR:(?<reason2>.*)$/),
  G(
    ['750001', '750004', '750005', '750006', '750007', '750008', '750009', '750010', '750011', '750012', '750013', '750014', '750015'],
    /^Local:(?<saddr>\S+?):(?<sport>\d+) Remote:(?<daddr>\S+?):(?<dport>\d+) Username:(?<uname>\S+) (?<reason>.*)$/,
  ),
  G(
    ['751025'],
    /^Local:(?<saddr>\S+?):(?<sport>\d+) Remote:(?<daddr>\S+?):(?<dport>\d+) Username:(?<uname>\S+) (?<reason>.*)$/,
  ),
  G(
    ['805001'],
    'Offloaded {proto} Flow for connection {connid} from {sif}:{saddr}/{sport} ({natsrc}/{natsport}) to {dif}:{daddr}/{dport} ({natdst}/{natdport})',
  ),
  G(
    ['805002'],
    '{proto} Flow is no longer offloaded for connection {connid} from {sif}:{saddr}/{sport} ({natsrc}/{natsport}) to {dif}:{daddr}/{dport} ({natdst}/{natdport})',
  ),
];

const GRAMMAR_BY_ID = new Map<string, Grammar>();
for (const g of GRAMMARS) for (const id of g.ids) GRAMMAR_BY_ID.set(id, g);

/** Real ASA messages stay well under this; longer input is kept as text rather than risk slow backtracking. */
const MAX_GRAMMAR_INPUT = 4096;

function matchMessage(id: string, message: string): Fields | undefined {
  const g = GRAMMAR_BY_ID.get(id);
  if (!g || message.length > MAX_GRAMMAR_INPUT) return undefined;
  for (const re of g.res) {
    const m = re.exec(message);
    if (m) return { ...(m.groups ?? {}) };
  }
  return undefined;
}

// ---- categorisation (Elastic's per-message-id table) -------------------------------------------

interface Categorisation {
  category?: string[];
  type: string[];
  outcome?: 'success' | 'failure';
  action?: string;
}

const DENY: Categorisation = { type: ['connection', 'denied'], outcome: 'failure', action: 'firewall-rule' };
const LOGIN_OK: Categorisation = {
  category: ['authentication', 'network'],
  type: ['allowed', 'info'],
  outcome: 'success',
  action: 'logged-in',
};
const LOGIN_FAIL: Categorisation = {
  category: ['authentication', 'network'],
  type: ['denied', 'info'],
  outcome: 'failure',
  action: 'logon-failed',
};
const VPN_ERR: Categorisation = { type: ['connection', 'denied'], outcome: 'failure', action: 'client-vpn-error' };
const FLOW_START: Categorisation = { type: ['connection', 'start'], outcome: 'success', action: 'flow-creation' };
const FLOW_END_OK: Categorisation = { type: ['connection', 'end'], outcome: 'success', action: 'flow-expiration' };
const FLOW_END: Categorisation = { type: ['connection', 'end'], action: 'flow-expiration' };
const DF_INFO: Categorisation = { type: ['connection', 'info'], action: 'dynamic-filter' };
const DF_DENY: Categorisation = { type: ['connection', 'denied'], outcome: 'failure', action: 'dynamic-filter' };
const CONFIG_INFO: Categorisation = { category: ['configuration'], type: ['info'], outcome: 'success', action: 'configuration' };

const CATEGORIES: Record<string, Categorisation> = {
  ...Object.fromEntries(
    ['106001', '106002', '106006', '106007', '106010', '106012', '106013', '106014', '106015', '106016', '106017',
      '106018', '106020', '106021', '106022', '106023', '106027', '106103', '313001', '313004', '313005', '313008',
      '313009', '322001', '434002', '710003', '710005', '710006'].map((id) => [id, DENY]),
  ),
  '110002': { type: ['connection', 'info'], outcome: 'failure', action: 'firewall-rule' },
  '111007': CONFIG_INFO,
  '111009': CONFIG_INFO,
  '111010': { category: ['configuration'], type: ['change'], outcome: 'success', action: 'configuration' },
  '113004': LOGIN_OK,
  '113005': LOGIN_FAIL,
  '113008': LOGIN_OK,
  '113009': LOGIN_OK,
  '113012': LOGIN_OK,
  '113015': LOGIN_FAIL,
  '113019': { type: ['connection', 'end'], action: 'client-vpn-disconnected' },
  '113021': LOGIN_FAIL,
  '113022': { type: ['info'], outcome: 'failure', action: 'server-failed' },
  '113023': { type: ['info'], outcome: 'success', action: 'server-active' },
  ...Object.fromEntries(
    ['113029', '113030', '113031', '113032', '113033', '113034', '113035', '113036', '113037', '113038', '113040'].map(
      (id) => [id, VPN_ERR],
    ),
  ),
  '113039': { category: ['network', 'session'], type: ['connection', 'start'], outcome: 'success', action: 'client-vpn-connected' },
  '302013': FLOW_START,
  '302014': FLOW_END,
  '302015': FLOW_START,
  '302016': FLOW_END_OK,
  '302018': FLOW_END_OK,
  '302020': FLOW_START,
  '302021': FLOW_END_OK,
  '302022': FLOW_START,
  '302023': FLOW_END_OK,
  '302024': FLOW_START,
  '302025': FLOW_END_OK,
  '302026': FLOW_START,
  '302027': FLOW_END_OK,
  '302036': FLOW_END,
  '302304': FLOW_END,
  '302306': FLOW_END,
  '303002': { category: ['network', 'file'], type: ['access'], outcome: 'success', action: 'ftp' },
  '304001': { type: ['access', 'allowed'], outcome: 'success', action: 'url-access' },
  '304002': { type: ['access', 'denied'], outcome: 'failure', action: 'url-access' },
  '305011': { category: ['network', 'configuration'], type: ['creation'], outcome: 'success', action: 'nat-slot' },
  '305012': { category: ['network', 'configuration'], type: ['deletion'], outcome: 'success', action: 'nat-slot' },
  '315011': { type: ['connection', 'end'], action: 'ssh-session-ended' },
  ...Object.fromEntries(['338001', '338002', '338003', '338004', '338101', '338102', '338103', '338104', '338201', '338202'].map((id) => [id, DF_INFO])),
  ...Object.fromEntries(['338005', '338006', '338007', '338008', '338203', '338204'].map((id) => [id, DF_DENY])),
  '338301': { type: ['connection', 'info'], action: 'firewall-rule' },
  '419002': { type: ['connection', 'info'], action: 'firewall-rule' },
  '425005': { type: ['info'], action: 'interface-switchover' },
  '434004': { type: ['info'], action: 'bypass' },
  '502103': { category: ['iam'], type: ['user', 'change'], outcome: 'success', action: 'privilege-level-changed' },
  '507003': { type: ['connection', 'end'], action: 'flow-termination' },
  '602303': { type: ['connection', 'start'], outcome: 'success', action: 'sa-created' },
  '602304': { type: ['connection', 'end'], outcome: 'success', action: 'sa-deleted' },
  '605004': LOGIN_FAIL,
  '605005': LOGIN_OK,
  '607001': { type: ['info'], outcome: 'success', action: 'firewall-rule' },
  '609001': FLOW_START,
  '609002': FLOW_END_OK,
  '611101': LOGIN_OK,
  '611102': LOGIN_FAIL,
  '611103': { category: ['authentication', 'network'], type: ['info'], outcome: 'success', action: 'logged-out' },
  '713049': { type: ['connection', 'start'], outcome: 'success', action: 'firewall-rule' },
  '713120': { type: ['connection', 'info'], outcome: 'success', action: 'firewall-rule' },
  '713202': { type: ['connection', 'info'], action: 'firewall-rule' },
  '713901': { type: ['info'], outcome: 'failure', action: 'client-vpn-error' },
  '713902': { type: ['info'], outcome: 'failure', action: 'client-vpn-error' },
  '713903': { type: ['info'] },
  '713904': { type: ['info'] },
  '713905': { type: ['info'] },
  '713906': { type: ['info'] },
  '716002': { type: ['connection', 'end'], action: 'client-vpn-disconnected' },
  '716003': { category: ['authentication', 'network'], type: ['allowed', 'info'], outcome: 'success' },
  '716039': LOGIN_FAIL,
  '716058': { type: ['connection', 'end'], action: 'client-vpn-disconnected' },
  '716059': { type: ['connection', 'start'], action: 'client-vpn-resumed' },
  '721016': { type: ['connection', 'start'], outcome: 'success', action: 'client-vpn-connected' },
  '721018': { type: ['connection', 'end'], outcome: 'success', action: 'client-vpn-disconnected' },
  '722011': { type: ['info'] },
  '722022': { type: ['connection', 'info'], outcome: 'success' },
  '722023': { type: ['connection', 'end'], outcome: 'success' },
  '722028': { type: ['connection', 'end'], outcome: 'success' },
  '722032': { type: ['connection', 'start'], outcome: 'success' },
  '722033': { type: ['connection', 'start'], outcome: 'success' },
  '722034': { type: ['connection', 'info'] },
  '722037': { type: ['connection', 'end'] },
  '722051': { type: ['connection', 'info'], outcome: 'success', action: 'address-assigned' },
  '722055': { type: ['connection', 'info'] },
  '725001': { type: ['connection', 'start'], outcome: 'success' },
  '725002': { type: ['connection', 'info'], outcome: 'success' },
  '725007': { type: ['connection', 'end'], outcome: 'failure' },
  '725016': { type: ['connection', 'info'], outcome: 'success' },
  '733100': { type: ['info'] },
  '734001': LOGIN_OK,
  '737003': { type: ['connection', 'info'], outcome: 'failure' },
  '737006': { type: ['connection', 'info'], outcome: 'success' },
  '737016': { type: ['connection', 'info'], outcome: 'success' },
  '737026': { type: ['connection', 'info'], outcome: 'success' },
  '737034': { type: ['connection', 'info'], outcome: 'failure' },
  '750002': { type: ['connection', 'start'], outcome: 'success', action: 'connection-started' },
  '750003': { type: ['connection', 'start'], outcome: 'failure' },
  '805001': { type: ['connection', 'start'], outcome: 'success', action: 'flow-offload-started' },
  '805002': { type: ['connection', 'end'], outcome: 'success', action: 'flow-offload-ended' },
};

/** Messages whose categorisation depends on the outcome word they carry (permitted/denied, ok/failed). */
const OUTCOME_CATEGORIES: Record<string, Record<string, Categorisation>> = {
  '106100': {
    denied: DENY,
    permitted: { type: ['connection', 'allowed'], outcome: 'success', action: 'firewall-rule' },
    'est-allowed': { type: ['connection', 'allowed'], outcome: 'success', action: 'firewall-rule' },
  },
  '106102': {
    denied: DENY,
    permitted: { type: ['connection', 'allowed'], outcome: 'success', action: 'firewall-rule' },
  },
  '111004': {
    failed: { category: ['configuration'], type: ['info'], outcome: 'failure', action: 'configuration' },
    ok: { category: ['configuration'], type: ['change'], outcome: 'success', action: 'configuration' },
  },
};

const LOG_LEVELS = ['emergency', 'alert', 'critical', 'error', 'warning', 'notification', 'informational', 'debug'];

// ---- field application -----------------------------------------------------------------------

/** `h:mm:ss`, also the VPN form `1h:02m:03s`. */
function hmsSeconds(text: string): number | undefined {
  const m = /^(\d+)h?:(\d{1,2})m?:(\d{1,2})s?$/.exec(text.trim());
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/** `LOCAL\user`, `DOMAIN\user`, `user@domain`, optional `, 123:SGTNAME` security-group tag. */
function putUser(doc: EcsEvent, prefix: 'source' | 'destination', text: string | undefined): void {
  if (!text) return;
  let t = text.trim().replace(/^\(|\)$/g, '');
  const sgt = /(?:,\s*|^)(\d+)(?::(\w+))?$/.exec(t);
  if (sgt) {
    setPath(doc, `cisco.asa.${prefix}_user_security_group_tag`, Number(sgt[1]));
    if (sgt[2]) setPath(doc, `cisco.asa.${prefix}_user_security_group_tag_name`, sgt[2]);
    t = t.slice(0, sgt.index).trim();
  }
  t = t.replace(/\$$/, '');
  if (t === '') return;
  setPath(doc, `cisco.asa.${prefix}_username`, t);
  if (getPath(doc, `${prefix}.user.name`) === undefined) putUserName(doc, prefix, t);
}

function putUserName(doc: EcsEvent, prefix: 'source' | 'destination', text: string): void {
  let t = text.trim();
  if (/^\*+$/.test(t)) {
    setPath(doc, `${prefix}.user.name`, t);
    return;
  }
  t = t.replace(/^LOCAL\\/, '');
  const dom = /^([0-9A-Za-z][0-9A-Za-z_.-]*)\\(.+)$/.exec(t);
  if (dom) {
    setPath(doc, `${prefix}.user.domain`, dom[1]);
    t = dom[2];
  }
  const mail = /^([^@$]+)@([0-9A-Za-z][0-9A-Za-z_.-]*)$/.exec(t);
  if (mail) {
    setPath(doc, `${prefix}.user.email`, t);
    setPath(doc, `${prefix}.user.domain`, mail[2]);
    t = mail[1];
  }
  setPath(doc, `${prefix}.user.name`, t);
}

function applyFields(doc: EcsEvent, id: string, f: Fields, timestampMs: number, zone: string): string | undefined {
  const asa = (k: string, v: unknown) => put(doc, `cisco.asa.${k}`, v);
  let outcomeWord: string | undefined;
  let natsrc = f.natsrc;
  let natdst = f.natdst;
  let natsport = f.natsport;
  let natdport = f.natdport;

  // 302013/302015 name the two sides by direction: inbound = first side is the source.
  if (f.aaddr !== undefined) {
    const outbound = f.dir?.toLowerCase() === 'outbound';
    const [s, d] = outbound ? ['b', 'a'] : ['a', 'b'];
    f.sif = f[`${s}if`];
    f.saddr = f[`${s}addr`];
    f.sport = f[`${s}port`];
    natsrc = f[`${s}nat`];
    natsport = f[`${s}natport`];
    f.dif = f[`${d}if`];
    f.daddr = f[`${d}addr`];
    f.dport = f[`${d}port`];
    natdst = f[`${d}nat`];
    natdport = f[`${d}natport`];
  }

  // 302020 names the foreign, global (mapped) and local addresses; an inbound ICMP flow starts outside.
  if (id === '302020' && f.dir?.toLowerCase() === 'inbound') {
    [f.saddr, f.daddr] = [f.daddr, f.saddr];
    [f.sif, f.dif] = [f.dif, f.sif];
    [f.suser, f.duser] = [f.duser, f.suser];
    natdst = natsrc;
    natsrc = undefined;
  }

  if (f.dir) put(doc, 'network.direction', f.dir.toLowerCase());
  if (f.proto) putTransport(doc, f.proto);
  if (f.iana) putTransport(doc, f.iana);
  if (f.nettype) put(doc, 'network.type', f.nettype.toLowerCase());
  if (f.netproto) put(doc, 'network.protocol', f.netproto.toLowerCase());
  putAddress(doc, 'source', f.saddr?.trim());
  putAddress(doc, 'destination', f.daddr?.trim());
  putPort(doc, 'source.port', f.sport);
  putPort(doc, 'destination.port', f.dport);
  asa('source_interface', f.sif);
  asa('destination_interface', f.dif);
  if (f.acl) asa('rule_name', f.acl);
  asa('connection_id', f.connid);
  if (f.bytes) put(doc, 'network.bytes', toInt(f.bytes));
  if (f.sbytes) put(doc, 'source.bytes', toInt(f.sbytes));
  if (f.dbytes) put(doc, 'destination.bytes', toInt(f.dbytes));
  const reason = [f.reason, f.reason2].filter((r) => r !== undefined && r.trim() !== '').join(' ').trim();
  if (reason) put(doc, 'event.reason', reason);
  if (f.outcome) outcomeWord = f.outcome.toLowerCase();
  if (f.group) put(doc, 'source.user.group.name', f.group);
  if (f.sname !== undefined && f.sname.trim() !== '') putUserName(doc, 'source', f.sname);
  if (f.dname) putUserName(doc, 'destination', f.dname);
  if (f.uname) put(doc, 'user.name', f.uname);
  if (f.srvuser) put(doc, 'server.user.name', f.srvuser);
  if (f.cuser) put(doc, 'client.user.name', f.cuser);
  putUser(doc, 'source', f.suser);
  putUser(doc, 'destination', f.duser);
  if (f.icmptype) asa('icmp_type', toInt(f.icmptype));
  if (f.icmpcode) asa('icmp_code', toInt(f.icmpcode));
  if (f.origiana) asa('original_iana_number', toInt(f.origiana));
  if (f.url) put(doc, 'url.original', f.url);
  if (f.filepath) put(doc, 'file.path', f.filepath);
  if (f.smac) put(doc, 'source.mac', f.smac);
  if (f.sdomain) put(doc, 'source.domain', f.sdomain.trim());
  if (f.ddomain) put(doc, 'destination.domain', f.ddomain.trim());
  // Dynamic-filter hits name the listed server; the DNS-intercept message (338301) names a client's lookup.
  if (f.sdomain && id !== '338301') put(doc, 'server.domain', f.sdomain.trim());
  if (f.ddomain) put(doc, 'server.domain', f.ddomain.trim());
  asa('threat_level', f.threatlevel);
  asa('threat_category', f.threatcat);
  asa('session_type', f.sessiontype);
  asa('tunnel_group', f.tgroup);
  asa('group_policy', f.grouppolicy);
  asa('connection_type', f.conntype);
  asa('termination_user', f.termuser);
  asa('termination_initiator', f.terminit?.trim());
  asa('rejection_reason', f.rejreason);
  asa('aaa_type', f.aaatype);
  asa('command_line_arguments', f.cmd);
  asa('peer_type', f.peertype);
  asa('trustpoint', f.trustpoint);
  asa('device_type', f.devtype);
  asa('session_id', f.sessionid);
  asa('pool_name', f.poolname);
  asa('pool_address', f.pooladdr);
  asa('interface_name', f.ifname);
  asa('redundant_interface_name', f.redundant);
  asa('tunnel_type', f.tunneltype);
  asa('message', f.sipmsg);
  if (f.webvpngroup) asa('webvpn.group_name', f.webvpngroup);
  if (f.privold) asa('privilege.old', f.privold);
  if (f.privnew) asa('privilege.new', f.privnew);
  if (f.inuse) asa('connections_in_use', toInt(f.inuse));
  if (f.mostused) asa('connections_most_used', toInt(f.mostused));
  if (f.ua) put(doc, 'user_agent.original', f.ua);
  if (f.email) put(doc, 'user.email', f.email);
  if (f.eventid) put(doc, 'event.id', f.eventid);
  if (f.dap) asa('dap_records', f.dap.split(/,\s+/));
  if (f.burstobj !== undefined) {
    // A multi-line object name arrives with syslog's #012 escapes and padding: keep the name only.
    asa('burst.object', f.burstobj.replace(/#012[\s\S]*$/, '').replace(/\n[\s\S]*$/, '').trim());
    asa('burst.id', f.burstid);
    asa('burst.current_rate', f.burstrate);
    asa('burst.configured_rate', f.burstcfg);
    asa('burst.avg_rate', f.burstavg);
    asa('burst.configured_avg_rate', f.burstcfgavg);
    asa('burst.cumulative_count', f.burstcount);
  }
  if (f.tlsver) {
    const t = /^([A-Z]+)(?:v(\d+(?:\.\d+)?))?/.exec(f.tlsver);
    if (t) {
      put(doc, 'tls.version_protocol', t[1].toLowerCase());
      put(doc, 'tls.version', t[2]);
    }
  }
  if (id === '722051' && f.reason) {
    const a = /^IPv4 Address <([^>]+)>/.exec(f.reason);
    if (a) asa('assigned_ip', a[1]);
  }
  if ((id === '722033' || id === '722034') && f.reason) {
    const t = /^(?:First|New) (\S+) SVC connection/.exec(f.reason);
    if (t) putTransport(doc, t[1]);
  }
  if (id === '607001' && f.conntype) {
    if (/^(?:UDP|TCP)$/.test(f.conntype)) putTransport(doc, f.conntype);
    else if (/^(?:RTP|RTCP)$/.test(f.conntype)) put(doc, 'network.protocol', f.conntype.toLowerCase());
  }
  if (id === '106013') {
    putTransport(doc, 'icmp');
    put(doc, 'network.direction', 'inbound');
  }
  if (id === '419002') putTransport(doc, 'tcp');
  if (id === '338301') {
    // An intercepted DNS reply travels server → client.
    putAddress(doc, 'client', f.daddr?.trim());
    putPort(doc, 'client.port', f.dport);
    putAddress(doc, 'server', f.saddr?.trim());
    putPort(doc, 'server.port', f.sport);
  }

  // NAT: the firewall always logs mapped addresses; only a real translation becomes source.nat.*.
  if (natsrc) {
    if (isIp(natsrc)) asa('mapped_source_ip', natsrc);
    else asa('mapped_source_host', natsrc);
  }
  if (natdst) {
    if (isIp(natdst)) asa('mapped_destination_ip', natdst);
    else asa('mapped_destination_host', natdst);
  }
  if (natsport) asa('mapped_source_port', toInt(natsport));
  if (natdport) asa('mapped_destination_port', toInt(natdport));
  const sip = getPath(doc, 'source.ip');
  const dip = getPath(doc, 'destination.ip');
  if (natsrc && isIp(natsrc) && natsrc !== sip) put(doc, 'source.nat.ip', natsrc);
  if (natsport && toInt(natsport) !== getPath(doc, 'source.port')) put(doc, 'source.nat.port', toInt(natsport));
  if (natdst && isIp(natdst) && natdst !== dip) put(doc, 'destination.nat.ip', natdst);
  if (natdport && toInt(natdport) !== getPath(doc, 'destination.port')) put(doc, 'destination.nat.port', toInt(natdport));

  if (f.dur) {
    const secs = hmsSeconds(f.dur);
    if (secs !== undefined) {
      put(doc, 'event.duration', secs * 1_000_000_000);
      put(doc, 'event.end', formatInZone(timestampMs, zone));
      put(doc, 'event.start', formatInZone(timestampMs - secs * 1000, zone));
    }
  }
  return outcomeWord;
}

function categorise(doc: EcsEvent, id: string, outcomeWord: string | undefined): void {
  const byOutcome = OUTCOME_CATEGORIES[id];
  const c = byOutcome && outcomeWord ? byOutcome[outcomeWord] : CATEGORIES[id];
  if (!c) return;
  if (c.category) setPath(doc, 'event.category', [...c.category]);
  setPath(doc, 'event.type', [...c.type]);
  if (c.outcome) setPath(doc, 'event.outcome', c.outcome);
  if (c.action) setPath(doc, 'event.action', c.action);
}

export function parseCiscoAsa(raw: RawRecord): ParseResult {
  const line = raw.message;
  if (line.trim() === '') return parseFailure(raw, DATASET, 'empty line');
  const marker = MARKER.exec(line);
  // Without an EMBLEM tag the device still sent the line (FTD before 6.3 omits it): keep the header.
  const header = parseHeader(marker ? line.slice(0, marker.index) : headerPrefix(line));
  const suffix = marker?.[2];
  const sevText = marker?.[3] ?? '7';
  const id = marker?.[4] ?? '';
  let message = marker ? line.slice(marker.index + marker[0].length) : line.slice(headerPrefix(line).length).trim();
  const doc = baseEvent(raw, 'cisco_asa', DATASET);
  setPath(doc, 'event.category', ['network']);
  const repeated = /^message repeated (\d+) times?: \[\s*([\s\S]*?)\s*\]\s*$/.exec(message);
  if (repeated) {
    setPath(doc, 'cisco.asa.message_repeats', Number(repeated[1]));
    message = repeated[2];
  }
  const severity = Number(sevText);
  setPath(doc, 'event.severity', severity);
  put(doc, 'log.level', LOG_LEVELS[severity]);
  if (id) {
    setPath(doc, 'event.code', id);
    setPath(doc, 'cisco.asa.message_id', id);
  }
  if (suffix) setPath(doc, 'cisco.asa.suffix', suffix);
  if (header.priority !== undefined) putSyslogPriority(doc, header.priority);
  put(doc, 'process.name', header.process);
  put(doc, 'process.pid', header.pid);

  const zone = resolveZone(header.date?.tz, raw.tz);
  setPath(doc, 'event.timezone', zone);
  let ts = raw.receivedAt.getTime();
  if (header.date) {
    const t = timestampOf(header.date, zone, raw.receivedAt);
    if (t !== undefined && !Number.isNaN(t)) ts = t;
  }
  setPath(doc, '@timestamp', formatInZone(ts, zone));
  if (header.hostname) {
    setPath(doc, 'host.hostname', header.hostname);
    setPath(doc, 'observer.hostname', header.hostname);
  }
  setPath(doc, 'observer.vendor', 'Cisco');
  setPath(doc, 'observer.type', 'firewall');
  setPath(doc, 'observer.product', 'asa');

  if (/^43000[1-5]$/.test(id) || (!id && /^\s*[A-Za-z][\w ]*: [^,]*,/.test(message))) {
    const security = securityEvent(doc, id, message);
    if (security) {
      finish(doc);
      return { ok: true, events: [doc] };
    }
  }
  const fields = matchMessage(id, message);
  let outcomeWord: string | undefined;
  if (fields) outcomeWord = applyFields(doc, id, fields, ts, zone);
  else if (message.trim() !== '') setPath(doc, 'message', message.trim());
  categorise(doc, id, outcomeWord);

  finish(doc);
  return { ok: true, events: [doc] };
}

/** Interface names, user.name fallback and related.* — shared by every message kind. */
function finish(doc: EcsEvent): void {
  const srcIf = getPath(doc, 'cisco.asa.source_interface');
  const dstIf = getPath(doc, 'cisco.asa.destination_interface');
  if (typeof srcIf === 'string' && srcIf !== '') setPath(doc, 'observer.ingress.interface.name', srcIf);
  if (typeof dstIf === 'string' && dstIf !== '') setPath(doc, 'observer.egress.interface.name', dstIf);
  if (getPath(doc, 'user.name') === undefined) put(doc, 'user.name', getPath(doc, 'destination.user.name'));
  const userName = getPath(doc, 'user.name');
  if (typeof userName === 'string') setPath(doc, 'user.name', userName.replace(/^['"]|['"]$/g, ''));
  fillRelatedB(doc);
  for (const p of ['source.user.domain', 'destination.user.domain']) {
    const v = getPath(doc, p);
    if (typeof v === 'string') {
      const hosts = (getPath(doc, 'related.hosts') as string[] | undefined) ?? [];
      if (!hosts.includes(v)) setPath(doc, 'related.hosts', [...hosts, v]);
    }
  }
}

/** The syslog header of a line without an EMBLEM tag: priority, stamp and host, up to the first ': '. */
function headerPrefix(line: string): string {
  const m = /^(?:<\d{1,3}>\s*)?(?:(?:[A-Z][a-z]{2}\s+\d{1,2}(?:\s+\d{4})?\s+\d{1,2}:\d{2}:\d{2}(?:\s+[A-Z]{3})?|\d{4}-\d{2}-\d{2}[T ]\S+):?\s+)?(?:[^\s:]+\s*:\s+)?/.exec(line);
  return m ? m[0] : '';
}

// ---- FTD security events (430001-430005: "Key: Value, Key: Value") ----------------------------

/** FTD key → [cisco.asa.security name, ECS fields, message ids it suggests]. */
const SECURITY_KEYS: Record<string, [string, string[], string[]]> = {
  ACPolicy: ['ac_policy', ['cisco.asa.rule_name'], ['430001', '430002', '430003']],
  AccessControlRuleAction: ['access_control_rule_action', ['event.outcome'], ['430002', '430003']],
  AccessControlRuleName: ['access_control_rule_name', ['cisco.asa.rule_name'], ['430002', '430003']],
  AccessControlRuleReason: ['access_control_rule_reason', [], ['430002', '430003']],
  ApplicationProtocol: ['application_protocol', ['network.protocol'], []],
  ArchiveFileName: ['archive_file_name', ['file.name'], ['430004', '430005']],
  ArchiveSHA256: ['archive_sha256', ['file.hash.sha256'], ['430004', '430005']],
  Classification: ['classification', [], ['430001']],
  Client: ['client', ['network.application'], []],
  ConnectionDuration: ['connection_duration', [], ['430003']],
  DNSQuery: ['dns_query', ['dns.question.name'], ['430002', '430003']],
  DNSRecordType: ['dns_record_type', ['dns.question.type'], ['430002', '430003']],
  DNSResponseType: ['dns_response_type', ['dns.response_code'], ['430002', '430003']],
  DstIP: ['dst_ip', ['destination.address'], []],
  DstPort: ['dst_port', ['destination.port'], []],
  EgressInterface: ['egress_interface', ['cisco.asa.destination_interface'], ['430001', '430002', '430003']],
  EgressZone: ['egress_zone', [], ['430001', '430002', '430003']],
  FileAction: ['file_action', [], ['430004', '430005']],
  FileDirection: ['file_direction', [], ['430004', '430005']],
  FileName: ['file_name', ['file.name'], ['430004', '430005']],
  FilePolicy: ['file_policy', ['cisco.asa.rule_name'], ['430004', '430005']],
  FileSHA256: ['file_sha256', ['file.hash.sha256'], ['430004', '430005']],
  FileSize: ['file_size', ['file.size'], ['430004', '430005']],
  FileType: ['file_type', ['file.type'], ['430004', '430005']],
  GID: ['gid', ['service.id'], ['430001']],
  HTTPReferer: ['http_referer', ['http.request.referrer'], ['430002', '430003']],
  HTTPResponse: ['http_response', ['http.response.status_code'], ['430001', '430002', '430003']],
  ICMPCode: ['icmp_code', [], ['430001', '430002', '430003']],
  ICMPType: ['icmp_type', [], ['430001', '430002', '430003']],
  IngressInterface: ['ingress_interface', ['cisco.asa.source_interface'], ['430001', '430002', '430003']],
  IngressZone: ['ingress_zone', [], ['430001', '430002', '430003']],
  InitiatorBytes: ['initiator_bytes', ['source.bytes'], ['430003']],
  InitiatorPackets: ['initiator_packets', ['source.packets'], ['430003']],
  InlineResult: ['inline_result', ['event.outcome'], ['430001']],
  IntrusionPolicy: ['intrusion_policy', ['cisco.asa.rule_name'], ['430001']],
  Message: ['message', ['message'], ['430001']],
  NAPPolicy: ['nap_policy', [], ['430001', '430002', '430003']],
  NetBIOSDomain: ['net_bios_domain', ['host.hostname'], ['430002', '430003']],
  Priority: ['priority', [], ['430001']],
  Protocol: ['protocol', ['network.transport'], []],
  ReferencedHost: ['referenced_host', ['url.domain'], ['430002', '430003']],
  ResponderBytes: ['responder_bytes', ['destination.bytes'], ['430003']],
  ResponderPackets: ['responder_packets', ['destination.packets'], ['430003']],
  Revision: ['revision', [], ['430001']],
  SHA_Disposition: ['sha_disposition', [], ['430004', '430005']],
  SID: ['sid', [], ['430001']],
  SSLActualAction: ['ssl_actual_action', ['event.outcome'], []],
  SSLServerName: ['ssl_server_name', ['server.domain'], ['430002', '430003']],
  SrcIP: ['src_ip', ['source.address'], []],
  SrcPort: ['src_port', ['source.port'], []],
  ThreatName: ['threat_name', ['cisco.asa.threat_category'], ['430005']],
  ThreatScore: ['threat_score', ['cisco.asa.threat_level'], ['430005']],
  URI: ['uri', ['url.original'], ['430004', '430005']],
  URL: ['url', ['url.original'], ['430002', '430003']],
  URLCategory: ['url_category', [], ['430002', '430003']],
  URLReputation: ['url_reputation', [], ['430002', '430003']],
  User: ['user', ['user.id', 'user.name'], []],
  UserAgent: ['user_agent', ['user_agent.original'], ['430002', '430003']],
  WebApplication: ['web_application', ['network.application'], []],
  originalClientSrcIP: ['original_client_src_ip', ['client.address'], ['430002', '430003']],
};

const SECURITY_ACTIONS: Record<string, string> = {
  '430001': 'intrusion-detected',
  '430002': 'connection-started',
  '430003': 'connection-finished',
  '430004': 'file-detected',
  '430005': 'malware-detected',
};

function securityEvent(doc: EcsEvent, id: string, message: string): boolean {
  const pairs = message.split(/,(?=\s*[A-Za-z1-9][\w ]*:)/);
  const counts = new Map<string, number>();
  let mapped = 0;
  for (const pair of pairs) {
    const colon = pair.indexOf(':');
    if (colon <= 0) continue;
    const key = pair.slice(0, colon).trim();
    const value = pair.slice(colon + 1).trim();
    const spec = SECURITY_KEYS[key];
    if (!spec) continue;
    mapped++;
    for (const mid of spec[2]) counts.set(mid, (counts.get(mid) ?? 0) + 1);
    if (value === '') continue;
    setPath(doc, `cisco.asa.security.${spec[0]}`, value);
    for (const field of spec[1]) if (getPath(doc, field) === undefined) setPath(doc, field, value);
  }
  if (mapped === 0) return false;
  let mid = id;
  if (!mid) {
    let best = 0;
    for (const [k, n] of counts) if (n > best) [mid, best] = [k, n];
  }
  if (mid) {
    setPath(doc, 'event.code', mid);
    setPath(doc, 'cisco.asa.message_id', mid);
    put(doc, 'event.action', SECURITY_ACTIONS[mid]);
  }
  const transport = getPath(doc, 'network.transport');
  if (typeof transport === 'string') putTransport(doc, transport);
  for (const side of ['source', 'destination', 'client']) {
    const addr = getPath(doc, `${side}.address`);
    if (typeof addr === 'string' && isIp(addr)) setPath(doc, `${side}.ip`, addr);
  }
  for (const p of ['source.port', 'destination.port', 'source.bytes', 'destination.bytes', 'source.packets', 'destination.packets', 'file.size', 'http.response.status_code']) {
    const v = toInt(getPath(doc, p));
    if (v !== undefined) setPath(doc, p, v);
  }
  const outcome = getPath(doc, 'event.outcome');
  if (typeof outcome === 'string') {
    const o = outcome.toLowerCase();
    setPath(doc, 'event.outcome', /^(allow|trust|pass|success)/.test(o) ? 'success' : /^(block|drop|deny|reset|fail)/.test(o) ? 'failure' : 'unknown');
  }
  if (mid === '430001') setPath(doc, 'event.category', ['network', 'intrusion_detection']);
  if (mid === '430004' || mid === '430005') setPath(doc, 'event.category', ['network', 'file']);
  if (mid === '430005' && ['Malware', 'Custom Detection'].includes(String(getPath(doc, 'cisco.asa.security.sha_disposition')))) setPath(doc, 'event.kind', 'alert');
  if (mid === '430002') setPath(doc, 'event.type', ['connection', 'start']);
  if (mid === '430003') setPath(doc, 'event.type', ['connection', 'end']);
  return true;
}

export const ciscoAsaParser: Parser = {
  dataset: DATASET,
  parse: parseCiscoAsa,
  detect: (line) => MARKER.test(line) && /%ASA-/.test(line),
};
