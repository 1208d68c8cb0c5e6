// Argument checks shared by both backends, so a bad TTL or score fails the same way in-process
// and on Redis (where it would otherwise be a server reply error, or silently misbehave).

import { ErrorCode, VigilError } from '../errors.ts';

/** A TTL as whole milliseconds (rounded up); refuses zero, negative and non-finite values. */
export function checkTtl(ttlMs: number, key: string, op: string): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new VigilError(
      ErrorCode.INTERNAL,
      `queue state ${op} '${key}': ttlMs must be a positive number of milliseconds, got ${ttlMs}`,
      { source: 'queue state', path: key },
    );
  }
  return Math.ceil(ttlMs);
}

export function checkScore(score: number, key: string, op: string): number {
  if (Number.isNaN(score)) {
    throw new VigilError(ErrorCode.INTERNAL, `queue state ${op} '${key}': score is NaN`, {
      source: 'queue state',
      path: key,
    });
  }
  return score;
}

export function checkIncrement(by: number, key: string): number {
  if (!Number.isSafeInteger(by)) {
    throw new VigilError(ErrorCode.INTERNAL, `queue state incr '${key}': step must be an integer, got ${by}`, {
      source: 'queue state',
      path: key,
    });
  }
  return by;
}

/** Redis reads COUNT 0 as "no limit"; a positive integer keeps both backends alike. */
export function checkCount(count: number, queue: string, op: string): number {
  if (!Number.isSafeInteger(count) || count <= 0) {
    throw new VigilError(ErrorCode.INTERNAL, `queue '${queue}' ${op}: count must be a positive integer, got ${count}`, {
      source: `queue ${queue}`,
    });
  }
  return count;
}

/** A message body as JSON; a body JSON cannot represent is refused when it is published. */
export function encodeBody(queue: string, body: unknown, where: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (err) {
    throw new VigilError(
      ErrorCode.INTERNAL,
      `queue '${queue}': message body${where} is not JSON-serialisable: ${(err as Error).message}`,
      { source: `queue ${queue}`, path: where || undefined },
      { cause: err },
    );
  }
  if (json === undefined) {
    throw new VigilError(
      ErrorCode.INTERNAL,
      `queue '${queue}': message body${where} is ${typeof body}, which JSON cannot represent`,
      { source: `queue ${queue}`, path: where || undefined },
    );
  }
  return json;
}
