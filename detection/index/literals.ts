// Necessary literals of a rule: text that must occur in an event's raw JSON for the rule to be able
// to match it, as a conjunction of clauses (each clause: at least one of its literals occurs).
// Derived from the detection tree and from regular expressions' fixed runs; only characters that
// no JSON serializer escapes are used, so a value present in an event is present byte for byte
// (case-folded) in its JSON text. Any doubt gives "no requirement", never a false one.
import { regexRuns } from '../matcher/regex.ts';
import type { ConditionNode, Detection, DetectionItem, SigmaRule, SigmaValue } from '../sigma/index.ts';

/** Every clause must have one of its literals in the text. Undefined: nothing is required. */
export type Literals = readonly (readonly string[])[] | undefined;

/** Modifiers that keep the rule value's text as a substring of the event value. */
const TEXT_PRESERVING = new Set(['contains', 'startswith', 'endswith', 'all', 'cased']);
const REGEX_FLAGS = new Set(['re', 'i', 'm', 's']);
/** Characters kept in a literal: letters, digits, space and punctuation serializers leave alone. */
const SAFE = /[a-z0-9 .,:;_\-=!@#$%()[\]{}|~]+/g;
/** Shorter literals occur in almost every event and would only cost time. */
const MIN_LENGTH = 4;
/** Any part of a required literal is required too; shorter ones keep the automaton small. */
const MAX_LENGTH = 16;
/** Clauses kept per rule (the most selective ones). */
const MAX_CLAUSES = 6;

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
        return and(node.args.map(ofCondition));
      case 'or':
        return or(node.args.map(ofCondition));
      case 'of': {
        const picked = selectNames(node.pattern, names);
        if (picked.length === 0) return undefined;
        const parts = picked.map(ofSearch);
        return node.quantifier === 'all' ? and(parts) : or(parts);
      }
    }
  };
  return ofCondition(rule.detection.condition);
}

function ofDetection(d: Detection | DetectionItem): Literals {
  if (d.kind === 'item') return ofItem(d);
  const parts = d.parts.map(ofDetection);
  return d.kind === 'all' ? and(parts) : or(parts);
}

function ofItem(item: DetectionItem): Literals {
  if (item.values.length === 0) return undefined;
  let each: Literals[];
  if (item.modifiers.includes('re')) {
    if (!item.modifiers.every((m) => REGEX_FLAGS.has(m))) return undefined;
    each = item.values.map((v) => (v.kind === 'string' ? regexLiterals(v.raw) : undefined));
  } else {
    if (!item.modifiers.every((m) => TEXT_PRESERVING.has(m))) return undefined;
    each = item.values.map(valueLiterals);
  }
  return item.modifiers.includes('all') ? and(each) : or(each);
}

/** Every safe piece of a plain value is required (wildcards and unsafe characters split it). */
function valueLiterals(v: SigmaValue): Literals {
  let text: string;
  if (v.kind === 'string') text = v.raw;
  else if (v.kind === 'number' && Number.isInteger(v.value) && v.value >= 0) text = String(v.value);
  else return undefined;
  return pieces([text]);
}

function pieces(runs: readonly string[]): Literals {
  const out: string[][] = [];
  for (const run of runs) for (const m of run.toLowerCase().matchAll(SAFE)) if (m[0].length >= MIN_LENGTH) out.push([m[0].slice(0, MAX_LENGTH)]);
  return out.length > 0 ? trim(out) : undefined;
}

/** Fixed runs of a regular expression (see `regexRuns`), as required literals. */
export function regexLiterals(pattern: string): Literals {
  const runs = regexRuns(pattern);
  return runs === undefined ? undefined : pieces(runs);
}

/** Keeps the clauses most likely to rule events out: fewest alternatives, then longest literals. */
function trim(clauses: string[][]): string[][] {
  const uniq = new Map<string, string[]>();
  for (const c of clauses) uniq.set([...c].sort().join('\u0000'), c);
  return [...uniq.values()].sort((a, b) => score(a) - score(b)).slice(0, MAX_CLAUSES);
}

/**
 * Text nearly every Windows, Linux or web event carries (path parts, registry roots, file types):
 * a literal inside one of these rules out almost nothing, so clauses made of them are kept last.
 */
const COMMON = [
  'c:\\windows\\system32\\',
  'c:\\program files (x86)\\',
  'hklm\\software\\microsoft\\windows\\currentversion\\',
  'hkcu\\software\\classes\\',
  'hklm\\system\\currentcontrolset\\services\\',
  'syswow64',
  'programdata',
  'appdata\\local\\temp',
  'appdata\\roaming',
  'c:\\users\\',
  '.exe',
  '.dll',
  'true',
  'false',
  'valid',
  'microsoft-windows-',
  'windowspowershell\\v1.0\\powershell.exe',
  '/usr/bin/',
  '/bin/bash',
  'http://',
  'https://',
  'mozilla/5.0',
];

function isCommon(literal: string): boolean {
  for (const c of COMMON) if (c.includes(literal)) return true;
  return false;
}

function score(clause: readonly string[]): number {
  let min = Number.POSITIVE_INFINITY;
  let common = 0;
  for (const x of clause) {
    min = Math.min(min, x.length);
    if (isCommon(x)) common = 10_000;
  }
  return common + clause.length * 100 - Math.min(min, 99);
}

/** AND: every side's clauses hold. */
function and(parts: Literals[]): Literals {
  const out: string[][] = [];
  for (const p of parts) if (p) for (const c of p) out.push([...c]);
  return out.length > 0 ? trim(out) : undefined;
}

/** OR: one clause per branch (its best), joined into a single clause; any free branch frees all. */
function or(parts: Literals[]): Literals {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  const joined = new Set<string>();
  for (const p of parts) {
    if (p === undefined || p.length === 0) return undefined;
    for (const x of p[0]) joined.add(x);
  }
  return [[...joined]];
}

/** `them`, a name, or a `*` pattern; names starting with `_` only for patterns starting with `_`. */
function selectNames(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return names.filter((n) => re.test(n) && (pattern.startsWith('_') || !n.startsWith('_')));
}
