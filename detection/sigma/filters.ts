// Sigma meta filters: rewrite each targeted rule's condition to `(original) and (filter)`,
// with the filter's selections copied in under `_filt_<n>_` names (pySigma apply_on_rule).
import type { ConditionNode, Detection, SigmaFilter, SigmaLogsource, SigmaRule } from './model.ts';

/** True when every logsource field `outer` sets equals `inner`'s value for it. */
export function logsourceContains(outer: SigmaLogsource, inner: SigmaLogsource): boolean {
  for (const key of ['category', 'product', 'service'] as const) {
    if (outer[key] !== undefined && outer[key] !== inner[key]) return false;
  }
  return true;
}

function targets(filter: SigmaFilter, rule: SigmaRule): boolean {
  if (!logsourceContains(filter.logsource, rule.logsource)) return false;
  const refs = filter.filter.rules;
  if (refs === 'any') return true;
  return refs.some((r) => r === rule.id || r === rule.name);
}

/**
 * Renames a filter condition's identifiers into the rule's namespace. Prefixed patterns start
 * with `_`, so they select only the copied filter selections, and the rule's own `them` and
 * patterns (which skip `_` names) never see them.
 */
function prefixCondition(node: ConditionNode, prefix: string): ConditionNode {
  switch (node.kind) {
    case 'ref':
      return { kind: 'ref', name: prefix + node.name };
    case 'not':
      return { kind: 'not', arg: prefixCondition(node.arg, prefix) };
    case 'and':
    case 'or':
      return { kind: node.kind, args: node.args.map((a) => prefixCondition(a, prefix)) };
    case 'of':
      return { kind: 'of', quantifier: node.quantifier, pattern: node.pattern === 'them' ? `${prefix}*` : prefix + node.pattern };
  }
}

/** Applies filter documents to the rules they target; returns new rule objects (others unchanged). */
export function applyFilters(rules: SigmaRule[], filters: SigmaFilter[]): SigmaRule[] {
  return rules.map((rule) => {
    let current = rule;
    filters.forEach((filter, index) => {
      if (!targets(filter, current)) return;
      const prefix = `_filt_${index}_`;
      const searches: Record<string, Detection> = { ...current.detection.searches };
      for (const [name, d] of Object.entries(filter.filter.searches)) searches[prefix + name] = d;
      const condition: ConditionNode = { kind: 'and', args: [current.detection.condition, prefixCondition(filter.filter.condition, prefix)] };
      const original = current.detection.conditionText.length === 1 ? current.detection.conditionText[0] : current.detection.conditionText.join(') or (');
      current = {
        ...current,
        detection: { searches, condition, conditionText: [`(${original}) and (${filter.filter.conditionText})`] },
      };
    });
    return current;
  });
}
