// MITRE ATT&CK as Sigma tags name it (`attack.credential_access`, `attack.t1059.001`): the
// enterprise tactics in matrix order and the reading of tactics and techniques from tags, shared
// by alert building (detection) and coverage metrics (dashboards).

/** The enterprise tactics in matrix order, snake_case as Sigma tags write them. */
export const ATTACK_TACTIC_ORDER = [
  'reconnaissance',
  'resource_development',
  'initial_access',
  'execution',
  'persistence',
  'privilege_escalation',
  'defense_evasion',
  'credential_access',
  'discovery',
  'lateral_movement',
  'collection',
  'command_and_control',
  'exfiltration',
  'impact',
] as const;

export const ATTACK_TACTICS: ReadonlySet<string> = new Set(ATTACK_TACTIC_ORDER);

const TECHNIQUE = /^attack\.t(\d{4})(?:\.(\d{3}))?$/i;

/** A tactic name in Sigma's spelling: `Credential-Access` → `credential_access`. */
export function normaliseTactic(t: string): string {
  return t
    .replace(/^attack\./i, '')
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
}

/**
 * Tactics (snake_case) and techniques ('T1059.001') in tag order, each once. Groups (g0016),
 * software (s0002), data sources (ds0005) and unknown names are neither.
 */
export function attackFromTags(tags: readonly string[]): { tactics: string[]; techniques: string[] } {
  const tactics = new Set<string>();
  const techniques = new Set<string>();
  for (const tag of tags) {
    const t = TECHNIQUE.exec(tag);
    if (t) {
      techniques.add(t[2] ? `T${t[1]}.${t[2]}` : `T${t[1]}`);
      continue;
    }
    if (!/^attack\./i.test(tag)) continue;
    // Sigma writes tactics snake_case; older rules and other tools use dashes.
    const name = normaliseTactic(tag);
    if (ATTACK_TACTICS.has(name)) tactics.add(name);
  }
  return { tactics: [...tactics], techniques: [...techniques] };
}
