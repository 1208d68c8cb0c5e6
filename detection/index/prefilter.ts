// Literal prefilter: one Aho–Corasick pass over an event's raw JSON text finds which rules' required
// literals occur in it, so the matcher runs only rules that can still match — and an event no rule
// can match need not be parsed at all. Case is folded in the character-class table, not by
// lower-casing the text, so a scan allocates nothing.
import type { SigmaRule } from '../sigma/index.ts';
import { requiredLiterals } from './literals.ts';

export interface LiteralPrefilter {
  /** Scans one event text; `possible` then answers for that event. */
  scan(text: string): void;
  /** Whether rule `i` (position in the list given at creation) can match the last scanned text. */
  possible(i: number): boolean;
  /** Rules with no required literal (always possible). */
  readonly unconditional: number;
  readonly literals: number;
  readonly states: number;
}

/** Character → class; 0 is "a character no literal contains" and sends the automaton home. */
const CLASS = new Uint8Array(128);
let classes = 1;
for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789 .,:;_-=!@#$%()[]{}|~') CLASS[ch.charCodeAt(0)] = classes++;
for (let c = 65; c <= 90; c++) CLASS[c] = CLASS[c + 32];
const K = classes;

export function createLiteralPrefilter(rules: readonly SigmaRule[]): LiteralPrefilter {
  const literalIds = new Map<string, number>();
  const rulesOfLiteral: number[][] = [];
  const always = new Uint8Array(rules.length);
  let unconditional = 0;
  rules.forEach((rule, r) => {
    const lits = requiredLiterals(rule);
    if (lits === undefined) {
      always[r] = 1;
      unconditional++;
      return;
    }
    for (const lit of lits) {
      let id = literalIds.get(lit);
      if (id === undefined) {
        id = rulesOfLiteral.length;
        literalIds.set(lit, id);
        rulesOfLiteral.push([]);
      }
      rulesOfLiteral[id].push(r);
    }
  });

  // Trie with a growable dense transition table, then BFS to fill failure transitions (a DFA).
  let capacity = 1024;
  let delta = new Int32Array(capacity * K).fill(-1);
  let states = 1;
  const ownOutput: number[] = [-1];
  for (const [lit, id] of literalIds) {
    let s = 0;
    for (let i = 0; i < lit.length; i++) {
      const c = CLASS[lit.charCodeAt(i)];
      let t = delta[s * K + c];
      if (t < 0) {
        if (states === capacity) {
          capacity *= 2;
          const grown = new Int32Array(capacity * K).fill(-1);
          grown.set(delta);
          delta = grown;
        }
        t = states++;
        ownOutput.push(-1);
        delta[s * K + c] = t;
      }
      s = t;
    }
    ownOutput[s] = id;
  }
  delta = delta.slice(0, states * K);
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
  const ruleLists = rulesOfLiteral.map((l) => Int32Array.from(l));
  const literalSeen = new Int32Array(rulesOfLiteral.length);
  const ruleSeen = new Int32Array(rules.length);
  let stamp = 0;

  return {
    unconditional,
    literals: rulesOfLiteral.length,
    states,
    scan(text) {
      stamp++;
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        s = delta[s * K + (code < 128 ? CLASS[code] : 0)];
        for (let o = output[s] >= 0 ? s : dictLink[s]; o >= 0; o = dictLink[o]) {
          const id = output[o];
          if (literalSeen[id] === stamp) continue;
          literalSeen[id] = stamp;
          const rs = ruleLists[id];
          for (let j = 0; j < rs.length; j++) ruleSeen[rs[j]] = stamp;
        }
      }
    },
    possible(i) {
      return always[i] === 1 || ruleSeen[i] === stamp;
    },
  };
}
