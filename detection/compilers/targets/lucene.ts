// Target 'lucene': a Kibana / Elasticsearch `query_string` (Lucene syntax), written the way
// pySigma's Elasticsearch Lucene backend writes it: values escaped with a backslash, wildcards kept,
// `field:(a OR b)` for alternatives on one field, `_exists_:field`, `field:/regex/`, `field:>n`,
// CIDR blocks as `field:10.0.0.0\/8`. Like pySigma's, the output matches keyword fields
// case-sensitively (Lucene has no case-insensitive flag in query strings), where Sigma is
// case-insensitive: the es-dsl target is the exact one. Comparing two fields is refused.
import { ecsFieldClass } from '../../../core/ecs-fields.ts';
import { assertNever } from '../../../core/errors.ts';
import type { QueryNode, QueryValue } from '../../../core/query/ast.ts';
import { jsRegexToLucene } from '../../../core/storage/elasticsearch/query-dsl.ts';
import type { SigmaRule } from '../../sigma/index.ts';
import { compileSigmaQuery } from '../query.ts';
import { primaryPathsOnly, primaryPipelines } from './primary-paths.ts';
import { type PatternPart, partsOfWildcard, sigmaStringOfRegex } from './sigma-pattern.ts';
import { type CompileTarget, refusal, TargetName, type TargetOptions, unsupported } from './target.ts';

export function createLuceneTarget(opts: TargetOptions): CompileTarget<string> {
  const pipelines = opts.allPaths === true ? opts.pipelines : primaryPipelines(opts.pipelines);
  return {
    name: TargetName.lucene,
    description: 'Lucene query string for Kibana (as pySigma writes it; case-sensitive on keyword fields)',
    pipelines: opts.pipelines,
    compile(rule: SigmaRule): string {
      const full = compileSigmaQuery(rule, { pipelines, logsource: opts.logsource ?? false });
      const node = opts.allPaths === true ? full : primaryPathsOnly(full, rule, pipelines);
      try {
        return compileLucene(node);
      } catch (err) {
        throw refusal(TargetName.lucene, rule, err);
      }
    },
    render: (out) => out,
  };
}

/** Characters query_string treats as syntax (pySigma's list, space included). */
const RESERVED = new Set([...'+-=&|!(){}[]<>^"~*?:\\/ ']);

/** A literal value: every reserved character (and whitespace) escaped with a backslash. */
export function escapeLucene(text: string): string {
  let out = '';
  for (const ch of text) out += RESERVED.has(ch) || /\s/.test(ch) ? `\\${ch}` : ch;
  return out;
}

function wildcardText(parts: readonly PatternPart[]): string {
  return parts.map((p) => (p === '*' || p === '?' ? p : escapeLucene(p.literal))).join('');
}

function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

function scalar(v: QueryValue): string {
  if (typeof v === 'string') return v === '' ? '""' : escapeLucene(v);
  return escapeLucene(String(v));
}

/** Compiles a query tree to a Lucene query string. */
export function compileLucene(node: QueryNode): string {
  switch (node.kind) {
    case 'match_all':
      return '*:*';
    case 'and':
    case 'or': {
      if (node.args.length === 0) return node.kind === 'and' ? '*:*' : 'NOT *:*';
      if (node.args.length === 1) return compileLucene(node.args[0]);
      if (node.kind === 'or') {
        const list = valueList(node.args);
        if (list !== undefined) return list;
      }
      return node.args.map(child).join(node.kind === 'and' ? ' AND ' : ' OR ');
    }
    case 'not': {
      const arg = node.arg;
      // NOT (field is null) reads as "the field exists" (pySigma does the same).
      if (arg.kind === 'term' && arg.value === null) return `_exists_:${arg.field}`;
      if (arg.kind === 'match_all') return 'NOT *:*';
      return `NOT ${child(arg)}`;
    }
    case 'term':
      return term(node.field, node.value);
    case 'wildcard':
      return `${node.field}:${wildcardText(partsOfWildcard(node.pattern))}`;
    case 'phrase':
      return node.field === undefined ? quoted(node.text) : `${node.field}:${quoted(node.text)}`;
    case 'range':
      return range(node);
    case 'exists':
      return `_exists_:${node.field}`;
    case 'regex':
      return regex(node.field, node.pattern, node.flags ?? '');
    case 'cidr':
      return `${node.field}:${escapeLucene(node.cidr)}`;
    case 'fieldref':
      throw unsupported(`${node.field} = ${node.other}: a query string cannot compare two fields (pySigma refuses it too)`);
    default:
      return assertNever(node, 'query node');
  }
}

/** An operand of AND/OR: compound operands and NOT in parentheses (a bare `a OR NOT b` would mean `a AND NOT b`). */
function child(node: QueryNode): string {
  const text = compileLucene(node);
  if (node.kind === 'or' && valueList(node.args) !== undefined) return text;
  const compound = node.kind === 'and' || node.kind === 'or' || node.kind === 'not' || (node.kind === 'term' && node.value === null);
  return compound && !(node.kind === 'not' && text.startsWith('_exists_:')) ? `(${text})` : text;
}

function term(field: string, value: QueryValue | null): string {
  if (value === null) return `NOT _exists_:${field}`;
  if (typeof value === 'string' && ecsFieldClass(field) === 'text') return `${field}:${quoted(value)}`;
  return `${field}:${scalar(value)}`;
}

/** Values for one field that pySigma would list as `field:(a OR b)`; undefined when the alternatives differ in shape. */
function valueList(args: readonly QueryNode[]): string | undefined {
  const values: string[] = [];
  let field: string | undefined;
  for (const a of args) {
    let text: string;
    if (a.kind === 'term' && a.value !== null && !(typeof a.value === 'string' && ecsFieldClass(a.field) === 'text')) text = scalar(a.value);
    else if (a.kind === 'wildcard') text = wildcardText(partsOfWildcard(a.pattern));
    else if (a.kind === 'regex' && sigmaStringOfRegex(a.pattern) !== undefined) text = wildcardText(sigmaStringOfRegex(a.pattern) ?? []);
    else return undefined;
    if (field !== undefined && a.field !== field) return undefined;
    field = a.field;
    values.push(text);
  }
  return `${field}:(${values.join(' OR ')})`;
}

function range(node: Extract<QueryNode, { kind: 'range' }>): string {
  const { field } = node;
  const bounds: string[] = [];
  if (node.gt !== undefined) bounds.push(`${field}:>${scalar(node.gt)}`);
  if (node.gte !== undefined) bounds.push(`${field}:>=${scalar(node.gte)}`);
  if (node.lt !== undefined) bounds.push(`${field}:<${scalar(node.lt)}`);
  if (node.lte !== undefined) bounds.push(`${field}:<=${scalar(node.lte)}`);
  if (bounds.length === 0) return `_exists_:${field}`;
  return bounds.length === 1 ? bounds[0] : `(${bounds.join(' AND ')})`;
}

function regex(field: string, pattern: string, flags: string): string {
  // A Sigma string the compiler wrote as a regex is a plain wildcard for Lucene.
  const parts = sigmaStringOfRegex(pattern);
  if (parts !== undefined) return `${field}:${wildcardText(parts)}`;
  let lucene = jsRegexToLucene(pattern, flags, field);
  if (flags.includes('i')) lucene = bothCases(lucene);
  return `${field}:/${escapeSlashes(lucene)}/`;
}

/** query_string ends a regex at the first bare `/`. */
function escapeSlashes(lucene: string): string {
  let out = '';
  for (let i = 0; i < lucene.length; i++) {
    if (lucene[i] === '\\') {
      out += lucene.slice(i, i + 2);
      i++;
    } else out += lucene[i] === '/' ? '\\/' : lucene[i];
  }
  return out;
}

function other(ch: string): string {
  const lower = ch.toLowerCase();
  return lower === ch ? ch.toUpperCase() : lower;
}

/**
 * A Lucene regex matching both cases of every letter: query strings have no case-insensitive
 * regex flag, so `(?i)abc` becomes `[aA][bB][cC]` and `[a-f]` becomes `[a-fA-F]`.
 */
export function bothCases(lucene: string): string {
  let out = '';
  let i = 0;
  while (i < lucene.length) {
    const ch = lucene[i];
    if (ch === '\\') {
      out += lucene.slice(i, i + 2);
      i += 2;
    } else if (ch === '[') {
      let cls = '[';
      i++;
      if (lucene[i] === '^') {
        cls += '^';
        i++;
      }
      let extra = '';
      while (i < lucene.length && lucene[i] !== ']') {
        if (lucene[i] === '\\') {
          cls += lucene.slice(i, i + 2);
          i += 2;
          continue;
        }
        const c = lucene[i];
        if (lucene[i + 1] === '-' && lucene[i + 2] !== undefined && lucene[i + 2] !== ']') {
          const end = lucene[i + 2];
          cls += `${c}-${end}`;
          if (other(c) !== c && other(end) !== end) extra += `${other(c)}-${other(end)}`;
          i += 3;
          continue;
        }
        cls += c;
        if (other(c) !== c) extra += other(c);
        i++;
      }
      out += `${cls}${extra}]`;
      i++;
    } else {
      out += other(ch) !== ch ? `[${ch}${other(ch)}]` : ch;
      i++;
    }
  }
  return out;
}
