// An alert as an OCSF Detection Finding (class_uid 2004, Findings category 2): the base event's
// required attributes (activity, category, class, type, severity, time, metadata) plus
// finding_info with the rule as analytic and ATT&CK in attacks[].
import type { Alert, Incident, Severity } from '../../core/storage/types.ts';
import { attackReference, tacticRef } from './attack.ts';

export const ocsfVersion = '1.3.0';

export const OcsfActivity = { create: 1, update: 2, close: 3 } as const;
export type OcsfActivity = (typeof OcsfActivity)[keyof typeof OcsfActivity];
const activityName: Record<OcsfActivity, string> = { 1: 'Create', 2: 'Update', 3: 'Close' };

const severityId: Record<Severity, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };
const severityName: Record<number, string> = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' };
const statusName: Record<number, string> = { 1: 'New', 2: 'In Progress', 3: 'Suppressed', 4: 'Resolved' };

export interface DetectionFinding {
  activity_id: number;
  activity_name: string;
  category_uid: 2;
  category_name: 'Findings';
  class_uid: 2004;
  class_name: 'Detection Finding';
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  time: number;
  message: string;
  is_alert: true;
  finding_info: {
    uid: string;
    title: string;
    analytic: { uid: string; name: string; type_id: 1; type: 'Rule' };
    first_seen_time?: number;
    last_seen_time?: number;
    types?: string[];
    related_events?: Array<{ uid: string }>;
  };
  attacks?: Array<{ tactic?: { uid?: string; name: string }; technique?: { uid: string; src_url: string }; version: string }>;
  risk_score?: number;
  resources?: Array<{ type: string; name: string }>;
  observables?: Array<{ name: string; type_id: number; type: string; value: string }>;
  metadata: { product: { name: 'Vigil'; vendor_name: string; version?: string }; version: string; uid: string; labels?: string[] };
  unmapped?: Record<string, unknown>;
}

export interface FindingOptions {
  activity?: OcsfActivity;
  vendorName?: string;
  productVersion?: string;
}

/** OCSF finding status from the incident's state, else the alert's status. */
function statusId(alert: Alert | undefined, incident: Incident | undefined): number {
  if (incident) {
    if (incident.state === 'closed') return incident.fields.resolution === 'false_positive' ? 3 : 4;
    return incident.state === 'new' ? 1 : 2;
  }
  if (alert?.status === 'false_positive') return 3;
  if (alert?.status === 'closed') return 4;
  return 1;
}

export function buildDetectionFinding(alert: Alert | undefined, incident?: Incident, opts: FindingOptions = {}): DetectionFinding {
  if (!alert && !incident) throw new Error('buildDetectionFinding: an alert or an incident is required');
  const activity = opts.activity ?? OcsfActivity.create;
  const severity: Severity = alert ? alert.severity : (incident as Incident).severity;
  const sev = severityId[severity];
  const status = statusId(alert, incident);
  const ruleId = alert?.ruleId ?? incident?.ruleIds[0] ?? 'unknown';
  const title = alert?.ruleTitle ?? incident?.title ?? ruleId;
  const finding: DetectionFinding = {
    activity_id: activity,
    activity_name: activityName[activity],
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 2004 * 100 + activity,
    type_name: `Detection Finding: ${activityName[activity]}`,
    severity_id: sev,
    severity: severityName[sev],
    status_id: status,
    status: statusName[status],
    time: Date.parse(alert?.detectedAt ?? incident?.updatedAt ?? ''),
    message: title,
    is_alert: true,
    finding_info: {
      uid: alert?.id ?? incident?.id ?? '',
      title,
      analytic: { uid: ruleId, name: alert?.ruleTitle ?? ruleId, type_id: 1, type: 'Rule' },
    },
    metadata: {
      product: { name: 'Vigil', vendor_name: opts.vendorName ?? 'Vigil', ...(opts.productVersion ? { version: opts.productVersion } : {}) },
      version: ocsfVersion,
      uid: alert?.id ?? incident?.id ?? '',
    },
  };
  if (alert) {
    finding.finding_info.first_seen_time = Date.parse(alert.eventTime);
    finding.finding_info.last_seen_time = Date.parse(alert.detectedAt);
    if (alert.eventIds.length) finding.finding_info.related_events = alert.eventIds.map((uid) => ({ uid }));
    finding.risk_score = alert.riskScore;
    if (alert.ruleTags.length) finding.metadata.labels = alert.ruleTags;
    const attacks: NonNullable<DetectionFinding['attacks']> = [];
    for (const t of alert.techniques) attacks.push({ technique: { uid: t, src_url: attackReference(t) }, version: '16' });
    for (const name of alert.tactics) {
      const ref = tacticRef(name);
      attacks.push({ tactic: ref.id ? { uid: ref.id, name: ref.name } : { name: ref.name }, version: '16' });
    }
    if (attacks.length) finding.attacks = attacks;
    const e = alert.entities;
    const resources = [...e.hosts.map((name) => ({ type: 'host', name })), ...e.users.map((name) => ({ type: 'user', name }))];
    if (resources.length) finding.resources = resources;
    // OCSF observable type ids: 1 Hostname, 2 IP Address, 4 User Name, 8 Hash.
    const observables = [
      ...e.hosts.map((value) => ({ name: 'host.name', type_id: 1, type: 'Hostname', value })),
      ...e.sourceIps.map((value) => ({ name: 'src_endpoint.ip', type_id: 2, type: 'IP Address', value })),
      ...e.destinationIps.map((value) => ({ name: 'dst_endpoint.ip', type_id: 2, type: 'IP Address', value })),
      ...e.users.map((value) => ({ name: 'user.name', type_id: 4, type: 'User Name', value })),
      ...e.hashes.map((value) => ({ name: 'file.hash', type_id: 8, type: 'Hash', value })),
    ];
    if (observables.length) finding.observables = observables;
  }
  if (incident) {
    finding.unmapped = { vigil_incident: { id: incident.id, state: incident.state, grade: incident.grade, category: incident.category, subcategory: incident.subcategory } };
    if (incident.category) finding.finding_info.types = [incident.subcategory ? `${incident.category}/${incident.subcategory}` : incident.category];
  }
  return finding;
}
