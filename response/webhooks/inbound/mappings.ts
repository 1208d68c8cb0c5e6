// What an inbound payload means: each mapping turns a sender's JSON into items, each with the
// sender's own id (the dedup key) and either alert fields or an ECS event. Mappings are pure.
import { createHash } from 'node:crypto';
import { type EcsEvent, expandDotted, getPath, isPlainObject, setPath } from '../../../core/ecs.ts';
import { ErrorCode, VigilError } from '../../../core/errors.ts';
import type { Severity } from '../../../core/storage/types.ts';

export interface InboundAlertFields {
  ruleId: string;
  ruleTitle: string;
  severity: Severity;
  riskScore?: number;
  tactics: string[];
  techniques: string[];
  tags: string[];
  author?: string;
  /** When the sender saw it (ISO); receive time when absent. */
  eventTime?: string;
  /** Sender details worth keeping on the alert (reason, links). */
  data: Record<string, unknown>;
}

export type MappedItem =
  | { senderId: string; as: 'alert'; alert: InboundAlertFields; event: EcsEvent }
  | { senderId: string; as: 'event'; event: EcsEvent };

/** The YAML mapping of a generic source. */
export interface GenericMapping {
  type: 'generic';
  as: 'alert' | 'event';
  /** Path to the list of items; the whole payload is one item when absent (an array is a list). */
  items?: string;
  /** Path to the sender's id of an item. */
  id: string;
  /** Alert fields → paths (ruleId, ruleTitle, severity, riskScore, eventTime, tactics, techniques, tags). */
  fields: Record<string, string>;
  /** Sender severity values → Vigil severities. */
  severityMap?: Record<string, Severity>;
  /** ECS field → path: the event (as: event) or the alert's event copy. */
  ecs: Record<string, string>;
  /** Constant ECS fields added to every event (event.dataset …). */
  constants: Record<string, unknown>;
}

export type Mapping = GenericMapping | { type: 'elastic-security' } | { type: 'splunk' } | { type: 'wazuh' };
export const builtinMappings = ['elastic-security', 'splunk', 'wazuh'] as const;

/**
 * JSONPath-like lookup: `$.a.b`, `a.b`, `$.list[0].x`, `$['kibana.alert.uuid']`; keys with dots
 * are also found as literal keys (Kibana documents are often flattened).
 */
export function readPath(doc: unknown, path: string): unknown {
  let rest = path.trim().replace(/^\$\.?/, '');
  let cur: unknown = doc;
  while (rest.length > 0) {
    if (cur === undefined || cur === null) return undefined;
    const quoted = /^\[['"](.+?)['"]\]\.?/.exec(rest);
    if (quoted) {
      cur = isPlainObject(cur) ? cur[quoted[1]] : undefined;
      rest = rest.slice(quoted[0].length);
      continue;
    }
    const index = /^\[(\d+)\]\.?/.exec(rest);
    if (index) {
      cur = Array.isArray(cur) ? cur[Number(index[1])] : undefined;
      rest = rest.slice(index[0].length);
      continue;
    }
    const seg = /^[^[]+/.exec(rest)?.[0] ?? '';
    const plain = seg.replace(/\.$/, '');
    cur = isPlainObject(cur) ? getPath(cur, plain) : undefined;
    rest = rest.slice(seg.length);
  }
  return cur;
}

const severityWords: Record<string, Severity> = {
  info: 'informational',
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  moderate: 'medium',
  high: 'high',
  critical: 'critical',
};

export function toSeverity(v: unknown, map?: Record<string, Severity>): Severity | undefined {
  if (v === undefined || v === null) return undefined;
  const key = String(v).trim();
  if (map?.[key]) return map[key];
  return severityWords[key.toLowerCase()];
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => (str(x) ? [str(x) as string] : []));
  const s = str(v);
  return s ? [s] : [];
}

function isoTime(v: unknown): string | undefined {
  if (typeof v === 'number') return new Date(v > 1e12 ? v : v * 1000).toISOString();
  const s = str(v);
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return new Date(Number(s) * 1000).toISOString();
  // Wazuh writes +0000 offsets, which Date.parse does not take everywhere.
  const ms = Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function tacticName(t: string): string {
  return t.trim().toLowerCase().replace(/[- ]+/g, '_');
}

function bad(source: string, path: string, message: string): VigilError {
  return new VigilError(ErrorCode.REQUEST_INVALID, `webhook ${source}: ${path}: ${message}`, { source: `webhook ${source}`, path });
}

function hashOf(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}

function listOf(payload: unknown, key: string): unknown[] {
  if (Array.isArray(payload)) return payload;
  if (isPlainObject(payload) && Array.isArray(payload[key])) return payload[key] as unknown[];
  return [payload];
}

// ---------------------------------------------------------------- generic

export function mapGeneric(m: GenericMapping, payload: unknown, source: string): MappedItem[] {
  const list = m.items ? readPath(payload, m.items) : payload;
  const items = Array.isArray(list) ? list : [list];
  return items.map((item, i) => {
    const where = m.items ? `${m.items}[${i}]` : Array.isArray(list) ? `[${i}]` : '$';
    const senderId = str(readPath(item, m.id));
    if (!senderId) throw bad(source, `${where} ${m.id}`, 'the sender id is missing');
    const event: EcsEvent = {};
    for (const [field, path] of Object.entries(m.ecs)) {
      const v = readPath(item, path);
      if (v !== undefined && v !== null) setPath(event, field, v);
    }
    for (const [field, v] of Object.entries(m.constants)) setPath(event, field, v);
    const f = (name: string) => (m.fields[name] ? readPath(item, m.fields[name]) : undefined);
    const time = isoTime(f('eventTime'));
    if (time && event['@timestamp'] === undefined) event['@timestamp'] = time;
    if (m.as === 'event') return { senderId, as: 'event', event };
    const ruleId = str(f('ruleId'));
    if (!ruleId) throw bad(source, `${where} ${m.fields.ruleId ?? 'fields.ruleId'}`, 'the rule id is missing');
    const rawSeverity = f('severity');
    const severity = toSeverity(rawSeverity, m.severityMap);
    if (rawSeverity !== undefined && !severity) {
      throw bad(source, `${where} ${m.fields.severity}`, `severity '${String(rawSeverity)}' is not known (add it to severity_map)`);
    }
    const risk = Number(f('riskScore'));
    const alert: InboundAlertFields = {
      ruleId,
      ruleTitle: str(f('ruleTitle')) ?? ruleId,
      severity: severity ?? 'medium',
      tactics: strings(f('tactics')).map(tacticName),
      techniques: strings(f('techniques')),
      tags: strings(f('tags')),
      data: {},
    };
    if (Number.isFinite(risk)) alert.riskScore = risk;
    if (time) alert.eventTime = time;
    return { senderId, as: 'alert', alert, event };
  });
}

// ---------------------------------------------------------------- Elastic Security

/** ECS parts of a Kibana alert document copied onto the event (the rest is Kibana bookkeeping). */
const elasticEcsRoots = ['host', 'user', 'source', 'destination', 'process', 'file', 'network', 'url', 'dns', 'registry', 'agent', 'cloud', 'related'];

/** Kibana alert documents: kibana.alert.uuid is the sender id; rule, severity, risk and ATT&CK from kibana.alert.rule.*. */
export function mapElasticSecurity(payload: unknown, source: string): MappedItem[] {
  return listOf(payload, 'alerts').map((raw, i) => {
    if (!isPlainObject(raw)) throw bad(source, `[${i}]`, 'an alert must be a JSON object');
    // Kibana sends flattened keys (`kibana.alert.rule.name`) or nested objects; read both alike.
    const doc = expandDotted(isPlainObject(raw._source) ? raw._source : raw);
    const senderId = str(getPath(doc, 'kibana.alert.uuid')) ?? str(raw._id);
    if (!senderId) throw bad(source, `[${i}].kibana.alert.uuid`, 'the alert uuid is missing');
    const ruleId = str(getPath(doc, 'kibana.alert.rule.rule_id')) ?? str(getPath(doc, 'kibana.alert.rule.uuid'));
    if (!ruleId) throw bad(source, `[${i}].kibana.alert.rule.rule_id`, 'the rule id is missing');
    const tactics: string[] = [];
    const techniques: string[] = [];
    const threat = getPath(doc, 'kibana.alert.rule.threat');
    for (const t of Array.isArray(threat) ? threat : []) {
      if (!isPlainObject(t)) continue;
      const tn = str(getPath(t, 'tactic.name'));
      if (tn) tactics.push(tacticName(tn));
      for (const tech of Array.isArray(t.technique) ? t.technique : []) {
        if (!isPlainObject(tech)) continue;
        const subs = Array.isArray(tech.subtechnique) ? tech.subtechnique.flatMap((s) => (isPlainObject(s) && str(s.id) ? [str(s.id) as string] : [])) : [];
        if (subs.length) techniques.push(...subs);
        else if (str(tech.id)) techniques.push(str(tech.id) as string);
      }
    }
    const event: EcsEvent = {};
    for (const root of elasticEcsRoots) if (doc[root] !== undefined) event[root] = doc[root];
    const original = getPath(doc, 'kibana.alert.original_event');
    event.event = { ...(isPlainObject(original) ? original : {}), kind: 'alert' };
    const time = isoTime(getPath(doc, 'kibana.alert.original_time')) ?? isoTime(doc['@timestamp']);
    if (time) event['@timestamp'] = time;
    const risk = Number(getPath(doc, 'kibana.alert.risk_score') ?? getPath(doc, 'kibana.alert.rule.risk_score'));
    const data: Record<string, unknown> = { senderRuleUuid: str(getPath(doc, 'kibana.alert.rule.uuid')) };
    const reason = str(getPath(doc, 'kibana.alert.reason'));
    if (reason) data.reason = reason;
    const url = str(getPath(doc, 'kibana.alert.url'));
    if (url) data.url = url;
    const alert: InboundAlertFields = {
      ruleId,
      ruleTitle: str(getPath(doc, 'kibana.alert.rule.name')) ?? ruleId,
      severity: toSeverity(getPath(doc, 'kibana.alert.severity') ?? getPath(doc, 'kibana.alert.rule.severity')) ?? 'medium',
      tactics: [...new Set(tactics)],
      techniques: [...new Set(techniques)],
      tags: strings(getPath(doc, 'kibana.alert.rule.tags')),
      data,
    };
    if (Number.isFinite(risk)) alert.riskScore = risk;
    if (time) alert.eventTime = time;
    const author = strings(getPath(doc, 'kibana.alert.rule.author'));
    if (author.length) alert.author = author.join(', ');
    return { senderId, as: 'alert', alert, event };
  });
}

// ---------------------------------------------------------------- Splunk

const splunkFields: Array<[string, string[]]> = [
  ['source.ip', ['src_ip', 'src']],
  ['destination.ip', ['dest_ip', 'dest']],
  ['source.port', ['src_port']],
  ['destination.port', ['dest_port']],
  ['user.name', ['user', 'src_user']],
  ['host.name', ['host', 'dest_host', 'dvc']],
  ['process.name', ['process_name', 'process']],
  ['url.original', ['url']],
  ['event.action', ['action']],
];

/**
 * Splunk's webhook alert action: `{sid, search_name, app, owner, results_link, result}`. One
 * webhook per trigger (or per result with "for each result"), so the sender id is the search id
 * plus a hash of the result.
 */
export function mapSplunk(payload: unknown, source: string): MappedItem[] {
  if (!isPlainObject(payload)) throw bad(source, '$', 'a Splunk alert action payload is a JSON object');
  const sid = str(payload.sid);
  if (!sid) throw bad(source, 'sid', 'the search id is missing');
  const searchName = str(payload.search_name);
  if (!searchName) throw bad(source, 'search_name', 'the saved search name is missing');
  const result = isPlainObject(payload.result) ? payload.result : {};
  const event: EcsEvent = {};
  for (const [field, names] of splunkFields) {
    const v = names.map((n) => str(result[n])).find((x) => x !== undefined);
    if (v !== undefined) setPath(event, field, field.endsWith('.port') && /^\d+$/.test(v) ? Number(v) : v);
  }
  const time = isoTime(result._time);
  if (time) event['@timestamp'] = time;
  if (typeof result._raw === 'string') setPath(event, 'event.original', result._raw);
  setPath(event, 'event.kind', 'alert');
  setPath(event, 'event.provider', 'splunk');
  const data: Record<string, unknown> = { sid, app: payload.app, owner: payload.owner };
  if (str(payload.results_link)) data.url = payload.results_link;
  const alert: InboundAlertFields = {
    ruleId: searchName,
    ruleTitle: searchName,
    severity: toSeverity(result.severity ?? result.urgency) ?? 'medium',
    tactics: strings(result.mitre_tactic ?? result.annotations_mitre_attack_mitre_tactic).map(tacticName),
    techniques: strings(result.mitre_technique_id ?? result.annotations_mitre_attack),
    tags: [],
    data,
  };
  if (time) alert.eventTime = time;
  return [{ senderId: `${sid}:${hashOf(result)}`, as: 'alert', alert, event }];
}

// ---------------------------------------------------------------- Wazuh

/** Wazuh rule levels 0–15 onto severities (Wazuh treats 12+ as high importance). */
export function wazuhSeverity(level: number): Severity {
  if (level >= 13) return 'critical';
  if (level >= 10) return 'high';
  if (level >= 7) return 'medium';
  if (level >= 4) return 'low';
  return 'informational';
}

/** Wazuh integrator alerts (`alert_format json`): id, rule.{id,level,description,mitre,groups}, agent, data. */
export function mapWazuh(payload: unknown, source: string): MappedItem[] {
  return listOf(payload, 'alerts').map((a, i) => {
    if (!isPlainObject(a)) throw bad(source, `[${i}]`, 'an alert must be a JSON object');
    const senderId = str(a.id);
    if (!senderId) throw bad(source, `[${i}].id`, 'the alert id is missing');
    const ruleId = str(getPath(a, 'rule.id'));
    if (!ruleId) throw bad(source, `[${i}].rule.id`, 'the rule id is missing');
    const level = Number(getPath(a, 'rule.level'));
    const event: EcsEvent = {};
    const put = (field: string, v: unknown) => {
      if (str(v) !== undefined) setPath(event, field, v);
    };
    put('host.name', getPath(a, 'agent.name'));
    put('host.ip', getPath(a, 'agent.ip'));
    put('agent.id', getPath(a, 'agent.id'));
    put('source.ip', getPath(a, 'data.srcip'));
    put('source.port', getPath(a, 'data.srcport') === undefined ? undefined : Number(getPath(a, 'data.srcport')));
    put('destination.ip', getPath(a, 'data.dstip'));
    put('user.name', getPath(a, 'data.dstuser') ?? getPath(a, 'data.srcuser') ?? getPath(a, 'data.win.eventdata.targetUserName'));
    put('event.original', a.full_log);
    put('log.file.path', a.location);
    setPath(event, 'event.kind', 'alert');
    setPath(event, 'event.provider', 'wazuh');
    const time = isoTime(a.timestamp);
    if (time) event['@timestamp'] = time;
    const alert: InboundAlertFields = {
      ruleId: `wazuh-${ruleId}`,
      ruleTitle: str(getPath(a, 'rule.description')) ?? `Wazuh rule ${ruleId}`,
      severity: Number.isFinite(level) ? wazuhSeverity(level) : 'medium',
      tactics: strings(getPath(a, 'rule.mitre.tactic')).map(tacticName),
      techniques: strings(getPath(a, 'rule.mitre.id')),
      tags: strings(getPath(a, 'rule.groups')),
      data: { wazuhRuleId: ruleId, level, manager: getPath(a, 'manager.name'), data: a.data },
    };
    if (time) alert.eventTime = time;
    return { senderId, as: 'alert', alert, event };
  });
}

export function applyMapping(m: Mapping, payload: unknown, source: string): MappedItem[] {
  switch (m.type) {
    case 'generic':
      return mapGeneric(m, payload, source);
    case 'elastic-security':
      return mapElasticSecurity(payload, source);
    case 'splunk':
      return mapSplunk(payload, source);
    case 'wazuh':
      return mapWazuh(payload, source);
  }
}
