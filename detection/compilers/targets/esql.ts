// Target 'esql': an ES|QL query `FROM logs-* | WHERE …` for Kibana's Discover. Sigma's
// case-insensitive strings compare lower-cased (`TO_LOWER(f) == "x"`, `TO_LOWER(f) LIKE "*x*"`),
// `|cased` ones as written; regexes run with RLIKE (Lucene's dialect, so the pattern is translated
// as for the Query DSL); CIDR blocks with CIDR_MATCH; presence with IS NOT NULL. ES|QL's NOT of a
// missing field is null (the row is dropped), but Sigma's `not` matches events without the field,
// so every NOT reads `NOT COALESCE(x, FALSE)`. Keywords search all fields through QSTR.
import { ecsFieldClass } from '../../../core/ecs-fields.ts';
import { assertNever, ErrorCode, VigilError } from '../../../core/errors.ts';
import type { QueryNode, QueryValue } from '../../../core/query/ast.ts';
import { isNumericText } from '../../../core/query/parse.ts';
import { jsRegexToLucene } from '../../../core/storage/elasticsearch/query-dsl.ts';
import type { SigmaRule } from '../../sigma/index.ts';
import { compileSigmaQuery } from '../query.ts';
import { primaryPathsOnly, primaryPipelines } from './primary-paths.ts';
import { type PatternPart, partsOfWildcard, sigmaStringOfRegex } from './sigma-pattern.ts';
import { type CompileTarget, refusal, TargetName, type TargetOptions } from './target.ts';

export function createEsqlTarget(opts: TargetOptions): CompileTarget<string> {
  const index = opts.index ?? 'logs-*';
  if (!/^[A-Za-z0-9_.*,:-]+$/.test(index)) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `esql: index pattern ${JSON.stringify(index)}: letters, digits and _ . * , : - only`);
  }
  const pipelines = opts.allPaths === true ? opts.pipelines : primaryPipelines(opts.pipelines);
  return {
    name: TargetName.esql,
    description: `ES|QL (FROM ${index} | WHERE …) for Kibana Discover`,
    pipelines: opts.pipelines,
    compile(rule: SigmaRule): string {
      const full = compileSigmaQuery(rule, { pipelines, logsource: opts.logsource ?? false });
      const node = opts.allPaths === true ? full : primaryPathsOnly(full, rule, pipelines);
      try {
        return `FROM ${index} | WHERE ${compileEsqlCondition(node)}`;
      } catch (err) {
        throw refusal(TargetName.esql, rule, err);
      }
    },
    render: (out) => out,
  };
}

/** An ES|QL string literal: backslash, quote and control characters escaped. */
export function esqlString(text: string): string {
  const escaped = text.replace(/[\\"\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`));
  return `"${escaped}"`;
}

/** A column name, in backquotes unless it is a plain dotted identifier. */
export function esqlField(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

/** LIKE pattern text: `*` and `?` wildcards, literal `*`, `?` and `\` escaped for the pattern. */
function likePattern(parts: readonly PatternPart[], lower: boolean): string {
  return parts.map((p) => (p === '*' || p === '?' ? p : (lower ? p.literal.toLowerCase() : p.literal).replace(/[\\*?]/g, '\\$&'))).join('');
}

/** The WHERE condition for a query tree. */
export function compileEsqlCondition(node: QueryNode): string {
  switch (node.kind) {
    case 'match_all':
      return 'TRUE';
    case 'and':
    case 'or':
      if (node.args.length === 0) return node.kind === 'and' ? 'TRUE' : 'FALSE';
      if (node.args.length === 1) return compileEsqlCondition(node.args[0]);
      return node.args.map((a) => operand(a, node.kind)).join(node.kind === 'and' ? ' AND ' : ' OR ');
    case 'not':
      if (node.arg.kind === 'exists') return `${esqlField(node.arg.field)} IS NULL`;
      if (node.arg.kind === 'term' && node.arg.value === null) return `${esqlField(node.arg.field)} IS NOT NULL`;
      return `NOT COALESCE(${compileEsqlCondition(node.arg)}, FALSE)`;
    case 'term':
      return term(node.field, node.value, node.caseSensitive === true);
    case 'wildcard':
      return like(node.field, partsOfWildcard(node.pattern), node.caseSensitive === true);
    case 'phrase':
      if (node.field === undefined) return `QSTR(${esqlString(`"${node.text.replace(/[\\"]/g, '\\$&')}"`)})`;
      return like(node.field, ['*', { literal: node.text }, '*'], false);
    case 'range':
      return range(node);
    case 'exists':
      return `${esqlField(node.field)} IS NOT NULL`;
    case 'regex':
      return regex(node.field, node.pattern, node.flags ?? '');
    case 'cidr': {
      const f = esqlField(node.field);
      return `CIDR_MATCH(${ecsFieldClass(node.field) === 'ip' ? f : `TO_IP(${f})`}, ${esqlString(node.cidr)})`;
    }
    case 'fieldref':
      return `${esqlField(node.field)} == ${esqlField(node.other)}`;
    default:
      return assertNever(node, 'query node');
  }
}

function operand(node: QueryNode, parent: 'and' | 'or'): string {
  const text = compileEsqlCondition(node);
  // AND binds tighter than OR in ES|QL, but explicit grouping keeps long rules readable.
  return (node.kind === 'and' || node.kind === 'or') && node.kind !== parent && node.args.length > 1 ? `(${text})` : text;
}

function term(field: string, value: QueryValue | null, caseSensitive: boolean): string {
  const f = esqlField(field);
  if (value === null) return `${f} IS NULL`;
  const cls = ecsFieldClass(field);
  switch (cls) {
    case 'numeric': {
      const n = typeof value === 'number' ? value : isNumericText(String(value)) ? Number(value) : undefined;
      return n === undefined ? 'FALSE' : `${f} == ${n}`;
    }
    case 'boolean': {
      const b = String(value).toLowerCase();
      return b === 'true' || b === 'false' ? `${f} == ${b}` : 'FALSE';
    }
    case 'ip':
      return `${f} == TO_IP(${esqlString(String(value))})`;
    case 'date':
      return `${f} == TO_DATETIME(${esqlString(String(value))})`;
    case 'text':
    case 'keyword':
    case 'other':
    case undefined: {
      // Keyword columns: numbers and booleans compare as their text (ES|QL does not cast them).
      const text = String(value);
      if (caseSensitive || text.toLowerCase() === text.toUpperCase()) return `${f} == ${esqlString(text)}`;
      return `TO_LOWER(${f}) == ${esqlString(text.toLowerCase())}`;
    }
    default:
      return assertNever(cls, 'field class');
  }
}

function like(field: string, parts: readonly PatternPart[], caseSensitive: boolean): string {
  if (!parts.some((p) => p === '*' || p === '?')) {
    return term(field, parts.map((p) => (p === '*' || p === '?' ? '' : p.literal)).join(''), caseSensitive);
  }
  const f = asText(field);
  const text = parts.map((p) => (p === '*' || p === '?' ? '' : p.literal)).join('');
  // Digits and punctuation have no case: no need to lower the column.
  if (caseSensitive || text.toLowerCase() === text.toUpperCase()) return `${f} LIKE ${esqlString(likePattern(parts, false))}`;
  return `TO_LOWER(${f}) LIKE ${esqlString(likePattern(parts, true))}`;
}

/** The column as a string for LIKE / RLIKE: ES|QL matches patterns on keyword and text only. */
function asText(field: string): string {
  const cls = ecsFieldClass(field);
  const f = esqlField(field);
  return cls === 'ip' || cls === 'numeric' || cls === 'date' || cls === 'boolean' ? `TO_STRING(${f})` : f;
}

function bound(field: string, v: QueryValue): { column: string; value: string } {
  const f = esqlField(field);
  const cls = ecsFieldClass(field);
  if (cls === 'date') return { column: f, value: `TO_DATETIME(${esqlString(String(v))})` };
  if (cls === 'ip') return { column: f, value: `TO_IP(${esqlString(String(v))})` };
  if (typeof v === 'number' || isNumericText(String(v))) {
    // Raw fields outside ECS are keywords in the index template; compare them as numbers.
    return { column: cls === 'numeric' ? f : `TO_DOUBLE(${f})`, value: String(Number(v)) };
  }
  return { column: f, value: esqlString(String(v)) };
}

function range(node: Extract<QueryNode, { kind: 'range' }>): string {
  const ops = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  const parts: string[] = [];
  for (const k of ['gt', 'gte', 'lt', 'lte'] as const) {
    const v = node[k];
    if (v === undefined) continue;
    const b = bound(node.field, v);
    parts.push(`${b.column} ${ops[k]} ${b.value}`);
  }
  if (parts.length === 0) return `${esqlField(node.field)} IS NOT NULL`;
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
}

function regex(field: string, pattern: string, flags: string): string {
  const parts = sigmaStringOfRegex(pattern);
  if (parts !== undefined) return like(field, parts, !flags.includes('i'));
  // RLIKE matches the whole value with Lucene's regex dialect, like the regexp query.
  const lucene = jsRegexToLucene(pattern, flags, field);
  const f = asText(field);
  // Lower-casing the value and the pattern's letters is ES|QL's only case-insensitive regex.
  return flags.includes('i') ? `TO_LOWER(${f}) RLIKE ${esqlString(lowerPattern(lucene))}` : `${f} RLIKE ${esqlString(lucene)}`;
}

/** Lower-cases a Lucene regex's letters; escapes stay as they are (the translation leaves no letter escapes). */
function lowerPattern(lucene: string): string {
  let out = '';
  for (let i = 0; i < lucene.length; i++) {
    if (lucene[i] === '\\') {
      out += lucene.slice(i, i + 2);
      i++;
    } else out += lucene[i].toLowerCase();
  }
  return out;
}
