// Error model shared by every stage: a stable code, a message that says where/what/why,
// an optional source location, and a serialisable record form for anything stored.

export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONFIG_UNREACHABLE: 'CONFIG_UNREACHABLE',
  CLI_USAGE: 'CLI_USAGE',
  AUTH_MISSING: 'AUTH_MISSING',
  AUTH_INVALID: 'AUTH_INVALID',
  AUTH_FORBIDDEN: 'AUTH_FORBIDDEN',
  REQUEST_INVALID: 'REQUEST_INVALID',
  REQUEST_TOO_LARGE: 'REQUEST_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  STORE_VERSION_CONFLICT: 'STORE_VERSION_CONFLICT',
  STORE_MIGRATION_FAILED: 'STORE_MIGRATION_FAILED',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  QUEUE_UNAVAILABLE: 'QUEUE_UNAVAILABLE',
  SIGMA_PARSE: 'SIGMA_PARSE',
  SIGMA_INVALID: 'SIGMA_INVALID',
  SIGMA_UNKNOWN_MODIFIER: 'SIGMA_UNKNOWN_MODIFIER',
  SIGMA_UNSAFE_REGEX: 'SIGMA_UNSAFE_REGEX',
  SIGMA_UNSUPPORTED: 'SIGMA_UNSUPPORTED',
  SIGMA_CONDITION: 'SIGMA_CONDITION',
  INGEST_PARSE: 'INGEST_PARSE',
  INGEST_UNKNOWN_DATASET: 'INGEST_UNKNOWN_DATASET',
  INGEST_BACKPRESSURE: 'INGEST_BACKPRESSURE',
  QUERY_SYNTAX: 'QUERY_SYNTAX',
  INCIDENT_INVALID_TRANSITION: 'INCIDENT_INVALID_TRANSITION',
  PLAYBOOK_INVALID: 'PLAYBOOK_INVALID',
  PLAYBOOK_NOT_WAITING: 'PLAYBOOK_NOT_WAITING',
  PLAYBOOK_APPROVAL_REQUIRED: 'PLAYBOOK_APPROVAL_REQUIRED',
  ACTION_REFUSED: 'ACTION_REFUSED',
  ACTION_UNREACHABLE: 'ACTION_UNREACHABLE',
  WEBHOOK_DELIVERY_FAILED: 'WEBHOOK_DELIVERY_FAILED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for each code; the README's error catalogue lists the same table. */
export const errorStatus: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  CONFIG_UNREACHABLE: 503,
  CLI_USAGE: 400,
  AUTH_MISSING: 401,
  AUTH_INVALID: 401,
  AUTH_FORBIDDEN: 403,
  REQUEST_INVALID: 400,
  REQUEST_TOO_LARGE: 413,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  STORE_VERSION_CONFLICT: 409,
  STORE_MIGRATION_FAILED: 500,
  STORE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  SIGMA_PARSE: 400,
  SIGMA_INVALID: 400,
  SIGMA_UNKNOWN_MODIFIER: 400,
  SIGMA_UNSAFE_REGEX: 400,
  SIGMA_UNSUPPORTED: 400,
  SIGMA_CONDITION: 400,
  INGEST_PARSE: 400,
  INGEST_UNKNOWN_DATASET: 400,
  INGEST_BACKPRESSURE: 429,
  QUERY_SYNTAX: 400,
  INCIDENT_INVALID_TRANSITION: 409,
  PLAYBOOK_INVALID: 400,
  PLAYBOOK_NOT_WAITING: 409,
  PLAYBOOK_APPROVAL_REQUIRED: 403,
  ACTION_REFUSED: 502,
  ACTION_UNREACHABLE: 503,
  WEBHOOK_DELIVERY_FAILED: 502,
  INTERNAL: 500,
};

export interface SourceLocation {
  /** What was being read: a file path, 'config', 'body', 'syslog-tcp 10.0.0.5:514'. */
  source: string;
  /** Where inside it: a YAML/JSON path such as 'detection.selection.Image|endswith' or '/to'. */
  path?: string;
  line?: number;
  column?: number;
}

export interface ErrorRecord {
  code: string;
  message: string;
  location?: SourceLocation;
  retryable: boolean;
  cause?: ErrorRecord;
}

export class VigilError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly location?: SourceLocation,
    opts: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VigilError';
    this.retryable = opts.retryable ?? false;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/** The stored form of any thrown value; never `String(err)`. */
export function toErrorRecord(err: unknown): ErrorRecord {
  if (err instanceof VigilError) {
    const rec: ErrorRecord = { code: err.code, message: err.message, retryable: err.retryable };
    if (err.location) rec.location = err.location;
    if (err.cause !== undefined) rec.cause = toErrorRecord(err.cause);
    return rec;
  }
  if (err instanceof Error) return { code: ErrorCode.INTERNAL, message: err.message, retryable: false };
  return { code: ErrorCode.INTERNAL, message: String(err), retryable: false };
}

/** Renders a location as `source:line:column path` for messages. */
export function formatLocation(loc: SourceLocation): string {
  let s = loc.source;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.column !== undefined) s += `:${loc.column}`;
  if (loc.path) s += ` ${loc.path}`;
  return s;
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
