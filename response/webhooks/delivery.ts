// Sends outbox deliveries: claims the due head of each ordering key (so one incident's deliveries
// go out in order), POSTs each with Standard Webhooks headers signed by the subscription's active
// secrets, and records the outcome. 2xx is delivered; anything else (status, refused connection,
// timeout) is retried with exponential backoff and full jitter until maxAttempts (and at least
// minRetryWindowMs after the delivery was created), then dead.
import { ErrorCode, type ErrorRecord, toErrorRecord, VigilError } from '../../core/errors.ts';
import type { Logger } from '../../core/logging.ts';
import type { OutboxDelivery, WebhookOutbox } from '../../core/storage/types.ts';
import { signHeaders } from './signature.ts';
import type { SubscriptionService } from './subscriptions.ts';

export interface DeliveryWorkerOptions {
  outbox: WebhookOutbox;
  subscriptions: SubscriptionService;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default Date.now */
  now?: () => number;
  /** For the jitter. @default Math.random */
  random?: () => number;
  /** Attempts before a delivery is dead-lettered. @default 12 */
  maxAttempts?: number;
  /**
   * Never dead-letter a delivery younger than this, whatever its attempt count: full jitter can
   * draw short delays, and this keeps a receiver's outage of up to this long lossless. @default 7200000
   */
  minRetryWindowMs?: number;
  /** First retry's delay cap. @default 30000 */
  backoffBaseMs?: number;
  /** Largest delay cap. @default 3600000 */
  backoffMaxMs?: number;
  /** One POST's timeout. @default 10000 */
  timeoutMs?: number;
  /** Deliveries claimed per tick. @default 50 */
  batchSize?: number;
  /** @default 'Vigil-Webhooks' */
  userAgent?: string;
  logger?: Logger;
}

export interface TickResult {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
}

export interface DeliveryWorker {
  /** One pass: claim what is due and send it. */
  tick(): Promise<TickResult>;
  /** Ticks every intervalMs until stop(). */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

/** Full jitter: a random delay between 0 and min(max, base·2^(attempt-1)). */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

function statusError(d: OutboxDelivery, url: string, status: number, text: string): ErrorRecord {
  return {
    code: ErrorCode.WEBHOOK_DELIVERY_FAILED,
    message: `webhook ${d.id} to ${url}: HTTP ${status}${text ? ` ${text.slice(0, 200)}` : ''}`,
    location: { source: url },
    retryable: true,
  };
}

export function createDeliveryWorker(opts: DeliveryWorkerOptions): DeliveryWorker {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const doFetch = opts.fetch ?? globalThis.fetch;
  const maxAttempts = opts.maxAttempts ?? 12;
  const minWindowMs = opts.minRetryWindowMs ?? 2 * 3600_000;
  const baseMs = opts.backoffBaseMs ?? 30_000;
  const maxMs = opts.backoffMaxMs ?? 3_600_000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // The lease outlives one send, so a slow receiver is not sent the same delivery twice.
  const leaseMs = timeoutMs + 30_000;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();
  let busy = false;

  async function fail(d: OutboxDelivery, error: ErrorRecord, status: number | undefined, result: TickResult): Promise<void> {
    if (d.attempts >= maxAttempts && now() - Date.parse(d.createdAt) >= minWindowMs) {
      await opts.outbox.markFailed(d.id, error, status, undefined);
      result.dead++;
      opts.logger?.warn({ delivery: d.id, attempts: d.attempts, error: error.message }, 'webhooks: delivery dead-lettered');
      return;
    }
    const next = new Date(now() + retryDelay(d.attempts, baseMs, maxMs, random)).toISOString();
    await opts.outbox.markFailed(d.id, error, status, next);
    result.retried++;
  }

  async function send(d: OutboxDelivery, result: TickResult): Promise<void> {
    const sub = await opts.subscriptions.get(d.subscriptionId);
    if (!sub) {
      // Nothing to send to any more: dead at once instead of retrying for hours.
      const err = new VigilError(ErrorCode.NOT_FOUND, `webhook ${d.id}: subscription ${d.subscriptionId} was deleted`, { source: 'outbox', path: d.id });
      await opts.outbox.markFailed(d.id, toErrorRecord(err), undefined, undefined);
      result.dead++;
      return;
    }
    const sentAt = now();
    const secrets = opts.subscriptions.activeSecrets(sub, sentAt).map((s) => s.secret);
    const headers = {
      ...signHeaders(secrets, d.id, Math.floor(sentAt / 1000), d.payload),
      'content-type': 'application/json',
      'idempotency-key': d.id,
      'user-agent': opts.userAgent ?? 'Vigil-Webhooks',
    };
    let res: Response;
    let text: string;
    try {
      res = await doFetch(sub.url, { method: 'POST', headers, body: d.payload, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text().catch(() => '');
    } catch (err) {
      const cause = err as Error & { cause?: { code?: string } };
      const reason = cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause.cause?.code ?? cause.message);
      const error: ErrorRecord = { code: ErrorCode.WEBHOOK_DELIVERY_FAILED, message: `webhook ${d.id} to ${sub.url}: ${reason}`, location: { source: sub.url }, retryable: true };
      await fail(d, error, undefined, result);
      return;
    }
    // Recording the outcome is outside the try: a store error after a 2xx must not count as a failed send.
    if (res.status >= 200 && res.status < 300) {
      await opts.outbox.markDelivered(d.id, res.status, new Date(now()).toISOString());
      result.delivered++;
      return;
    }
    await fail(d, statusError(d, sub.url, res.status, text), res.status, result);
  }

  async function tick(): Promise<TickResult> {
    const due = await opts.outbox.claimDue(new Date(now()).toISOString(), opts.batchSize ?? 50, leaseMs);
    const result: TickResult = { claimed: due.length, delivered: 0, retried: 0, dead: 0 };
    // One delivery per ordering key is claimed, so sending them in parallel keeps per-key order.
    await Promise.all(
      due.map((d) =>
        send(d, result).catch((err) => {
          // The outcome could not be stored: the lease runs out and the delivery is sent again.
          opts.logger?.error({ err, delivery: d.id }, 'webhooks: recording a delivery outcome failed');
        }),
      ),
    );
    return result;
  }

  return {
    tick,
    start(intervalMs) {
      if (timer) return;
      timer = setInterval(() => {
        // A slow tick is not stacked on: the next interval finds it busy and skips.
        if (busy) return;
        busy = true;
        current = tick()
          .catch((err) => opts.logger?.error({ err }, 'webhooks: delivery tick failed'))
          .finally(() => {
            busy = false;
          });
      }, intervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await current;
    },
  };
}
