// ATT&CK coverage: which techniques the loaded rules can detect (from their Sigma tags) against the
// techniques alerts actually showed, laid out per tactic like the ATT&CK matrix. A technique sits
// under the tactics tagged beside it (Sigma rules tag both); one without a tactic goes under
// 'unknown'. Technique ids compare exactly (T1059 and T1059.001 are different cells).
import { ATTACK_TACTIC_ORDER, attackFromTags, normaliseTactic } from '../../core/attack.ts';

/** Enterprise tactics in matrix order; then 'unknown'. */
export const tacticOrder = ATTACK_TACTIC_ORDER;

export interface TaggedItem {
  tags: readonly string[];
  tactics?: readonly string[];
  techniques?: readonly string[];
}

export interface CoverageCell {
  technique: string;
  covered: boolean;
  seen: boolean;
  status: 'both' | 'covered' | 'seen';
  /** Loaded rules tagged with it. */
  rules: number;
  /** Alerts in the period that showed it. */
  alerts: number;
}

export interface TacticColumn {
  tactic: string;
  cells: CoverageCell[];
  covered: number;
  seen: number;
  both: number;
}

export interface AttackCoverage {
  tactics: TacticColumn[];
  totals: { techniques: number; covered: number; seen: number; both: number; seenNotCovered: number; coveredNotSeen: number };
}

export { normaliseTactic };

export function normaliseTechnique(t: string): string {
  return t.replace(/^attack\./i, '').toUpperCase();
}

/** The (tactic, technique) pairs an item names, from explicit lists and from attack.* tags. */
export function attackPairs(item: TaggedItem): Array<[string, string]> {
  const fromTags = attackFromTags(item.tags);
  const techniques = new Set([...(item.techniques ?? []).map(normaliseTechnique), ...fromTags.techniques]);
  const tactics = new Set([...(item.tactics ?? []).map(normaliseTactic), ...fromTags.tactics]);
  const cols = tactics.size ? [...tactics] : ['unknown'];
  const out: Array<[string, string]> = [];
  for (const tactic of cols) for (const t of techniques) out.push([tactic, t]);
  return out;
}

export function attackCoverage(rules: readonly TaggedItem[], alerts: readonly TaggedItem[]): AttackCoverage {
  const cells = new Map<string, Map<string, CoverageCell>>();
  const cell = (tactic: string, technique: string): CoverageCell => {
    let col = cells.get(tactic);
    if (!col) cells.set(tactic, (col = new Map()));
    let c = col.get(technique);
    if (!c) col.set(technique, (c = { technique, covered: false, seen: false, status: 'covered', rules: 0, alerts: 0 }));
    return c;
  };
  for (const r of rules) {
    for (const [tactic, technique] of attackPairs(r)) {
      const c = cell(tactic, technique);
      c.covered = true;
      c.rules++;
    }
  }
  for (const a of alerts) {
    for (const [tactic, technique] of attackPairs(a)) {
      const c = cell(tactic, technique);
      c.seen = true;
      c.alerts++;
    }
  }
  const known: readonly string[] = tacticOrder;
  const order = (t: string) => (t === 'unknown' ? 1000 : known.includes(t) ? known.indexOf(t) : 500);
  const tactics = [...cells.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const columns: TacticColumn[] = tactics.map((tactic) => {
    const list = [...(cells.get(tactic) as Map<string, CoverageCell>).values()].sort((a, b) => a.technique.localeCompare(b.technique));
    for (const c of list) c.status = c.covered && c.seen ? 'both' : c.covered ? 'covered' : 'seen';
    return {
      tactic,
      cells: list,
      covered: list.filter((c) => c.covered).length,
      seen: list.filter((c) => c.seen).length,
      both: list.filter((c) => c.status === 'both').length,
    };
  });
  // Totals count techniques once even when they sit under several tactics.
  const byTechnique = new Map<string, { covered: boolean; seen: boolean }>();
  for (const col of columns) {
    for (const c of col.cells) {
      const t = byTechnique.get(c.technique) ?? { covered: false, seen: false };
      t.covered ||= c.covered;
      t.seen ||= c.seen;
      byTechnique.set(c.technique, t);
    }
  }
  const all = [...byTechnique.values()];
  return {
    tactics: columns,
    totals: {
      techniques: all.length,
      covered: all.filter((t) => t.covered).length,
      seen: all.filter((t) => t.seen).length,
      both: all.filter((t) => t.covered && t.seen).length,
      seenNotCovered: all.filter((t) => t.seen && !t.covered).length,
      coveredNotSeen: all.filter((t) => t.covered && !t.seen).length,
    },
  };
}
