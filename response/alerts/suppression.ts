// Suppression windows per rule and entity: a suppressed alert is stored and linked to its open
// incident but raises no notice (no playbook runs, no webhook). Windows come from config and
// from the docs collection 'suppressions' (read per batch, so changes apply at once).
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
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

export interface StoredSuppression extends SuppressionWindow {
  id: string;
  createdBy: string;
  createdAt: string;
}

/** Analyst-managed windows in the docs collection; config windows are not listed or removable here. */
export class Suppressions {
  constructor(private readonly docs: DocumentStore) {}

  async list(): Promise<StoredSuppression[]> {
    return (await this.docs.list<StoredSuppression>(suppressionCollection)).map((d) => ({ ...d.body, id: d.id })).sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  }

  async add(w: Omit<StoredSuppression, 'id'>): Promise<StoredSuppression> {
    for (const k of ['from', 'until'] as const) {
      const v = w[k];
      if (v !== undefined && Number.isNaN(Date.parse(v))) {
        throw new VigilError(ErrorCode.REQUEST_INVALID, `${k}: '${v}' is not an ISO 8601 time`, { source: 'body', path: `/${k}` });
      }
    }
    if (w.from !== undefined && w.until !== undefined && Date.parse(w.from) >= Date.parse(w.until)) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `until: ${w.until} is not after from (${w.from})`, { source: 'body', path: '/until' });
    }
    const stored: StoredSuppression = { id: newId(), ...w };
    await this.docs.put(suppressionCollection, stored.id, stored);
    return stored;
  }

  async remove(id: string): Promise<StoredSuppression> {
    const doc = await this.docs.get<StoredSuppression>(suppressionCollection, id);
    if (!doc) throw new VigilError(ErrorCode.NOT_FOUND, `suppression ${id}: not found`, { source: 'params', path: '/id' });
    await this.docs.delete(suppressionCollection, id);
    return { ...doc.body, id };
  }
}
