// The equivalence test: the same rules over the same ECS events select the same events whether
// matched in memory (router + rule index + compiled matcher, the streaming path) or compiled to a
// QueryNode and run by the real SQLite event store (the scheduled-search path).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../core/ecs.ts';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import type { StorageEngine } from '../../core/storage/types.ts';
import { createDetector } from '../hunt/index.ts';
import { type DetectionRuleSet, loadDetectionRules } from '../stream/index.ts';
import { compileSigmaQuery } from './query.ts';

const RULES = `
title: Hidden PowerShell
id: 10000000-0000-4000-8000-000000000001
logsource: { product: windows, category: process_creation }
detection:
  sel:
    Image|endswith: '\\powershell.exe'
    CommandLine|contains|all: ['-nop', 'hidden']
  condition: sel
---
title: Encoded command
id: 10000000-0000-4000-8000-000000000002
logsource: { product: windows, category: process_creation }
detection:
  sel_flag:
    CommandLine|windash|contains: ' -enc '
  sel_b64:
    CommandLine|base64offset|contains: 'IEX'
  condition: 1 of sel_*
---
title: Office child outside Program Files
id: 10000000-0000-4000-8000-000000000003
logsource: { product: windows, category: process_creation }
detection:
  sel:
    ParentImage|endswith: ['\\winword.exe', '\\excel.exe']
  filter:
    Image|startswith: 'C:\\Program Files\\'
  condition: sel and not filter
---
title: Mimikatz or IEX by regex
id: 10000000-0000-4000-8000-000000000004
logsource: { product: windows, category: process_creation }
detection:
  sel:
    CommandLine|re: '(?i)invoke-(mimikatz|expression)'
  condition: sel
---
title: SSH failures from outside
id: 10000000-0000-4000-8000-000000000005
logsource: { product: linux, service: sshd }
detection:
  keywords:
    - 'Failed password'
    - 'Invalid user'
  internal:
    source.ip|cidr: ['10.0.0.0/8', 'fd00::/8']
  condition: keywords and not internal
---
title: Denied low ports from the LAN
id: 10000000-0000-4000-8000-000000000006
logsource: { category: firewall }
detection:
  sel:
    dst_port|lt: 1024
    action: deny
    src_ip|cidr: 192.168.0.0/16
  condition: sel
---
title: WordPress login success without user agent
id: 10000000-0000-4000-8000-000000000007
logsource: { category: webserver }
detection:
  sel:
    cs-method: POST
    c-uri|contains: '/wp-login.php'
    sc-status: 200
  no_agent:
    cs-user-agent|exists: false
  condition: sel and no_agent
---
title: Linux process named like its parent, cased Base64
id: 10000000-0000-4000-8000-000000000008
logsource: { product: linux, category: process_creation }
detection:
  same:
    process.name|fieldref: process.parent.name
  cased:
    CommandLine|contains|cased: 'Base64'
  condition: same or cased
---
title: Wildcards in paths
id: 10000000-0000-4000-8000-000000000009
logsource: { product: windows, category: process_creation }
detection:
  sel:
    - Image: 'C:\\Windows\\System32\\cmd.ex?'
    - Image: 'C:\\Users\\*\\AppData\\*.exe'
  condition: sel
---
title: High PIDs without a user
id: 10000000-0000-4000-8000-00000000000a
logsource: { product: windows, category: process_creation }
detection:
  sel:
    ProcessId|gte: 40000
  nouser:
    User: null
  condition: sel and nouser
---
title: Exact auth message
id: 10000000-0000-4000-8000-00000000000b
logsource: { product: linux, service: sshd }
detection:
  sel:
    message: 'Accepted publickey for deploy from 10.1.2.3 port 52114 ssh2'
  condition: sel
---
title: Failed Windows logon
id: 10000000-0000-4000-8000-00000000000c
logsource: { product: windows, service: security }
detection:
  sel:
    EventID: 4625
    LogonType: [3, 10]
  condition: sel
---
title: Zeek DNS lookups of the evil domain
id: 10000000-0000-4000-8000-00000000000d
logsource: { product: zeek, service: dns }
detection:
  sel:
    query|endswith: '.evil.example'
  condition: sel
---
title: Any event mentioning a canary token
id: 10000000-0000-4000-8000-00000000000e
logsource: { product: linux }
detection:
  keywords:
    '|all':
      - 'canary'
      - 'TOKEN-42'
  condition: keywords
`;

const T = Date.parse('2026-02-01T08:00:00Z');
let n = 0;
const at = (): string => new Date(T + n++ * 1000).toISOString();

function winProc(image: string, cmd: string, extra: Record<string, unknown> = {}): EcsEvent {
  return {
    '@timestamp': at(),
    event: { code: '1', module: 'sysmon', category: ['process'], type: ['start'] },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1' },
    host: { name: 'ws-1' },
    user: { name: 'CORP\\amy' },
    process: { executable: image, command_line: cmd, pid: 1200, parent: { executable: 'C:\\Windows\\explorer.exe' } },
    ...extra,
  };
}

function sshd(message: string, ip: string): EcsEvent {
  return { '@timestamp': at(), event: { dataset: 'system.auth' }, message, source: { ip }, host: { name: 'bastion' } };
}

function linuxProc(name: string, parent: string, cmd: string): EcsEvent {
  return {
    '@timestamp': at(),
    event: { category: ['process'], type: ['start'] },
    host: { name: 'web-1', os: { type: 'linux' } },
    process: { name, executable: `/usr/bin/${name}`, command_line: cmd, parent: { name: parent } },
  };
}

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const IEX_B64 = Buffer.from('xx IEX (New-Object Net.WebClient)').toString('base64');

const EVENTS: EcsEvent[] = [
  winProc(PS, 'powershell.exe -NoP -w Hidden -c whoami'),
  winProc(PS, 'powershell.exe -nop -c dir'),
  winProc('C:\\Tools\\powershell.exe.bak', 'x -nop hidden'),
  winProc(PS, 'powershell /enc SQBFAFgA'),
  winProc(PS, 'powershell \u2013enc SQBFAFgA'),
  winProc(PS, `powershell -e ${IEX_B64}`),
  winProc('C:\\Users\\bob\\AppData\\Local\\Temp\\drop.exe', 'drop.exe', { process: { executable: 'C:\\Users\\bob\\AppData\\Local\\Temp\\drop.exe', command_line: 'drop.exe', pid: 50000, parent: { executable: 'C:\\Program Files\\Microsoft Office\\WINWORD.EXE' } } }),
  winProc('C:\\Program Files\\Adobe\\reader.exe', 'reader.exe', { process: { executable: 'C:\\Program Files\\Adobe\\reader.exe', command_line: 'reader.exe', pid: 10, parent: { executable: 'C:\\Office\\excel.exe' } } }),
  winProc(PS, 'powershell Invoke-Mimikatz -DumpCreds'),
  winProc(PS, 'powershell INVOKE-EXPRESSION $x'),
  winProc('C:\\Windows\\System32\\cmd.exe', 'cmd /c echo'),
  winProc('C:\\Windows\\System32\\cmd.exe.mui', 'cmd'),
  { ...winProc('C:\\Windows\\notepad.exe', 'notepad'), user: undefined, process: { executable: 'C:\\Windows\\notepad.exe', command_line: 'notepad', pid: 41000 } },
  winProc('C:\\Windows\\notepad.exe', 'notepad', { process: { executable: 'C:\\Windows\\notepad.exe', command_line: 'notepad', pid: 45000 } }),
  sshd('Failed password for root from 203.0.113.5 port 22 ssh2', '203.0.113.5'),
  sshd('Failed password for root from 10.2.3.4 port 22 ssh2', '10.2.3.4'),
  sshd('Invalid user admin from 2001:db8::7 port 22', '2001:db8::7'),
  sshd('Invalid user admin from fd00::1 port 22', 'fd00::1'),
  sshd('Accepted publickey for deploy from 10.1.2.3 port 52114 ssh2', '10.1.2.3'),
  sshd('accepted publickey for deploy from 10.1.2.3 port 52114 ssh2 (again)', '10.1.2.3'),
  { '@timestamp': at(), event: { dataset: 'iptables.log', action: 'deny' }, source: { ip: '192.168.1.20', port: 5555 }, destination: { ip: '10.0.0.1', port: 445 } },
  { '@timestamp': at(), event: { dataset: 'iptables.log', action: 'deny' }, source: { ip: '192.168.1.20', port: 5555 }, destination: { ip: '10.0.0.1', port: 8443 } },
  { '@timestamp': at(), observer: { type: 'firewall' }, event: { action: 'allow', outcome: 'deny' }, source: { ip: '192.168.9.9' }, destination: { port: 22 } },
  { '@timestamp': at(), event: { dataset: 'iptables.log', action: 'deny' }, source: { ip: '172.16.0.3' }, destination: { port: 22 } },
  { '@timestamp': at(), event: { dataset: 'nginx.access' }, http: { request: { method: 'POST' }, response: { status_code: 200 } }, url: { original: '/blog/wp-login.php?redirect=1' }, source: { ip: '198.51.100.4' } },
  { '@timestamp': at(), event: { dataset: 'nginx.access' }, http: { request: { method: 'post' }, response: { status_code: 200 } }, url: { original: '/wp-login.php' }, user_agent: { original: 'curl/8' } },
  { '@timestamp': at(), event: { dataset: 'nginx.access' }, http: { request: { method: 'POST' }, response: { status_code: '200' } }, url: { original: '/WP-LOGIN.PHP' } },
  linuxProc('bash', 'bash', 'bash -c id'),
  linuxProc('python3', 'bash', 'python3 -c "import Base64"'),
  linuxProc('python3', 'bash', 'python3 -c "import base64"'),
  { '@timestamp': at(), event: { code: '4625', provider: 'Microsoft-Windows-Security-Auditing' }, winlog: { channel: 'Security', event_data: { LogonType: '3' } } },
  { '@timestamp': at(), event: { code: 4625 }, winlog: { channel: 'Security', event_data: { LogonType: 2 } } },
  { '@timestamp': at(), event: { module: 'zeek', dataset: 'zeek.dns' }, dns: { question: { name: 'c2.EVIL.example' } } },
  { '@timestamp': at(), event: { module: 'zeek', dataset: 'zeek.http' }, dns: { question: { name: 'c2.evil.example' } } },
  { '@timestamp': at(), event: { dataset: 'dns' }, dns: { question: { name: 'c2.evil.example' } } },
  { '@timestamp': at(), query: 'www.evil.example', message: 'a canary with TOKEN-42 inside' },
  { '@timestamp': at(), event: { dataset: 'system.syslog' }, message: 'canary only' },
  { '@timestamp': at(), event: { dataset: 'system.syslog' }, message: 'Canary fired', labels: { token: 'token-42' } },
];

let dir: string;
let store: StorageEngine;
let rules: DetectionRuleSet;
let ids: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-equiv-'));
  writeFileSync(join(dir, 'rules.yml'), RULES);
  rules = loadDetectionRules({ rulePaths: [join(dir, 'rules.yml')] });
  store = createSqliteEngine({ dataDir: join(dir, 'data') });
  ids = await store.events.append(EVENTS);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Sigma → store query equivalence with the in-memory matcher', () => {
  it('loads every rule', () => {
    expect(rules.problems).toEqual([]);
    expect(rules.compiled).toHaveLength(14);
  });

  it('selects the same events per rule on the SQLite store as the streaming matcher', async () => {
    const detector = createDetector(rules.compiled, rules.pipelines, new Set());
    const expected = new Map<string, string[]>();
    EVENTS.forEach((e, i) => {
      for (const pos of detector.matchEvent(e)) {
        const id = rules.compiled[pos].rule.id ?? '';
        expected.set(id, [...(expected.get(id) ?? []), ids[i]]);
      }
    });
    let matchedSomething = 0;
    for (const c of rules.compiled) {
      const query = compileSigmaQuery(c.rule, { pipelines: rules.pipelines });
      const page = await store.events.search({ query }, { limit: 1000 }, 'asc');
      const got = page.items.map((s) => s.id);
      const want = expected.get(c.rule.id ?? '') ?? [];
      expect({ rule: c.rule.title, ids: got.sort() }).toEqual({ rule: c.rule.title, ids: [...want].sort() });
      if (want.length > 0) matchedSomething++;
    }
    // Every rule selects something, so no rule agrees only by matching nothing.
    expect(matchedSomething).toBe(rules.compiled.length);
  });

  it('matches what the rules say on hand-checked events', async () => {
    const q = (title: string) => compileSigmaQuery(rules.compiled.find((c) => c.rule.title === title)!.rule, { pipelines: rules.pipelines });
    const hits = async (title: string): Promise<number[]> =>
      (await store.events.search({ query: q(title) }, { limit: 100 }, 'asc')).items.map((s) => ids.indexOf(s.id));
    expect(await hits('Hidden PowerShell')).toEqual([0]);
    expect(await hits('Encoded command')).toEqual([3, 4, 5]);
    expect(await hits('SSH failures from outside')).toEqual([14, 16]);
    // event.action is read before event.outcome, as the matcher reads the first path present.
    expect(await hits('Denied low ports from the LAN')).toEqual([20]);
    // 35 names no source, so it meets every rule (and `query` falls back to the raw field).
    expect(await hits('Zeek DNS lookups of the evil domain')).toEqual([32, 35]);
    expect(await hits('Failed Windows logon')).toEqual([30]);
  });
});
