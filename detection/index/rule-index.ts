// Rule index: rules grouped by logsource and by the event ids they require, so an event is tested
// only against rules that could match it. Candidate lists are cached per route (logsource + event id).
import { type CompiledRule, requiredValues } from '../matcher/index.ts';
import { type EventRoute, logsourceMeets } from '../routing/router.ts';
import type { SigmaLogsource } from '../sigma/index.ts';

/** Sigma field whose required values discriminate rules (Windows event ids). */
export const DISCRIMINATOR = 'EventID';

interface LogsourceGroup {
  readonly logsource: SigmaLogsource;
  /** Rules that pin EventID, by each id they accept (lower-cased). */
  readonly byEventId: Map<string, CompiledRule[]>;
  /** Rules that accept any event id. */
  readonly anyEventId: CompiledRule[];
}

export interface RuleIndex {
  /** Rules an event on this route can match, in load order. */
  candidates(route: EventRoute): readonly CompiledRule[];
  readonly size: number;
  /** How many rules pin the discriminating field (for diagnostics / benchmarks). */
  readonly discriminated: number;
}

export function createRuleIndex(rules: readonly CompiledRule[]): RuleIndex {
  const groups = new Map<string, LogsourceGroup>();
  const order = new Map<CompiledRule, number>();
  let discriminated = 0;
  rules.forEach((c, i) => {
    order.set(c, i);
    const ls = c.rule.logsource;
    const key = `${ls.product ?? ''}|${ls.category ?? ''}|${ls.service ?? ''}`.toLowerCase();
    let g = groups.get(key);
    if (!g) {
      g = { logsource: ls, byEventId: new Map(), anyEventId: [] };
      groups.set(key, g);
    }
    const ids = requiredValues(c.rule, DISCRIMINATOR);
    if (ids === undefined) {
      g.anyEventId.push(c);
      return;
    }
    discriminated++;
    for (const id of ids) {
      const list = g.byEventId.get(id);
      if (list) list.push(c);
      else g.byEventId.set(id, [c]);
    }
  });
  const cache = new Map<string, readonly CompiledRule[]>();
  return {
    size: rules.length,
    discriminated,
    candidates(route) {
      const hit = cache.get(route.key);
      if (hit) return hit;
      const out: CompiledRule[] = [];
      for (const g of groups.values()) {
        if (!logsourceMeets(g.logsource, route.logsource)) continue;
        out.push(...g.anyEventId);
        // A rule that pins EventID cannot match an event without one.
        const pinned = route.eventId !== undefined ? g.byEventId.get(route.eventId) : undefined;
        if (pinned) out.push(...pinned);
      }
      out.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
      const unique = out.filter((c, i) => i === 0 || out[i - 1] !== c);
      cache.set(route.key, unique);
      return unique;
    },
  };
}
