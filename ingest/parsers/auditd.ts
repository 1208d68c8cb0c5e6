// Elastic's auditd.log: raw audit.log records ('type=... msg=audit(epoch:seq): k=v ...', with
// hex-encoded values, nested msg='...' and the ENRICHED section) and the coalesced JSON documents
// the auditd parser of Elastic Agent emits.
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { appendValue, ecsBase, isIpAddress, setIfDefined, toInt } from '../normalise/ecs-build.ts';
import { parseKeyValues } from '../normalise/kv.ts';
import { fillRelated } from '../normalise/related.ts';
import { AUDIT_RECORD_TYPES, AUDIT_SYSCALLS, type AuditMapping } from './auditd-types.ts';
import { parseFailure } from './parse-error.ts';
import { applySyslogHeader, parseSyslogHeader } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'auditd.log';

const RECORD = /(?:^|\s)(?:node=(\S+) )?type=(\S+) msg=audit\((\d+(?:\.\d+)?):(\d+)\):\s?(.*)$/s;

// Fields auditd writes hex-encoded when their text holds spaces, quotes or control characters.
const HEX_KEYS = new Set([
  'exe', 'cmd', 'data', 'path', 'comm', 'file', 'name', 'watch', 'cwd', 'acct', 'dir', 'vm', 'old-chardev',
  'new-chardev', 'old-disk', 'new-disk', 'old-fs', 'new-fs', 'old-net', 'new-net', 'device', 'cgroup', 'apparmor',
  'operation', 'denied_mask', 'info', 'profile', 'requested_mask', 'old-rng', 'new-rng', 'ocomm', 'grp', 'new_group',
  'invalid_context', 'sw', 'root_dir', 'proctitle',
]);
const BOOLEAN_KEYS = new Set(['success', 'key_enforce']);
const NUMERIC_KEYS = new Set(['sequence', 'lport', 'rport', 'entries', 'dst_prefixlen', 'ksize', 'size', 'src_prefixlen']);
const ARCHES: Record<string, string> = {
  c000003e: 'x86_64', '40000003': 'i386', c00000b7: 'aarch64', '40000028': 'arm', c0000015: 'ppc64le', '80000016': 's390x',
};

/**
 * auditd's own rule: an unquoted value of a text field is hex when it decodes to something that
 * needed encoding. Control characters are shown as ^X, as ausearch -i does.
 */
export function decodeAuditHex(value: string): string {
  if (value.length === 0 || value.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(value)) return value;
  let out = '';
  let needed = false;
  for (let i = 0; i < value.length; i += 2) {
    let cp = Number.parseInt(value.slice(i, i + 2), 16);
    if (cp < 33 || cp === 34 || cp === 127) needed = true;
    if (cp < 32 || cp === 127) {
      out += '^';
      cp ^= 64;
    }
    out += String.fromCharCode(cp);
  }
  return needed ? out : value;
}

function unquote(v: string): { text: string; quoted: boolean } {
  const q = v[0];
  if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2) return { text: v.slice(1, -1), quoted: true };
  return { text: v, quoted: false };
}

/** key=value pairs of an audit record, nested msg='...' expanded, values cleaned as Elastic does. */
function auditFields(body: string, execve: boolean): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  const take = (text: string): void => {
    for (const [key, rawValue] of parseKeyValues(text, { keepQuotes: true, joinBareWords: true }).pairs) {
      if (key === 'msg' && /^['"]/.test(rawValue)) {
        take(unquote(rawValue).text);
        continue;
      }
      const { text: value, quoted } = unquote(rawValue);
      if (value === '?' || value === '(null)' || value === '') continue;
      let v: string | boolean = value;
      if (!quoted && (HEX_KEYS.has(key) || (execve && /^a\d+(?:\[\d+\])?$/.test(key)))) v = decodeAuditHex(value);
      if (BOOLEAN_KEYS.has(key)) v = ['yes', 'true', '1'].includes(value.toLowerCase());
      if (key === 'arch') v = ARCHES[value.toLowerCase()] ?? value;
      if (!Object.hasOwn(out, key)) out[key] = v;
    }
  };
  // The old LOGIN format writes 'old auid=N new auid=M old ses=N new ses=M' with spaces in the keys.
  take(body.replace(/\b(old|new) (auid|ses)=/g, '$1_$2='));
  return out;
}

/** ENRICHED log_format appends GS (\x1d) then the resolved names: UID="root" AUID="alice" ... */
const ENRICHED_NAMES: Record<string, string> = {
  UID: 'user.name', AUID: 'user.audit.name', EUID: 'user.effective.name', SUID: 'user.saved.name',
  FSUID: 'user.filesystem.name', OUID: 'user.owner.name', GID: 'user.group.name', EGID: 'user.effective.group.name',
  SGID: 'user.saved.group.name', FSGID: 'user.filesystem.group.name', OGID: 'user.owner.group.name', AGID: 'user.audit.group.name',
};

const RENAMES: [string, string][] = [
  ['acct', 'user.name'], ['user', 'user.name'], ['uid', 'user.id'], ['gid', 'user.group.id'], ['agid', 'user.audit.group.id'],
  ['auid', 'user.audit.id'], ['fsgid', 'user.filesystem.group.id'], ['fsuid', 'user.filesystem.id'],
  ['egid', 'user.effective.group.id'], ['euid', 'user.effective.id'], ['sgid', 'user.saved.group.id'], ['suid', 'user.saved.id'],
  ['ogid', 'user.owner.group.id'], ['ouid', 'user.owner.id'], ['comm', 'process.name'], ['exe', 'process.executable'],
  ['cwd', 'process.working_directory'], ['terminal', 'user.terminal'],
];

function applyMapping(doc: EcsEvent, fields: Record<string, string | boolean>, mapping: AuditMapping | undefined): void {
  if (!mapping) return;
  if (mapping.action) setPath(doc, 'auditd.summary.action', mapping.action);
  if (mapping.category) setPath(doc, 'event.category', [...mapping.category]);
  if (mapping.type) setPath(doc, 'event.type', [...mapping.type]);
  for (const [from, to] of mapping.copy ?? []) {
    const value = from.map((k) => fields[k]).find((v) => typeof v === 'string');
    if (typeof value === 'string') setPath(doc, `${to}.${/^\d+$/.test(value) ? 'id' : 'name'}`, value);
  }
}

function parseRawRecord(text: string, doc: EcsEvent): boolean {
  const rec = RECORD.exec(text);
  if (!rec) return false;
  const [, node, recordType, epoch, sequence, rest] = rec;
  const [body, enriched] = rest.split('\x1d');
  const fields = auditFields(body, recordType === 'EXECVE');
  setPath(doc, '@timestamp', new Date(Math.round(Number(epoch) * 1000)).toISOString());
  const log: Record<string, unknown> = { record_type: recordType, sequence: Number(sequence) };
  if (node) log.node = node;
  const syscall = typeof fields.syscall === 'string' ? fields.syscall : undefined;
  const mapping = AUDIT_RECORD_TYPES[recordType] ?? (syscall !== undefined ? (AUDIT_SYSCALLS[syscall] ?? AUDIT_SYSCALLS['*']) : undefined);
  applyMapping(doc, fields, mapping);
  if (recordType === 'SYSTEM_BOOT' || recordType === 'SYSTEM_SHUTDOWN') {
    setPath(doc, 'event.category', ['host']);
    setPath(doc, 'event.type', ['info']);
  }
  if (recordType === 'SYSCALL' && syscall === 'execve') {
    setPath(doc, 'event.category', ['process']);
    setPath(doc, 'event.type', ['info']);
  }
  if (recordType === 'SYSCALL' && syscall) {
    if (['accept', '43', 'recvfrom', '45', 'recvmsg', '47', 'accept4', '288'].includes(syscall)) setPath(doc, 'network.direction', 'ingress');
    if (['connect', '42', 'sendto', '44', 'sendmsg', '46'].includes(syscall)) setPath(doc, 'network.direction', 'egress');
  }
  if (typeof fields.arch === 'string') setPath(doc, 'host.architecture', fields.arch);
  // Like Elastic's rename processors, a field the type mapping already set is not overwritten.
  for (const [key, target] of RENAMES) {
    const v = fields[key];
    if (typeof v === 'string' && getPath(doc, target) === undefined) setPath(doc, target, v);
  }
  setIfDefined(doc, 'process.pid', toInt(String(fields.pid ?? '')));
  setIfDefined(doc, 'process.parent.pid', toInt(String(fields.ppid ?? '')));
  setIfDefined(doc, 'process.exit_code', toInt(String(fields.exit ?? '')));
  if (typeof fields.cmd === 'string') {
    const args = fields.cmd.split(/\s+/).filter((a) => a !== '');
    setPath(doc, 'process.args', args);
    setPath(doc, 'process.args_count', args.length);
  }
  setIfDefined(doc, 'process.args_count', toInt(String(fields.argc ?? '')));
  if (recordType === 'EXECVE') applyExecveArgs(doc, fields);
  const res = typeof fields.res === 'string' ? fields.res.toLowerCase() : undefined;
  if (res !== undefined) setPath(doc, 'event.outcome', ['1', 'success'].includes(res) ? 'success' : ['0', 'failed'].includes(res) ? 'failure' : 'unknown');
  else if (typeof fields.success === 'boolean') setPath(doc, 'event.outcome', fields.success ? 'success' : 'failure');
  setPath(doc, 'event.action', recordType.toLowerCase());
  const src = fields.src ?? fields.addr;
  if (typeof src === 'string') {
    setPath(doc, 'source.address', src);
    if (isIpAddress(src)) setPath(doc, 'source.ip', src);
  }
  if (typeof fields.dst === 'string') {
    setPath(doc, 'destination.address', fields.dst);
    if (isIpAddress(fields.dst)) setPath(doc, 'destination.ip', fields.dst);
  }
  const consumed = new Set([
    ...RENAMES.map(([k]) => k), 'pid', 'ppid', 'exit', 'cmd', 'argc', 'res', 'src', 'addr', 'dst', 'arch',
  ]);
  for (const [k, v] of Object.entries(fields)) {
    if (consumed.has(k) || (recordType === 'EXECVE' && /^a\d+/.test(k))) continue;
    const key = k.replace(/-/g, '_');
    log[key] = NUMERIC_KEYS.has(key) && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  }
  setPath(doc, 'auditd.log', log);
  if (enriched) {
    // Kept as written (auditd.log.UID …, as Elastic does); the names also fill ECS user fields still empty.
    for (const [k, v] of Object.entries(parseKeyValues(enriched).record)) {
      if (v === '' || v === '?') continue;
      setPath(doc, `auditd.log.${k}`, v);
      const target = ENRICHED_NAMES[k];
      if (target && v !== 'unset' && getPath(doc, target) === undefined) setPath(doc, target, v);
    }
  }
  const avc = /^(?:user )?avc:\s+(\w+)\s+\{\s*([^}]*?)\s*\}\s+for\s/.exec(body);
  if (avc) {
    setPath(doc, 'auditd.log.avc.action', avc[1]);
    setPath(doc, 'auditd.log.avc.request', avc[2]);
  }
  return true;
}

/** EXECVE a0..aN (and aN[i] pieces of long arguments) become process.args in order. */
function applyExecveArgs(doc: EcsEvent, fields: Record<string, string | boolean>): void {
  const parts = new Map<number, string[]>();
  for (const [k, v] of Object.entries(fields)) {
    const m = /^a(\d+)(?:\[(\d+)\])?$/.exec(k);
    if (!m || typeof v !== 'string') continue;
    const idx = Number(m[1]);
    const arr = parts.get(idx) ?? [];
    arr[m[2] === undefined ? 0 : Number(m[2])] = v;
    parts.set(idx, arr);
  }
  if (parts.size === 0) return;
  const indexes = [...parts.keys()].sort((a, b) => a - b);
  const args = indexes.map((i) => (parts.get(i) ?? []).join(''));
  if (indexes[0] === 0) setPath(doc, 'process.executable', args[0]);
  else args.unshift(`[... ${indexes[0]} truncated arguments ...]`);
  setPath(doc, 'process.args', args);
}

const CATEGORY_REMAP: Record<string, string> = {
  'user-login': 'authentication', 'user-account': 'iam', 'group-change': 'iam', 'audit-rule': 'configuration',
  configuration: 'configuration', 'mac-decision': 'intrusion_detection', 'dac-decision': 'intrusion_detection',
  mac: 'intrusion_detection', anomaly: 'intrusion_detection', 'anomaly-response': 'intrusion_detection', integrity: 'file',
};

function underscoreKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(underscoreKeys);
  if (!isPlainObject(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/-/g, '_'), underscoreKeys(x)]));
}

function moveField(doc: EcsEvent, from: string, to: string): void {
  const v = getPath(doc, from);
  if (v === undefined) return;
  const parts = from.split('.');
  const parent = getPath(doc, parts.slice(0, -1).join('.'));
  if (isPlainObject(parent)) delete parent[parts[parts.length - 1]];
  if (getPath(doc, to) === undefined) setPath(doc, to, v);
}

function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropEmpty).filter((x) => !(x === null || x === '' || (isPlainObject(x) && Object.keys(x).length === 0)));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const c = dropEmpty(x);
    if (c === null || c === undefined || c === '' || (isPlainObject(c) && Object.keys(c).length === 0) || (Array.isArray(c) && c.length === 0)) continue;
    out[k] = c;
  }
  return out;
}

/** The coalesced document (one event per audit event, already summarised): Elastic's clean-up of it. */
function normaliseCoalesced(raw: RawRecord, document: EcsEvent): EcsEvent {
  const doc = underscoreKeys(structuredClone(document)) as EcsEvent;
  const base = ecsBase(raw, { module: 'auditd', dataset: DATASET });
  const event = isPlainObject(doc.event) ? doc.event : {};
  doc.event = { ...event, original: raw.message, module: 'auditd', dataset: DATASET, kind: event.kind ?? 'event' };
  doc.ecs = base.ecs;
  if (typeof doc['@timestamp'] !== 'string') doc['@timestamp'] = base['@timestamp'];
  delete doc.message;
  moveField(doc, 'source.path', 'source.address');
  moveField(doc, 'destination.path', 'destination.address');
  for (const k of ['audit', 'new_auid', 'old_auid', 'selinux', 'saved', 'filesystem']) moveField(doc, `user.${k}`, `auditd.user.${k}`);
  moveField(doc, 'file.selinux', 'auditd.file.selinux');
  const cat = getPath(doc, 'event.category');
  if (typeof cat === 'string') {
    const mapped = CATEGORY_REMAP[cat];
    if (mapped) setPath(doc, 'event.category', [mapped]);
    else delete (doc.event as Record<string, unknown>).category;
  } else if (Array.isArray(cat)) setPath(doc, 'event.category', [...new Set(cat)]);
  const type = getPath(doc, 'event.type');
  if (Array.isArray(type)) setPath(doc, 'event.type', [...new Set(type)]);
  if (getPath(doc, 'event.outcome') === 'fail') setPath(doc, 'event.outcome', 'failure');
  moveField(doc, 'auditd.sequence', 'event.sequence');
  moveField(doc, 'auditd.data.id', 'event.id');
  setIfDefined(doc, 'host.architecture', getPath(doc, 'auditd.data.arch'));
  for (const p of ['source.port', 'destination.port', 'auditd.data.lport', 'auditd.data.rport', 'auditd.data.sport', 'auditd.data.dport', 'auditd.data.argc']) {
    const v = getPath(doc, p);
    if (typeof v === 'string' && /^\d+$/.test(v)) setPath(doc, p, Number(v));
  }
  const src = getPath(doc, 'source.address');
  if (typeof src === 'string' && isIpAddress(src) && getPath(doc, 'source.ip') === undefined) setPath(doc, 'source.ip', src);
  appendValue(doc, 'related.user', getPath(doc, 'auditd.user.audit.name'));
  return dropEmpty(doc) as EcsEvent;
}

export function parseAuditd(raw: RawRecord): ParseResult {
  const document = raw.document;
  if (document && isPlainObject(document.auditd) && !isPlainObject((document.auditd as Record<string, unknown>).log)) {
    return { ok: true, events: [fillRelated(normaliseCoalesced(raw, document))] };
  }
  const doc = ecsBase(raw, { module: 'auditd', dataset: DATASET });
  if (document) {
    for (const key of ['host', 'agent', 'input', 'cloud', 'tags']) {
      if (document[key] !== undefined) doc[key] = structuredClone(document[key]);
    }
  }
  let text = raw.message;
  const at = /(?:node=\S+ )?type=\S+ msg=audit\(/.exec(text);
  if (at && at.index > 0) {
    // Forwarded through syslog (audisp-syslog / audispd): the header names the sending host.
    const header = parseSyslogHeader(text.slice(0, at.index).trimEnd(), raw);
    if (header) {
      applySyslogHeader(doc, header);
      delete doc.message;
    }
    text = text.slice(at.index);
  }
  if (!parseRawRecord(text, doc)) {
    return parseFailure(raw, DATASET, 'not an audit record: expected "type=TYPE msg=audit(EPOCH:SEQ): key=value ..."');
  }
  return { ok: true, events: [fillRelated(doc)] };
}

export const auditdParser: Parser = {
  dataset: DATASET,
  parse: parseAuditd,
  detect: (line) => /(?:^|\s)(?:node=\S+ )?type=[A-Z_]+ msg=audit\(\d+(?:\.\d+)?:\d+\):/.test(line),
};
