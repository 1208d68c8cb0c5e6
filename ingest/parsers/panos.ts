// Palo Alto Networks PAN-OS syslog (CSV by column position per log type: TRAFFIC, THREAT, SYSTEM,
// CONFIG, CORRELATION, GLOBALPROTECT, USERID, AUTHENTICATION, HIPMATCH, AUDIT) → ECS, as Elastic's
// panw.panos pipelines map them. Columns follow the PAN-OS syslog field descriptions.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { defaultZoneOf } from '../normalise/time.ts';
import { baseEvent, fillRelatedB, isIp, parseFailure, put, toInt } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, parseIsoLike } from './zoned-time.ts';

const DATASET = 'panw.panos';

/** Splits one CSV row: double-quoted fields may hold commas; `""` is a literal quote. */
export function splitCsvRow(row: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const c = row[i];
    if (quoted) {
      if (c === '"' && row[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

// Column names after the common header (…, TYPE, subtype, config version, generated time).
// `_x` columns are read but not kept; `srcuser`/`dstuser`/`srcloc`/… are handled below.
const DG = ['device_group_hierarchy1', 'device_group_hierarchy2', 'device_group_hierarchy3', 'device_group_hierarchy4'];
const TRAFFIC = [
  'source.ip', 'destination.ip', 'source.nat.ip', 'destination.nat.ip', 'ruleset', '_srcuser', '_dstuser',
  'network.application', 'virtual_sys', 'source.zone', 'destination.zone', 'inbound_interface', 'outbound_interface',
  'log_profile', '_x', 'flow_id', 'repeat_count', 'source.port', 'destination.port', 'source.nat.port',
  'destination.nat.port', '_flags', 'protocol', 'action', 'network.bytes', 'bytes_sent', 'bytes_received',
  'network.packets', 'start_time', 'elapsed_time', 'url.category', '_x', 'sequence_number', 'action_flags', '_srcloc',
  '_dstloc', '_x', 'packets_sent', 'packets_received', 'endreason', ...DG, 'vsys_name', 'device_name', 'action_source',
  'source_vm_uuid', 'destination_vm_uuid', 'imsi', 'imei', 'parent_session.id', 'parent_session.start_time',
  'tunnel_type', 'sctp.assoc_id', 'sctp.chunks', 'sctp.chunks_sent', 'sctp.chunks_received', 'rule_uuid',
  'http2_connection', 'link.change_count', 'policy.id', 'link.switches', 'sdwan.cluster.name', 'sdwan.device_type',
  'sdwan.cluster.type', 'sdwan.site', 'dynamic_user.group.name', 'xff.ip', 'src.category', 'src.profile', 'src.model',
  'src.vendor', 'src.os.family', 'src.os.version', 'src.host', 'src.mac', 'dst.category', 'dst.profile', 'dst.model',
  'dst.vendor', 'dst.os.family', 'dst.os.version', 'dst.host', 'dst.mac', 'container.id', 'pod.namespace', 'pod.name',
  'src.external_dynamic_list', 'dst.external_dynamic_list', 'host.id', 'serial_number', 'src.dynamic_address_group',
  'dst.dynamic_address_group', 'session.owner', '_high_res', 'nsdsai_sst', 'nsdsai_sd', 'application.sub_category',
  'application.category', 'application.technology', 'application.risk_level', 'application.characteristics',
  'application.container', 'application.tunneled', 'application.is_saas', 'application.is_sanctioned', 'is_offloaded',
];
const THREAT = [
  'source.ip', 'destination.ip', 'source.nat.ip', 'destination.nat.ip', 'ruleset', '_srcuser', '_dstuser',
  'network.application', 'virtual_sys', 'source.zone', 'destination.zone', 'inbound_interface', 'outbound_interface',
  'log_profile', '_logged_time', 'flow_id', 'repeat_count', 'source.port', 'destination.port', 'source.nat.port',
  'destination.nat.port', '_flags', 'protocol', 'action', 'misc', 'threat.name', 'url.category', 'severity',
  '_direction', 'sequence_number', 'action_flags', '_srcloc', '_dstloc', '_x', 'http_content_type', 'network.pcap_id',
  'file.hash', 'wildfire.name', 'url_idx', '_user_agent', 'file.type', '_forwarded_ip', 'referrer', 'sender', 'subject',
  'recipient', 'wildfire.report_id', ...DG, 'vsys_name', 'device_name', '_x', 'source_vm_uuid', 'destination_vm_uuid',
  'http_method', 'imsi', 'imei', 'parent_session.id', 'parent_session.start_time', 'tunnel_type', 'threat_category',
  'content_version', '_x', 'sctp.assoc_id', 'payload_protocol_id', 'http_headers', 'url_category_list', 'rule_uuid',
  'http2_connection', 'dynamic_user.group.name', 'xff.ip', 'src.category', 'src.profile', 'src.model', 'src.vendor',
  'src.os.family', 'src.os.version', 'src.host', 'src.mac', 'dst.category', 'dst.profile', 'dst.model', 'dst.vendor',
  'dst.os.family', 'dst.os.version', 'dst.host', 'dst.mac', 'container.id', 'pod.namespace', 'pod.name',
  'src.external_dynamic_list', 'dst.external_dynamic_list', 'host.id', 'serial_number', 'domain_edl',
  'src.dynamic_address_group', 'dst.dynamic_address_group', 'partial_hash', '_high_res', 'reason', 'justification',
  'nssai_sst', 'application.sub_category', 'application.category', 'application.technology', 'application.risk_level',
  'application.characteristics', 'application.container', 'application.tunneled', 'application.is_saas',
  'application.is_sanctioned', 'cloud_report.id',
];
const SYSTEM = [
  'virtual_sys', 'event.id', 'object.id', '_x', '_x', 'module', 'severity', 'description', 'sequence_number',
  'action_flags', ...DG, 'vsys_name', 'device_name', '_x', '_x', '_high_res',
];
const CONFIG = [
  'host.ip', 'virtual_sys', 'cmd', 'admin', 'client_type', 'result', 'path', 'before_change_detail',
  'after_change_detail', 'sequence_number', 'action_flags', ...DG, 'vsys_name', 'device_name', 'device_group_id',
  'comment',
];
const CORRELATION = [
  'source.ip', '_srcuser', 'virtual_sys', 'category', 'severity', ...DG, 'vsys_name', 'device_name', 'vsys_id',
  'object.name', 'object.id', 'evidence',
];
const GLOBALPROTECT = [
  'virtual_sys', 'event.id', 'stage', 'auth_method', 'tunnel_type', '_srcuser', '_srcloc', 'machine.name',
  'public.ip', 'public.ipv6', 'private.ip', 'private.ipv6', 'host.id', 'serial_number', 'client_ver', 'client.os',
  'client.os_version', 'repeat_count', 'event.reason', 'error_message', 'description', 'event.status', 'location',
  'login_duration', 'connect_method', 'error_code', 'portal', 'sequence_number', 'action_flags', '_high_res',
  'selection_type', 'response_time', 'priority', 'attempted_gateways', 'gateway', ...DG, 'vsys_name', 'device_name',
  'vsys_id',
];
const USERID = [
  'virtual_sys', 'source.ip', '_srcuser', 'datasourcename', 'event.id', 'repeat_count', 'timeout', 'source.port',
  'destination.port', 'datasource', 'datasourcetype', 'sequence_number', 'action_flags', ...DG, 'vsys_name',
  'device_name', 'vsys_id', 'factortype', 'factorcompletiontime', 'factorno', 'ugflags', 'user_by_source', 'tag.name',
  '_high_res',
];
const AUTHENTICATION = [
  'virtual_sys', 'source.ip', '_user', 'normalize_user', 'object.id', 'authentication.policy', 'repeat_count',
  'authentication.id', 'vendor', 'log_profile', 'server_profile', 'description', 'client_type', 'event.result',
  'factorno', 'sequence_number', 'action_flags', ...DG, 'vsys_name', 'device_name', 'vsys_id',
  'authentication.protocol', 'rule_uuid', '_high_res', 'src.category', 'src.profile', 'src.model', 'src.vendor',
  'src.os.family', 'src.os.version', 'src.host', 'src.mac', 'region', '_x', '_user_agent', 'flow_id',
];
const HIPMATCH = [
  '_srcuser', 'virtual_sys', 'machine.name', 'machine.os', 'source.ip', 'hip.name', 'repeat_count', 'hip.type', '_x',
  '_x', 'sequence_number', 'action_flags', ...DG, 'vsys_name', 'device_name', 'vsys_id', 'source.ipv6', 'host.id',
  'serial_number', 'machine.mac_address', '_high_res',
];
const DECRYPTION = [
  'source.ip', 'destination.ip', 'source.nat.ip', 'destination.nat.ip', 'ruleset', '_srcuser', '_dstuser',
  'network.application', 'virtual_sys', 'source.zone', 'destination.zone', 'inbound_interface', 'outbound_interface',
  'log_profile', '_logged_time', 'flow_id', 'repeat_count', 'source.port', 'destination.port', 'source.nat.port',
  'destination.nat.port', '_flags', 'protocol', 'action', 'tunnel_type', '_x', '_x', 'source_vm_uuid',
  'destination_vm_uuid', 'rule_uuid', 'hs_stage_c2f', 'hs_stage_f2s', '_tls', 'tls.key_exchange_algorithm',
  'tls.encryption', 'tls.auth', 'policy.name', 'elliptic_curve', 'tls.error_type', 'root_certificate_status',
  'chain_status', 'proxy_type', 'certificate.serial_number', '_hash', 'certificate.not_before', 'certificate.not_after',
  'certificate.version', 'certificate.size', 'subject_common_name.length', 'issuer_common_name.length',
  'root_common_name.length', 'server_name_indication.length', 'certificate.flags', 'subject_common_name.value',
  'issuer_common_name.value', 'root_common_name.value', 'server_name_indication.value', 'error_message',
  'container.id', 'pod.namespace', 'pod.name', 'src.external_dynamic_list', 'dst.external_dynamic_list',
  'src.dynamic_address_group', 'dst.dynamic_address_group', '_high_res', 'src.category', 'src.profile', 'src.model',
  'src.vendor', 'src.os.family', 'src.os.version', 'src.host', 'src.mac', 'dst.category', 'dst.profile', 'dst.model',
  'dst.vendor', 'dst.os.family', 'dst.os.version', 'dst.host', 'dst.mac', 'sequence_number', 'action_flags', ...DG,
  'vsys_name', 'device_name', 'vsys_id', 'application.sub_category', 'application.category', 'application.technology',
  'application.risk_level', 'application.characteristics', 'application.container', 'application.tunneled',
  'application.is_saas', 'application.is_sanctioned',
];
const AUDIT = ['event.code', 'event.id', 'user.name', 'event.action', 'event.outcome'];

const COLUMNS: Record<string, string[]> = {
  TRAFFIC, THREAT, SYSTEM, CONFIG, CORRELATION, GLOBALPROTECT, USERID, AUTHENTICATION, HIPMATCH, 'HIP-MATCH': HIPMATCH,
  DECRYPTION,
};

const LABEL_BITS: [string, number][] = [
  ['pcap_included', 0x80000000], ['connect_to_destination_host', 0x40000000], ['file_submitted_to_WildFire', 0x20000000],
  ['enterprise_credential_submission', 0x10000000], ['source_flow_allow_list', 0x08000000], ['ipv6_session', 0x02000000],
  ['ssl_decrypted', 0x01000000], ['url_filter_denied', 0x00800000], ['nat_translated', 0x00400000],
  ['captive_portal', 0x00200000], ['non_standard_port_usage', 0x00100000], ['x_forwarded_for', 0x00080000],
  ['http_proxy', 0x00040000], ['client_server_policy_based_forwarding', 0x00020000],
  ['server_client_policy_based_forwarding', 0x00010000], ['container_page', 0x00008000], ['temporary_match', 0x00002000],
  ['symmetric_return', 0x00000800], ['decrypted_traffic', 0x00000400], ['payload_outer_tunnel', 0x00000100],
];

const THREAT_ACTIONS: Record<string, string> = {
  data: 'data_match', file: 'file_match', flood: 'flood_detected', packet: 'packet_attack', scan: 'scan_detected',
  spyware: 'spyware_detected', url: 'url_filtering', virus: 'virus_detected', vulnerability: 'exploit_detected',
  wildfire: 'wildfire_verdict', 'wildfire-virus': 'wildfire_virus_detected',
};
const SEVERITY: Record<string, number> = { critical: 1, high: 2, medium: 3, low: 4, informational: 5 };
const ALLOWED = ['alert', 'allow', 'continue'];
const DENIED = ['deny', 'drop', 'reset-client', 'reset-server', 'reset-both', 'block-url', 'block-ip', 'random-drop', 'sinkhole', 'block'];

function panDate(text: string | undefined, zone: string): string | undefined {
  if (!text) return undefined;
  const t = parseIsoLike(text, zone);
  return t === undefined ? undefined : formatInZone(t, zone);
}

function appendList(doc: EcsEvent, path: string, values: string[]): void {
  const cur = (getPath(doc, path) as string[] | undefined) ?? [];
  for (const v of values) if (!cur.includes(v)) cur.push(v);
  setPath(doc, path, cur);
}

/** `DOMAIN\user`, `user@domain` or a bare name into `<prefix>.user.*`. */
function putUser(doc: EcsEvent, prefix: string, text: string | undefined): void {
  if (!text) return;
  const dom = /^([^\\]+)\\{1,2}(.+)$/.exec(text);
  const mail = /^([^@]+)@(.+)$/.exec(text);
  if (dom) {
    setPath(doc, `${prefix}.user.domain`, dom[1]);
    setPath(doc, `${prefix}.user.name`, dom[2]);
  } else if (mail) {
    setPath(doc, `${prefix}.user.name`, mail[1]);
    setPath(doc, `${prefix}.user.domain`, mail[2]);
  } else setPath(doc, `${prefix}.user.name`, text);
}

/** A scheme-less PAN-OS URL (`host:port/path?query`) into url.*; the host also becomes destination.domain. */
function putUrl(doc: EcsEvent, original: string): void {
  setPath(doc, 'url.original', original);
  let hostPort = original;
  const slash = original.indexOf('/');
  if (slash >= 0) {
    hostPort = original.slice(0, slash);
    const rest = original.slice(slash);
    const q = rest.indexOf('?');
    const path = q >= 0 ? rest.slice(0, q) : rest;
    setPath(doc, 'url.path', path);
    if (q >= 0) setPath(doc, 'url.query', rest.slice(q + 1));
    const dot = path.lastIndexOf('.');
    if (dot >= 0) setPath(doc, 'url.extension', path.slice(dot + 1));
  } else {
    const q = original.indexOf('?');
    if (q >= 0) {
      hostPort = original.slice(0, q);
      setPath(doc, 'url.query', original.slice(q + 1));
    }
  }
  if (hostPort.includes(':')) {
    const [host, port] = hostPort.split(':');
    setPath(doc, 'url.domain', host);
    const p = toInt(port);
    if (p !== undefined) setPath(doc, 'url.port', p);
  } else if (hostPort !== '') {
    setPath(doc, 'url.domain', hostPort);
    setPath(doc, 'destination.domain', hostPort);
  }
}

function copy(doc: EcsEvent, from: string, to: string, convert?: (v: string) => unknown): void {
  const v = getPath(doc, `panw.panos.${from}`);
  if (typeof v !== 'string' || v === '') return;
  const out = convert ? convert(v) : v;
  if (out !== undefined) setPath(doc, to, out);
}

const int = (v: string) => toInt(v);

function mapColumns(doc: EcsEvent, columns: string[], values: string[], temp: Record<string, string>): void {
  columns.forEach((name, i) => {
    const v = values[i];
    if (v === undefined || v === '') return;
    if (name.startsWith('_')) temp[name.slice(1)] = v;
    else setPath(doc, `panw.panos.${name}`, v);
  });
}

function traffic(doc: EcsEvent): void {
  setPath(doc, 'event.kind', 'event');
  appendList(doc, 'event.category', ['network']);
  setPath(doc, 'event.outcome', getPath(doc, 'panw.panos.action') === 'allow' ? 'success' : 'failure');
  copy(doc, 'bytes_received', 'destination.bytes', int);
  copy(doc, 'packets_received', 'destination.packets', int);
  copy(doc, 'network.bytes', 'network.bytes', int);
  copy(doc, 'network.packets', 'network.packets', int);
  copy(doc, 'bytes_sent', 'source.bytes', int);
  copy(doc, 'packets_sent', 'source.packets', int);
  copy(doc, 'elapsed_time', 'event.duration', (v) => {
    const n = toInt(v);
    return n === undefined ? undefined : n * 1_000_000_000;
  });
}

function threat(doc: EcsEvent, temp: Record<string, string>, subtype: string): void {
  const dir = temp.direction;
  if (dir === '0' || dir === 'client-to-server') setPath(doc, 'network.direction', 'inbound');
  else if (dir === '1' || dir === 'server-to-client') setPath(doc, 'network.direction', 'outbound');
  else setPath(doc, 'network.direction', 'unknown');
  if (dir) setPath(doc, 'panw.panos.network.direction', dir);
  setPath(doc, 'event.kind', 'alert');
  appendList(doc, 'event.category', ['intrusion_detection', 'threat', 'network']);
  const action = getPath(doc, 'panw.panos.action');
  setPath(doc, 'event.outcome', typeof action === 'string' && ALLOWED.includes(action) ? 'success' : 'failure');
  const fwd = temp.forwarded_ip;
  if (fwd && isIp(fwd)) setPath(doc, 'network.forwarded_ip', fwd);
  else if (fwd) setPath(doc, 'panw.panos.x_forwarded_for', fwd);
  copy(doc, 'recipient', 'destination.user.email');
  copy(doc, 'sender', 'source.user.email');
  copy(doc, 'file.type', 'file.type');
  copy(doc, 'http_method', 'http.request.method');
  copy(doc, 'referrer', 'http.request.referrer');
  copy(doc, 'severity', 'log.level');
  const misc = getPath(doc, 'panw.panos.misc');
  if (typeof misc === 'string' && misc !== '') {
    const hasSlash = misc.includes('/');
    if (subtype === 'url' || ((subtype === 'virus' || subtype === 'vulnerability') && hasSlash)) putUrl(doc, misc);
    if (subtype === 'file' && (hasSlash || misc.includes('\\'))) {
      setPath(doc, 'file.path', misc);
      setPath(doc, 'file.name', misc.slice(Math.max(misc.lastIndexOf('/'), misc.lastIndexOf('\\')) + 1));
    } else if (['file', 'virus', 'vulnerability'].includes(subtype) && !hasSlash && !misc.includes('\\')) {
      setPath(doc, 'file.name', misc);
    }
    if (subtype === 'vulnerability' && getPath(doc, 'file.name') !== undefined) delete doc.url;
  }
  if (temp.user_agent) setPath(doc, 'panw.panos.user_agent', temp.user_agent);
  const list = getPath(doc, 'panw.panos.url_category_list');
  if (typeof list === 'string') setPath(doc, 'panw.panos.url_category_list', list.trim().split(','));
  const name = getPath(doc, 'panw.panos.threat.name');
  if (typeof name === 'string') {
    const m = /^(.*?)\(\s*(\d+)\s*\)$/.exec(name);
    if (m) {
      if (m[1] !== '') setPath(doc, 'panw.panos.threat.name', m[1]);
      setPath(doc, 'panw.panos.threat.id', m[2]);
    }
    if (getPath(doc, 'panw.panos.threat.id') === '9999') setPath(doc, 'panw.panos.threat.name', 'URL-filtering');
  }
}

function sessionFields(doc: EcsEvent, temp: Record<string, string>, zone: string): void {
  copy(doc, 'source.ip', 'source.ip');
  copy(doc, 'destination.ip', 'destination.ip');
  copy(doc, 'source.nat.ip', 'source.nat.ip');
  copy(doc, 'destination.nat.ip', 'destination.nat.ip');
  copy(doc, 'source.port', 'source.port', int);
  copy(doc, 'destination.port', 'destination.port', int);
  copy(doc, 'source.nat.port', 'source.nat.port', int);
  copy(doc, 'destination.nat.port', 'destination.nat.port', int);
  copy(doc, 'network.application', 'network.application', (v) => v.toLowerCase());
  copy(doc, 'protocol', 'network.transport', (v) => v.toLowerCase());
  copy(doc, 'outbound_interface', 'observer.egress.interface.name');
  copy(doc, 'destination.zone', 'observer.egress.zone');
  copy(doc, 'inbound_interface', 'observer.ingress.interface.name');
  copy(doc, 'source.zone', 'observer.ingress.zone');
  copy(doc, 'rule_uuid', 'rule.uuid');
  copy(doc, 'repeat_count', 'panw.panos.repeat_count', int);
  if (temp.srcloc) setPath(doc, 'panw.panos.source.location', temp.srcloc);
  if (temp.dstloc) setPath(doc, 'panw.panos.destination.location', temp.dstloc);
  if (temp.srcloc) setPath(doc, 'source.geo.name', temp.srcloc);
  if (temp.dstloc) setPath(doc, 'destination.geo.name', temp.dstloc);
  const start = panDate(getPath(doc, 'panw.panos.start_time') as string | undefined, zone);
  if (start) {
    setPath(doc, 'panw.panos.start_time', start);
    setPath(doc, 'event.start', start);
    const dur = getPath(doc, 'event.duration');
    if (typeof dur === 'number') setPath(doc, 'event.end', formatInZone(Date.parse(start) + dur / 1e6, zone));
  }
  if (temp.logged_time) put(doc, 'panw.panos.logged_time', panDate(temp.logged_time, zone));
  const flags = temp.flags ? Number.parseInt(temp.flags, 16) : 0;
  if (flags) {
    for (const [label, bit] of LABEL_BITS) if ((flags & bit) >>> 0 !== 0) setPath(doc, `labels.${label}`, true);
  }
  for (const side of ['source', 'destination']) {
    if (getPath(doc, `${side}.nat.ip`) === '0.0.0.0' && getPath(doc, `${side}.nat.port`) === 0) {
      const nat = getPath(doc, side) as EcsEvent;
      delete nat.nat;
    }
  }
  const http2 = getPath(doc, 'panw.panos.http2_connection');
  if (typeof http2 === 'string' && http2 !== '0') setPath(doc, 'http.version', '2');
}

export function parsePanos(raw: RawRecord): ParseResult {
  const line = raw.message;
  const zone = defaultZoneOf(raw.tz) ?? 'UTC';
  const doc = baseEvent(raw, 'panw', DATASET);
  setPath(doc, 'observer.vendor', 'Palo Alto Networks');
  setPath(doc, 'observer.product', 'PAN-OS');
  setPath(doc, 'observer.type', 'firewall');
  if (raw.tz) setPath(doc, 'event.timezone', zone);
  const temp: Record<string, string> = {};
  let subtype = '';
  let type: string;

  const std =
    /^(?:.*?),(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[^,]+),([^,]*),([A-Z][A-Z-]+),([^,]*),([^,]*),(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T[^,]+),([\s\S]*)$/.exec(
      line,
    );
  const audit = std ? null : /^(?:<\d+>)?(?:[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+(\S+)\s+)?(\w+),(\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}),(audit|AUDIT),([\s\S]*)$/.exec(line);
  let rest: string;
  if (std) {
    const [, received, serial, t, sub, , generated, body] = std;
    type = t;
    subtype = sub;
    put(doc, 'observer.serial_number', serial);
    setPath(doc, 'panw.panos.type', type);
    put(doc, 'panw.panos.sub_type', subtype);
    const created = panDate(received, zone);
    if (created) {
      setPath(doc, 'event.created', created);
      setPath(doc, 'panw.panos.received_time', created);
    }
    const ts = panDate(generated, zone);
    if (ts) {
      setPath(doc, '@timestamp', ts);
      setPath(doc, 'panw.panos.generated_time', ts);
    }
    rest = body;
  } else if (audit) {
    const [, host, serial, generated, t, body] = audit;
    type = t.toUpperCase();
    setPath(doc, 'observer.serial_number', serial);
    setPath(doc, 'panw.panos.type', t);
    const ts = panDate(generated, zone);
    if (ts) setPath(doc, '@timestamp', ts);
    if (host && isIp(host)) setPath(doc, 'source.ip', host);
    rest = body;
  } else {
    return parseFailure(raw, DATASET, 'not a PAN-OS CSV log (no receive time, serial, type, generated time header)');
  }
  setPath(doc, 'message', rest);
  const values = splitCsvRow(rest);

  if (type === 'AUDIT') {
    AUDIT.forEach((name, i) => {
      if (values[i]) setPath(doc, `panw.panos.${name}`, values[i]);
    });
    setPath(doc, 'event.kind', 'event');
    appendList(doc, 'event.category', ['configuration']);
  } else {
    const columns = COLUMNS[type];
    if (columns) mapColumns(doc, columns, values, temp);
    switch (type) {
      case 'TRAFFIC':
        sessionFields(doc, temp, zone);
        traffic(doc);
        break;
      case 'THREAT':
        sessionFields(doc, temp, zone);
        threat(doc, temp, subtype);
        break;
      case 'DECRYPTION': {
        sessionFields(doc, temp, zone);
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['network']);
        // A decryption error message is the failure signal; without one the session was decrypted.
        setPath(doc, 'event.outcome', getPath(doc, 'panw.panos.error_message') ? 'failure' : 'success');
        copy(doc, 'tls.encryption', 'tls.cipher');
        copy(doc, 'elliptic_curve', 'tls.curve');
        copy(doc, 'server_name_indication.value', 'tls.client.server_name');
        copy(doc, 'subject_common_name.value', 'tls.client.x509.subject.common_name', (v) => [v]);
        copy(doc, 'issuer_common_name.value', 'tls.client.x509.issuer.common_name', (v) => [v]);
        copy(doc, 'certificate.serial_number', 'tls.client.x509.serial_number');
        copy(doc, 'certificate.size', 'tls.client.x509.public_key_size', int);
        copy(doc, 'certificate.version', 'tls.client.x509.version_number');
        for (const k of ['not_before', 'not_after']) {
          const v = panDate(getPath(doc, `panw.panos.certificate.${k}`) as string | undefined, zone);
          if (v) {
            setPath(doc, `panw.panos.certificate.${k}`, v);
            setPath(doc, `tls.client.${k}`, v);
          }
        }
        const hash = temp.hash;
        if (hash) {
          setPath(doc, 'panw.panos.hash', hash);
          const alg = hash.length === 32 ? 'md5' : hash.length === 40 ? 'sha1' : hash.length === 64 ? 'sha256' : undefined;
          if (alg) setPath(doc, `tls.client.hash.${alg}`, hash);
        }
        if (temp.tls) {
          setPath(doc, 'panw.panos.tls.version', temp.tls);
          const m = /^([A-Za-z]{3})(\d+(?:\.\d+)?)/.exec(temp.tls);
          if (m) {
            setPath(doc, 'tls.version_protocol', m[1].toLowerCase());
            setPath(doc, 'tls.version', m[2]);
          }
        }
        break;
      }
      case 'SYSTEM':
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['configuration']);
        copy(doc, 'event.id', 'event.code');
        copy(doc, 'severity', 'log.level');
        break;
      case 'CONFIG': {
        const cmd = getPath(doc, 'panw.panos.cmd');
        const actions = ['add', 'clone', 'commit', 'delete', 'edit', 'move', 'rename', 'set'];
        if (typeof cmd === 'string' && actions.includes(cmd)) setPath(doc, 'event.action', `cmd-${cmd}`);
        const result = getPath(doc, 'panw.panos.result');
        setPath(doc, 'event.outcome', result === 'Succeeded' ? 'success' : result === 'Failed' ? 'failure' : 'unknown');
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['configuration']);
        copy(doc, 'host.ip', 'host.ip');
        copy(doc, 'admin', 'user.name');
        break;
      }
      case 'CORRELATION':
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['network']);
        setPath(doc, 'event.outcome', 'success');
        copy(doc, 'severity', 'log.level');
        copy(doc, 'source.ip', 'source.ip');
        break;
      case 'GLOBALPROTECT': {
        copy(doc, 'private.ip', 'source.ip');
        const v6 = getPath(doc, 'panw.panos.private.ipv6');
        if ((getPath(doc, 'source.ip') ?? '0.0.0.0') === '0.0.0.0' && typeof v6 === 'string' && v6 !== '0.0.0.0')
          setPath(doc, 'source.ip', v6);
        put(doc, 'host.ip', getPath(doc, 'source.ip'));
        copy(doc, 'public.ip', 'source.nat.ip');
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['network']);
        copy(doc, 'event.id', 'event.code');
        copy(doc, 'login_duration', 'event.duration', int);
        copy(doc, 'event.status', 'event.outcome');
        copy(doc, 'event.reason', 'event.reason');
        copy(doc, 'host.id', 'host.id');
        copy(doc, 'machine.name', 'host.name');
        copy(doc, 'client.os', 'host.os.family');
        copy(doc, 'client.os_version', 'host.os.full');
        copy(doc, 'location', 'observer.geo.name');
        if (temp.srcloc) setPath(doc, 'source.geo.name', temp.srcloc);
        break;
      }
      case 'USERID':
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['network', 'iam']);
        copy(doc, 'destination.port', 'destination.port', int);
        copy(doc, 'event.id', 'event.code');
        copy(doc, 'source.ip', 'source.ip');
        copy(doc, 'source.port', 'source.port', int);
        copy(doc, 'user_by_source', 'source.user.name');
        break;
      case 'AUTHENTICATION': {
        const names = [temp.user, getPath(doc, 'panw.panos.normalize_user')].filter(
          (v): v is string => typeof v === 'string' && v !== '',
        );
        const unique = [...new Set(names)];
        if (unique.length) setPath(doc, 'source.user.name', unique.length === 1 ? unique[0] : unique);
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['authentication']);
        setPath(doc, 'event.outcome', 'success');
        copy(doc, 'rule_uuid', 'rule.uuid');
        copy(doc, 'source.ip', 'source.ip');
        if (temp.user) setPath(doc, 'panw.panos.user', temp.user);
        if (temp.user_agent) setPath(doc, 'panw.panos.user_agent', temp.user_agent);
        break;
      }
      case 'HIPMATCH':
      case 'HIP-MATCH':
        setPath(doc, 'event.kind', 'event');
        appendList(doc, 'event.category', ['host']);
        setPath(doc, 'event.type', ['info']);
        copy(doc, 'source.ip', 'source.ip');
        copy(doc, 'machine.name', 'host.name');
        copy(doc, 'machine.os', 'host.os.name');
        break;
      default:
        setPath(doc, 'event.kind', 'event');
    }
    putUser(doc, 'source', temp.srcuser);
    putUser(doc, 'destination', temp.dstuser);
    if (temp.srcuser) put(doc, 'panw.panos.source.user', getPath(doc, 'source.user.name'));
    if (temp.dstuser) put(doc, 'panw.panos.destination.user', getPath(doc, 'destination.user.name'));
    const suser = getPath(doc, 'source.user');
    if (suser !== undefined) setPath(doc, 'user', structuredClone(suser));
    copy(doc, 'device_name', 'observer.hostname');
  }
  put(doc, 'panw.panos.observer.serial_number', getPath(doc, 'observer.serial_number'));

  // Categorisation shared by every type, from the action and subtype (Elastic's default pipeline).
  const action = getPath(doc, 'panw.panos.action') as string | undefined;
  if (action && ALLOWED.includes(action)) appendList(doc, 'event.type', ['allowed']);
  if (action && DENIED.includes(action)) appendList(doc, 'event.type', ['denied']);
  const flow: Record<string, [string, string[]]> = {
    start: ['flow_started', ['start', 'connection']],
    end: ['flow_terminated', ['end', 'connection']],
    drop: ['flow_dropped', ['denied', 'connection']],
    deny: ['flow_denied', ['denied', 'connection']],
  };
  if (type === 'TRAFFIC' && flow[subtype]) {
    setPath(doc, 'event.action', flow[subtype][0]);
    appendList(doc, 'event.type', flow[subtype][1]);
  }
  if (THREAT_ACTIONS[subtype] && (type === 'THREAT' || type === 'GLOBALPROTECT')) setPath(doc, 'event.action', THREAT_ACTIONS[subtype]);
  const level = getPath(doc, 'log.level');
  if (typeof level === 'string' && SEVERITY[level] !== undefined) setPath(doc, 'event.severity', SEVERITY[level]);
  const sip = getPath(doc, 'source.ip');
  if (typeof sip === 'string') setPath(doc, 'network.type', sip.includes(':') ? 'ipv6' : 'ipv4');
  const ruleset = getPath(doc, 'panw.panos.ruleset');
  if (typeof ruleset === 'string' && ruleset !== '') setPath(doc, 'rule.name', ruleset);
  fillRelatedB(doc);
  for (const p of ['host.ip', 'network.forwarded_ip', 'panw.panos.xff.ip']) {
    const v = getPath(doc, p);
    if (typeof v === 'string' && isIp(v)) appendList(doc, 'related.ip', [v]);
  }
  for (const p of ['panw.panos.dst.host', 'panw.panos.src.host']) {
    const v = getPath(doc, p);
    if (typeof v === 'string' && v !== '') appendList(doc, 'related.hosts', [v]);
  }
  return { ok: true, events: [doc] };
}

export const panosParser: Parser = {
  dataset: DATASET,
  parse: parsePanos,
  detect: (line) =>
    /,\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2},[^,]*,(?:TRAFFIC|THREAT|SYSTEM|CONFIG|CORRELATION|GLOBALPROTECT|USERID|AUTHENTICATION|HIPMATCH|HIP-MATCH|DECRYPTION|GTP|IPTAG|SCTP|START|END),/.test(
      line,
    ) || /^(?:<\d+>)?(?:[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\S+\s+)?\w+,\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2},audit,/.test(line),
};
