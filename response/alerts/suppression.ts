// Suppression windows per rule and entity: a suppressed alert is stored and linked to its open
// incident but raises no notice (no playbook runs, no webhook). Windows come from config and
// from the docs collection 'suppressions' (read per batch, so changes apply at once).
import type { Alert, DocumentStore } from '../../core/storage/types.ts';
import type { SuppressionWindow } from '../incidents/config.ts';

export const suppressionCollection = 'suppressions';

function entitiesOf(alert: Alert): Set<string> {
  const e = alert.entities;
  return new Set([...e.hosts, ...e.users, ...e.sourceIps, ...e.destinationIps, ...e.processes, ...e.hashes].map((v) => v.toLowerCase()));
}

export function windowApplies(w: SuppressionWindow, alert: Alert, nowIso: string): boolean {
  if (w.ruleId !== '*' && w.ruleId !== alert.ruleId) return false;
  if (w.from !== undefined && nowIso < new Date(w.from).toISOString()) return false;
  if (w.until !== undefined && nowIso >= new Date(w.until).toISOString()) return false;
  return w.entity === undefined || entitiesOf(alert).has(w.entity.toLowerCase());
}

export async function activeSuppressions(docs: DocumentStore, configured: readonly SuppressionWindow[]): Promise<SuppressionWindow[]> {
  const stored = (await docs.list<SuppressionWindow>(suppressionCollection)).map((d) => d.body);
  return [...configured, ...stored];
}
