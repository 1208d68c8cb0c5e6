// What Vigil creates on a cluster, as plain request objects: the ILM policy and the component and
// index templates for the event data streams (ECS mappings generated from core/ecs-fields.json),
// and the explicitly mapped indices of every other store. Pure: setup.ts sends them.
import type { estypes } from '@elastic/elasticsearch';
import catalogue from '../../ecs-fields.json' with { type: 'json' };
import { ErrorCode, VigilError } from '../../errors.ts';

type Property = estypes.MappingProperty;
type Properties = Record<string, Property>;

export interface EsLayoutOptions {
  /** Prefix of every index, template and policy name. @default 'vigil' */
  indexPrefix?: string;
  /** Data stream namespace: events go to `logs-vigil.<dataset>-<namespace>`. @default 'default' */
  namespace?: string;
  /** Days an event is kept before ILM deletes it. @default 30 */
  retentionDays?: number;
}

/** The names of everything Vigil keeps on the cluster. */
export interface EsLayout {
  prefix: string;
  namespace: string;
  retentionDays: number;
  ilmPolicy: string;
  ecsComponent: string;
  settingsComponent: string;
  eventsTemplate: string;
  /** Pattern covering every event data stream of this namespace. */
  eventsPattern: string;
  indices: Record<StoreIndex, string>;
}

export const storeIndices = [
  'alerts',
  'incidents',
  'incident-timeline',
  'audit',
  'playbook-runs',
  'outbox',
  'api-keys',
  'documents',
  'deadletter',
] as const;
export type StoreIndex = (typeof storeIndices)[number];

const NAMESPACE = /^[a-z0-9_]{1,100}$/;
const PREFIX = /^[a-z0-9][a-z0-9_.-]{0,80}$/;

export function esLayout(opts: EsLayoutOptions = {}): EsLayout {
  const prefix = opts.indexPrefix ?? 'vigil';
  const namespace = opts.namespace ?? 'default';
  const retentionDays = opts.retentionDays ?? 30;
  if (!PREFIX.test(prefix)) {
    throw invalidOption('indexPrefix', `'${prefix}' must be lowercase letters, digits, _ . - (at most 81, not starting with - _ .)`);
  }
  if (!NAMESPACE.test(namespace)) {
    throw invalidOption('namespace', `'${namespace}' must be 1-100 lowercase letters, digits or _ (no '-': it separates the data stream name parts)`);
  }
  if (!Number.isInteger(retentionDays) || retentionDays < 1) {
    throw invalidOption('retentionDays', `${String(retentionDays)} must be a whole number of days, at least 1`);
  }
  const indices = Object.fromEntries(storeIndices.map((n) => [n, `${prefix}-${n}`])) as Record<StoreIndex, string>;
  return {
    prefix,
    namespace,
    retentionDays,
    ilmPolicy: `${prefix}-events`,
    ecsComponent: `${prefix}-events-ecs-mappings`,
    settingsComponent: `${prefix}-events-settings`,
    eventsTemplate: `${prefix}-events`,
    eventsPattern: `logs-vigil.*-${namespace}`,
    indices,
  };
}

function invalidOption(key: string, reason: string): VigilError {
  return new VigilError(ErrorCode.CONFIG_INVALID, `elasticsearch.${key}: ${reason}`, { source: 'config', path: `elasticsearch.${key}` });
}

/**
 * The data stream an event goes to: `logs-vigil.<dataset>-<namespace>`, the dataset taken from
 * `event.dataset` and made a valid name part (lowercase; characters Elasticsearch forbids and '-'
 * become '_'), `generic` when absent.
 */
export function eventDataStream(layout: EsLayout, dataset: unknown): string {
  let part = typeof dataset === 'string' ? dataset.toLowerCase().replace(/[\\/*?"<>| ,#:-]+/g, '_') : '';
  part = part.replace(/^[_.+]+/, '').slice(0, 100);
  return `logs-vigil.${part === '' ? 'generic' : part}-${layout.namespace}`;
}

// ---------------------------------------------------------------- ILM

/** Hot with rollover (1 day or 50 GB per primary shard), deleted `retentionDays` after rollover. */
export function ilmPolicy(layout: EsLayout): estypes.IlmPolicy {
  return {
    _meta: { managed_by: 'vigil', description: 'Vigil event data streams: roll over daily, delete after the retention' },
    phases: {
      hot: { min_age: '0ms', actions: { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } },
      delete: { min_age: `${layout.retentionDays}d`, actions: { delete: {} } },
    },
  };
}

// ---------------------------------------------------------------- ECS mappings

interface EcsCatalogue {
  ecsVersion: string;
  fields: Record<string, string>;
  objectTypes: Record<string, string>;
}
const ecs = catalogue as EcsCatalogue;

/** The ECS type → the mapping Vigil gives it. */
function leafMapping(type: string): Property {
  switch (type) {
    case 'keyword':
    case 'constant_keyword':
      // constant_keyword would refuse a second value within one backing index; events of
      // several sources share a data stream, so a plain keyword keeps them all.
      return { type: 'keyword', ignore_above: 1024 };
    case 'match_only_text':
    case 'text':
      return { type: 'match_only_text' };
    case 'scaled_float':
      return { type: 'scaled_float', scaling_factor: 1000 };
    case 'nested':
    case 'object':
      // nested would need nested queries for every search; Vigil's queries address fields directly.
      return { type: 'object' };
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
    case 'float':
    case 'double':
    case 'half_float':
    case 'unsigned_long':
    case 'date':
    case 'date_nanos':
    case 'ip':
    case 'boolean':
    case 'geo_point':
    case 'flattened':
    case 'wildcard':
      return { type } as Property;
    default:
      return { type: 'keyword', ignore_above: 1024 };
  }
}

/**
 * Nested `properties` for every ECS field. A field whose parent is itself a leaf (`x.text` under a
 * keyword `x`) is the parent's multi-field, as in the ECS reference template.
 */
export function ecsProperties(): Properties {
  const names = Object.keys(ecs.fields).sort();
  const isLeaf = (name: string) => {
    const t = ecs.fields[name];
    return t !== undefined && t !== 'object' && t !== 'nested';
  };
  // Fields whose parent is a leaf are that leaf's multi-fields (`user.name.text`).
  const multiFields = new Map<string, string[]>();
  for (const name of names) {
    const parent = name.slice(0, Math.max(0, name.lastIndexOf('.')));
    if (parent !== '' && isLeaf(parent)) multiFields.set(parent, [...(multiFields.get(parent) ?? []), name]);
  }
  const root: Properties = {};
  const nodeAt = (path: string[]): Properties => {
    let props = root;
    for (const part of path) {
      let child = props[part] as { type?: string; properties?: Properties } | undefined;
      if (!child) {
        child = { properties: {} };
        props[part] = child as Property;
      }
      if (!child.properties) {
        child.properties = {};
        delete child.type;
      }
      props = child.properties;
    }
    return props;
  };
  for (const name of names) {
    const parts = name.split('.');
    const parent = parts.slice(0, -1).join('.');
    const leafName = parts[parts.length - 1];
    if (parent !== '' && isLeaf(parent)) continue;
    const props = nodeAt(parts.slice(0, -1));
    const type = ecs.fields[name];
    const existing = props[leafName] as { properties?: Properties } | undefined;
    if ((type === 'object' || type === 'nested') && existing?.properties) continue;
    const mapping = leafMapping(type) as Property & { fields?: Properties };
    const multi = multiFields.get(name) ?? [];
    if (isLeaf(name) && multi.length) {
      mapping.fields = Object.fromEntries(multi.map((m) => [m.slice(name.length + 1), leafMapping(ecs.fields[m])]));
    }
    props[leafName] = mapping;
  }
  return root;
}

/** Vigil's own bookkeeping inside each stored event, removed again when the event is read. */
export const STORE_FIELD = 'vigil_store';

function storeFieldMapping(): Property {
  return {
    properties: {
      id: { type: 'keyword' },
      ingested: { type: 'date' },
      // The event's own @timestamp when it was missing or not a time (the stored one is the ingest time).
      no_timestamp: { type: 'boolean' },
      original_timestamp: { type: 'keyword', index: false, doc_values: false },
    },
  };
}

export function ecsComponentTemplate(): estypes.ClusterPutComponentTemplateRequest['template'] {
  const dynamicTemplates: Array<Record<string, estypes.MappingDynamicTemplate>> = [];
  for (const [object, type] of Object.entries(ecs.objectTypes)) {
    dynamicTemplates.push({
      [`ecs_${object.replace(/\./g, '_')}`]: { path_match: `${object}.*`, mapping: leafMapping(type) },
    });
  }
  dynamicTemplates.push(
    // Fields named like ECS addresses are addresses; a value that is not one is kept, unindexed.
    { ip_by_name: { path_match: '*.ip', match_mapping_type: 'string', mapping: { type: 'ip', ignore_malformed: true } } },
    { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
  );
  return {
    mappings: {
      dynamic: true,
      // A date-looking string in the first event would fix the field as a date and refuse later values.
      date_detection: false,
      dynamic_templates: dynamicTemplates,
      properties: { ...ecsProperties(), [STORE_FIELD]: storeFieldMapping() },
      _meta: { managed_by: 'vigil', ecs_version: ecs.ecsVersion },
    },
  };
}

/**
 * The fields free-text search looks at (`index.query.default_field`): every ECS text field, then
 * keyword fields, shallowest first, up to 1000 so the expansion stays under the clause limit.
 */
export function defaultSearchFields(): string[] {
  const entries = Object.entries(ecs.fields);
  const text = entries.filter(([, t]) => t === 'match_only_text' || t === 'text').map(([n]) => n);
  const keyword = entries
    .filter(([n, t]) => (t === 'keyword' || t === 'wildcard') && !n.startsWith('cloud.entity.'))
    .map(([n]) => n)
    .sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
  return [...text, ...keyword].slice(0, 1000);
}

export function settingsComponentTemplate(layout: EsLayout): estypes.ClusterPutComponentTemplateRequest['template'] {
  return {
    settings: {
      index: {
        lifecycle: { name: layout.ilmPolicy },
        // As Elastic's own logs templates do: a value of the wrong type (text in a long field) is
        // kept in _source and listed in _ignored instead of refusing the whole event.
        mapping: { total_fields: { limit: 10_000 }, ignore_malformed: true },
        query: { default_field: defaultSearchFields() },
      },
    },
  };
}

/** Priority 200: above the built-in `logs` template (100), which also matches `logs-*-*`. */
export function eventsIndexTemplate(layout: EsLayout): Omit<estypes.IndicesPutIndexTemplateRequest, 'name'> {
  return {
    index_patterns: [layout.eventsPattern],
    data_stream: {},
    composed_of: [layout.settingsComponent, layout.ecsComponent],
    priority: 200,
    _meta: { managed_by: 'vigil', description: 'Vigil events (ECS) as data streams logs-vigil.<dataset>-<namespace>' },
  };
}

// ---------------------------------------------------------------- store indices

const keyword: Property = { type: 'keyword' };
const date: Property = { type: 'date' };
const long: Property = { type: 'long' };
const bool: Property = { type: 'boolean' };
/** Kept in _source, never indexed: free-form data stages attach. */
const opaque: Property = { type: 'object', enabled: false };

/** Explicit mappings; `dynamic: false` keeps unknown fields in _source without indexing them. */
export function storeIndexMappings(name: StoreIndex): estypes.MappingTypeMapping {
  const m = (properties: Properties): estypes.MappingTypeMapping => ({
    dynamic: false,
    properties,
    _meta: { managed_by: 'vigil' },
  });
  switch (name) {
    case 'alerts':
      return m({
        id: keyword,
        ruleId: keyword,
        ruleTitle: keyword,
        ruleLevel: keyword,
        ruleTags: keyword,
        tactics: keyword,
        techniques: keyword,
        severity: keyword,
        riskScore: { type: 'float' },
        eventIds: keyword,
        events: opaque,
        entities: {
          properties: {
            hosts: keyword,
            users: keyword,
            sourceIps: keyword,
            destinationIps: keyword,
            processes: keyword,
            hashes: keyword,
          },
        },
        eventTime: date,
        detectedAt: date,
        origin: keyword,
        groupKey: keyword,
        incidentId: keyword,
        status: keyword,
        data: opaque,
      });
    case 'incidents':
      return m({
        id: keyword,
        version: long,
        title: keyword,
        state: keyword,
        severity: keyword,
        severityRank: { type: 'byte' },
        grade: keyword,
        category: keyword,
        subcategory: keyword,
        assignee: keyword,
        tags: keyword,
        ruleIds: keyword,
        hosts: keyword,
        users: keyword,
        groupKey: keyword,
        createdAt: date,
        updatedAt: date,
        fields: opaque,
      });
    case 'incident-timeline':
      return m({ id: keyword, incidentId: keyword, at: date, seq: keyword, actor: keyword, kind: keyword, data: opaque });
    case 'audit':
      return m({
        id: keyword,
        at: date,
        actor: keyword,
        action: keyword,
        target: keyword,
        before: opaque,
        after: opaque,
        requestId: keyword,
      });
    case 'playbook-runs':
      return m({
        id: keyword,
        version: long,
        playbookId: keyword,
        playbookVersion: keyword,
        incidentId: keyword,
        status: keyword,
        trigger: keyword,
        dryRun: bool,
        steps: opaque,
        wakeAt: date,
        dueAt: date,
        createdAt: date,
        updatedAt: date,
        data: opaque,
      });
    case 'outbox':
      return m({
        id: keyword,
        seq: keyword,
        subscriptionId: keyword,
        eventType: keyword,
        orderingKey: keyword,
        payload: { type: 'keyword', index: false, doc_values: false },
        status: keyword,
        attempts: long,
        nextAttemptAt: date,
        createdAt: date,
        deliveredAt: date,
        leasedUntil: date,
        lastStatus: long,
        lastError: opaque,
      });
    case 'api-keys':
      return m({
        kind: keyword,
        id: keyword,
        name: keyword,
        role: keyword,
        hash: keyword,
        prefix: keyword,
        createdAt: date,
        createdBy: keyword,
        revokedAt: date,
        lastUsedAt: date,
      });
    case 'documents':
      return m({ collection: keyword, id: keyword, version: long, updatedAt: date, body: opaque });
    case 'deadletter':
      return m({
        '@timestamp': date,
        index: keyword,
        id: keyword,
        reason: { properties: { type: keyword, reason: { type: 'match_only_text' } } },
        error: opaque,
        original: opaque,
      });
    default: {
      const never: never = name;
      throw new Error(`unknown store index ${String(never)}`);
    }
  }
}
