// Rule indexing support: the finite set of values a field must take for a rule to match,
// derived from the condition tree (AND narrows, OR widens, NOT gives up).
import { resolveCondition } from '../sigma/condition.ts';
import type { ConditionNode, Detection, DetectionItem, SigmaRule } from '../sigma/model.ts';
import { hasWildcards, parseSigmaString } from './sigma-string.ts';

function intersect(sets: Set<string>[]): Set<string> | undefined {
  if (sets.length === 0) return undefined;
  const [first, ...rest] = sets;
  return new Set([...first].filter((v) => rest.every((s) => s.has(v))));
}

function union(sets: (Set<string> | undefined)[]): Set<string> | undefined {
  const out = new Set<string>();
  for (const s of sets) {
    if (s === undefined) return undefined;
    for (const v of s) out.add(v);
  }
  return out;
}

function itemValues(item: DetectionItem, field: string): Set<string> | undefined {
  if (item.field !== field || item.modifiers.length > 0 || item.values.length === 0) return undefined;
  const out = new Set<string>();
  for (const v of item.values) {
    if (v.kind === 'number') out.add(String(v.value));
    else if (v.kind === 'string') {
      const parts = parseSigmaString(v.raw);
      if (hasWildcards(parts)) return undefined;
      out.add(parts.join('').toLowerCase());
    } else return undefined;
  }
  return out;
}

function detectionValues(d: Detection | DetectionItem, field: string): Set<string> | undefined {
  if (d.kind === 'item') return itemValues(d, field);
  const parts = d.parts.map((p) => detectionValues(p, field));
  if (d.kind === 'any') return union(parts);
  return intersect(parts.filter((p): p is Set<string> => p !== undefined));
}

function conditionValues(node: ConditionNode, rule: SigmaRule, field: string): Set<string> | undefined {
  switch (node.kind) {
    case 'ref': {
      const d = rule.detection.searches[node.name];
      return d === undefined ? undefined : detectionValues(d, field);
    }
    case 'not':
      return undefined;
    case 'and':
      return intersect(node.args.map((a) => conditionValues(a, rule, field)).filter((s): s is Set<string> => s !== undefined));
    case 'or':
      return union(node.args.map((a) => conditionValues(a, rule, field)));
    case 'of':
      return undefined;
  }
}

/**
 * For rule indexing: when every possible match requires `field` (Sigma name, e.g. 'EventID') to
 * equal one of a finite set of values, returns that set (strings, lower-cased); else undefined.
 * An empty set means the rule can never match.
 */
export function requiredValues(rule: SigmaRule, field: string): Set<string> | undefined {
  const resolved = resolveCondition(rule.detection.condition, Object.keys(rule.detection.searches));
  return resolved === undefined ? undefined : conditionValues(resolved, rule, field);
}
