// Sigma rule → the store-neutral QueryNode (core/query/ast.ts), for scheduled searches and hunting
// in the event store. Field names go through the same pipelines as the streaming matcher (every
// candidate path, OR-ed), values through the matcher's own modifier pipeline, and the rule's
// logsource becomes a filter built from the pipelines' routing tables. What a QueryNode cannot say
// exactly is refused with SIGMA_UNSUPPORTED naming the rule and the construct, never approximated.
import { ecsFieldClass } from '../../core/ecs-fields.ts';
import { ErrorCode, formatLocation, type SourceLocation, VigilError } from '../../core/errors.ts';
import type { QueryNode } from '../../core/query/ast.ts';
import { compileRuleRegex, RegexRefusal, translatePattern } from '../matcher/regex.ts';
import { ONE, type Part, STAR } from '../matcher/sigma-string.ts';
import { itemShape, processValue, ValueError, type ValueForm } from '../matcher/values.ts';
import { candidatePaths, type Pipeline, placeholderValues, type Route } from '../pipelines/index.ts';
import { FACT_PATHS } from '../routing/index.ts';
import { resolveCondition } from '../sigma/condition.ts';
import type { ConditionNode, Detection, DetectionItem, SigmaDocument, SigmaLogsource, SigmaRule } from '../sigma/index.ts';

export interface QueryCompileOptions {
  pipelines: readonly Pipeline[];
  /** Values for `|expand`. @default the pipelines' placeholders */
  placeholders?: Readonly<Record<string, string[]>>;
  /**
   * Restrict matches to events of the rule's logsource, as the streaming router decides it (an
   * event that names no source meets every rule). @default true
   */
  logsource?: boolean;
  /**
   * Largest query accepted, in leaf conditions, for a store that cannot run bigger ones (SQLite
   * binds at most 32,766 values per statement; the scheduler passes 10,000). @default no limit
   */
  maxConditions?: number;
}

/** Field names the store accepts (core/storage/sqlite/query-sql.ts checks the same). */
const FIELD_NAME = /^[A-Za-z0-9_@-]+(?:\.[A-Za-z0-9_@-]+)*$/;

const MATCH_ALL: QueryNode = { kind: 'match_all' };
const MATCH_NONE: QueryNode = { kind: 'not', arg: MATCH_ALL };

function or(args: QueryNode[]): QueryNode {
  if (args.length === 1) return args[0];
  if (args.length === 0) return MATCH_NONE;
  return { kind: 'or', args };
}

function and(args: QueryNode[]): QueryNode {
  if (args.length === 1) return args[0];
  if (args.length === 0) return MATCH_ALL;
  return { kind: 'and', args };
}

/**
 * The matcher reads a field from the first of its candidate paths that the event has (pipelines
 * list the ECS path first, raw-name fallbacks after), so path i counts only when the paths before
 * it are absent. Events holding a field at one path only (nearly all) see a plain OR.
 */
function firstPresent(paths: readonly string[], test: (path: string) => QueryNode): QueryNode {
  return or(paths.map((p, i) => and([...paths.slice(0, i).map((q): QueryNode => ({ kind: 'not', arg: { kind: 'exists', field: q } })), test(p)])));
}

/** Compiles a Sigma rule; correlations and filters are refused (they are not single-event queries). */
export function compileSigmaQuery(doc: SigmaRule | SigmaDocument, opts: QueryCompileOptions): QueryNode {
  if ('type' in doc && doc.type !== 'rule') {
    const label = doc.id ?? doc.name ?? doc.title;
    throw new VigilError(
      ErrorCode.SIGMA_UNSUPPORTED,
      `${label}: ${doc.source}: a ${doc.type} rule cannot be compiled to a store query (only detection rules can; correlations run on the event stream)`,
      { source: doc.source, path: doc.type },
    );
  }
  const rule = doc as SigmaRule;
  const query = new QueryCompiler(rule, opts).compile();
  const max = opts.maxConditions;
  const n = max === undefined ? 0 : countConditions(query);
  if (max !== undefined && n > max) {
    const label = rule.id ?? rule.name ?? rule.title;
    throw new VigilError(
      ErrorCode.SIGMA_UNSUPPORTED,
      `${label}: ${rule.source}: detection: the store query would have ${n} conditions (most ${max}: every value times every candidate field path); run the rule on the event stream instead`,
      { source: rule.source, path: 'detection' },
    );
  }
  return query;
}

function countConditions(node: QueryNode): number {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.args.reduce((n, a) => n + countConditions(a), 0);
    case 'not':
      return countConditions(node.arg);
    default:
      return 1;
  }
}

class QueryCompiler {
  private readonly placeholders: Readonly<Record<string, readonly string[]>>;

  constructor(
    private readonly rule: SigmaRule,
    private readonly opts: QueryCompileOptions,
  ) {
    this.placeholders = opts.placeholders ?? placeholderValues(opts.pipelines);
  }

  compile(): QueryNode {
    const { detection } = this.rule;
    const names = Object.keys(detection.searches);
    const resolved = resolveCondition(detection.condition, names);
    if (!resolved) throw this.fail(ErrorCode.SIGMA_CONDITION, 'detection.condition', `condition '${detection.conditionText.join("' or '")}' selects no identifier`);
    const searches = new Map<string, QueryNode>();
    for (const name of names) searches.set(name, this.detection(detection.searches[name]));
    const body = this.condition(resolved, searches);
    if (this.opts.logsource === false) return body;
    const ls = logsourceQuery(this.rule.logsource, this.opts.pipelines);
    // The detection first: it is usually selective and cheaper than the logsource test, and SQLite
    // evaluates AND left to right.
    return ls === undefined ? body : and([body, ls]);
  }

  fail(code: VigilError['code'], path: string, reason: string, item?: DetectionItem): VigilError {
    const location: SourceLocation = { source: this.rule.source, path };
    if (item?.line !== undefined) location.line = item.line;
    if (item?.column !== undefined) location.column = item.column;
    const label = this.rule.id ?? this.rule.name ?? this.rule.title;
    return new VigilError(code, `${label}: ${formatLocation(location)}: ${reason}`, location);
  }

  private unsupported(item: DetectionItem, reason: string, path = item.path): VigilError {
    return this.fail(ErrorCode.SIGMA_UNSUPPORTED, path, `${reason} (store queries cannot express it; run the rule on the event stream instead)`, item);
  }

  private condition(node: ConditionNode, searches: ReadonlyMap<string, QueryNode>): QueryNode {
    switch (node.kind) {
      case 'ref': {
        const s = searches.get(node.name);
        if (!s) throw this.fail(ErrorCode.SIGMA_CONDITION, 'detection.condition', `undefined identifier '${node.name}'`);
        return s;
      }
      case 'not':
        return { kind: 'not', arg: this.condition(node.arg, searches) };
      case 'and':
      case 'or':
        return { kind: node.kind, args: node.args.map((a) => this.condition(a, searches)) };
      case 'of':
        throw this.fail(ErrorCode.INTERNAL, 'detection.condition', 'unresolved selector reached the query compiler');
    }
  }

  private detection(d: Detection | DetectionItem): QueryNode {
    if (d.kind === 'item') return this.item(d);
    const parts = d.parts.map((p) => this.detection(p));
    return d.kind === 'all' ? and(parts) : or(parts);
  }

  /** The item's values after the matcher's modifier pipeline (same errors, same expansions). */
  private forms(item: DetectionItem, modifiers: DetectionItem['modifiers']): { forms: ValueForm[]; all: boolean; negate: boolean } {
    try {
      const shape = itemShape(modifiers, item.field !== null);
      if (shape.timePart) throw this.unsupported(item, `the '${shape.timePart}' modifier (a part of a timestamp)`);
      const forms = item.values.map((value, i) => {
        const v = item.field === null && (value.kind === 'number' || value.kind === 'bool') ? { kind: 'string' as const, raw: String(value.value) } : value;
        try {
          return processValue(v, shape.valueModifiers, this.placeholders);
        } catch (err) {
          if (err instanceof ValueError) throw this.fail(err.code, item.values.length > 1 ? `${item.path}[${i}]` : item.path, err.reason, item);
          throw err;
        }
      });
      return { forms, all: shape.all, negate: shape.negate };
    } catch (err) {
      if (err instanceof ValueError) throw this.fail(err.code, item.path, err.reason, item);
      throw err;
    }
  }

  private item(item: DetectionItem): QueryNode {
    if (item.field === null) return this.keywordItem(item);
    const { forms, all, negate } = this.forms(item, item.modifiers);
    const paths = this.paths(item.field, item);
    let node: QueryNode;
    if (forms.length === 0 || forms.every((f) => f.kind === 'null')) {
      // Null: missing or null under every path the matcher would read.
      node = and(paths.map((p) => ({ kind: 'term', field: p, value: null })));
    } else if (forms.length === 1 && forms[0].kind === 'exists') {
      const present = or(paths.map((p) => ({ kind: 'exists', field: p })));
      node = forms[0].value ? present : { kind: 'not', arg: present };
    } else {
      node = firstPresent(paths, (p) => {
        const perValue = forms.map((f, i) => this.valueNode(p, f, item, forms.length > 1 ? `${item.path}[${i}]` : item.path));
        return all ? and(perValue) : or(perValue);
      });
    }
    return negate ? { kind: 'not', arg: node } : node;
  }

  private paths(field: string, item: DetectionItem): string[] {
    const all = candidatePaths(this.opts.pipelines, this.rule.logsource, field);
    const usable = all.filter((p) => FIELD_NAME.test(p));
    if (usable.length === 0) throw this.unsupported(item, `field '${field}' maps to no path the store can search (${all.join(', ')})`);
    return usable;
  }

  private valueNode(field: string, f: ValueForm, item: DetectionItem, path: string): QueryNode {
    switch (f.kind) {
      case 'string':
        if (f.encoding === 'bytes') throw this.unsupported(item, 'a UTF-16 value without base64 (raw UTF-16 bytes)', path);
        return stringNode(field, f.parts, f.cased);
      case 'number':
        return { kind: 'term', field, value: f.value };
      case 'bool':
        return { kind: 'term', field, value: f.value };
      case 'regex': {
        const { source, flags } = translateRegex(f.pattern, f.flags, (reason, unsafe) =>
          this.fail(unsafe ? ErrorCode.SIGMA_UNSAFE_REGEX : ErrorCode.SIGMA_INVALID, path, reason, item),
        );
        return flags ? { kind: 'regex', field, pattern: source, flags } : { kind: 'regex', field, pattern: source };
      }
      case 'cidr': {
        const { network } = f;
        const bits = network.family === 4 ? 32 : 128;
        return { kind: 'cidr', field, cidr: `${ipText(network.base, network.family)}/${network.prefix ?? bits}` };
      }
      case 'compare': {
        const op = f.op;
        return { kind: 'range', field, [op]: f.value };
      }
      case 'fieldref': {
        if (f.mode !== 'eq') throw this.unsupported(item, `'fieldref' combined with '${f.mode}'`, path);
        return firstPresent(this.paths(f.field, item), (o) => ({ kind: 'fieldref', field, other: o }));
      }
      case 'expansion':
        return or(f.items.map((x) => this.valueNode(field, x, item, path)));
      case 'null':
      case 'exists':
        throw this.fail(ErrorCode.SIGMA_INVALID, path, `${f.kind} cannot be mixed with other values`, item);
    }
  }

  /** Keywords match anywhere in the event: a phrase search over the whole document. */
  private keywordItem(item: DetectionItem): QueryNode {
    const placed = item.modifiers.filter((m) => KEYWORD_REFUSED.has(m));
    if (placed.length > 0) throw this.unsupported(item, `a keyword search with '${placed.join('|')}' (the store searches keywords as phrases)`);
    const modifiers = item.modifiers.includes('contains') ? item.modifiers : [...item.modifiers, 'contains' as const];
    const { forms, all } = this.forms(item, modifiers);
    const phrase = (f: ValueForm, path: string): QueryNode => {
      if (f.kind === 'expansion') return or(f.items.map((x) => phrase(x, path)));
      if (f.kind !== 'string') throw this.unsupported(item, `a keyword ${f.kind} value`, path);
      if (f.cased) throw this.unsupported(item, "a case-sensitive ('cased') keyword", path);
      if (f.encoding === 'bytes') throw this.unsupported(item, 'a UTF-16 value without base64 (raw UTF-16 bytes)', path);
      const inner = f.parts.slice(f.parts[0] === STAR ? 1 : 0, f.parts[f.parts.length - 1] === STAR ? -1 : undefined);
      if (inner.length === 0) return MATCH_ALL;
      if (inner.length > 1 || typeof inner[0] !== 'string') throw this.unsupported(item, 'a keyword with wildcards inside it', path);
      return { kind: 'phrase', text: inner[0] };
    };
    const nodes = forms.map((f, i) => phrase(f, forms.length > 1 ? `${item.path}[${i}]` : item.path));
    return all ? and(nodes) : or(nodes);
  }
}

/** Keyword modifiers that place or type the value in ways a phrase search cannot follow. */
const KEYWORD_REFUSED: ReadonlySet<string> = new Set(['startswith', 'endswith', 're', 'cidr', 'lt', 'lte', 'gt', 'gte']);

/** `*`/`?` wildcards with backslash escapes, as QueryNode wildcards spell them. */
function wildcardText(parts: readonly Part[]): string {
  return parts.map((p) => (p === STAR ? '*' : p === ONE ? '?' : p.replace(/[\\*?]/g, '\\$&'))).join('');
}

function regexText(parts: readonly Part[]): string {
  return parts.map((p) => (p === STAR ? '[\\s\\S]*' : p === ONE ? '[\\s\\S]' : p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
}

/**
 * A Sigma string (whole-value match, wildcards) on one field. Text fields (`message`) and dates
 * compare as words or instants in the store, and LIKE folds ASCII case only, so those cases use an
 * anchored regular expression to keep Sigma's exact, Unicode-case-insensitive meaning.
 */
function stringNode(field: string, parts: readonly Part[], cased: boolean): QueryNode {
  const cls = ecsFieldClass(field);
  const literals = parts.filter((p): p is string => typeof p === 'string').join('');
  const needsRegex = cls === 'text' || cls === 'date' || (!cased && /[^\x00-\x7f]/.test(literals));
  const wild = parts.some((p) => typeof p !== 'string');
  if (needsRegex) {
    const node: QueryNode = { kind: 'regex', field, pattern: `^${regexText(parts)}$` };
    if (!cased) node.flags = 'i';
    return node;
  }
  if (!wild) {
    const node: QueryNode = { kind: 'term', field, value: literals };
    if (cased) node.caseSensitive = true;
    return node;
  }
  const node: QueryNode = { kind: 'wildcard', field, pattern: wildcardText(parts) };
  if (cased) node.caseSensitive = true;
  return node;
}

/**
 * The rule's pattern in the form the store runs (plain JavaScript RegExp). Python spellings are
 * translated like the matcher does; a pattern that can backtrack catastrophically is refused,
 * because the store has no linear-time engine to fall back on.
 */
function translateRegex(pattern: string, extra: ReadonlySet<string>, fail: (reason: string, unsafe: boolean) => VigilError): { source: string; flags: string } {
  let source: string;
  let flags: Set<string>;
  try {
    compileRuleRegex(pattern, extra, 'refuse');
    const t = translatePattern(pattern);
    source = t.source;
    flags = t.flags;
  } catch (err) {
    if (err instanceof RegexRefusal) throw fail(err.reason, err.unsafe);
    throw err;
  }
  for (const f of extra) flags.add(f);
  return { source, flags: [...flags].filter((f) => f === 'i' || f === 'm' || f === 's').sort().join('') };
}

function ipText(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

// ---------------------------------------------------------------- logsource

/** A route's `when` as a query: every fact must hold; a fact is read from any of its paths. */
function whenQuery(when: Route['when']): QueryNode {
  return and(
    Object.entries(when).map(([fact, wanted]) => {
      const paths = (FACT_PATHS[fact] ?? [fact]).filter((p) => FIELD_NAME.test(p));
      return or(paths.map((p) => (wanted.includes('*') ? { kind: 'exists', field: p } : or(wanted.map((w) => ({ kind: 'term', field: p, value: w }) as QueryNode)))));
    }),
  );
}

function has(list: readonly string[], v: string): boolean {
  return list.some((x) => x.toLowerCase() === v.toLowerCase());
}

/**
 * Events the router would give the rule: the router unions the logsources of every route an event
 * matches, so each logsource key the rule sets must come from some matching route (categories also
 * by event id, e.g. Sysmon 1 → process_creation); and events that state no source meet every rule.
 * Undefined when the rule names no logsource.
 */
export function logsourceQuery(ls: SigmaLogsource, pipelines: readonly Pipeline[]): QueryNode | undefined {
  if (ls.product === undefined && ls.service === undefined && ls.category === undefined) return undefined;
  const routes = pipelines.flatMap((p) => p.routes);
  const idPaths = FACT_PATHS.event_id.filter((p) => FIELD_NAME.test(p));
  const clauses: QueryNode[] = [];
  for (const key of ['product', 'service', 'category'] as const) {
    const wanted = ls[key];
    if (wanted === undefined) continue;
    const givers: QueryNode[] = [];
    for (const r of routes) {
      if (has(r.logsource[key], wanted)) {
        givers.push(whenQuery(r.when));
        continue;
      }
      if (key !== 'category') continue;
      const ids = Object.entries(r.categories)
        .filter(([, cats]) => has(cats, wanted))
        .map(([id]) => id);
      if (ids.length > 0) givers.push(and([whenQuery(r.when), or(idPaths.flatMap((p) => ids.map((id) => ({ kind: 'term', field: p, value: id }) as QueryNode)))]));
    }
    clauses.push(or(givers));
  }
  const saysNothing: QueryNode = { kind: 'not', arg: or(routes.map((r) => whenQuery(r.when))) };
  return or([and(clauses), saysNothing]);
}
