// Sigma YAML text → typed documents (rules, correlations, filters), collecting every error.
// Structure and names are validated here; value/modifier semantics are checked when compiling.
import yaml from 'js-yaml';
import { ErrorCode, formatLocation, type SourceLocation, VigilError } from '../../core/errors.ts';
import { isPlainObject } from '../../core/ecs.ts';
import { ConditionSyntaxError, parseCondition, resolveCondition, undefinedRefs } from './condition.ts';
import {
  type ConditionNode,
  CorrelationOperator,
  CorrelationType,
  type Detection,
  type DetectionItem,
  Modifier,
  RelationType,
  type SigmaCorrelationSpec,
  type SigmaDocument,
  type SigmaFilterSpec,
  SigmaLevel,
  type SigmaLogsource,
  type SigmaMeta,
  SigmaStatus,
  type SigmaValue,
} from './model.ts';
import { documentStarts, type IndexedKey, indexKeys, locatePath } from './yaml-locate.ts';
import { SIGMA_YAML_SCHEMA } from './yaml-schema.ts';

type YamlMap = Record<string, unknown>;

/** Long modifier spellings pySigma accepts for the regex flags. */
const MODIFIER_ALIASES: Readonly<Record<string, Modifier>> = {
  ignorecase: Modifier.i,
  multiline: Modifier.m,
  dotall: Modifier.s,
};

const KNOWN_MODIFIERS: ReadonlySet<string> = new Set(Object.values(Modifier));

/** Keys the specification defines for each document kind; the rest go to `custom`. */
const META_KEYS = [
  'title',
  'id',
  'name',
  'related',
  'taxonomy',
  'status',
  'description',
  'license',
  'author',
  'references',
  'date',
  'modified',
  'fields',
  'falsepositives',
  'level',
  'tags',
  'scope',
];
const RULE_KEYS = new Set([...META_KEYS, 'logsource', 'detection']);
const CORRELATION_KEYS = new Set([...META_KEYS, 'correlation']);
const FILTER_KEYS = new Set([...META_KEYS, 'logsource', 'filter']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}([-/])\d{1,2}\1\d{1,2}$/;
const TIMESPAN = /^(\d+)([smhdwMy])$/;
const TIMESPAN_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  M: 2_629_746,
  y: 31_556_952,
};

/** Where a document sits in its file, so errors can carry line and column. */
interface DocText {
  readonly lines: readonly string[];
  readonly from: number;
  readonly to: number;
}

/** Collects errors for one document; every message starts with the rule id (or title) when known. */
class DocContext {
  readonly errors: VigilError[] = [];
  label: string | undefined;
  constructor(
    readonly source: string,
    private readonly text?: DocText,
  ) {}

  private keys: IndexedKey[] | undefined;

  position(path: string): { line: number; column: number } | undefined {
    if (!this.text) return undefined;
    this.keys ??= indexKeys(this.text.lines, this.text.from, this.text.to);
    return locatePath(this.keys, path);
  }

  fail(code: ErrorCode, path: string | undefined, reason: string): void {
    const location: SourceLocation = { source: this.source };
    if (path) {
      const at = this.position(path);
      if (at) {
        location.line = at.line;
        location.column = at.column;
      }
      location.path = path;
    }
    const prefix = this.label ? `${this.label}: ` : '';
    this.errors.push(new VigilError(code, `${prefix}${formatLocation(location)}: ${reason}`, location));
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isPlainObject(v)) return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function optionalString(ctx: DocContext, doc: YamlMap, key: string, path = key): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  ctx.fail(ErrorCode.SIGMA_INVALID, path, `expected a string, found ${describe(v)}`);
  return undefined;
}

/** A list of strings; a single string is accepted as a one-item list. */
function stringList(ctx: DocContext, v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (!Array.isArray(v)) {
    ctx.fail(ErrorCode.SIGMA_INVALID, path, `expected a list of strings, found ${describe(v)}`);
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') out.push(String(item));
    else ctx.fail(ErrorCode.SIGMA_INVALID, join(path, i), `expected a string, found ${describe(item)}`);
  });
  return out;
}

function enumValue<T extends string>(
  ctx: DocContext,
  doc: YamlMap,
  key: string,
  allowed: Readonly<Record<string, T>>,
): T | undefined {
  const v = optionalString(ctx, doc, key);
  if (v === undefined) return undefined;
  if (Object.hasOwn(allowed, v)) return allowed[v];
  ctx.fail(ErrorCode.SIGMA_INVALID, key, `'${v}' is not allowed (allowed: ${Object.keys(allowed).join(', ')})`);
  return undefined;
}

function parseMeta(ctx: DocContext, doc: YamlMap, known: ReadonlySet<string>, documentIndex: number): SigmaMeta {
  const id = optionalString(ctx, doc, 'id');
  const title = optionalString(ctx, doc, 'title');
  const name = optionalString(ctx, doc, 'name');
  ctx.label = id ?? name ?? title;
  if (id !== undefined && !UUID.test(id)) ctx.fail(ErrorCode.SIGMA_INVALID, 'id', `'${id}' is not a UUID`);
  if (title === undefined) ctx.fail(ErrorCode.SIGMA_INVALID, 'title', 'a title is required');
  else if (title.length > 256) ctx.fail(ErrorCode.SIGMA_INVALID, 'title', `title is ${title.length} characters long (at most 256)`);

  const related: { id: string; type: RelationType }[] = [];
  const rel = doc.related;
  if (rel !== undefined && rel !== null) {
    if (!Array.isArray(rel)) ctx.fail(ErrorCode.SIGMA_INVALID, 'related', `expected a list of {id, type}, found ${describe(rel)}`);
    else
      rel.forEach((r, i) => {
        const p = join('related', i);
        if (!isPlainObject(r)) {
          ctx.fail(ErrorCode.SIGMA_INVALID, p, `expected a map {id, type}, found ${describe(r)}`);
          return;
        }
        const rid = optionalString(ctx, r, 'id', join(p, 'id'));
        const rtype = optionalString(ctx, r, 'type', join(p, 'type'));
        if (rid === undefined) ctx.fail(ErrorCode.SIGMA_INVALID, join(p, 'id'), 'a related rule needs an id');
        if (rtype === undefined || !Object.hasOwn(RelationType, rtype)) {
          ctx.fail(
            ErrorCode.SIGMA_INVALID,
            join(p, 'type'),
            `'${rtype}' is not a relation type (allowed: ${Object.keys(RelationType).join(', ')})`,
          );
        } else if (rid !== undefined) related.push({ id: rid, type: RelationType[rtype as RelationType] });
      });
  }

  const date = optionalString(ctx, doc, 'date');
  const modified = optionalString(ctx, doc, 'modified');
  for (const [key, value] of [
    ['date', date],
    ['modified', modified],
  ] as const) {
    if (value !== undefined && !DATE.test(value)) ctx.fail(ErrorCode.SIGMA_INVALID, key, `'${value}' is not a date (YYYY-MM-DD)`);
  }

  const custom: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!known.has(k)) custom[k] = v;

  const meta: { -readonly [K in keyof SigmaMeta]: SigmaMeta[K] } = {
    source: ctx.source,
    documentIndex,
    title: title ?? '',
    tags: stringList(ctx, doc.tags, 'tags'),
    references: stringList(ctx, doc.references, 'references'),
    related,
    falsepositives: stringList(ctx, doc.falsepositives, 'falsepositives'),
    fields: stringList(ctx, doc.fields, 'fields'),
    scope: stringList(ctx, doc.scope, 'scope'),
    custom,
  };
  if (id !== undefined) meta.id = id;
  if (name !== undefined) meta.name = name;
  const description = optionalString(ctx, doc, 'description');
  if (description !== undefined) meta.description = description;
  const status = enumValue(ctx, doc, 'status', SigmaStatus);
  if (status !== undefined) meta.status = status;
  const level = enumValue(ctx, doc, 'level', SigmaLevel);
  if (level !== undefined) meta.level = level;
  const author = optionalString(ctx, doc, 'author');
  if (author !== undefined) meta.author = author;
  const license = optionalString(ctx, doc, 'license');
  if (license !== undefined) meta.license = license;
  const taxonomy = optionalString(ctx, doc, 'taxonomy');
  if (taxonomy !== undefined) meta.taxonomy = taxonomy;
  if (date !== undefined) meta.date = date;
  if (modified !== undefined) meta.modified = modified;
  return meta;
}

function parseLogsource(ctx: DocContext, v: unknown, required: boolean): SigmaLogsource {
  if (v === undefined || v === null) {
    if (required) ctx.fail(ErrorCode.SIGMA_INVALID, 'logsource', 'a logsource is required');
    return {};
  }
  if (!isPlainObject(v)) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'logsource', `expected a map, found ${describe(v)}`);
    return {};
  }
  const out: { -readonly [K in keyof SigmaLogsource]: SigmaLogsource[K] } = {};
  for (const key of ['category', 'product', 'service', 'definition'] as const) {
    const s = optionalString(ctx, v, key, join('logsource', key));
    if (s !== undefined) out[key] = s;
  }
  if (required && out.category === undefined && out.product === undefined && out.service === undefined) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'logsource', 'set at least one of category, product, service');
  }
  return out;
}

function toSigmaValue(ctx: DocContext, v: unknown, path: string): SigmaValue | undefined {
  if (v === null) return { kind: 'null' };
  if (typeof v === 'string') return { kind: 'string', raw: v };
  if (typeof v === 'number') return { kind: 'number', value: v, raw: String(v) };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  ctx.fail(ErrorCode.SIGMA_INVALID, path, `expected a string, number, boolean or null, found ${describe(v)}`);
  return undefined;
}

function parseFieldSpec(ctx: DocContext, key: string, path: string): { field: string | null; modifiers: Modifier[] } {
  const [field, ...names] = key.split('|');
  const modifiers: Modifier[] = [];
  for (const raw of names) {
    const name = MODIFIER_ALIASES[raw] ?? raw;
    if (KNOWN_MODIFIERS.has(name)) modifiers.push(name as Modifier);
    else
      ctx.fail(
        ErrorCode.SIGMA_UNKNOWN_MODIFIER,
        path,
        `unknown modifier '${raw}' (known: ${[...KNOWN_MODIFIERS, ...Object.keys(MODIFIER_ALIASES)].join(', ')})`,
      );
  }
  return { field: field === '' ? null : field, modifiers };
}

function parseItem(ctx: DocContext, key: string, value: unknown, path: string): DetectionItem {
  const { field, modifiers } = parseFieldSpec(ctx, key, path);
  const values: SigmaValue[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const sv = toSigmaValue(ctx, v, join(path, i));
      if (sv) values.push(sv);
    });
    if (values.some((v) => v.kind === 'null') && values.length > 1) {
      ctx.fail(ErrorCode.SIGMA_INVALID, path, 'null cannot be combined with other values in one list; use a separate selection');
    }
  } else {
    const sv = toSigmaValue(ctx, value, path);
    if (sv) values.push(sv);
  }
  const at = ctx.position(path);
  return at ? { kind: 'item', field, modifiers, values, path, line: at.line, column: at.column } : { kind: 'item', field, modifiers, values, path };
}

function parseDetection(ctx: DocContext, value: unknown, path: string): Detection {
  if (isPlainObject(value)) {
    const parts = Object.entries(value).map(([k, v]) => parseItem(ctx, k, v, join(path, k)));
    if (parts.length === 0) ctx.fail(ErrorCode.SIGMA_INVALID, path, 'a search identifier cannot be an empty map');
    return { kind: 'all', parts, path };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) ctx.fail(ErrorCode.SIGMA_INVALID, path, 'a search identifier cannot be an empty list');
    // Plain values in a list are keywords (OR); maps in it are OR-linked sub-detections.
    const keywords: SigmaValue[] = [];
    const parts: (Detection | DetectionItem)[] = [];
    value.forEach((v, i) => {
      const p = join(path, i);
      if (isPlainObject(v) || Array.isArray(v)) parts.push(parseDetection(ctx, v, p));
      else {
        const sv = toSigmaValue(ctx, v, p);
        if (sv) keywords.push(sv);
      }
    });
    if (keywords.length > 0) parts.unshift({ kind: 'item', field: null, modifiers: [], values: keywords, path });
    return { kind: 'any', parts, path };
  }
  const sv = toSigmaValue(ctx, value, path);
  return { kind: 'all', parts: [{ kind: 'item', field: null, modifiers: [], values: sv ? [sv] : [], path }], path };
}

/** Parses condition text(s) and checks every referenced identifier exists. */
function parseConditions(ctx: DocContext, raw: unknown, path: string, identifiers: readonly string[]): { node: ConditionNode; text: string[] } | undefined {
  const texts: { text: string; path: string }[] = [];
  if (typeof raw === 'string') texts.push({ text: raw, path });
  else if (Array.isArray(raw) && raw.length > 0) {
    raw.forEach((t, i) => {
      if (typeof t === 'string') texts.push({ text: t, path: join(path, i) });
      else ctx.fail(ErrorCode.SIGMA_CONDITION, join(path, i), `expected a condition string, found ${describe(t)}`);
    });
  } else {
    ctx.fail(ErrorCode.SIGMA_CONDITION, path, raw === undefined ? 'a condition is required' : `expected a condition string or a list of them, found ${describe(raw)}`);
    return undefined;
  }
  const nodes: ConditionNode[] = [];
  const known = new Set(identifiers);
  for (const t of texts) {
    try {
      const node = parseCondition(t.text);
      const missing = undefinedRefs(node, known);
      if (missing.length > 0) {
        ctx.fail(
          ErrorCode.SIGMA_CONDITION,
          t.path,
          `condition '${t.text}' names undefined identifier(s) ${missing.map((m) => `'${m}'`).join(', ')} (defined: ${identifiers.join(', ') || 'none'})`,
        );
        continue;
      }
      if (resolveCondition(node, identifiers) === undefined) {
        ctx.fail(ErrorCode.SIGMA_CONDITION, t.path, `condition '${t.text}' selects no identifier (defined: ${identifiers.join(', ') || 'none'})`);
        continue;
      }
      nodes.push(node);
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      ctx.fail(ErrorCode.SIGMA_CONDITION, t.path, `condition '${t.text}' at column ${err.pos + 1}: ${err.reason}`);
    }
  }
  if (nodes.length !== texts.length) return undefined;
  return { node: nodes.length === 1 ? nodes[0] : { kind: 'or', args: nodes }, text: texts.map((t) => t.text) };
}

/** Search identifiers of a `detection`/`filter` map, skipping the reserved keys. */
function parseSearches(ctx: DocContext, section: YamlMap, path: string, reserved: ReadonlySet<string>): Record<string, Detection> {
  const searches: Record<string, Detection> = {};
  for (const [k, v] of Object.entries(section)) {
    if (reserved.has(k)) continue;
    searches[k] = parseDetection(ctx, v, join(path, k));
  }
  return searches;
}

function parseRule(ctx: DocContext, doc: YamlMap, index: number): SigmaDocument | undefined {
  const meta = parseMeta(ctx, doc, RULE_KEYS, index);
  const logsource = parseLogsource(ctx, doc.logsource, true);
  const det = doc.detection;
  if (!isPlainObject(det)) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'detection', det === undefined ? 'a detection section is required' : `expected a map, found ${describe(det)}`);
    return undefined;
  }
  const searches = parseSearches(ctx, det, 'detection', new Set(['condition']));
  const cond = parseConditions(ctx, det.condition, 'detection.condition', Object.keys(searches));
  if (!cond || ctx.errors.length > 0) return undefined;
  return { type: 'rule', ...meta, logsource, detection: { searches, condition: cond.node, conditionText: cond.text } };
}

function parseCorrelation(ctx: DocContext, doc: YamlMap, index: number): SigmaDocument | undefined {
  const meta = parseMeta(ctx, doc, CORRELATION_KEYS, index);
  const c = doc.correlation;
  if (!isPlainObject(c)) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation', `expected a map, found ${describe(c)}`);
    return undefined;
  }
  const typeText = optionalString(ctx, c, 'type', 'correlation.type');
  let type: CorrelationType | undefined;
  if (typeText === undefined) ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.type', 'a correlation type is required');
  else if (!Object.hasOwn(CorrelationType, typeText)) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.type', `'${typeText}' is not a correlation type (allowed: ${Object.keys(CorrelationType).join(', ')})`);
  } else type = CorrelationType[typeText as CorrelationType];

  const rules = stringList(ctx, c.rules, 'correlation.rules');
  if (rules.length === 0) ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.rules', 'a correlation must reference at least one rule (by id or name)');
  const groupBy = stringList(ctx, c['group-by'], 'correlation.group-by');

  const timespan = optionalString(ctx, c, 'timespan', 'correlation.timespan');
  let timespanSeconds = 0;
  const tm = timespan === undefined ? null : TIMESPAN.exec(timespan);
  if (timespan === undefined) ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.timespan', 'a timespan is required (e.g. 5m)');
  else if (!tm || Number(tm[1]) === 0) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.timespan', `'${timespan}' is not a timespan: write <positive integer><unit> with unit s, m, h, d, w, M or y (e.g. 90m)`);
  } else timespanSeconds = Number(tm[1]) * TIMESPAN_SECONDS[tm[2]];

  const temporal = type === 'temporal' || type === 'temporal_ordered';
  let condition: SigmaCorrelationSpec['condition'] | undefined;
  const rawCond = c.condition;
  if (rawCond === undefined || rawCond === null) {
    if (temporal) condition = { kind: 'threshold', operator: 'gte', value: rules.length };
    else ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.condition', `a condition is required for ${typeText}`);
  } else if (typeof rawCond === 'string') {
    if (!temporal) ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.condition', `an expression condition is only allowed for temporal types, not ${typeText}`);
    else {
      try {
        const node = parseCondition(rawCond);
        const missing = undefinedRefs(node, new Set(rules));
        if (missing.length > 0) {
          ctx.fail(ErrorCode.SIGMA_CONDITION, 'correlation.condition', `'${rawCond}' names rule(s) not in correlation.rules: ${missing.join(', ')}`);
        } else condition = { kind: 'expression', text: rawCond, condition: node };
      } catch (err) {
        if (!(err instanceof ConditionSyntaxError)) throw err;
        ctx.fail(ErrorCode.SIGMA_CONDITION, 'correlation.condition', `condition '${rawCond}' at column ${err.pos + 1}: ${err.reason}`);
      }
    }
  } else if (isPlainObject(rawCond)) {
    condition = parseThreshold(ctx, rawCond, type);
  } else ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.condition', `expected a map such as {gte: 10}, found ${describe(rawCond)}`);

  const aliases: Record<string, Record<string, string>> = {};
  const rawAliases = c.aliases;
  if (rawAliases !== undefined && rawAliases !== null) {
    if (!isPlainObject(rawAliases)) ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.aliases', `expected a map, found ${describe(rawAliases)}`);
    else
      for (const [alias, mapping] of Object.entries(rawAliases)) {
        const p = join('correlation.aliases', alias);
        if (!isPlainObject(mapping)) {
          ctx.fail(ErrorCode.SIGMA_INVALID, p, `expected a map of rule → field, found ${describe(mapping)}`);
          continue;
        }
        const m: Record<string, string> = {};
        for (const [ruleRef, field] of Object.entries(mapping)) {
          if (typeof field !== 'string') ctx.fail(ErrorCode.SIGMA_INVALID, join(p, ruleRef), `expected a field name, found ${describe(field)}`);
          else if (!rules.includes(ruleRef)) ctx.fail(ErrorCode.SIGMA_INVALID, join(p, ruleRef), `'${ruleRef}' is not in correlation.rules`);
          else m[ruleRef] = field;
        }
        aliases[alias] = m;
      }
  }

  const generate = c.generate ?? false;
  if (typeof generate !== 'boolean') ctx.fail(ErrorCode.SIGMA_INVALID, 'correlation.generate', `expected true or false, found ${describe(generate)}`);
  const extra = Object.keys(c).filter((k) => !['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate'].includes(k));
  for (const k of extra) ctx.fail(ErrorCode.SIGMA_INVALID, join('correlation', k), `unknown correlation key '${k}' (known: type, rules, group-by, timespan, condition, aliases, generate)`);

  if (ctx.errors.length > 0 || type === undefined || condition === undefined || timespan === undefined) return undefined;
  const correlation: SigmaCorrelationSpec = { type, rules, groupBy, timespan, timespanSeconds, condition, aliases, generate: generate === true };
  return { type: 'correlation', ...meta, correlation };
}

function parseThreshold(ctx: DocContext, raw: YamlMap, type: CorrelationType | undefined): SigmaCorrelationSpec['condition'] | undefined {
  const path = 'correlation.condition';
  const ops = Object.keys(raw).filter((k) => Object.hasOwn(CorrelationOperator, k));
  const others = Object.keys(raw).filter((k) => !Object.hasOwn(CorrelationOperator, k) && k !== 'field' && k !== 'percentile');
  for (const k of others) ctx.fail(ErrorCode.SIGMA_INVALID, join(path, k), `unknown condition key '${k}' (known: ${Object.keys(CorrelationOperator).join(', ')}, field, percentile)`);
  if (ops.length !== 1) {
    ctx.fail(ErrorCode.SIGMA_INVALID, path, `exactly one operator (${Object.keys(CorrelationOperator).join(', ')}) is required, found ${ops.length}`);
    return undefined;
  }
  const operator = CorrelationOperator[ops[0] as CorrelationOperator];
  const value = raw[operator];
  if (typeof value !== 'number') {
    ctx.fail(ErrorCode.SIGMA_INVALID, join(path, operator), `expected a number, found ${describe(value)}`);
    return undefined;
  }
  const out: {
    kind: 'threshold';
    operator: CorrelationOperator;
    value: number;
    field?: string;
    percentile?: number;
  } = { kind: 'threshold', operator, value };
  const needsField = type?.startsWith('value_') === true;
  if (raw.field !== undefined) {
    if (typeof raw.field !== 'string') ctx.fail(ErrorCode.SIGMA_INVALID, join(path, 'field'), `expected a field name, found ${describe(raw.field)}`);
    else if (!needsField) ctx.fail(ErrorCode.SIGMA_INVALID, join(path, 'field'), `'field' only applies to value_* correlations, not ${type}`);
    else out.field = raw.field;
  } else if (needsField) ctx.fail(ErrorCode.SIGMA_INVALID, join(path, 'field'), `${type} needs the field whose values are aggregated`);
  if (raw.percentile !== undefined) {
    if (type !== 'value_percentile') ctx.fail(ErrorCode.SIGMA_INVALID, join(path, 'percentile'), `'percentile' only applies to value_percentile`);
    else if (typeof raw.percentile !== 'number' || raw.percentile < 0 || raw.percentile > 100) {
      ctx.fail(ErrorCode.SIGMA_INVALID, join(path, 'percentile'), `expected a number from 0 to 100, found ${describe(raw.percentile)}`);
    } else out.percentile = raw.percentile;
  }
  return out;
}

function parseFilter(ctx: DocContext, doc: YamlMap, index: number): SigmaDocument | undefined {
  const meta = parseMeta(ctx, doc, FILTER_KEYS, index);
  const logsource = parseLogsource(ctx, doc.logsource, true);
  const f = doc.filter;
  if (!isPlainObject(f)) {
    ctx.fail(ErrorCode.SIGMA_INVALID, 'filter', `expected a map, found ${describe(f)}`);
    return undefined;
  }
  let rules: SigmaFilterSpec['rules'];
  if (f.rules === 'any' || f.rules === undefined || f.rules === null || (Array.isArray(f.rules) && f.rules.length === 0)) rules = 'any';
  else rules = stringList(ctx, f.rules, 'filter.rules');
  const searches = parseSearches(ctx, f, 'filter', new Set(['condition', 'rules']));
  if (Array.isArray(f.condition)) {
    ctx.fail(ErrorCode.SIGMA_CONDITION, 'filter.condition', 'a filter has exactly one condition string, not a list');
    return undefined;
  }
  const cond = parseConditions(ctx, f.condition, 'filter.condition', Object.keys(searches));
  if (!cond || ctx.errors.length > 0) return undefined;
  return { type: 'filter', ...meta, logsource, filter: { rules, searches, condition: cond.node, conditionText: cond.text[0] } };
}

/** Deep merge for `action: global` templates; on a scalar collision the template wins (pySigma). */
function mergeTemplate(template: YamlMap, doc: YamlMap): YamlMap {
  const out: YamlMap = { ...doc };
  for (const [k, v] of Object.entries(template)) {
    const cur = out[k];
    out[k] = isPlainObject(v) && isPlainObject(cur) ? mergeTemplate(v, cur) : v;
  }
  return out;
}

/**
 * Parses one YAML text (may hold several documents, with `action: global|reset|repeat`).
 * Collects errors instead of throwing; each error's location has source = file and path = YAML
 * path, and its message starts with the rule id when known.
 */
export function parseSigmaText(text: string, source: string): { documents: SigmaDocument[]; errors: VigilError[] } {
  const documents: SigmaDocument[] = [];
  const errors: VigilError[] = [];
  let raw: unknown[];
  try {
    raw = yaml.loadAll(text, undefined, { schema: SIGMA_YAML_SCHEMA, filename: source });
  } catch (err) {
    const location: SourceLocation = { source };
    let reason = err instanceof Error ? err.message : String(err);
    if (err instanceof yaml.YAMLException) {
      location.line = err.mark.line + 1;
      location.column = err.mark.column + 1;
      reason = err.reason;
    }
    errors.push(new VigilError(ErrorCode.SIGMA_PARSE, `${formatLocation(location)}: invalid YAML: ${reason}`, location, { cause: err }));
    return { documents, errors };
  }

  let template: YamlMap | undefined;
  let previous: YamlMap | undefined;
  const lines = text.split(/\r?\n/);
  const starts = documentStarts(lines);
  raw.forEach((doc, index) => {
    if (doc === null || doc === undefined) return;
    const from = starts.length === raw.length ? starts[index] : 0;
    const to = starts.length === raw.length ? (starts[index + 1] ?? lines.length) : lines.length;
    const ctx = new DocContext(source, { lines, from, to });
    if (!isPlainObject(doc)) {
      ctx.fail(ErrorCode.SIGMA_INVALID, `document ${index + 1}`, `a Sigma document must be a map, found ${describe(doc)}`);
      errors.push(...ctx.errors);
      return;
    }
    let body: YamlMap = doc;
    if ('action' in doc) {
      const { action, ...rest } = doc;
      if (action === 'global') {
        template = rest;
        return;
      }
      if (action === 'reset') {
        template = undefined;
        return;
      }
      if (action === 'repeat') {
        if (!previous) {
          ctx.fail(ErrorCode.SIGMA_INVALID, `document ${index + 1}.action`, "'action: repeat' needs a rule before it in the same file");
          errors.push(...ctx.errors);
          return;
        }
        body = mergeTemplate(rest, previous);
      } else {
        ctx.fail(ErrorCode.SIGMA_INVALID, `document ${index + 1}.action`, `unknown action '${String(action)}' (known: global, reset, repeat)`);
        errors.push(...ctx.errors);
        return;
      }
    }
    let parsed: SigmaDocument | undefined;
    if ('correlation' in body) parsed = parseCorrelation(ctx, body, index);
    else if ('filter' in body) parsed = parseFilter(ctx, body, index);
    else {
      if (template && doc.action === undefined) body = mergeTemplate(template, body);
      previous = body;
      parsed = parseRule(ctx, body, index);
    }
    errors.push(...ctx.errors);
    if (parsed && ctx.errors.length === 0) documents.push(parsed);
  });
  return { documents, errors };
}
