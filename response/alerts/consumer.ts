// The intake worker: takes alerts from the `alerts` queue (QueueName.alerts) in a consumer group,
// hands them to the intake and acknowledges them only once handled, and picks up messages a dead
// worker left pending. Intake is idempotent on alert id, so a redelivered batch does no harm.
import type { Logger } from 'pino';
import type { QueueMessage, WorkQueue } from '../../core/queue/types.ts';
import type { Alert } from '../../core/storage/types.ts';
import type { AlertIntake, IntakeResult } from './intake.ts';

export interface AlertConsumerOptions {
  queue: WorkQueue<Alert>;
  intake: AlertIntake;
  /** @default 'incidents' */
  group?: string;
  /** Stable per worker (hostname + pid). */
  consumer: string;
  /** @default 100 */
  batchSize?: number;
  /** How long one poll waits for new alerts. @default 1000 */
  blockMs?: number;
  /** Messages pending this long on another consumer are taken over. @default 60_000 */
  staleMs?: number;
  logger?: Logger;
}

export interface AlertConsumer {
  /** One poll: stale messages first, then new ones. Resolves with what the intake did (undefined: nothing to do). */
  pollOnce(): Promise<IntakeResult | undefined>;
  /** Polls until the signal aborts; errors are logged and the batch stays pending for a retry. */
  run(signal: AbortSignal): Promise<void>;
}

export function createAlertConsumer(opts: AlertConsumerOptions): AlertConsumer {
  const group = opts.group ?? 'incidents';
  const count = opts.batchSize ?? 100;
  const blockMs = opts.blockMs ?? 1000;
  const staleMs = opts.staleMs ?? 60_000;

  async function handle(messages: QueueMessage<Alert>[]): Promise<IntakeResult> {
    const result = await opts.intake.handle(messages.map((m) => m.body));
    await opts.queue.ack(
      group,
      messages.map((m) => m.id),
    );
    return result;
  }

  const consumer: AlertConsumer = {
    async pollOnce() {
      const stale = await opts.queue.claimStale(group, opts.consumer, staleMs, count);
      if (stale.length) return handle(stale);
      const fresh = await opts.queue.consume(group, opts.consumer, { count, blockMs });
      return fresh.length ? handle(fresh) : undefined;
    },
    async run(signal) {
      while (!signal.aborted) {
        try {
          await consumer.pollOnce();
        } catch (err) {
          opts.logger?.error({ err, group, consumer: opts.consumer }, 'alert intake failed; the batch stays pending and is retried');
          await new Promise((r) => setTimeout(r, Math.min(blockMs, 1000)));
        }
      }
    },
  };
  return consumer;
}
