// The Elasticsearch client Vigil uses: API key or basic auth, an optional CA certificate, and the
// REST compatibility headers of the server's major version. The 9.x client announces
// `compatible-with=9`, which an 8.x server refuses (media_type_header_exception); a server that
// does is spoken to with `compatible-with=8`, which 9.x servers also accept.
import { readFileSync } from 'node:fs';
import type { Client, TransportOptions } from '@elastic/elasticsearch';

type ClientOptions = NonNullable<ConstructorParameters<typeof Client>[0]>;
import { ErrorCode, VigilError } from '../../errors.ts';

export interface EsConnectionOptions {
  /** `https://host:9200` (several nodes: comma-separated). */
  url: string;
  /** Base64 `id:key` as Kibana shows it, or `{ id, api_key }`. */
  apiKey?: string;
  username?: string;
  password?: string;
  /** PEM text, or the path of a PEM file, of the CA that signed the cluster's certificate. */
  caCert?: string;
  /** Per-request timeout. @default 30000 */
  requestTimeoutMs?: number;
  /** REST API compatibility to announce; undefined = 9, falling back to 8 when the server asks. */
  compatibility?: 8 | 9;
}

function compat8Headers() {
  return {
    jsonContentType: 'application/vnd.elasticsearch+json; compatible-with=8',
    ndjsonContentType: 'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
    accept: 'application/vnd.elasticsearch+json; compatible-with=8,text/plain',
  };
}


function readCa(caCert: string): string {
  if (caCert.includes('-----BEGIN')) return caCert;
  try {
    return readFileSync(caCert, 'utf8');
  } catch (err) {
    throw new VigilError(
      ErrorCode.CONFIG_INVALID,
      `elasticsearch.caCert: cannot read '${caCert}': ${(err as Error).message}`,
      { source: 'config', path: 'elasticsearch.caCert' },
      { cause: err },
    );
  }
}

/** Checks the settings without connecting; the engine calls it when it is created, so bad config fails at start. */
export function checkConnectionOptions(opts: EsConnectionOptions): void {
  nodesOf(opts);
  if (opts.apiKey && (opts.username || opts.password)) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, 'elasticsearch: set either apiKey or username/password, not both', {
      source: 'config',
      path: 'elasticsearch.apiKey',
    });
  }
  if ((opts.username === undefined) !== (opts.password === undefined)) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, 'elasticsearch: basic auth needs both username and password', {
      source: 'config',
      path: opts.username === undefined ? 'elasticsearch.username' : 'elasticsearch.password',
    });
  }
  if (opts.caCert) readCa(opts.caCert);
}

function nodesOf(opts: EsConnectionOptions): string[] {
  const nodes = opts.url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const n of nodes) {
    if (!/^https?:\/\//.test(n)) {
      throw new VigilError(ErrorCode.CONFIG_INVALID, `elasticsearch.url: expected an http:// or https:// URL, got "${n}"`, {
        source: 'config',
        path: 'elasticsearch.url',
      });
    }
  }
  return nodes;
}

/** Loads the client library (only now: the embedded store never needs it) and creates the client. */
export async function createEsClient(opts: EsConnectionOptions): Promise<Client> {
  checkConnectionOptions(opts);
  const es = await import('@elastic/elasticsearch');
  const options: ClientOptions = {
    nodes: nodesOf(opts),
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    maxRetries: 3,
  };
  if (opts.apiKey) options.auth = { apiKey: opts.apiKey };
  else if (opts.username !== undefined && opts.password !== undefined) options.auth = { username: opts.username, password: opts.password };
  if (opts.caCert) options.tls = { ca: readCa(opts.caCert) };
  if (opts.compatibility === 8) {
    // The client's transport with 8.x compatibility headers (the client hard-codes 9).
    options.Transport = class Compat8Transport extends es.Transport {
      constructor(t: TransportOptions) {
        super({ ...t, vendoredHeaders: compat8Headers() });
      }
    };
  }
  return new es.Client(options);
}

/** True when the server refused the client's compatibility headers (an 8.x server and the 9.x client). */
export function isCompatibilityRefusal(err: unknown): boolean {
  const e = err as { meta?: { statusCode?: number; body?: unknown }; message?: string };
  const text = `${e.message ?? ''} ${JSON.stringify(e.meta?.body ?? '')}`;
  return /media_type_header_exception|compatible-with|Accept version must be/i.test(text);
}
