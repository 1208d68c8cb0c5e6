// In-process queue backend: the same semantics as the Redis one (consumer groups, pending entries
// with delivery counts, claiming of stale entries, keys with TTL, locks) for a single `vigil serve`.
// Nothing survives a restart; bodies are stored as JSON so both backends copy and validate alike.

import { randomUUID } from 'node:crypto';
import { ErrorCode, VigilError } from '../errors.ts';
import { checkCount, checkIncrement, checkScore, checkTtl, encodeBody } from './arguments.ts';
import type {
  ConsumeOptions,
  Health,
  Lock,
  QueueBackend,
  QueueMessage,
  SharedState,
  WorkQueue,
} from './types.ts';

export interface MemoryBackendOptions {
  /** Clock in epoch milliseconds, for TTLs, lock expiry and idle times. @default Date.now */
  now?: () => number;
}

interface StoredMessage {
  id: string;
  seq: number;
  json: string;
}

interface PendingEntry {
  seq: number;
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  /** Sequence number of the next never-delivered message. */
  nextSeq: number;
  /** Keyed by message id; Map order is delivery order of new messages, i.e. id order. */
  pending: Map<string, PendingEntry>;
}

/** Acknowledged messages are dropped in chunks so trimming stays amortised O(1) per message. */
const TRIM_CHUNK = 1024;

class MemoryQueue<T> implements WorkQueue<T> {
  private entries: StoredMessage[] = [];
  /** Sequence number of entries[0]. */
  private baseSeq = 0;
  private nextSeq = 0;
  private lastMs = 0;
  private lastIdSeq = 0;
  private readonly groups = new Map<string, Group>();
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly now: () => number,
    private readonly isClosed: () => boolean,
  ) {}

  async publish(body: T): Promise<string> {
    return this.append(body);
  }

  async publishBatch(bodies: readonly T[]): Promise<string[]> {
    this.assertOpen();
    // Serialise everything first so a bad body leaves the queue untouched, as a Redis MULTI would.
    const jsons = bodies.map((b, i) => encodeBody(this.name, b, `[${i}]`));
    return jsons.map((json) => this.appendJson(json));
  }

  async consume(group: string, consumer: string, opts: ConsumeOptions = {}): Promise<QueueMessage<T>[]> {
    this.assertOpen();
    const count = checkCount(opts.count ?? 100, this.name, 'consume');
    const blockMs = opts.blockMs ?? 0;
    const g = this.group(group);
    const ready = this.takeNew(g, consumer, count);
    if (ready.length > 0 || blockMs <= 0) return ready;
    const deadline = Date.now() + blockMs;
    // Waits are real time even with an injected clock: they stand for the Redis BLOCK timeout.
    while (!this.isClosed()) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.waitForPublish(left);
      const got = this.takeNew(g, consumer, count);
      if (got.length > 0) return got;
    }
    return [];
  }

  async ack(group: string, ids: readonly string[]): Promise<void> {
    this.assertOpen();
    const g = this.groups.get(group);
    if (!g) return;
    for (const id of ids) g.pending.delete(id);
    this.trimAcknowledged();
  }

  async claimStale(group: string, consumer: string, minIdleMs: number, count = 100): Promise<QueueMessage<T>[]> {
    this.assertOpen();
    checkCount(count, this.name, 'claimStale');
    const g = this.groups.get(group);
    if (!g) return [];
    const now = this.now();
    const out: QueueMessage<T>[] = [];
    for (const [id, p] of g.pending) {
      if (out.length >= count) break;
      if (now - p.deliveredAt < minIdleMs) continue;
      const stored = this.bySeq(p.seq);
      if (!stored) {
        // Trimmed under the pending entry (cannot happen through this API, but mirrors XAUTOCLAIM).
        g.pending.delete(id);
        continue;
      }
      p.consumer = consumer;
      p.deliveredAt = now;
      p.deliveries += 1;
      out.push({ id, body: this.decode(stored), deliveries: p.deliveries });
    }
    return out;
  }

  async pendingCount(group: string): Promise<number> {
    this.assertOpen();
    return this.groups.get(group)?.pending.size ?? 0;
  }

  async length(): Promise<number> {
    this.assertOpen();
    return this.entries.length;
  }

  /** Wakes every blocked consumer; used on close so shutdown does not wait out BLOCK timeouts. */
  wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  private append(body: T): string {
    this.assertOpen();
    return this.appendJson(encodeBody(this.name, body, ''));
  }

  private appendJson(json: string): string {
    const id = this.nextId();
    this.entries.push({ id, seq: this.nextSeq++, json });
    this.wakeAll();
    return id;
  }

  /** Redis-style `<ms>-<seq>` ids, strictly increasing even when the clock stalls or goes back. */
  private nextId(): string {
    const ms = this.now();
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.lastIdSeq = 0;
    } else {
      this.lastIdSeq += 1;
    }
    return `${this.lastMs}-${this.lastIdSeq}`;
  }

  private group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { nextSeq: this.baseSeq, pending: new Map() };
      this.groups.set(name, g);
    }
    return g;
  }

  private takeNew(g: Group, consumer: string, count: number): QueueMessage<T>[] {
    const out: QueueMessage<T>[] = [];
    const now = this.now();
    while (out.length < count && g.nextSeq < this.nextSeq) {
      const stored = this.bySeq(g.nextSeq);
      g.nextSeq += 1;
      if (!stored) continue;
      g.pending.set(stored.id, { seq: stored.seq, consumer, deliveredAt: now, deliveries: 1 });
      out.push({ id: stored.id, body: this.decode(stored), deliveries: 1 });
    }
    return out;
  }

  private bySeq(seq: number): StoredMessage | undefined {
    return seq >= this.baseSeq ? this.entries[seq - this.baseSeq] : undefined;
  }

  private waitForPublish(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Drops messages every group has received and acknowledged; with no group, keeps everything. */
  private trimAcknowledged(): void {
    if (this.groups.size === 0) return;
    let keepFrom = this.nextSeq;
    for (const g of this.groups.values()) {
      keepFrom = Math.min(keepFrom, g.nextSeq);
      const oldest = g.pending.values().next();
      if (!oldest.done) keepFrom = Math.min(keepFrom, oldest.value.seq);
    }
    const drop = keepFrom - this.baseSeq;
    if (drop < TRIM_CHUNK && drop < this.entries.length) return;
    this.entries = this.entries.slice(drop);
    this.baseSeq = keepFrom;
  }


  private decode(stored: StoredMessage): T {
    return JSON.parse(stored.json) as T;
  }

  private assertOpen(): void {
    if (this.isClosed()) throw closedError();
  }
}

type Entry = { kind: 'string'; value: string; expiresAt?: number } | { kind: 'zset'; value: Map<string, number>; expiresAt?: number };

/** How often (ms) writes also sweep keys that expired without being read again. */
const SWEEP_INTERVAL_MS = 10_000;

class MemoryState implements SharedState {
  private readonly data = new Map<string, Entry>();
  private readonly locks = new Map<string, { token: string; expiresAt: number }>();
  private lastSweep = 0;

  constructor(
    private readonly now: () => number,
    private readonly isClosed: () => boolean,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const e = this.live(key);
    if (!e) return undefined;
    return this.asString(key, e).value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.write();
    this.data.set(key, { kind: 'string', value, expiresAt: this.expiry(ttlMs, key, 'set') });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    this.write();
    const expiresAt = this.expiry(ttlMs, key, 'setIfAbsent');
    if (this.live(key)) return false;
    this.data.set(key, { kind: 'string', value, expiresAt });
    return true;
  }

  async del(key: string): Promise<void> {
    this.write();
    this.data.delete(key);
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    this.write();
    checkIncrement(by, key);
    const ttlExpiry = this.expiry(ttlMs, key, 'incr');
    const e = this.live(key);
    let current = 0;
    if (e) {
      const s = this.asString(key, e);
      current = Number(s.value);
      if (!Number.isSafeInteger(current) || !/^-?\d+$/.test(s.value)) {
        throw new VigilError(ErrorCode.INTERNAL, `state key '${key}': value '${s.value}' is not an integer, cannot incr`, {
          source: 'queue state',
          path: key,
        });
      }
    }
    const next = current + by;
    // The TTL starts with the key (fixed window), as with Redis INCRBY + PEXPIRE only when no TTL is set.
    const expiresAt = e?.expiresAt ?? ttlExpiry;
    this.data.set(key, { kind: 'string', value: String(next), expiresAt });
    return next;
  }

  async zadd(key: string, score: number, member: string, ttlMs?: number): Promise<void> {
    this.write();
    checkScore(score, key, 'zadd');
    const ttlExpiry = this.expiry(ttlMs, key, 'zadd');
    const e = this.live(key);
    const z = e ? this.asZset(key, e) : { kind: 'zset' as const, value: new Map<string, number>() };
    z.value.set(member, score);
    z.expiresAt = ttlExpiry ?? e?.expiresAt;
    this.data.set(key, z);
  }

  async zrangeByScore(key: string, min: number, max: number): Promise<Array<{ member: string; score: number }>> {
    const e = this.live(key);
    if (!e) return [];
    const out: Array<{ member: string; score: number }> = [];
    for (const [member, score] of this.asZset(key, e).value) {
      if (score >= min && score <= max) out.push({ member, score });
    }
    // Redis orders equal scores by member bytes; plain string comparison matches for ASCII members.
    out.sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    return out;
  }

  async zcount(key: string, min: number, max: number): Promise<number> {
    const e = this.live(key);
    if (!e) return 0;
    let n = 0;
    for (const score of this.asZset(key, e).value.values()) if (score >= min && score <= max) n++;
    return n;
  }

  async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
    this.write();
    const e = this.live(key);
    if (!e) return 0;
    const z = this.asZset(key, e).value;
    let n = 0;
    for (const [member, score] of z) {
      if (score >= min && score <= max) {
        z.delete(member);
        n++;
      }
    }
    // Redis deletes a sorted set that becomes empty.
    if (z.size === 0) this.data.delete(key);
    return n;
  }

  async lock(name: string, ttlMs: number): Promise<Lock | undefined> {
    this.write();
    const ms = checkTtl(ttlMs, name, 'lock');
    const held = this.locks.get(name);
    if (held && held.expiresAt > this.now()) return undefined;
    const token = randomUUID();
    this.locks.set(name, { token, expiresAt: this.now() + ms });
    const owns = () => {
      const cur = this.locks.get(name);
      return cur !== undefined && cur.token === token && cur.expiresAt > this.now();
    };
    return {
      name,
      extend: async (extendMs: number) => {
        this.assertOpen();
        const next = checkTtl(extendMs, name, 'lock extend');
        if (!owns()) return false;
        this.locks.set(name, { token, expiresAt: this.now() + next });
        return true;
      },
      release: async () => {
        this.assertOpen();
        if (owns()) this.locks.delete(name);
      },
    };
  }

  private live(key: string): Entry | undefined {
    this.assertOpen();
    const e = this.data.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }

  private expiry(ttlMs: number | undefined, key: string, op: string): number | undefined {
    return ttlMs === undefined ? undefined : this.now() + checkTtl(ttlMs, key, op);
  }

  /** Every write may sweep expired keys, so keys nobody reads again do not pile up. */
  private write(): void {
    this.assertOpen();
    const now = this.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [k, e] of this.data) if (e.expiresAt !== undefined && e.expiresAt <= now) this.data.delete(k);
    for (const [k, l] of this.locks) if (l.expiresAt <= now) this.locks.delete(k);
  }

  private asString(key: string, e: Entry): Extract<Entry, { kind: 'string' }> {
    if (e.kind !== 'string') throw wrongType(key, 'a sorted set', 'a string');
    return e;
  }

  private asZset(key: string, e: Entry): Extract<Entry, { kind: 'zset' }> {
    if (e.kind !== 'zset') throw wrongType(key, 'a string', 'a sorted set');
    return e;
  }

  private assertOpen(): void {
    if (this.isClosed()) throw closedError();
  }
}

function wrongType(key: string, is: string, wanted: string): VigilError {
  return new VigilError(ErrorCode.INTERNAL, `state key '${key}' holds ${is}, not ${wanted}`, {
    source: 'queue state',
    path: key,
  });
}

function closedError(): VigilError {
  return new VigilError(ErrorCode.QUEUE_UNAVAILABLE, 'memory queue backend: used after close()', {
    source: 'queue memory',
  });
}

export function createMemoryBackend(opts: MemoryBackendOptions = {}): QueueBackend {
  const now = opts.now ?? Date.now;
  let closed = false;
  const isClosed = () => closed;
  const queues = new Map<string, MemoryQueue<unknown>>();
  const state = new MemoryState(now, isClosed);
  return {
    kind: 'memory',
    state,
    queue<T>(name: string): WorkQueue<T> {
      let q = queues.get(name);
      if (!q) {
        q = new MemoryQueue<unknown>(name, now, isClosed);
        queues.set(name, q);
      }
      return q as MemoryQueue<T>;
    },
    async ready(): Promise<Health> {
      return closed ? { ok: false, detail: 'memory queue backend: closed' } : { ok: true, detail: 'memory (in-process)' };
    },
    async close(): Promise<void> {
      closed = true;
      for (const q of queues.values()) q.wakeAll();
    },
  };
}
