// Compiles the store-neutral query tree to a parameterised SQLite WHERE fragment over a JSON
// document column. Every value and every JSON path is a bound parameter; the only text written
// into the statement is fixed SQL and the column names the calling store passes in.
//
// Semantics (what an analyst sees; the README's query section says the same):
// - A field holding an array matches when any element matches (json_each over the array).
// - Strings compare case-insensitively (ASCII folding, SQLite's lower()); numbers numerically; a
//   numeric-looking value also matches the same number stored as a JSON number.
// - Text fields (ECS type text/match_only_text, e.g. `message`) match by words: `message:failed`
//   and `message:"failed password"` match the word(s) in order, case-insensitively.
// - Quoted values on keyword fields are exact; on fields ECS does not define they match as words.
// - Free text (no field) looks for the text anywhere in the stored JSON, keys included: an
//   approximation of Kibana's all-fields search that is cheap on the embedded store.
// - `NOT x` matches events where x does not hold, including events without the field.
import type BetterSqlite3 from 'better-sqlite3';
import { ecsFieldClass } from '../../ecs-fields.ts';
import { assertNever, VigilError } from '../../errors.ts';
import type { QueryNode, QueryValue } from '../../query/ast.ts';
import { isNumericText, parseCidr, parseIp, resolveTime } from '../../query/parse.ts';

export type SqlParam = string | number | null;

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

export interface CompileSqlOptions {
  /** Column (or `alias.column`) holding the event as JSON text. */
  docColumn: string;
  /** Column holding `@timestamp` as epoch milliseconds; when given, `@timestamp` terms and ranges use it. */
  tsColumn?: string;
  /** Clock for date math in ranges (`now-15m`), epoch ms. @default Date.now() */
  now?: number;
}

const FIELD_NAME = /^[A-Za-z0-9_@.-]+$/;
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** Compiles a query tree to `{ sql, params }`: a WHERE fragment whose `?`s bind `params` in order. */
export function compileQuerySql(node: QueryNode, opts: CompileSqlOptions): SqlFragment {
  for (const col of [opts.docColumn, opts.tsColumn]) {
    if (col !== undefined && !COLUMN_NAME.test(col)) {
      throw new VigilError('INTERNAL', `compileQuerySql: column name ${JSON.stringify(col)} is not a plain identifier`);
    }
  }
  const out = new SqlCompiler(opts).compile(node);
  return { sql: out.sql, params: [...out.params] };
}

/** A piece of SQL with the parameters its `?`s bind, in order. */
class Sql {
  constructor(
    readonly sql: string,
    readonly params: readonly SqlParam[],
  ) {}
}

/** Builds SQL from fixed text: interpolated Sql pieces are spliced in, anything else is bound as `?`. */
function sql(strings: TemplateStringsArray, ...parts: Array<Sql | SqlParam>): Sql {
  let text = strings[0];
  const params: SqlParam[] = [];
  parts.forEach((part, i) => {
    if (part instanceof Sql) {
      text += part.sql;
      params.push(...part.params);
    } else {
      text += '?';
      params.push(part);
    }
    text += strings[i + 1];
  });
  return new Sql(text, params);
}

/**
 * Joins with AND/OR as a balanced tree: SQLite parses `a OR b OR c …` into a chain as deep as it
 * is long and refuses expressions deeper than 1000, which a 4 KiB query of short terms exceeds.
 */
function joinSql(pieces: readonly Sql[], op: 'AND' | 'OR'): Sql {
  if (pieces.length === 1) return pieces[0];
  if (pieces.length <= 8) {
    return new Sql(`(${pieces.map((p) => p.sql).join(` ${op} `)})`, pieces.flatMap((p) => p.params));
  }
  const mid = Math.ceil(pieces.length / 2);
  return joinSql([joinSql(pieces.slice(0, mid), op), joinSql(pieces.slice(mid), op)], op);
}

const TRUE = new Sql('1', []);
const FALSE = new Sql('0', []);
const IS_NUMBER = (t: Sql): Sql => sql`${t} IN ('integer', 'real')`;
const IS_TEXT = (t: Sql): Sql => sql`${t} = 'text'`;

type Predicate = (value: Sql, type: Sql) => Sql;
type Bound = { op: '>' | '>=' | '<' | '<='; value: QueryValue };

class SqlCompiler {
  private readonly doc: Sql;
  private readonly ts: Sql | undefined;
  private readonly now: number;

  constructor(opts: CompileSqlOptions) {
    this.doc = new Sql(opts.docColumn, []);
    this.ts = opts.tsColumn === undefined ? undefined : new Sql(opts.tsColumn, []);
    this.now = opts.now ?? Date.now();
  }

  compile(node: QueryNode): Sql {
    switch (node.kind) {
      case 'match_all':
        return TRUE;
      case 'and':
      case 'or':
        if (node.args.length === 0) return node.kind === 'and' ? TRUE : FALSE;
        return joinSql(
          node.args.map((a) => this.compile(a)),
          node.kind === 'and' ? 'AND' : 'OR',
        );
      case 'not':
        // A NULL (field absent) inside must count as "no match" so that NOT matches it.
        return sql`(NOT coalesce(${this.compile(node.arg)}, 0))`;
      case 'term':
        return this.term(node.field, node.value, node.caseSensitive === true);
      case 'wildcard':
        return this.wildcard(node.field, node.pattern, node.caseSensitive === true);
      case 'phrase':
        return node.field === undefined ? this.freeText(node.text) : this.phrase(node.field, node.text);
      case 'range':
        return this.range(node.field, bounds(node));
      case 'exists': {
        const path = this.path(node.field);
        const type = sql`json_type(${this.doc}, ${path})`;
        return sql`(CASE ${type} WHEN 'array' THEN json_array_length(${this.doc}, ${path}) > 0 WHEN 'null' THEN 0 ELSE ${type} IS NOT NULL END)`;
      }
      case 'regex':
        return this.regex(node.field, node.pattern, node.flags ?? '');
      case 'cidr': {
        if (!parseCidr(node.cidr)) this.fail(node.field, `"${node.cidr}" is not a valid CIDR block`);
        const cidr = node.cidr;
        return this.each(node.field, (v, t) => sql`(${IS_TEXT(t)} AND vigil_cidr(${cidr}, ${v}))`);
      }
      case 'fieldref':
        return sql`(json_extract(${this.doc}, ${this.path(node.field)}) = json_extract(${this.doc}, ${this.path(node.other)}))`;
      default:
        return assertNever(node, 'query node');
    }
  }

  // ------------------------------------------------------------ leaves

  private term(field: string, value: QueryValue | null, caseSensitive: boolean): Sql {
    if (value === null) {
      const type = sql`json_type(${this.doc}, ${this.path(field)})`;
      return sql`(coalesce(${type}, 'null') = 'null')`;
    }
    if (field === '@timestamp' && this.ts) return sql`(${this.ts} = ${this.timeMs(field, value)})`;
    if (typeof value === 'boolean') {
      const word = value ? 'true' : 'false';
      return this.each(field, (v, t) => sql`(${t} = ${word} OR (${IS_TEXT(t)} AND lower(${v}) = ${word}))`);
    }
    if (typeof value === 'number') {
      return this.each(
        field,
        (v, t) => sql`((${IS_NUMBER(t)} AND ${v} = ${value}) OR (${IS_TEXT(t)} AND ${v} = ${String(value)}))`,
      );
    }
    const cls = ecsFieldClass(field);
    if (cls === 'text') return this.each(field, wordsPredicate(value));
    if (cls === 'date') {
      // The same instant however it was written (offsets, fractions of a second).
      const ms = resolveTime(value, this.now);
      if (ms !== undefined) return this.each(field, (v, t) => sql`(${instantMs(v, t)} = ${ms})`);
    }
    if (cls === 'ip' && parseIp(value) !== undefined) {
      // Compared as addresses, so `2001:DB8::1` finds `2001:db8:0:0:0:0:0:1` and `::ffff:1.2.3.4` finds `1.2.3.4`.
      return this.each(field, (v, t) => sql`(${IS_TEXT(t)} AND vigil_cidr(${value}, ${v}))`);
    }
    return this.each(field, stringEquals(value, caseSensitive));
  }

  private phrase(field: string, text: string): Sql {
    const cls = ecsFieldClass(field);
    if (cls === undefined || cls === 'text') return this.each(field, wordsPredicate(text));
    return this.term(field, text, false);
  }

  private freeText(text: string): Sql {
    // The document is stored as JSON text, so look for the phrase as JSON would write it.
    const needle = JSON.stringify(text).slice(1, -1);
    return sql`(instr(lower(${this.doc}), lower(${needle})) > 0)`;
  }

  private wildcard(field: string, pattern: string, caseSensitive: boolean): Sql {
    const searchable = (t: Sql): Sql => sql`${t} IN ('text', 'integer', 'real')`;
    if (caseSensitive) {
      const glob = wildcardToGlob(pattern);
      return this.each(field, (v, t) => sql`(${searchable(t)} AND ${v} GLOB ${glob})`);
    }
    let like = wildcardToLike(pattern);
    // On a text field a pattern matches a part of the text, as it matches one word in Kibana.
    if (ecsFieldClass(field) === 'text') like = `%${like}%`;
    return this.each(field, (v, t) => sql`(${searchable(t)} AND ${v} LIKE ${like} ESCAPE '\\')`);
  }

  private regex(field: string, pattern: string, flags: string): Sql {
    if (!/^[imsu]*$/.test(flags)) this.fail(field, `regex flags "${flags}" are not supported (use i, m, s)`);
    try {
      new RegExp(pattern, flags);
    } catch (err) {
      this.fail(field, `invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
    return this.each(
      field,
      (v, t) => sql`(${t} IN ('text', 'integer', 'real') AND vigil_regexp(${pattern}, ${flags}, ${v}))`,
    );
  }

  private range(field: string, list: Bound[]): Sql {
    if (list.length === 0) return this.compile({ kind: 'exists', field });
    if (field === '@timestamp' && this.ts) {
      const ts = this.ts;
      return joinSql(
        list.map((b) => sql`${ts} ${new Sql(b.op, [])} ${this.timeMs(field, b.value)}`),
        'AND',
      );
    }
    const mode = rangeMode(field, list, this.now);
    switch (mode) {
      case 'number': {
        const nums = list.map((b) => {
          const n = typeof b.value === 'number' ? b.value : isNumericText(String(b.value)) ? Number(b.value) : undefined;
          if (n === undefined) this.fail(field, `range bound ${JSON.stringify(b.value)} is not a number (${field} is numeric)`);
          return { op: b.op, n };
        });
        return this.each(field, (v, t) =>
          joinSql([IS_NUMBER(t), ...nums.map((b) => sql`${v} ${new Sql(b.op, [])} ${b.n}`)], 'AND'),
        );
      }
      case 'date': {
        const times = list.map((b) => ({ op: b.op, ms: this.timeMs(field, b.value) }));
        return this.each(field, (v, t) =>
          joinSql(
            times.map((b) => sql`${instantMs(v, t)} ${new Sql(b.op, [])} ${b.ms}`),
            'AND',
          ),
        );
      }
      case 'ip': {
        const keys = list.map((b) => {
          const ip = parseIp(String(b.value));
          if (ip === undefined) this.fail(field, `range bound ${JSON.stringify(b.value)} is not an IP address`);
          return { op: b.op, key: ipKey(ip) };
        });
        return this.each(field, (v, t) =>
          joinSql([IS_TEXT(t), ...keys.map((b) => sql`vigil_ip_key(${v}) ${new Sql(b.op, [])} ${b.key}`)], 'AND'),
        );
      }
      case 'text':
        return this.each(field, (v, t) =>
          joinSql([IS_TEXT(t), ...list.map((b) => sql`${v} ${new Sql(b.op, [])} ${String(b.value)}`)], 'AND'),
        );
      default:
        return assertNever(mode, 'range mode');
    }
  }

  // ------------------------------------------------------------ helpers

  /**
   * Applies a predicate to a field's value, or to each element when the field holds an array.
   * json_each yields one row for a scalar (key NULL) and one per element for an array (integer
   * keys), so one EXISTS covers both; rows with text keys are the members of an object, which a
   * value query must not match. Measured faster than a json_type check plus json_extract.
   */
  private each(field: string, pred: Predicate): Sql {
    const element = pred(new Sql('je.value', []), new Sql('je.type', []));
    return sql`EXISTS (SELECT 1 FROM json_each(${this.doc}, ${this.path(field)}) AS je WHERE (${element}) AND (je.key IS NULL OR je.key < ''))`;
  }

  /** `source.ip` → `$."source"."ip"` (a bound parameter, never spliced into the statement). */
  private path(field: string): string {
    if (!FIELD_NAME.test(field) || field.split('.').some((p) => p === '')) {
      this.fail(field, `"${field}" is not a valid field name (letters, digits, _ @ . - separated by single dots)`);
    }
    return `$${field
      .split('.')
      .map((p) => `."${p}"`)
      .join('')}`;
  }

  private timeMs(field: string, value: QueryValue): number {
    const ms = resolveTime(value, this.now);
    if (ms === undefined) {
      this.fail(field, `${JSON.stringify(value)} is not a time (ISO 8601 such as 2024-05-01T10:00:00Z, epoch ms, or now-15m)`);
    }
    return ms;
  }

  private fail(field: string, reason: string): never {
    throw new VigilError('QUERY_SYNTAX', `q: ${field}: ${reason}`, { source: 'query', path: field });
  }
}

function bounds(node: { gt?: QueryValue; gte?: QueryValue; lt?: QueryValue; lte?: QueryValue }): Bound[] {
  const out: Bound[] = [];
  if (node.gt !== undefined) out.push({ op: '>', value: node.gt });
  if (node.gte !== undefined) out.push({ op: '>=', value: node.gte });
  if (node.lt !== undefined) out.push({ op: '<', value: node.lt });
  if (node.lte !== undefined) out.push({ op: '<=', value: node.lte });
  return out;
}

/** How a range compares: by the field's ECS type, else by what the bounds look like. */
function rangeMode(field: string, list: Bound[], now: number): 'number' | 'date' | 'ip' | 'text' {
  const cls = ecsFieldClass(field);
  if (cls === 'numeric') return 'number';
  if (cls === 'date') return 'date';
  if (cls === 'ip') return 'ip';
  if (list.every((b) => typeof b.value === 'number')) return 'number';
  if (list.every((b) => typeof b.value === 'string' && resolveTime(b.value, now) !== undefined)) return 'date';
  return 'text';
}

/** A stored time as epoch ms: ISO text (any offset or precision) or a number taken as epoch ms. */
function instantMs(v: Sql, t: Sql): Sql {
  return sql`(CASE WHEN ${IS_NUMBER(t)} THEN ${v} WHEN ${IS_TEXT(t)} THEN round(unixepoch(${v}, 'subsec') * 1000) END)`;
}

function stringEquals(value: string, caseSensitive: boolean): Predicate {
  return (v, t) => {
    const alternatives = [
      caseSensitive ? sql`(${IS_TEXT(t)} AND ${v} = ${value})` : sql`(${IS_TEXT(t)} AND lower(${v}) = lower(${value}))`,
    ];
    if (isNumericText(value)) alternatives.push(sql`(${IS_NUMBER(t)} AND ${v} = ${Number(value)})`);
    if (/^(true|false)$/i.test(value)) alternatives.push(sql`${t} = ${value.toLowerCase()}`);
    return joinSql(alternatives, 'OR');
  };
}

/**
 * Word match for text: the words of `text`, in order, each bounded by non-word characters (how an
 * analysed text field matches a phrase). A cheap instr() on the first word filters rows first.
 */
function wordsPredicate(text: string): Predicate {
  // An empty phrase would be found in every text; it means the empty value instead.
  if (text.trim() === '') return stringEquals(text, false);
  const words = text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
  if (words.length === 0) {
    return (v, t) => sql`(${IS_TEXT(t)} AND instr(lower(${v}), lower(${text})) > 0)`;
  }
  const pattern = `(?<![\\p{L}\\p{N}])${words.map(escapeRegex).join('[^\\p{L}\\p{N}]+')}(?![\\p{L}\\p{N}])`;
  const first = words[0];
  // SQLite's lower() folds ASCII only, so the prefilter is safe only for ASCII words.
  const prefilter = /^[\x20-\x7e]*$/.test(first);
  return (v, t) =>
    prefilter
      ? sql`(${IS_TEXT(t)} AND instr(lower(${v}), lower(${first})) > 0 AND vigil_regexp(${pattern}, 'iu', ${v}))`
      : sql`(${IS_TEXT(t)} AND vigil_regexp(${pattern}, 'iu', ${v}))`;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Tree wildcard (`*`, `?`, backslash escapes) → LIKE pattern with `\` as the escape character. */
export function wildcardToLike(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      const lit = pattern[++i];
      out += lit === '%' || lit === '_' || lit === '\\' ? `\\${lit}` : lit;
    } else if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Tree wildcard → GLOB pattern (case-sensitive); literal metacharacters go in brackets. */
function wildcardToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    const literal = ch === '\\' && i + 1 < pattern.length ? pattern[++i] : undefined;
    if (literal === undefined && (ch === '*' || ch === '?')) out += ch;
    else {
      const c = literal ?? ch;
      out += c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
    }
  }
  return out;
}

/** Sortable text form of an address: 32 hex digits. */
function ipKey(ip: bigint): string {
  return ip.toString(16).padStart(32, '0');
}

// ---------------------------------------------------------------- SQL functions

const CACHE_LIMIT = 512;

/**
 * Registers the functions compiled queries call, on one connection (call it when the store opens):
 * `vigil_regexp(pattern, flags, value)` → 1 when the JS regex finds a match in the value;
 * `vigil_cidr(cidr, value)` → 1 when the value is an IP address inside the block (a bare address
 * means that one address); `vigil_ip_key(value)` → a sortable key for IP ranges. All deterministic.
 */
export function registerSqlFunctions(db: BetterSqlite3.Database): void {
  const regexes = new Map<string, RegExp>();
  const blocks = new Map<string, { first: bigint; last: bigint } | null>();

  db.function('vigil_regexp', { deterministic: true }, (pattern: unknown, flags: unknown, value: unknown) => {
    if (value === null || value === undefined || typeof pattern !== 'string') return 0;
    const f = typeof flags === 'string' ? flags : '';
    const key = `${f}/${pattern}`;
    let re = regexes.get(key);
    if (!re) {
      if (regexes.size >= CACHE_LIMIT) regexes.clear();
      re = new RegExp(pattern, f);
      regexes.set(key, re);
    }
    return re.test(String(value)) ? 1 : 0;
  });

  db.function('vigil_cidr', { deterministic: true }, (cidr: unknown, value: unknown) => {
    if (typeof cidr !== 'string' || typeof value !== 'string') return 0;
    let block = blocks.get(cidr);
    if (block === undefined) {
      if (blocks.size >= CACHE_LIMIT) blocks.clear();
      const single = parseIp(cidr);
      block = parseCidr(cidr) ?? (single === undefined ? null : { first: single, last: single });
      blocks.set(cidr, block);
    }
    if (block === null) return 0;
    const ip = parseIp(value);
    return ip !== undefined && ip >= block.first && ip <= block.last ? 1 : 0;
  });

  db.function('vigil_ip_key', { deterministic: true }, (value: unknown) => {
    if (typeof value !== 'string') return null;
    const ip = parseIp(value);
    return ip === undefined ? null : ipKey(ip);
  });
}
