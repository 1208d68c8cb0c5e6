// Chooses the storage engine from configuration. Only the composition root calls this.
import type { Logger } from 'pino';
import { ErrorCode, VigilError } from '../errors.ts';
import { createElasticsearchEngine, type ElasticsearchOptions } from './elasticsearch/index.ts';
import { createSqliteEngine } from './sqlite/index.ts';
import type { StorageEngine } from './types.ts';

export interface StorageConfig {
  /** @default 'sqlite' */
  kind?: 'sqlite' | 'elasticsearch';
  /** Directory of the embedded database. @default process.env.VIGIL_DATA_DIR ?? './data' */
  dataDir?: string;
  /** @default 'vigil.db' */
  fileName?: string;
  logger?: Logger;
  /** Cluster settings when kind is 'elasticsearch' (config `elasticsearch.*`); read from VIGIL_ELASTICSEARCH_* when absent. */
  elasticsearch?: Omit<ElasticsearchOptions, 'logger' | 'url'> & { url?: string };
}

/** The cluster settings from the environment, for callers that pass no `elasticsearch` section. */
function elasticsearchFromEnv(): Omit<ElasticsearchOptions, 'logger' | 'url'> & { url?: string } {
  const env = process.env;
  const opts: Omit<ElasticsearchOptions, 'logger' | 'url'> & { url?: string } = { url: env.VIGIL_ELASTICSEARCH_URL };
  if (env.VIGIL_ELASTICSEARCH_API_KEY) opts.apiKey = env.VIGIL_ELASTICSEARCH_API_KEY;
  if (env.VIGIL_ELASTICSEARCH_USERNAME) opts.username = env.VIGIL_ELASTICSEARCH_USERNAME;
  if (env.VIGIL_ELASTICSEARCH_PASSWORD) opts.password = env.VIGIL_ELASTICSEARCH_PASSWORD;
  if (env.VIGIL_ELASTICSEARCH_CA_CERT) opts.caCert = env.VIGIL_ELASTICSEARCH_CA_CERT;
  return opts;
}

export function createStorageEngine(cfg: StorageConfig = {}): StorageEngine {
  const kind = cfg.kind ?? 'sqlite';
  switch (kind) {
    case 'sqlite':
      return createSqliteEngine({
        dataDir: cfg.dataDir ?? process.env.VIGIL_DATA_DIR ?? './data',
        fileName: cfg.fileName,
        logger: cfg.logger,
      });
    case 'elasticsearch': {
      const es = cfg.elasticsearch ?? elasticsearchFromEnv();
      if (!es.url) {
        throw new VigilError(ErrorCode.CONFIG_INVALID, 'elasticsearch.url: store is "elasticsearch" but VIGIL_ELASTICSEARCH_URL is not set', {
          source: 'config',
          path: 'elasticsearch.url',
        });
      }
      return createElasticsearchEngine({ ...es, url: es.url, logger: cfg.logger });
    }
    default:
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `store.kind: '${String(kind)}' is not a storage engine (allowed: sqlite, elasticsearch)`,
        { source: 'config', path: 'store.kind' },
      );
  }
}
