// Sigma strings: parse `*`/`?` wildcards with pySigma's backslash escaping, and turn a wildcard
// pattern into the cheapest string test (Set/startsWith/endsWith/includes, else a linear glob).

export const STAR = Symbol('*');
export const ONE = Symbol('?');
/** Literal text, or a wildcard. Adjacent literals are always merged. */
export type Part = string | typeof STAR | typeof ONE;

/**
 * `\*`, `\?` and `\\` make literals and drop the backslash; a backslash before anything else
 * (or at the end) is kept, so Windows paths like `C:\Windows\x` need no escaping.
 */
export function parseSigmaString(raw: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit) parts.push(lit);
    lit = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        lit += n;
        i++;
      } else lit += c;
    } else if (c === '*') {
      flush();
      if (parts[parts.length - 1] !== STAR) parts.push(STAR);
    } else if (c === '?') {
      flush();
      parts.push(ONE);
    } else lit += c;
  }
  flush();
  return parts;
}

/** Merges adjacent literals and collapses `**`; use after building parts by hand. */
export function normaliseParts(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === 'string') {
      if (p === '') continue;
      if (typeof last === 'string') out[out.length - 1] = last + p;
      else out.push(p);
    } else if (!(p === STAR && last === STAR)) out.push(p);
  }
  return out;
}

export function hasWildcards(parts: readonly Part[]): boolean {
  return parts.some((p) => typeof p !== 'string');
}

export function literalText(parts: readonly Part[]): string {
  return parts.filter((p): p is string => typeof p === 'string').join('');
}

/** Renders parts back to Sigma text (escaping literal wildcards and backslashes). */
export function renderParts(parts: readonly Part[]): string {
  return parts.map((p) => (p === STAR ? '*' : p === ONE ? '?' : p.replace(/[\\*?]/g, '\\$&'))).join('');
}

/** A string test on an already case-folded (or, when cased, original) event value. */
export type StringTest = (s: string) => boolean;

/** How a pattern is best tested; `exact` lets callers pool many values into one Set. */
export type StringPlan = { kind: 'exact'; text: string } | { kind: 'test'; test: StringTest };

/** Plans a test for a pattern whose literals are already in the comparison case. */
export function planPattern(parts: readonly Part[]): StringPlan {
  const p = normaliseParts(parts);
  if (p.length === 0) return { kind: 'exact', text: '' };
  if (!hasWildcards(p)) return { kind: 'exact', text: p[0] as string };
  if (p.length === 1 && p[0] === STAR) return { kind: 'test', test: () => true };
  const onlyStars = !p.includes(ONE);
  if (onlyStars) {
    if (p.length === 2) {
      const lit = (p[0] === STAR ? p[1] : p[0]) as string;
      return { kind: 'test', test: p[0] === STAR ? (s) => s.endsWith(lit) : (s) => s.startsWith(lit) };
    }
    if (p.length === 3 && p[0] === STAR && p[2] === STAR) {
      const lit = p[1] as string;
      return { kind: 'test', test: (s) => s.includes(lit) };
    }
    if (p.length === 3 && p[1] === STAR) {
      const head = p[0] as string;
      const tail = p[2] as string;
      const min = head.length + tail.length;
      return { kind: 'test', test: (s) => s.length >= min && s.startsWith(head) && s.endsWith(tail) };
    }
  }
  return { kind: 'test', test: globTest(p) };
}

/** A segment between stars: literal text with `?` positions, matched without regex. */
interface Segment {
  readonly chars: string;
  /** Positions in `chars` that match any one character. */
  readonly any: readonly boolean[];
  readonly hasAny: boolean;
}

function toSegments(parts: readonly Part[]): { segments: Segment[]; leadingStar: boolean; trailingStar: boolean } {
  const segments: Segment[] = [];
  let chars = '';
  let any: boolean[] = [];
  const flush = (): void => {
    segments.push({ chars, any, hasAny: any.includes(true) });
    chars = '';
    any = [];
  };
  for (const p of parts) {
    if (p === STAR) flush();
    else if (p === ONE) {
      chars += '?';
      any.push(true);
    } else {
      chars += p;
      for (let i = 0; i < p.length; i++) any.push(false);
    }
  }
  flush();
  return { segments, leadingStar: parts[0] === STAR, trailingStar: parts[parts.length - 1] === STAR };
}

function segmentAt(seg: Segment, s: string, at: number): boolean {
  if (at + seg.chars.length > s.length) return false;
  if (!seg.hasAny) return s.startsWith(seg.chars, at);
  for (let i = 0; i < seg.chars.length; i++) {
    if (!seg.any[i] && s.charCodeAt(at + i) !== seg.chars.charCodeAt(i)) return false;
  }
  return true;
}

function findSegment(seg: Segment, s: string, from: number, limit: number): number {
  if (!seg.hasAny) {
    const i = s.indexOf(seg.chars, from);
    return i === -1 || i + seg.chars.length > limit ? -1 : i;
  }
  for (let at = from; at + seg.chars.length <= limit; at++) if (segmentAt(seg, s, at)) return at;
  return -1;
}

/**
 * Glob match in O(n·m) worst case: the first and last segments are anchored, the middle ones
 * are found leftmost-first, which is optimal when `*` may absorb anything.
 */
function globTest(parts: readonly Part[]): StringTest {
  const { segments } = toSegments(parts);
  const first = segments[0];
  const last = segments[segments.length - 1];
  const middle = segments.slice(1, -1);
  const minLength = segments.reduce((n, s) => n + s.chars.length, 0);
  if (segments.length === 1) {
    // No star at all, only `?`: fixed length.
    return (s) => s.length === first.chars.length && segmentAt(first, s, 0);
  }
  return (s) => {
    if (s.length < minLength) return false;
    if (!segmentAt(first, s, 0)) return false;
    const end = s.length - last.chars.length;
    if (!segmentAt(last, s, end)) return false;
    let at = first.chars.length;
    for (const seg of middle) {
      const found = findSegment(seg, s, at, end);
      if (found === -1) return false;
      at = found + seg.chars.length;
    }
    return at <= end;
  };
}

/** Lower-cases the literal parts (wildcards unchanged). */
export function lowerParts(parts: readonly Part[]): Part[] {
  return parts.map((p) => (typeof p === 'string' ? p.toLowerCase() : p));
}
