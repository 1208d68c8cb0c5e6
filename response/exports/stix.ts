// An incident as a STIX 2.1 bundle: an identity for Vigil, the TLP marking, the incident SDO with
// the OASIS Incident Core extension, and per observable an indicator (STIX pattern), a sighting
// of it by Vigil and a related-to relationship to the incident. Ids are UUIDv5 of Vigil's ids, so
// exporting the same incident twice gives the same STIX ids (consumers update, not duplicate).
import { createHash } from 'node:crypto';
import type { Alert, Incident, Severity } from '../../core/storage/types.ts';
import { type Observable, observablesOf } from '../incidents/observables.ts';
import { attackReference } from './attack.ts';

export const incidentCoreExtension = 'extension-definition--ef765651-680c-498d-9894-99799f2fa126';

export type Tlp = 'white' | 'green' | 'amber' | 'red';
export const tlpLevels: readonly Tlp[] = ['white', 'green', 'amber', 'red'];

// The TLP 1.0 marking definitions fixed by the STIX 2.1 specification (§7.2.1.4): consumers
// recognise these ids, so they are used as-is rather than minted.
const tlpIds: Record<Tlp, string> = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};

// Namespace for Vigil's UUIDv5 ids (itself a fixed random UUID).
const vigilNamespace = 'c4a8f7e2-3b1d-4e59-9a0c-6d2f8b17e4a3';

/** RFC 4122 UUIDv5 (SHA-1, namespaced). */
export function uuidV5(name: string, namespace: string = vigilNamespace): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export type StixObject = { type: string; id: string; spec_version?: '2.1' } & Record<string, unknown>;

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: StixObject[];
}

export interface StixExportOptions {
  /** @default 'amber' */
  tlp?: Tlp;
  /** The bundle's creation time (ms). @default Date.now() */
  now?: number;
  /** Alerts of the incident: their ATT&CK techniques become attack-patterns. */
  alerts?: readonly Alert[];
  identityName?: string;
}

/** GB/T 20986 category → incident-type-ov values of the Incident Core extension (Vigil's crosswalk). */
export const incidentTypeCrosswalk: Record<string, string[]> = {
  malicious_program: ['malware'],
  network_attack: ['exploitation'],
  data_security: ['data-exfiltration'],
  information_content: ['content-abuse'],
  equipment_failure: ['system-failure'],
  noncompliant_operation: ['policy-violation'],
  security_hazard: ['vulnerability'],
  abnormal_behaviour: ['anomalous-activity'],
  force_majeure: ['natural-disaster'],
  other: ['other'],
};
const subcategoryTypes: Record<string, string[]> = {
  ransomware: ['ransomware'],
  phishing: ['phishing'],
  denial_of_service: ['denial-of-service'],
  data_leak: ['data-leak'],
  credential_attack: ['credential-compromise'],
  scanning_probing: ['reconnaissance'],
  web_defacement: ['defacement'],
  cryptominer: ['resource-hijacking'],
};

/** Grade I–IV (else severity) → criticality 0–100 on the extension's 5-level scale. */
const gradeCriticality: Record<string, number> = { I: 95, II: 70, III: 40, IV: 15 };
const severityCriticality: Record<Severity, number> = { critical: 95, high: 70, medium: 40, low: 15, informational: 0 };

function determination(inc: Incident): string {
  const resolution = inc.fields.resolution;
  if (resolution === 'false_positive' || resolution === 'benign_positive') return 'false-positive';
  if (resolution === 'true_positive') return 'confirmed';
  // Containment or later means someone acted on it as real.
  if (['contained', 'eradicated', 'recovered'].includes(inc.state)) return 'confirmed';
  return 'suspected';
}

function investigationStatus(state: string): string {
  if (state === 'new') return 'new';
  if (state === 'closed') return 'closed';
  return 'open';
}

/** STIX pattern strings escape backslash and single quote. */
function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A STIX pattern for an observable; hosts have no SCO of their own and give none. */
export function observablePattern(o: Pick<Observable, 'type' | 'value'>): string | undefined {
  switch (o.type) {
    case 'ip':
      return `[${o.value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = ${quote(o.value)}]`;
    case 'domain':
      return `[domain-name:value = ${quote(o.value)}]`;
    case 'url':
      return `[url:value = ${quote(o.value)}]`;
    case 'user':
      return `[user-account:account_login = ${quote(o.value)}]`;
    case 'hash': {
      const algo = o.value.length === 32 ? 'MD5' : o.value.length === 40 ? "'SHA-1'" : o.value.length === 64 ? "'SHA-256'" : undefined;
      return algo ? `[file:hashes.${algo} = ${quote(o.value)}]` : undefined;
    }
    case 'host':
      return undefined;
  }
}

export function buildStixBundle(inc: Incident, opts: StixExportOptions = {}): StixBundle {
  const now = new Date(opts.now ?? Date.now()).toISOString();
  const tlp = opts.tlp ?? 'amber';
  const marking = tlpIds[tlp];
  const identity: StixObject = {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuidV5('identity:vigil')}`,
    created: '2024-01-01T00:00:00.000Z',
    modified: '2024-01-01T00:00:00.000Z',
    name: opts.identityName ?? 'Vigil',
    identity_class: 'system',
    description: 'Vigil security operations backend',
  };
  const markingDef: StixObject = {
    type: 'marking-definition',
    spec_version: '2.1',
    id: marking,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${tlp.toUpperCase()}`,
    definition: { tlp },
  };
  const common = { spec_version: '2.1' as const, created_by_ref: identity.id, object_marking_refs: [marking] };
  const incidentId = `incident--${uuidV5(`incident:${inc.id}`)}`;
  const types = [...(incidentTypeCrosswalk[inc.category ?? ''] ?? []), ...(subcategoryTypes[inc.subcategory ?? ''] ?? [])];
  const ext: Record<string, unknown> = {
    extension_type: 'property-extension',
    determination: determination(inc),
    investigation_status: investigationStatus(inc.state),
    criticality: inc.grade && gradeCriticality[inc.grade] !== undefined ? gradeCriticality[inc.grade] : severityCriticality[inc.severity],
    detection_methods: ['vigil'],
  };
  if (types.length) ext.incident_types = [...new Set(types)];
  const objects: StixObject[] = [identity, markingDef];
  const incident: StixObject = {
    type: 'incident',
    id: incidentId,
    ...common,
    created: inc.createdAt,
    modified: inc.updatedAt,
    name: inc.title,
    description: `Vigil incident ${inc.id}: state ${inc.state}, severity ${inc.severity}${inc.grade ? `, grade ${inc.grade}` : ''}${inc.category ? `, category ${inc.category}${inc.subcategory ? `/${inc.subcategory}` : ''}` : ''}`,
    external_references: [{ source_name: 'vigil', external_id: inc.id }],
    extensions: { [incidentCoreExtension]: ext },
  };
  if (inc.tags.length) incident.labels = inc.tags;
  objects.push(incident);

  for (const o of observablesOf(inc.fields)) {
    const pattern = observablePattern(o);
    if (!pattern) continue;
    const key = `${o.type}:${o.value}`;
    const indicatorId = `indicator--${uuidV5(`indicator:${key}`)}`;
    objects.push({
      type: 'indicator',
      id: indicatorId,
      ...common,
      created: o.firstSeen,
      modified: o.lastSeen,
      name: `${o.type} ${o.value}`,
      indicator_types: ['malicious-activity'],
      pattern,
      pattern_type: 'stix',
      valid_from: o.firstSeen,
    });
    objects.push({
      type: 'sighting',
      id: `sighting--${uuidV5(`sighting:${inc.id}:${key}`)}`,
      ...common,
      created: o.firstSeen,
      modified: o.lastSeen,
      sighting_of_ref: indicatorId,
      where_sighted_refs: [identity.id],
      first_seen: o.firstSeen,
      last_seen: o.lastSeen,
      count: o.count,
    });
    objects.push(relationship(common, inc.id, indicatorId, 'related-to', incidentId, o.firstSeen));
  }

  const techniques = new Set((opts.alerts ?? []).flatMap((a) => a.techniques));
  for (const t of techniques) {
    const apId = `attack-pattern--${uuidV5(`attack-pattern:${t}`)}`;
    objects.push({
      type: 'attack-pattern',
      id: apId,
      ...common,
      created: inc.createdAt,
      modified: inc.createdAt,
      name: t,
      external_references: [{ source_name: 'mitre-attack', external_id: t, url: attackReference(t) }],
    });
    objects.push(relationship(common, inc.id, incidentId, 'related-to', apId, inc.createdAt));
  }
  return { type: 'bundle', id: `bundle--${uuidV5(`bundle:${inc.id}:${inc.version}:${now}`)}`, objects };
}

function relationship(
  common: { spec_version: '2.1'; created_by_ref: string; object_marking_refs: string[] },
  incidentKey: string,
  source: string,
  type: string,
  target: string,
  at: string,
): StixObject {
  return {
    type: 'relationship',
    id: `relationship--${uuidV5(`relationship:${incidentKey}:${source}:${type}:${target}`)}`,
    ...common,
    created: at,
    modified: at,
    relationship_type: type,
    source_ref: source,
    target_ref: target,
  };
}
