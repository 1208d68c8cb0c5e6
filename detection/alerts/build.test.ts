import { describe, expect, it } from 'vitest';
import { attackFromTags } from './attack.ts';
import { type AlertRuleInfo, alertId, buildAlert, groupingOrder, riskScore } from './build.ts';

const rule: AlertRuleInfo = {
  id: '30000000-0000-4000-8000-000000000001',
  title: 'Test rule',
  level: 'high',
  author: 'Jane Analyst, John Hunter',
  tags: ['attack.credential-access', 'attack.t1110.001', 'attack.T1003', 'attack.g0016', 'car.2013-05-009', 'attack.lateral_movement'],
  logsource: { product: 'linux', service: 'sshd' },
};
const AT = Date.parse('2026-04-01T12:00:00Z');

describe('alerts', () => {
  it('reads tactics and techniques from ATT&CK tags, ignoring groups and other taxonomies', () => {
    expect(attackFromTags(rule.tags)).toEqual({ tactics: ['credential_access', 'lateral_movement'], techniques: ['T1110.001', 'T1003'] });
  });

  it('gives the same id for the same rule and events in any order, and another for other events', () => {
    expect(alertId('r', ['b', 'a', 'a'])).toBe(alertId('r', ['a', 'b']));
    expect(alertId('r', ['a'])).not.toBe(alertId('r', ['b']));
    expect(alertId('r', ['a'])).not.toBe(alertId('s', ['a']));
  });

  it('scores risk from the level and moves it by asset criticality within 0–100', () => {
    expect(riskScore('low', [])).toBe(21);
    expect(riskScore('medium', [])).toBe(47);
    expect(riskScore('high', [])).toBe(73);
    expect(riskScore('critical', [])).toBe(99);
    expect(riskScore('medium', [{ vigil: { asset: { criticality: 'medium' } } }])).toBe(47);
    const high = riskScore('medium', [{ vigil: { asset: { criticality: 'high' } } }]);
    const critical = riskScore('medium', [{ 'vigil.asset.criticality': 'CRITICAL' }]);
    expect(high).toBeGreaterThan(47);
    expect(critical).toBeGreaterThan(high);
    expect(riskScore('critical', [{ vigil: { asset: { criticality: 'critical' } } }])).toBeLessThanOrEqual(100);
    expect(riskScore('high', [{ vigil: { asset: { criticality: 'low' } } }])).toBeLessThan(73);
  });

  it('groups network and auth rules by source address, host rules by host, others by user', () => {
    expect(groupingOrder({ product: 'linux', service: 'sshd' })[0]).toBe('source.ip');
    expect(groupingOrder({ category: 'firewall' })[0]).toBe('source.ip');
    expect(groupingOrder({ product: 'windows', category: 'process_creation' })[0]).toBe('host');
    expect(groupingOrder({ product: 'aws', service: 'cloudtrail' })[0]).toBe('user');
    const cloud = buildAlert({
      rule: { ...rule, logsource: { product: 'okta' } },
      events: [{ id: 'e1', doc: { user: { name: 'Mallory' }, source: { ip: '192.0.2.1' } } }],
      detectedAt: AT,
      origin: 'stream',
    });
    expect(cloud.groupKey).toBe(`${rule.id}|user=mallory`);
    // Without the preferred entity, the next one in order is used.
    const noIp = buildAlert({ rule, events: [{ id: 'e1', doc: { host: { name: 'h1' } } }], detectedAt: AT, origin: 'stream' });
    expect(noIp.groupKey).toBe(`${rule.id}|host=h1`);
  });

  it('builds the alert: author, earliest event time, entities from arrays, capped copies, all ids', () => {
    const events = Array.from({ length: 25 }, (_, i) => ({
      id: `ev-${String(i).padStart(2, '0')}`,
      doc: {
        '@timestamp': new Date(AT - (25 - i) * 1000).toISOString(),
        source: { ip: '198.51.100.9' },
        destination: { ip: ['10.0.0.1', '10.0.0.2'] },
        file: { hash: { sha256: 'f'.repeat(64), md5: 'e'.repeat(32) }, path: '/tmp/x' },
        secret: { payload: 'not copied' },
      },
    }));
    const a = buildAlert({ rule, events, detectedAt: AT, origin: 'scheduled' });
    expect(a.ruleAuthor).toBe('Jane Analyst, John Hunter');
    expect(a.eventTime).toBe(new Date(AT - 25_000).toISOString());
    expect(a.detectedAt).toBe(new Date(AT).toISOString());
    expect(a.eventIds).toHaveLength(25);
    expect(a.events).toHaveLength(20);
    expect(a.events[0]).toEqual({
      '@timestamp': events[0].doc['@timestamp'],
      source: { ip: '198.51.100.9' },
      destination: { ip: ['10.0.0.1', '10.0.0.2'] },
      file: { path: '/tmp/x', hash: { sha256: 'f'.repeat(64), md5: 'e'.repeat(32) } },
    });
    expect(a.entities.destinationIps).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(a.entities.hashes).toEqual(['f'.repeat(64), 'e'.repeat(32)]);
    expect(a.severity).toBe('high');
    expect(a.origin).toBe('scheduled');
    // A rule without a level is medium; without an author the field is absent.
    const plain = buildAlert({ rule: { title: 'Untitled', tags: [] }, events: [{ id: 'x', doc: {} }], detectedAt: AT, origin: 'stream' });
    expect(plain.severity).toBe('medium');
    expect(plain.ruleId).toBe('Untitled');
    expect(plain).not.toHaveProperty('ruleAuthor');
    expect(plain.eventTime).toBe(new Date(AT).toISOString());
  });

  it('takes correlation group-by values as entities and as the group key', () => {
    const a = buildAlert({
      rule: { ...rule, logsource: undefined },
      events: [{ id: 'e1', doc: { user: { name: 'bob' } } }],
      detectedAt: AT,
      origin: 'correlation',
      group: [
        { field: 'source.ip', value: '203.0.113.1', entity: 'source.ip' },
        { field: 'TargetUserName', value: 'alice', entity: 'user' },
        { field: 'LogonType', value: '3' },
      ],
    });
    expect(a.entities.sourceIps).toEqual(['203.0.113.1']);
    expect(a.entities.users).toEqual(['alice', 'bob']);
    expect(a.groupKey).toBe(`${rule.id}|source.ip=203.0.113.1|TargetUserName=alice|LogonType=3`);
  });
});
