// The composition root: the only module that builds engines and wires every stage together.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ApiKeyService } from '../core/auth/api-keys.ts';
import { keyRoutes } from '../core/auth/key-routes.ts';
import type { Config } from '../core/config.ts';
import { auditRoutes } from '../core/http/audit-routes.ts';
import { type ApiRoutes, buildHttpServer, type ReadinessCheck } from '../core/http/server.ts';
import type { Logger } from '../core/logging.ts';
import { createQueueBackend, type QueueBackend } from '../core/queue/index.ts';
import { checkServices } from '../core/services/check.ts';
import { createStorageEngine } from '../core/storage/index.ts';
import type { StorageEngine } from '../core/storage/types.ts';
import { ensureLocalTls } from '../core/tls/local-ca.ts';
import { eventRoutes } from '../ingest/http/event-routes.ts';

export interface Engines {
  store: StorageEngine;
  queues: QueueBackend;
}

/** Opens the store and queue backend the configuration names (after checking they can be reached). */
export async function openEngines(config: Config, logger: Logger): Promise<Engines> {
  await checkServices(config);
  const store = createStorageEngine({ kind: config.store, dataDir: config.dataDir, logger });
  const queues = createQueueBackend({ redisUrl: config.redisUrl, logger });
  return { store, queues };
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  engines: Engines;
  /** Stops accepting, drains work in flight, flushes and closes the store. */
  stop(): Promise<void>;
}

export interface ServeHooks {
  /** Called once with the first admin key when the store had none (print it; never log it). */
  onBootstrapKey?(key: string, generated: boolean): void;
  version: string;
}

function tlsOptions(config: Config): { cert: string; key: string } | undefined {
  if (config.tls === 'auto') {
    const m = ensureLocalTls(config.dataDir, config.host);
    return { cert: m.cert, key: m.key };
  }
  if (config.tls === 'files') return { cert: readFileSync(config.tlsCert as string, 'utf8'), key: readFileSync(config.tlsKey as string, 'utf8') };
  return undefined;
}

export async function startServer(config: Config, logger: Logger, hooks: ServeHooks): Promise<RunningServer> {
  const engines = await openEngines(config, logger);
  const { store, queues } = engines;
  const keys = new ApiKeyService(store.keys);
  const boot = await keys.bootstrap(config.bootstrapAdminKey);
  if (boot) {
    await store.audit.append({ actor: 'system', action: 'keys.bootstrap', target: 'key:bootstrap-admin', after: { role: 'admin' } });
    hooks.onBootstrapKey?.(boot.key, boot.generated);
  }

  const routes: ApiRoutes[] = [
    { plugin: keyRoutes, options: { keys } },
    { plugin: auditRoutes, options: { audit: store.audit } },
    { plugin: eventRoutes, options: { events: store.events } },
  ];
  const readiness: ReadinessCheck[] = [{ name: `store (${store.kind})`, check: () => store.ready() }];
  if (queues.kind === 'redis') readiness.push({ name: 'redis', check: () => queues.ready() });

  const https = tlsOptions(config);
  const app = await buildHttpServer({ logger, keys, audit: store.audit, bodyLimit: config.http.bodyLimit, routes, readiness, https, version: hooks.version });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address, store: store.kind, queues: queues.kind, tls: config.tls }, 'vigil listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down: no new requests; draining work in flight');
      const deadline = new Promise<void>((r) => setTimeout(r, config.shutdownTimeoutMs).unref());
      await Promise.race([app.close(), deadline]);
      await queues.close();
      await store.close();
      logger.info('shutdown complete');
    })();
    return stopping;
  };
  return { app, url: address, engines, stop };
}
