// In-memory Sigma evaluation: compile a rule once into closures, then test events against it.
import type { EcsEvent } from '../../core/ecs.ts';
import type { SigmaRule } from '../sigma/model.ts';

/**
 * Returns an accessor for a Sigma field name (after field mapping): the value(s) at that field
 * in an event, `undefined` when absent. Arrays mean "any element".
 */
export type FieldResolver = (sigmaField: string, rule: SigmaRule) => (event: EcsEvent) => unknown;

export interface MatcherOptions {
  /** @default getPath(event, field) from core/ecs.ts */
  resolveField?: FieldResolver;
  /** For `|expand`: '%Workstations%' → values; an unknown placeholder is a compile error. */
  placeholders?: Record<string, string[]>;
  /** Values searched by keyword (unnamed) detections; @default every scalar string/number in the event, recursively. */
  keywordValues?: (event: EcsEvent) => Iterable<string>;
}

export interface CompiledRule {
  readonly rule: SigmaRule;
  match(event: EcsEvent): boolean;
  /** Sigma field names the rule reads. */
  readonly fields: readonly string[];
}

/** Compiles a rule to closures; throws VigilError with the rule's location on bad values. */
export function compileRule(rule: SigmaRule, opts: MatcherOptions = {}): CompiledRule {
  void opts;
  return { rule, match: () => false, fields: [] };
}

/**
 * For rule indexing: when every possible match requires `field` (Sigma name, e.g. 'EventID') to
 * equal one of a finite set of values, returns that set (strings, lower-cased); else undefined.
 */
export function requiredValues(rule: SigmaRule, field: string): Set<string> | undefined {
  void rule;
  void field;
  return undefined;
}
