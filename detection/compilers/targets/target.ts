// The contract of a conversion target: one Sigma rule in, one query in the target's language out,
// through the same field mapping (pipelines) as the streaming matcher. `vigil rules convert`
// prints `render(compile(rule))`; a rule a target cannot express throws SIGMA_UNSUPPORTED.
import { ErrorCode, formatLocation, VigilError } from '../../../core/errors.ts';
import type { Pipeline } from '../../pipelines/index.ts';
import type { SigmaCorrelation, SigmaRule } from '../../sigma/index.ts';

export const TargetName = {
  esDsl: 'es-dsl',
  lucene: 'lucene',
  esql: 'esql',
  sql: 'sql',
} as const;
export type TargetName = (typeof TargetName)[keyof typeof TargetName];

export interface CompileTarget<Out> {
  readonly name: TargetName;
  /** One line for --help and the README. */
  readonly description: string;
  /** The field mapping and routing tables the rule goes through. */
  readonly pipelines: readonly Pipeline[];
  /** Throws VigilError (SIGMA_UNSUPPORTED, SIGMA_INVALID …) naming the rule, its file and the reason. */
  compile(rule: SigmaRule): Out;
  /** The compiled query as a user pastes it (JSON for es-dsl, query text for the others). */
  render(out: Out): string;
}

export interface TargetOptions {
  pipelines: readonly Pipeline[];
  /**
   * Restrict the query to events of the rule's logsource, as the streaming router decides it.
   * @default true for es-dsl and sql (what the stores run), false for lucene and esql (pasted into
   * Kibana, where the data view or FROM pattern scopes the search)
   */
  logsource?: boolean;
  /**
   * Keep every candidate path of a field (the raw-name fallbacks the streaming matcher reads) in
   * lucene and esql output. es-dsl and sql always keep them: they are what the stores run.
   * @default false
   */
  allPaths?: boolean;
  /** Index pattern for ES|QL's FROM. @default 'logs-*' */
  index?: string;
}

export function ruleLabel(rule: SigmaRule): string {
  return rule.id ?? rule.name ?? rule.title;
}

/**
 * Re-raises a store compiler's refusal (which only knows the field) as the rule's own error, so
 * the user sees which rule, which file and which target refused it.
 */
export function refusal(target: TargetName, rule: SigmaRule, err: unknown): VigilError {
  if (err instanceof VigilError && err.message.startsWith(`${ruleLabel(rule)}: `)) return err;
  const reason = err instanceof Error ? err.message.replace(/^q: /, '') : String(err);
  const location = { source: rule.source };
  return new VigilError(ErrorCode.SIGMA_UNSUPPORTED, `${ruleLabel(rule)}: ${formatLocation(location)}: ${target}: ${reason}`, location, { cause: err });
}

/** A target's own refusal of a construct; `refusal` adds the rule and the target's name. */
export function unsupported(what: string): VigilError {
  return new VigilError(ErrorCode.SIGMA_UNSUPPORTED, what);
}

/** Why a correlation has no query in any target; its base rules convert on their own. */
export function correlationRefusal(doc: SigmaCorrelation): VigilError {
  return new VigilError(
    ErrorCode.SIGMA_UNSUPPORTED,
    `${doc.id ?? doc.name ?? doc.title}: ${doc.source}: correlation: evaluated by the streaming engine, not convertible to a single query (its base rules ${doc.correlation.rules.join(', ')} convert on their own)`,
    { source: doc.source, path: 'correlation' },
  );
}
