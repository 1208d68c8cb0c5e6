// Sigma condition expressions: tokenise, parse with the specification's precedence
// (or < and < not < `x of` < parentheses), and resolve `x of pattern` against identifiers.
import { assertNever } from '../../core/errors.ts';
import type { ConditionNode } from './model.ts';

interface Token {
  readonly text: string;
  /** 0-based offset into the condition text, for error columns. */
  readonly pos: number;
}

const WORD = /[A-Za-z0-9_*\-.]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ text: c, pos: i });
      i++;
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i])) i++;
      tokens.push({ text: text.slice(start, i), pos: start });
    } else if (c === '|') {
      throw new ConditionSyntaxError(
        `the pipe (aggregation) syntax is not supported: use a Sigma correlation rule instead`,
        i,
      );
    } else {
      throw new ConditionSyntaxError(`unexpected character '${c}'`, i);
    }
  }
  return tokens;
}

/** Syntax error inside a condition string; `pos` is the 0-based character offset. */
export class ConditionSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly pos: number,
  ) {
    super(reason);
  }
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', '(', ')']);
const IDENT = /^[A-Za-z0-9_\-.]+$/;
const PATTERN = /^[A-Za-z0-9_*\-.]+$/;

/**
 * Parses one condition string. Throws ConditionSyntaxError with the offending offset;
 * callers wrap it in a VigilError carrying the rule's location.
 */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const endPos = text.length;

  const expect = (what: string): Token => {
    const t = tokens[at];
    if (!t) throw new ConditionSyntaxError(`expected ${what} but the condition ended`, endPos);
    return t;
  };

  function parseOr(): ConditionNode {
    const args = [parseAnd()];
    while (peek()?.text === 'or') {
      at++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0] : { kind: 'or', args };
  }

  function parseAnd(): ConditionNode {
    const args = [parseNot()];
    while (peek()?.text === 'and') {
      at++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0] : { kind: 'and', args };
  }

  function parseNot(): ConditionNode {
    if (peek()?.text === 'not') {
      at++;
      return { kind: 'not', arg: parseNot() };
    }
    return parsePrimary();
  }

  function parsePrimary(): ConditionNode {
    const t = expect('an identifier, a selector or "("');
    if (t.text === '(') {
      at++;
      const inner = parseOr();
      const close = expect('")"');
      if (close.text !== ')') throw new ConditionSyntaxError(`expected ")" but found '${close.text}'`, close.pos);
      at++;
      return inner;
    }
    const next = tokens[at + 1];
    if ((t.text === '1' || t.text === 'any' || t.text === 'all') && next?.text === 'of') {
      at += 2;
      const target = expect('"them" or an identifier pattern after "of"');
      if (KEYWORDS.has(target.text) || !PATTERN.test(target.text)) {
        throw new ConditionSyntaxError(`expected "them" or an identifier pattern after "of", found '${target.text}'`, target.pos);
      }
      at++;
      return { kind: 'of', quantifier: t.text === 'all' ? 'all' : 'one', pattern: target.text };
    }
    if (KEYWORDS.has(t.text)) throw new ConditionSyntaxError(`unexpected '${t.text}'`, t.pos);
    if (/^(AND|OR|NOT)$/.test(t.text)) {
      throw new ConditionSyntaxError(`operators are lower case: write '${t.text.toLowerCase()}'`, t.pos);
    }
    if (!IDENT.test(t.text)) throw new ConditionSyntaxError(`'${t.text}' is not an identifier (wildcards need "1 of" or "all of")`, t.pos);
    at++;
    return { kind: 'ref', name: t.text };
  }

  if (tokens.length === 0) throw new ConditionSyntaxError('the condition is empty', 0);
  const node = parseOr();
  const rest = peek();
  if (rest) {
    const hint = /^(AND|OR|NOT)$/.test(rest.text) ? ` (operators are lower case: '${rest.text.toLowerCase()}')` : '';
    throw new ConditionSyntaxError(`unexpected '${rest.text}' after a complete expression${hint}`, rest.pos);
  }
  return node;
}

/** Identifier names an `of` pattern selects, in identifier order. */
export function selectIdentifiers(pattern: string, identifiers: readonly string[]): string[] {
  if (pattern === 'them') return identifiers.filter((n) => !n.startsWith('_'));
  const underscoreOk = pattern.startsWith('_');
  if (!pattern.includes('*')) return identifiers.filter((n) => n === pattern);
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return identifiers.filter((n) => (underscoreOk || !n.startsWith('_')) && re.test(n));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Expands `x of pattern` into and/or over identifier refs. A selector that selects nothing
 * disappears together with any `not` around it (pySigma); returns undefined when nothing is left.
 */
export function resolveCondition(node: ConditionNode, identifiers: readonly string[]): ConditionNode | undefined {
  switch (node.kind) {
    case 'ref':
      return node;
    case 'not': {
      const arg = resolveCondition(node.arg, identifiers);
      return arg === undefined ? undefined : { kind: 'not', arg };
    }
    case 'and':
    case 'or': {
      const args: ConditionNode[] = [];
      for (const a of node.args) {
        const r = resolveCondition(a, identifiers);
        if (r !== undefined) args.push(r);
      }
      if (args.length === 0) return undefined;
      return args.length === 1 ? args[0] : { kind: node.kind, args };
    }
    case 'of': {
      const names = selectIdentifiers(node.pattern, identifiers);
      if (names.length === 0) return undefined;
      const refs: ConditionNode[] = names.map((name) => ({ kind: 'ref', name }));
      return refs.length === 1 ? refs[0] : { kind: node.quantifier === 'all' ? 'and' : 'or', args: refs };
    }
    default:
      return assertNever(node, 'condition node');
  }
}

/** Names referenced directly (not through `of`) that are not defined. */
export function undefinedRefs(node: ConditionNode, identifiers: ReadonlySet<string>): string[] {
  switch (node.kind) {
    case 'ref':
      return identifiers.has(node.name) ? [] : [node.name];
    case 'not':
      return undefinedRefs(node.arg, identifiers);
    case 'and':
    case 'or':
      return node.args.flatMap((a) => undefinedRefs(a, identifiers));
    case 'of':
      return [];
    default:
      return assertNever(node, 'condition node');
  }
}
