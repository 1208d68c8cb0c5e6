// Work queues and shared state: one contract, two implementations (in-process by default,
// Redis when VIGIL_REDIS_URL is set) so several `vigil serve` processes can share the work.

export interface Health {
  ok: boolean;
  /** Human-readable detail, e.g. 'redis 127.0.0.1:6379 PONG in 1 ms' or the connection error. */
  detail: string;
}

export interface QueueMessage<T> {
  /** Opaque, unique, increasing per queue (a Redis stream id in the Redis implementation). */
  id: string;
  body: T;
  /** How many times this message has been handed to a consumer, this delivery included. */
  deliveries: number;
}

export interface ConsumeOptions {
  /** Most messages to return. @default 100 */
  count?: number;
  /** How long to wait for new messages when none are ready; 0 returns at once. @default 0 */
  blockMs?: number;
}

/**
 * A durable work queue with consumer groups: every message is delivered to one consumer of a
 * group, stays pending until acknowledged, and can be claimed by another consumer once it has
 * been pending longer than `minIdleMs` (its consumer died).
 */
export interface WorkQueue<T> {
  readonly name: string;
  publish(body: T): Promise<string>;
  publishBatch(bodies: readonly T[]): Promise<string[]>;
  /**
   * Hands out messages never delivered to the group (pending ones come back only via claimStale).
   * Creates the group if needed; new groups start from the oldest message still kept. Use a stable
   * consumer name per worker: on Redis each (queue, consumer) pair gets its own blocking connection.
   */
  consume(group: string, consumer: string, opts?: ConsumeOptions): Promise<QueueMessage<T>[]>;
  ack(group: string, ids: readonly string[]): Promise<void>;
  /**
   * Moves messages pending longer than minIdleMs (on any consumer) to `consumer`, oldest first,
   * counting a new delivery and restarting their idle time.
   */
  claimStale(group: string, consumer: string, minIdleMs: number, count?: number): Promise<QueueMessage<T>[]>;
  /** Messages delivered to the group but not yet acknowledged. */
  pendingCount(group: string): Promise<number>;
  /** Messages in the queue (ones every group has acknowledged may be trimmed). */
  length(): Promise<number>;
}

export interface Lock {
  readonly name: string;
  /** Extends the lock; false when it was lost (expired and taken by someone else). */
  extend(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Shared key/value state with expiry, used for correlation windows, dedup and rate limits.
 * Keys are namespaced by the caller ('corr:<rule>:<group>'). TTLs are positive milliseconds
 * (fractions round up); a bad TTL, score or step is refused with a VigilError.
 */
export interface SharedState {
  get(key: string): Promise<string | undefined>;
  /** Without ttlMs the key no longer expires (as Redis SET). */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when this call set it (fire-once across workers). */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /**
   * Adds an integer step (default 1) and returns the new value. ttlMs applies only when the key
   * has no TTL yet, i.e. from the counter's creation: a fixed window for rate limits.
   */
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Sorted set: adds/updates member with score; refreshes the key's TTL when given. */
  zadd(key: string, score: number, member: string, ttlMs?: number): Promise<void>;
  /** Members with min <= score <= max, ascending by score. */
  zrangeByScore(key: string, min: number, max: number): Promise<Array<{ member: string; score: number }>>;
  zcount(key: string, min: number, max: number): Promise<number>;
  /** Removes members with min <= score <= max; returns how many. */
  zremRangeByScore(key: string, min: number, max: number): Promise<number>;
  /**
   * A mutual-exclusion lock with expiry; undefined when someone else holds it. Locks live in
   * their own namespace, apart from the keys above.
   */
  lock(name: string, ttlMs: number): Promise<Lock | undefined>;
}

export interface QueueBackend {
  readonly kind: 'memory' | 'redis';
  queue<T>(name: string): WorkQueue<T>;
  readonly state: SharedState;
  ready(): Promise<Health>;
  close(): Promise<void>;
}
