// The queue and shared-state contract, run against each backend: the in-process one and Redis
// (a real redis-server started on a free port; a dead consumer is a real killed process).

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { createRedisBackend } from '../../core/queue/redis.ts';
import { createQueueBackend } from '../../core/queue/index.ts';
import type { QueueBackend, QueueMessage } from '../../core/queue/types.ts';
import { freePort, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const childScript = fileURLToPath(new URL('../helpers/queue-consumer-child.ts', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Harness {
  kind: 'memory' | 'redis';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A new client on the shared store (another worker, for Redis another connection). */
  open(): QueueBackend;
  /** A backend of its own, safe to close in a test. */
  openIsolated(): QueueBackend;
  /** A consumer that takes up to `count` messages and dies without acknowledging them. */
  takeAndDie(queue: string, group: string, consumer: string, count: number): Promise<string[]>;
}

function memoryHarness(): Harness {
  let shared: QueueBackend | undefined;
  return {
    kind: 'memory',
    async setup() {
      shared = createMemoryBackend();
    },
    async teardown() {
      await shared?.close();
    },
    // In one process every worker shares the one store; close() is a no-op for these views.
    open() {
      const b = shared!;
      return { kind: b.kind, state: b.state, queue: (n) => b.queue(n), ready: () => b.ready(), close: async () => {} };
    },
    openIsolated: () => createMemoryBackend(),
    async takeAndDie(queue, group, consumer, count) {
      const taken = await shared!.queue(queue).consume(group, consumer, { count });
      return taken.map((m) => m.id);
    },
  };
}

function redisHarness(): Harness {
  let server: RedisServerHandle | undefined;
  const keyPrefix = `t${randomUUID().slice(0, 8)}:`;
  const children = new Set<ChildProcess>();
  return {
    kind: 'redis',
    async setup() {
      server = await startRedisServer();
    },
    async teardown() {
      for (const c of children) c.kill('SIGKILL');
      await server?.stop();
    },
    open() {
      return createRedisBackend({ url: server!.url, keyPrefix });
    },
    openIsolated() {
      return createRedisBackend({ url: server!.url, keyPrefix });
    },
    async takeAndDie(queue, group, consumer, count) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', childScript, server!.url, keyPrefix, queue, group, consumer, String(count)],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.add(child);
      let out = '';
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.once('exit', (code) => reject(new Error(`consumer child exited (${code}) early: ${err}`)));
      });
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      children.delete(child);
      return (JSON.parse(line) as { taken: string[] }).taken;
    },
  };
}

let counter = 0;
const unique = (what: string) => `${what}-${++counter}-${randomUUID().slice(0, 6)}`;

describe.each([memoryHarness(), redisHarness()])('queue contract: $kind', (h) => {
  const opened: QueueBackend[] = [];
  const open = () => {
    const b = h.open();
    opened.push(b);
    return b;
  };

  beforeAll(() => h.setup());
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((b) => b.close()));
  });
  afterAll(() => h.teardown());

  it('reports ready', async () => {
    const health = await open().ready();
    expect(health.ok).toBe(true);
    expect(health.detail).toMatch(h.kind === 'redis' ? /PONG/ : /memory/);
  });

  it('publishes, consumes in order and keeps messages pending until acknowledged', async () => {
    const q = open().queue<{ n: number; tags: string[] }>(unique('q'));
    const ids = [await q.publish({ n: 1, tags: ['a'] }), await q.publish({ n: 2, tags: [] })];
    ids.push(...(await q.publishBatch([{ n: 3, tags: ['b', 'c'] }])));
    expect(new Set(ids).size).toBe(3);
    expect(await q.length()).toBe(3);

    const got = await q.consume('workers', 'w1', { count: 10 });
    expect(got.map((m) => m.id)).toEqual(ids);
    expect(got.map((m) => m.body)).toEqual([
      { n: 1, tags: ['a'] },
      { n: 2, tags: [] },
      { n: 3, tags: ['b', 'c'] },
    ]);
    expect(got.every((m) => m.deliveries === 1)).toBe(true);
    expect(await q.pendingCount('workers')).toBe(3);

    await q.ack('workers', [ids[0], ids[1]]);
    expect(await q.pendingCount('workers')).toBe(1);
    // Pending messages are not handed out again as new ones.
    expect(await q.consume('workers', 'w1', { count: 10 })).toEqual([]);
    await q.ack('workers', [ids[2]]);
    expect(await q.pendingCount('workers')).toBe(0);
  });

  it('respects count and starts a new group from the beginning of the queue', async () => {
    const q = open().queue<number>(unique('q'));
    const ids = await q.publishBatch([1, 2, 3, 4, 5]);
    expect((await q.consume('g1', 'c', { count: 2 })).map((m) => m.body)).toEqual([1, 2]);
    expect((await q.consume('g1', 'c', { count: 2 })).map((m) => m.body)).toEqual([3, 4]);
    // A second group sees every message, independently of the first.
    const all = await q.consume('g2', 'c', { count: 100 });
    expect(all.map((m) => m.id)).toEqual(ids);
  });

  it('gives two consumers of one group distinct messages that together are all of them', async () => {
    const name = unique('q');
    const a = open().queue<number>(name);
    const b = open().queue<number>(name);
    const published = await a.publishBatch(Array.from({ length: 25 }, (_, i) => i));
    const seenA: QueueMessage<number>[] = [];
    const seenB: QueueMessage<number>[] = [];
    for (;;) {
      const ga = await a.consume('grp', 'A', { count: 3 });
      const gb = await b.consume('grp', 'B', { count: 4 });
      seenA.push(...ga);
      seenB.push(...gb);
      if (ga.length === 0 && gb.length === 0) break;
    }
    const idsA = seenA.map((m) => m.id);
    const idsB = seenB.map((m) => m.id);
    expect(idsA.length).toBeGreaterThan(0);
    expect(idsB.length).toBeGreaterThan(0);
    expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    expect([...idsA, ...idsB].sort()).toEqual([...published].sort());
  });

  it('wakes blocked consumers when messages arrive, each message going to one of them', async () => {
    const name = unique('q');
    const a = open().queue<number>(name);
    const b = open().queue<number>(name);
    // Create the group first so both blocked reads wait for new messages.
    expect(await a.consume('grp', 'A')).toEqual([]);
    const pa = a.consume('grp', 'A', { count: 100, blockMs: 5000 });
    const pb = b.consume('grp', 'B', { count: 100, blockMs: 5000 });
    await sleep(100);
    const published = await a.publishBatch([10, 20, 30]);
    const first = await Promise.race([pa, pb]);
    expect(first.length).toBeGreaterThan(0);
    // Release whichever consumer is still blocked, then compare what both got.
    await a.publish(40);
    const [ga, gb] = await Promise.all([pa, pb]);
    const ids = [...ga, ...gb].map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of published) expect(ids).toContain(id);
  });

  it('returns nothing after blockMs when no message comes', async () => {
    const q = open().queue<number>(unique('q'));
    expect(await q.consume('grp', 'c', { blockMs: 150 })).toEqual([]);
  });

  it('keeps serving other calls while a consumer is blocked', async () => {
    const b = open();
    const q = b.queue<string>(unique('q'));
    let settled = false;
    const blocked = q.consume('grp', 'slow', { blockMs: 5000 }).then((m) => {
      settled = true;
      return m;
    });
    await sleep(100);
    await b.state.set(unique('k'), 'v');
    expect(await q.length()).toBe(0);
    expect(await b.ready()).toMatchObject({ ok: true });
    expect(settled).toBe(false);
    await q.publish('wake');
    expect((await blocked).map((m) => m.body)).toEqual(['wake']);
  });

  it("lets another consumer claim a dead consumer's messages after minIdle, losing nothing", async () => {
    const name = unique('q');
    const live = open().queue<{ n: number }>(name);
    const published = await live.publishBatch([1, 2, 3, 4, 5].map((n) => ({ n })));
    const minIdleMs = 1500;

    const died = await h.takeAndDie(name, 'grp', 'doomed', 3);
    const diedAt = Date.now();
    expect(died).toEqual(published.slice(0, 3));

    // The live consumer gets the rest as new messages, not the dead one's.
    const rest = await live.consume('grp', 'survivor', { count: 10 });
    expect(rest.map((m) => m.id)).toEqual(published.slice(3));
    await live.ack(
      'grp',
      rest.map((m) => m.id),
    );
    // Not idle long enough yet: nothing to claim.
    expect(await live.claimStale('grp', 'survivor', minIdleMs)).toEqual([]);
    expect(await live.pendingCount('grp')).toBe(3);

    await sleep(minIdleMs + 200 - (Date.now() - diedAt));
    const claimed = await live.claimStale('grp', 'survivor', minIdleMs);
    expect(claimed.map((m) => m.id)).toEqual(died);
    expect(claimed.map((m) => m.body)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(claimed.every((m) => m.deliveries === 2)).toBe(true);
    // Claimed entries are now fresh on the survivor: a second claim finds nothing.
    expect(await live.claimStale('grp', 'other', minIdleMs)).toEqual([]);

    await live.ack(
      'grp',
      claimed.map((m) => m.id),
    );
    expect(await live.pendingCount('grp')).toBe(0);
  });

  it('claims at most count stale messages per call', async () => {
    const q = open().queue<number>(unique('q'));
    await q.publishBatch([1, 2, 3, 4]);
    await q.consume('grp', 'gone', { count: 4 });
    await sleep(60);
    expect((await q.claimStale('grp', 'me', 50, 3)).map((m) => m.body)).toEqual([1, 2, 3]);
    expect((await q.claimStale('grp', 'me2', 50, 3)).map((m) => m.body)).toEqual([4]);
  });

  it('trims messages once every group has acknowledged them', async () => {
    const q = open().queue<number>(unique('q'));
    await q.publishBatch([1, 2, 3, 4, 5]);
    const got = await q.consume('grp', 'c', { count: 10 });
    await q.ack(
      'grp',
      got.map((m) => m.id),
    );
    expect(await q.length()).toBe(0);
    expect(await q.pendingCount('grp')).toBe(0);
  });

  it('expires keys, counters and sorted sets after their TTL', async () => {
    const s = open().state;
    const [k1, k2, k3, k4, k5] = [unique('k'), unique('k'), unique('k'), unique('k'), unique('k')];
    await s.set(k1, 'short', 200);
    await s.set(k2, 'forever');
    await s.zadd(k3, 1, 'm', 200);
    expect(await s.setIfAbsent(k4, 'x', 200)).toBe(true);
    expect(await s.incr(k5, 1, 200)).toBe(1);
    expect(await s.incr(k5, 1, 200)).toBe(2);
    expect(await s.get(k1)).toBe('short');
    expect(await s.zcount(k3, 0, 10)).toBe(1);

    await sleep(350);
    expect(await s.get(k1)).toBeUndefined();
    expect(await s.get(k2)).toBe('forever');
    expect(await s.zcount(k3, 0, 10)).toBe(0);
    expect(await s.zrangeByScore(k3, 0, 10)).toEqual([]);
    expect(await s.setIfAbsent(k4, 'y', 200)).toBe(true);
    // A counter's TTL runs from its creation (a fixed window), so it restarts after expiry.
    expect(await s.incr(k5, 1, 200)).toBe(1);
  });

  it('refreshes a sorted set TTL on zadd and keeps it when zadd has no TTL', async () => {
    const s = open().state;
    const k = unique('z');
    await s.zadd(k, 1, 'a', 300);
    await sleep(200);
    await s.zadd(k, 2, 'b', 300);
    await s.zadd(k, 3, 'c');
    await sleep(200);
    expect(await s.zcount(k, 0, 10)).toBe(3);
    await sleep(250);
    expect(await s.zcount(k, 0, 10)).toBe(0);
  });

  it('supports get/set/del and incr by any step', async () => {
    const s = open().state;
    const k = unique('k');
    expect(await s.get(k)).toBeUndefined();
    await s.set(k, 'one');
    await s.set(k, 'two');
    expect(await s.get(k)).toBe('two');
    await s.del(k);
    expect(await s.get(k)).toBeUndefined();
    await s.del(k);
    const c = unique('c');
    expect(await s.incr(c)).toBe(1);
    expect(await s.incr(c, 10)).toBe(11);
    expect(await s.incr(c, -12)).toBe(-1);
    expect(await s.get(c)).toBe('-1');
  });

  it('lets exactly one of two clients win setIfAbsent', async () => {
    const a = open().state;
    const b = open().state;
    for (let i = 0; i < 10; i++) {
      const k = unique('once');
      const [ra, rb] = await Promise.all([a.setIfAbsent(k, 'a', 5000), b.setIfAbsent(k, 'b', 5000)]);
      expect([ra, rb].filter(Boolean)).toHaveLength(1);
      expect(await a.get(k)).toBe(ra ? 'a' : 'b');
    }
  });

  it('gives a lock to one holder at a time, until release', async () => {
    const a = open().state;
    const b = open().state;
    const name = unique('lock');
    const la = await a.lock(name, 5000);
    expect(la?.name).toBe(name);
    expect(await b.lock(name, 5000)).toBeUndefined();
    await la!.release();
    const lb = await b.lock(name, 5000);
    expect(lb).toBeDefined();
    expect(await a.lock(name, 5000)).toBeUndefined();
    await lb!.release();
  });

  it('frees an expired lock; the old holder can then neither extend nor release it', async () => {
    const a = open().state;
    const b = open().state;
    const name = unique('lock');
    const la = await a.lock(name, 150);
    await sleep(300);
    const lb = await b.lock(name, 5000);
    expect(lb).toBeDefined();
    expect(await la!.extend(5000)).toBe(false);
    await la!.release();
    // b still holds it: a's late release did not free b's lock.
    expect(await a.lock(name, 5000)).toBeUndefined();
    await lb!.release();
  });

  it('extends a held lock beyond its first TTL', async () => {
    const a = open().state;
    const b = open().state;
    const name = unique('lock');
    const la = await a.lock(name, 200);
    expect(await la!.extend(2000)).toBe(true);
    await sleep(350);
    expect(await b.lock(name, 1000)).toBeUndefined();
    await la!.release();
    expect(await b.lock(name, 1000)).toBeDefined();
  });

  it('keeps sorted-set windows: range by score, count, update, remove', async () => {
    const s = open().state;
    const k = unique('win');
    await s.zadd(k, 1000, 'e1');
    await s.zadd(k, 3000, 'e3');
    await s.zadd(k, 2000, 'e2');
    await s.zadd(k, 2000, 'e2b');
    expect(await s.zrangeByScore(k, 1000, 2000)).toEqual([
      { member: 'e1', score: 1000 },
      { member: 'e2', score: 2000 },
      { member: 'e2b', score: 2000 },
    ]);
    // Re-adding a member moves it, it does not duplicate it.
    await s.zadd(k, 500, 'e3');
    expect(await s.zrangeByScore(k, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toEqual([
      { member: 'e3', score: 500 },
      { member: 'e1', score: 1000 },
      { member: 'e2', score: 2000 },
      { member: 'e2b', score: 2000 },
    ]);
    expect(await s.zcount(k, 600, 2000)).toBe(3);
    expect(await s.zremRangeByScore(k, Number.NEGATIVE_INFINITY, 1000)).toBe(2);
    expect(await s.zrangeByScore(k, 0, 5000)).toEqual([
      { member: 'e2', score: 2000 },
      { member: 'e2b', score: 2000 },
    ]);
    expect(await s.zcount(unique('none'), 0, 1)).toBe(0);
    expect(await s.zremRangeByScore(unique('none'), 0, 1)).toBe(0);
  });

  it('refuses bad TTLs, scores and steps, and misuse of a key, with a VigilError', async () => {
    const s = open().state;
    const k = unique('bad');
    await expect(s.set(k, 'v', 0)).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining(k) });
    await expect(s.setIfAbsent(k, 'v', -5)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(s.zadd(k, Number.NaN, 'm')).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(s.incr(k, 1.5)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(s.lock(k, Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await s.get(k)).toBeUndefined();
    // A fractional TTL is rounded up to whole milliseconds rather than refused.
    await s.set(k, 'text', 1000.5);
    await expect(s.incr(k)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(s.zadd(k, 1, 'm')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await s.get(k)).toBe('text');
    const q = open().queue<unknown>(unique('q'));
    await expect(q.publish(undefined)).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(q.consume('g', 'c', { count: 0 })).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(q.claimStale('g', 'c', 0, -1)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('ends blocked reads on close and refuses calls afterwards', async () => {
    const b = h.openIsolated();
    const q = b.queue<number>(unique('q'));
    await q.consume('grp', 'c');
    const blocked = q.consume('grp', 'c', { blockMs: 10_000 });
    await sleep(100);
    await b.close();
    expect(await blocked).toEqual([]);
    await expect(q.publish(1)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    expect((await b.ready()).ok).toBe(false);
  });
});

describe('redis backend specifics', () => {
  let server: RedisServerHandle;
  const backends: QueueBackend[] = [];
  const track = (b: QueueBackend) => {
    backends.push(b);
    return b;
  };
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('fails the Redis tests with an install hint when redis-server is missing', async () => {
    await expect(startRedisServer({ binary: 'redis-server-not-installed' })).rejects.toThrow(
      /not installed.*apt-get install redis-server/,
    );
  });

  it('fails fast with the reason when the URL is unreachable', { timeout: 6000 }, async () => {
    const port = await freePort();
    const b = track(createRedisBackend({ url: `redis://127.0.0.1:${port}` }));
    const health = await b.ready();
    expect(health).toEqual({ ok: false, detail: `cannot connect to redis://127.0.0.1:${port}: ECONNREFUSED` });
    const err = await b.state.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect(err).toMatchObject({ code: 'QUEUE_UNAVAILABLE', retryable: true });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('gives up on a server that accepts but never answers', { timeout: 6000 }, async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const b = track(createRedisBackend({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }));
      const health = await b.ready();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(new RegExp(`^cannot connect to redis://127\\.0\\.0\\.1:${port}: `));
      await expect(b.queue('q').publish(1)).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    } finally {
      silent.close();
    }
  });

  it('never shows the password of the URL', async () => {
    const port = await freePort();
    const b = track(createRedisBackend({ url: `redis://:s3cret@127.0.0.1:${port}` }));
    const health = await b.ready();
    expect(health.ok).toBe(false);
    expect(health.detail).not.toContain('s3cret');
    expect(health.detail).toContain('redis://:***@127.0.0.1');
  });

  it('refuses a URL that is not redis:// as a config error', () => {
    expect(() => createRedisBackend({ url: 'http://localhost:6379' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('redis.url') }),
    );
  });

  it('chooses the backend by whether a Redis URL is given', async () => {
    expect(track(createQueueBackend({})).kind).toBe('memory');
    expect(track(createQueueBackend({ redisUrl: '' })).kind).toBe('memory');
    const r = track(createQueueBackend({ redisUrl: server.url }));
    expect(r.kind).toBe('redis');
    expect((await r.ready()).ok).toBe(true);
  });

  it('stores queues, state and locks under the documented key names', async () => {
    const b = track(createRedisBackend({ url: server.url, keyPrefix: 'docs:' }));
    await b.queue<{ a: number }>('alerts').publish({ a: 1 });
    await b.state.set('corr:r1:host1', 'x');
    await b.state.zadd('win:r1', 1, 'e1', 60_000);
    const lock = await b.state.lock('scheduler', 60_000);
    const raw = new Redis(server.url);
    try {
      expect(await raw.type('docs:queue:alerts')).toBe('stream');
      const [[, fields]] = await raw.xrange('docs:queue:alerts', '-', '+');
      expect(fields).toEqual(['b', '{"a":1}']);
      expect(await raw.get('docs:state:corr:r1:host1')).toBe('x');
      expect(await raw.type('docs:state:win:r1')).toBe('zset');
      expect(await raw.pttl('docs:state:win:r1')).toBeGreaterThan(0);
      expect(await raw.pttl('docs:lock:scheduler')).toBeGreaterThan(0);
      await lock!.release();
      expect(await raw.exists('docs:lock:scheduler')).toBe(0);
    } finally {
      raw.disconnect();
    }
  });

  it('caps a stream with maxLen', async () => {
    const b = track(createRedisBackend({ url: server.url, keyPrefix: 'cap:', maxLen: 10 }));
    const q = b.queue<number>('q');
    for (let i = 0; i < 5; i++) await q.publishBatch(Array.from({ length: 100 }, (_, j) => i * 100 + j));
    // MAXLEN ~ trims whole internal nodes, so the length lands near the cap, never at 500.
    expect(await q.length()).toBeLessThan(500);
  });

  it('surfaces a lost server as QUEUE_UNAVAILABLE and recovers when it is back', { timeout: 20_000 }, async () => {
    const own = await startRedisServer();
    try {
      const b = track(createRedisBackend({ url: own.url }));
      await b.state.set('k', 'before');
      own.kill();
      await sleep(200);
      const err = await b.state.get('k').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'QUEUE_UNAVAILABLE', retryable: true });
      expect((await b.ready()).ok).toBe(false);

      const again = await startRedisServer({ port: own.port });
      try {
        let health = await b.ready();
        for (let i = 0; i < 50 && !health.ok; i++) {
          await sleep(100);
          health = await b.ready();
        }
        expect(health.ok).toBe(true);
        await b.state.set('k', 'after');
        expect(await b.state.get('k')).toBe('after');
      } finally {
        await again.stop();
      }
    } finally {
      await own.stop();
    }
  });
});
