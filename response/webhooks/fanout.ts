// Notices → outbox deliveries. Each notice is matched against the subscriptions (event type +
// filter); each match becomes one outbox delivery whose id is stable per (notice, subscription), so
// handling a notice twice (redelivered after a crash) never sends twice. The payload is rendered
// now, in the subscription's format, so a delivery shows the incident as it was when it happened.
import { stableId } from '../../core/ids.ts';
import type { Logger } from '../../core/logging.ts';
import { type Notice, NoticeType } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import type { Alert, Incident, StorageEngine } from '../../core/storage/types.ts';
import { buildEcsAlertDoc } from '../exports/ecs.ts';
import { buildDetectionFinding, OcsfActivity } from '../exports/ocsf.ts';
import { type PayloadFormat, type SubscriptionService, subscriptionMatches } from './subscriptions.ts';

export interface WebhookEnvelope {
  type: string;
  timestamp: string;
  data: unknown;
}

export interface NoticeContext {
  notice: Notice;
  incident?: Incident;
  alert?: Alert;
}

export interface RenderOptions {
  vendorName?: string;
  productVersion?: string;
}

function activityOf(notice: Notice): OcsfActivity {
  if (notice.type === NoticeType.alertCreated || notice.type === NoticeType.incidentCreated) return OcsfActivity.create;
  if (notice.type === NoticeType.incidentStateChanged && notice.data.to === 'closed') return OcsfActivity.close;
  return OcsfActivity.update;
}

/** The envelope `{type, timestamp, data}` as the body string that gets signed and sent. */
export function renderPayload(format: PayloadFormat, ctx: NoticeContext, opts: RenderOptions = {}): string {
  const { notice, incident, alert } = ctx;
  let data: unknown;
  switch (format) {
    case 'vigil': {
      const d: Record<string, unknown> = { noticeId: notice.id, details: notice.data };
      if (notice.incidentId) d.incidentId = notice.incidentId;
      if (notice.alertId) d.alertId = notice.alertId;
      if (incident) d.incident = incident;
      if (alert) d.alert = alert;
      data = d;
      break;
    }
    case 'ecs': {
      const doc = buildEcsAlertDoc(alert, incident);
      (doc.event as Record<string, unknown>).action = notice.type;
      (doc.vigil as Record<string, unknown>).notice = { id: notice.id, details: notice.data };
      data = doc;
      break;
    }
    case 'ocsf':
      data = buildDetectionFinding(alert, incident, { activity: activityOf(notice), ...opts });
      break;
  }
  const envelope: WebhookEnvelope = { type: notice.type, timestamp: notice.at, data };
  return JSON.stringify(envelope);
}

/** The delivery id for a notice and a subscription; also the webhook-id receivers dedup on. */
export function deliveryId(noticeId: string, subscriptionId: string): string {
  return `msg_${stableId('webhook-delivery', noticeId, subscriptionId)}`;
}

export interface WebhookFanoutOptions {
  store: Pick<StorageEngine, 'alerts' | 'incidents' | 'outbox'>;
  subscriptions: SubscriptionService;
  now?: () => number;
  render?: RenderOptions;
}

export class WebhookFanout {
  constructor(private readonly opts: WebhookFanoutOptions) {}

  /** Enqueues one delivery per matching subscription; returns how many. */
  async onNotice(notice: Notice): Promise<number> {
    const subs = (await this.opts.subscriptions.list()).filter((s) => s.events.includes(notice.type));
    if (subs.length === 0) return 0;
    const { alerts, incidents, outbox } = this.opts.store;
    const incident = notice.incidentId ? await incidents.get(notice.incidentId) : undefined;
    let alert = notice.alertId ? await alerts.get(notice.alertId) : undefined;
    // ECS and OCSF describe an alert: for an incident notice, the incident's first alert stands in.
    if (!alert && incident && subs.some((s) => s.format !== 'vigil')) {
      alert = (await alerts.list({ incidentId: incident.id }, { limit: 1 })).items[0];
    }
    if (!incident && !alert) return 0;
    const subject = { severity: incident?.severity ?? alert?.severity, category: incident?.category };
    const matching = subs.filter((s) => subscriptionMatches(s, notice.type, subject));
    if (matching.length === 0) return 0;
    const rendered = new Map<PayloadFormat, string>();
    const at = new Date((this.opts.now ?? Date.now)()).toISOString();
    const orderingKey = incident?.id ?? alert?.id ?? notice.id;
    const deliveries = matching.map((s) => {
      let payload = rendered.get(s.format);
      if (payload === undefined) {
        payload = renderPayload(s.format, { notice, incident, alert }, this.opts.render);
        rendered.set(s.format, payload);
      }
      return { id: deliveryId(notice.id, s.id), subscriptionId: s.id, eventType: notice.type, orderingKey, payload, nextAttemptAt: at, createdAt: at };
    });
    await outbox.enqueue(deliveries);
    return deliveries.length;
  }
}

export interface WebhookFanoutConsumerOptions {
  fanout: WebhookFanout;
  notices: WorkQueue<Notice>;
  /** @default 'webhooks' */
  group?: string;
  /** Stable per process. @default 'webhooks-1' */
  consumer?: string;
  /** @default 1000 */
  blockMs?: number;
  /** Notices pending this long on a dead consumer are taken over. @default 60000 */
  claimIdleMs?: number;
  logger?: Logger;
}

export interface WebhookFanoutConsumer {
  start(): void;
  stop(): Promise<void>;
}

/** Reads the notices queue with its own group ('webhooks') and feeds the fan-out. */
export function createWebhookFanoutConsumer(opts: WebhookFanoutConsumerOptions): WebhookFanoutConsumer {
  const group = opts.group ?? 'webhooks';
  const consumer = opts.consumer ?? 'webhooks-1';
  let running = false;
  let loop: Promise<void> | undefined;

  async function handle(batch: Array<{ id: string; body: Notice }>): Promise<void> {
    const done: string[] = [];
    // In queue order, one at a time: deliveries of one incident are created in notice order.
    for (const m of batch) {
      try {
        await opts.fanout.onNotice(m.body);
        done.push(m.id);
      } catch (err) {
        // Left pending; claimed again later. Stable delivery ids make the second pass harmless.
        opts.logger?.error({ err, notice: m.body.id }, 'webhooks: notice not fanned out');
      }
    }
    if (done.length) await opts.notices.ack(group, done);
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        const stale = await opts.notices.claimStale(group, consumer, opts.claimIdleMs ?? 60_000, 50);
        if (stale.length) await handle(stale);
        const batch = await opts.notices.consume(group, consumer, { count: 50, blockMs: opts.blockMs ?? 1000 });
        if (batch.length) await handle(batch);
      } catch (err) {
        opts.logger?.error({ err }, 'webhooks: reading notices failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
