// Generic key=value lines: quoting, common key names → ECS, the rest as labels.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseKv } from './kv.ts';

function one(message: string) {
  const r = parseKv({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events[0];
}

describe('key=value parser', () => {
  it('maps common keys and keeps the rest as labels', () => {
    const d = one('Jan  5 20:17:05 host1 app[42]: time=2024-01-05T20:17:05Z src=10.0.0.5 dst=10.0.0.1 dport=443 proto=tcp action=block user="bob smith" result=denied custom=x status=403 method=get');
    expect(getPath(d, '@timestamp')).toBe('2024-01-05T20:17:05.000Z');
    expect(getPath(d, 'host.hostname')).toBe('host1');
    expect(getPath(d, 'process.name')).toBe('app');
    expect(getPath(d, 'source.ip')).toBe('10.0.0.5');
    expect(getPath(d, 'destination.port')).toBe(443);
    expect(getPath(d, 'network.transport')).toBe('tcp');
    expect(getPath(d, 'event.action')).toBe('block');
    expect(getPath(d, 'event.outcome')).toBe('failure');
    expect(getPath(d, 'user.name')).toBe('bob smith');
    expect(getPath(d, 'http.response.status_code')).toBe(403);
    expect(getPath(d, 'http.request.method')).toBe('GET');
    expect(getPath(d, 'labels.custom')).toBe('x');
  });

  it('keeps values that do not fit the ECS type as labels', () => {
    const d = one('src=not-an-ip dport=99999');
    expect(getPath(d, 'source.ip')).toBeUndefined();
    expect(getPath(d, 'labels.src')).toBe('not-an-ip');
    expect(getPath(d, 'labels.dport')).toBe('99999');
  });

  it('refuses lines without pairs', () => {
    expect(parseKv({ message: 'just text', receivedAt: new Date(), source: 'test' }).ok).toBe(false);
  });
});
