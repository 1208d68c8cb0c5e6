// What templates see of an incident: the stored incident, with its observables (stored as one
// list of { type, value, count, … }) also grouped by type, most frequent first, so playbooks
// can write `{{ incident.fields.observables.ip[0].value }}` or `{{ observables.hash[0].value }}`.
import type { Incident } from '../../core/storage/types.ts';

export type ObservablesByType = Record<string, Array<{ value: string; count: number }>>;

export function groupObservables(fields: Record<string, unknown>): ObservablesByType {
  const raw = fields.observables;
  const out: ObservablesByType = { ip: [], domain: [], url: [], hash: [], user: [], host: [] };
  if (Array.isArray(raw)) {
    for (const o of raw) {
      if (typeof o !== 'object' || o === null) continue;
      const { type, value, count } = o as { type?: unknown; value?: unknown; count?: unknown };
      if (typeof type !== 'string' || typeof value !== 'string') continue;
      (out[type] ??= []).push({ value, count: typeof count === 'number' ? count : 1 });
    }
    for (const list of Object.values(out)) list.sort((a, b) => b.count - a.count);
    return out;
  }
  // Already grouped (an incident written by a playbook's set_fields, or a test).
  if (typeof raw === 'object' && raw !== null) return { ...out, ...(raw as ObservablesByType) };
  return out;
}

export function incidentTemplateView(inc: Incident | undefined): { incident: Record<string, unknown>; observables: ObservablesByType } {
  if (!inc) return { incident: {}, observables: groupObservables({}) };
  const observables = groupObservables(inc.fields);
  return { incident: { ...inc, fields: { ...inc.fields, observables } }, observables };
}
