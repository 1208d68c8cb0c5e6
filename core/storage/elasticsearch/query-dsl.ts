// Compiles the store-neutral query tree (core/query/ast.ts) to Elasticsearch Query DSL objects,
// never strings. The field's ECS type (core/ecs-fields.json, which the events template maps)
// chooses the query, so that an analyst sees what the SQLite engine gives for the same tree:
// - keyword and non-ECS string fields: `term` / `wildcard` with `case_insensitive` unless asked
//   otherwise; numeric text drops the flag, so the query also works on a numeric mapping;
// - text fields (`message`): `match_phrase` (words in order, case-insensitive);
// - ip fields: `term`, which Elasticsearch also reads as a CIDR block; a value that is not an
//   address matches nothing instead of failing the whole search;
// - numeric and date fields: numbers and times (ISO, epoch ms, `now-15m` resolved against the
//   compiler's clock so a query means the same on both engines);
// - regex: JavaScript syntax translated to Lucene's (anchored, so unanchored patterns are
//   wrapped in `.*`), refused when it uses what Lucene cannot express (look-around, \b, back-references);
// - free text: `multi_match` of type phrase over `index.query.default_field` (lenient);
// - fieldref (two fields equal) needs a script, which Vigil never sends: refused with SIGMA_UNSUPPORTED.
import type { estypes } from '@elastic/elasticsearch';
import { ecsFieldClass } from '../../ecs-fields.ts';
import { assertNever, ErrorCode, VigilError } from '../../errors.ts';
import type { QueryNode, QueryValue } from '../../query/ast.ts';
import { isNumericText, parseCidr, parseIp, resolveTime } from '../../query/parse.ts';

export type DslQuery = estypes.QueryDslQueryContainer;

export interface CompileDslOptions {
  /** Clock for date math in ranges (`now-15m`), epoch ms. @default Date.now() */
  now?: number;
}

const MATCH_NONE: DslQuery = { match_none: {} };
const FIELD_NAME = /^[A-Za-z0-9_@.-]+$/;

/** Compiles a query tree to one Query DSL object. */
export function compileQueryDsl(node: QueryNode, opts: CompileDslOptions = {}): DslQuery {
  return new DslCompiler(opts.now ?? Date.now()).compile(node);
}

class DslCompiler {
  constructor(private readonly now: number) {}

  compile(node: QueryNode): DslQuery {
    switch (node.kind) {
      case 'match_all':
        return { match_all: {} };
      case 'and':
        if (node.args.length === 0) return { match_all: {} };
        if (node.args.length === 1) return this.compile(node.args[0]);
        // filter: no scoring, and Elasticsearch caches the clauses.
        return { bool: { filter: node.args.map((a) => this.compile(a)) } };
      case 'or':
        if (node.args.length === 0) return MATCH_NONE;
        if (node.args.length === 1) return this.compile(node.args[0]);
        return { bool: { should: node.args.map((a) => this.compile(a)), minimum_should_match: 1 } };
      case 'not':
        return { bool: { must_not: [this.compile(node.arg)] } };
      case 'term':
        return this.term(this.field(node.field), node.value, node.caseSensitive === true);
      case 'wildcard':
        return this.wildcard(this.field(node.field), node.pattern, node.caseSensitive === true);
      case 'phrase':
        return node.field === undefined ? freeText(node.text) : this.phrase(this.field(node.field), node.text);
      case 'range':
        return this.range(this.field(node.field), node);
      case 'exists':
        return { exists: { field: this.field(node.field) } };
      case 'regex':
        return this.regex(this.field(node.field), node.pattern, node.flags ?? '');
      case 'cidr': {
        const field = this.field(node.field);
        if (!parseCidr(node.cidr)) fail(field, `"${node.cidr}" is not a valid CIDR block`);
        const cls = ecsFieldClass(field);
        if (cls !== undefined && cls !== 'ip') {
          fail(field, `${field} is not an IP field (ECS type class ${cls}); CIDR blocks match IP fields only on Elasticsearch`);
        }
        return { term: { [field]: { value: node.cidr } } };
      }
      case 'fieldref':
        throw new VigilError(
          ErrorCode.SIGMA_UNSUPPORTED,
          `q: ${node.field} = ${node.other}: comparing two fields needs a script query, which Vigil does not send to Elasticsearch; use the embedded store or the streaming matcher for this rule`,
          { source: 'query', path: node.field },
        );
      default:
        return assertNever(node, 'query node');
    }
  }

  private field(name: string): string {
    if (!FIELD_NAME.test(name) || name.split('.').some((p) => p === '')) {
      fail(name, `"${name}" is not a valid field name (letters, digits, _ @ . - separated by single dots)`);
    }
    return name;
  }

  private term(field: string, value: QueryValue | null, caseSensitive: boolean): DslQuery {
    if (value === null) return { bool: { must_not: [{ exists: { field } }] } };
    const cls = ecsFieldClass(field);
    switch (cls) {
      case 'text':
        return { match_phrase: { [field]: String(value) } };
      case 'numeric': {
        const n = typeof value === 'number' ? value : typeof value === 'string' && isNumericText(value) ? Number(value) : undefined;
        return n === undefined ? MATCH_NONE : { term: { [field]: { value: n } } };
      }
      case 'date': {
        const iso = this.time(value);
        return iso === undefined ? MATCH_NONE : { range: { [field]: { gte: iso, lte: iso } } };
      }
      case 'ip':
        return typeof value === 'string' && parseIp(value) !== undefined ? { term: { [field]: { value } } } : MATCH_NONE;
      case 'boolean': {
        const b = typeof value === 'boolean' ? value : /^(true|false)$/i.test(String(value)) ? String(value).toLowerCase() === 'true' : undefined;
        return b === undefined ? MATCH_NONE : { term: { [field]: { value: b } } };
      }
      case 'keyword':
      case 'other':
      case undefined:
        return keywordTerm(field, value, caseSensitive);
      default:
        return assertNever(cls, 'field class');
    }
  }

  private wildcard(field: string, pattern: string, caseSensitive: boolean): DslQuery {
    if (!hasWildcard(pattern)) return this.term(field, unescapeWildcard(pattern), caseSensitive);
    const cls = ecsFieldClass(field);
    if (cls === 'ip') {
      const cidr = ipPrefixToCidr(pattern);
      if (cidr === undefined) {
        fail(field, `${field} is an IP field: Elasticsearch cannot match "${pattern}" as a pattern; use a CIDR block such as 10.0.0.0/8`);
      }
      return { term: { [field]: { value: cidr } } };
    }
    if (cls === 'numeric' || cls === 'date' || cls === 'boolean') {
      fail(field, `${field} is a ${cls} field: wildcard patterns match text only; use a range`);
    }
    const q: estypes.QueryDslWildcardQuery = { value: pattern };
    if (!caseSensitive) q.case_insensitive = true;
    return { wildcard: { [field]: q } };
  }

  private phrase(field: string, text: string): DslQuery {
    const cls = ecsFieldClass(field);
    if (cls === 'text') return { match_phrase: { [field]: text } };
    // A field ECS does not define is mapped as keyword: the phrase is found inside its value.
    if (cls === undefined && text.trim() !== '') {
      return { wildcard: { [field]: { value: `*${escapeWildcard(text)}*`, case_insensitive: true } } };
    }
    return this.term(field, text, false);
  }

  private range(field: string, node: { gt?: QueryValue; gte?: QueryValue; lt?: QueryValue; lte?: QueryValue }): DslQuery {
    const bounds = (['gt', 'gte', 'lt', 'lte'] as const).filter((k) => node[k] !== undefined);
    if (bounds.length === 0) return { exists: { field } };
    const cls = ecsFieldClass(field);
    const values = bounds.map((k) => node[k] as QueryValue);
    const mode =
      cls === 'numeric' || cls === 'date' || cls === 'ip'
        ? cls
        : values.every((v) => typeof v === 'number')
          ? 'numeric'
          : values.every((v) => typeof v === 'string' && resolveTime(v, this.now) !== undefined && !isNumericText(v))
            ? 'date'
            : 'text';
    const q: estypes.QueryDslUntypedRangeQuery = {};
    for (const k of bounds) {
      const v = node[k] as QueryValue;
      if (mode === 'numeric') {
        const n = typeof v === 'number' ? v : isNumericText(String(v)) ? Number(v) : undefined;
        if (n === undefined) fail(field, `range bound ${JSON.stringify(v)} is not a number (${field} is numeric)`);
        q[k] = n;
      } else if (mode === 'date') {
        const iso = this.time(v);
        if (iso === undefined) {
          fail(field, `${JSON.stringify(v)} is not a time (ISO 8601 such as 2024-05-01T10:00:00Z, epoch ms, or now-15m)`);
        }
        q[k] = iso;
      } else if (mode === 'ip') {
        if (parseIp(String(v)) === undefined) fail(field, `range bound ${JSON.stringify(v)} is not an IP address`);
        q[k] = String(v);
      } else {
        q[k] = String(v);
      }
    }
    return { range: { [field]: q } };
  }

  private regex(field: string, pattern: string, flags: string): DslQuery {
    if (!/^[imsu]*$/.test(flags)) fail(field, `regex flags "${flags}" are not supported (use i, m, s)`);
    try {
      new RegExp(pattern, flags);
    } catch (err) {
      fail(field, `invalid regex ${JSON.stringify(pattern)}: ${(err as Error).message}`);
    }
    const cls = ecsFieldClass(field);
    if (cls === 'numeric' || cls === 'date' || cls === 'ip' || cls === 'boolean') {
      fail(field, `${field} is a ${cls} field: Elasticsearch runs regular expressions on text and keyword fields only`);
    }
    const lucene = jsRegexToLucene(pattern, flags, field);
    const q: estypes.QueryDslRegexpQuery = { value: lucene, flags: 'NONE' };
    if (flags.includes('i')) q.case_insensitive = true;
    return { regexp: { [field]: q } };
  }

  private time(value: QueryValue): string | undefined {
    const ms = resolveTime(value, this.now);
    return ms === undefined ? undefined : new Date(ms).toISOString();
  }
}

function keywordTerm(field: string, value: QueryValue, caseSensitive: boolean): DslQuery {
  if (typeof value !== 'string') return { term: { [field]: { value } } };
  // Digits have no case, and leaving the flag off keeps the query valid if the field was mapped as a number.
  if (caseSensitive || isNumericText(value)) return { term: { [field]: { value } } };
  return { term: { [field]: { value, case_insensitive: true } } };
}

/** Anywhere in the event: a phrase over the template's default fields; format mismatches are ignored. */
function freeText(text: string): DslQuery {
  return { multi_match: { query: text, type: 'phrase', lenient: true } };
}

function fail(field: string, reason: string): never {
  throw new VigilError(ErrorCode.QUERY_SYNTAX, `q: ${field}: ${reason}`, { source: 'query', path: field });
}

/** True when the pattern has a `*` or `?` not escaped by a backslash (a backslash that is itself escaped escapes nothing). */
function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '*' || pattern[i] === '?') return true;
  }
  return false;
}

function unescapeWildcard(pattern: string): string {
  return pattern.replace(/\\(.)/g, '$1');
}

function escapeWildcard(text: string): string {
  return text.replace(/[\\*?]/g, '\\$&');
}

/** `10.0.*` / `10.0.0.*` → `10.0.0.0/16` / `10.0.0.0/24`: the IPv4 prefixes a pattern on an ip field can mean. */
function ipPrefixToCidr(pattern: string): string | undefined {
  const m = pattern.match(/^(\d{1,3})(?:\.(\d{1,3}))?(?:\.(\d{1,3}))?\.\*$/);
  if (!m) return undefined;
  const octets = [m[1], m[2], m[3]].filter((o): o is string => o !== undefined).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const bits = octets.length * 8;
  while (octets.length < 4) octets.push(0);
  return `${octets.join('.')}/${bits}`;
}

// ---------------------------------------------------------------- JS regex → Lucene regex

/** Characters Lucene's RegExp treats as operators; escaped when they are literals. */
const LUCENE_SPECIAL = new Set(['.', '?', '+', '*', '|', '{', '}', '[', ']', '(', ')', '"', '\\', '#', '@', '&', '<', '>', '~']);
// Lucene reads no \t or \n escapes: whitespace goes into the class as the characters themselves.
const CLASS_SHORTHAND: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_', s: ' \t\n\r\f\v' };

function literal(ch: string): string {
  return LUCENE_SPECIAL.has(ch) ? `\\${ch}` : ch;
}

/** A literal inside [...]: only ], \, ^ and - need escaping there. */
function classLiteral(ch: string): string {
  return ch === ']' || ch === '\\' || ch === '^' || ch === '-' || ch === '[' || ch === '"' ? `\\${ch}` : ch;
}

const CONTROL_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v', '0': '\0' };

/**
 * Translates a JavaScript regex to Lucene's dialect. Lucene regexes match the whole value, so a
 * pattern not anchored with ^ / $ is wrapped in `.*`. Exported for its own tests.
 */
export function jsRegexToLucene(pattern: string, flags: string, field: string): string {
  const unsupported = (what: string): never =>
    fail(field, `regex ${JSON.stringify(pattern)}: ${what} cannot be expressed in an Elasticsearch regexp query`);
  let out = '';
  let i = 0;
  let depth = 0;
  let topLevelAlternation = false;
  let startAnchor = false;
  let endAnchor = false;
  const dotAll = flags.includes('s');

  /** Reads an escape at pattern[i] === '\\'; returns its Lucene form, in or out of a class. */
  const readEscape = (inClass: boolean): string => {
    const c = pattern[i + 1];
    i += 2;
    if (c === undefined) return unsupported('a trailing backslash');
    if (c in CLASS_SHORTHAND) return inClass ? CLASS_SHORTHAND[c] : `[${CLASS_SHORTHAND[c]}]`;
    if (c === 'D' || c === 'W' || c === 'S') {
      if (inClass) return unsupported(`\\${c} inside a character class`);
      return `[^${CLASS_SHORTHAND[c.toLowerCase()]}]`;
    }
    if (c === 'b' || c === 'B') return unsupported(`the word boundary \\${c}`);
    if (/[1-9]/.test(c) || c === 'k') return unsupported('a back-reference');
    if (c === 'p' || c === 'P') return unsupported('a Unicode property escape');
    if (c in CONTROL_ESCAPES) return inClass ? classLiteral(CONTROL_ESCAPES[c]) : literal(CONTROL_ESCAPES[c]);
    if (c === 'x' || c === 'u') {
      const m = c === 'x' ? pattern.slice(i).match(/^[0-9a-fA-F]{2}/) : pattern.slice(i).match(/^(?:[0-9a-fA-F]{4}|\{[0-9a-fA-F]+\})/);
      if (!m) return inClass ? classLiteral(c) : literal(c);
      i += m[0].length;
      const ch = String.fromCodePoint(Number.parseInt(m[0].replace(/[{}]/g, ''), 16));
      return inClass ? classLiteral(ch) : literal(ch);
    }
    return inClass ? classLiteral(c) : literal(c);
  };

  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      out += readEscape(false);
      continue;
    }
    if (ch === '[') {
      // "Any character, newlines included" ([\s\S] and its kin) is Lucene's '.', which has no
      // notion of lines; the class form would need \S inside a class, which Lucene lacks.
      const any = /^\[\\([sdwSDW])\\([sdwSDW])\]/.exec(pattern.slice(i));
      if (any && any[1].toLowerCase() === any[2].toLowerCase() && any[1] !== any[2]) {
        out += '.';
        i += any[0].length;
        continue;
      }
      i++;
      let cls = '[';
      if (pattern[i] === '^') {
        cls += '^';
        i++;
      }
      // A ']' first in a JS class closes an empty class; Lucene has no empty class.
      if (pattern[i] === ']') return unsupported('an empty character class');
      while (i < pattern.length && pattern[i] !== ']') {
        if (pattern[i] === '\\') cls += readEscape(true);
        else if (pattern[i] === '-') {
          // A '-' first or last in a JS class is a literal; Lucene would read it as a range.
          const literalDash = cls === '[' || cls === '[^' || pattern[i + 1] === ']';
          cls += literalDash ? '\\-' : '-';
          i++;
        } else {
          cls += classLiteral(pattern[i]);
          i++;
        }
      }
      i++;
      out += `${cls}]`;
      continue;
    }
    if (ch === '(') {
      if (pattern[i + 1] === '?') {
        const next = pattern[i + 2];
        if (next === ':') i += 3;
        else if (next === '<' && pattern[i + 3] !== '=' && pattern[i + 3] !== '!') {
          const close = pattern.indexOf('>', i);
          i = close + 1;
        } else return unsupported('a look-around group');
      } else i++;
      depth++;
      out += '(';
      continue;
    }
    if (ch === ')') {
      depth--;
      out += ')';
      i++;
      continue;
    }
    if (ch === '|') {
      if (depth === 0) topLevelAlternation = true;
      out += '|';
      i++;
      continue;
    }
    if (ch === '^') {
      if (i !== 0) return unsupported('^ anywhere but at the start');
      startAnchor = true;
      i++;
      continue;
    }
    if (ch === '$') {
      if (i !== pattern.length - 1) return unsupported('$ anywhere but at the end');
      endAnchor = true;
      i++;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      let q = ch;
      if (ch === '{') {
        const m = pattern.slice(i).match(/^\{\d+(?:,\d*)?\}/);
        if (!m) {
          out += literal('{');
          i++;
          continue;
        }
        q = m[0];
      }
      out += q;
      i += q.length;
      // A lazy quantifier matches the same set of whole values as the greedy one.
      if (pattern[i] === '?') i++;
      continue;
    }
    if (ch === '.') {
      out += dotAll ? '.' : '[^\n]';
      i++;
      continue;
    }
    out += literal(ch);
    i++;
  }
  if ((startAnchor || endAnchor) && topLevelAlternation) return unsupported('anchors together with a top-level |');
  if (flags.includes('m') && (startAnchor || endAnchor)) return unsupported('^ or $ with the multiline flag');
  const body = topLevelAlternation ? `(${out})` : out;
  return `${startAnchor ? '' : '.*'}${body}${endAnchor ? '' : '.*'}`;
}
