// LEEF 1.0 (tab) and 2.0 (declared delimiter) attributes and their ECS mapping.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { leefDelimiter, parseLeef } from './leef.ts';

function one(message: string) {
  const r = parseLeef({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events[0];
}

describe('LEEF parser', () => {
  it('reads the delimiter forms of LEEF 2.0', () => {
    expect(leefDelimiter('^')).toBe('^');
    expect(leefDelimiter('x09')).toBe('\t');
    expect(leefDelimiter('0x7C')).toBe('|');
  });

  it('maps LEEF 1.0 tab-separated attributes', () => {
    const d = one('<13>Oct 10 10:11:12 qradar LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\tdst=2.10.20.20\tsrcPort=1200\tdstPort=25\tusrName=bob\tsev=5\tdevTime=Oct 10 2023 10:11:12\tdevTimeFormat=MMM dd yyyy HH:mm:ss\tcat=Mail');
    expect(getPath(d, 'observer.vendor')).toBe('Microsoft');
    expect(getPath(d, 'event.code')).toBe('15345');
    expect(getPath(d, 'source.ip')).toBe('10.50.1.1');
    expect(getPath(d, 'destination.port')).toBe(25);
    expect(getPath(d, 'user.name')).toBe('bob');
    expect(getPath(d, 'event.severity')).toBe(5);
    expect(getPath(d, '@timestamp')).toBe('2023-10-10T10:11:12.000Z');
    expect(getPath(d, 'labels.cat')).toBe('Mail');
  });

  it('maps LEEF 2.0 with a custom delimiter', () => {
    const d = one('LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^srcPort=81^dstPort=21^proto=6^usrName=carol');
    expect(getPath(d, 'source.port')).toBe(81);
    expect(getPath(d, 'network.transport')).toBe('tcp');
    expect(getPath(d, 'user.name')).toBe('carol');
    const hex = one('LEEF:2.0|V|P|1|E|x7C|src=10.0.1.8|dst=10.0.0.5');
    expect(getPath(hex, 'destination.ip')).toBe('10.0.0.5');
  });
});
