// In-process backend with an injected clock: TTLs, lock expiry and stale claims without sleeping,
// plus what only this backend does (trimming in chunks, wake-up on close).

import { describe, expect, it } from 'vitest';
import { createMemoryBackend } from './memory.ts';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('memory queue backend', () => {
  it('expires keys, windows and locks by the injected clock', async () => {
    const c = clock();
    const { state } = createMemoryBackend({ now: c.now });
    await state.set('k', 'v', 1000);
    await state.zadd('w', 1, 'a', 1000);
    const lock = await state.lock('l', 1000);
    c.advance(999);
    expect(await state.get('k')).toBe('v');
    expect(await state.zcount('w', 0, 5)).toBe(1);
    expect(await state.lock('l', 1000)).toBeUndefined();
    c.advance(1);
    expect(await state.get('k')).toBeUndefined();
    expect(await state.zcount('w', 0, 5)).toBe(0);
    expect(await state.lock('l', 1000)).toBeDefined();
    expect(await lock!.extend(1000)).toBe(false);
  });

  it('claims only entries idle for at least minIdleMs and counts deliveries', async () => {
    const c = clock();
    const backend = createMemoryBackend({ now: c.now });
    const q = backend.queue<string>('work');
    await q.publishBatch(['a', 'b']);
    await q.consume('g', 'first', { count: 1 });
    c.advance(500);
    await q.consume('g', 'first', { count: 1 });
    c.advance(500);
    // 'a' has been idle 1000 ms, 'b' only 500 ms.
    const claimed = await q.claimStale('g', 'second', 1000);
    expect(claimed.map((m) => [m.body, m.deliveries])).toEqual([['a', 2]]);
    c.advance(1000);
    const again = await q.claimStale('g', 'third', 1000);
    expect(again.map((m) => [m.body, m.deliveries])).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
  });

  it('keeps ids increasing when the clock stands still or goes back', async () => {
    const c = clock();
    const q = createMemoryBackend({ now: c.now }).queue<number>('q');
    const a = await q.publish(1);
    const b = await q.publish(2);
    c.advance(-5000);
    const d = await q.publish(3);
    const parse = (id: string) => id.split('-').map(Number);
    expect(parse(a)[0]).toBe(parse(b)[0]);
    expect(parse(b)[1]).toBe(parse(a)[1] + 1);
    expect(parse(d)[0]).toBe(parse(b)[0]);
    expect(parse(d)[1]).toBe(parse(b)[1] + 1);
  });

  it('keeps unacknowledged and undelivered messages while trimming acknowledged ones', async () => {
    const q = createMemoryBackend().queue<number>('q');
    await q.publishBatch(Array.from({ length: 3000 }, (_, i) => i));
    const first = await q.consume('g', 'c', { count: 2500 });
    // Leave message 0 pending: nothing behind it may be dropped yet.
    await q.ack(
      'g',
      first.slice(1).map((m) => m.id),
    );
    expect(await q.length()).toBe(3000);
    await q.ack('g', [first[0].id]);
    expect(await q.length()).toBe(500);
    const rest = await q.consume('g', 'c', { count: 1000 });
    expect(rest.map((m) => m.body)).toEqual(Array.from({ length: 500 }, (_, i) => 2500 + i));
    // A group created after trimming starts at the oldest message still kept.
    const late = await q.consume('late', 'c', { count: 10 });
    expect(late[0].body).toBe(2500);
  });

  it('hands each consumer a copy of the body, not the publisher object', async () => {
    const q = createMemoryBackend().queue<{ tags: string[] }>('q');
    const body = { tags: ['a'] };
    await q.publish(body);
    body.tags.push('changed later');
    const [m] = await q.consume('g', 'c');
    expect(m.body).toEqual({ tags: ['a'] });
  });

  it('names the queue and the batch position of a body JSON cannot hold', async () => {
    const q = createMemoryBackend().queue<unknown>('alerts');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const err = await q.publishBatch([1, cyclic]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL', location: { source: 'queue alerts', path: '[1]' } });
    expect((err as Error).message).toContain("queue 'alerts': message body[1] is not JSON-serialisable");
    // Nothing of the failed batch was published.
    expect(await q.length()).toBe(0);
  });
});
