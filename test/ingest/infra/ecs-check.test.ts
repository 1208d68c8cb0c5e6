import { describe, expect, it } from 'vitest';
import { ecsFieldType } from '../../../core/ecs-fields.ts';
import { createEcsChecker } from '../../../ingest/ecs/check.ts';

const check = createEcsChecker(ecsFieldType);

describe('ECS type check', () => {
  it('turns a numeric string in a long field into a number', () => {
    const doc = { source: { ip: '10.0.0.1', port: '443' } };
    const r = check(doc);
    expect(doc.source.port).toBe(443);
    expect(r.coerced).toEqual(['source.port']);
  });

  it('moves a non-numeric port under vigil.custom and says why', () => {
    const doc: Record<string, unknown> = { source: { ip: '10.0.0.1', port: 'https' } };
    check(doc);
    expect(doc).toMatchObject({ source: { ip: '10.0.0.1' }, vigil: { custom: { source: { port: 'https' } } } });
    expect((doc.source as Record<string, unknown>).port).toBeUndefined();
    const issues = (doc.vigil as { ecs_issues: string[] }).ecs_issues;
    expect(issues[0]).toContain('source.port');
    expect(issues[0]).toContain('not a long');
  });

  it('moves fields ECS does not define, keeps vendor namespaces and free-form labels', () => {
    const doc: Record<string, unknown> = {
      user: { name: 'root', shoe_size: 42 },
      mystery: { a: 1 },
      cisco: { asa: { message_id: '106023' } },
      labels: { env: 'prod' },
    };
    check(doc);
    expect(doc.user).toEqual({ name: 'root' });
    expect(doc.mystery).toBeUndefined();
    expect(doc.vigil).toEqual({ custom: { user: { shoe_size: 42 }, mystery: { a: 1 } } });
    expect(doc.cisco).toEqual({ asa: { message_id: '106023' } });
    expect(doc.labels).toEqual({ env: 'prod' });
  });

  it('coerces keyword numbers to strings and checks IPs and dates in lists', () => {
    const doc: Record<string, unknown> = {
      event: { code: 4624, created: 'not a date' },
      related: { ip: ['10.0.0.1', 'fe80::1'] },
      host: { ip: ['10.0.0.2', 'nope'] },
    };
    check(doc);
    expect(doc.event).toEqual({ code: '4624' });
    expect(doc.related).toEqual({ ip: ['10.0.0.1', 'fe80::1'] });
    expect(doc.host).toBeUndefined();
    expect(doc.vigil).toMatchObject({ custom: { event: { created: 'not a date' }, host: { ip: ['10.0.0.2', 'nope'] } } });
  });

  it('checks each element of nested lists (threat.enrichments)', () => {
    const doc: Record<string, unknown> = {
      threat: {
        enrichments: [
          { indicator: { ip: '1.2.3.4' }, matched: { atomic: '1.2.3.4' } },
          { indicator: { ip: 'evil.example' }, matched: { atomic: 'evil.example' } },
        ],
      },
    };
    check(doc);
    expect(doc.threat).toEqual({
      enrichments: [
        { indicator: { ip: '1.2.3.4' }, matched: { atomic: '1.2.3.4' } },
        { matched: { atomic: 'evil.example' } },
      ],
    });
    expect(doc.vigil).toMatchObject({ custom: { threat: { enrichments: { indicator: { ip: 'evil.example' } } } } });
  });
});
