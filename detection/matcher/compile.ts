// Compiles a parsed Sigma rule into closures over events: each detection item becomes one
// test per field access, with pooled Sets for plain equality and no regex for simple wildcards.
import type { EcsEvent } from '../../core/ecs.ts';
import { getPath, isPlainObject } from '../../core/ecs.ts';
import { ErrorCode, formatLocation, type SourceLocation, VigilError } from '../../core/errors.ts';
import { resolveCondition } from '../sigma/condition.ts';
import type { ConditionNode, Detection, DetectionItem, Modifier, SigmaRule } from '../sigma/model.ts';
import { networkContains } from './ip.ts';
import { compileRuleRegex, RegexRefusal, regexRequiredText, type UnsafeRegexPolicy } from './regex.ts';
import { lowerParts, planPattern, type StringTest } from './sigma-string.ts';
import { type ItemShape, itemShape, processValue, ValueError, type ValueForm } from './values.ts';

/**
 * Returns an accessor for a Sigma field name (after field mapping): the value(s) at that field
 * in an event, `undefined` when absent. Arrays mean "any element".
 */
export type FieldResolver = (sigmaField: string, rule: SigmaRule) => (event: EcsEvent) => unknown;

export interface MatcherOptions {
  /** @default getPath(event, field) from core/ecs.ts */
  resolveField?: FieldResolver;
  /** For `|expand`: '%Workstations%' (or 'Workstations') → values; an unknown placeholder is a compile error. */
  placeholders?: Record<string, string[]>;
  /** Values searched by keyword (unnamed) detections; @default every scalar string/number in the event, recursively. */
  keywordValues?: (event: EcsEvent) => Iterable<string>;
  /**
   * Patterns with nested unbounded quantifiers (`(a+)+`): `linear` runs them on V8's
   * linear-time engine, `refuse` rejects them with SIGMA_UNSAFE_REGEX.
   * @default 'linear'
   */
  unsafeRegex?: UnsafeRegexPolicy;
}

export interface CompiledRule {
  readonly rule: SigmaRule;
  match(event: EcsEvent): boolean;
  /** Sigma field names the rule reads. */
  readonly fields: readonly string[];
}

/**
 * One event value seen as Sigma compares it: the raw scalar, its text and its lower-cased text
 * (computed once, on demand). Reused across calls so matching allocates nothing per value.
 */
class ScalarView {
  raw: unknown;
  private textCache: string | undefined | null = null;
  private lowerCache: string | undefined | null = null;

  set(raw: unknown): this {
    this.raw = raw;
    this.textCache = null;
    this.lowerCache = null;
    return this;
  }

  get text(): string | undefined {
    if (this.textCache === null) {
      const r = this.raw;
      this.textCache = typeof r === 'string' ? r : typeof r === 'number' || typeof r === 'boolean' || typeof r === 'bigint' ? String(r) : undefined;
    }
    return this.textCache;
  }

  get lower(): string | undefined {
    if (this.lowerCache === null) this.lowerCache = this.text?.toLowerCase();
    return this.lowerCache;
  }
}

type ValueTest = (v: ScalarView, event: EcsEvent) => boolean;
type Predicate = (event: EcsEvent) => boolean;

const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function numericValue(v: ScalarView): number | undefined {
  const r = v.raw;
  if (typeof r === 'number') return r;
  if (typeof r === 'string' && NUMERIC_TEXT.test(r)) return Number(r);
  return undefined;
}

/** Calls `test` on each scalar of a field value (arrays, nested arrays: any element). */
function someElement(value: unknown, view: ScalarView, test: ValueTest, event: EcsEvent): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (someElement(value[i], view, test, event)) return true;
    return false;
  }
  if (value === undefined || value === null) return false;
  return test(view.set(value), event);
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

const TIME_EXTRACT: Record<NonNullable<ItemShape['timePart']>, (d: Date) => number> = {
  minute: (d) => d.getUTCMinutes(),
  hour: (d) => d.getUTCHours(),
  day: (d) => d.getUTCDate(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
  week: (d) => {
    // ISO-8601 week number: the week holding the year's first Thursday is week 1.
    const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    const day = t.getUTCDay() || 7;
    t.setUTCDate(t.getUTCDate() + 4 - day);
    const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
    return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  },
};

function timePartOf(raw: unknown, part: NonNullable<ItemShape['timePart']>): number | undefined {
  let d: Date | undefined;
  if (raw instanceof Date) d = raw;
  else if (typeof raw === 'string' || typeof raw === 'number') d = new Date(raw);
  if (!d || Number.isNaN(d.getTime())) return undefined;
  return TIME_EXTRACT[part](d);
}

/**
 * getPath semantics (literal key first, then nested objects, then literal dotted keys at any
 * level), with the common shapes precomputed so a lookup allocates nothing.
 */
export function defaultFieldAccessor(field: string): (event: EcsEvent) => unknown {
  if (!field.includes('.')) return (event) => (Object.hasOwn(event, field) ? event[field] : undefined);
  const parts = field.split('.');
  return (event) => {
    if (Object.hasOwn(event, field)) return event[field];
    let cur: unknown = event;
    for (const p of parts) {
      if (!isPlainObject(cur) || !Object.hasOwn(cur, p)) return getPath(event, field);
      cur = cur[p];
    }
    return cur;
  };
}

/** Default keyword search space: every string and number in the event, recursively. */
export function defaultKeywordValues(event: EcsEvent): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (isPlainObject(v)) for (const x of Object.values(v)) walk(x);
  };
  walk(event);
  return out;
}

/** Modifiers that already say how a value is placed; without one, a keyword matches anywhere in a value. */
const PLACING: ReadonlySet<Modifier> = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'lt', 'lte', 'gt', 'gte', 'exists', 'fieldref']);

// Indexed loops rather than every/some: no closure is created per event.
function allOf(preds: readonly Predicate[]): Predicate {
  return (event) => {
    for (let i = 0; i < preds.length; i++) if (!preds[i](event)) return false;
    return true;
  };
}

function anyOf(preds: readonly Predicate[]): Predicate {
  return (event) => {
    for (let i = 0; i < preds.length; i++) if (preds[i](event)) return true;
    return false;
  };
}

class RuleCompiler {
  readonly fields = new Set<string>();
  private readonly resolve: FieldResolver;
  private readonly placeholders: Readonly<Record<string, readonly string[]>>;
  private readonly keywordSource: (event: EcsEvent) => Iterable<string>;
  private readonly regexPolicy: UnsafeRegexPolicy;
  /** Keyword values of the event being matched, gathered on first use. */
  private keywordCache: string[] | undefined;

  constructor(
    readonly rule: SigmaRule,
    opts: MatcherOptions,
  ) {
    this.resolve = opts.resolveField ?? defaultFieldAccessor;
    this.placeholders = opts.placeholders ?? {};
    this.keywordSource = opts.keywordValues ?? defaultKeywordValues;
    this.regexPolicy = opts.unsafeRegex ?? 'linear';
  }

  resetEvent(): void {
    this.keywordCache = undefined;
  }

  /** The item being compiled, whose file position errors under its path can borrow. */
  private currentItem: DetectionItem | undefined;

  error(code: VigilError['code'], path: string, reason: string): VigilError {
    const location: SourceLocation = { source: this.rule.source, path };
    const at = this.currentItem;
    if (at && path.startsWith(at.path)) {
      if (at.line !== undefined) location.line = at.line;
      if (at.column !== undefined) location.column = at.column;
    }
    const label = this.rule.id ?? this.rule.name ?? this.rule.title;
    return new VigilError(code, `${label}: ${formatLocation(location)}: ${reason}`, location);
  }

  private keywords(event: EcsEvent): string[] {
    if (this.keywordCache === undefined) this.keywordCache = [...this.keywordSource(event)];
    return this.keywordCache;
  }

  /** Turns one processed value into a test; `exact` collects pooled equality texts instead. */
  private valueTest(form: ValueForm, path: string, exact: { lower: Set<string>; cased: Set<string> }): ValueTest | undefined {
    switch (form.kind) {
      case 'string': {
        const plan = planPattern(form.cased ? form.parts : lowerParts(form.parts));
        if (plan.kind === 'exact') {
          (form.cased ? exact.cased : exact.lower).add(plan.text);
          return undefined;
        }
        const t: StringTest = plan.test;
        return form.cased
          ? (v) => {
              const s = v.text;
              return s !== undefined && t(s);
            }
          : (v) => {
              const s = v.lower;
              return s !== undefined && t(s);
            };
      }
      case 'number': {
        // An event string with the same decimal text matches too ("4688" vs 4688).
        exact.lower.add(String(form.value));
        return undefined;
      }
      case 'bool': {
        const want = form.value;
        const text = String(want);
        return (v) => v.raw === want || v.lower === text;
      }
      case 'regex': {
        let re: RegExp;
        try {
          re = compileRuleRegex(form.pattern, form.flags, this.regexPolicy);
        } catch (err) {
          if (err instanceof RegexRefusal) throw this.error(err.unsafe ? ErrorCode.SIGMA_UNSAFE_REGEX : ErrorCode.SIGMA_INVALID, path, err.reason);
          throw err;
        }
        // Text every match contains, checked first: `includes` is far cheaper than most rule
        // regexes over long values (script blocks), and rules most values out.
        const caseless = form.flags.has('i') || /^\(\?[a-z]*i[a-z]*\)/.test(form.pattern);
        const need = regexRequiredText(form.pattern, caseless);
        if (need.length === 0)
          return (v) => {
            const s = v.text;
            return s !== undefined && re.test(s);
          };
        return (v) => {
          const s = v.text;
          if (s === undefined) return false;
          const hay = caseless ? v.lower! : s;
          for (let i = 0; i < need.length; i++) if (!hay.includes(need[i])) return false;
          return re.test(s);
        };
      }
      case 'cidr': {
        const net = form.network;
        return (v) => {
          const s = v.text;
          return s !== undefined && networkContains(net, s);
        };
      }
      case 'compare': {
        const { op, value } = form;
        return (v) => {
          const n = numericValue(v);
          if (n === undefined) return false;
          return op === 'lt' ? n < value : op === 'lte' ? n <= value : op === 'gt' ? n > value : n >= value;
        };
      }
      case 'fieldref': {
        this.fields.add(form.field);
        const other = this.resolve(form.field, this.rule);
        const otherView = new ScalarView();
        const { mode, cased } = form;
        return (v, event) => {
          const mine = cased ? v.text : v.lower;
          if (mine === undefined) return false;
          const compare: ValueTest = (o) => {
            const theirs = cased ? o.text : o.lower;
            if (theirs === undefined) return false;
            return mode === 'eq' ? mine === theirs : mode === 'startswith' ? mine.startsWith(theirs) : mode === 'endswith' ? mine.endsWith(theirs) : mine.includes(theirs);
          };
          return someElement(other(event), otherView, compare, event);
        };
      }
      case 'expansion':
        return this.orTest(form.items, path);
      case 'null':
      case 'exists':
        throw this.error(ErrorCode.SIGMA_INVALID, path, `${form.kind} cannot be mixed with other values`);
    }
  }

  /** OR over processed values, with exact strings pooled into Sets. */
  private orTest(forms: readonly ValueForm[], path: string): ValueTest {
    const exact = { lower: new Set<string>(), cased: new Set<string>() };
    const tests: ValueTest[] = [];
    forms.forEach((f, i) => {
      const t = this.valueTest(f, forms.length > 1 ? `${path}[${i}]` : path, exact);
      if (t) tests.push(t);
    });
    const { lower, cased } = exact;
    if (tests.length === 0 && cased.size === 0) {
      if (lower.size === 1) {
        const only = [...lower][0];
        return (v) => v.lower === only;
      }
      return (v) => {
        const s = v.lower;
        return s !== undefined && lower.has(s);
      };
    }
    if (lower.size === 0 && cased.size === 0 && tests.length === 1) return tests[0];
    return (v, event) => {
      if (lower.size > 0) {
        const s = v.lower;
        if (s !== undefined && lower.has(s)) return true;
      }
      if (cased.size > 0) {
        const s = v.text;
        if (s !== undefined && cased.has(s)) return true;
      }
      for (const t of tests) if (t(v, event)) return true;
      return false;
    };
  }

  private item(item: DetectionItem): Predicate {
    this.currentItem = item;
    let shape: ItemShape;
    const forms: ValueForm[] = [];
    let modifiers = item.modifiers;
    if (item.field === null && !modifiers.some((m) => PLACING.has(m))) modifiers = [...modifiers, 'contains'];
    try {
      shape = itemShape(modifiers, item.field !== null);
      item.values.forEach((value, i) => {
        const keywordValue = item.field === null && (value.kind === 'number' || value.kind === 'bool') ? { kind: 'string' as const, raw: String(value.value) } : value;
        try {
          forms.push(processValue(keywordValue, shape.valueModifiers, this.placeholders));
        } catch (err) {
          if (err instanceof ValueError) throw this.error(err.code, item.values.length > 1 ? `${item.path}[${i}]` : item.path, err.reason);
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof ValueError) throw this.error(err.code, item.path, err.reason);
      throw err;
    }
    const predicate = item.field === null ? this.keywordItem(item, shape, forms) : this.fieldItem(item.field, item, shape, forms);
    return shape.negate ? (event) => !predicate(event) : predicate;
  }

  private fieldItem(field: string, item: DetectionItem, shape: ItemShape, forms: ValueForm[]): Predicate {
    this.fields.add(field);
    const get = this.resolve(field, this.rule);
    if (forms.length === 0 || forms.every((f) => f.kind === 'null')) return (event) => isMissing(get(event));
    if (forms.length === 1 && forms[0].kind === 'exists') {
      const want = forms[0].value;
      return (event) => (get(event) !== undefined) === want;
    }
    const view = new ScalarView();
    const part = shape.timePart;
    const wrap = (test: ValueTest): ValueTest => {
      if (!part) return test;
      const partView = new ScalarView();
      return (v, event) => {
        const n = timePartOf(v.raw, part);
        return n !== undefined && test(partView.set(n), event);
      };
    };
    if (shape.all) {
      const tests = forms.map((f, i) => wrap(this.orTest([f], forms.length > 1 ? `${item.path}[${i}]` : item.path)));
      return (event) => {
        const value = get(event);
        for (let i = 0; i < tests.length; i++) if (!someElement(value, view, tests[i], event)) return false;
        return true;
      };
    }
    const test = wrap(this.orTest(forms, item.path));
    return (event) => {
      const value = get(event);
      if (Array.isArray(value)) return someElement(value, view, test, event);
      if (value === undefined || value === null) return false;
      return test(view.set(value), event);
    };
  }

  private keywordItem(item: DetectionItem, shape: ItemShape, forms: ValueForm[]): Predicate {
    if (forms.some((f) => f.kind === 'null' || f.kind === 'exists')) {
      throw this.error(ErrorCode.SIGMA_INVALID, item.path, 'a keyword (field-less) detection cannot test null or existence');
    }
    const view = new ScalarView();
    const anyKeyword = (test: ValueTest, event: EcsEvent): boolean => {
      for (const s of this.keywords(event)) if (test(view.set(s), event)) return true;
      return false;
    };
    if (shape.all) {
      const tests = forms.map((f, i) => this.orTest([f], `${item.path}[${i}]`));
      return (event) => {
        for (let i = 0; i < tests.length; i++) if (!anyKeyword(tests[i], event)) return false;
        return true;
      };
    }
    const test = this.orTest(forms, item.path);
    return (event) => anyKeyword(test, event);
  }

  detection(d: Detection | DetectionItem): Predicate {
    if (d.kind === 'item') return this.item(d);
    const parts = d.parts.map((p) => this.detection(p));
    if (parts.length === 1) return parts[0];
    return d.kind === 'all' ? allOf(parts) : anyOf(parts);
  }

  condition(node: ConditionNode, searches: Readonly<Record<string, Predicate>>): Predicate {
    switch (node.kind) {
      case 'ref':
        return searches[node.name];
      case 'not': {
        const inner = this.condition(node.arg, searches);
        return (event) => !inner(event);
      }
      case 'and':
        return allOf(node.args.map((a) => this.condition(a, searches)));
      case 'or':
        return anyOf(node.args.map((a) => this.condition(a, searches)));
      case 'of':
        throw this.error(ErrorCode.INTERNAL, 'detection.condition', 'unresolved selector reached the compiler');
    }
  }
}

/** Compiles a rule to closures; throws VigilError (SIGMA_*) with the rule's file and YAML path. */
export function compileRule(rule: SigmaRule, opts: MatcherOptions = {}): CompiledRule {
  const c = new RuleCompiler(rule, opts);
  const names = Object.keys(rule.detection.searches);
  const resolved = resolveCondition(rule.detection.condition, names);
  if (!resolved) throw c.error(ErrorCode.SIGMA_CONDITION, 'detection.condition', `condition '${rule.detection.conditionText.join("' or '")}' selects no identifier`);
  const used = new Set<string>();
  const collect = (n: ConditionNode): void => {
    if (n.kind === 'ref') used.add(n.name);
    else if (n.kind === 'not') collect(n.arg);
    else if (n.kind === 'and' || n.kind === 'or') n.args.forEach(collect);
  };
  collect(resolved);
  const searches: Record<string, Predicate> = {};
  // Every identifier is compiled (so a bad value anywhere is reported), even if unused.
  for (const name of names) searches[name] = c.detection(rule.detection.searches[name]);
  for (const name of used) {
    if (!searches[name]) throw c.error(ErrorCode.SIGMA_CONDITION, 'detection.condition', `undefined identifier '${name}'`);
  }
  const cond = c.condition(resolved, searches);
  return {
    rule,
    fields: [...c.fields],
    match(event: EcsEvent): boolean {
      c.resetEvent();
      return cond(event);
    },
  };
}
