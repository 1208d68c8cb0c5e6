// An alert as an ECS document (`event.kind: alert`) with rule.* and threat.* filled, the shape
// Elastic-side tools index and query; incident context rides along under `vigil.incident`.
import { getPath } from '../../core/ecs.ts';
import type { EcsEvent } from '../../core/ecs.ts';
import type { Alert, Incident, Severity } from '../../core/storage/types.ts';
import { attackReference, tacticRef } from './attack.ts';

/** ECS event.severity numbers, as Elastic Security scores its rule severities. */
export const ecsSeverity: Record<Severity, number> = { informational: 0, low: 21, medium: 47, high: 73, critical: 99 };

function incidentPart(inc: Incident): Record<string, unknown> {
  const out: Record<string, unknown> = { id: inc.id, title: inc.title, state: inc.state, severity: inc.severity, version: inc.version };
  if (inc.grade) out.grade = inc.grade;
  if (inc.category) out.category = inc.category;
  if (inc.subcategory) out.subcategory = inc.subcategory;
  if (inc.assignee) out.assignee = inc.assignee;
  if (typeof inc.fields.resolution === 'string') out.resolution = inc.fields.resolution;
  return out;
}

function firstString(docs: readonly EcsEvent[], path: string): unknown {
  for (const d of docs) {
    const v = getPath(d, path);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/**
 * The ECS alert document for an alert (and its incident), or for an incident alone when it has
 * no alert at hand (then rule.* comes from the incident's rule ids).
 */
export function buildEcsAlertDoc(alert: Alert | undefined, incident?: Incident): EcsEvent {
  if (!alert && !incident) throw new Error('buildEcsAlertDoc: an alert or an incident is required');
  const severity: Severity = alert ? alert.severity : (incident as Incident).severity;
  const doc: EcsEvent = {
    '@timestamp': alert?.detectedAt ?? incident?.updatedAt,
    message: alert?.ruleTitle ?? incident?.title,
    ecs: { version: '9.0.0' },
    event: {
      kind: 'alert',
      module: 'vigil',
      dataset: 'vigil.alerts',
      id: alert?.id ?? incident?.id,
      created: alert?.detectedAt ?? incident?.createdAt,
      severity: ecsSeverity[severity],
      ...(alert ? { risk_score: alert.riskScore, start: alert.eventTime } : {}),
    },
    labels: { severity },
  };
  if (alert) {
    const rule: Record<string, unknown> = { id: alert.ruleId, uuid: alert.ruleId, name: alert.ruleTitle, ruleset: 'vigil' };
    if (alert.ruleAuthor) rule.author = alert.ruleAuthor.split(/,\s*/);
    doc.rule = rule;
    if (alert.ruleTags.length) doc.tags = alert.ruleTags;
    if (alert.tactics.length || alert.techniques.length) {
      const tactics = alert.tactics.map(tacticRef);
      doc.threat = {
        framework: 'MITRE ATT&CK',
        tactic: { id: tactics.flatMap((t) => (t.id ? [t.id] : [])), name: tactics.map((t) => t.name) },
        technique: { id: alert.techniques, reference: alert.techniques.map(attackReference) },
      };
    }
    const e = alert.entities;
    if (e.hosts.length) doc.host = { name: e.hosts[0] };
    if (e.users.length) doc.user = { name: e.users[0] };
    if (e.sourceIps.length) doc.source = { ip: e.sourceIps[0] };
    if (e.destinationIps.length) doc.destination = { ip: e.destinationIps[0] };
    const related: Record<string, string[]> = {};
    if (e.hosts.length) related.hosts = e.hosts;
    if (e.users.length) related.user = e.users;
    if (e.sourceIps.length || e.destinationIps.length) related.ip = [...new Set([...e.sourceIps, ...e.destinationIps])];
    if (e.hashes.length) related.hash = e.hashes;
    if (Object.keys(related).length) doc.related = related;
    const category = firstString(alert.events, 'event.category');
    if (category !== undefined) (doc.event as Record<string, unknown>).category = category;
    doc.vigil = {
      alert: { id: alert.id, severity: alert.severity, status: alert.status, origin: alert.origin, event_ids: alert.eventIds, group_key: alert.groupKey },
    };
  } else if (incident) {
    doc.rule = { id: incident.ruleIds[0], ruleset: 'vigil' };
    if (incident.tags.length) doc.tags = incident.tags;
    if (incident.hosts.length) doc.host = { name: incident.hosts[0] };
    if (incident.users.length) doc.user = { name: incident.users[0] };
    doc.vigil = {};
  }
  if (incident) (doc.vigil as Record<string, unknown>).incident = incidentPart(incident);
  return doc;
}
