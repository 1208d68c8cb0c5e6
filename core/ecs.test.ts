import { describe, expect, it } from 'vitest';
import { getPath, setPath } from './ecs.ts';

describe('getPath', () => {
  it('reads nested fields and literal dotted keys at any level', () => {
    const doc = {
      source: { ip: '10.0.0.1' },
      'host.name': 'web-1',
      process: { 'parent.name': 'bash', parent: { pid: 7 } },
      user: { 'target.group': { name: 'wheel' } },
    };
    expect(getPath(doc, 'source.ip')).toBe('10.0.0.1');
    expect(getPath(doc, 'host.name')).toBe('web-1');
    expect(getPath(doc, 'process.parent.pid')).toBe(7);
    expect(getPath(doc, 'user.target.group.name')).toBe('wheel');
  });

  it('is undefined for missing fields, including below a scalar or a list', () => {
    const doc = { source: { ip: '10.0.0.1' }, tags: ['a'], 'a.bc': 1 };
    expect(getPath(doc, 'source.port')).toBeUndefined();
    expect(getPath(doc, 'source.ip.v4')).toBeUndefined();
    expect(getPath(doc, 'tags.0')).toBeUndefined();
    expect(getPath(doc, 'destination.ip')).toBeUndefined();
    // 'a.b' is not a prefix of the key 'a.bc'.
    expect(getPath(doc, 'a.b')).toBeUndefined();
  });

  it('reads what setPath wrote, over many documents with different shapes', () => {
    for (let i = 0; i < 50; i++) {
      const doc: Record<string, unknown> = i % 2 ? { user: { 'target.name': `t${i}` } } : {};
      setPath(doc, 'user.name', `u${i}`);
      expect(getPath(doc, 'user.name')).toBe(`u${i}`);
      expect(getPath(doc, 'user.target.name')).toBe(i % 2 ? `t${i}` : undefined);
    }
  });
});
