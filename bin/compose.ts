// The composition root: the only module that builds engines and wires every stage together.
// Stages talk through the queue backend (events → detection → alerts → response → notices),
// so the same wiring runs in one process or split across processes by --roles.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ApiKeyService } from '../core/auth/api-keys.ts';
import { keyRoutes } from '../core/auth/key-routes.ts';
import type { Config } from '../core/config.ts';
import type { EcsEvent } from '../core/ecs.ts';
import { auditRoutes } from '../core/http/audit-routes.ts';
import { consoleRoutes } from '../core/http/console.ts';
import { type ApiRoutes, buildHttpServer, type ReadinessCheck } from '../core/http/server.ts';
import { toErrorRecord, VigilError } from '../core/errors.ts';
import { whoamiRoutes } from '../core/http/whoami-routes.ts';
import type { Logger } from '../core/logging.ts';
import { type EventMessage, type Notice, QueueName } from '../core/messages.ts';
import { createQueueBackend, type QueueBackend } from '../core/queue/index.ts';
import { checkServices } from '../core/services/check.ts';
import { createStorageEngine } from '../core/storage/index.ts';
import type { Alert, StorageEngine } from '../core/storage/types.ts';
import { ensureLocalTls } from '../core/tls/local-ca.ts';
import { loadEnrichment } from '../ingest/enrich/index.ts';
import { metricsRoutes } from '../dashboards/http/metrics-routes.ts';
import { reportRoutes } from '../dashboards/http/report-routes.ts';
import { loadCategoryLabels } from '../dashboards/reports/category-labels.ts';
import { ruleRoutes } from '../detection/http/rule-routes.ts';
import { bundledRuleDir } from '../detection/pipelines/index.ts';
import { createRuleCatalog, type RuleCatalog } from '../detection/rules-catalog.ts';
import { parseScheduledConfig } from '../detection/scheduled/index.ts';
import { createDetectionStage, type DetectionRuleSet, loadDetectionRules } from '../detection/stream/index.ts';
import { eventRoutes } from '../ingest/http/event-routes.ts';
import { ingestRoutes } from '../ingest/http/ingest-routes.ts';
import { createIngestPipeline, type EventSink, type IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { startSyslogServer } from '../ingest/sources/syslog.ts';
import { createAlertConsumer } from '../response/alerts/consumer.ts';
import { createAlertIntake } from '../response/alerts/intake.ts';
import { alertRoutes } from '../response/http/alert-routes.ts';
import { incidentRoutes } from '../response/http/incident-routes.ts';
import { createClockTicker } from '../response/incidents/clocks.ts';
import { type IncidentConfigInput, incidentConfig } from '../response/incidents/config.ts';
import { incidentPort } from '../response/incidents/playbook-port.ts';
import { IncidentService } from '../response/incidents/service.ts';
import { playbookRoutes } from '../response/http/playbook-routes.ts';
import { loadPlaybookEngine } from '../response/playbooks/load-engine.ts';
import { createPlaybookRunner } from '../response/playbooks/runner.ts';
import { createPlaybookWorker } from '../response/playbooks/worker.ts';
import { createWebhookStage } from '../response/webhooks/stage.ts';

export const ServerRole = { ingest: 'ingest', detect: 'detect', respond: 'respond', api: 'api' } as const;
export type ServerRole = (typeof ServerRole)[keyof typeof ServerRole];
export const allRoles: readonly ServerRole[] = Object.values(ServerRole);

/** The playbooks shipped with Vigil. */
export const bundledPlaybookDir = fileURLToPath(new URL('../rules/playbooks/', import.meta.url));
/** The analyst console, built by `npm run build:console` (run by npm install). */
export const consoleDir = fileURLToPath(new URL('../dashboards/console/dist/', import.meta.url));

export interface Engines {
  store: StorageEngine;
  queues: QueueBackend;
}

/** The storage engine the configuration names (commands that only need the store use this too). */
export function openStore(config: Config, logger: Logger): StorageEngine {
  const es = config.elasticsearch;
  return createStorageEngine({
    kind: config.store,
    dataDir: config.dataDir,
    logger,
    ...(config.store === 'elasticsearch'
      ? {
          elasticsearch: {
            url: es.url,
            ...(es.apiKey ? { apiKey: es.apiKey } : {}),
            ...(es.username ? { username: es.username, password: es.password ?? '' } : {}),
            ...(es.caCert ? { caCert: es.caCert } : {}),
            indexPrefix: es.indexPrefix,
            namespace: es.namespace,
            retentionDays: es.retentionDays,
            manageTemplates: es.manageTemplates,
            bulk: {
              maxDocs: es.bulkMaxDocs,
              maxBytes: es.bulkMaxBytes,
              flushIntervalMs: es.bulkFlushMs,
              maxPendingDocs: es.bulkMaxPendingDocs,
              retryTimeoutMs: es.bulkRetryTimeoutMs,
            },
          },
        }
      : {}),
  });
}

/** Opens the store and queue backend the configuration names (after checking they can be reached). */
export async function openEngines(config: Config, logger: Logger): Promise<Engines> {
  await checkServices(config);
  const store = openStore(config, logger);
  // Elasticsearch creates its templates and indices here, and names a missing privilege.
  const health = await store.ready();
  if (!health.ok) {
    await store.close();
    throw new VigilError('CONFIG_UNREACHABLE', `store (${config.store}): ${health.detail}`, { source: 'config', path: 'store' });
  }
  const queues = createQueueBackend({ redisUrl: config.redisUrl, logger });
  return { store, queues };
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  engines: Engines;
  pipeline: IngestPipeline;
  syslogPorts: { udp?: number; tcp?: number; tls?: number };
  /** Stops accepting, drains work in flight, flushes and closes the store. */
  stop(): Promise<void>;
}

export interface ServeHooks {
  /** Called once with the first admin key when the store had none (print it; never log it). */
  onBootstrapKey?(key: string, generated: boolean): void;
  version: string;
  /** @default every role */
  roles?: readonly ServerRole[];
}

function httpsOptions(config: Config): { cert: string; key: string } | undefined {
  if (config.tls === 'auto') {
    const m = ensureLocalTls(config.dataDir, config.host);
    return { cert: m.cert, key: m.key };
  }
  if (config.tls === 'files') return { cert: readFileSync(config.tlsCert as string, 'utf8'), key: readFileSync(config.tlsKey as string, 'utf8') };
  return undefined;
}

function syslogTls(config: Config): { cert: string; key: string; ca?: string } | undefined {
  if (config.syslog.tlsPort === undefined) return undefined;
  const local = config.syslog.tlsCert ? undefined : ensureLocalTls(config.dataDir, config.host);
  return {
    cert: config.syslog.tlsCert ? readFileSync(config.syslog.tlsCert, 'utf8') : (local as { cert: string }).cert,
    key: config.syslog.tlsKey ? readFileSync(config.syslog.tlsKey, 'utf8') : (local as { key: string }).key,
    ...(config.syslog.tlsCa ? { ca: readFileSync(config.syslog.tlsCa, 'utf8') } : {}),
  };
}

/**
 * Stored events go on to streaming detection. The sink resolves only once the events are in the
 * store and (when a detection stage exists anywhere) queued for it: that is the ingest ack.
 */
export function storeAndQueueSink(store: StorageEngine, queues: QueueBackend, detect: boolean): EventSink {
  const events = queues.queue<EventMessage>(QueueName.events);
  return {
    async push(docs: EcsEvent[]) {
      const ids = await store.events.append(docs);
      if (!detect) return;
      // Dead letters are searchable in the store but are not events to detect on.
      const messages: EventMessage[] = [];
      for (let i = 0; i < docs.length; i++) {
        if ((docs[i].event as { kind?: unknown } | undefined)?.kind !== 'pipeline_error') messages.push({ id: ids[i], doc: docs[i] });
      }
      if (messages.length) await events.publishBatch(messages);
    },
  };
}

/** Unique per process; what a dead process left pending is claimed by the others once idle long enough. */
function consumerName(role: string): string {
  return `${role}-${hostname()}-${process.pid}`;
}

export async function startServer(config: Config, logger: Logger, hooks: ServeHooks): Promise<RunningServer> {
  const roles = new Set<ServerRole>(hooks.roles ?? allRoles);
  // Checked before anything opens, so a bad incidents.* setting stops start-up with one message.
  const incidentSettings = incidentConfig(config.incidents as IncidentConfigInput);
  const engines = await openEngines(config, logger);
  const { store, queues } = engines;
  const keys = new ApiKeyService(store.keys);
  const boot = await keys.bootstrap(config.bootstrapAdminKey);
  if (boot) {
    await store.audit.append({ actor: 'system', action: 'keys.bootstrap', target: 'key:bootstrap-admin', after: { role: 'admin' } });
    hooks.onBootstrapKey?.(boot.key, boot.generated);
  }

  // Ingest: enrichment, the pipeline, its HTTP routes and the syslog listeners.
  const enrichment = await loadEnrichment(config.enrich);
  if (enrichment.intelErrors.length) logger.warn({ errors: enrichment.intelErrors.slice(0, 20) }, 'some threat-intel entries were skipped');
  const pipeline = createIngestPipeline({
    sink: storeAndQueueSink(store, queues, roles.has('detect') || queues.kind === 'redis'),
    ...(enrichment.enrich ? { enrich: enrichment.enrich } : {}),
    maxInFlight: config.ingest.maxInFlight,
    logger,
  });

  // Background work this process runs, stopped in order on shutdown.
  const background = new AbortController();
  const workers: Array<Promise<void>> = [];
  const stoppers: Array<() => Promise<void>> = [];

  // Detection: streaming workers on the events queue and the scheduled-search loop. The rule set
  // is loaded once; the API's rule catalog (browse, enable/disable) is built from the same set.
  const scheduled = parseScheduledConfig(config.detection.scheduled);
  const ruleSet: DetectionRuleSet | undefined =
    roles.has('detect') || roles.has('api')
      ? loadDetectionRules({
          rulePaths: config.detection.rules.length ? config.detection.rules : [bundledRuleDir],
          ...(config.detection.pipelines.length ? { pipelinePaths: config.detection.pipelines } : {}),
        })
      : undefined;
  let catalog: RuleCatalog | undefined;
  const detection = roles.has('detect')
    ? createDetectionStage({
        store,
        queues,
        rules: ruleSet,
        isEnabled: (id: string) => !config.detection.disabledRules.includes(id) && (catalog?.isEnabled(id) ?? true),
        workers: config.detection.workers,
        consumerPrefix: consumerName('detect'),
        batchSize: config.detection.batchSize,
        claimIdleMs: config.detection.claimIdleMs,
        // Look for a dead worker's events at least twice per idle period (30 s at the default 60 s),
        // so a shorter claimIdleMs also means a quicker recovery.
        claimEveryMs: Math.min(30_000, Math.max(500, Math.floor(config.detection.claimIdleMs / 2))),
        scheduled,
        maxCatchUpWindows: config.detection.maxCatchUpWindows,
        logger,
      })
    : undefined;
  catalog = ruleSet
    ? await createRuleCatalog({ rules: ruleSet.compiled.map((c) => c.rule), correlations: ruleSet.correlations, docs: store.docs })
    : undefined;
  // Rules switched on or off through another process's API reach this one's detection.
  if (catalog && detection && queues.kind === 'redis') {
    const refresher = setInterval(() => void catalog?.refresh().catch((err) => logger.warn({ err }, 'rule settings refresh failed')), 10_000);
    refresher.unref();
    stoppers.push(async () => clearInterval(refresher));
  }
  detection?.start();

  // Response: alerts from the queue into incidents; the incident service behind the analyst API;
  // SLA and reporting clocks.
  const notices = queues.queue<Notice>(QueueName.notices);
  const incidents = new IncidentService({ store, notices, config: incidentSettings });
  if (roles.has('respond')) {
    const intake = createAlertIntake({ store, notices, config: incidentSettings });
    const consumer = createAlertConsumer({ queue: queues.queue<Alert>(QueueName.alerts), intake, consumer: consumerName('incidents') });
    workers.push(consumer.run(background.signal));
    const ticker = createClockTicker({ store, notices, config: incidentSettings }).start(config.incidents.clockTickMs, (err) =>
      logger.error({ err }, 'incident clock tick failed'),
    );
    stoppers.push(() => ticker.stop());
  }

  // Playbooks: loaded from YAML (bad files are reported; the valid ones run). The runner also
  // serves approvals through the API, so it exists even where the respond role does not run.
  const playbookEngine = loadPlaybookEngine({
    dir: config.playbooks.dir ?? bundledPlaybookDir,
    ...(config.playbooks.connectorsFile ? { connectorsFile: config.playbooks.connectorsFile } : {}),
    ...(config.playbooks.intelDir ? { intelDir: config.playbooks.intelDir } : {}),
  });
  for (const e of playbookEngine.errors) logger.error({ err: toErrorRecord(e) }, e.message);
  const runner = createPlaybookRunner({
    store: store.runs,
    incidents: incidentPort(incidents),
    notices,
    playbooks: playbookEngine.playbooks,
    connectors: playbookEngine.connectors,
    ...(playbookEngine.intel ? { intel: playbookEngine.intel } : {}),
    logger,
    // One process on the embedded store owns every run: a restart takes over interrupted steps at once.
    exclusive: queues.kind !== 'redis',
  });
  if (roles.has('respond') && config.playbooks.enabled) {
    const worker = createPlaybookWorker({ runner, notices, consumer: consumerName('playbooks'), tickMs: config.playbooks.tickMs, logger });
    await worker.start();
    stoppers.push(() => worker.stop());
  }

  // Webhooks: subscriptions and exports (API), fan-out and delivery (respond), inbound sources
  // authenticated by their signatures (public context).
  const webhooks = createWebhookStage({
    store,
    queues,
    settings: config.webhooks,
    pushEvents: async (events) => {
      await pipeline.ingestDocuments(events, { dataset: 'auto', source: 'webhook' });
    },
    consumer: consumerName('webhooks'),
    logger,
    productVersion: hooks.version,
  });
  if (roles.has('respond')) {
    webhooks.start();
    stoppers.push(() => webhooks.stop());
  }

  const routes: ApiRoutes[] = [];
  if (roles.has('api')) routes.push(...webhooks.apiRoutes);
  if (roles.has('api')) {
    routes.push(
      { plugin: keyRoutes, options: { keys } },
      { plugin: whoamiRoutes },
      ...(catalog ? [{ plugin: ruleRoutes, options: { catalog } }] : []),
      { plugin: auditRoutes, options: { audit: store.audit } },
      { plugin: eventRoutes, options: { events: store.events } },
      { plugin: incidentRoutes, options: { incidents } },
      { plugin: alertRoutes, options: { incidents } },
      { plugin: playbookRoutes, options: { runner, runs: store.runs } },
      { plugin: metricsRoutes, options: { store, loadedRuleTags: () => ruleSet?.compiled.map((c) => c.rule.tags) ?? [] } },
      { plugin: reportRoutes, options: { store, dataDir: resolve(config.dataDir), labels: loadCategoryLabels() } },
    );
  }
  if (roles.has('ingest')) routes.push({ plugin: ingestRoutes, options: { pipeline, maxDecompressedBytes: config.ingest.maxDecompressedBytes } });

  const readiness: ReadinessCheck[] = [{ name: `store (${store.kind})`, check: () => store.ready() }];
  if (queues.kind === 'redis') readiness.push({ name: 'redis', check: () => queues.ready() });

  const app = await buildHttpServer({
    logger,
    keys,
    audit: store.audit,
    bodyLimit: config.http.bodyLimit,
    routes,
    readiness,
    https: httpsOptions(config),
    version: hooks.version,
    rootRoutes: roles.has('api') ? [{ plugin: consoleRoutes, options: { dir: consoleDir } }] : [],
    publicRoutes: roles.has('api') || roles.has('ingest') ? [webhooks.inboundRoutes] : [],
  });
  const address = await app.listen({ host: config.host, port: config.port });

  const syslog =
    roles.has('ingest') && (config.syslog.udpPort !== undefined || config.syslog.tcpPort !== undefined || config.syslog.tlsPort !== undefined)
      ? await startSyslogServer({
          host: config.syslog.host ?? config.host,
          udpPort: config.syslog.udpPort,
          tcpPort: config.syslog.tcpPort,
          tlsPort: config.syslog.tlsPort,
          tls: syslogTls(config),
          pipeline,
          defaultTz: config.syslog.timezone,
          dataset: config.syslog.dataset,
          maxFrameBytes: config.syslog.maxFrameBytes,
          udpBufferSize: config.syslog.udpBuffer,
          logger,
        })
      : undefined;
  logger.info(
    { address, roles: [...roles], store: store.kind, queues: queues.kind, tls: config.tls, syslog: syslog?.ports, enrichment: enrichment.summary },
    'vigil listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down: no new requests; draining work in flight');
      const deadline = new Promise<void>((r) => setTimeout(r, config.shutdownTimeoutMs).unref());
      await Promise.race(
        [
          (async () => {
            await syslog?.close();
            await app.close();
            await pipeline.drain();
            await detection?.stop();
            background.abort();
            await Promise.all(workers);
            for (const stopWorker of stoppers) await stopWorker();
          })(),
          deadline,
        ],
      );
      await queues.close();
      await store.close();
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { app, url: address, engines, pipeline, syslogPorts: syslog?.ports ?? {}, stop };
}
