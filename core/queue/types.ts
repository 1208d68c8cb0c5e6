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
  /** Creates the group if needed; new groups start from the beginning of the queue. */
  consume(group: string, consumer: string, opts?: ConsumeOptions): Promise<QueueMessage<T>[]>;
  ack(group: string, ids: readonly string[]): Promise<void>;
  /** Moves messages pending longer than minIdleMs (on any consumer) to `consumer`. */
  claimStale(group: string, consumer: string, minIdleMs: number, count?: number): Promise<QueueMessage<T>[]>;
  /** Messages delivered to the group but not yet acknowledged. */
  pendingCount(group: string): Promise<number>;
  /** Messages in the queue (acknowledged ones may be trimmed). */
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
 * Keys are namespaced by the caller ('corr:<rule>:<group>').
 */
export interface SharedState {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets only when absent; true when this call set it (fire-once across workers). */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  del(key: string): Promise<void>;
  incr(key: string, by?: number, ttlMs?: number): Promise<number>;
  /** Sorted set: adds/updates member with score; refreshes the key's TTL when given. */
  zadd(key: string, score: number, member: string, ttlMs?: number): Promise<void>;
  /** Members with min <= score <= max, ascending by score. */
  zrangeByScore(key: string, min: number, max: number): Promise<Array<{ member: string; score: number }>>;
  zcount(key: string, min: number, max: number): Promise<number>;
  zremRangeByScore(key: string, min: number, max: number): Promise<number>;
  /** A mutual-exclusion lock with expiry; undefined when someone else holds it. */
  lock(name: string, ttlMs: number): Promise<Lock | undefined>;
}

export interface QueueBackend {
  readonly kind: 'memory' | 'redis';
  queue<T>(name: string): WorkQueue<T>;
  readonly state: SharedState;
  ready(): Promise<Health>;
  close(): Promise<void>;
}
