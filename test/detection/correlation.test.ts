import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../core/ecs.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { createRedisBackend } from '../../core/queue/redis.ts';
import type { QueueBackend, SharedState } from '../../core/queue/types.ts';
import { createCorrelator } from '../../detection/correlation/index.ts';
import type { SigmaRule } from '../../detection/sigma/index.ts';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.ts';
import { parseDocs } from './helpers.ts';

const BASE = `
title: Failed logon
id: 0b0c0d0e-0000-4000-8000-000000000001
name: failed_logon
logsource: { product: windows, service: security }
detection: { sel: { EventID: 4625 }, condition: sel }
---
title: Successful logon
id: 0b0c0d0e-0000-4000-8000-000000000002
name: successful_logon
logsource: { product: windows, service: security }
detection: { sel: { EventID: 4624 }, condition: sel }
`;

function setup(correlation: string) {
  const { rules, correlations } = parseDocs(`${BASE}---\n${correlation}`);
  const byName = (n: string): SigmaRule => rules.find((r) => r.name === n)!;
  return { failed: byName('failed_logon'), success: byName('successful_logon'), correlations };
}

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const ev = (ip: string, user = 'alice', extra: EcsEvent = {}): EcsEvent => ({ source: { ip }, user: { name: user }, ...extra });

describe('event_count', () => {
  const { failed, correlations } = setup(`
title: Brute force
id: 0b0c0d0e-0000-4000-8000-0000000000c1
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [source.ip]
  timespan: 5m
  condition: { gte: 5 }
`);

  it('fires once when a group reaches the threshold inside the timespan, per group', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    const hits = [];
    for (let i = 0; i < 7; i++) {
      hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.1'), timestamp: T0 + i * 10_000 })));
      hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.2'), timestamp: T0 + i * 10_000 })));
    }
    hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.3'), timestamp: T0 })));
    expect(hits.map((h) => h.group)).toEqual([{ 'source.ip': '10.0.0.1' }, { 'source.ip': '10.0.0.2' }]);
    expect(hits[0].value).toBe(5);
    expect(hits[0].windowStart).toBe(T0);
    expect(hits[0].windowEnd).toBe(T0 + 40_000);
    expect(hits[0].correlation.title).toBe('Brute force');
  });

  it('does not fire when the events are spread wider than the timespan', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    let fired = 0;
    for (let i = 0; i < 10; i++) fired += (await c.observe({ rule: failed, event: ev('10.0.0.1'), timestamp: T0 + i * 2 * MIN })).length;
    expect(fired).toBe(0);
  });

  it('fires again for a fresh set of events after a hit', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    let fired = 0;
    for (let i = 0; i < 10; i++) fired += (await c.observe({ rule: failed, event: ev('10.0.0.1'), timestamp: T0 + i * 1000 })).length;
    expect(fired).toBe(2);
  });

  it('returns the ids of the events that fired and counts a replayed event once', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.5'), timestamp: T0 + i, eventId: `e${i}` })));
    hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.5'), timestamp: T0 + 3, eventId: 'e3' })));
    expect(hits).toEqual([]);
    hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.5'), timestamp: T0 + 9, eventId: 'e9' })));
    expect(hits.map((h) => h.eventIds)).toEqual([['e0', 'e1', 'e2', 'e3', 'e9']]);
  });

  it('fires when the event that completes a window arrives late (out of order)', async () => {
    for (const order of [
      [0, 1, 2, 3, 4],
      [0, 2, 4, 3, 1],
      [4, 3, 2, 1, 0],
    ]) {
      const c = createCorrelator({ correlations, state: createMemoryBackend().state });
      const hits = [];
      for (const i of order) hits.push(...(await c.observe({ rule: failed, event: ev('10.0.0.7'), timestamp: T0 + i * 10_000, eventId: `e${i}` })));
      expect(hits).toHaveLength(1);
      expect(hits[0].eventIds.sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
      expect([hits[0].windowStart, hits[0].windowEnd]).toEqual([T0, T0 + 40_000]);
    }
  });

  it('skips events without the group-by field', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    let fired = 0;
    for (let i = 0; i < 6; i++) fired += (await c.observe({ rule: failed, event: { user: { name: 'x' } }, timestamp: T0 + i })).length;
    expect(fired).toBe(0);
  });

  it('tells which base rules it suppresses (generate: false)', () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    expect(c.suppresses(failed)).toBe(true);
    expect(c.references(failed)).toBe(true);
    const { success } = setup('title: x\ncorrelation: { type: event_count, rules: [failed_logon], group-by: [a], timespan: 1m, condition: { gte: 1 }, generate: true }');
    expect(c.references(success)).toBe(false);
  });
});

describe('value_count', () => {
  const { failed, correlations } = setup(`
title: Password spraying
correlation:
  type: value_count
  rules: [failed_logon]
  group-by: [source.ip]
  timespan: 10m
  condition: { field: user.name, gt: 3 }
`);

  it('counts distinct values of the field per group', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    let hits = [];
    for (let i = 0; i < 6; i++) hits.push(...(await c.observe({ rule: failed, event: ev('10.9.9.9', 'alice'), timestamp: T0 + i * 1000 })));
    expect(hits).toEqual([]);
    for (const [i, u] of ['bob', 'carol', 'dave'].entries()) {
      hits = await c.observe({ rule: failed, event: ev('10.9.9.9', u), timestamp: T0 + 10_000 + i * 1000 });
      if (u !== 'dave') expect(hits).toEqual([]);
    }
    expect(hits).toHaveLength(1);
    expect(hits[0].value).toBe(4);
    expect(hits[0].group).toEqual({ 'source.ip': '10.9.9.9' });
  });
});

describe('temporal and temporal_ordered', () => {
  const temporal = setup(`
title: Failed then success (any order)
correlation:
  type: temporal
  rules: [failed_logon, successful_logon]
  group-by: [user.name]
  timespan: 1m
`);
  const ordered = setup(`
title: Failed then success
correlation:
  type: temporal_ordered
  rules: [failed_logon, successful_logon]
  group-by: [user.name]
  timespan: 1m
`);

  it('temporal fires when every rule matched in the window, in any order', async () => {
    const c = createCorrelator({ correlations: temporal.correlations, state: createMemoryBackend().state });
    expect(await c.observe({ rule: temporal.success, event: ev('1.1.1.1', 'bob'), timestamp: T0 })).toEqual([]);
    const hits = await c.observe({ rule: temporal.failed, event: ev('1.1.1.1', 'bob'), timestamp: T0 + 5000 });
    expect(hits.map((h) => [h.group, h.value])).toEqual([[{ 'user.name': 'bob' }, 2]]);
  });

  it('temporal does not fire across groups or outside the timespan', async () => {
    const c = createCorrelator({ correlations: temporal.correlations, state: createMemoryBackend().state });
    expect(await c.observe({ rule: temporal.failed, event: ev('1.1.1.1', 'bob'), timestamp: T0 })).toEqual([]);
    expect(await c.observe({ rule: temporal.success, event: ev('1.1.1.1', 'eve'), timestamp: T0 + 1000 })).toEqual([]);
    expect(await c.observe({ rule: temporal.success, event: ev('1.1.1.1', 'bob'), timestamp: T0 + 2 * MIN })).toEqual([]);
  });

  it('temporal_ordered fires only when the rules matched in the listed order', async () => {
    const c = createCorrelator({ correlations: ordered.correlations, state: createMemoryBackend().state });
    expect(await c.observe({ rule: ordered.success, event: ev('1.1.1.1', 'bob'), timestamp: T0 })).toEqual([]);
    expect(await c.observe({ rule: ordered.failed, event: ev('1.1.1.1', 'bob'), timestamp: T0 + 1000 })).toEqual([]);
    const hits = await c.observe({ rule: ordered.success, event: ev('1.1.1.1', 'bob'), timestamp: T0 + 2000 });
    expect(hits).toHaveLength(1);
    expect(hits[0].windowStart).toBe(T0);
  });
});

describe('aliases', () => {
  const { failed, success, correlations } = setup(`
title: Same host, different field names
correlation:
  type: temporal
  rules: [failed_logon, successful_logon]
  group-by: [host]
  timespan: 1m
  aliases:
    host:
      failed_logon: source.ip
      successful_logon: client.ip
`);

  it('groups on the field each rule names', async () => {
    const c = createCorrelator({ correlations, state: createMemoryBackend().state });
    expect(await c.observe({ rule: failed, event: { source: { ip: '10.1.1.1' } }, timestamp: T0 })).toEqual([]);
    const hits = await c.observe({ rule: success, event: { client: { ip: '10.1.1.1' } }, timestamp: T0 + 10 });
    expect(hits.map((h) => h.group)).toEqual([{ host: '10.1.1.1' }]);
    expect(hits[0].eventIds).toHaveLength(2);
  });
});

async function fireOnceAcrossWorkers(makeState: () => SharedState): Promise<number> {
  const { failed, correlations } = setup(`
title: Brute force
id: 0b0c0d0e-0000-4000-8000-0000000000c9
correlation: { type: event_count, rules: [failed_logon], group-by: [source.ip], timespan: 5m, condition: { gte: 4 } }
`);
  const state = makeState();
  const workers = [createCorrelator({ correlations, state }), createCorrelator({ correlations, state })];
  // Both workers observe concurrently: each sees the window reach the threshold at about the same time.
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) => workers[i % 2].observe({ rule: failed, event: ev('10.0.0.7'), timestamp: T0 + Math.floor(i / 2) * 1000 })),
  );
  return results.flat().length;
}

describe('fire once with two correlators sharing one state', () => {
  it('in memory', async () => {
    expect(await fireOnceAcrossWorkers(() => createMemoryBackend().state)).toBe(1);
  });

  describe('in Redis', () => {
    let server: RedisServerHandle;
    let backend: QueueBackend;
    beforeAll(async () => {
      server = await startRedisServer();
      backend = createRedisBackend({ url: server.url, keyPrefix: `vigil-test-${process.pid}:` });
    });
    afterAll(async () => {
      await backend?.close();
      await server?.stop();
    });
    it('fires once', async () => {
      expect(await fireOnceAcrossWorkers(() => backend.state)).toBe(1);
    });
  });
});
