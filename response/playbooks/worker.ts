// Drives a playbook runner in a serving process: consumes the 'notices' queue with its own
// consumer group (starting runs), ticks on an interval (retries, approval timeouts, expired
// leases), and resumes unfinished runs on start. The composition root creates one per process.
import type { Logger } from '../../core/logging.ts';
import type { Notice } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import type { PlaybookRunner } from './runner.ts';

export interface PlaybookWorkerOptions {
  runner: PlaybookRunner;
  notices: WorkQueue<Notice>;
  /** @default 'playbooks' */
  group?: string;
  /** Stable per process (on Redis each consumer gets its own connection). @default 'playbooks-1' */
  consumer?: string;
  /** @default 1000 */
  tickMs?: number;
  /** How long one consume call waits for notices. @default 1000 */
  blockMs?: number;
  /** Notices pending this long on a dead consumer are taken over. @default 60000 */
  claimIdleMs?: number;
  logger?: Logger;
}

export interface PlaybookWorker {
  /** Resumes unfinished runs, then consumes and ticks until stop(). */
  start(): Promise<void>;
  /** Stops taking new work and waits for the work in hand. */
  stop(): Promise<void>;
}

export function createPlaybookWorker(opts: PlaybookWorkerOptions): PlaybookWorker {
  const group = opts.group ?? 'playbooks';
  const consumer = opts.consumer ?? 'playbooks-1';
  const log = opts.logger;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let consuming: Promise<void> | undefined;
  let ticking: Promise<unknown> = Promise.resolve();

  async function handle(batch: Array<{ id: string; body: Notice }>): Promise<void> {
    const done: string[] = [];
    for (const m of batch) {
      try {
        await opts.runner.onNotice(m.body);
        done.push(m.id);
      } catch (err) {
        // Left pending: claimed again after claimIdleMs (the run id dedups a second start).
        log?.error({ err, notice: m.body.id }, 'playbooks: notice not handled');
      }
    }
    if (done.length) await opts.notices.ack(group, done);
  }

  async function consumeLoop(): Promise<void> {
    while (running) {
      try {
        const stale = await opts.notices.claimStale(group, consumer, opts.claimIdleMs ?? 60_000, 50);
        if (stale.length) await handle(stale);
        const batch = await opts.notices.consume(group, consumer, { count: 50, blockMs: opts.blockMs ?? 1000 });
        if (batch.length) await handle(batch);
      } catch (err) {
        log?.error({ err }, 'playbooks: reading notices failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  return {
    async start() {
      if (running) return;
      running = true;
      const resumed = await opts.runner.resume();
      if (resumed) log?.info({ resumed }, 'playbooks: resumed unfinished runs');
      consuming = consumeLoop();
      timer = setInterval(() => {
        ticking = ticking.then(() => opts.runner.tick()).catch((err) => log?.error({ err }, 'playbooks: tick failed'));
      }, opts.tickMs ?? 1000);
    },
    async stop() {
      running = false;
      clearInterval(timer);
      await consuming;
      await ticking;
      await opts.runner.settle();
    },
  };
}
