// The parsed Sigma document model: rules, correlations and filters as immutable, typed data.
// Parsing lives in parse.ts, evaluation in detection/matcher; nothing here does I/O.

/** Every value modifier the engine knows, by its canonical name. */
export const Modifier = {
  contains: 'contains',
  startswith: 'startswith',
  endswith: 'endswith',
  all: 'all',
  cased: 'cased',
  re: 're',
  i: 'i',
  m: 'm',
  s: 's',
  base64: 'base64',
  base64offset: 'base64offset',
  wide: 'wide',
  utf16le: 'utf16le',
  utf16be: 'utf16be',
  utf16: 'utf16',
  windash: 'windash',
  cidr: 'cidr',
  exists: 'exists',
  fieldref: 'fieldref',
  expand: 'expand',
  lt: 'lt',
  lte: 'lte',
  gt: 'gt',
  gte: 'gte',
  neq: 'neq',
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  year: 'year',
} as const;
export type Modifier = (typeof Modifier)[keyof typeof Modifier];

/**
 * A value exactly as the rule wrote it. Strings keep their raw text (Sigma escapes unresolved)
 * because `re` takes the text verbatim while plain strings give `\*` a meaning.
 */
export type SigmaValue =
  | { kind: 'string'; raw: string }
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

/** One `field|mod…: values` entry, or a keyword entry when `field` is null. */
export interface DetectionItem {
  readonly kind: 'item';
  readonly field: string | null;
  readonly modifiers: readonly Modifier[];
  /** OR-linked, or AND-linked when `modifiers` holds `all`. Empty list means "field is null". */
  readonly values: readonly SigmaValue[];
  /** YAML path inside the rule, e.g. `detection.selection.Image|endswith`. */
  readonly path: string;
  /** 1-based position of the key in the file, for compile errors. */
  readonly line?: number;
  readonly column?: number;
}

/** A search identifier's body: a map is `all` (AND) of its entries, a list is `any` (OR). */
export interface Detection {
  readonly kind: 'all' | 'any';
  readonly parts: readonly (Detection | DetectionItem)[];
  readonly path: string;
}

/**
 * Condition AST. `of` with pattern `them` means every identifier not starting with `_`;
 * other patterns use `*` for any run of characters.
 */
export type ConditionNode =
  | { readonly kind: 'and' | 'or'; readonly args: readonly ConditionNode[] }
  | { readonly kind: 'not'; readonly arg: ConditionNode }
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'of'; readonly quantifier: 'one' | 'all'; readonly pattern: string };

export interface SigmaDetection {
  /** Search identifiers in rule order. */
  readonly searches: Readonly<Record<string, Detection>>;
  readonly condition: ConditionNode;
  /** The condition text(s) as written, for display. */
  readonly conditionText: readonly string[];
}

export interface SigmaLogsource {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
  readonly definition?: string;
}

export const RelationType = {
  derived: 'derived',
  obsolete: 'obsolete',
  merged: 'merged',
  renamed: 'renamed',
  similar: 'similar',
} as const;
export type RelationType = (typeof RelationType)[keyof typeof RelationType];

export const SigmaLevel = {
  informational: 'informational',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
} as const;
export type SigmaLevel = (typeof SigmaLevel)[keyof typeof SigmaLevel];

export const SigmaStatus = {
  stable: 'stable',
  test: 'test',
  experimental: 'experimental',
  deprecated: 'deprecated',
  unsupported: 'unsupported',
} as const;
export type SigmaStatus = (typeof SigmaStatus)[keyof typeof SigmaStatus];

/** Metadata every document kind shares. */
export interface SigmaMeta {
  /** File the document came from. */
  readonly source: string;
  /** Index of the YAML document inside the file (0-based). */
  readonly documentIndex: number;
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly description?: string;
  readonly status?: SigmaStatus;
  readonly level?: SigmaLevel;
  /** Kept on every alert: the Detection Rule License requires naming the author. */
  readonly author?: string;
  readonly license?: string;
  readonly taxonomy?: string;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly related: readonly { readonly id: string; readonly type: RelationType }[];
  /** `YYYY-MM-DD` as written (never a Date). */
  readonly date?: string;
  readonly modified?: string;
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
  readonly scope: readonly string[];
  /** Keys the specification does not define (e.g. `regression_tests_path`, `simulation`). */
  readonly custom: Readonly<Record<string, unknown>>;
}

export interface SigmaRule extends SigmaMeta {
  readonly logsource: SigmaLogsource;
  readonly detection: SigmaDetection;
}

export const CorrelationType = {
  event_count: 'event_count',
  value_count: 'value_count',
  temporal: 'temporal',
  temporal_ordered: 'temporal_ordered',
  value_sum: 'value_sum',
  value_avg: 'value_avg',
  value_percentile: 'value_percentile',
  value_median: 'value_median',
} as const;
export type CorrelationType = (typeof CorrelationType)[keyof typeof CorrelationType];

export const CorrelationOperator = { gt: 'gt', gte: 'gte', lt: 'lt', lte: 'lte', eq: 'eq', neq: 'neq' } as const;
export type CorrelationOperator = (typeof CorrelationOperator)[keyof typeof CorrelationOperator];

/** Threshold test on the per-group aggregate (count, distinct count, sum…). */
export interface CorrelationThreshold {
  readonly kind: 'threshold';
  readonly operator: CorrelationOperator;
  readonly value: number;
  /** The field counted/summed for `value_*` types. */
  readonly field?: string;
  readonly percentile?: number;
}

/** pySigma extension for temporal types: a boolean expression over referenced rule names. */
export interface CorrelationExpression {
  readonly kind: 'expression';
  readonly text: string;
  readonly condition: ConditionNode;
}

export interface SigmaCorrelationSpec {
  readonly type: CorrelationType;
  /** Rule ids or names, as written; resolution is the evaluator's job (id first, then name). */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  /** As written, e.g. `5m`. */
  readonly timespan: string;
  readonly timespanSeconds: number;
  readonly condition: CorrelationThreshold | CorrelationExpression;
  /** alias → (rule id or name → field name in that rule's events). */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** False: the referenced rules raise no alerts of their own. */
  readonly generate: boolean;
}

export interface SigmaCorrelation extends SigmaMeta {
  readonly correlation: SigmaCorrelationSpec;
}

export interface SigmaFilterSpec {
  /** Targeted rule ids or names; `any` targets every rule the logsource covers. */
  readonly rules: readonly string[] | 'any';
  readonly searches: Readonly<Record<string, Detection>>;
  readonly condition: ConditionNode;
  readonly conditionText: string;
}

export interface SigmaFilter extends SigmaMeta {
  readonly logsource: SigmaLogsource;
  readonly filter: SigmaFilterSpec;
}

export type SigmaDocument =
  | ({ readonly type: 'rule' } & SigmaRule)
  | ({ readonly type: 'correlation' } & SigmaCorrelation)
  | ({ readonly type: 'filter' } & SigmaFilter);
