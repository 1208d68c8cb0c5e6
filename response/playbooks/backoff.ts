// Retry delays: exponential with full jitter (a random delay between 0 and the exponential cap),
// so many runs failing against one endpoint do not retry in lockstep.
import type { RetryPolicy } from './model.ts';

/** Delay before attempt `attempt + 1`, after `attempt` failed attempts (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
