// Generic JSON: ECS documents pass through, dotted keys expand, time keys are recognised.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { jsonTime, parseJson } from './json.ts';

function one(message: string) {
  const r = parseJson({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events[0];
}

describe('JSON parser', () => {
  it('keeps an ECS document and expands dotted keys', () => {
    const d = one('{"@timestamp":"2024-01-01T00:00:00Z","source.ip":"1.2.3.4","event":{"action":"login","dataset":"app.audit"},"user.name":"u"}');
    expect(getPath(d, 'source')).toEqual({ ip: '1.2.3.4' });
    expect(getPath(d, 'event.action')).toBe('login');
    expect(getPath(d, 'event.dataset')).toBe('app.audit');
    expect(getPath(d, 'related.user')).toEqual(['u']);
    expect(getPath(d, 'event.original')).toContain('"source.ip"');
  });

  it('reads timestamp / time keys in text or epoch form', () => {
    expect(getPath(one('{"timestamp":"2024-01-01 10:00:00+02:00"}'), '@timestamp')).toBe('2024-01-01T08:00:00.000Z');
    expect(getPath(one('{"time":1700000000123}'), '@timestamp')).toBe('2023-11-14T22:13:20.123Z');
    expect(jsonTime(1700000000)).toBe('2023-11-14T22:13:20.000Z');
    expect(getPath(one('{"msg":"no time"}'), '@timestamp')).toBe('2024-06-20T00:00:00.000Z');
  });

  it('refuses arrays and invalid JSON', () => {
    expect(parseJson({ message: '[1,2]', receivedAt: new Date(), source: 'test' }).ok).toBe(false);
    expect(parseJson({ message: '{bad', receivedAt: new Date(), source: 'test' }).ok).toBe(false);
  });
});
