// Builds the Alert a rule match becomes: rule facts (with the author the Detection Rule License
// asks for), ATT&CK from tags, key-field copies of the events, entities, severity, risk score and a
// deterministic id, so a replayed event or an overlapping search window never yields a new alert.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { stableId } from '../../core/ids.ts';
import type { Alert, AlertEntities, Severity } from '../../core/storage/types.ts';
import { eventTimestamp } from '../hunt/index.ts';
import type { SigmaLevel, SigmaLogsource } from '../sigma/index.ts';
import { attackFromTags } from './attack.ts';

/** What an alert needs to know about the rule (a Sigma rule or a correlation). */
export interface AlertRuleInfo {
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly level?: SigmaLevel;
  readonly author?: string;
  readonly tags: readonly string[];
  readonly logsource?: SigmaLogsource;
}

export interface MatchedEvent {
  /** The id the event store gave the event. */
  id: string;
  doc: EcsEvent;
}

export const EntityKind = {
  host: 'host',
  user: 'user',
  sourceIp: 'source.ip',
  destinationIp: 'destination.ip',
  process: 'process',
  hash: 'hash',
} as const;
export type EntityKind = (typeof EntityKind)[keyof typeof EntityKind];

/** One correlation group-by value and the entity it names (undefined: not an entity field). */
export interface GroupValue {
  field: string;
  value: string;
  entity?: EntityKind;
}

export interface BuildAlertInput {
  rule: AlertRuleInfo;
  events: readonly MatchedEvent[];
  detectedAt: number;
  origin: 'stream' | 'scheduled' | 'correlation';
  /** Correlation group-by values: they become entities and the grouping key. */
  group?: readonly GroupValue[];
  data?: Record<string, unknown>;
  /** Events copied into the alert (all ids are kept). @default 20 */
  maxEventCopies?: number;
}

/** The rule id alerts carry: the Sigma id, else its name, else its title. */
export function ruleIdOf(rule: Pick<AlertRuleInfo, 'id' | 'name' | 'title'>): string {
  return rule.id ?? rule.name ?? rule.title;
}

/** Deterministic alert id: the same rule over the same events always gives the same id. */
export function alertId(ruleId: string, eventIds: readonly string[]): string {
  return stableId('alert', ruleId, ...[...new Set(eventIds)].sort());
}

const SEVERITY: Record<SigmaLevel, Severity> = {
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** Elastic's risk score per severity (21/47/73/99); informational gets the low end of 0–20. */
export const RISK_BASE: Record<Severity, number> = { informational: 10, low: 21, medium: 47, high: 73, critical: 99 };

/** Asset criticality (ingest enrichment) → risk modifier, Elastic's entity-analytics values. */
export const CRITICALITY_MODIFIER: Record<string, number> = { low: 0.5, medium: 1, high: 1.5, critical: 2 };

export const ASSET_CRITICALITY_FIELD = 'vigil.asset.criticality';

/**
 * Risk score 0–100: the level's base, moved by the most critical asset among the events with
 * Elastic's Bayesian update (p·m / (1 + (m−1)·p)), which stays inside 0–100 for any modifier.
 */
export function riskScore(severity: Severity, docs: readonly EcsEvent[]): number {
  let modifier: number | undefined;
  for (const d of docs) {
    const raw = getPath(d, ASSET_CRITICALITY_FIELD);
    const m = typeof raw === 'string' ? CRITICALITY_MODIFIER[raw.toLowerCase()] : undefined;
    if (m !== undefined && (modifier === undefined || m > modifier)) modifier = m;
  }
  const p = RISK_BASE[severity] / 100;
  if (modifier === undefined || modifier === 1) return RISK_BASE[severity];
  return Math.round((100 * p * modifier) / (1 + (modifier - 1) * p));
}

/** Fields copied from each event into the alert: enough to triage without opening the event. */
export const KEY_FIELDS: readonly string[] = [
  '@timestamp',
  'event',
  'message',
  'host',
  'user',
  'source',
  'destination',
  'network',
  'process',
  'file.path',
  'file.name',
  'file.hash',
  'url',
  'dns.question',
  'http.request.method',
  'http.response.status_code',
  'user_agent.original',
  'winlog.event_id',
  'winlog.channel',
  'vigil.asset',
  'related',
];

export function keyFieldCopy(doc: EcsEvent): EcsEvent {
  const out: EcsEvent = {};
  for (const f of KEY_FIELDS) {
    const v = getPath(doc, f);
    // Copies, so a later change to the event object cannot alter a published alert.
    if (v !== undefined) setPath(out, f, structuredClone(v));
  }
  return out;
}

const ENTITY_PATHS: ReadonlyArray<[keyof AlertEntities, readonly string[]]> = [
  ['hosts', ['host.name', 'host.hostname']],
  ['users', ['user.name']],
  ['sourceIps', ['source.ip', 'client.ip']],
  ['destinationIps', ['destination.ip', 'server.ip']],
  ['processes', ['process.executable', 'process.name']],
  ['hashes', ['file.hash.sha256', 'file.hash.sha1', 'file.hash.md5', 'process.hash.sha256', 'process.hash.sha1', 'process.hash.md5']],
];

const ENTITY_LIST: Record<EntityKind, keyof AlertEntities> = {
  host: 'hosts',
  user: 'users',
  'source.ip': 'sourceIps',
  'destination.ip': 'destinationIps',
  process: 'processes',
  hash: 'hashes',
};

/** The entity an ECS path names, e.g. 'source.ip' → source IP; undefined for other fields. */
export function entityKindOfPath(path: string): EntityKind | undefined {
  for (const [list, paths] of ENTITY_PATHS) {
    if (!paths.includes(path)) continue;
    const kind = (Object.keys(ENTITY_LIST) as EntityKind[]).find((k) => ENTITY_LIST[k] === list);
    if (kind) return kind;
  }
  return undefined;
}

function scalars(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(scalars);
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (typeof v === 'number') return [String(v)];
  return [];
}

export function entitiesOf(docs: readonly EcsEvent[], group: readonly GroupValue[] = []): AlertEntities {
  const sets: Record<keyof AlertEntities, Set<string>> = {
    hosts: new Set(),
    users: new Set(),
    sourceIps: new Set(),
    destinationIps: new Set(),
    processes: new Set(),
    hashes: new Set(),
  };
  // Group-by values first: they are what a correlation is about.
  for (const g of group) if (g.entity) sets[ENTITY_LIST[g.entity]].add(g.value);
  for (const doc of docs) {
    for (const [list, paths] of ENTITY_PATHS) {
      if (list === 'hosts' || list === 'processes') {
        // host.name and host.hostname usually repeat one machine; take the first present.
        for (const p of paths) {
          const vs = scalars(getPath(doc, p));
          if (vs.length > 0) {
            for (const v of vs) sets[list].add(v);
            break;
          }
        }
      } else {
        for (const p of paths) for (const v of scalars(getPath(doc, p))) sets[list].add(v);
      }
    }
  }
  return {
    hosts: [...sets.hosts],
    users: [...sets.users],
    sourceIps: [...sets.sourceIps],
    destinationIps: [...sets.destinationIps],
    processes: [...sets.processes],
    hashes: [...sets.hashes],
  };
}

const NETWORK_CATEGORIES = new Set(['firewall', 'network_connection', 'proxy', 'webserver', 'dns', 'dns_query', 'network', 'authentication']);
const AUTH_SERVICES = new Set(['sshd', 'auth', 'security', 'vsftpd', 'guacamole', 'radius', 'vpn']);
const HOST_PRODUCTS = new Set(['windows', 'linux', 'macos']);

/**
 * Which entity alerts of a rule are grouped by: the attacker's address for network and
 * authentication rules (brute force, scans: one source, many targets), the machine for host rules
 * (process, file, registry activity), the account otherwise (cloud and SaaS audit logs).
 */
export function groupingOrder(logsource: SigmaLogsource | undefined): readonly EntityKind[] {
  const category = logsource?.category?.toLowerCase();
  const service = logsource?.service?.toLowerCase();
  const product = logsource?.product?.toLowerCase();
  if ((category && NETWORK_CATEGORIES.has(category)) || (service && AUTH_SERVICES.has(service))) return ['source.ip', 'host', 'user'];
  if (product && HOST_PRODUCTS.has(product)) return ['host', 'user', 'source.ip'];
  return ['user', 'host', 'source.ip'];
}

function groupKeyOf(ruleId: string, logsource: SigmaLogsource | undefined, entities: AlertEntities, group: readonly GroupValue[] | undefined): string {
  if (group && group.length > 0) return `${ruleId}|${group.map((g) => `${g.field}=${g.value}`).join('|')}`;
  for (const kind of groupingOrder(logsource)) {
    const v = entities[ENTITY_LIST[kind]][0];
    if (v !== undefined) return `${ruleId}|${kind}=${v.toLowerCase()}`;
  }
  return ruleId;
}

export function buildAlert(input: BuildAlertInput): Alert {
  const { rule, events } = input;
  const ruleId = ruleIdOf(rule);
  const severity = rule.level ? SEVERITY[rule.level] : 'medium';
  const docs = events.map((e) => e.doc);
  const times = docs.map(eventTimestamp).filter((t) => Number.isFinite(t));
  const eventTime = times.length > 0 ? Math.min(...times) : input.detectedAt;
  const { tactics, techniques } = attackFromTags(rule.tags);
  const entities = entitiesOf(docs, input.group);
  const alert: Alert = {
    id: alertId(ruleId, events.map((e) => e.id)),
    ruleId,
    ruleTitle: rule.title,
    ruleLevel: severity,
    ruleTags: [...rule.tags],
    tactics,
    techniques,
    severity,
    riskScore: riskScore(severity, docs),
    eventIds: [...new Set(events.map((e) => e.id))],
    events: docs.slice(0, input.maxEventCopies ?? 20).map(keyFieldCopy),
    entities,
    eventTime: new Date(eventTime).toISOString(),
    detectedAt: new Date(input.detectedAt).toISOString(),
    origin: input.origin,
    groupKey: groupKeyOf(ruleId, rule.logsource, entities, input.group),
    status: 'open',
    data: { ...(input.data ?? {}) },
  };
  if (rule.author !== undefined) alert.ruleAuthor = rule.author;
  return alert;
}
