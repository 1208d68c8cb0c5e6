import { describe, expect, it } from 'vitest';
import { getPath, pathReader, setPath } from './ecs.ts';

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

describe('pathReader', () => {
  const paths = ['source.ip', 'source.nat.ip', 'user.name', 'user.target.name', 'host.name', 'related.ip', 'tags', 'a.b.c'];
  it('answers as getPath does, with and without literal dotted keys anywhere in the document', () => {
    const docs: Array<Record<string, unknown>> = [
      { source: { ip: '10.0.0.1', nat: { ip: '1.2.3.4' } }, user: { name: 'alice' }, tags: ['x'] },
      { source: { 'nat.ip': '1.2.3.4' }, user: { 'target.name': 'bob' }, 'host.name': 'h1' },
      { source: 'not an object', user: ['alice'], a: { 'b.c': 3 } },
      { related: { ip: ['10.0.0.1'] }, deep: { deeper: { 'x.y': 1 } }, user: { name: 'eve' } },
    ];
    for (const doc of docs) {
      const read = pathReader(doc);
      for (const p of paths) expect(read(p), `${p} in ${JSON.stringify(doc)}`).toEqual(getPath(doc, p));
    }
  });

  it('agrees with getPath on many generated documents mixing nested objects and dotted keys', () => {
    let seed = 1;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const names = ['a', 'b', 'c', 'a.b', 'b.c', 'a.b.c'];
    const build = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let k = rand(4); k > 0; k--) {
        const name = names[rand(names.length)];
        out[name] = depth > 0 && rand(2) === 0 ? build(depth - 1) : rand(3) === 0 ? ['x'] : `v${rand(100)}`;
      }
      return out;
    };
    const probes = ['a', 'b', 'a.b', 'a.c', 'b.c', 'a.b.c', 'a.b.c.a', 'c.a.b', 'a.a.a'];
    for (let n = 0; n < 500; n++) {
      const doc = build(3);
      const read = pathReader(doc);
      for (const p of probes) expect(read(p), `${p} in ${JSON.stringify(doc)}`).toEqual(getPath(doc, p));
    }
  });

  it('sees what setPath writes after it was made', () => {
    const doc: Record<string, unknown> = { user: { name: 'alice' } };
    const read = pathReader(doc);
    setPath(doc, 'related.user', ['alice']);
    expect(read('related.user')).toEqual(['alice']);
  });
});
