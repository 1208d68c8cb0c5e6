// Storage contracts. Every engine (SQLite embedded, Elasticsearch) implements all of them and
// passes the same suite in test/contract/. Times are ISO 8601 strings in UTC.
import type { EcsEvent } from '../ecs.ts';
import type { ErrorRecord } from '../errors.ts';
import type { QueryNode } from '../query/ast.ts';
import type { Health } from '../queue/types.ts';

export interface TimeRange {
  /** Inclusive lower bound. */
  from?: string;
  /** Exclusive upper bound. */
  to?: string;
}

export interface PageRequest {
  /** @default 50 */
  limit: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow. */
  nextCursor?: string;
}

export type SortOrder = 'asc' | 'desc';

export interface Bucket {
  key: string;
  count: number;
}

export interface TimeBucket {
  /** Bucket start, ISO. */
  start: string;
  count: number;
}

// ---------------------------------------------------------------- events

export interface StoredEvent {
  id: string;
  /** The event's @timestamp (or ingest time when it had none). */
  timestamp: string;
  ingestedAt: string;
  dataset?: string;
  kind?: string;
  doc: EcsEvent;
}

export interface EventQuery {
  query?: QueryNode;
  range?: TimeRange;
}

export interface EventStore {
  /** Stores the events durably before resolving; returns their ids in input order. */
  append(events: readonly EcsEvent[]): Promise<string[]>;
  get(id: string): Promise<StoredEvent | undefined>;
  getMany(ids: readonly string[]): Promise<StoredEvent[]>;
  /** Ordered by timestamp then id; `desc` by default (newest first). */
  search(q: EventQuery, page: PageRequest, order?: SortOrder): Promise<Page<StoredEvent>>;
  count(q: EventQuery): Promise<number>;
  /** Counts per value of a field (top `size`, by count). */
  terms(q: EventQuery, field: string, size: number): Promise<Bucket[]>;
  histogram(q: EventQuery, intervalMs: number): Promise<TimeBucket[]>;
}

// ---------------------------------------------------------------- alerts

export const Severity = {
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];
export const severityRank: Record<Severity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface AlertEntities {
  hosts: string[];
  users: string[];
  sourceIps: string[];
  destinationIps: string[];
  processes: string[];
  hashes: string[];
}

export interface Alert {
  /** Deterministic (rule + events + grouping terms) so re-detection never duplicates. */
  id: string;
  ruleId: string;
  ruleTitle: string;
  ruleLevel: Severity;
  ruleAuthor?: string;
  ruleTags: string[];
  tactics: string[];
  techniques: string[];
  severity: Severity;
  riskScore: number;
  eventIds: string[];
  /** Copies of the matched events' key fields. */
  events: EcsEvent[];
  entities: AlertEntities;
  eventTime: string;
  detectedAt: string;
  origin: 'stream' | 'scheduled' | 'correlation' | 'webhook';
  groupKey: string;
  incidentId?: string;
  status: 'open' | 'false_positive' | 'closed';
  /** Anything else a stage attaches (correlation details, sender ids …). */
  data: Record<string, unknown>;
}

export interface AlertFilter {
  range?: TimeRange;
  ruleId?: string;
  severity?: Severity[];
  incidentId?: string;
  status?: Alert['status'][];
  host?: string;
  user?: string;
}

export type AlertChange = Partial<Pick<Alert, 'incidentId' | 'status' | 'data'>>;

export interface AlertStore {
  /** Idempotent on id: an alert already stored is reported as a duplicate and left unchanged. */
  put(alerts: readonly Alert[]): Promise<{ inserted: string[]; duplicates: string[] }>;
  get(id: string): Promise<Alert | undefined>;
  list(filter: AlertFilter, page: PageRequest): Promise<Page<Alert>>;
  update(id: string, change: AlertChange): Promise<Alert>;
  count(filter: AlertFilter): Promise<number>;
  countBy(filter: AlertFilter, field: 'severity' | 'ruleId' | 'status'): Promise<Bucket[]>;
  histogram(filter: AlertFilter, intervalMs: number): Promise<TimeBucket[]>;
}

// ---------------------------------------------------------------- incidents

export interface Incident {
  id: string;
  /** Starts at 1; every update increments it. */
  version: number;
  title: string;
  state: string;
  severity: Severity;
  grade?: string;
  category?: string;
  subcategory?: string;
  assignee?: string;
  tags: string[];
  ruleIds: string[];
  hosts: string[];
  users: string[];
  groupKey?: string;
  createdAt: string;
  updatedAt: string;
  /** Stage-owned details: observables, clocks, resolution, SLA state … */
  fields: Record<string, unknown>;
}

export type NewIncident = Omit<Incident, 'version' | 'createdAt' | 'updatedAt'> & { createdAt?: string };
export type IncidentChange = Partial<Omit<Incident, 'id' | 'version' | 'createdAt' | 'updatedAt'>>;

export interface TimelineEntry {
  id: string;
  incidentId: string;
  at: string;
  actor: string;
  /** 'created', 'transition', 'comment', 'assign', 'playbook_step', 'sla_breach' … */
  kind: string;
  data: Record<string, unknown>;
}

export interface IncidentFilter {
  state?: string[];
  severity?: Severity[];
  grade?: string[];
  category?: string[];
  assignee?: string;
  ruleId?: string;
  host?: string;
  user?: string;
  groupKey?: string;
  /** On createdAt. */
  range?: TimeRange;
  /** Case-insensitive substring of title, tags, hosts, users. */
  text?: string;
  sort?: { field: 'createdAt' | 'updatedAt' | 'severity'; order: SortOrder };
}

export interface IncidentStore {
  create(incident: NewIncident): Promise<Incident>;
  get(id: string): Promise<Incident | undefined>;
  /** Throws STORE_VERSION_CONFLICT when expectedVersion is not the stored version. */
  update(id: string, expectedVersion: number, change: IncidentChange): Promise<Incident>;
  list(filter: IncidentFilter, page: PageRequest): Promise<Page<Incident>>;
  countBy(filter: IncidentFilter, field: 'state' | 'grade' | 'category' | 'severity'): Promise<Bucket[]>;
  /** Append-only; entries are never changed or removed. */
  appendTimeline(entries: readonly TimelineEntry[]): Promise<void>;
  timeline(incidentId: string): Promise<TimelineEntry[]>;
}

// ---------------------------------------------------------------- audit

export interface AuditEntry {
  id: string;
  at: string;
  /** 'key:<id> (<name>)' or 'system'. */
  actor: string;
  /** 'keys.create', 'incident.transition' … */
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

export interface AuditFilter {
  range?: TimeRange;
  actor?: string;
  action?: string;
  target?: string;
}

export interface AuditLog {
  /** Append-only: there is no update or delete. */
  append(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<AuditEntry>;
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}

// ---------------------------------------------------------------- playbook runs

export type RunStatus = 'pending' | 'running' | 'waiting_approval' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus =
  | 'pending'
  | 'running'
  | 'waiting_approval'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'denied';

export interface StepState {
  stepId: string;
  status: StepStatus;
  attempt: number;
  nextAttemptAt?: string;
  idempotencyKey: string;
  input?: unknown;
  output?: unknown;
  error?: ErrorRecord;
  startedAt?: string;
  finishedAt?: string;
  decision?: { approved: boolean; by: string; reason: string; at: string };
}

export interface PlaybookRun {
  id: string;
  version: number;
  playbookId: string;
  /** The playbook version the run pinned when it started. */
  playbookVersion: string;
  incidentId?: string;
  status: RunStatus;
  trigger: string;
  dryRun: boolean;
  steps: StepState[];
  /** When the runner should look at this run again (retry backoff, approval timeout). */
  wakeAt?: string;
  createdAt: string;
  updatedAt: string;
  data: Record<string, unknown>;
}

export type NewPlaybookRun = Omit<PlaybookRun, 'version' | 'createdAt' | 'updatedAt'>;
export type PlaybookRunChange = Partial<Pick<PlaybookRun, 'status' | 'steps' | 'wakeAt' | 'data'>>;

export interface PlaybookRunStore {
  create(run: NewPlaybookRun): Promise<PlaybookRun>;
  get(id: string): Promise<PlaybookRun | undefined>;
  /** Throws STORE_VERSION_CONFLICT when expectedVersion is stale. */
  update(id: string, expectedVersion: number, change: PlaybookRunChange): Promise<PlaybookRun>;
  list(filter: { incidentId?: string; status?: RunStatus[] }, page: PageRequest): Promise<Page<PlaybookRun>>;
  /** Runs in pending/running, or with wakeAt <= now: what a (re)started runner picks up. */
  resumable(now: string, limit: number): Promise<PlaybookRun[]>;
}

// ---------------------------------------------------------------- webhook outbox

export interface OutboxDelivery {
  /** Also the `webhook-id` header: receivers deduplicate on it. */
  id: string;
  subscriptionId: string;
  eventType: string;
  /** Deliveries with one key are sent in creation order (per incident). */
  orderingKey: string;
  payload: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt?: string;
  lastStatus?: number;
  lastError?: ErrorRecord;
}

export interface WebhookOutbox {
  enqueue(deliveries: ReadonlyArray<Omit<OutboxDelivery, 'status' | 'attempts'>>): Promise<void>;
  /**
   * Pending deliveries due at `now`, at most one per ordering key (the oldest undelivered one,
   * so order per key holds), leased for leaseMs so another process does not take them too.
   */
  claimDue(now: string, limit: number, leaseMs: number): Promise<OutboxDelivery[]>;
  markDelivered(id: string, status: number, at: string): Promise<void>;
  /** nextAttemptAt undefined ⇒ dead-lettered. */
  markFailed(id: string, error: ErrorRecord, status: number | undefined, nextAttemptAt: string | undefined): Promise<void>;
  get(id: string): Promise<OutboxDelivery | undefined>;
  list(
    filter: { subscriptionId?: string; status?: OutboxDelivery['status'][] },
    page: PageRequest,
  ): Promise<Page<OutboxDelivery>>;
  /** Puts a delivered or dead delivery back to pending, due now. */
  redeliver(id: string, now: string): Promise<OutboxDelivery>;
}

// ---------------------------------------------------------------- API keys

export const Role = {
  admin: 'admin',
  analyst: 'analyst',
  responder: 'responder',
  compliance: 'compliance',
  ingest: 'ingest',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const roles: readonly Role[] = Object.values(Role);

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** SHA-256 of the secret part, hex. The key itself is never stored. */
  hash: string;
  /** First characters of the key, to recognise it in lists. */
  prefix: string;
  createdAt: string;
  createdBy?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

export interface ApiKeyStore {
  create(rec: ApiKeyRecord): Promise<void>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(id: string, at: string): Promise<ApiKeyRecord | undefined>;
  touch(id: string, at: string): Promise<void>;
  count(): Promise<number>;
}

// ---------------------------------------------------------------- documents

/**
 * Small versioned JSON documents grouped in collections: rule exceptions, suppression windows,
 * scheduled-search checkpoints, webhook subscriptions, rule settings, inbound dedup keys.
 */
export interface StoredDocument<T = unknown> {
  collection: string;
  id: string;
  version: number;
  updatedAt: string;
  body: T;
}

export interface DocumentStore {
  get<T>(collection: string, id: string): Promise<StoredDocument<T> | undefined>;
  /**
   * Creates (expectedVersion 0 or undefined when absent) or replaces the document. With an
   * expectedVersion that is not the stored one, throws STORE_VERSION_CONFLICT.
   */
  put<T>(collection: string, id: string, body: T, expectedVersion?: number): Promise<StoredDocument<T>>;
  /** Creates the document only when absent; false when it already existed (dedup keys). */
  putIfAbsent<T>(collection: string, id: string, body: T): Promise<boolean>;
  list<T>(collection: string): Promise<StoredDocument<T>[]>;
  delete(collection: string, id: string): Promise<boolean>;
}

// ---------------------------------------------------------------- the engine

export interface StorageEngine {
  readonly kind: 'sqlite' | 'elasticsearch';
  readonly events: EventStore;
  readonly alerts: AlertStore;
  readonly incidents: IncidentStore;
  readonly audit: AuditLog;
  readonly runs: PlaybookRunStore;
  readonly outbox: WebhookOutbox;
  readonly keys: ApiKeyStore;
  readonly docs: DocumentStore;
  ready(): Promise<Health>;
  /** Flushes and closes; nothing acknowledged before close is lost. */
  close(): Promise<void>;
}
