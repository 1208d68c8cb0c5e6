import { describe, expect, it } from 'vitest';
import { ecsFieldType } from '../../core/ecs-fields.ts';
import { createEcsChecker } from './check.ts';

describe('ECS checker over a stream of documents', () => {
  it('judges each document by its own values when the same names come back', () => {
    const check = createEcsChecker(ecsFieldType);
    const a: Record<string, unknown> = { source: { port: '443', ip: '10.0.0.1' }, custom: { x: 1 } };
    const b: Record<string, unknown> = { source: { port: 'https', ip: 'not-an-ip' }, custom: 'y' };
    const c: Record<string, unknown> = { source: { port: 22 }, system: { auth: { anything: [1, 'x'] } } };
    expect(check(a)).toEqual({ coerced: ['source.port'], moved: ['custom.x'] });
    expect(check(b)).toEqual({ coerced: [], moved: ['source.port', 'source.ip', 'custom'] });
    expect(check(c)).toEqual({ coerced: [], moved: [] });
    expect(a).toEqual({ source: { port: 443, ip: '10.0.0.1' }, vigil: { custom: { custom: { x: 1 } } } });
    expect(b).toMatchObject({ vigil: { custom: { source: { port: 'https', ip: 'not-an-ip' }, custom: 'y' } } });
    expect(c).toEqual({ source: { port: 22 }, system: { auth: { anything: [1, 'x'] } } });
  });

  it('knows a name by its place: the same key under different parents has different types', () => {
    const check = createEcsChecker(ecsFieldType);
    const doc: Record<string, unknown> = { source: { bytes: '12' }, user: { name: 7 }, host: { name: 'h' } };
    expect(check(doc).coerced.sort()).toEqual(['source.bytes', 'user.name']);
    expect(doc).toEqual({ source: { bytes: 12 }, user: { name: '7' }, host: { name: 'h' } });
  });
});
