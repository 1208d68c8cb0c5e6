// The playbook model: what a loaded YAML playbook is, what a step kind must provide, and the
// narrow ports the runner needs from the rest of Vigil (incidents, HTTP connectors, intel lists).
import type { Actor } from '../../core/auth/api-keys.ts';
import type { Incident } from '../../core/storage/types.ts';
import type { Condition } from './condition.ts';
import type { FieldSchema } from './input-schema.ts';

/** Lifecycle phases of DESIGN.md "The security-operation lifecycle"; every step names one. */
export const Phase = {
  prepare: 'prepare',
  monitor: 'monitor',
  warn: 'warn',
  respond: 'respond',
  recover: 'recover',
  review: 'review',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];
export const phases: readonly Phase[] = Object.values(Phase);

/** Notice types a playbook may be triggered by. */
export const TriggerType = {
  incidentCreated: 'incident.created',
  incidentStateChanged: 'incident.state_changed',
  incidentUpdated: 'incident.updated',
  slaBreached: 'sla.breached',
  reportingDue: 'reporting.due',
  reportingMissed: 'reporting.missed',
} as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];
export const triggerTypes: readonly TriggerType[] = Object.values(TriggerType);

/**
 * Incident states (the incidents stage's lifecycle table). Repeated here, not imported, because
 * playbooks talk to incidents only through PlaybookIncidentPort; transition steps are checked
 * against it at load.
 */
export const incidentStates = ['new', 'triaged', 'contained', 'eradicated', 'recovered', 'closed'] as const;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialMs: number;
  factor: number;
  maxMs: number;
}

export interface PlaybookTrigger {
  on: TriggerType[];
  /** Field conditions on `incident` and `trigger` (all must hold). */
  when?: Condition;
}

export interface PlaybookStep {
  id: string;
  /** Index in `steps`, for error paths (`steps[2].with.ip`). */
  index: number;
  kind: string;
  phase: Phase;
  name?: string;
  /** Raw inputs; strings may hold templates, rendered when the step starts. */
  with: Record<string, unknown>;
  /** Runs the step only when this holds; otherwise it is skipped. */
  when?: Condition;
  retry: RetryPolicy;
  timeoutMs: number;
  /** A final failure of this step does not fail the run. @default false */
  continueOnFailure: boolean;
}

export interface Playbook {
  id: string;
  title: string;
  description?: string;
  /** sha256 of the YAML text (first 16 hex): the version a run pins. */
  version: string;
  /** File the playbook came from, relative when loaded from a folder. */
  source: string;
  enabled: boolean;
  trigger: PlaybookTrigger;
  steps: PlaybookStep[];
}

// ---------------------------------------------------------------- ports

export interface PlaybookIncidentPort {
  get(id: string): Promise<Incident | undefined>;
  transition(id: string, body: { to: string; resolution?: string; summary?: string }, actor: Actor): Promise<Incident>;
  setFields(id: string, fields: Record<string, unknown>, actor: Actor): Promise<Incident>;
  appendTimeline(id: string, kind: string, data: Record<string, unknown>, actor: Actor): Promise<void>;
}

export interface HttpResult {
  status: number;
  /** Parsed JSON when the reply was JSON, the text otherwise (truncated). */
  body: unknown;
}

export interface ConnectorCallOptions {
  idempotencyKey: string;
  signal: AbortSignal;
}

/** Calls configured action connectors and plain HTTP endpoints (connectors.ts). */
export interface ConnectorClient {
  has(name: string): boolean;
  names(): string[];
  /** Renders the connector's URL/body templates with `vars` and sends the request. */
  call(name: string, vars: Record<string, unknown>, opts: ConnectorCallOptions): Promise<HttpResult>;
  /** What `call` would send, without sending it (dry-run). */
  describe(name: string, vars: Record<string, unknown>): { method: string; url: string; body?: unknown };
  send(req: HttpRequestSpec, opts: ConnectorCallOptions): Promise<HttpResult>;
}

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  success?: SuccessCondition;
}

export interface SuccessCondition {
  /** @default any 2xx */
  status?: number[];
  /** Dotted path into the JSON reply that must equal `equals`. */
  jsonPath?: string;
  equals?: unknown;
}

export interface IntelHit {
  list: string;
  indicator: string;
}

/** Threat-intel lists (indicator sets) the enrich step can consult. */
export interface IntelLookup {
  lookup(type: string, value: string): Promise<IntelHit[]>;
}

// ---------------------------------------------------------------- step kinds

export interface StepContext {
  runId: string;
  playbookId: string;
  stepId: string;
  incidentId?: string;
  /** Same across attempts and restarts of one step: receivers deduplicate on it. */
  idempotencyKey: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the step's timeout expires. */
  signal: AbortSignal;
  connectors: ConnectorClient;
  incidents: PlaybookIncidentPort;
  intel?: IntelLookup;
  /** Who the playbook acts as (timeline, audit). */
  actor: Actor;
  now(): Date;
}

export interface PlanContext {
  connectors: ConnectorClient;
  incidentId?: string;
}

/** Load-time checks beyond the input schema (a connector exists, a state is known). */
export interface StepCheckContext {
  connectors: ReadonlySet<string>;
  /** Ids of the steps after this one, in order (branch targets). */
  laterStepIds: readonly string[];
}

interface StepKindBase<I> {
  readonly kind: string;
  /** Changes something outside Vigil that hurts when wrong: an approval step must come first. */
  readonly destructive: boolean;
  readonly inputSchema: Record<string, FieldSchema>;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly summary: string;
  /** Extra load-time problems as [path under `with`, reason]. */
  check?(input: Record<string, unknown>, ctx: StepCheckContext): Array<[string, string]>;
  /** A one-line, side-effect-free description of what the step would do. */
  plan(input: I, ctx: PlanContext): string;
}

/** A step with a side effect, run by the runner with retries, timeout and idempotency key. */
export interface EffectStepKind<I = Record<string, unknown>, O = unknown> extends StepKindBase<I> {
  readonly control?: undefined;
  run(input: I, ctx: StepContext): Promise<O>;
}

/** Steps the runner itself interprets: approval gates and branches. */
export interface ControlStepKind<I = Record<string, unknown>> extends StepKindBase<I> {
  readonly control: 'approval' | 'branch';
}

export type StepKind = EffectStepKind | ControlStepKind;
