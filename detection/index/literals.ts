// Necessary literals of a rule: text that must occur somewhere in an event's raw JSON for the rule
// to be able to match it. Derived from the detection tree (AND keeps the most selective side, OR
// unions, NOT gives up); only plain characters that no JSON serializer escapes are used, so a value
// present in the event is always present, byte for byte (case-folded), in its JSON text.
import type { ConditionNode, Detection, DetectionItem, SigmaRule, SigmaValue } from '../sigma/index.ts';

/** Undefined: the rule can match without any particular text (no prefilter possible). */
export type Literals = ReadonlySet<string> | undefined;

/** Modifiers that keep the rule value's text as a substring of the event value. */
const TEXT_PRESERVING = new Set(['contains', 'startswith', 'endswith', 'all', 'cased']);
/** Characters kept in a literal: letters, digits, space and punctuation serializers leave alone. */
const SAFE = /[a-z0-9 .,:;_\-=!@#$%()[\]{}|~]+/g;
/** Shorter literals occur in almost every event and would only cost time. */
const MIN_LENGTH = 4;
/** Any part of a required literal is required too; shorter ones keep the automaton small. */
const MAX_LENGTH = 16;

export function requiredLiterals(rule: SigmaRule): Literals {
  const searches = rule.detection.searches;
  const names = Object.keys(searches);
  const memo = new Map<string, Literals>();
  const ofSearch = (name: string): Literals => {
    if (!memo.has(name)) memo.set(name, searches[name] ? ofDetection(searches[name]) : undefined);
    return memo.get(name);
  };
  const ofCondition = (node: ConditionNode): Literals => {
    switch (node.kind) {
      case 'ref':
        return ofSearch(node.name);
      case 'not':
        return undefined;
      case 'and':
        return best(node.args.map(ofCondition));
      case 'or':
        return union(node.args.map(ofCondition));
      case 'of': {
        const picked = selectNames(node.pattern, names);
        if (picked.length === 0) return undefined;
        const parts = picked.map(ofSearch);
        return node.quantifier === 'all' ? best(parts) : union(parts);
      }
    }
  };
  return ofCondition(rule.detection.condition);
}

function ofDetection(d: Detection | DetectionItem): Literals {
  if (d.kind === 'item') return ofItem(d);
  const parts = d.parts.map(ofDetection);
  return d.kind === 'all' ? best(parts) : union(parts);
}

function ofItem(item: DetectionItem): Literals {
  if (item.values.length === 0) return undefined;
  if (!item.modifiers.every((m) => TEXT_PRESERVING.has(m))) return undefined;
  const each = item.values.map((v) => {
    const lit = valueLiteral(v);
    return lit === undefined ? undefined : new Set([lit]);
  });
  return item.modifiers.includes('all') ? best(each) : union(each);
}

function valueLiteral(v: SigmaValue): string | undefined {
  let text: string;
  if (v.kind === 'string') text = v.raw;
  else if (v.kind === 'number' && Number.isInteger(v.value) && v.value >= 0) text = String(v.value);
  else return undefined;
  // Wildcards, backslashes, quotes and anything a serializer might escape split the value; any
  // piece is a substring of every matching value, so the longest one is kept.
  let longest = '';
  for (const m of text.toLowerCase().matchAll(SAFE)) if (m[0].length > longest.length) longest = m[0];
  return longest.length >= MIN_LENGTH ? longest.slice(0, MAX_LENGTH) : undefined;
}

/** AND: any one side is a necessary condition; keep the one with fewest, longest literals. */
function best(parts: Literals[]): Literals {
  let chosen: Literals;
  for (const p of parts) {
    if (p === undefined) continue;
    if (chosen === undefined || score(p) < score(chosen)) chosen = p;
  }
  return chosen;
}

function score(s: ReadonlySet<string>): number {
  let min = Number.POSITIVE_INFINITY;
  for (const x of s) min = Math.min(min, x.length);
  return s.size * 100 - Math.min(min, 99);
}

/** OR: every branch must be covered, else nothing is required. */
function union(parts: Literals[]): Literals {
  const out = new Set<string>();
  for (const p of parts) {
    if (p === undefined) return undefined;
    for (const x of p) out.add(x);
  }
  return parts.length > 0 ? out : undefined;
}

/** `them`, a name, or a `*` pattern; names starting with `_` only for patterns starting with `_`. */
function selectNames(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return names.filter((n) => re.test(n) && (pattern.startsWith('_') || !n.startsWith('_')));
}
