// Turns the Elasticsearch client's errors into VigilErrors a caller can act on: a refused
// privilege names the privilege and what needed it, a version conflict is STORE_VERSION_CONFLICT,
// an unreachable or overloaded cluster is STORE_UNAVAILABLE (retryable), a query the cluster
// refuses is QUERY_SYNTAX. Every message names the cluster operation that failed.
import { ErrorCode, VigilError } from '../../errors.ts';

// Errors are recognised by the client's error class names, so this module does not load the
// client (the engine imports it only when it connects; the embedded store never needs it).
interface ClientError {
  name: string;
  message: string;
  meta?: { statusCode?: number | null; body?: unknown };
}

function clientError(err: unknown, ...names: string[]): err is ClientError {
  return err instanceof Error && names.includes(err.name);
}

/** What a call needs from the Elasticsearch user, for the message when it is refused. */
export interface Need {
  /** 'manage_index_templates', 'create_doc' … */
  privilege: string;
  kind: 'cluster' | 'index';
  /** What Vigil was doing: 'create index template vigil-events'. */
  what: string;
  /** For index privileges: the index pattern the privilege must cover. */
  on?: string;
}

export interface EsErrorInfo {
  status?: number;
  type?: string;
  reason?: string;
}

/** Status, error type and reason of a client error (a ResponseError's body), when it has them. */
export function esErrorInfo(err: unknown): EsErrorInfo {
  if (clientError(err, 'ResponseError') && err.meta) {
    const body = err.meta.body as { error?: unknown; status?: number } | string | undefined;
    const info: EsErrorInfo = { status: err.meta.statusCode ?? undefined };
    if (body && typeof body === 'object' && body.error && typeof body.error === 'object') {
      const e = body.error as { type?: unknown; reason?: unknown; root_cause?: Array<{ type?: unknown; reason?: unknown }> };
      if (typeof e.type === 'string') info.type = e.type;
      if (typeof e.reason === 'string') info.reason = e.reason;
      // "all shards failed" says nothing; the first root cause says what was wrong.
      const root = Array.isArray(e.root_cause) ? e.root_cause[0] : undefined;
      if (root && typeof root.reason === 'string' && root.reason !== info.reason) {
        info.reason = `${info.reason ? `${info.reason}: ` : ''}${typeof root.type === 'string' ? `${root.type}: ` : ''}${root.reason}`;
      }
    } else if (typeof body === 'string' && body !== '') {
      info.reason = body.slice(0, 300);
    }
    return info;
  }
  return {};
}

/** The privileges a 403 reason lists ("… granted by the cluster privileges [manage_index_templates,manage,all]"). */
function grantedBy(reason: string | undefined): string | undefined {
  const m = reason?.match(/granted by the (?:cluster|index) privileges \[([^\]]+)\]/);
  return m?.[1];
}

/**
 * Converts anything the client threw. `place` is the store operation ('incidents.update'),
 * `need` the privilege the call needs (used when the cluster answers 403).
 */
export function translateEsError(err: unknown, place: string, need?: Need): unknown {
  if (err instanceof VigilError) return err;
  const location = { source: 'elasticsearch', path: place };
  if (clientError(err, 'ConnectionError', 'TimeoutError', 'NoLivingConnectionsError', 'RequestAbortedError')) {
    return new VigilError(
      ErrorCode.STORE_UNAVAILABLE,
      `${place}: Elasticsearch is unreachable (${err.name}: ${err.message}); retry when the cluster is back`,
      location,
      { cause: err, retryable: true },
    );
  }
  if (clientError(err, 'ResponseError')) {
    const info = esErrorInfo(err);
    const detail = `${info.type ?? `HTTP ${info.status}`}${info.reason ? `: ${info.reason}` : ''}`;
    if (info.status === 401) {
      return new VigilError(
        ErrorCode.CONFIG_INVALID,
        `${place}: Elasticsearch refused the credentials (401 ${detail}); check elasticsearch.apiKey or elasticsearch.username/password`,
        { source: 'config', path: 'elasticsearch' },
        { cause: err },
      );
    }
    if (info.status === 403) return privilegeError(place, need, info, err);
    if (info.status === 409) {
      return new VigilError(ErrorCode.STORE_VERSION_CONFLICT, `${place}: ${detail}`, location, { cause: err });
    }
    if (info.status === 429 || (info.status !== undefined && info.status >= 500)) {
      return new VigilError(
        ErrorCode.STORE_UNAVAILABLE,
        `${place}: Elasticsearch is overloaded or failing (${info.status} ${detail}); retry later`,
        location,
        { cause: err, retryable: true },
      );
    }
    if (info.status === 400 && /parsing_exception|query_shard_exception|search_phase_execution_exception/.test(info.type ?? '')) {
      return new VigilError(ErrorCode.QUERY_SYNTAX, `${place}: Elasticsearch refused the query (${detail})`, location, { cause: err });
    }
    return new VigilError(ErrorCode.INTERNAL, `${place}: Elasticsearch answered ${info.status} ${detail}`, location, { cause: err });
  }
  if (clientError(err, 'ProductNotSupportedError')) {
    return new VigilError(
      ErrorCode.CONFIG_INVALID,
      `${place}: the server at elasticsearch.url is not Elasticsearch (no x-elastic-product header)`,
      { source: 'config', path: 'elasticsearch.url' },
      { cause: err },
    );
  }
  return err;
}

/**
 * The message an operator needs: which privilege, of which kind, for what, and the way out.
 * The privilege list Elasticsearch itself names (if any) is added, since it also accepts broader ones.
 */
export function privilegeError(place: string, need: Need | undefined, info: EsErrorInfo, cause?: unknown): VigilError {
  const listed = grantedBy(info.reason);
  let message: string;
  if (need) {
    const on = need.kind === 'index' && need.on ? ` on ${need.on}` : '';
    message =
      `Elasticsearch user lacks '${need.privilege}' (${need.kind}${on}) needed to ${need.what}; ` +
      `grant it${need.kind === 'cluster' && /template|ilm|policy/i.test(need.what) ? ' or create it yourself' : ''} (see README, "Running with Elasticsearch")`;
  } else {
    message = `${place}: Elasticsearch user lacks a privilege for this operation (see README, "Running with Elasticsearch")`;
  }
  if (listed) message += `; Elasticsearch accepts any of [${listed}]`;
  else if (info.reason) message += `; Elasticsearch said: ${info.reason}`;
  // CONFIG_INVALID, not AUTH_FORBIDDEN: the API caller is allowed; Vigil's own cluster user is not.
  return new VigilError(ErrorCode.CONFIG_INVALID, message, { source: 'elasticsearch', path: place }, { cause });
}
