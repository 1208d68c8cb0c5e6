// Regular expressions from rules: translate the Python/PCRE spellings SigmaHQ uses into
// JavaScript, and keep any pattern from stalling the engine (see `compileRuleRegex`).
import { setFlagsFromString } from 'node:v8';

/** Why a pattern cannot be used; the caller turns this into a located VigilError. */
export class RegexRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly unsafe: boolean,
  ) {
    super(reason);
  }
}

/**
 * Rewrites Python-only syntax: leading inline flags `(?i)`/`(?s)`/`(?m)` become RegExp flags
 * (Node 20 refuses them), `(?P<n>…)` → `(?<n>…)`, `(?P=n)` → `\k<n>`, `\A`/`\Z` → anchors,
 * `{,n}` → `{0,n}`.
 */
export function translatePattern(pattern: string): { source: string; flags: Set<string> } {
  const flags = new Set<string>();
  let src = pattern;
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'x') throw new RegexRefusal('the verbose flag (?x) is not supported', false);
      flags.add(f);
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (!inClass && n === 'A') out += '(?<![\\s\\S])';
      else if (!inClass && (n === 'Z' || n === 'z')) out += '(?![\\s\\S])';
      else out += c + n;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
      // A `]` right after `[` or `[^` is a literal in Python; JavaScript needs it escaped.
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
    } else if (c === '{' && /^\{,\d+\}/.test(src.slice(i))) {
      // Python reads `{,n}` as `{0,n}`; JavaScript would take it as literal text.
      out += '{0';
    } else if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      if (end === -1) throw new RegexRefusal(`unterminated (?P=…) at offset ${i}`, false);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
    } else if (src.startsWith('(?', i) && /^\(\?[imsx-]+[:)]/.test(src.slice(i))) {
      throw new RegexRefusal(`inline flags are only supported at the very start of the pattern (offset ${i})`, false);
    } else out += c;
  }
  return { source: out, flags };
}

/** Quantifier just after an atom, if any: its length and whether it is unbounded. */
function readQuantifier(src: string, i: number): { length: number; unbounded: boolean } | undefined {
  const c = src[i];
  let length = 0;
  let unbounded = false;
  if (c === '*' || c === '+') {
    length = 1;
    unbounded = true;
  } else if (c === '?') length = 1;
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
    if (!m) return undefined;
    length = m[0].length;
    unbounded = m[2] !== undefined && m[3] === '';
  } else return undefined;
  if (src[i + length] === '?') length++;
  return { length, unbounded };
}

export interface PatternRisk {
  /**
   * An unbounded quantifier (`*`, `+`, `{n,}`) applies to a group that itself holds an unbounded
   * quantifier: the star-height-2 shape (`(a+)+`, `(.*x){1,}`) behind catastrophic backtracking.
   * Bounded repeats (`?`, `{2,20}`) are not counted: they cannot multiply without limit.
   */
  readonly nested: boolean;
  /** An unbounded quantifier applies to a group with alternatives (`(a|aa)+`), which may overlap. */
  readonly quantifiedAlternation: boolean;
}

export function analysePattern(src: string): PatternRisk {
  // One entry per open group (index 0 is the whole pattern): does it hold an unbounded
  // quantifier, and does it have top-level alternatives?
  const stack: { unbounded: boolean; alternation: boolean }[] = [{ unbounded: false, alternation: false }];
  let i = 0;
  let nested = false;
  let quantifiedAlternation = false;
  const afterAtom = (atomUnbounded: boolean, atomAlternation: boolean): void => {
    const top = stack[stack.length - 1];
    const q = readQuantifier(src, i);
    if (q) {
      if (q.unbounded && atomUnbounded) nested = true;
      if (q.unbounded && atomAlternation) quantifiedAlternation = true;
      if (q.unbounded || atomUnbounded) top.unbounded = true;
      i += q.length;
    } else if (atomUnbounded) top.unbounded = true;
  };
  while (i < src.length && !nested) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      afterAtom(false, false);
    } else if (c === '[') {
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      i++;
      afterAtom(false, false);
    } else if (c === '(') {
      stack.push({ unbounded: false, alternation: false });
      i++;
      if (src[i] === '?') {
        const m = /^\?(:|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(src.slice(i));
        i += m ? m[0].length : 1;
      }
    } else if (c === ')') {
      const inner = stack.pop() ?? { unbounded: false, alternation: false };
      if (stack.length === 0) stack.push({ unbounded: false, alternation: false });
      i++;
      afterAtom(inner.unbounded, inner.alternation);
    } else if (c === '|') {
      stack[stack.length - 1].alternation = true;
      i++;
    } else {
      i++;
      afterAtom(false, false);
    }
  }
  return { nested, quantifiedAlternation };
}

export function hasNestedUnboundedQuantifier(src: string): boolean {
  return analysePattern(src).nested;
}

function otherCase(c: string): string | undefined {
  const lower = c.toLowerCase();
  const upper = c.toUpperCase();
  const other = c === lower ? upper : lower;
  return other !== c && other.length === 1 ? other : undefined;
}

/** Length of the escape sequence starting at `i` (a backslash), so it is copied whole. */
function escapeLength(src: string, i: number): number {
  const m = /^\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|c[A-Za-z]|k<[^>]*>|[pP]\{[^}]*\}|.)/s.exec(src.slice(i));
  return m ? m[0].length : 1;
}

/**
 * Rewrites a pattern so it matches case-insensitively without the `i` flag, which V8's
 * linear-time engine cannot run: each letter becomes `[xX]`, and classes gain the other case of
 * their letters and letter ranges. Group names and escapes are left alone.
 */
export function caseFoldPattern(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '\\') {
      const n = escapeLength(src, i);
      out += src.slice(i, i + n);
      i += n;
    } else if (c === '(' && /^\(\?<[A-Za-z_]/.test(src.slice(i))) {
      const end = src.indexOf('>', i);
      out += src.slice(i, end + 1);
      i = end + 1;
    } else if (c === '[') {
      let j = i + 1;
      let body = '';
      const negate = src[j] === '^' ? '^' : '';
      if (negate) j++;
      let extra = '';
      while (j < src.length && src[j] !== ']') {
        if (src[j] === '\\') {
          const n = escapeLength(src, j);
          body += src.slice(j, j + n);
          j += n;
          continue;
        }
        const a = src[j];
        if (src[j + 1] === '-' && src[j + 2] !== undefined && src[j + 2] !== ']' && src[j + 2] !== '\\') {
          const b = src[j + 2];
          body += `${a}-${b}`;
          const oa = otherCase(a);
          const ob = otherCase(b);
          if (oa && ob && oa <= ob) extra += `${oa}-${ob}`;
          j += 3;
          continue;
        }
        body += a;
        const o = otherCase(a);
        if (o) extra += o;
        j++;
      }
      // The added letters go first; a leading literal `-` of the body is escaped so it cannot
      // turn into a range with them.
      out += `[${negate}${extra}${extra && body.startsWith('-') ? `\\${body}` : body}]`;
      i = j + 1;
    } else {
      const o = otherCase(c);
      out += o ? `[${c}${o}]` : c;
      i++;
    }
  }
  return out;
}

let linearEngine: boolean | undefined;

/**
 * V8's linear-time engine (`l` flag) runs any pattern without backreferences or lookaround in
 * time linear in the input. It sits behind a V8 flag that only affects `l`-flagged patterns, so
 * enabling it changes nothing for any other RegExp in the process.
 */
function linearEngineAvailable(): boolean {
  if (linearEngine === undefined) {
    try {
      setFlagsFromString('--enable-experimental-regexp-engine');
      // biome-ignore lint/complexity/useRegexLiterals: a literal /a/l would be a syntax error where the flag is unknown
      new RegExp('a', 'l');
      linearEngine = true;
    } catch {
      linearEngine = false;
    }
  }
  return linearEngine;
}

export type UnsafeRegexPolicy = 'linear' | 'refuse';

/**
 * Compiles a rule's pattern for unanchored search. Patterns with nested unbounded quantifiers
 * run on V8's linear-time engine under the `linear` policy, or are refused under `refuse`
 * (and whenever the linear engine cannot take them).
 */
export function compileRuleRegex(pattern: string, extraFlags: Iterable<string>, policy: UnsafeRegexPolicy): RegExp {
  const { source, flags } = translatePattern(pattern);
  for (const f of extraFlags) flags.add(f);
  const flagText = [...flags].sort().join('');
  let re: RegExp;
  try {
    re = new RegExp(source, flagText);
  } catch (err) {
    throw new RegexRefusal(`invalid regular expression /${pattern}/: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`, false);
  }
  const risk = analysePattern(source);
  if (!risk.nested) {
    // Overlapping alternatives under a quantifier can also backtrack badly; run them linearly
    // when possible, but they are not refused: most (`(\w|-)+`) are harmless.
    if (risk.quantifiedAlternation && policy === 'linear') return linearRegex(source, flags) ?? re;
    return re;
  }
  const why = `/${pattern}/ nests unbounded quantifiers (like (a+)+), which can backtrack catastrophically`;
  if (policy === 'refuse') throw new RegexRefusal(`${why}; rewrite it without the nested repetition`, true);
  if (!linearEngineAvailable()) throw new RegexRefusal(`${why}, and no linear-time regex engine is available`, true);
  const linear = linearRegex(source, flags);
  if (!linear) throw new RegexRefusal(`${why}, and it uses features (backreferences or lookaround) the linear-time engine cannot run`, true);
  return linear;
}

/** The pattern on V8's linear-time engine, or undefined when that engine cannot run it. */
function linearRegex(source: string, flags: ReadonlySet<string>): RegExp | undefined {
  if (!linearEngineAvailable()) return undefined;
  // The linear engine has no `i`; fold case into the pattern instead.
  const linearSource = flags.has('i') ? caseFoldPattern(source) : source;
  const linearFlags = [...flags].filter((f) => f !== 'i').sort().join('');
  try {
    return new RegExp(linearSource, `${linearFlags}l`);
  } catch {
    return undefined;
  }
}

/**
 * Fixed runs of a regular expression that every match contains: text outside groups, classes and
 * optional quantifiers, with no top-level alternation (undefined: the pattern has one). Groups are
 * skipped whole. Case is kept; a leading `(?flags)` is ignored. Used to rule text out before the
 * regex runs (here, on field values) and by the raw-text literal prefilter (detection/index).
 */
export function regexRuns(pattern: string): string[] | undefined {
  let p = pattern.replace(/^\(\?[a-z]+\)/, '');
  if (p.startsWith('^')) p = p.slice(1);
  const runs: string[] = [];
  let run = '';
  const flush = (): void => {
    if (run) runs.push(run);
    run = '';
  };
  let i = 0;
  const skipClass = (): void => {
    // at '[': a ']' right after '[' or '[^' is literal in Python (and escaped by translatePattern).
    i++;
    if (p[i] === '^') i++;
    if (p[i] === ']') i++;
    while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
    i++;
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '|') return undefined;
    if (c === '(') {
      flush();
      let depth = 0;
      while (i < p.length) {
        if (p[i] === '\\') i += 2;
        else if (p[i] === '[') skipClass();
        else {
          if (p[i] === '(') depth++;
          else if (p[i] === ')' && --depth === 0) {
            i++;
            break;
          }
          i++;
        }
      }
      continue;
    }
    if (c === '[') {
      flush();
      skipClass();
      continue;
    }
    // `{0…}` and Python's `{,n}` allow zero repeats, like `?` and `*`.
    if (c === '?' || c === '*' || (c === '{' && /^\{(0\d*)?(,\d*)?\}/.test(p.slice(i)) && /^\{[0,]/.test(p.slice(i)))) {
      // The previous character may be absent.
      run = run.slice(0, -1);
      flush();
      i = c === '{' ? p.indexOf('}', i) + 1 : i + 1;
      continue;
    }
    if (c === '+' || c === '{') {
      flush();
      i = c === '{' ? Math.max(p.indexOf('}', i) + 1, i + 1) : i + 1;
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      flush();
      i++;
      continue;
    }
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (/[a-zA-Z0-9]/.test(n)) {
        // Classes (\d \w \s …), escapes (\n \x41 \u0041 \p{…}) and backreferences: not literal.
        flush();
        i += 2;
        if (n === 'x') i += 2;
        else if (n === 'u') i = p[i] === '{' ? p.indexOf('}', i) + 1 : i + 4;
        else if ((n === 'p' || n === 'P') && p[i] === '{') i = p.indexOf('}', i) + 1;
        else if (n === 'k' && p[i] === '<') i = p.indexOf('>', i) + 1;
        else if (n === 'c') i += 1;
        if (i <= 0) return undefined;
        continue;
      }
      run += n;
      i += 2;
      continue;
    }
    run += c;
    i++;
  }
  flush();
  return runs;
}

/**
 * Substrings every match of the rule regex must contain, longest first (at most `max`), to check
 * with `includes` before running the regex: most values are ruled out without it. With `caseless`
 * (the `i` flag) the literals are lower-cased ASCII, to look for in the lower-cased value — an
 * ASCII letter matches only its two cases when the flag has no `u`, so this never rules out a
 * match. Empty when nothing usable is required.
 */
export function regexRequiredText(pattern: string, caseless: boolean, max = 3): string[] {
  const runs = regexRuns(pattern);
  if (runs === undefined) return [];
  const out = new Set<string>();
  for (const run of runs) {
    if (!caseless) {
      out.add(run);
      continue;
    }
    for (const m of run.matchAll(/[\x00-\x7f]+/g)) out.add(m[0].toLowerCase());
  }
  return [...out].sort((a, b) => b.length - a.length).slice(0, max);
}
