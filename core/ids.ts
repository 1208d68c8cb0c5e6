// Identifiers: time-ordered random ids for records, stable hashes for deterministic ids.
import { createHash, randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/** 26-character, lexicographically time-ordered id (ms timestamp + counter + randomness). */
export function newId(now: number = Date.now()): string {
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  const rand = randomBytes(8).toString('hex').slice(0, 13);
  return `${time}${seq}${rand}`;
}

/** Deterministic id from parts, so replays and overlapping windows produce the same id. */
export function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
