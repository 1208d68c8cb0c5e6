// ATT&CK tactics and techniques read from Sigma tags (`attack.credential_access`, `attack.t1059.001`).

/** The ATT&CK enterprise tactics as Sigma tags name them (snake_case). */
export const ATTACK_TACTICS: ReadonlySet<string> = new Set([
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
]);

const TECHNIQUE = /^attack\.t(\d{4})(?:\.(\d{3}))?$/i;

/** Tactics (snake_case) and techniques ('T1059.001') in tag order, each once. */
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
    const name = tag.slice('attack.'.length).toLowerCase().replace(/-/g, '_');
    if (ATTACK_TACTICS.has(name)) tactics.add(name);
  }
  return { tactics: [...tactics], techniques: [...techniques] };
}
