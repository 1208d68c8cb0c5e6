// Fills ECS related.ip / related.user / related.hosts from the fields that name them, so a pivot
// on one value finds every event that mentions it whatever role it played.
import { type EcsEvent, pathReader, setPath } from '../../core/ecs.ts';

const IP_FIELDS = [
  'source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip', 'source.nat.ip', 'destination.nat.ip',
  'client.nat.ip', 'server.nat.ip', 'observer.ip',
];
const USER_FIELDS = [
  'user.name', 'user.target.name', 'user.effective.name', 'user.changes.name', 'source.user.name',
  'destination.user.name', 'client.user.name', 'server.user.name',
];
const HOST_FIELDS = [
  'host.hostname', 'host.name', 'source.domain', 'destination.domain', 'client.domain', 'server.domain',
  'url.domain', 'source.address', 'destination.address',
];

function collect(read: (path: string) => unknown, paths: string[], accept: (v: string) => boolean, into: string[]): void {
  for (const p of paths) {
    const v = read(p);
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) {
      if (typeof item === 'string' && item !== '' && accept(item) && !into.includes(item)) into.push(item);
    }
  }
}

const looksLikeIp = (v: string): boolean => /^[0-9.]+$/.test(v) || v.includes(':');
const anyValue = (): boolean => true;
const notAnIp = (v: string): boolean => !looksLikeIp(v);

/** The text values already in a related.* field. */
function existing(read: (path: string) => unknown, path: string): string[] {
  const v = read(path);
  if (Array.isArray(v)) return v.filter(isString);
  return typeof v === 'string' ? [v] : [];
}

const isString = (x: unknown): x is string => typeof x === 'string';

/** Adds related.ip/user/hosts (deduplicated, existing values kept first). Returns the same doc. */
export function fillRelated(doc: EcsEvent): EcsEvent {
  const read = pathReader(doc);
  const ips = existing(read, 'related.ip');
  collect(read, IP_FIELDS, anyValue, ips);
  const users = existing(read, 'related.user');
  collect(read, USER_FIELDS, anyValue, users);
  const hosts = existing(read, 'related.hosts');
  // source.address / destination.address hold hostnames only when they are not IPs.
  collect(read, HOST_FIELDS, notAnIp, hosts);
  if (ips.length) setPath(doc, 'related.ip', ips);
  if (users.length) setPath(doc, 'related.user', users);
  if (hosts.length) setPath(doc, 'related.hosts', hosts);
  return doc;
}
