// The analysts' query language (Lucene / Kibana KQL style) → the store-neutral query tree.
// Pure and synchronous; every syntax error names its 1-based position in the query string.
// Also the value helpers the compilers share: time expressions (`now-15m`), IP addresses, CIDRs.
import safeRegex from 'safe-regex2';
import { VigilError } from '../errors.ts';
import type { QueryNode, QueryValue } from './ast.ts';

/** Queries longer than this (UTF-8 bytes) are refused: a search box never needs more. */
export const MAX_QUERY_BYTES = 4096;
/** Parentheses nested deeper than this are refused, so a hostile query cannot exhaust the stack. */
export const MAX_QUERY_DEPTH = 64;

export interface ParseQueryOptions {
  /** What the query came from, for error locations. @default 'query' */
  source?: string;
  /** The parameter or key that held it, for error messages and locations. @default 'q' */
  path?: string;
}

const FIELD_CHAR = /[A-Za-z0-9_@.-]/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a query string; an empty (or blank) query matches everything. */
export function parseQuery(q: string, opts: ParseQueryOptions = {}): QueryNode {
  const parser = new QueryParser(q, opts.source ?? 'query', opts.path ?? 'q');
  return parser.parse();
}

/** True when a query value written as text is a number (`22`, `-1.5`, `1e3`). */
export function isNumericText(s: string): boolean {
  return NUMBER.test(s);
}

type Comparator = '>' | '>=' | '<' | '<=';

class QueryParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly source: string,
    private readonly path: string,
  ) {}

  parse(): QueryNode {
    const bytes = Buffer.byteLength(this.text, 'utf8');
    if (bytes > MAX_QUERY_BYTES) {
      throw new VigilError(
        'QUERY_SYNTAX',
        `${this.path}: the query is ${bytes} bytes; the limit is ${MAX_QUERY_BYTES}`,
        { source: this.source, path: this.path },
      );
    }
    this.skipWs();
    if (this.atEnd()) return { kind: 'match_all' };
    const node = this.parseOr();
    this.skipWs();
    if (!this.atEnd()) {
      if (this.peek() === ')') this.fail(this.pos, 'unexpected ")" with no matching "("');
      this.fail(this.pos, `expected AND, OR or the end of the query (got ${this.got()})`);
    }
    return node;
  }

  // ------------------------------------------------------------ boolean structure

  private parseOr(): QueryNode {
    const args = [this.parseAnd()];
    while (this.takeOperator('OR')) args.push(this.parseAnd());
    return combine('or', args);
  }

  private parseAnd(): QueryNode {
    const args = [this.parseNot()];
    for (;;) {
      this.skipWs();
      if (this.atEnd() || this.peek() === ')' || this.peekOperator() === 'OR') break;
      this.takeOperator('AND');
      args.push(this.parseNot());
    }
    return combine('and', args);
  }

  private parseNot(): QueryNode {
    this.skipWs();
    const at = this.pos;
    if (this.takeOperator('NOT')) return this.negate(at, () => this.parseNot());
    const c = this.peek();
    if ((c === '-' || c === '!') && this.isClauseStart(this.pos + 1)) {
      this.pos++;
      return this.negate(at, () => this.parseNot());
    }
    if (c === '+' && this.isClauseStart(this.pos + 1)) this.pos++;
    return this.parsePrimary();
  }

  private parsePrimary(): QueryNode {
    this.skipWs();
    const start = this.pos;
    if (this.atEnd()) this.fail(start, `expected a search term (got end of query)`);
    const c = this.peek();
    if (c === '(') {
      this.enter(start);
      this.pos++;
      this.skipWs();
      if (this.peek() === ')') this.fail(this.pos, 'expected a search term inside "(" (got ")")');
      const inner = this.parseOr();
      this.expectClose(')', start);
      this.depth--;
      return inner;
    }
    if (c === ')') this.fail(start, 'unexpected ")" with no matching "("');
    const op = this.peekOperator();
    if (op === 'AND' || op === 'OR') {
      this.fail(start, `${op} needs a search term before it (quote "${this.text.slice(start, start + op.length)}" to search for the word)`);
    }
    if (c === '"') return phraseOrAll(this.readQuoted());
    if (c === '/' && /^\/(?:[^/\\]|\\.)*\/[ims]*(?=[\s)]|$)/.test(this.text.slice(start))) {
      this.fail(start, 'a /regex/ needs a field: write field:/regex/ (or quote the text to search for it)');
    }
    if (c === '[' || c === '{') this.fail(start, `a range needs a field: write field:${c}1 TO 10${c === '[' ? ']' : '}'}`);
    if (this.text.startsWith('*:*', start) && this.isTermEnd(start + 3)) {
      this.pos = start + 3;
      return { kind: 'match_all' };
    }
    const field = this.readFieldName();
    if (field !== '') {
      if (this.peek() === ':') {
        this.pos++;
        if (field === '_exists_') return this.parseExistsTarget(start);
        return this.parseFieldValue(field, start);
      }
      const cmp = this.peekComparatorAfterWs();
      if (cmp) {
        this.skipWs();
        this.pos += cmp.length;
        return this.parseComparison(field, cmp, start);
      }
      this.pos = start;
    }
    return this.freeText(start);
  }

  // ------------------------------------------------------------ field expressions

  private parseExistsTarget(start: number): QueryNode {
    this.skipWs();
    const fieldStart = this.pos;
    const field = this.readFieldName();
    if (field === '' || !this.isTermEnd(this.pos)) {
      this.fail(fieldStart, `expected a field name after "_exists_:" (got ${this.got(fieldStart)})`);
    }
    this.checkField(field, start);
    return { kind: 'exists', field };
  }

  private parseFieldValue(field: string, start: number): QueryNode {
    this.checkField(field, start);
    this.skipWs();
    if (this.atEnd() || this.peek() === ')') {
      this.fail(this.pos, `expected a value after "${field}:" (got ${this.got()})`);
    }
    const c = this.peek();
    if (c === '(') {
      const open = this.pos;
      this.enter(open);
      this.pos++;
      this.skipWs();
      if (this.peek() === ')') this.fail(this.pos, `expected a value inside "${field}:(" (got ")")`);
      const node = this.parseValueOr(field);
      this.expectClose(')', open);
      this.depth--;
      return node;
    }
    const cmp = this.peekComparator(this.pos);
    if (cmp) {
      this.pos += cmp.length;
      return this.parseComparison(field, cmp, start);
    }
    return this.parseValue(field);
  }

  private parseValueOr(field: string): QueryNode {
    const args = [this.parseValueAnd(field)];
    while (this.takeOperator('OR')) args.push(this.parseValueAnd(field));
    return combine('or', args);
  }

  private parseValueAnd(field: string): QueryNode {
    const args = [this.parseValueNot(field)];
    for (;;) {
      this.skipWs();
      if (this.atEnd() || this.peek() === ')' || this.peekOperator() === 'OR') break;
      this.takeOperator('AND');
      args.push(this.parseValueNot(field));
    }
    return combine('and', args);
  }

  private parseValueNot(field: string): QueryNode {
    this.skipWs();
    const at = this.pos;
    if (this.takeOperator('NOT')) return this.negate(at, () => this.parseValueNot(field));
    const c = this.peek();
    if ((c === '-' || c === '!') && this.isClauseStart(this.pos + 1)) {
      this.pos++;
      return this.negate(at, () => this.parseValueNot(field));
    }
    if (c === '+' && this.isClauseStart(this.pos + 1)) this.pos++;
    this.skipWs();
    if (this.atEnd()) this.fail(this.pos, `expected a value for "${field}" (got end of query)`);
    if (this.peek() === '(') {
      const open = this.pos;
      this.enter(open);
      this.pos++;
      const node = this.parseValueOr(field);
      this.expectClose(')', open);
      this.depth--;
      return node;
    }
    if (this.peek() === ')') this.fail(this.pos, `expected a value for "${field}" (got ")")`);
    return this.parseValue(field);
  }

  /** One value after `field:` — phrase, range, regex, wildcard, CIDR or plain term. */
  private parseValue(field: string): QueryNode {
    const start = this.pos;
    const c = this.peek();
    if (c === '"') return { kind: 'phrase', field, text: this.readQuoted() };
    if (c === '[' || c === '{') return this.parseRange(field);
    if (c === '/') {
      const regex = this.parseRegex(field);
      if (regex) return regex;
    }
    const word = this.readWord(start, false);
    if (word.raw === '') this.fail(start, `expected a value for "${field}" (got ${this.got(start)})`);
    if (word.raw === '*') return { kind: 'exists', field };
    if (word.hasWildcard) return { kind: 'wildcard', field, pattern: word.pattern };
    const cidr = word.escaped ? undefined : parseCidr(word.text);
    if (cidr) return { kind: 'cidr', field, cidr: word.text };
    if (!word.escaped && /^[^/\s]+\/\d+$/.test(word.text) && parseIp(word.text.slice(0, word.text.indexOf('/')))) {
      this.fail(start, `"${word.text}" is not a valid CIDR block (prefix too long for the address)`);
    }
    return { kind: 'term', field, value: word.text };
  }

  private parseRange(field: string): QueryNode {
    const open = this.pos;
    const inclusiveLow = this.peek() === '[';
    this.pos++;
    this.skipWs();
    const low = this.readRangeBound(field);
    this.skipWs();
    const toPos = this.pos;
    if (!/^to(?=[\s"*\])}]|$)/i.test(this.text.slice(this.pos, this.pos + 3))) {
      this.fail(toPos, `expected "TO" in the range for "${field}" (got ${this.got(toPos)})`);
    }
    this.pos += 2;
    this.skipWs();
    const high = this.readRangeBound(field);
    this.skipWs();
    const close = this.peek();
    if (close !== ']' && close !== '}') {
      this.fail(this.pos, `expected "]" or "}" to close the range opened at position ${open + 1} (got ${this.got()})`);
    }
    this.pos++;
    const node: QueryNode = { kind: 'range', field };
    if (low !== undefined) node[inclusiveLow ? 'gte' : 'gt'] = low;
    if (high !== undefined) node[close === ']' ? 'lte' : 'lt'] = high;
    if (low === undefined && high === undefined) return { kind: 'exists', field };
    return node;
  }

  private readRangeBound(field: string): QueryValue | undefined {
    const start = this.pos;
    if (this.peek() === '"') return rangeValue(this.readQuoted());
    let end = this.pos;
    let text = '';
    while (end < this.text.length && !/[\s\]}]/.test(this.text[end])) {
      if (this.text[end] === '\\' && end + 1 < this.text.length) end++;
      text += this.text[end];
      end++;
    }
    if (text === '') this.fail(start, `expected a range bound for "${field}" (got ${this.got(start)})`);
    this.pos = end;
    if (this.text.slice(start, end) === '*') return undefined;
    return rangeValue(text);
  }

  private parseComparison(field: string, cmp: Comparator, start: number): QueryNode {
    this.checkField(field, start);
    this.skipWs();
    const valueStart = this.pos;
    if (this.atEnd() || this.peek() === ')') {
      this.fail(valueStart, `expected a value after "${field} ${cmp}" (got ${this.got()})`);
    }
    const raw = this.peek() === '"' ? this.readQuoted() : this.readWord(valueStart, false).text;
    if (raw === '') this.fail(valueStart, `expected a value after "${field} ${cmp}" (got ${this.got(valueStart)})`);
    const value = rangeValue(raw);
    const key = cmp === '>' ? 'gt' : cmp === '>=' ? 'gte' : cmp === '<' ? 'lt' : 'lte';
    return { kind: 'range', field, [key]: value };
  }

  /**
   * `/regex/` (flags i, m, s may follow). Text that starts with "/" but does not end as a regex
   * (`/var/log/*`, `/index.html`) is an ordinary value, so paths need no escaping.
   */
  private parseRegex(field: string): QueryNode | undefined {
    const open = this.pos;
    this.pos++;
    let pattern = '';
    for (;;) {
      if (this.atEnd()) {
        this.pos = open;
        return undefined;
      }
      const ch = this.text[this.pos];
      if (ch === '\\' && this.text[this.pos + 1] === '/') {
        pattern += '/';
        this.pos += 2;
        continue;
      }
      if (ch === '\\' && this.pos + 1 < this.text.length) {
        pattern += ch + this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      this.pos++;
      if (ch === '/') break;
      pattern += ch;
    }
    let flags = '';
    while (/[ims]/.test(this.peek()) && !flags.includes(this.peek())) flags += this.text[this.pos++];
    if (!this.isTermEnd(this.pos)) {
      this.pos = open;
      return undefined;
    }
    // Lucene regexes match the whole value; the tree's regex searches, so anchor it here.
    const anchored = `^(?:${pattern})$`;
    try {
      new RegExp(anchored, flags);
    } catch (err) {
      this.fail(open, `invalid /regex/ for "${field}": ${(err as Error).message}`);
    }
    if (!safeRegex(anchored)) {
      this.fail(open, `the /regex/ for "${field}" could take exponential time (nested repetition); simplify it`);
    }
    return flags ? { kind: 'regex', field, pattern: anchored, flags } : { kind: 'regex', field, pattern: anchored };
  }

  // ------------------------------------------------------------ free text

  private freeText(start: number): QueryNode {
    const word = this.readWord(start, true);
    if (word.raw === '') this.fail(start, `expected a search term (got ${this.got(start)})`);
    if (!word.hasWildcard) return { kind: 'phrase', text: word.text };
    // Free text with wildcards searches for each literal piece (an approximation: order and
    // adjacency are not checked); `*` alone matches everything.
    const pieces = splitWildcard(word.pattern);
    return combine(
      'and',
      pieces.map((text) => ({ kind: 'phrase', text })),
    );
  }

  // ------------------------------------------------------------ lexing helpers

  private readFieldName(): string {
    let end = this.pos;
    while (end < this.text.length && FIELD_CHAR.test(this.text[end])) end++;
    const name = this.text.slice(this.pos, end);
    this.pos = end;
    return name;
  }

  /**
   * A bare word: up to whitespace, a parenthesis or a quote. Backslash escapes any character.
   * `pattern` keeps `\*`, `\?` and `\\` escaped (the tree's wildcard form); `text` is unescaped.
   */
  private readWord(start: number, freeText: boolean): { raw: string; text: string; pattern: string; hasWildcard: boolean; escaped: boolean } {
    let i = start;
    let text = '';
    let pattern = '';
    let hasWildcard = false;
    let escaped = false;
    while (i < this.text.length) {
      const ch = this.text[i];
      if (/\s/.test(ch) || ch === '(' || ch === ')' || ch === '"') break;
      if (freeText && ch === ':') break;
      if (ch === '\\') {
        if (i + 1 >= this.text.length) this.fail(i, 'a backslash at the end of the query escapes nothing');
        const next = this.text[i + 1];
        text += next;
        pattern += next === '*' || next === '?' || next === '\\' ? `\\${next}` : next;
        escaped = true;
        i += 2;
        continue;
      }
      if (ch === '*' || ch === '?') hasWildcard = true;
      text += ch;
      pattern += ch;
      i++;
    }
    if (freeText && i < this.text.length && this.text[i] === ':') {
      this.fail(i, `"${this.text.slice(start, i)}" is not a valid field name (letters, digits, _ @ . - only); quote the text to search for it`);
    }
    this.pos = i;
    return { raw: this.text.slice(start, i), text, pattern, hasWildcard, escaped };
  }

  /** A double-quoted string starting at the current position; `\"` and `\\` are escapes. */
  private readQuoted(): string {
    const open = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail(open, 'unterminated quoted phrase (no closing ")');
      const ch = this.text[this.pos];
      if (ch === '\\' && this.pos + 1 < this.text.length) {
        out += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      this.pos++;
      if (ch === '"') return out;
      out += ch;
    }
  }

  private peekOperator(): 'AND' | 'OR' | 'NOT' | undefined {
    this.skipWs();
    const t = this.text;
    const p = this.pos;
    if (t.startsWith('&&', p)) return 'AND';
    if (t.startsWith('||', p)) return 'OR';
    const m = /^(and|or|not)(?=[\s("]|$)/i.exec(t.slice(p, p + 4));
    return m ? (m[1].toUpperCase() as 'AND' | 'OR' | 'NOT') : undefined;
  }

  private takeOperator(op: 'AND' | 'OR' | 'NOT'): boolean {
    if (this.peekOperator() !== op) return false;
    const at = this.pos;
    const sym = this.text.startsWith('&&', at) || this.text.startsWith('||', at);
    this.pos += sym ? 2 : op.length;
    this.skipWs();
    if (this.atEnd() || this.peek() === ')') {
      this.fail(this.pos, `expected a search term after ${op} (got ${this.got()})`);
    }
    if (op !== 'NOT' && (this.peekOperator() === 'AND' || this.peekOperator() === 'OR')) {
      this.fail(this.pos, `expected a search term after ${op} (got ${this.got()})`);
    }
    return true;
  }

  private peekComparator(at: number): Comparator | undefined {
    const m = /^(>=|<=|>|<)/.exec(this.text.slice(at, at + 2));
    return m ? (m[1] as Comparator) : undefined;
  }

  private peekComparatorAfterWs(): Comparator | undefined {
    let i = this.pos;
    while (i < this.text.length && /\s/.test(this.text[i])) i++;
    return this.peekComparator(i);
  }

  private checkField(field: string, start: number): void {
    if (field.startsWith('.') || field.endsWith('.') || field.includes('..')) {
      this.fail(start, `"${field}" is not a valid field name (empty part between dots)`);
    }
  }

  /** A prefix operator (`-`, `!`, `+`) applies only when something follows it directly. */
  private isClauseStart(at: number): boolean {
    return at < this.text.length && !/[\s)]/.test(this.text[at]);
  }

  private isTermEnd(at: number): boolean {
    return at >= this.text.length || /[\s)]/.test(this.text[at]);
  }

  /** NOT nests like a parenthesis, so it counts towards the same depth limit. */
  private negate(at: number, operand: () => QueryNode): QueryNode {
    this.enter(at);
    const arg = operand();
    this.depth--;
    return { kind: 'not', arg };
  }

  private enter(at: number): void {
    if (++this.depth > MAX_QUERY_DEPTH) this.fail(at, `parentheses and NOTs nested deeper than ${MAX_QUERY_DEPTH}`);
  }

  private expectClose(ch: string, open: number): void {
    this.skipWs();
    if (this.peek() !== ch) {
      this.fail(this.pos, `expected "${ch}" to close the "(" at position ${open + 1} (got ${this.got()})`);
    }
    this.pos++;
  }

  private skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private got(at = this.pos): string {
    if (at >= this.text.length) return 'end of query';
    const rest = this.text.slice(at);
    const shown = rest.length > 20 ? `${rest.slice(0, 20)}…` : rest;
    return JSON.stringify(shown);
  }

  private fail(at: number, reason: string): never {
    const column = at + 1;
    throw new VigilError('QUERY_SYNTAX', `${this.path}: position ${column}: ${reason}`, {
      source: this.source,
      path: this.path,
      column,
    });
  }
}

function combine(kind: 'and' | 'or', args: QueryNode[]): QueryNode {
  const flat: QueryNode[] = [];
  for (const a of args) {
    if (a.kind === kind) flat.push(...a.args);
    else flat.push(a);
  }
  if (kind === 'and') {
    const real = flat.filter((a) => a.kind !== 'match_all');
    if (real.length === 0) return { kind: 'match_all' };
    return real.length === 1 ? real[0] : { kind, args: real };
  }
  if (flat.some((a) => a.kind === 'match_all')) return { kind: 'match_all' };
  return flat.length === 1 ? flat[0] : { kind, args: flat };
}

function phraseOrAll(text: string): QueryNode {
  return text.trim() === '' ? { kind: 'match_all' } : { kind: 'phrase', text };
}

/** Literal pieces of a wildcard pattern (escapes resolved), empty pieces dropped. */
function splitWildcard(pattern: string): string[] {
  const pieces: string[] = [];
  let cur = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      cur += pattern[++i];
    } else if (ch === '*' || ch === '?') {
      if (cur) pieces.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur) pieces.push(cur);
  return pieces;
}

function rangeValue(text: string): QueryValue {
  return isNumericText(text) ? Number(text) : text;
}

// ---------------------------------------------------------------- time expressions

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Epoch milliseconds of a time written as ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00Z`; no
 * offset means UTC), as epoch milliseconds (a number), or as Elasticsearch-style date math:
 * `now`, `now-15m`, `now+1d`, `now-1d/d` (units s m h d w M y; `/unit` rounds down, in UTC).
 * Undefined when the text is none of these.
 */
export function resolveTime(value: QueryValue, now: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^now/i.test(text)) return resolveDateMath(text, now);
  if (!ISO_DATE.test(text)) return undefined;
  let iso = text.replace(' ', 'T');
  // Date-time without an offset would be local time in JS; the query language means UTC.
  if (/T\d{2}:\d{2}/.test(iso) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function resolveDateMath(text: string, now: number): number | undefined {
  const m = /^now((?:[+-]\d+[smhdwMy])*)(?:\/([smhdwMy]))?$/.exec(text);
  if (!m) return undefined;
  const d = new Date(now);
  for (const step of m[1].match(/[+-]\d+[smhdwMy]/g) ?? []) {
    const n = Number(step.slice(0, -1));
    const unit = step[step.length - 1];
    if (unit === 'M') d.setUTCMonth(d.getUTCMonth() + n);
    else if (unit === 'y') d.setUTCFullYear(d.getUTCFullYear() + n);
    else d.setTime(d.getTime() + n * UNIT_MS[unit]);
  }
  switch (m[2]) {
    case undefined:
      break;
    case 's':
      d.setUTCMilliseconds(0);
      break;
    case 'm':
      d.setUTCSeconds(0, 0);
      break;
    case 'h':
      d.setUTCMinutes(0, 0, 0);
      break;
    case 'd':
      d.setUTCHours(0, 0, 0, 0);
      break;
    case 'w':
      // ISO weeks start on Monday.
      d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
      d.setUTCHours(0, 0, 0, 0);
      break;
    case 'M':
      d.setUTCDate(1);
      d.setUTCHours(0, 0, 0, 0);
      break;
    case 'y':
      d.setUTCMonth(0, 1);
      d.setUTCHours(0, 0, 0, 0);
      break;
  }
  return d.getTime();
}

// ---------------------------------------------------------------- IP addresses

/**
 * An IPv4 or IPv6 address as a 128-bit number; IPv4 maps into ::ffff:0:0/96 so that `1.2.3.4` and
 * `::ffff:1.2.3.4` are the same address. A zone (`%eth0`) is ignored. Undefined when not an address.
 */
export function parseIp(text: string): bigint | undefined {
  const s = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  const v4 = parseIpv4(s);
  if (v4 !== undefined) return (0xffffn << 32n) | v4;
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): bigint[] | undefined => {
    if (part === '') return [];
    const out: bigint[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const tail = parseIpv4(item);
        if (tail === undefined) return undefined;
        out.push(tail >> 16n, tail & 0xffffn);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(item)) {
        out.push(BigInt(`0x${item}`));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...Array<bigint>(missing).fill(0n), ...tail]) n = (n << 16n) | g;
  return n;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p[0] === '0')) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) as the 128-bit range it covers; undefined if invalid. */
export function parseCidr(text: string): { first: bigint; last: bigint } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(text.slice(slash + 1))) return undefined;
  const addrText = text.slice(0, slash);
  const addr = parseIp(addrText);
  if (addr === undefined) return undefined;
  let prefix = Number(text.slice(slash + 1));
  const isV4 = parseIpv4(addrText) !== undefined;
  if (prefix > (isV4 ? 32 : 128)) return undefined;
  if (isV4) prefix += 96;
  const hostBits = BigInt(128 - prefix);
  const mask = (1n << hostBits) - 1n;
  return { first: addr & ~mask, last: (addr & ~mask) | mask };
}
