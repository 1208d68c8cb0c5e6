// Public surface of core/queue: the contract types and the factory the composition root calls
// with VIGIL_REDIS_URL (Redis when a URL is given, in-process otherwise).

import type { Logger } from 'pino';
import { createMemoryBackend } from './memory.ts';
import { createRedisBackend } from './redis.ts';
import type { QueueBackend } from './types.ts';

export type * from './types.ts';
export { createMemoryBackend, type MemoryBackendOptions } from './memory.ts';
export { createRedisBackend, type RedisBackendOptions } from './redis.ts';

export interface QueueBackendOptions {
  /** Usually `process.env.VIGIL_REDIS_URL`; empty or absent selects the in-process backend. */
  redisUrl?: string;
  /** Key prefix in Redis. @default 'vigil:' */
  keyPrefix?: string;
  logger?: Logger;
  /** Redis only: caps each queue stream at about this many entries (see RedisBackendOptions). */
  maxLen?: number;
}

export function createQueueBackend(opts: QueueBackendOptions = {}): QueueBackend {
  const url = opts.redisUrl?.trim();
  if (!url) return createMemoryBackend();
  return createRedisBackend({ url, keyPrefix: opts.keyPrefix, logger: opts.logger, maxLen: opts.maxLen });
}
