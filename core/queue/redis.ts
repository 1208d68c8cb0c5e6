// Redis queue backend (ioredis): work queues are streams with consumer groups, shared state is
// plain keys and sorted sets with PEXPIRE, locks are SET NX PX with a random token. Lets several
// `vigil serve` processes share the work; every Redis failure surfaces as a VigilError.

import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
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

export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string;
  /** Prepended to every key so several deployments can share one Redis. @default 'vigil:' */
  keyPrefix?: string;
  logger?: Logger;
  /**
   * Caps each queue stream at about this many entries (XADD MAXLEN ~), dropping the oldest even
   * when not yet acknowledged. Without it only acknowledged entries are trimmed. @default undefined
   */
  maxLen?: number;
  /** How long the first connection may take before `ready()` and commands give up. @default 2000 */
  connectTimeoutMs?: number;
}

/** The message body lives as JSON in this single stream field. */
const BODY_FIELD = 'b';
/** Acknowledged entries are trimmed at most this often per queue (XINFO + XPENDING + XTRIM). */
const TRIM_EVERY_MS = 1000;
const PING_TIMEOUT_MS = 2000;

const INCR_SCRIPT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : err.message;
  }
  return String(err);
}

function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The URL as shown in messages and health: the password never leaves this module. */
function describeUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  return shown.href.replace(/\/$/, '');
}

/**
 * One ioredis client that connects on first use and fails fast until it has been ready once:
 * an unreachable URL is reported in ~connectTimeoutMs instead of being retried forever, while a
 * Redis that goes away later is reconnected with backoff (queued commands fail after 2 retries).
 */
class Connection {
  readonly client: Redis;
  private everReady = false;
  private lastError: Error | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly url: URL,
    private readonly shownUrl: string,
    private readonly role: string,
    private readonly connectTimeoutMs: number,
    private readonly logger: Logger | undefined,
  ) {
    this.client = new Redis(url.href, {
      lazyConnect: true,
      // RESP2 replies have one documented shape per command (RESP3 maps come back flattened).
      protocol: 2,
      connectTimeout: connectTimeoutMs,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      retryStrategy: (times) => (this.everReady && !this.closed ? Math.min(100 * 2 ** (times - 1), 2000) : null),
    });
    // Without a listener ioredis reports 'error' as unhandled; these are reported through commands instead.
    this.client.on('error', (err: Error) => {
      const changed = this.lastError?.message !== err.message;
      this.lastError = err;
      if (changed && this.everReady) {
        this.logger?.warn({ err: err.message, role: this.role, redis: this.shownUrl }, 'redis connection error');
      }
    });
    this.client.on('ready', () => {
      if (this.everReady && this.lastError) {
        this.logger?.info({ role: this.role, redis: this.shownUrl }, 'redis connection restored');
      }
      this.everReady = true;
      this.lastError = undefined;
    });
  }

  /** The client, connected (or reconnecting after having been ready once). */
  async get(): Promise<Redis> {
    if (this.closed) throw closedError(this.shownUrl);
    const st = this.client.status;
    if (!this.connecting && (st === 'wait' || st === 'end')) {
      this.connecting = this.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    // Callers wait for the first connect rather than queue commands behind it, so all of them
    // get the same clear 'cannot connect' error when it fails.
    if (this.connecting) await this.connecting;
    return this.client;
  }

  /** Text of the last connection error, to explain why a command failed. */
  get lastErrorText(): string | undefined {
    return this.lastError ? errorText(this.lastError) : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await withTimeout(this.client.quit(), 1000, 'redis QUIT');
        return;
      } catch {
        // Falls through to a hard disconnect: closing must not hang on a dead server.
      }
    }
    this.client.disconnect();
  }

  /** Drops the socket at once, failing whatever command (a blocking read) is in flight. */
  disconnectNow(): void {
    this.closed = true;
    this.client.disconnect();
  }

  private async connect(): Promise<void> {
    this.lastError = undefined;
    try {
      // A little slack over connectTimeout covers the handshake (AUTH, SELECT, ready check).
      await withTimeout(this.client.connect(), this.connectTimeoutMs + 500, 'redis connect');
    } catch (err) {
      // Only a connect that is still in progress (our timeout) needs stopping; disconnecting an
      // ended client would leave ioredis in 'manually closing' and hide the next attempt's error.
      if (this.client.status !== 'end') this.client.disconnect();
      const reason = this.lastErrorText ?? errorText(err);
      throw new VigilError(
        ErrorCode.QUEUE_UNAVAILABLE,
        `cannot connect to ${this.shownUrl}: ${reason}`,
        { source: 'redis', path: this.url.host },
        { retryable: true, cause: this.lastError ?? err },
      );
    }
  }
}

function closedError(shownUrl: string): VigilError {
  return new VigilError(ErrorCode.QUEUE_UNAVAILABLE, `redis queue backend (${shownUrl}): used after close()`, {
    source: 'redis',
  });
}

type StreamEntry = [id: string, fields: string[] | null];

function parseEntries(raw: unknown): StreamEntry[] {
  return Array.isArray(raw) ? (raw as StreamEntry[]) : [];
}

/** Stream ids `<ms>-<seq>` compared numerically (string order breaks when the lengths differ). */
function parseStreamId(id: string): [bigint, bigint] {
  const [ms, seq] = id.split('-');
  return [BigInt(ms), BigInt(seq ?? '0')];
}

function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

function nextStreamId(id: string): string {
  const [ms, seq] = parseStreamId(id);
  return `${ms}-${seq + 1n}`;
}

function flatToRecord(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function scoreArg(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  return String(n);
}

function parseScore(s: string): number {
  if (s === 'inf' || s === '+inf') return Number.POSITIVE_INFINITY;
  if (s === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(s);
}

class RedisBackendImpl implements QueueBackend {
  readonly kind = 'redis' as const;
  readonly state: SharedState;
  readonly prefix: string;
  readonly shownUrl: string;
  private readonly url: URL;
  private readonly connectTimeoutMs: number;
  readonly main: Connection;
  /** One connection per (queue, consumer) for blocking reads, so a BLOCK never stalls other calls. */
  private readonly blocking = new Map<string, Connection>();
  private readonly queues = new Map<string, RedisQueue<unknown>>();
  private readonly scriptShas = new Map<string, string>();
  closed = false;

  constructor(readonly opts: RedisBackendOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      url = new URL('invalid:');
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `redis.url: '${opts.url.replace(/\/\/[^@/]*@/, '//***@')}' is not a redis:// or rediss:// URL`,
        { source: 'config', path: 'redis.url' },
      );
    }
    this.url = url;
    this.shownUrl = describeUrl(url);
    this.prefix = opts.keyPrefix ?? 'vigil:';
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.main = new Connection(url, this.shownUrl, 'commands', this.connectTimeoutMs, opts.logger);
    this.state = new RedisState(this);
  }

  queue<T>(name: string): WorkQueue<T> {
    let q = this.queues.get(name);
    if (!q) {
      q = new RedisQueue<unknown>(this, name);
      this.queues.set(name, q);
    }
    return q as RedisQueue<T>;
  }

  async ready(): Promise<Health> {
    try {
      const c = await this.main.get();
      const t0 = performance.now();
      const pong = await withTimeout(c.ping(), PING_TIMEOUT_MS, `redis PING to ${this.shownUrl}`);
      const ms = Math.round(performance.now() - t0);
      return { ok: true, detail: `redis ${this.url.host} ${pong} in ${ms} ms` };
    } catch (err) {
      const e = this.toError(err, 'PING', '');
      return { ok: false, detail: e.message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.blocking.values()) c.disconnectNow();
    this.blocking.clear();
    await this.main.close();
  }

  blockingConnection(queue: string, consumer: string): Connection {
    const key = `${queue}\u0000${consumer}`;
    let c = this.blocking.get(key);
    if (!c) {
      c = new Connection(this.url, this.shownUrl, `consumer ${consumer} on ${queue}`, this.connectTimeoutMs, this.opts.logger);
      this.blocking.set(key, c);
    }
    return c;
  }

  /** Runs one Redis call on the command connection, turning every failure into a VigilError. */
  async run<R>(op: string, key: string, fn: (c: Redis) => Promise<R>): Promise<R> {
    try {
      return await fn(await this.main.get());
    } catch (err) {
      throw this.toError(err, op, key);
    }
  }

  toError(err: unknown, op: string, key: string, conn: Connection = this.main): VigilError {
    if (err instanceof VigilError) return err;
    const where = { source: 'redis', path: key || undefined };
    if (isReplyError(err)) {
      return new VigilError(ErrorCode.INTERNAL, `redis ${op} ${key}: ${err.message}`, where, { cause: err });
    }
    if (this.closed) return closedError(this.shownUrl);
    const last = conn.lastErrorText;
    const msg = err instanceof Error ? err.message : String(err);
    return new VigilError(
      ErrorCode.QUEUE_UNAVAILABLE,
      `redis ${op} ${key} on ${this.shownUrl}: ${msg}${last ? ` (connection: ${last})` : ''}`,
      where,
      { retryable: true, cause: err },
    );
  }

  /** EVALSHA with a fallback to EVAL when the server has not seen the script (restart, SCRIPT FLUSH). */
  async script(c: Redis, lua: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    let sha = this.scriptShas.get(lua);
    if (!sha) {
      sha = createHash('sha1').update(lua).digest('hex');
      this.scriptShas.set(lua, sha);
    }
    try {
      return await c.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (isReplyError(err) && err.message.startsWith('NOSCRIPT')) return c.eval(lua, keys.length, ...keys, ...args);
      throw err;
    }
  }
}

class RedisQueue<T> implements WorkQueue<T> {
  private readonly key: string;
  private readonly knownGroups = new Set<string>();
  private lastTrim = 0;

  constructor(
    private readonly b: RedisBackendImpl,
    readonly name: string,
  ) {
    this.key = `${b.prefix}queue:${name}`;
  }

  async publish(body: T): Promise<string> {
    const json = encodeBody(this.name, body, '');
    return this.b.run('XADD', this.key, async (c) => String(await c.call('XADD', ...this.xaddArgs(json))));
  }

  async publishBatch(bodies: readonly T[]): Promise<string[]> {
    if (bodies.length === 0) return [];
    const jsons = bodies.map((body, i) => encodeBody(this.name, body, `[${i}]`));
    return this.b.run('XADD', this.key, async (c) => {
      const tx = c.multi();
      for (const json of jsons) tx.call('XADD', ...this.xaddArgs(json));
      const results = await tx.exec();
      if (!results) throw new Error('MULTI aborted');
      return results.map(([err, id]) => {
        if (err) throw err;
        return String(id);
      });
    });
  }

  async consume(group: string, consumer: string, opts: ConsumeOptions = {}): Promise<QueueMessage<T>[]> {
    const count = checkCount(opts.count ?? 100, this.name, 'consume');
    const blockMs = opts.blockMs ?? 0;
    await this.ensureGroup(group);
    const conn = blockMs > 0 ? this.b.blockingConnection(this.name, consumer) : this.b.main;
    const read = async (): Promise<unknown> => {
      const c = await conn.get();
      const block = blockMs > 0 ? ['BLOCK', blockMs] : [];
      return c.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, ...block, 'STREAMS', this.key, '>');
    };
    let reply: unknown;
    try {
      try {
        reply = await read();
      } catch (err) {
        // The stream or group was deleted behind our back (FLUSHDB, DEL): recreate and read again.
        if (!(isReplyError(err) && err.message.startsWith('NOGROUP'))) throw err;
        this.knownGroups.delete(group);
        await this.ensureGroup(group);
        reply = await read();
      }
    } catch (err) {
      // close() drops blocking connections to end their BLOCK; the read then just has nothing.
      if (this.b.closed && blockMs > 0) return [];
      throw this.b.toError(err, 'XREADGROUP', this.key, conn);
    }
    if (!Array.isArray(reply) || reply.length === 0) return [];
    const [, entries] = reply[0] as [string, unknown];
    const out: QueueMessage<T>[] = [];
    for (const [id, fields] of parseEntries(entries)) {
      const body = this.decode(id, fields);
      if (body !== undefined) out.push({ id, body: body.value, deliveries: 1 });
    }
    return out;
  }

  async ack(group: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.b.run('XACK', this.key, (c) => c.xack(this.key, group, ...ids));
    if (Date.now() - this.lastTrim >= TRIM_EVERY_MS) {
      this.lastTrim = Date.now();
      try {
        await this.trimAcknowledged();
      } catch (err) {
        // Trimming is housekeeping: the ack itself succeeded, so report and go on.
        this.b.opts.logger?.warn({ err: errorText(err), queue: this.name }, 'redis queue trim failed');
      }
    }
  }

  async claimStale(group: string, consumer: string, minIdleMs: number, count = 100): Promise<QueueMessage<T>[]> {
    checkCount(count, this.name, 'claimStale');
    return this.b.run('XAUTOCLAIM', this.key, async (c) => {
      const claimed: StreamEntry[] = [];
      let cursor = '0-0';
      try {
        do {
          const reply = (await c.call(
            'XAUTOCLAIM',
            this.key,
            group,
            consumer,
            Math.max(0, Math.floor(minIdleMs)),
            cursor,
            'COUNT',
            count - claimed.length,
          )) as [string, unknown, unknown?];
          cursor = String(reply[0]);
          for (const e of parseEntries(reply[1])) if (e[1] !== null) claimed.push(e);
        } while (cursor !== '0-0' && claimed.length < count);
      } catch (err) {
        if (isReplyError(err) && err.message.startsWith('NOGROUP')) return [];
        throw err;
      }
      if (claimed.length === 0) return [];
      // XAUTOCLAIM does not return delivery counts; XPENDING on each claimed id does (pipelined).
      const lookups = c.pipeline();
      for (const [id] of claimed) lookups.call('XPENDING', this.key, group, id, id, 1);
      const replies = (await lookups.exec()) ?? [];
      const deliveries = new Map<string, number>();
      for (const [err, rows] of replies) {
        if (err) throw err;
        for (const [id, , , n] of rows as Array<[string, string, number, number]>) deliveries.set(id, Number(n));
      }
      const out: QueueMessage<T>[] = [];
      for (const [id, fields] of claimed) {
        const body = this.decode(id, fields);
        if (body !== undefined) out.push({ id, body: body.value, deliveries: deliveries.get(id) ?? 2 });
      }
      return out;
    });
  }

  async pendingCount(group: string): Promise<number> {
    return this.b.run('XPENDING', this.key, async (c) => {
      try {
        const summary = (await c.call('XPENDING', this.key, group)) as [number, ...unknown[]];
        return Number(summary[0]);
      } catch (err) {
        if (isReplyError(err) && err.message.startsWith('NOGROUP')) return 0;
        throw err;
      }
    });
  }

  async length(): Promise<number> {
    return this.b.run('XLEN', this.key, (c) => c.xlen(this.key));
  }

  private xaddArgs(json: string): Array<string | number> {
    const cap = this.b.opts.maxLen;
    return cap === undefined ? [this.key, '*', BODY_FIELD, json] : [this.key, 'MAXLEN', '~', cap, '*', BODY_FIELD, json];
  }

  private async ensureGroup(group: string): Promise<void> {
    if (this.knownGroups.has(group)) return;
    await this.b.run('XGROUP CREATE', this.key, async (c) => {
      try {
        await c.call('XGROUP', 'CREATE', this.key, group, '0', 'MKSTREAM');
      } catch (err) {
        // Another consumer (maybe another process) created it first: that is the point of groups.
        if (!(isReplyError(err) && err.message.startsWith('BUSYGROUP'))) throw err;
      }
    });
    this.knownGroups.add(group);
  }

  /**
   * Trims entries every group has received and acknowledged: below the oldest pending entry and
   * not past the last delivered one. Entries only ever move forward, so a stale view trims less,
   * never too much.
   */
  private async trimAcknowledged(): Promise<void> {
    await this.b.run('XTRIM', this.key, async (c) => {
      const groups = ((await c.call('XINFO', 'GROUPS', this.key)) as unknown[]).map(flatToRecord);
      if (groups.length === 0) return;
      let minId: string | undefined;
      for (const g of groups) {
        let keepFrom = nextStreamId(String(g['last-delivered-id']));
        if (Number(g.pending) > 0) {
          const summary = (await c.call('XPENDING', this.key, String(g.name))) as [number, string | null];
          if (summary[1] && compareStreamIds(summary[1], keepFrom) < 0) keepFrom = summary[1];
        }
        if (minId === undefined || compareStreamIds(keepFrom, minId) < 0) minId = keepFrom;
      }
      if (minId) await c.call('XTRIM', this.key, 'MINID', minId);
    });
  }


  /**
   * Bodies are written only by this module, so a bad one means someone else wrote to the stream:
   * it is logged and left pending (visible in pendingCount, never silently acknowledged).
   */
  private decode(id: string, fields: string[] | null): { value: T } | undefined {
    const rec = flatToRecord(fields);
    const raw = rec[BODY_FIELD];
    try {
      if (typeof raw !== 'string') throw new Error(`no '${BODY_FIELD}' field`);
      return { value: JSON.parse(raw) as T };
    } catch (err) {
      this.b.opts.logger?.error(
        { queue: this.name, key: this.key, id, err: (err as Error).message },
        'redis queue entry is not a Vigil message; left pending',
      );
      return undefined;
    }
  }
}

class RedisState implements SharedState {
  constructor(private readonly b: RedisBackendImpl) {}

  private k(key: string): string {
    return `${this.b.prefix}state:${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    const k = this.k(key);
    return this.b.run('GET', k, async (c) => (await c.get(k)) ?? undefined);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.k(key);
    const ttl = ttlMs === undefined ? undefined : checkTtl(ttlMs, key, 'set');
    await this.b.run('SET', k, (c) => (ttl === undefined ? c.set(k, value) : c.set(k, value, 'PX', ttl)));
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.k(key);
    const ttl = ttlMs === undefined ? undefined : checkTtl(ttlMs, key, 'setIfAbsent');
    return this.b.run('SET NX', k, async (c) => {
      const r = ttl === undefined ? await c.set(k, value, 'NX') : await c.set(k, value, 'PX', ttl, 'NX');
      return r === 'OK';
    });
  }

  async del(key: string): Promise<void> {
    const k = this.k(key);
    await this.b.run('DEL', k, (c) => c.del(k));
  }

  async incr(key: string, by = 1, ttlMs?: number): Promise<number> {
    const k = this.k(key);
    checkIncrement(by, key);
    const ttl = ttlMs === undefined ? '' : checkTtl(ttlMs, key, 'incr');
    return this.b.run('INCRBY', k, async (c) => Number(await this.b.script(c, INCR_SCRIPT, [k], [by, ttl])));
  }

  async zadd(key: string, score: number, member: string, ttlMs?: number): Promise<void> {
    const k = this.k(key);
    checkScore(score, key, 'zadd');
    const ttl = ttlMs === undefined ? undefined : checkTtl(ttlMs, key, 'zadd');
    await this.b.run('ZADD', k, async (c) => {
      if (ttl === undefined) {
        await c.zadd(k, scoreArg(score), member);
        return;
      }
      const results = await c.multi().zadd(k, scoreArg(score), member).pexpire(k, ttl).exec();
      for (const [err] of results ?? []) if (err) throw err;
    });
  }

  async zrangeByScore(key: string, min: number, max: number): Promise<Array<{ member: string; score: number }>> {
    const k = this.k(key);
    return this.b.run('ZRANGEBYSCORE', k, async (c) => {
      const flat = await c.zrangebyscore(k, scoreArg(min), scoreArg(max), 'WITHSCORES');
      const out: Array<{ member: string; score: number }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ member: flat[i], score: parseScore(flat[i + 1]) });
      return out;
    });
  }

  async zcount(key: string, min: number, max: number): Promise<number> {
    const k = this.k(key);
    return this.b.run('ZCOUNT', k, (c) => c.zcount(k, scoreArg(min), scoreArg(max)));
  }

  async zremRangeByScore(key: string, min: number, max: number): Promise<number> {
    const k = this.k(key);
    return this.b.run('ZREMRANGEBYSCORE', k, (c) => c.zremrangebyscore(k, scoreArg(min), scoreArg(max)));
  }

  async lock(name: string, ttlMs: number): Promise<Lock | undefined> {
    const k = `${this.b.prefix}lock:${name}`;
    // The random token makes release/extend safe: after expiry another holder's lock is never touched.
    const token = randomUUID();
    const ttl = checkTtl(ttlMs, name, 'lock');
    const got = await this.b.run('SET NX', k, (c) => c.set(k, token, 'PX', ttl, 'NX'));
    if (got !== 'OK') return undefined;
    const b = this.b;
    return {
      name,
      async extend(extendMs: number): Promise<boolean> {
        const ms = checkTtl(extendMs, name, 'lock extend');
        return b.run('PEXPIRE', k, async (c) => Number(await b.script(c, EXTEND_SCRIPT, [k], [token, ms])) === 1);
      },
      async release(): Promise<void> {
        await b.run('DEL', k, (c) => b.script(c, RELEASE_SCRIPT, [k], [token]));
      },
    };
  }
}

/**
 * Creates the Redis backend; nothing connects until the first call. Call `ready()` at start-up:
 * an unreachable server is reported within about `connectTimeoutMs`.
 */
export function createRedisBackend(opts: RedisBackendOptions): QueueBackend {
  return new RedisBackendImpl(opts);
}
