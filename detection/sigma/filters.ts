// Sigma meta filters: rewrite each targeted rule's condition to `(original) and (filter)`.
import type { SigmaFilter, SigmaLogsource, SigmaRule } from './model.ts';

/** True when every logsource field `outer` sets equals `inner`'s value for it. */
export function logsourceContains(outer: SigmaLogsource, inner: SigmaLogsource): boolean {
  void outer;
  void inner;
  return false;
}

/** Applies filter documents to the rules they target; returns new rule objects. */
export function applyFilters(rules: SigmaRule[], filters: SigmaFilter[]): SigmaRule[] {
  void filters;
  return rules;
}
