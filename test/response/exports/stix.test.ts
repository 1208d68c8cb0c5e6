// The STIX 2.1 bundle of an incident: structure a STIX consumer relies on (spec_version, id form,
// required properties per type, every *_ref resolving inside the bundle), the Incident Core
// extension and the TLP marking.
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../core/storage/types.ts';
import { buildStixBundle, incidentCoreExtension, observablePattern, type StixObject, uuidV5 } from '../../../response/exports/stix.ts';
import { makeAlert, makeIncident } from '../webhooks/helpers.ts';

const ID = /^([a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function incident(over: Partial<Incident> = {}): Incident {
  return { ...makeIncident({ id: 'inc-42' }), version: 3, updatedAt: '2026-03-01T12:00:00.000Z', ...over };
}

/** Every property ending in _ref / _refs, anywhere in the object. */
function refs(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(refs);
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => {
    if (k.endsWith('_ref') && typeof x === 'string') return [x];
    if (k.endsWith('_refs') && Array.isArray(x)) return x as string[];
    return refs(x);
  });
}

function extOf(objects: StixObject[]): Record<string, unknown> {
  const inc = objects.find((o) => o.type === 'incident');
  return (inc!.extensions as Record<string, Record<string, unknown>>)[incidentCoreExtension];
}

const required: Record<string, string[]> = {
  identity: ['name'],
  incident: ['name', 'created', 'modified'],
  indicator: ['pattern', 'pattern_type', 'valid_from', 'created', 'modified'],
  sighting: ['sighting_of_ref', 'created', 'modified'],
  relationship: ['relationship_type', 'source_ref', 'target_ref'],
  'attack-pattern': ['name'],
  'marking-definition': ['created', 'definition_type', 'definition'],
};

describe('STIX 2.1 incident bundle', () => {
  const alerts = [makeAlert({ id: 'a1', incidentId: 'inc-42' }), makeAlert({ id: 'a2', incidentId: 'inc-42', techniques: ['T1078'] })];
  const bundle = buildStixBundle(incident(), { alerts, now: Date.parse('2026-03-02T00:00:00Z') });
  const byId = new Map(bundle.objects.map((o) => [o.id, o]));
  const ofType = (t: string) => bundle.objects.filter((o) => o.type === t);

  it('is a bundle of well-formed 2.1 objects whose references all resolve', () => {
    expect(bundle.type).toBe('bundle');
    expect(bundle.id).toMatch(ID);
    expect(new Set(bundle.objects.map((o) => o.id)).size).toBe(bundle.objects.length);
    for (const o of bundle.objects) {
      expect(o.spec_version).toBe('2.1');
      expect(o.id).toMatch(ID);
      expect(o.id.split('--')[0]).toBe(o.type);
      for (const p of required[o.type] ?? ['__unknown_type__']) expect(o, `${o.type}.${p}`).toHaveProperty(p);
      for (const k of ['created', 'modified', 'valid_from', 'first_seen', 'last_seen']) if (o[k] !== undefined) expect(o[k]).toMatch(TIME);
      for (const r of refs(o)) expect(byId.has(r), `${o.id} → ${r}`).toBe(true);
    }
  });

  it('carries the incident with the Incident Core extension and TLP:AMBER by default', () => {
    const [inc] = ofType('incident') as StixObject[];
    const ext = (inc.extensions as Record<string, Record<string, unknown>>)[incidentCoreExtension];
    expect(ext).toEqual({
      extension_type: 'property-extension',
      determination: 'suspected',
      investigation_status: 'new',
      criticality: 40,
      detection_methods: ['vigil'],
      incident_types: ['exploitation', 'credential-compromise'],
    });
    expect(inc).toMatchObject({ name: 'SSH brute force against web01', labels: ['ssh'], external_references: [{ source_name: 'vigil', external_id: 'inc-42' }] });
    const [tlp] = ofType('marking-definition');
    expect(tlp).toMatchObject({ id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', definition_type: 'tlp', definition: { tlp: 'amber' } });
    for (const o of bundle.objects.filter((x) => x.type !== 'marking-definition' && x.type !== 'identity')) expect(o.object_marking_refs).toEqual([tlp.id]);
  });

  it('has an indicator, a sighting and a link to the incident per observable (hosts have no SCO)', () => {
    const patterns = ofType('indicator').map((i) => i.pattern);
    expect(patterns.sort()).toEqual(
      ["[domain-name:value = 'evil\\'example.test']", "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", "[ipv4-addr:value = '203.0.113.7']", "[user-account:account_login = 'root']"].sort(),
    );
    for (const ind of ofType('indicator')) {
      expect(ind.pattern_type).toBe('stix');
      const sighting = ofType('sighting').find((s) => s.sighting_of_ref === ind.id);
      expect(sighting).toBeDefined();
      expect(byId.get((sighting!.where_sighted_refs as string[])[0])?.type).toBe('identity');
      expect(ofType('relationship').some((r) => r.source_ref === ind.id && r.target_ref === ofType('incident')[0].id)).toBe(true);
    }
    const ip = ofType('sighting').find((s) => byId.get(s.sighting_of_ref as string)?.pattern === "[ipv4-addr:value = '203.0.113.7']");
    expect(ip).toMatchObject({ count: 3, first_seen: '2026-03-01T10:00:05.000Z', last_seen: '2026-03-01T10:20:00.000Z' });
    expect(ofType('attack-pattern').map((a) => a.name).sort()).toEqual(['T1078', 'T1110.001']);
  });

  it('maps closing and containment onto determination and status; ids stay stable between exports', () => {
    const closed = buildStixBundle(incident({ state: 'closed', grade: 'I', fields: { resolution: 'false_positive' } }), { tlp: 'red' });
    const ext = extOf(closed.objects);
    expect(ext).toMatchObject({ determination: 'false-positive', investigation_status: 'closed', criticality: 95 });
    expect(closed.objects.find((o) => o.type === 'marking-definition')?.definition).toEqual({ tlp: 'red' });
    const contained = buildStixBundle(incident({ state: 'contained' }));
    expect(extOf(contained.objects)).toMatchObject({
      determination: 'confirmed',
      investigation_status: 'open',
    });
    expect(contained.objects.find((o) => o.type === 'incident')?.id).toBe(bundle.objects.find((o) => o.type === 'incident')?.id);
    expect(observablePattern({ type: 'ip', value: '2001:db8::1' })).toBe("[ipv6-addr:value = '2001:db8::1']");
    expect(observablePattern({ type: 'hash', value: 'a'.repeat(64) })).toBe(`[file:hashes.'SHA-256' = '${'a'.repeat(64)}']`);
  });

  it('UUIDv5 matches the RFC 4122 test vector', () => {
    // uuid5(NAMESPACE_DNS, 'python.org') from Python's uuid module documentation.
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});
