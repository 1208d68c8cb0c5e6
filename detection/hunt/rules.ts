// Loads Sigma rule files for hunting and validation: parse, apply filters, compile each rule once
// with the pipelines' field mapping, and collect every problem as {file, id, error}. Parsing and
// compiling are separate so a coordinating thread can keep metadata while workers compile.
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { type CompiledRule, compileRule } from '../matcher/index.ts';
import { createFieldResolver, type Pipeline, placeholderValues } from '../pipelines/index.ts';
import { applyFilters, loadSigmaPaths, type SigmaCorrelation, type SigmaFilter, type SigmaRule } from '../sigma/index.ts';

export interface RuleProblem {
  file: string;
  /** The rule's id, or its title when it has none, or '' when the document could not be read. */
  id: string;
  error: string;
}

export interface RuleDocuments {
  /** Rules after filters were applied, in load order (files sorted, documents in file order). */
  readonly rules: SigmaRule[];
  /** Correlations whose referenced rules are loaded and whose type is evaluated. */
  readonly correlations: SigmaCorrelation[];
  readonly filters: SigmaFilter[];
  /** Parse and correlation problems. */
  readonly problems: RuleProblem[];
  readonly files: number;
  /** Rule, correlation and filter documents seen, including the ones that failed. */
  readonly total: number;
}

export interface HuntRules extends RuleDocuments {
  /** Compiled rules in load order; rules that failed to compile are left out (see problems). */
  readonly compiled: CompiledRule[];
}

const UUID_AT_START = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

/** Identifies a rule across threads that loaded the same files. */
export function ruleKey(rule: SigmaRule): string {
  return `${rule.source}\u0000${rule.documentIndex}`;
}

export function loadRuleDocuments(paths: readonly string[]): RuleDocuments {
  const { documents, errors, files } = loadSigmaPaths([...paths]);
  const problems: RuleProblem[] = [];
  // A document can yield several errors; it counts once as failed (keyed by file + document).
  const failedDocs = new Set<string>();
  for (const e of errors) {
    const file = e.location?.source ?? '';
    const id = UUID_AT_START.exec(e.message)?.[1] ?? '';
    failedDocs.add(`${file}\u0000${id || e.message}`);
    problems.push({ file, id, error: e.message });
  }
  const rules: SigmaRule[] = [];
  const correlations: SigmaCorrelation[] = [];
  const filters: SigmaFilter[] = [];
  for (const d of documents) {
    if (d.type === 'rule') rules.push(d);
    else if (d.type === 'correlation') correlations.push(d);
    else filters.push(d);
  }
  const known = new Set<string>();
  for (const r of [...rules, ...correlations]) {
    if (r.id) known.add(r.id);
    if (r.name) known.add(r.name);
  }
  const usable: SigmaCorrelation[] = [];
  for (const c of correlations) {
    const missing = c.correlation.rules.filter((r) => !known.has(r));
    const type = c.correlation.type;
    if (missing.length > 0) {
      problems.push({ file: c.source, id: c.id ?? c.title, error: `${c.source} correlation.rules: no loaded rule has the id or name ${missing.map((m) => `'${m}'`).join(', ')}` });
    } else if (type !== 'event_count' && type !== 'value_count' && type !== 'temporal' && type !== 'temporal_ordered') {
      const e = new VigilError(ErrorCode.SIGMA_UNSUPPORTED, `${c.source} correlation.type: '${type}' is not evaluated (supported: event_count, value_count, temporal, temporal_ordered)`);
      problems.push({ file: c.source, id: c.id ?? c.title, error: e.message });
    } else {
      usable.push(c);
    }
  }
  return { rules: applyFilters(rules, filters), correlations: usable, filters, problems, files, total: documents.length + failedDocs.size };
}

/** Compiles every rule; failures become problems. */
export function compileRules(docs: RuleDocuments, pipelines: readonly Pipeline[]): HuntRules {
  const resolveField = createFieldResolver(pipelines);
  const placeholders = placeholderValues(pipelines);
  const compiled: CompiledRule[] = [];
  const problems = [...docs.problems];
  for (const rule of docs.rules) {
    try {
      compiled.push(compileRule(rule, { resolveField, placeholders }));
    } catch (err) {
      problems.push({ file: rule.source, id: rule.id ?? rule.title, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { ...docs, compiled, problems };
}

export function loadHuntRules(paths: readonly string[], pipelines: readonly Pipeline[]): HuntRules {
  return compileRules(loadRuleDocuments(paths), pipelines);
}
