// Shared fixtures for streaming and scheduled detection tests: rule files in a temp folder, a real
// SQLite store, and ECS events in the shapes ingest stores (sshd auth lines, Sysmon process starts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EcsEvent } from '../../../core/ecs.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { StorageEngine } from '../../../core/storage/types.ts';

export const SSH_FAILED_ID = '5a1b2c3d-0000-4000-8000-000000000001';
export const SSH_BRUTE_ID = '5a1b2c3d-0000-4000-8000-0000000000c1';
export const ENCODED_PS_ID = '5a1b2c3d-0000-4000-8000-000000000002';

export const SSH_FAILED = `
title: SSH failed password
id: ${SSH_FAILED_ID}
name: ssh_failed_password
status: test
author: Vigil test author
level: low
tags: [attack.credential_access, attack.t1110.001]
logsource: { product: linux, service: sshd }
detection:
  selection:
    message|contains: 'Failed password'
  condition: selection
`;

export const SSH_BRUTE = `
title: SSH brute force
id: ${SSH_BRUTE_ID}
author: Vigil correlation author
level: high
tags: [attack.credential_access, attack.t1110]
correlation:
  type: event_count
  rules: [ssh_failed_password]
  group-by: [source.ip]
  timespan: 1m
  condition: { gte: 6 }
  generate: true
`;

export const ENCODED_PS = `
title: Encoded PowerShell
id: ${ENCODED_PS_ID}
author: Vigil test author
level: high
tags: [attack.execution, attack.t1059.001, attack.defense_evasion]
logsource: { product: windows, category: process_creation }
detection:
  selection:
    Image|endswith: '\\powershell.exe'
    CommandLine|contains|windash: ' -enc '
  condition: selection
`;

export function ruleDir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function tempStore(clock?: () => number): { store: StorageEngine; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  const store = createSqliteEngine({ dataDir: dir, clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const T0 = Date.parse('2026-03-02T10:00:00Z');

export function sshFailed(ip: string, atMs: number, user = 'root', host = 'bastion-1'): EcsEvent {
  return {
    '@timestamp': new Date(atMs).toISOString(),
    event: { dataset: 'system.auth', module: 'system', category: ['authentication'], outcome: 'failure', action: 'ssh_login' },
    message: `Failed password for ${user} from ${ip} port 52114 ssh2`,
    host: { name: host, os: { type: 'linux' } },
    user: { name: user },
    source: { ip, port: 52114 },
    process: { name: 'sshd', pid: 812 },
  };
}

export function sshAccepted(ip: string, atMs: number, user = 'deploy'): EcsEvent {
  return {
    ...sshFailed(ip, atMs, user),
    event: { dataset: 'system.auth', module: 'system', category: ['authentication'], outcome: 'success', action: 'ssh_login' },
    message: `Accepted publickey for ${user} from ${ip} port 52114 ssh2`,
  };
}

export function processStart(atMs: number, commandLine: string, extra: EcsEvent = {}): EcsEvent {
  return {
    '@timestamp': new Date(atMs).toISOString(),
    event: { code: '1', module: 'sysmon', dataset: 'windows.sysmon_operational', category: ['process'], type: ['start'] },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', provider_name: 'Microsoft-Windows-Sysmon' },
    host: { name: 'ws-042', os: { type: 'windows' } },
    user: { name: 'CORP\\jdoe' },
    process: {
      executable: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      name: 'powershell.exe',
      command_line: commandLine,
      pid: 4242,
      hash: { sha256: 'a'.repeat(64) },
      parent: { executable: 'C:\\Windows\\explorer.exe' },
    },
    ...extra,
  };
}
