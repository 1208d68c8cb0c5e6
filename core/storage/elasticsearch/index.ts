// The Elasticsearch storage engine: every store on one cluster. The factory returns at once; the
// first call (or ready()/init()) checks the server, picks the REST compatibility headers, and
// creates the ILM policy, templates and indices. A setup that fails for a missing privilege fails
// every call with the message naming the privilege; one that fails because the cluster is
// unreachable is tried again on the next call.
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { ErrorCode, VigilError } from '../../errors.ts';
import type { Health } from '../../queue/types.ts';
import type { StorageEngine } from '../types.ts';
import { EsAlertStore } from './alert-store.ts';
import { EsAuditLog } from './audit-log.ts';
import { BulkIndexer } from './bulk-indexer.ts';
import { checkConnectionOptions, createEsClient, type EsConnectionOptions, isCompatibilityRefusal } from './client.ts';
import { EsContext } from './context.ts';
import { EsDocumentStore } from './document-store.ts';
import { translateEsError } from './es-errors.ts';
import { EsEventStore } from './event-store.ts';
import { EsIncidentStore } from './incident-store.ts';
import { EsApiKeyStore } from './key-store.ts';
import { EsWebhookOutbox } from './outbox.ts';
import { EsPlaybookRunStore } from './run-store.ts';
import { dropLayout, ensureLayout } from './setup.ts';
import { esLayout, type EsLayout } from './templates.ts';

export { compileQueryDsl } from './query-dsl.ts';
export { esLayout } from './templates.ts';

export interface EsBulkOptions {
  /** Documents per bulk request. @default 1000 */
  maxDocs?: number;
  /** Serialised bytes per bulk request. @default 5242880 (5 MiB) */
  maxBytes?: number;
  /** A partial batch is sent this long after its first event. @default 1000 */
  flushIntervalMs?: number;
  /** Events accepted but not yet indexed; append() waits beyond this (backpressure). @default 20000 */
  maxPendingDocs?: number;
  /** Bulk requests in flight at once. @default 2 */
  concurrency?: number;
  /** An event still failing this long after its first attempt fails its append (retryable). @default 300000 */
  retryTimeoutMs?: number;
  /** @default 200 */
  initialBackoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /**
   * 'wait_for': append resolves once the events are searchable (slower: one refresh per batch).
   * false: searchable within the index refresh interval (1 s). @default false
   */
  refresh?: false | 'wait_for';
}

export interface ElasticsearchOptions extends EsConnectionOptions {
  /** Prefix of the store indices, templates and ILM policy. @default 'vigil' */
  indexPrefix?: string;
  /** Event data streams are `logs-vigil.<dataset>-<namespace>`. @default 'default' */
  namespace?: string;
  /** Days events are kept (ILM delete phase). @default 30 */
  retentionDays?: number;
  /** Create the ILM policy and templates (false when an operator manages them). @default true */
  manageTemplates?: boolean;
  bulk?: EsBulkOptions;
  logger?: Logger;
  /** Milliseconds since the epoch for times the store sets itself. @default Date.now */
  clock?: () => number;
  /** Delete every index, data stream, template and policy of this prefix/namespace on close (test clusters). @default false */
  dropOnClose?: boolean;
}

export interface ElasticsearchEngine extends StorageEngine {
  readonly kind: 'elasticsearch';
  readonly layout: EsLayout;
  /** Checks the cluster and creates what Vigil needs; every store call waits for it anyway. */
  init(): Promise<void>;
}

export function createElasticsearchEngine(opts: ElasticsearchOptions): ElasticsearchEngine {
  const layout = esLayout(opts);
  const clock = opts.clock ?? Date.now;
  checkConnectionOptions(opts);
  let client: Client | undefined;
  let server = '';
  let setup: Promise<Client> | undefined;
  let indexer: BulkIndexer | undefined;
  let closed = false;

  const where = () => opts.url.split(',')[0];

  async function probe(c: Client): Promise<Client> {
    try {
      const info = await c.info();
      server = `${info.cluster_name} v${info.version.number}`;
    } catch (err) {
      if (opts.compatibility === undefined && isCompatibilityRefusal(err)) {
        // An 8.x server: speak 8.x, which 9.x servers also accept.
        await c.close();
        const c8 = await createEsClient({ ...opts, compatibility: 8 });
        client = c8;
        const info = await c8.info();
        server = `${info.cluster_name} v${info.version.number} (REST compatibility 8)`;
        return c8;
      }
      // The root endpoint needs the 'monitor' cluster privilege; without it Vigil can still work.
      if ((err as { meta?: { statusCode?: number } }).meta?.statusCode === 403) return c;
      throw err;
    }
    return c;
  }

  function ensureReady(): Promise<Client> {
    if (closed) {
      return Promise.reject(
        new VigilError(ErrorCode.STORE_UNAVAILABLE, `elasticsearch ${where()}: the store is closed`, { source: 'elasticsearch', path: 'close' }),
      );
    }
    if (!setup) {
      setup = (async () => {
        client ??= await createEsClient(opts);
        let c: Client;
        try {
          c = await probe(client);
        } catch (err) {
          throw translateEsError(err, `connect ${where()}`);
        }
        await ensureLayout(c, layout, { manageTemplates: opts.manageTemplates, logger: opts.logger });
        opts.logger?.info({ server, prefix: layout.prefix, namespace: layout.namespace }, 'elasticsearch store ready');
        return c;
      })();
      setup.catch((err: unknown) => {
        // Unreachable now, maybe not in a minute: let the next call try again.
        if ((err as { retryable?: boolean }).retryable) setup = undefined;
      });
    }
    return setup;
  }

  const ctx = new EsContext(ensureReady, layout, clock);
  const bulk = opts.bulk ?? {};
  const getIndexer = async (): Promise<BulkIndexer> => {
    const c = await ensureReady();
    indexer ??= new BulkIndexer({
      client: c,
      deadLetterIndex: layout.indices.deadletter,
      maxDocs: bulk.maxDocs,
      maxBytes: bulk.maxBytes,
      flushIntervalMs: bulk.flushIntervalMs,
      maxPendingDocs: bulk.maxPendingDocs,
      concurrency: bulk.concurrency,
      retryTimeoutMs: bulk.retryTimeoutMs,
      initialBackoffMs: bulk.initialBackoffMs,
      maxBackoffMs: bulk.maxBackoffMs,
      refresh: bulk.refresh || undefined,
      place: 'events.append',
      need: { privilege: 'create_doc', kind: 'index', on: 'logs-vigil.*', what: `append events to ${layout.eventsPattern}` },
      logger: opts.logger,
    });
    return indexer;
  };

  return {
    kind: 'elasticsearch',
    layout,
    events: new EsEventStore(ctx, getIndexer),
    alerts: new EsAlertStore(ctx),
    incidents: new EsIncidentStore(ctx),
    audit: new EsAuditLog(ctx),
    runs: new EsPlaybookRunStore(ctx),
    outbox: new EsWebhookOutbox(ctx),
    keys: new EsApiKeyStore(ctx),
    docs: new EsDocumentStore(ctx),

    async init(): Promise<void> {
      await ensureReady();
    },

    async ready(): Promise<Health> {
      if (closed) return { ok: false, detail: `elasticsearch ${where()}: closed` };
      try {
        const c = await ensureReady();
        const start = performance.now();
        await c.count({ index: layout.indices.alerts });
        const ms = Math.round(performance.now() - start);
        const pending = indexer ? `, ${indexer.stats().pending} events pending` : '';
        return { ok: true, detail: `elasticsearch ${where()} ${server} (prefix ${layout.prefix}, namespace ${layout.namespace}) count in ${ms} ms${pending}` };
      } catch (err) {
        const e = translateEsError(err, 'ready');
        return { ok: false, detail: `elasticsearch ${where()}: ${(e as Error).message}` };
      }
    },

    /** Flushes the bulk indexer (every accepted event is indexed or dead-lettered), then closes the client. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (indexer) await indexer.close();
      if (opts.dropOnClose && setup && client) {
        try {
          await dropLayout(client, layout);
        } catch (err) {
          opts.logger?.warn({ err }, 'elasticsearch: dropOnClose could not remove everything');
        }
      }
      await client?.close();
    },
  };
}
