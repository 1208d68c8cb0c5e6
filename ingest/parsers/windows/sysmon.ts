// Sysmon (Microsoft-Windows-Sysmon/Operational) → ECS: per-event-id categorisation and the process,
// file, dll, network, registry and DNS fields Elastic's windows.sysmon_operational pipeline fills.
import { type EcsEvent, getPath, setPath } from '../../../core/ecs.ts';
import { fillRelatedB, isIp, put } from '../event-build.ts';
import type { Parser, ParseResult, RawRecord } from '../types.ts';
import {
  appendUnique,
  fillWindowsRelated,
  isEmptyValue,
  iso,
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
  setPath(doc, 'registry.path', target);
  for (const [re, hive] of REGISTRY_HIVES) {
    const m = re.exec(target);
    if (m) {
      setPath(doc, 'registry.hive', hive);
      let key = target.slice(m[0].length);
      // Value events name the value as the last path element.
      if (eventId === '13' || eventId === '14') {
        const cut = key.lastIndexOf('\\');
        if (cut >= 0) {
          setPath(doc, 'registry.value', key.slice(cut + 1));
          key = key.slice(0, cut);
        }
      }
      setPath(doc, 'registry.key', key);
      break;
    }
  }
  if (!isEmptyValue(details) && details !== undefined) {
    setPath(doc, 'registry.data.strings', [details]);
    const t = /^(DWORD|QWORD) \(0x([0-9a-f]+)\)$/i.exec(details);
    setPath(doc, 'registry.data.type', t ? (t[1].toUpperCase() === 'DWORD' ? 'SZ_DWORD' : 'SZ_QWORD') : 'SZ');
    if (t) setPath(doc, 'registry.data.strings', [String(Number.parseInt(t[2], 16))]);
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
  if (answers.length) setPath(doc, 'dns.answers', answers);
  if (ips.length) setPath(doc, 'dns.resolved_ip', ips);
}

function codeSignature(doc: EcsEvent, prefix: string, d: Record<string, string>): void {
  const signed = d.Signed;
  const status = !isEmptyValue(d.SignatureStatus) ? d.SignatureStatus : signed && !/^(true|false)$/i.test(signed) ? signed : undefined;
  if (signed && /^(true|false)$/i.test(signed)) setPath(doc, `${prefix}.code_signature.signed`, signed.toLowerCase() === 'true');
  if (status) setPath(doc, `${prefix}.code_signature.status`, status);
  if (!isEmptyValue(d.Signature)) setPath(doc, `${prefix}.code_signature.subject_name`, d.Signature);
  if (signed !== undefined || status !== undefined) setPath(doc, `${prefix}.code_signature.trusted`, status === 'Valid');
}

export function mapSysmon(raw: RawRecord, ev: WindowsEvent, dataset = DATASET): EcsEvent {
  const doc = startWindowsEvent(raw, ev, 'windows', dataset);
  const d = ev.data;
  const id = ev.eventId ?? '';
  const used = new Set<string>();
  const take = (k: string): string | undefined => {
    const v = d[k];
    if (v === undefined) return undefined;
    used.add(k);
    return isEmptyValue(v) ? undefined : v;
  };
  const utc = take('UtcTime');
  const utcIso = utc ? iso(utc, 'UTC') : undefined;
  if (utcIso) setPath(doc, '@timestamp', utcIso);
  const cat = CATEGORIES[id];
  if (cat) {
    if (cat.category) setPath(doc, 'event.category', [...cat.category]);
    if (cat.type) setPath(doc, 'event.type', [...cat.type]);
    setPath(doc, 'event.action', Array.isArray(cat.action) ? [...cat.action] : cat.action);
    if (cat.outcome) setPath(doc, 'event.outcome', cat.outcome);
  }
  if (id === '255') put(doc, 'error.code', take('ID'));
  put(doc, 'rule.name', take('RuleName'));
  if (id === '25') put(doc, 'message', take('Type'));

  const hashes = parseHashes(take('Hashes') ?? take('Hash'));
  const hashTarget = ['1', '23', '24', '25'].includes(id) ? 'process' : 'file';
  for (const [alg, value] of Object.entries(hashes)) {
    if (alg === 'imphash') setPath(doc, `${hashTarget}.pe.imphash`, value);
    else setPath(doc, `${hashTarget}.hash.${alg}`, value);
    if (id === '7') {
      if (alg === 'imphash') setPath(doc, 'dll.pe.imphash', value);
      else setPath(doc, `dll.hash.${alg}`, value);
    }
  }
  appendUnique(doc, 'related.hash', Object.values(hashes));

  put(doc, 'process.entity_id', take('ProcessGuid') ?? take('SourceProcessGuid') ?? take('SourceProcessGUID'));
  put(doc, 'process.pid', toNumber(take('ProcessId') ?? take('SourceProcessId')));
  put(doc, 'process.thread.id', toNumber(take('SourceThreadId')));
  putExecutable(doc, 'process', take('Image') ?? take('SourceImage') ?? take('Destination'));
  putCommandLine(doc, 'process', take('CommandLine'));
  put(doc, 'process.working_directory', take('CurrentDirectory'));
  put(doc, 'process.parent.entity_id', take('ParentProcessGuid'));
  put(doc, 'process.parent.pid', toNumber(take('ParentProcessId')));
  putExecutable(doc, 'process.parent', take('ParentImage'));
  putCommandLine(doc, 'process.parent', take('ParentCommandLine'));
  const pePrefix = id === '7' ? 'file.pe' : 'process.pe';
  if (id === '7') {
    put(doc, 'file.pe.original_file_name', take('OriginalFileName'));
    put(doc, 'dll.pe.original_file_name', d.OriginalFileName);
  } else put(doc, 'process.pe.original_file_name', take('OriginalFileName'));
  // Elastic copies these and keeps them in winlog.event_data as well.
  put(doc, `${pePrefix}.company`, isEmptyValue(d.Company) ? undefined : d.Company);
  put(doc, `${pePrefix}.description`, isEmptyValue(d.Description) ? undefined : d.Description);
  put(doc, `${pePrefix}.file_version`, isEmptyValue(d.FileVersion) ? undefined : d.FileVersion);
  put(doc, `${pePrefix}.product`, isEmptyValue(d.Product) ? undefined : d.Product);

  putDomainUser(doc, 'user', take('User'));
  put(doc, 'user.id', ev.userSid);

  // Files: image loads, drivers, creations, deletions, streams, pipes.
  if (id === '7' || id === '6') {
    const loaded = take('ImageLoaded');
    putPath(doc, 'file', loaded);
    if (id === '7') putPath(doc, 'dll', loaded);
    codeSignature(doc, 'file', d);
    if (id === '7') codeSignature(doc, 'dll', d);
    for (const k of ['SignatureStatus', 'Signature']) used.add(k);
  }
  putPath(doc, 'file', take('TargetFilename') ?? take('Device'));
  const pipe = take('PipeName');
  if (pipe) setPath(doc, 'file.name', pipe);
  const created = take('CreationUtcTime');
  if (created) put(doc, 'file.created', iso(created, 'UTC'));

  // Network connection.
  if (id === '3') {
    const proto = take('Protocol');
    if (proto) setPath(doc, 'network.transport', proto.toLowerCase());
    put(doc, 'source.ip', take('SourceIp'));
    put(doc, 'source.port', toNumber(take('SourcePort')));
    put(doc, 'source.domain', take('SourceHostname'));
    put(doc, 'destination.ip', take('DestinationIp'));
    put(doc, 'destination.port', toNumber(take('DestinationPort')));
    put(doc, 'destination.domain', take('DestinationHostname'));
    const initiated = take('Initiated');
    if (initiated) setPath(doc, 'network.direction', initiated === 'true' ? 'egress' : 'ingress');
    const v6 = take('SourceIsIpv6');
    if (v6) setPath(doc, 'network.type', v6 === 'true' ? 'ipv6' : 'ipv4');
    take('DestinationIsIpv6');
    const portName = take('DestinationPortName') ?? take('SourcePortName');
    if (portName) setPath(doc, 'network.protocol', portName.toLowerCase());
  }
  // Registry.
  if (['12', '13', '14'].includes(id)) {
    putRegistry(doc, id, take('TargetObject'), take('Details'));
    const renamed = take('NewName');
    if (renamed) setPath(doc, 'winlog.event_data.NewName', renamed);
  }
  // DNS query.
  if (id === '22') {
    setPath(doc, 'network.protocol', 'dns');
    put(doc, 'dns.question.name', take('QueryName'));
    const status = take('QueryStatus');
    if (status) setPath(doc, 'sysmon.dns.status', DNS_STATUS[status] ?? status);
    putDnsResults(doc, take('QueryResults'));
    const name = getPath(doc, 'dns.question.name');
    if (typeof name === 'string') {
      const labels = name.split('.');
      if (labels.length >= 2) setPath(doc, 'dns.question.registered_domain', labels.slice(-2).join('.'));
    }
  }
  // Process access / remote thread: the target process stays in event_data, as Elastic keeps it.
  if (id === '10' || id === '8') used.delete('TargetImage');

  putEventData(doc, d, used);
  // Elastic's pipeline removes these after copying them to file.pe.* / process.pe.*; it keeps them for image loads.
  if (id !== '7') {
    const ed = getPath(doc, 'winlog.event_data') as Record<string, string> | undefined;
    if (ed) for (const k of ['Company', 'Description', 'FileVersion', 'Product']) delete ed[k];
  }
  fillWindowsRelated(doc);
  fillRelatedB(doc);
  return doc;
}

export function parseSysmon(raw: RawRecord): ParseResult {
  return parseWindowsEvent(raw, DATASET, mapSysmon);
}

export const sysmonParser: Parser = { dataset: DATASET, parse: parseSysmon };
