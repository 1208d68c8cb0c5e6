// Start-up checks of configured services: each failure names the setting and the problem,
// so `vigil serve` stops with one message a person can act on.
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import type { Config } from '../config.ts';
import { VigilError } from '../errors.ts';
import { createQueueBackend } from '../queue/index.ts';

/** A URL with its password replaced, for messages. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//****@');
  }
}

function unreachable(key: string, env: string, message: string): VigilError {
  return new VigilError('CONFIG_UNREACHABLE', `${key} (${env}): ${message}`, { source: 'config', path: key });
}

export function checkDataDir(cfg: Config): void {
  const dir = resolve(cfg.dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `dataDir (VIGIL_DATA_DIR): cannot use ${dir} as the data directory: ${(err as Error).message}`, {
      source: 'config',
      path: 'dataDir',
    });
  }
}

export function checkTlsFiles(cfg: Config): void {
  if (cfg.tls !== 'files') return;
  for (const [key, env, file] of [
    ['tlsCert', 'VIGIL_TLS_CERT', cfg.tlsCert],
    ['tlsKey', 'VIGIL_TLS_KEY', cfg.tlsKey],
  ] as const) {
    try {
      readFileSync(file as string);
    } catch (err) {
      throw new VigilError('CONFIG_INVALID', `${key} (${env}): cannot read ${file}: ${(err as Error).message}`, { source: 'config', path: key });
    }
  }
}

export async function checkRedis(cfg: Config, timeoutMs = 3000): Promise<void> {
  if (!cfg.redisUrl) return;
  const backend = createQueueBackend({ redisUrl: cfg.redisUrl });
  try {
    const health = await Promise.race([
      backend.ready(),
      new Promise<{ ok: false; detail: string }>((r) => setTimeout(() => r({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs).unref()),
    ]);
    if (!health.ok) throw unreachable('redisUrl', 'VIGIL_REDIS_URL', health.detail);
  } finally {
    await backend.close().catch(() => undefined);
  }
}

export function elasticsearchClient(cfg: Config): Client {
  const es = cfg.elasticsearch;
  return new Client({
    node: es.url as string,
    ...(es.apiKey ? { auth: { apiKey: es.apiKey } } : es.username ? { auth: { username: es.username, password: es.password ?? '' } } : {}),
    ...(es.caCert ? { tls: { ca: readFileSync(es.caCert, 'utf8') } } : {}),
    requestTimeout: 10_000,
    maxRetries: 1,
  });
}

export async function checkElasticsearch(cfg: Config): Promise<void> {
  if (!cfg.elasticsearch.url) return;
  if (cfg.elasticsearch.caCert) {
    try {
      readFileSync(cfg.elasticsearch.caCert);
    } catch (err) {
      throw new VigilError('CONFIG_INVALID', `elasticsearch.caCert (VIGIL_ELASTICSEARCH_CA_CERT): cannot read it: ${(err as Error).message}`, {
        source: 'config',
        path: 'elasticsearch.caCert',
      });
    }
  }
  const client = elasticsearchClient(cfg);
  try {
    await client.info({}, { requestTimeout: 3000, maxRetries: 0 });
  } catch (err) {
    const e = err as { meta?: { statusCode?: number }; message: string };
    const why = e.meta?.statusCode === 401 ? 'authentication failed (check the API key or user/password)' : e.message;
    throw unreachable('elasticsearch.url', 'VIGIL_ELASTICSEARCH_URL', `cannot reach ${maskUrl(cfg.elasticsearch.url)}: ${why}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Every start-up check, in the order a person would fix them. */
export async function checkServices(cfg: Config): Promise<void> {
  checkDataDir(cfg);
  checkTlsFiles(cfg);
  await checkRedis(cfg);
  await checkElasticsearch(cfg);
}
