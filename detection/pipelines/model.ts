// Field-mapping pipelines as loaded from rules/pipelines/*.yml: per-logsource field tables, raw-name
// fallbacks and the routing table that tells which logsource an event belongs to.
import type { SigmaLogsource } from '../sigma/index.ts';

export interface FieldMapping {
  /** Rules whose logsource this contains use the table (Sigma logsource containment). */
  readonly logsource: SigmaLogsource;
  /** Sigma field name → event paths tried in order. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
}

/** A value an event fact must have; '*' means "present with any value". Compared case-insensitively. */
export type RouteCondition = Readonly<Record<string, readonly string[]>>;

export interface RouteLogsource {
  readonly product: readonly string[];
  readonly service: readonly string[];
  readonly category: readonly string[];
}

export interface Route {
  /** Every key must match: a routing fact (channel, provider, event_id) or an event path (event.dataset). */
  readonly when: RouteCondition;
  readonly logsource: RouteLogsource;
  /** Extra categories by event id (Sysmon 1 → process_creation). */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** `file:index` of the route, for messages. */
  readonly origin: string;
}

export interface Pipeline {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  /** Path templates tried after the mapped paths; `{field}` is the Sigma field name. */
  readonly fallback: readonly string[];
  readonly mappings: readonly FieldMapping[];
  readonly routes: readonly Route[];
  /** Values for `|expand` placeholders, by name without the % signs. */
  readonly placeholders: Readonly<Record<string, readonly string[]>>;
}
