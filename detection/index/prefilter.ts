// Literal prefilter: one Aho–Corasick pass over an event's raw JSON text finds which required
// literals occur in it, then each rule's clauses are checked, so the matcher runs only rules that
// can still match. Case is folded in the character-class table, not by lower-casing the text, so a
// scan allocates nothing. Build one per set of candidate rules: a small automaton stays in cache.
import type { SigmaRule } from '../sigma/index.ts';
import { type Literals, requiredLiterals } from './literals.ts';

export interface LiteralPrefilter {
  /** Scans one event text; `possible` then answers for that event. */
  scan(text: string): void;
  /** Same over UTF-8 bytes [start, end): literals are ASCII, so the bytes give the same answer. */
  scanBytes(bytes: Uint8Array, start: number, end: number): void;
  /** Starts a new event whose text is then given in pieces with `feed` (no literal spans two pieces). */
  begin(): void;
  feed(bytes: Uint8Array, start: number, end: number): void;
  /** Whether rule `i` (position in the list given at creation) can match the last scanned text. */
  possible(i: number): boolean;
  /** Rules with no required literal (always possible). */
  readonly unconditional: number;
  readonly literals: number;
  readonly states: number;
}

/**
 * Character → class, for every UTF-16 code unit (64 KB, so the hot loop needs no range test); 0 is
 * "a character no literal contains" and sends the automaton home.
 */
const CLASS = new Uint8Array(65536);
let classes = 1;
for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789 .,:;_-=!@#$%()[]{}|~') CLASS[ch.charCodeAt(0)] = classes++;
for (let c = 65; c <= 90; c++) CLASS[c] = CLASS[c + 32];
/** Row width: a power of two ≥ the class count, so a premultiplied offset turns back into a state with a shift. */
const SHIFT = 6;
const K = 1 << SHIFT;
if (classes > K) throw new Error('prefilter: more character classes than a transition row holds');

/** `literalsOf` lets callers that build several prefilters over the same rules memoize. */
export function createLiteralPrefilter(rules: readonly SigmaRule[], literalsOf: (rule: SigmaRule) => Literals = requiredLiterals): LiteralPrefilter {
  const literalIds = new Map<string, number>();
  const always = new Uint8Array(rules.length);
  // Per rule: its clauses as ranges of literal ids. clauseOf[r]..clauseOf[r+1] index clauseStart.
  const clauseOf = new Int32Array(rules.length + 1);
  const clauseStart: number[] = [];
  const clauseLits: number[] = [];
  let unconditional = 0;
  rules.forEach((rule, r) => {
    clauseOf[r] = clauseStart.length;
    const clauses = literalsOf(rule);
    if (clauses === undefined) {
      always[r] = 1;
      unconditional++;
      return;
    }
    for (const clause of clauses) {
      clauseStart.push(clauseLits.length);
      for (const lit of clause) {
        let id = literalIds.get(lit);
        if (id === undefined) {
          id = literalIds.size;
          literalIds.set(lit, id);
        }
        clauseLits.push(id);
      }
    }
  });
  clauseOf[rules.length] = clauseStart.length;
  clauseStart.push(clauseLits.length);
  const starts = Int32Array.from(clauseStart);
  const lits = Int32Array.from(clauseLits);

  // Trie in a dense transition table sized exactly (one state per distinct literal prefix, plus
  // the root: literals are lower-cased and each of their characters has its own class), then BFS
  // to fill failure transitions (a DFA).
  // Distinct prefixes, counted on the sorted literals: each adds what it does not share with the one before.
  const sorted = [...literalIds.keys()].sort();
  let prefixCount = 0;
  for (let i = 0; i < sorted.length; i++) {
    const lit = sorted[i];
    const prev = i > 0 ? sorted[i - 1] : '';
    let common = 0;
    while (common < lit.length && common < prev.length && lit.charCodeAt(common) === prev.charCodeAt(common)) common++;
    prefixCount += lit.length - common;
  }
  let delta = new Int32Array((prefixCount + 1) * K).fill(-1);
  let states = 1;
  const ownOutput: number[] = [-1];
  for (const [lit, id] of literalIds) {
    let s = 0;
    for (let i = 0; i < lit.length; i++) {
      const c = CLASS[lit.charCodeAt(i)];
      let t = delta[s * K + c];
      if (t < 0) {
        t = states++;
        ownOutput.push(-1);
        delta[s * K + c] = t;
      }
      s = t;
    }
    ownOutput[s] = id;
  }
  // Literals given in upper case share states with their lower-case forms: fewer than counted.
  if (states * K < delta.length) delta = delta.slice(0, states * K);
  const fail = new Int32Array(states);
  // Nearest state on the failure chain (itself excluded) that ends a literal; -1 if none.
  const dictLink = new Int32Array(states).fill(-1);
  const queue: number[] = [];
  for (let c = 0; c < K; c++) {
    const t = delta[c];
    if (t < 0 || c === 0) delta[c] = 0;
    else {
      fail[t] = 0;
      queue.push(t);
    }
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi];
    for (let c = 0; c < K; c++) {
      const t = delta[s * K + c];
      if (c === 0) {
        delta[s * K + c] = 0;
        continue;
      }
      if (t < 0) {
        delta[s * K + c] = delta[fail[s] * K + c];
      } else {
        const f = delta[fail[s] * K + c];
        fail[t] = f;
        dictLink[t] = ownOutput[f] >= 0 ? f : dictLink[f];
        queue.push(t);
      }
    }
  }
  const output = Int32Array.from(ownOutput);
  // The hot loop works on premultiplied offsets (state * K); a target state that ends a literal,
  // itself or through its dictionary links, is stored complemented (negative) so the loop only
  // branches on a sign test.
  for (let i = 0; i < delta.length; i++) {
    const t = delta[i];
    delta[i] = output[t] >= 0 || dictLink[t] >= 0 ? ~(t * K) : t * K;
  }
  const transitions = delta;
  let longest = 0;
  for (const lit of literalIds.keys()) longest = Math.max(longest, lit.length);
  const overlap = Math.max(0, longest - 1);
  const literalSeen = new Int32Array(literalIds.size);
  let stamp = 0;

  const hitBytes = (s: number): void => {
    const state = s >> SHIFT;
    for (let o = output[state] >= 0 ? state : dictLink[state]; o >= 0; o = dictLink[o]) literalSeen[output[o]] = stamp;
  };
  /** One event piece over the current stamp. Long pieces run as four interleaved walks (see `scan`). */
  const feedBytes = (bytes: Uint8Array, start: number, end: number): void => {
    const table = transitions;
    const cls = CLASS;
    const n = end - start;
    if (n < 256) {
      run(bytes, start, end, 0);
      return;
    }
    // Four walks over four quarters; each walk but the last runs on past its quarter by the
    // longest literal's length minus one, so a literal across a boundary is seen whole.
    const q = n >>> 2;
    const s1 = start + q;
    const s2 = s1 + q;
    const s3 = s2 + q;
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let i = 0; i < q; i++) {
      a = table[a + cls[bytes[start + i]]];
      b = table[b + cls[bytes[s1 + i]]];
      c = table[c + cls[bytes[s2 + i]]];
      d = table[d + cls[bytes[s3 + i]]];
      if ((a | b | c | d) < 0) {
        if (a < 0) hitBytes((a = ~a));
        if (b < 0) hitBytes((b = ~b));
        if (c < 0) hitBytes((c = ~c));
        if (d < 0) hitBytes((d = ~d));
      }
    }
    run(bytes, s1, Math.min(end, s1 + overlap), a);
    run(bytes, s2, Math.min(end, s2 + overlap), b);
    run(bytes, s3, Math.min(end, s3 + overlap), c);
    run(bytes, s3 + q, end, d);
  };
  /** One walk over bytes[from, to) from state offset `st`. */
  const run = (bytes: Uint8Array, from: number, to: number, st: number): void => {
    const table = transitions;
    for (let i = from; i < to; i++) {
      st = table[st + CLASS[bytes[i]]];
      if (st < 0) hitBytes((st = ~st));
    }
  };

  return {
    unconditional,
    literals: literalIds.size,
    states,
    scan(text) {
      const mark = ++stamp;
      // Locals, not the closure's variables: the optimizer then keeps them in registers.
      const table = transitions;
      const cls = CLASS;
      const n = text.length;
      const hit = (s: number): void => {
        const state = s >> SHIFT;
        for (let o = output[state] >= 0 ? state : dictLink[state]; o >= 0; o = dictLink[o]) literalSeen[output[o]] = mark;
      };
      // Each step waits on the previous one's table load, so one automaton walk is bound by load
      // latency, not by work. Two walks over the two halves interleave and run nearly twice as
      // fast; the first runs on past the middle by the longest literal's length minus one, so a
      // literal starting before the middle is still seen whole (found twice is harmless).
      const half = n >>> 1;
      const endA = n < 512 ? n : Math.min(n, half + overlap);
      const startB = n < 512 ? n : half;
      const both = Math.min(endA, n - startB);
      let a = 0;
      let b = 0;
      for (let i = 0; i < both; i++) {
        a = table[a + cls[text.charCodeAt(i)]];
        b = table[b + cls[text.charCodeAt(startB + i)]];
        if ((a | b) < 0) {
          if (a < 0) hit((a = ~a));
          if (b < 0) hit((b = ~b));
        }
      }
      for (let i = both; i < endA; i++) {
        a = table[a + cls[text.charCodeAt(i)]];
        if (a < 0) hit((a = ~a));
      }
      for (let i = startB + both; i < n; i++) {
        b = table[b + cls[text.charCodeAt(i)]];
        if (b < 0) hit((b = ~b));
      }
    },
    scanBytes(bytes, start, end) {
      stamp++;
      feedBytes(bytes, start, end);
    },
    begin() {
      stamp++;
    },
    feed: feedBytes,
    possible(r) {
      if (always[r] === 1) return true;
      for (let c = clauseOf[r]; c < clauseOf[r + 1]; c++) {
        let hit = false;
        for (let j = starts[c]; j < starts[c + 1]; j++) {
          if (literalSeen[lits[j]] === stamp) {
            hit = true;
            break;
          }
        }
        if (!hit) return false;
      }
      return true;
    },
  };
}
