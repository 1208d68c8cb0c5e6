// ATT&CK tactic ids and display names for Vigil's snake_case tactic names (from Sigma tags), so
// exports can name tactics the way ECS threat.* and OCSF attacks[] expect.
const tactics: Record<string, { id: string; name: string }> = {
  reconnaissance: { id: 'TA0043', name: 'Reconnaissance' },
  resource_development: { id: 'TA0042', name: 'Resource Development' },
  initial_access: { id: 'TA0001', name: 'Initial Access' },
  execution: { id: 'TA0002', name: 'Execution' },
  persistence: { id: 'TA0003', name: 'Persistence' },
  privilege_escalation: { id: 'TA0004', name: 'Privilege Escalation' },
  defense_evasion: { id: 'TA0005', name: 'Defense Evasion' },
  credential_access: { id: 'TA0006', name: 'Credential Access' },
  discovery: { id: 'TA0007', name: 'Discovery' },
  lateral_movement: { id: 'TA0008', name: 'Lateral Movement' },
  collection: { id: 'TA0009', name: 'Collection' },
  command_and_control: { id: 'TA0011', name: 'Command and Control' },
  exfiltration: { id: 'TA0010', name: 'Exfiltration' },
  impact: { id: 'TA0040', name: 'Impact' },
};

export interface TacticRef {
  id?: string;
  name: string;
}

/** `credential_access` → { id: 'TA0006', name: 'Credential Access' }; unknown names keep their text. */
export function tacticRef(name: string): TacticRef {
  const key = name.toLowerCase().replace(/[- ]/g, '_');
  return tactics[key] ?? { name };
}

export const attackReference = (technique: string): string => `https://attack.mitre.org/techniques/${technique.replace('.', '/')}/`;
