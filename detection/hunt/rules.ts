// Loads Sigma rule files for hunting and validation: parse, apply filters, compile each rule once
// with the pipelines' field mapping, and collect every problem as {file, id, error}. Parsing and
// compiling are separate so a coordinating thread can keep metadata while workers compile.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { type Correlator, createCorrelator } from '../correlation/index.ts';
import { type CompiledRule, compileRule } from '../matcher/index.ts';
import { createFieldResolver, type Pipeline, placeholderValues } from '../pipelines/index.ts';
import {
  applyFilters,
  type Detection,
  type DetectionItem,
  loadSigmaPaths,
  type SigmaCorrelation,
  type SigmaFilter,
  type SigmaRule,
} from '../sigma/index.ts';

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
  /** Rules whose `|expand` placeholders have no values in the pipelines (rules/pipelines/placeholders.yml). */
  readonly unconfigured: RuleProblem[];
}

export interface CompileOptions {
  /**
   * 'hunt' leaves out rules whose placeholders have no values (they cannot run); 'validate' checks
   * them with stand-in values, since the values are deployment settings, not part of the rule.
   * @default 'hunt'
   */
  mode?: 'hunt' | 'validate';
}

/** Placeholder names (without %) a rule's `|expand` values use. */
export function placeholderNames(rule: SigmaRule): string[] {
  const names = new Set<string>();
  const walk = (d: Detection | DetectionItem): void => {
    if (d.kind !== 'item') {
      for (const p of d.parts) walk(p);
      return;
    }
    if (!d.modifiers.includes('expand')) return;
    for (const v of d.values) if (v.kind === 'string') for (const m of v.raw.matchAll(/(?<!\\)%([^%]+)%/g)) names.add(m[1]);
  };
  for (const d of Object.values(rule.detection.searches)) walk(d);
  return [...names];
}

const UUID_AT_START = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

/**
 * The rule as the coordinating thread of a worker hunt needs it: metadata and logsource (for
 * alerts and correlation fields), with an empty detection, since only workers evaluate rules.
 */
export function withoutDetection(rule: SigmaRule): SigmaRule {
  return { ...rule, detection: { searches: {}, condition: { kind: 'or', args: [] }, conditionText: [] } };
}

/** Hunt correlations keep their windows in memory and read fields with the rules' field mapping. */
export function huntCorrelator(correlations: SigmaCorrelation[], pipelines: readonly Pipeline[]): Correlator {
  return createCorrelator({ correlations, state: createMemoryBackend().state, resolveField: createFieldResolver(pipelines) });
}

/** Identifies a rule across threads that loaded the same files. */
export function ruleKey(rule: SigmaRule): string {
  return `${rule.source}\u0000${rule.documentIndex}`;
}

/** Rule files under `paths` (recursive *.yml / *.yaml, sorted) without rule test cases
 *  (*.tests.yml); files named explicitly are kept as given, missing ones too (the loader reports them). */
export function listRuleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const f = join(dir, name);
      if (statSync(f).isDirectory()) walk(f);
      else if (/\.ya?ml$/i.test(name) && !/\.tests\.ya?ml$/i.test(name)) out.push(f);
    }
  };
  for (const p of paths) {
    if (existsSync(p) && statSync(p).isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

export function loadRuleDocuments(paths: readonly string[]): RuleDocuments {
  const { documents, errors, files } = loadSigmaPaths(listRuleFiles(paths));
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
export function compileRules(docs: RuleDocuments, pipelines: readonly Pipeline[], opts: CompileOptions = {}): HuntRules {
  const resolveField = createFieldResolver(pipelines);
  const placeholders = placeholderValues(pipelines);
  const compiled: CompiledRule[] = [];
  const problems = [...docs.problems];
  const unconfigured: RuleProblem[] = [];
  for (const rule of docs.rules) {
    const missing = placeholderNames(rule).filter((n) => placeholders[`%${n}%`]?.length === 0);
    let values = placeholders;
    if (missing.length > 0) {
      const problem = {
        file: rule.source,
        id: rule.id ?? rule.title,
        error: `${rule.source}: rule '${rule.title}' needs values for ${missing.map((n) => `%${n}%`).join(', ')} (rules/pipelines/placeholders.yml)`,
      };
      unconfigured.push(problem);
      if (opts.mode !== 'validate') continue;
      values = { ...placeholders, ...Object.fromEntries(missing.map((n) => [`%${n}%`, [`vigil-placeholder-${n}`]])) };
    }
    try {
      compiled.push(compileRule(rule, { resolveField, placeholders: values }));
    } catch (err) {
      problems.push({ file: rule.source, id: rule.id ?? rule.title, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { ...docs, compiled, problems, unconfigured };
}

export function loadHuntRules(paths: readonly string[], pipelines: readonly Pipeline[], opts: CompileOptions = {}): HuntRules {
  return compileRules(loadRuleDocuments(paths), pipelines, opts);
}
