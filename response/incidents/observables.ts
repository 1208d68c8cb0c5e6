// Observables (IP, domain, URL, hash, user, host) pulled from alerts' entities and event copies,
// with how many alerts named each, so an analyst sees what recurs and playbooks can enrich them.
import { getPath } from '../../core/ecs.ts';
import type { Alert } from '../../core/storage/types.ts';

export type ObservableType = 'ip' | 'domain' | 'url' | 'hash' | 'user' | 'host';

export interface Observable {
  type: ObservableType;
  value: string;
  /** Alerts that named it. */
  count: number;
  firstSeen: string;
  lastSeen: string;
}

const eventFields: Array<[ObservableType, string[]]> = [
  ['ip', ['source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip']],
  ['domain', ['url.domain', 'destination.domain', 'source.domain', 'dns.question.name', 'server.domain', 'client.domain']],
  ['url', ['url.full', 'url.original']],
  ['hash', ['file.hash.md5', 'file.hash.sha1', 'file.hash.sha256', 'process.hash.md5', 'process.hash.sha1', 'process.hash.sha256']],
  ['user', ['user.name', 'user.target.name']],
  ['host', ['host.name', 'host.hostname']],
];

function values(v: unknown): string[] {
  if (typeof v === 'string' && v !== '') return [v];
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(values);
  return [];
}

/** Hosts, users, domains and hashes compare case-insensitively; URLs keep their case. */
function canonical(type: ObservableType, value: string): string {
  return type === 'url' ? value.trim() : value.trim().toLowerCase();
}

/** The distinct observables of one alert. */
export function alertObservables(alert: Pick<Alert, 'entities' | 'events'>): Array<{ type: ObservableType; value: string }> {
  const seen = new Map<string, { type: ObservableType; value: string }>();
  const add = (type: ObservableType, raw: string) => {
    const value = canonical(type, raw);
    if (value) seen.set(`${type}\u0000${value}`, { type, value });
  };
  const e = alert.entities;
  for (const h of e.hosts) add('host', h);
  for (const u of e.users) add('user', u);
  for (const ip of [...e.sourceIps, ...e.destinationIps]) add('ip', ip);
  for (const h of e.hashes) add('hash', h);
  for (const ev of alert.events) {
    for (const [type, fields] of eventFields) for (const f of fields) for (const v of values(getPath(ev, f))) add(type, v);
  }
  return [...seen.values()];
}

/** Adds one alert's observables to a list (a new list; the input is left alone). */
export function addObservables(list: readonly Observable[], alert: Pick<Alert, 'entities' | 'events' | 'detectedAt'>): Observable[] {
  return mergeObservables(
    list,
    alertObservables(alert).map((o) => ({ ...o, count: 1, firstSeen: alert.detectedAt, lastSeen: alert.detectedAt })),
  );
}

/** Union of two lists, counts added, first/last seen widened; most frequent first. */
export function mergeObservables(a: readonly Observable[], b: readonly Observable[]): Observable[] {
  const byKey = new Map<string, Observable>();
  for (const o of [...a, ...b]) {
    const k = `${o.type}\u0000${o.value}`;
    const prev = byKey.get(k);
    if (!prev) byKey.set(k, { ...o });
    else {
      prev.count += o.count;
      if (o.firstSeen < prev.firstSeen) prev.firstSeen = o.firstSeen;
      if (o.lastSeen > prev.lastSeen) prev.lastSeen = o.lastSeen;
    }
  }
  return [...byKey.values()].sort((x, y) => y.count - x.count || x.type.localeCompare(y.type) || x.value.localeCompare(y.value));
}

export function observablesOf(fields: Record<string, unknown>): Observable[] {
  return Array.isArray(fields.observables) ? (fields.observables as Observable[]) : [];
}
