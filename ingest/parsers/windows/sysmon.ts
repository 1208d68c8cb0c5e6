// Sysmon (Microsoft-Windows-Sysmon/Operational) → ECS: per-event-id categorisation and the process,
// file, dll, network, registry and DNS fields Elastic's windows.sysmon_operational pipeline fills.
import { type EcsEvent, isPlainObject, objectAt, setPath } from '../../../core/ecs.ts';
import { hasValue, isIp } from '../event-build.ts';
import type { Parser, ParseResult, RawRecord } from '../types.ts';
import {
  appendRelated,
  EventDataReader,
  type FieldPrefix,
  fillWindowsRelated,
  isEmptyValue,
  iso,
  objectPath,
  parseHashes,
  putCommandLine,
  putDomainUser,
  putEventData,
  putExecutable,
  putPath,
  startWindowsEvent,
  toNumber,
} from './build.ts';
import { parseWindowsEvent, type WindowsEvent } from './shapes.ts';

const DATASET = 'windows.sysmon_operational';
export const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';

interface Cat {
  category?: string[];
  type?: string[];
  action: string | string[];
  outcome?: string;
}

const CATEGORIES: Record<string, Cat> = {
  '1': { category: ['process'], type: ['start'], action: 'Process creation' },
  '2': { category: ['file'], type: ['change'], action: 'A process changed a file creation time' },
  '3': { category: ['network'], type: ['start', 'connection', 'protocol'], action: 'Network connection' },
  '4': { category: ['process'], type: ['change'], action: 'Sysmon service state changed' },
  '5': { category: ['process'], type: ['end'], action: 'Process terminated' },
  '6': { category: ['driver'], type: ['start'], action: 'Driver loaded' },
  '7': { category: ['process', 'library'], type: ['change', 'start'], action: ['Image loaded', 'load'] },
  '8': { category: ['process'], type: ['change'], action: 'CreateRemoteThread' },
  '9': { category: ['process'], type: ['access'], action: 'RawAccessRead' },
  '10': { category: ['process'], type: ['access'], action: 'ProcessAccess' },
  '11': { category: ['file'], type: ['creation'], action: 'FileCreate' },
  '12': { category: ['configuration', 'registry'], type: ['change'], action: 'RegistryEvent (Object create and delete)' },
  '13': { category: ['configuration', 'registry'], type: ['change'], action: 'RegistryEvent (Value Set)' },
  '14': { category: ['configuration', 'registry'], type: ['change'], action: 'RegistryEvent (Key and Value Rename)' },
  '15': { category: ['file'], type: ['access'], action: 'FileCreateStreamHash' },
  '16': { category: ['configuration'], type: ['change'], action: 'ServiceConfigurationChange' },
  '17': { category: ['file'], type: ['creation'], action: 'PipeEvent (Pipe Created)' },
  '18': { category: ['file'], type: ['access'], action: 'PipeEvent (Pipe Connected)' },
  '19': { category: ['process'], type: ['creation'], action: 'WmiEvent (WmiEventFilter activity detected)' },
  '20': { category: ['process'], type: ['creation'], action: 'WmiEvent (WmiEventConsumer activity detected)' },
  '21': { category: ['process'], type: ['access'], action: 'WmiEvent (WmiEventConsumerToFilter activity detected)' },
  '22': { category: ['network'], type: ['connection', 'protocol', 'info'], action: 'DNSEvent (DNS query)' },
  '23': { category: ['file'], type: ['deletion'], action: 'FileDelete (File Delete archived)' },
  '24': { type: ['change'], action: 'ClipboardChange (New content in the clipboard)' },
  '25': { category: ['process'], type: ['change'], action: 'ProcessTampering (Process image change)' },
  '26': { category: ['file'], type: ['deletion'], action: 'FileDeleteDetected (File Delete logged)' },
  '27': { category: ['file'], type: ['creation', 'denied'], action: 'FileBlockExecutable' },
  '28': { category: ['file'], type: ['deletion', 'denied'], action: 'FileBlockShredding' },
  '29': { category: ['file'], type: ['creation'], action: 'FileExecutableDetected' },
  '255': { category: ['process'], type: ['error'], action: 'Error' },
};

const REGISTRY_HIVES: [RegExp, string][] = [
  [/^HKLM\\|^\\REGISTRY\\MACHINE\\/i, 'HKLM'],
  [/^HKU\\|^\\REGISTRY\\USER\\/i, 'HKU'],
  [/^HKCR\\/i, 'HKCR'],
  [/^HKCU\\/i, 'HKCU'],
  [/^HKCC\\/i, 'HKCC'],
];

function putRegistry(doc: EcsEvent, eventId: string, target: string | undefined, details: string | undefined): void {
  if (isEmptyValue(target) || target === undefined) return;
  const registry = objectAt(doc, 'registry');
  registry.path = target;
  for (const [re, hive] of REGISTRY_HIVES) {
    const m = re.exec(target);
    if (m) {
      registry.hive = hive;
      let key = target.slice(m[0].length);
      // Value events name the value as the last path element.
      if (eventId === '13' || eventId === '14') {
        const cut = key.lastIndexOf('\\');
        if (cut >= 0) {
          registry.value = key.slice(cut + 1);
          key = key.slice(0, cut);
        }
      }
      registry.key = key;
      break;
    }
  }
  if (!isEmptyValue(details) && details !== undefined) {
    const data = objectAt(registry, 'data');
    data.strings = [details];
    const t = /^(DWORD|QWORD) \(0x([0-9a-f]+)\)$/i.exec(details);
    data.type = t ? (t[1].toUpperCase() === 'DWORD' ? 'SZ_DWORD' : 'SZ_QWORD') : 'SZ';
    if (t) data.strings = [String(Number.parseInt(t[2], 16))];
  }
}

const DNS_TYPES: Record<string, string> = {
  '1': 'A', '2': 'NS', '5': 'CNAME', '6': 'SOA', '12': 'PTR', '13': 'HINFO', '15': 'MX', '16': 'TXT', '17': 'RP',
  '18': 'AFSDB', '24': 'SIG', '25': 'KEY', '28': 'AAAA', '29': 'LOC', '33': 'SRV', '35': 'NAPTR', '36': 'KX',
  '37': 'CERT', '39': 'DNAME', '41': 'OPT', '43': 'DS', '46': 'RRSIG', '47': 'NSEC', '48': 'DNSKEY', '49': 'DHCID',
  '250': 'TSIG', '251': 'IXFR', '252': 'AXFR', '255': 'ANY',
};

/** Win32/DNS status codes Sysmon reports for a query (Elastic's names). */
const DNS_STATUS: Record<string, string> = {
  '0': 'SUCCESS', '5': 'ERROR_ACCESS_DENIED', '8': 'ERROR_NOT_ENOUGH_MEMORY', '13': 'ERROR_INVALID_DATA',
  '14': 'ERROR_OUTOFMEMORY', '123': 'ERROR_INVALID_NAME', '1214': 'ERROR_INVALID_NETNAME', '1223': 'ERROR_CANCELLED',
  '1460': 'ERROR_TIMEOUT', '4312': 'ERROR_OBJECT_NOT_FOUND', '9001': 'DNS_ERROR_RCODE_FORMAT_ERROR',
  '9002': 'DNS_ERROR_RCODE_SERVER_FAILURE', '9003': 'DNS_ERROR_RCODE_NAME_ERROR', '9004': 'DNS_ERROR_RCODE_NOT_IMPLEMENTED',
  '9005': 'DNS_ERROR_RCODE_REFUSED', '9501': 'DNS_INFO_NO_RECORDS', '9701': 'DNS_ERROR_RECORD_DOES_NOT_EXIST',
};

/** `type:  5 cname;::ffff:1.2.3.4;` → answers and resolved IPs. */
function putDnsResults(doc: EcsEvent, results: string | undefined): void {
  if (isEmptyValue(results) || results === undefined) return;
  const answers: EcsEvent[] = [];
  const ips: string[] = [];
  for (const raw of results.split(';')) {
    const item = raw.trim();
    if (!item) continue;
    const typed = /^type:\s+(\d+)\s+(.*)$/.exec(item);
    if (typed) {
      answers.push({ type: DNS_TYPES[typed[1]] ?? typed[1], data: typed[2] });
      continue;
    }
    const ip = item.replace(/^::ffff:/i, '');
    if (isIp(ip)) {
      ips.push(ip);
      answers.push({ type: ip.includes(':') ? 'AAAA' : 'A', data: ip });
    }
  }
  if (answers.length) objectAt(doc, 'dns').answers = answers;
  if (ips.length) objectAt(doc, 'dns').resolved_ip = ips;
}

const FILE: FieldPrefix = ['file'];
const DLL: FieldPrefix = ['dll'];
const PROCESS: FieldPrefix = ['process'];
const PARENT: FieldPrefix = ['process', 'parent'];
const USER: FieldPrefix = ['user'];
const FILE_PE: FieldPrefix = ['file', 'pe'];
const PROCESS_PE: FieldPrefix = ['process', 'pe'];
/** Copied to file.pe.* / process.pe.*; Elastic's pipeline then drops them from event_data, except for image loads. */
const PE_FIELDS: ReadonlySet<string> = new Set(['Company', 'Description', 'FileVersion', 'Product']);
const PROCESS_HASH_EVENTS: ReadonlySet<string> = new Set(['1', '23', '24', '25']);

function codeSignature(doc: EcsEvent, prefix: string, d: Record<string, string>): void {
  const signed = d.Signed;
  const status = !isEmptyValue(d.SignatureStatus) ? d.SignatureStatus : signed && !/^(true|false)$/i.test(signed) ? signed : undefined;
  const sig = () => objectAt(objectAt(doc, prefix), 'code_signature');
  if (signed && /^(true|false)$/i.test(signed)) sig().signed = signed.toLowerCase() === 'true';
  if (status) sig().status = status;
  if (!isEmptyValue(d.Signature)) sig().subject_name = d.Signature;
  if (signed !== undefined || status !== undefined) sig().trusted = status === 'Valid';
}

/** `<target>.hash.<alg>` / `<target>.pe.imphash` for one hash (an algorithm name with a dot nests, as a path would). */
function putHash(doc: EcsEvent, target: string, alg: string, value: string): void {
  if (alg === 'imphash') objectAt(objectAt(doc, target), 'pe').imphash = value;
  else if (alg.includes('.')) setPath(doc, `${target}.hash.${alg}`, value);
  else objectAt(objectAt(doc, target), 'hash')[alg] = value;
}

export function mapSysmon(raw: RawRecord, ev: WindowsEvent, dataset = DATASET): EcsEvent {
  const d = ev.data;
  const id = ev.eventId ?? '';
  const data = new EventDataReader(d);
  const used = data.used;
  const utc = data.take('UtcTime');
  const doc = startWindowsEvent(raw, ev, 'windows', dataset, utc ? iso(utc, 'UTC') : undefined);
  const event = doc.event as EcsEvent;
  const cat = CATEGORIES[id];
  if (cat) {
    if (cat.category) event.category = [...cat.category];
    if (cat.type) event.type = [...cat.type];
    event.action = Array.isArray(cat.action) ? [...cat.action] : cat.action;
    if (cat.outcome) event.outcome = cat.outcome;
  }
  if (id === '255') {
    const code = data.take('ID');
    if (code !== undefined) objectAt(doc, 'error').code = code;
  }
  const ruleName = data.take('RuleName');
  if (ruleName !== undefined) objectAt(doc, 'rule').name = ruleName;
  if (id === '25') {
    const type = data.take('Type');
    if (type !== undefined) doc.message = type;
  }

  const hashes = parseHashes(data.take('Hashes') ?? data.take('Hash'));
  const hashTarget = PROCESS_HASH_EVENTS.has(id) ? 'process' : 'file';
  const hashValues: string[] = [];
  for (const alg in hashes) {
    const value = hashes[alg];
    putHash(doc, hashTarget, alg, value);
    if (id === '7') putHash(doc, 'dll', alg, value);
    hashValues.push(value);
  }
  appendRelated(doc, 'hash', hashValues);

  const entityId = data.take('ProcessGuid') ?? data.take('SourceProcessGuid') ?? data.take('SourceProcessGUID');
  if (entityId !== undefined) objectAt(doc, 'process').entity_id = entityId;
  const pid = toNumber(data.take('ProcessId') ?? data.take('SourceProcessId'));
  if (pid !== undefined) objectAt(doc, 'process').pid = pid;
  const threadId = toNumber(data.take('SourceThreadId'));
  if (threadId !== undefined) objectAt(doc, 'process').thread = { id: threadId };
  putExecutable(doc, PROCESS, data.take('Image') ?? data.take('SourceImage') ?? data.take('Destination'));
  putCommandLine(doc, PROCESS, data.take('CommandLine'));
  const cwd = data.take('CurrentDirectory');
  if (cwd !== undefined) objectAt(doc, 'process').working_directory = cwd;
  const parentId = data.take('ParentProcessGuid');
  if (parentId !== undefined) objectPath(doc, PARENT).entity_id = parentId;
  const parentPid = toNumber(data.take('ParentProcessId'));
  if (parentPid !== undefined) objectPath(doc, PARENT).pid = parentPid;
  putExecutable(doc, PARENT, data.take('ParentImage'));
  putCommandLine(doc, PARENT, data.take('ParentCommandLine'));
  const pePrefix = id === '7' ? FILE_PE : PROCESS_PE;
  const original = data.take('OriginalFileName');
  if (original !== undefined) objectPath(doc, pePrefix).original_file_name = original;
  if (id === '7' && hasValue(d.OriginalFileName)) objectPath(doc, ['dll', 'pe']).original_file_name = d.OriginalFileName;
  // Elastic copies these and keeps them in winlog.event_data as well.
  if (!isEmptyValue(d.Company)) objectPath(doc, pePrefix).company = d.Company;
  if (!isEmptyValue(d.Description)) objectPath(doc, pePrefix).description = d.Description;
  if (!isEmptyValue(d.FileVersion)) objectPath(doc, pePrefix).file_version = d.FileVersion;
  if (!isEmptyValue(d.Product)) objectPath(doc, pePrefix).product = d.Product;

  putDomainUser(doc, USER, data.take('User'));
  if (hasValue(ev.userSid)) objectAt(doc, 'user').id = ev.userSid;

  // Files: image loads, drivers, creations, deletions, streams, pipes.
  if (id === '7' || id === '6') {
    const loaded = data.take('ImageLoaded');
    putPath(doc, FILE, loaded);
    if (id === '7') putPath(doc, DLL, loaded);
    codeSignature(doc, 'file', d);
    if (id === '7') codeSignature(doc, 'dll', d);
    used.add('SignatureStatus');
    used.add('Signature');
  }
  putPath(doc, FILE, data.take('TargetFilename') ?? data.take('Device'));
  const pipe = data.take('PipeName');
  if (pipe) objectAt(doc, 'file').name = pipe;
  const created = data.take('CreationUtcTime');
  if (created) {
    const createdIso = iso(created, 'UTC');
    if (createdIso !== undefined) objectAt(doc, 'file').created = createdIso;
  }

  // Network connection.
  if (id === '3') {
    const proto = data.take('Protocol');
    if (proto) objectAt(doc, 'network').transport = proto.toLowerCase();
    putEndpoint(doc, 'source', data.take('SourceIp'), toNumber(data.take('SourcePort')), data.take('SourceHostname'));
    putEndpoint(doc, 'destination', data.take('DestinationIp'), toNumber(data.take('DestinationPort')), data.take('DestinationHostname'));
    const initiated = data.take('Initiated');
    if (initiated) objectAt(doc, 'network').direction = initiated === 'true' ? 'egress' : 'ingress';
    const v6 = data.take('SourceIsIpv6');
    if (v6) objectAt(doc, 'network').type = v6 === 'true' ? 'ipv6' : 'ipv4';
    data.take('DestinationIsIpv6');
    const portName = data.take('DestinationPortName') ?? data.take('SourcePortName');
    if (portName) objectAt(doc, 'network').protocol = portName.toLowerCase();
  }
  // Registry.
  if (id === '12' || id === '13' || id === '14') {
    putRegistry(doc, id, data.take('TargetObject'), data.take('Details'));
    const renamed = data.take('NewName');
    if (renamed) objectAt(objectAt(doc, 'winlog'), 'event_data').NewName = renamed;
  }
  // DNS query.
  if (id === '22') {
    objectAt(doc, 'network').protocol = 'dns';
    const question = data.take('QueryName');
    if (question !== undefined) objectAt(objectAt(doc, 'dns'), 'question').name = question;
    const status = data.take('QueryStatus');
    if (status) objectAt(doc, 'sysmon').dns = { status: DNS_STATUS[status] ?? status };
    putDnsResults(doc, data.take('QueryResults'));
    if (question !== undefined) {
      const labels = question.split('.');
      if (labels.length >= 2) objectAt(objectAt(doc, 'dns'), 'question').registered_domain = labels.slice(-2).join('.');
    }
  }
  // Process access / remote thread: the target process stays in event_data, as Elastic keeps it.
  if (id === '10' || id === '8') used.delete('TargetImage');

  putEventData(doc, d, used, id === '7' ? undefined : PE_FIELDS);
  fillWindowsRelated(doc);
  // Elastic's sysmon pipeline also lists the short host name.
  const hostname = isPlainObject(doc.host) ? doc.host.hostname : undefined;
  if (hostname !== '-') appendRelated(doc, 'hosts', [hostname]);
  return doc;
}

export function parseSysmon(raw: RawRecord): ParseResult {
  return parseWindowsEvent(raw, DATASET, mapSysmon);
}

export const sysmonParser: Parser = { dataset: DATASET, parse: parseSysmon };

/** One side of a Sysmon network connection: ip, port and host name, each only when present. */
function putEndpoint(doc: EcsEvent, side: 'source' | 'destination', ip: string | undefined, port: number | undefined, domain: string | undefined): void {
  if (ip !== undefined) objectAt(doc, side).ip = ip;
  if (port !== undefined) objectAt(doc, side).port = port;
  if (domain !== undefined) objectAt(doc, side).domain = domain;
}
