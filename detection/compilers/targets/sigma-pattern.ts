// The Sigma compiler (detection/compilers/query.ts) writes a Sigma string that a keyword query
// cannot carry exactly (text and date fields, non-ASCII case folding) as an anchored regex built
// from escaped literals and `[\s\S]` wildcards. Text targets read such a regex back as the
// wildcard it came from, so Kibana users get `*…*` instead of an unreadable expression.

/** Characters query.ts escapes inside literals. */
const ESCAPED = new Set(['.', '*', '+', '?', '^', '$', '{', '}', '(', ')', '|', '[', ']', '\\', '/']);
const ANY_RUN = '[\\s\\S]*';
const ANY_ONE = '[\\s\\S]';

/** A wildcard piece: literal text, or `*` / `?`. */
export type PatternPart = { literal: string } | '*' | '?';

/** The wildcard a regex of the form `^…$` stands for, or undefined when it is a real regex. */
export function sigmaStringOfRegex(pattern: string): PatternPart[] | undefined {
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.length < 2) return undefined;
  const body = pattern.slice(1, -1);
  const parts: PatternPart[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') parts.push({ literal: text });
    text = '';
  };
  let i = 0;
  while (i < body.length) {
    if (body.startsWith(ANY_RUN, i)) {
      flush();
      parts.push('*');
      i += ANY_RUN.length;
    } else if (body.startsWith(ANY_ONE, i)) {
      flush();
      parts.push('?');
      i += ANY_ONE.length;
    } else if (body[i] === '\\') {
      const c = body[i + 1];
      if (c === undefined || !ESCAPED.has(c)) return undefined;
      text += c;
      i += 2;
    } else if (ESCAPED.has(body[i])) {
      return undefined;
    } else {
      text += body[i];
      i++;
    }
  }
  flush();
  return parts;
}

/** `*`/`?` wildcard text with backslash escapes, as QueryNode wildcards spell it. */
export function wildcardOf(parts: readonly PatternPart[]): string {
  return parts.map((p) => (p === '*' || p === '?' ? p : p.literal.replace(/[\\*?]/g, '\\$&'))).join('');
}

/** Splits a QueryNode wildcard pattern (`*`, `?`, backslash escapes) into parts. */
export function partsOfWildcard(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let text = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) text += pattern[++i];
    else if (ch === '*' || ch === '?') {
      if (text !== '') parts.push({ literal: text });
      text = '';
      parts.push(ch);
    } else text += ch;
  }
  if (text !== '') parts.push({ literal: text });
  return parts;
}
