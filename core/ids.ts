// Identifiers: time-ordered random ids for records, stable hashes for deterministic ids.
import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;
// Random bytes come from a pooled buffer: one randomBytes call per 512 ids instead of per id
// (event appends mint an id per event).
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** 26-character, lexicographically time-ordered id (ms timestamp + counter + randomness). */
export function newId(now: number = Date.now()): string {
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  return `${time}${seq}${randomHex(7).slice(0, 13)}`;
}

/** Deterministic id from parts, so replays and overlapping windows produce the same id. */
export function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
