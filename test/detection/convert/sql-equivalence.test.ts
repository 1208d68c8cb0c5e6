// The sql target prints the statement the embedded store runs. This test runs that printed
// statement, with its listed parameters, on a real SQLite event store file and checks that it
// selects exactly the events the in-memory matcher (the streaming path) matches: for inline rules
// over ECS events written here, and for bundled SigmaHQ rules over the Mordor slice (raw Windows
// events, read through the pipelines' raw-name fallbacks).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../../core/ecs.ts';
import { registerSqlFunctions } from '../../../core/storage/sqlite/query-sql.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import { createSqlTarget } from '../../../detection/compilers/targets/index.ts';
import { createDetector } from '../../../detection/hunt/index.ts';
import { bundledRuleDir } from '../../../detection/pipelines/index.ts';
import { type DetectionRuleSet, loadDetectionRules } from '../../../detection/stream/index.ts';

const RULES = String.raw`
title: Hidden PowerShell, dashes of any kind
id: 30000000-0000-4000-8000-000000000001
logsource: { product: windows, category: process_creation }
detection:
  sel:
    Image|endswith: '\powershell.exe'
    CommandLine|windash|contains: ' -w hidden'
  condition: sel
---
title: Base64 IEX anywhere in the command line
id: 30000000-0000-4000-8000-000000000002
logsource: { product: windows, category: process_creation }
detection:
  sel:
    CommandLine|base64offset|contains: 'IEX'
  condition: sel
---
title: Case-insensitive regex or cased marker
id: 30000000-0000-4000-8000-000000000003
logsource: { product: windows, category: process_creation }
detection:
  re:
    CommandLine|re|i: 'invoke-(mimikatz|expression)'
  cased:
    CommandLine|contains|cased: 'MARKER'
  condition: 1 of them
---
title: Outside connection to a low port without a user
id: 30000000-0000-4000-8000-000000000004
logsource: { category: firewall }
detection:
  sel:
    dst_port|lt: 1024
  internal:
    src_ip|cidr: ['10.0.0.0/8', 'fd00::/8']
  condition: sel and not internal
---
title: Process named like its parent, not svchost
id: 30000000-0000-4000-8000-000000000005
logsource: { product: linux, category: process_creation }
detection:
  same:
    process.name|fieldref: process.parent.name
  svchost:
    process.name|neq: 'svchost'
  condition: same and svchost
---
title: Web request without user agent, all of the words
id: 30000000-0000-4000-8000-000000000006
logsource: { category: webserver }
detection:
  sel:
    c-uri|contains|all: ['/admin', 'debug']
  no_agent:
    cs-user-agent|exists: false
  condition: sel and no_agent
---
title: Keywords anywhere in an SSH event
id: 30000000-0000-4000-8000-000000000007
logsource: { product: linux, service: sshd }
detection:
  keywords:
    - 'Failed password'
    - 'maximum authentication attempts'
  condition: keywords
---
title: Windows process without a user, wildcard path
id: 30000000-0000-4000-8000-000000000008
logsource: { product: windows, category: process_creation }
detection:
  sel:
    Image: 'C:\Users\\*\AppData\\*.exe'
  nouser:
    user.name: null
  condition: sel and nouser
`;

const T = Date.parse('2026-03-01T09:00:00Z');
let n = 0;
const at = (): string => new Date(T + n++ * 1000).toISOString();

function winProc(image: string, cmd: string, user: string | null = 'CORP\\amy'): EcsEvent {
  return {
    '@timestamp': at(),
    event: { code: '1', module: 'sysmon' },
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1' },
    ...(user === null ? {} : { user: { name: user } }),
    process: { executable: image, command_line: cmd },
  };
}

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const ECS_EVENTS: EcsEvent[] = [
  winProc(PS, 'powershell -W Hidden -c x'),
  winProc(PS, 'powershell /w hidden -c x'),
  winProc(PS, 'powershell \u2013w hidden'),
  winProc(PS, 'powershell -w normal'),
  winProc('C:\\Tools\\powershell.exe.bak', 'x -w hidden'),
  winProc(PS, `powershell -e ${Buffer.from('a IEX (x)').toString('base64')}`),
  winProc(PS, `powershell -e ${Buffer.from('ab IEX (x)').toString('base64')}`),
  winProc(PS, 'powershell INVOKE-Mimikatz'),
  winProc(PS, 'cmd MARKER'),
  winProc(PS, 'cmd marker'),
  winProc('C:\\Users\\bob\\AppData\\Local\\drop.exe', 'drop', null),
  winProc('C:\\Users\\bob\\AppData\\Local\\drop.exe', 'drop'),
  winProc('C:\\Users\\bob\\Desktop\\drop.exe', 'drop', null),
  { '@timestamp': at(), event: { dataset: 'iptables.log' }, source: { ip: '203.0.113.9' }, destination: { port: 22 } },
  { '@timestamp': at(), event: { dataset: 'iptables.log' }, source: { ip: '10.1.1.1' }, destination: { port: 22 } },
  { '@timestamp': at(), event: { dataset: 'iptables.log' }, source: { ip: 'fd00::5' }, destination: { port: 443 } },
  { '@timestamp': at(), event: { dataset: 'iptables.log' }, source: { ip: '2001:db8::1' }, destination: { port: 8080 } },
  { '@timestamp': at(), event: { category: ['process'], type: ['start'] }, host: { os: { type: 'linux' } }, process: { name: 'bash', parent: { name: 'bash' } } },
  { '@timestamp': at(), event: { category: ['process'], type: ['start'] }, host: { os: { type: 'linux' } }, process: { name: 'svchost', parent: { name: 'svchost' } } },
  { '@timestamp': at(), event: { category: ['process'], type: ['start'] }, host: { os: { type: 'linux' } }, process: { name: 'bash', parent: { name: 'sshd' } } },
  { '@timestamp': at(), event: { dataset: 'nginx.access' }, url: { original: '/ADMIN/x?Debug=1' } },
  { '@timestamp': at(), event: { dataset: 'nginx.access' }, url: { original: '/admin/x?debug=1' }, user_agent: { original: 'curl/8' } },
  { '@timestamp': at(), event: { dataset: 'nginx.access' }, url: { original: '/admin/' } },
  { '@timestamp': at(), event: { dataset: 'system.auth' }, message: 'Failed password for root from 203.0.113.5' },
  { '@timestamp': at(), event: { dataset: 'system.auth' }, message: 'error: maximum authentication attempts exceeded' },
  { '@timestamp': at(), event: { dataset: 'system.auth' }, message: 'Accepted password for root' },
];

const mordorFile = fileURLToPath(new URL('../../fixtures/mordor/events.ndjson.gz', import.meta.url));
const MORDOR: EcsEvent[] = gunzipSync(readFileSync(mordorFile))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as EcsEvent);

let dir: string;
let inline: DetectionRuleSet;
let bundled: DetectionRuleSet;
let db: Database.Database;
let closeStore: () => Promise<void>;
let ecsIds: string[];
let mordorIds: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-convert-sql-'));
  writeFileSync(join(dir, 'rules.yml'), RULES);
  inline = loadDetectionRules({ rulePaths: [join(dir, 'rules.yml')] });
  bundled = loadDetectionRules({ rulePaths: [join(bundledRuleDir, 'rules', 'windows')] });
  const store = createSqliteEngine({ dataDir: join(dir, 'data') });
  ecsIds = await store.events.append(ECS_EVENTS);
  mordorIds = await store.events.append(MORDOR);
  closeStore = () => store.close();
  // A second connection on the same file, as any SQLite client would run the printed statement.
  db = new Database(store.file, { readonly: true });
  registerSqlFunctions(db);
}, 120_000);

afterAll(async () => {
  db?.close();
  await closeStore?.();
  rmSync(dir, { recursive: true, force: true });
});

/** Per rule position: the ids of the events the streaming matcher matches. */
function matcherHits(rules: DetectionRuleSet, events: readonly EcsEvent[], ids: readonly string[]): Map<number, string[]> {
  const detector = createDetector(rules.compiled, rules.pipelines, new Set());
  const hits = new Map<number, string[]>();
  events.forEach((e, i) => {
    for (const pos of detector.matchEvent(e)) hits.set(pos, [...(hits.get(pos) ?? []), ids[i]]);
  });
  return hits;
}

function sqlHits(rules: DetectionRuleSet, pos: number, among: ReadonlySet<string>): string[] {
  const stmt = createSqlTarget({ pipelines: rules.pipelines }).compile(rules.compiled[pos].rule);
  const rows = db.prepare<unknown[], { id: string; doc: string }>(stmt.sql).all(...stmt.params);
  return rows.map((r) => r.id).filter((id) => among.has(id));
}

describe('the sql target runs on the SQLite store exactly as the in-memory matcher matches', () => {
  it('inline rules over ECS events', () => {
    expect(inline.problems).toEqual([]);
    const want = matcherHits(inline, ECS_EVENTS, ecsIds);
    const among = new Set(ecsIds);
    for (const [pos, c] of inline.compiled.entries()) {
      const got = sqlHits(inline, pos, among).sort();
      expect({ rule: c.rule.title, ids: got }).toEqual({ rule: c.rule.title, ids: [...(want.get(pos) ?? [])].sort() });
      // Every inline rule selects something and leaves something out, so agreement is not vacuous.
      expect(got.length, c.rule.title).toBeGreaterThan(0);
    }
    const index = (id: string) => ecsIds.indexOf(id);
    expect(sqlHits(inline, 0, among).map(index).sort((a, b) => a - b)).toEqual([0, 1, 2]);
    expect(sqlHits(inline, 3, among).map(index).sort((a, b) => a - b)).toEqual([13]);
    expect(sqlHits(inline, 7, among).map(index)).toEqual([10]);
  });

  it('bundled Windows rules over the Mordor slice: every rule that fires, and a sample that does not', () => {
    const want = matcherHits(bundled, MORDOR, mordorIds);
    const among = new Set(mordorIds);
    const sample = [...bundled.compiled.keys()].filter((pos) => want.has(pos) || pos % 60 === 0);
    let firing = 0;
    for (const pos of sample) {
      const rule = bundled.compiled[pos].rule;
      const got = sqlHits(bundled, pos, among).sort();
      expect({ rule: `${rule.title} ${rule.source}`, ids: got }).toEqual({ rule: `${rule.title} ${rule.source}`, ids: [...(want.get(pos) ?? [])].sort() });
      if (got.length > 0) firing++;
    }
    console.log(`sql equivalence on Mordor: ${sample.length} bundled rules compared, ${firing} of them select events`);
    expect(firing).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
