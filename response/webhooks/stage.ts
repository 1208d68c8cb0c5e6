// Everything webhooks need, built from collaborators and settings in one call, for the composition
// root: the fan-out consumer (notices → outbox, group 'webhooks'), the delivery worker (ticks on an
// interval), the subscription API and export routes, and the inbound routes (registered in a
// sibling context without the API-key hook).
import type { EcsEvent } from '../../core/ecs.ts';
import { toErrorRecord } from '../../core/errors.ts';
import type { ApiRoutes } from '../../core/http/server.ts';
import type { Logger } from '../../core/logging.ts';
import { type Notice, QueueName } from '../../core/messages.ts';
import type { QueueBackend } from '../../core/queue/types.ts';
import type { Alert, StorageEngine } from '../../core/storage/types.ts';
import type { Tlp } from '../exports/stix.ts';
import { exportRoutes } from '../http/export-routes.ts';
import { inboundWebhookRoutes, webhookRoutes } from '../http/webhook-routes.ts';
import { createDeliveryWorker } from './delivery.ts';
import { createWebhookFanoutConsumer, WebhookFanout } from './fanout.ts';
import { InboundWebhooks } from './inbound/receiver.ts';
import { defaultSourcesFile, loadInboundSources } from './inbound/sources.ts';
import { SubscriptionService } from './subscriptions.ts';

/** The webhooks.* / exports.* settings (defaults in brackets). */
export interface WebhookSettings {
  /** Attempts before dead [12]. */
  maxAttempts?: number;
  /** No delivery is dead-lettered younger than this, ms [7200000]. */
  minRetryWindowMs?: number;
  /** First retry's delay cap, ms [30000]. */
  backoffBaseMs?: number;
  /** Largest delay cap, ms [3600000]. */
  backoffMaxMs?: number;
  /** One POST's timeout, ms [10000]. */
  timeoutMs?: number;
  /** How often the delivery worker looks for due deliveries, ms [1000]. */
  deliveryIntervalMs?: number;
  /** How long a rotated-out secret keeps signing, ms [86400000]. */
  rotationGraceMs?: number;
  /** Inbound sources file [rules/webhooks/sources.yml]. */
  sourcesFile?: string;
  /** Largest inbound body, bytes [1048576]. */
  inboundBodyLimit?: number;
  /** TLP marking of STIX exports ['amber']. */
  exportTlp?: Tlp;
}

export interface WebhookStageOptions {
  store: StorageEngine;
  queues: QueueBackend;
  settings?: WebhookSettings;
  /** Ingest pipeline push for inbound sources mapped `as: event`. */
  pushEvents?: (events: EcsEvent[]) => Promise<void>;
  /** Stable per process (consumer name on the notices queue). @default 'webhooks-1' */
  consumer?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  productVersion?: string;
}

export interface WebhookStage {
  subscriptions: SubscriptionService;
  inbound: InboundWebhooks;
  /** webhookRoutes + exportRoutes, for the API-key context. */
  apiRoutes: ApiRoutes[];
  /** inboundWebhookRoutes, for a sibling context under /api/v1 without the API-key hook. */
  inboundRoutes: ApiRoutes;
  /** Starts the fan-out consumer and the delivery worker (the respond role). */
  start(): void;
  stop(): Promise<void>;
}

export function createWebhookStage(opts: WebhookStageOptions): WebhookStage {
  const s = opts.settings ?? {};
  const { store, queues, logger } = opts;
  const subscriptions = new SubscriptionService({ docs: store.docs, rotationGraceMs: s.rotationGraceMs });
  const render = opts.productVersion ? { productVersion: opts.productVersion } : {};
  const fanout = new WebhookFanout({ store, subscriptions, render });
  const consumer = createWebhookFanoutConsumer({ fanout, notices: queues.queue<Notice>(QueueName.notices), consumer: opts.consumer, logger });
  const worker = createDeliveryWorker({
    outbox: store.outbox,
    subscriptions,
    maxAttempts: s.maxAttempts,
    minRetryWindowMs: s.minRetryWindowMs,
    backoffBaseMs: s.backoffBaseMs,
    backoffMaxMs: s.backoffMaxMs,
    timeoutMs: s.timeoutMs,
    userAgent: `Vigil-Webhooks${opts.productVersion ? `/${opts.productVersion}` : ''}`,
    logger,
  });
  const loaded = loadInboundSources(s.sourcesFile ?? defaultSourcesFile, opts.env ?? process.env);
  // A source that does not load stays off; the others work.
  for (const e of loaded.errors) logger?.warn({ err: toErrorRecord(e) }, e.message);
  const inbound = new InboundWebhooks({ sources: loaded.sources, docs: store.docs, alerts: queues.queue<Alert>(QueueName.alerts), pushEvents: opts.pushEvents });
  let started = false;
  return {
    subscriptions,
    inbound,
    apiRoutes: [
      { plugin: webhookRoutes, options: { subscriptions, outbox: store.outbox } },
      { plugin: exportRoutes, options: { store, defaultTlp: s.exportTlp, productVersion: opts.productVersion } },
    ],
    inboundRoutes: { plugin: inboundWebhookRoutes, options: { inbound, bodyLimit: s.inboundBodyLimit } },
    start() {
      if (started) return;
      started = true;
      consumer.start();
      worker.start(s.deliveryIntervalMs ?? 1000);
    },
    async stop() {
      if (!started) return;
      started = false;
      await consumer.stop();
      await worker.stop();
    },
  };
}
