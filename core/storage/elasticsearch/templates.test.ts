import { describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import {
  defaultSearchFields,
  ecsComponentTemplate,
  ecsProperties,
  esLayout,
  eventDataStream,
  eventsIndexTemplate,
  ilmPolicy,
  settingsComponentTemplate,
  storeIndexMappings,
  storeIndices,
} from './templates.ts';

type Mapping = { type?: string; properties?: Record<string, Mapping>; fields?: Record<string, Mapping>; scaling_factor?: number; enabled?: boolean };

/** The mapping of a dotted field in nested `properties`. */
function mappingOf(props: Record<string, Mapping>, field: string): Mapping | undefined {
  const parts = field.split('.');
  let cur: Mapping | undefined = { properties: props };
  for (const p of parts) cur = cur?.properties?.[p];
  return cur;
}

describe('layout', () => {
  it('names indices, templates and data streams from the prefix and namespace', () => {
    const l = esLayout();
    expect(l.indices.alerts).toBe('vigil-alerts');
    expect(l.indices.deadletter).toBe('vigil-deadletter');
    expect(Object.values(l.indices)).toHaveLength(storeIndices.length);
    expect(l.ilmPolicy).toBe('vigil-events');
    expect(l.eventsTemplate).toBe('vigil-events');
    expect(l.eventsPattern).toBe('logs-vigil.*-default');
    expect(eventDataStream(l, 'sshd.auth')).toBe('logs-vigil.sshd.auth-default');
    expect(eventDataStream(l, 'Windows-Security:4625')).toBe('logs-vigil.windows_security_4625-default');
    expect(eventDataStream(l, undefined)).toBe('logs-vigil.generic-default');
    expect(eventDataStream(esLayout({ namespace: 'prod_eu' }), 'nginx.access')).toBe('logs-vigil.nginx.access-prod_eu');
  });

  it('refuses names Elasticsearch would refuse, naming the setting', () => {
    for (const bad of [{ namespace: 'prod-eu' }, { indexPrefix: 'Vigil' }, { retentionDays: 0 }]) {
      let err: unknown;
      try {
        esLayout(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe('CONFIG_INVALID');
      expect((err as VigilError).message).toContain(`elasticsearch.${Object.keys(bad)[0]}`);
    }
  });
});

describe('ILM policy', () => {
  it('rolls over daily or at 50 GB per primary shard and deletes after the retention', () => {
    const p = ilmPolicy(esLayout({ retentionDays: 90 }));
    expect(p.phases.hot?.actions).toEqual({ rollover: { max_age: '1d', max_primary_shard_size: '50gb' } });
    expect(p.phases.delete?.min_age).toBe('90d');
    expect(p.phases.delete?.actions).toEqual({ delete: {} });
    expect(ilmPolicy(esLayout()).phases.delete?.min_age).toBe('30d');
  });
});

describe('event templates', () => {
  const props = ecsProperties() as Record<string, Mapping>;

  it('maps ECS fields to their Elasticsearch types', () => {
    expect(mappingOf(props, '@timestamp')?.type).toBe('date');
    expect(mappingOf(props, 'source.ip')?.type).toBe('ip');
    expect(mappingOf(props, 'event.code')?.type).toBe('keyword');
    expect(mappingOf(props, 'process.pid')?.type).toBe('long');
    expect(mappingOf(props, 'message')?.type).toBe('match_only_text');
    expect(mappingOf(props, 'source.geo.location')?.type).toBe('geo_point');
    expect(mappingOf(props, 'event.risk_score')?.type).toBe('float');
  });

  it('gives keyword fields their .text multi-field, as the ECS reference template does', () => {
    const cmd = mappingOf(props, 'process.command_line');
    expect(cmd?.type).toBe('wildcard');
    expect(cmd?.fields?.text?.type).toBe('match_only_text');
    expect(mappingOf(props, 'user.name')?.fields?.text?.type).toBe('match_only_text');
  });

  it('maps nested ECS groups as objects so plain field queries reach them', () => {
    const enrichments = mappingOf(props, 'threat.enrichments');
    expect(enrichments?.type).toBeUndefined();
    expect(mappingOf(props, 'threat.enrichments.indicator.ip')?.type).toBe('ip');
  });

  it('defaults unknown strings to keyword, *.ip to ip, and keeps the store bookkeeping', () => {
    const t = ecsComponentTemplate();
    const mappings = t.mappings as { dynamic: boolean; date_detection: boolean; dynamic_templates: Array<Record<string, { mapping: { type: string } }>>; properties: Record<string, Mapping> };
    expect(mappings.dynamic).toBe(true);
    expect(mappings.date_detection).toBe(false);
    const byName = Object.assign({}, ...mappings.dynamic_templates) as Record<string, { mapping: { type: string } }>;
    expect(byName.strings_as_keyword.mapping.type).toBe('keyword');
    expect(byName.ip_by_name.mapping.type).toBe('ip');
    expect(byName.ecs_labels.mapping.type).toBe('keyword');
    expect(mappingOf(mappings.properties, 'vigil_store.id')?.type).toBe('keyword');
  });

  it('composes settings and mappings into a data stream template above the built-in logs template', () => {
    const l = esLayout({ indexPrefix: 'vigil', namespace: 'prod' });
    const t = eventsIndexTemplate(l);
    expect(t.index_patterns).toEqual(['logs-vigil.*-prod']);
    expect(t.data_stream).toEqual({});
    expect(t.composed_of).toEqual(['vigil-events-settings', 'vigil-events-ecs-mappings']);
    expect(t.priority).toBeGreaterThan(100);
    const s = settingsComponentTemplate(l).settings as {
      index: { lifecycle: { name: string }; query: { default_field: string[] }; mapping: { ignore_malformed: boolean } };
    };
    expect(s.index.lifecycle.name).toBe('vigil-events');
    expect(s.index.mapping.ignore_malformed).toBe(true);
    expect(s.index.query.default_field).toContain('message');
    expect(s.index.query.default_field).toContain('user.name');
    expect(defaultSearchFields().length).toBeLessThanOrEqual(1000);
  });
});

describe('store indices', () => {
  it('maps every store index explicitly', () => {
    for (const name of storeIndices) {
      const m = storeIndexMappings(name);
      expect(m.dynamic, name).toBe(false);
      expect(Object.keys(m.properties ?? {}).length, name).toBeGreaterThan(3);
    }
    const incidents = storeIndexMappings('incidents').properties as Record<string, Mapping>;
    expect(incidents.version.type).toBe('long');
    expect(incidents.createdAt.type).toBe('date');
    expect(incidents.fields.enabled).toBe(false);
    const dead = storeIndexMappings('deadletter').properties as Record<string, Mapping>;
    expect(dead.original.enabled).toBe(false);
    expect(dead.reason.properties?.type.type).toBe('keyword');
  });
});
