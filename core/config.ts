// Configuration: defaults < YAML file (--config / VIGIL_CONFIG) < environment (VIGIL_*).
// One table defines every setting; the README's configuration reference is checked against it.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { isPlainObject } from './ecs.ts';
import { VigilError } from './errors.ts';

type SettingType = 'string' | 'int' | 'number' | 'bool' | 'enum' | 'list' | 'json';

export interface SettingSpec {
  /** Dotted path, as written in the YAML file (`elasticsearch.url`). */
  key: string;
  env: string;
  type: SettingType;
  default: string | number | boolean | string[] | Record<string, unknown> | unknown[] | undefined;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Never logged or printed. */
  secret?: boolean;
  description: string;
}

export const settings = [
  { key: 'host', env: 'VIGIL_HOST', type: 'string', default: '127.0.0.1', description: 'Address the HTTP API listens on.' },
  { key: 'port', env: 'VIGIL_PORT', type: 'int', default: 8080, min: 0, max: 65535, description: 'HTTP API port (0 picks a free port).' },
  { key: 'dataDir', env: 'VIGIL_DATA_DIR', type: 'string', default: './data', description: 'Directory for the embedded database, TLS material and other state.' },
  { key: 'logLevel', env: 'VIGIL_LOG_LEVEL', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level (JSON lines on stdout).' },
  { key: 'store', env: 'VIGIL_STORE', type: 'enum', default: 'sqlite', values: ['sqlite', 'elasticsearch'], description: 'Storage engine: the embedded SQLite file or an Elasticsearch cluster.' },
  { key: 'elasticsearch.url', env: 'VIGIL_ELASTICSEARCH_URL', type: 'string', default: undefined, description: 'Elasticsearch URL (required when store is elasticsearch; checked at start-up when set).' },
  { key: 'elasticsearch.apiKey', env: 'VIGIL_ELASTICSEARCH_API_KEY', type: 'string', default: undefined, secret: true, description: 'Elasticsearch API key (base64 id:key).' },
  { key: 'elasticsearch.username', env: 'VIGIL_ELASTICSEARCH_USERNAME', type: 'string', default: undefined, description: 'Elasticsearch basic-auth user.' },
  { key: 'elasticsearch.password', env: 'VIGIL_ELASTICSEARCH_PASSWORD', type: 'string', default: undefined, secret: true, description: 'Elasticsearch basic-auth password.' },
  { key: 'elasticsearch.caCert', env: 'VIGIL_ELASTICSEARCH_CA_CERT', type: 'string', default: undefined, description: 'PEM file of the CA that signed the cluster certificate.' },
  { key: 'elasticsearch.indexPrefix', env: 'VIGIL_ELASTICSEARCH_INDEX_PREFIX', type: 'string', default: 'vigil', description: 'Prefix of Vigil\'s indices, templates and ILM policy (vigil-alerts, vigil-incidents …).' },
  { key: 'elasticsearch.namespace', env: 'VIGIL_ELASTICSEARCH_NAMESPACE', type: 'string', default: 'default', description: 'Namespace of the event data streams logs-vigil.<dataset>-<namespace>.' },
  { key: 'elasticsearch.retentionDays', env: 'VIGIL_ELASTICSEARCH_RETENTION_DAYS', type: 'int', default: 30, min: 1, description: 'Days events are kept (the ILM policy deletes older backing indices).' },
  { key: 'elasticsearch.manageTemplates', env: 'VIGIL_ELASTICSEARCH_MANAGE_TEMPLATES', type: 'bool', default: true, description: 'Create the ILM policy and index templates on start (false when an operator manages them).' },
  { key: 'elasticsearch.bulkMaxDocs', env: 'VIGIL_ELASTICSEARCH_BULK_MAX_DOCS', type: 'int', default: 1000, min: 1, description: 'Documents per bulk request.' },
  { key: 'elasticsearch.bulkMaxBytes', env: 'VIGIL_ELASTICSEARCH_BULK_MAX_BYTES', type: 'int', default: 5242880, min: 1024, description: 'Bytes per bulk request.' },
  { key: 'elasticsearch.bulkFlushMs', env: 'VIGIL_ELASTICSEARCH_BULK_FLUSH_MS', type: 'int', default: 1000, min: 1, description: 'A partial bulk batch is sent after this long.' },
  { key: 'elasticsearch.bulkMaxPendingDocs', env: 'VIGIL_ELASTICSEARCH_BULK_MAX_PENDING_DOCS', type: 'int', default: 20000, min: 1, description: 'Documents buffered for indexing before appends wait (backpressure).' },
  { key: 'elasticsearch.bulkRetryTimeoutMs', env: 'VIGIL_ELASTICSEARCH_BULK_RETRY_TIMEOUT_MS', type: 'int', default: 300000, min: 1000, description: 'How long a bulk batch is retried while the cluster is slow or down before the append fails.' },
  { key: 'redisUrl', env: 'VIGIL_REDIS_URL', type: 'string', default: undefined, secret: true, description: 'Redis URL; when set, queues and shared state live in Redis so several processes share the work.' },
  { key: 'tls', env: 'VIGIL_TLS', type: 'enum', default: 'off', values: ['off', 'auto', 'files'], description: 'HTTPS: off, auto (local CA + server certificate created in the data directory), or files (VIGIL_TLS_CERT / VIGIL_TLS_KEY). Setting a cert and key implies files.' },
  { key: 'tlsCert', env: 'VIGIL_TLS_CERT', type: 'string', default: undefined, description: 'PEM server certificate (chain) for HTTPS.' },
  { key: 'tlsKey', env: 'VIGIL_TLS_KEY', type: 'string', default: undefined, secret: true, description: 'PEM private key for HTTPS.' },
  { key: 'bootstrapAdminKey', env: 'VIGIL_BOOTSTRAP_ADMIN_KEY', type: 'string', default: undefined, secret: true, description: 'Admin API key to create on first start with an empty store, instead of generating and printing one.' },
  { key: 'http.bodyLimit', env: 'VIGIL_HTTP_BODY_LIMIT', type: 'int', default: 10 * 1024 * 1024, min: 1024, description: 'Largest request body in bytes (413 above it).' },
  { key: 'ingest.maxInFlight', env: 'VIGIL_INGEST_MAX_IN_FLIGHT', type: 'int', default: 10000, min: 1, description: 'Lines/documents processed at once; beyond it HTTP ingest answers 429 with Retry-After and syslog TCP reads pause.' },
  { key: 'ingest.maxDecompressedBytes', env: 'VIGIL_INGEST_MAX_DECOMPRESSED_BYTES', type: 'int', default: 104857600, min: 1024, description: 'Largest gzip ingest body after decompression (413 above it).' },
  { key: 'syslog.host', env: 'VIGIL_SYSLOG_HOST', type: 'string', default: undefined, description: 'Address the syslog listeners bind to (default: the host setting; 0.0.0.0 for all interfaces).' },
  { key: 'syslog.udpPort', env: 'VIGIL_SYSLOG_UDP_PORT', type: 'int', default: undefined, min: 0, max: 65535, description: 'Syslog UDP port (RFC 3164/5424), e.g. 5514; unset = off.' },
  { key: 'syslog.tcpPort', env: 'VIGIL_SYSLOG_TCP_PORT', type: 'int', default: undefined, min: 0, max: 65535, description: 'Syslog TCP port (newline or octet-counting framing, RFC 6587); unset = off.' },
  { key: 'syslog.tlsPort', env: 'VIGIL_SYSLOG_TLS_PORT', type: 'int', default: undefined, min: 0, max: 65535, description: 'Syslog over TLS port (RFC 5425), e.g. 6514; unset = off.' },
  { key: 'syslog.tlsCert', env: 'VIGIL_SYSLOG_TLS_CERT', type: 'string', default: undefined, description: 'PEM certificate for the syslog TLS listener (default: the local CA server certificate in the data directory).' },
  { key: 'syslog.tlsKey', env: 'VIGIL_SYSLOG_TLS_KEY', type: 'string', default: undefined, secret: true, description: 'PEM key for the syslog TLS listener.' },
  { key: 'syslog.tlsCa', env: 'VIGIL_SYSLOG_TLS_CA', type: 'string', default: undefined, description: 'PEM CA file: when set, syslog TLS senders must present a certificate it signed.' },
  { key: 'syslog.timezone', env: 'VIGIL_SYSLOG_TIMEZONE', type: 'string', default: 'UTC', description: 'Zone for syslog timestamps without one (IANA name or ±hh:mm).' },
  { key: 'syslog.dataset', env: 'VIGIL_SYSLOG_DATASET', type: 'string', default: 'auto', description: 'Dataset for everything received over syslog, or auto (detected per line from program and content).' },
  { key: 'syslog.maxFrameBytes', env: 'VIGIL_SYSLOG_MAX_FRAME_BYTES', type: 'int', default: 65536, min: 256, description: 'Larger syslog frames are cut and dead-lettered.' },
  { key: 'syslog.udpBuffer', env: 'VIGIL_SYSLOG_UDP_BUFFER', type: 'int', default: 10000, min: 1, description: 'UDP datagrams held while the store is busy; more are dropped and counted.' },
  { key: 'enrich.inventory', env: 'VIGIL_ENRICH_INVENTORY', type: 'string', default: undefined, description: 'Asset and user inventory file (YAML or CSV: host, owner, criticality, tags).' },
  { key: 'enrich.intel', env: 'VIGIL_ENRICH_INTEL', type: 'list', default: [], description: 'Threat-intelligence indicator files (plain lists or STIX 2.1 bundles), comma-separated in the environment.' },
  { key: 'enrich.geoipCity', env: 'VIGIL_ENRICH_GEOIP_CITY', type: 'string', default: undefined, description: 'MaxMind City or Country database (.mmdb) for source/destination geo fields.' },
  { key: 'enrich.geoipAsn', env: 'VIGIL_ENRICH_GEOIP_ASN', type: 'string', default: undefined, description: 'MaxMind ASN database (.mmdb).' },
  { key: 'detection.rules', env: 'VIGIL_DETECTION_RULES', type: 'list', default: [], description: 'Sigma rule files and folders for streaming detection and scheduled searches (default: the bundled rules/sigma: SigmaHQ + Vigil rules), comma-separated in the environment.' },
  { key: 'detection.pipelines', env: 'VIGIL_DETECTION_PIPELINES', type: 'list', default: [], description: 'Field-mapping pipeline files and folders (default: the bundled rules/pipelines).' },
  { key: 'detection.disabledRules', env: 'VIGIL_DETECTION_DISABLED_RULES', type: 'list', default: [], description: 'Rule or correlation ids (or names) that raise no alerts (rules can also be disabled through the API).' },
  { key: 'detection.workers', env: 'VIGIL_DETECTION_WORKERS', type: 'int', default: 1, min: 1, max: 64, description: 'Streaming detection workers in this process (each a consumer of the events queue).' },
  { key: 'detection.batchSize', env: 'VIGIL_DETECTION_BATCH_SIZE', type: 'int', default: 100, min: 1, description: 'Events a detection worker takes from the queue at once.' },
  { key: 'detection.claimIdleMs', env: 'VIGIL_DETECTION_CLAIM_IDLE_MS', type: 'int', default: 60000, min: 100, description: 'Events pending this long on a dead worker are claimed by a live one.' },
  { key: 'detection.scheduled', env: 'VIGIL_DETECTION_SCHEDULED', type: 'json', default: [], description: 'Scheduled searches: a list of {rule, every, lookback} (or "<rule> <every> [<lookback>]" strings); rules may also carry their own schedule.' },
  { key: 'detection.maxCatchUpWindows', env: 'VIGIL_DETECTION_MAX_CATCH_UP_WINDOWS', type: 'int', default: 12, min: 1, description: 'Most missed windows a scheduled search runs after downtime.' },
  { key: 'incidents.groupingWindowMs', env: 'VIGIL_INCIDENTS_GROUPING_WINDOW_MS', type: 'int', default: 3600000, min: 1, description: 'Alerts with the same rule and entity join an open incident created less than this long ago.' },
  { key: 'incidents.suppressions', env: 'VIGIL_INCIDENTS_SUPPRESSIONS', type: 'json', default: [], description: 'Static suppression windows: a list of {ruleId, entity?, from?, until?, reason?} (more are added through the API).' },
  { key: 'incidents.sla', env: 'VIGIL_INCIDENTS_SLA', type: 'json', default: {}, description: 'SLA targets per grade, e.g. {"III": {"triageMs": 3600000, "containMs": 28800000, "closeMs": 604800000}}; unset grades keep the defaults (I 15m/1h/24h, II 30m/4h/72h, III 1h/8h/7d, IV 4h/24h/30d).' },
  { key: 'incidents.slaNearFraction', env: 'VIGIL_INCIDENTS_SLA_NEAR_FRACTION', type: 'number', default: 0.8, min: 0, max: 1, description: 'Share of an SLA target after which the "near" event fires.' },
  { key: 'incidents.operatorType', env: 'VIGIL_INCIDENTS_OPERATOR_TYPE', type: 'enum', default: 'other', values: ['cii', 'other'], description: 'Operator type for regulatory reporting clocks: cii (critical information infrastructure, 1 h) or other (4 h).' },
  { key: 'incidents.reportingInitialMs', env: 'VIGIL_INCIDENTS_REPORTING_INITIAL_MS', type: 'json', default: {}, description: 'Initial-report windows per operator type, e.g. {"cii": 3600000, "other": 14400000}.' },
  { key: 'incidents.reportingSummaryMs', env: 'VIGIL_INCIDENTS_REPORTING_SUMMARY_MS', type: 'int', default: 2592000000, min: 1, description: 'Summary-report window after closing (30 days).' },
  { key: 'incidents.reportingNearFraction', env: 'VIGIL_INCIDENTS_REPORTING_NEAR_FRACTION', type: 'number', default: 0.8, min: 0, max: 1, description: 'Share of a reporting window after which the "due" event fires.' },
  { key: 'incidents.reportingMinGrade', env: 'VIGIL_INCIDENTS_REPORTING_MIN_GRADE', type: 'enum', default: 'III', values: ['I', 'II', 'III', 'IV'], description: 'Lowest grade that must be reported to the regulator.' },
  { key: 'incidents.intakeLeaseMs', env: 'VIGIL_INCIDENTS_INTAKE_LEASE_MS', type: 'int', default: 300000, min: 1, description: 'A redelivered alert whose intake never finished grouping it is taken over after this long.' },
  { key: 'incidents.detailEventLimit', env: 'VIGIL_INCIDENTS_DETAIL_EVENT_LIMIT', type: 'int', default: 500, min: 1, description: 'Most raw events shown in an incident detail.' },
  { key: 'incidents.clockTickMs', env: 'VIGIL_INCIDENTS_CLOCK_TICK_MS', type: 'int', default: 30000, min: 100, description: 'How often SLA and reporting clocks are checked.' },
  { key: 'playbooks.enabled', env: 'VIGIL_PLAYBOOKS_ENABLED', type: 'bool', default: true, description: 'Run playbooks on incident notices (approvals through the API work either way).' },
  { key: 'playbooks.dir', env: 'VIGIL_PLAYBOOKS_DIR', type: 'string', default: undefined, description: 'Folder of playbook YAML files (default: the bundled rules/playbooks).' },
  { key: 'playbooks.connectorsFile', env: 'VIGIL_PLAYBOOKS_CONNECTORS_FILE', type: 'string', default: undefined, description: 'Action connector definitions (default: <playbooks dir>/connectors.yml). Connector secrets come from PLAYBOOK_* environment variables.' },
  { key: 'playbooks.intelDir', env: 'VIGIL_PLAYBOOKS_INTEL_DIR', type: 'string', default: undefined, description: 'Indicator lists for the enrich step (default: <playbooks dir>/intel).' },
  { key: 'playbooks.tickMs', env: 'VIGIL_PLAYBOOKS_TICK_MS', type: 'int', default: 1000, min: 10, description: 'How often due playbook steps (retries, approval timeouts) are advanced.' },
  { key: 'webhooks.maxAttempts', env: 'VIGIL_WEBHOOKS_MAX_ATTEMPTS', type: 'int', default: 12, min: 1, description: 'Delivery attempts before a webhook delivery is dead-lettered.' },
  { key: 'webhooks.minRetryWindowMs', env: 'VIGIL_WEBHOOKS_MIN_RETRY_WINDOW_MS', type: 'int', default: 7200000, min: 0, description: 'No delivery is dead-lettered before it is this old, so a receiver down for an hour still gets everything.' },
  { key: 'webhooks.backoffBaseMs', env: 'VIGIL_WEBHOOKS_BACKOFF_BASE_MS', type: 'int', default: 30000, min: 1, description: 'First retry delay cap (exponential backoff with full jitter).' },
  { key: 'webhooks.backoffMaxMs', env: 'VIGIL_WEBHOOKS_BACKOFF_MAX_MS', type: 'int', default: 3600000, min: 1, description: 'Largest retry delay cap.' },
  { key: 'webhooks.timeoutMs', env: 'VIGIL_WEBHOOKS_TIMEOUT_MS', type: 'int', default: 10000, min: 1, description: 'Timeout of one delivery POST.' },
  { key: 'webhooks.deliveryIntervalMs', env: 'VIGIL_WEBHOOKS_DELIVERY_INTERVAL_MS', type: 'int', default: 1000, min: 10, description: 'How often due deliveries are sent.' },
  { key: 'webhooks.rotationGraceMs', env: 'VIGIL_WEBHOOKS_ROTATION_GRACE_MS', type: 'int', default: 86400000, min: 0, description: 'How long a rotated-out secret keeps signing deliveries alongside the new one.' },
  { key: 'webhooks.sourcesFile', env: 'VIGIL_WEBHOOKS_SOURCES_FILE', type: 'string', default: undefined, description: 'Inbound webhook sources (default: the bundled rules/webhooks/sources.yml; secrets from WEBHOOK_IN_* variables).' },
  { key: 'webhooks.inboundBodyLimit', env: 'VIGIL_WEBHOOKS_INBOUND_BODY_LIMIT', type: 'int', default: 1048576, min: 1024, description: 'Largest inbound webhook body in bytes.' },
  { key: 'webhooks.exportTlp', env: 'VIGIL_WEBHOOKS_EXPORT_TLP', type: 'enum', default: 'amber', values: ['white', 'green', 'amber', 'red'], description: 'TLP marking of STIX incident exports.' },
  { key: 'shutdownTimeoutMs', env: 'VIGIL_SHUTDOWN_TIMEOUT_MS', type: 'int', default: 15000, min: 0, description: 'How long SIGTERM waits for work in flight before closing anyway.' },
] as const satisfies readonly SettingSpec[];

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  logLevel: string;
  store: 'sqlite' | 'elasticsearch';
  elasticsearch: {
    url?: string;
    apiKey?: string;
    username?: string;
    password?: string;
    caCert?: string;
    indexPrefix: string;
    namespace: string;
    retentionDays: number;
    manageTemplates: boolean;
    bulkMaxDocs: number;
    bulkMaxBytes: number;
    bulkFlushMs: number;
    bulkMaxPendingDocs: number;
    bulkRetryTimeoutMs: number;
  };
  redisUrl?: string;
  tls: 'off' | 'auto' | 'files';
  tlsCert?: string;
  tlsKey?: string;
  bootstrapAdminKey?: string;
  http: { bodyLimit: number };
  ingest: { maxInFlight: number; maxDecompressedBytes: number };
  syslog: {
    host?: string;
    udpPort?: number;
    tcpPort?: number;
    tlsPort?: number;
    tlsCert?: string;
    tlsKey?: string;
    tlsCa?: string;
    timezone: string;
    dataset: string;
    maxFrameBytes: number;
    udpBuffer: number;
  };
  enrich: { inventory?: string; intel: string[]; geoipCity?: string; geoipAsn?: string };
  detection: {
    rules: string[];
    pipelines: string[];
    disabledRules: string[];
    workers: number;
    batchSize: number;
    claimIdleMs: number;
    scheduled: unknown[];
    maxCatchUpWindows: number;
  };
  /** Shapes are checked by response/incidents/config.ts (incidentConfig) at start-up. */
  incidents: {
    groupingWindowMs: number;
    suppressions: unknown[];
    sla: Record<string, unknown>;
    slaNearFraction: number;
    operatorType: 'cii' | 'other';
    reportingInitialMs: Record<string, unknown>;
    reportingSummaryMs: number;
    reportingNearFraction: number;
    reportingMinGrade: string;
    intakeLeaseMs: number;
    detailEventLimit: number;
    clockTickMs: number;
  };
  webhooks: {
    maxAttempts: number;
    minRetryWindowMs: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    timeoutMs: number;
    deliveryIntervalMs: number;
    rotationGraceMs: number;
    sourcesFile?: string;
    inboundBodyLimit: number;
    exportTlp: 'white' | 'green' | 'amber' | 'red';
  };
  playbooks: { enabled: boolean; dir?: string; connectorsFile?: string; intelDir?: string; tickMs: number };
  shutdownTimeoutMs: number;
  /** Where each value came from, for `vigil config` and error messages. */
  origin: Record<string, 'default' | 'file' | 'env' | 'flag'>;
  /** The YAML file read, when any. */
  file?: string;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** --config flag; wins over VIGIL_CONFIG. */
  file?: string;
  /** Command-line flags by setting key (`port`, `host`), the highest precedence. */
  overrides?: Record<string, string | number | undefined>;
}

const specsByKey = new Map<string, SettingSpec>(settings.map((s) => [s.key, s as SettingSpec]));
const specsByEnv = new Map<string, SettingSpec>(settings.map((s) => [s.env, s as SettingSpec]));
/** Environment variables that are not settings but are read by Vigil. */
const otherEnv = new Set(['VIGIL_CONFIG']);

function invalid(where: string, key: string, message: string): VigilError {
  return new VigilError('CONFIG_INVALID', `${where}: ${key}: ${message}`, { source: where, path: key });
}

function coerce(spec: SettingSpec, raw: unknown, where: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw === 'string' && raw !== '') return raw;
      if (typeof raw === 'number') return String(raw);
      throw invalid(where, spec.key, `expected a non-empty string, got ${JSON.stringify(raw)}`);
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n)) throw invalid(where, spec.key, `expected an integer, got ${JSON.stringify(raw)}`);
      if (spec.min !== undefined && n < spec.min) throw invalid(where, spec.key, `must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw invalid(where, spec.key, `must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) throw invalid(where, spec.key, `expected a number, got ${JSON.stringify(raw)}`);
      if (spec.min !== undefined && n < spec.min) throw invalid(where, spec.key, `must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) throw invalid(where, spec.key, `must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'json': {
      // YAML gives a map or list directly; the environment gives it as JSON text.
      let v = raw;
      if (typeof raw === 'string') {
        try {
          v = JSON.parse(raw);
        } catch (err) {
          throw invalid(where, spec.key, `expected JSON (a map or a list): ${(err as Error).message}`);
        }
      }
      if (typeof v !== 'object' || v === null) throw invalid(where, spec.key, `expected a map or a list, got ${JSON.stringify(raw)}`);
      return v;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw invalid(where, spec.key, `expected true or false, got ${JSON.stringify(raw)}`);
    case 'enum':
      if (typeof raw === 'string' && spec.values?.includes(raw)) return raw;
      throw invalid(where, spec.key, `expected one of ${spec.values?.join(', ')}, got ${JSON.stringify(raw)}`);
    case 'list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw as string[];
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      throw invalid(where, spec.key, `expected a list of strings, got ${JSON.stringify(raw)}`);
  }
}

/** Flattens nested YAML maps into dotted keys, stopping at known settings (their value may be a map or list). */
function flatten(obj: Record<string, unknown>, prefix: string, out: Map<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && !specsByKey.has(key)) flatten(v, key, out);
    else out.set(key, v);
  }
}

function readYaml(file: string): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `config file ${file}: cannot read it (${(err as Error).message})`, { source: file });
  }
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (err) {
    const e = err as { mark?: { line: number; column: number }; reason?: string };
    throw new VigilError('CONFIG_INVALID', `config file ${file}:${(e.mark?.line ?? 0) + 1}:${(e.mark?.column ?? 0) + 1}: YAML syntax error: ${e.reason ?? (err as Error).message}`, {
      source: file,
      line: (e.mark?.line ?? 0) + 1,
      column: (e.mark?.column ?? 0) + 1,
    });
  }
  if (doc === undefined || doc === null) return new Map();
  if (!isPlainObject(doc)) throw new VigilError('CONFIG_INVALID', `config file ${file}: expected a map of settings at the top level`, { source: file });
  const flat = new Map<string, unknown>();
  flatten(doc, '', flat);
  return flat;
}

function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

/** Loads and validates the configuration (syntax and types; reachability is checked by checkServices). */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const values = new Map<string, unknown>();
  const origin: Config['origin'] = {};
  for (const s of settings) {
    if (s.default !== undefined) {
      values.set(s.key, s.default);
      origin[s.key] = 'default';
    }
  }
  const file = opts.file ?? env.VIGIL_CONFIG;
  if (file) {
    for (const [key, raw] of readYaml(file)) {
      const spec = specsByKey.get(key);
      if (!spec) {
        throw invalid(`config file ${file}`, key, `unknown setting (known: ${settings.map((s) => s.key).join(', ')})`);
      }
      values.set(key, coerce(spec, raw, `config file ${file}`));
      origin[key] = 'file';
    }
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('VIGIL_') || raw === undefined || otherEnv.has(name)) continue;
    const spec = specsByEnv.get(name);
    if (!spec) {
      const known = settings.map((s) => s.env).join(', ');
      throw new VigilError('CONFIG_INVALID', `environment: ${name}: unknown setting (known: VIGIL_CONFIG, ${known})`, { source: 'environment', path: name });
    }
    if (raw === '') continue;
    values.set(spec.key, coerce(spec, raw, `environment ${name}`));
    origin[spec.key] = 'env';
  }
  for (const [key, raw] of Object.entries(opts.overrides ?? {})) {
    if (raw === undefined) continue;
    const spec = specsByKey.get(key);
    if (!spec) throw new VigilError('CONFIG_INVALID', `flag --${key}: unknown setting`, { source: 'flags', path: key });
    values.set(key, coerce(spec, raw, `flag --${key}`));
    origin[key] = 'flag';
  }

  const out: Record<string, unknown> = { elasticsearch: {}, http: {}, ingest: {}, syslog: {}, enrich: {}, detection: {}, incidents: {}, webhooks: {}, playbooks: {} };
  for (const [k, v] of values) assign(out, k, v);
  const cfg = out as unknown as Config;
  cfg.origin = origin;
  if (file) cfg.file = file;

  if ((cfg.tlsCert || cfg.tlsKey) && cfg.tls === 'off' && origin.tls !== 'env' && origin.tls !== 'file') cfg.tls = 'files';
  if (cfg.tls === 'files' && (!cfg.tlsCert || !cfg.tlsKey)) {
    throw invalid('configuration', cfg.tlsCert ? 'tlsKey' : 'tlsCert', 'tls is "files" but VIGIL_TLS_CERT and VIGIL_TLS_KEY must both be set');
  }
  if (cfg.store === 'elasticsearch' && !cfg.elasticsearch.url) {
    throw invalid('configuration', 'elasticsearch.url', 'store is "elasticsearch" but VIGIL_ELASTICSEARCH_URL is not set');
  }
  if (cfg.elasticsearch.url && !/^https?:\/\//.test(cfg.elasticsearch.url)) {
    throw invalid('configuration', 'elasticsearch.url', `expected an http:// or https:// URL, got "${cfg.elasticsearch.url}"`);
  }
  if (cfg.redisUrl && !/^rediss?:\/\//.test(cfg.redisUrl)) {
    throw invalid('configuration', 'redisUrl', 'expected a redis:// or rediss:// URL (VIGIL_REDIS_URL)');
  }
  return cfg;
}

/** The configuration with secrets masked, for printing and logging. */
export function describeConfig(cfg: Config): Array<{ key: string; env: string; value: string; origin: string }> {
  return settings.map((s) => {
    const parts = s.key.split('.');
    let v: unknown = cfg;
    for (const p of parts) v = isPlainObject(v) ? v[p] : undefined;
    const secret = 'secret' in s && s.secret;
    const value = v === undefined ? '' : secret ? '********' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return { key: s.key, env: s.env, value, origin: cfg.origin[s.key] ?? 'default' };
  });
}
