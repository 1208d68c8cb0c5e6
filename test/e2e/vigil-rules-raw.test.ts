// Vigil's own correlation rules (rules/sigma/vigil) on real-format log lines: raw sshd, Windows
// Security (NXLog JSON), iptables and nginx lines go through format detection and the real parsers,
// as `dataset=auto` ingest does, then through the detector and the correlator.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { createCorrelator } from '../../detection/correlation/index.ts';
import { createDetector } from '../../detection/hunt/detector.ts';
import { loadHuntRules } from '../../detection/hunt/rules.ts';
import { bundledPipelineDir, bundledRuleDir, createFieldResolver, loadPipelines } from '../../detection/pipelines/index.ts';
import { detectDataset } from '../../ingest/parsers/detect.ts';
import { getParser } from '../../ingest/parsers/index.ts';

const pipelines = loadPipelines([bundledPipelineDir]).pipelines;
const rules = loadHuntRules([`${bundledRuleDir}/vigil`], pipelines);
const detector = createDetector(rules.compiled, pipelines, new Set());
const receivedAt = new Date('2026-11-24T12:00:00Z');

/** Parses raw lines as dataset=auto ingest would and returns the correlation titles that fire. */
async function fired(lines: string[]): Promise<string[]> {
  const correlator = createCorrelator({ correlations: rules.correlations, state: createMemoryBackend().state, resolveField: createFieldResolver(pipelines) });
  const titles: string[] = [];
  for (const [n, line] of lines.entries()) {
    const dataset = detectDataset(line);
    const parser = dataset ? getParser(dataset) : undefined;
    expect(parser, `line ${n + 1} is recognised: ${line.slice(0, 80)}`).toBeDefined();
    const doc = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    const parsed = parser!.parse({ message: line, receivedAt, source: 'test', ...(doc ? { document: doc } : {}) });
    expect(parsed.ok, `line ${n + 1} parses`).toBe(true);
    if (!parsed.ok) continue;
    for (const event of parsed.events) {
      const timestamp = Date.parse(String(getPath(event, '@timestamp')));
      for (const r of detector.matchEvent(event)) {
        for (const hit of await correlator.observe({ rule: rules.compiled[r].rule, event, timestamp, eventId: `${n}` })) titles.push(hit.correlation.title);
      }
    }
  }
  return titles;
}

const at = (i: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + i * 5000);
const syslogStamp = (d: Date) => `Nov 24 ${d.toISOString().slice(11, 19)}`;

function sshd(n: number, ip: string): string[] {
  return Array.from({ length: n }, (_, i) => `${syslogStamp(at(i))} web-01 sshd[${700 + i}]: Failed password for invalid user admin${i} from ${ip} port ${40000 + i} ssh2`);
}

function windows4625(n: number, ip: string, users: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      EventTime: at(i).toISOString().replace('T', ' ').slice(0, 19),
      '@timestamp': at(i).toISOString(),
      Hostname: 'dc01.corp.example',
      EventID: 4625,
      SourceName: 'Microsoft-Windows-Security-Auditing',
      Channel: 'Security',
      Keywords: '-9218868437227405312',
      TargetUserName: users(i),
      TargetDomainName: 'CORP',
      Status: '0xc000006d',
      SubStatus: '0xc000006a',
      LogonType: '3',
      IpAddress: ip,
      IpPort: String(50000 + i),
      WorkstationName: 'KALI',
    }),
  );
}

function iptablesDrops(ports: number, ip: string): string[] {
  return Array.from(
    { length: ports },
    (_, i) =>
      `${syslogStamp(at(i))} fw01 kernel: [WAN_IN-4000-D]IN=eth0 OUT= MAC=00:00:00:00:00:01:00:00:00:00:00:02:08:00 SRC=${ip} DST=198.51.100.10 LEN=44 TOS=0x00 PREC=0x00 TTL=45 ID=54321 PROTO=TCP SPT=61000 DPT=${1000 + i} WINDOW=1024 RES=0x00 SYN URGP=0`,
  );
}

function nginx404(n: number, ip: string): string[] {
  const stamp = (d: Date) => `24/Nov/2026:${d.toISOString().slice(11, 19)} +0000`;
  return Array.from({ length: n }, (_, i) => `${ip} - - [${stamp(at(i))}] "GET /admin/backup${i}.zip HTTP/1.1" 404 153 "-" "Mozilla/5.0 (compatible; scanner)"`);
}

describe('Vigil correlation rules on raw log lines', () => {
  it('SSH brute force: twelve failed sshd logins from one address fire once; five do not', async () => {
    expect(await fired(sshd(12, '203.0.113.5'))).toEqual(['SSH Brute Force From One Address']);
    expect(await fired(sshd(5, '203.0.113.5'))).toEqual([]);
  });

  it('Windows logon brute force: ten 4625 events from one address fire once; from ten addresses they do not', async () => {
    expect(await fired(windows4625(10, '203.0.113.9', () => 'administrator'))).toEqual(['Windows Logon Brute Force From One Address']);
    const spread = (await Promise.all(Array.from({ length: 10 }, (_, i) => fired(windows4625(1, `198.51.100.${i}`, () => 'administrator'))))).flat();
    expect(spread).toEqual([]);
  });

  it('password spraying: failed logons for ten different accounts from one address', async () => {
    const titles = await fired(windows4625(10, '203.0.113.77', (i) => `user${i}`));
    expect(titles).toContain('Password Spraying Against Windows Accounts');
    expect(await fired(windows4625(9, '203.0.113.77', (i) => `user${i}`))).not.toContain('Password Spraying Against Windows Accounts');
  });

  it('port scan: firewall drops on twenty-two ports from one address fire once; on one port they do not', async () => {
    expect(await fired(iptablesDrops(22, '192.0.2.66'))).toEqual(['Port Scan From One Address']);
    const onePort = iptablesDrops(22, '192.0.2.66').map((l) => l.replace(/DPT=\d+/, 'DPT=22'));
    expect(await fired(onePort)).toEqual([]);
  });

  it('web scanning: thirty-five 404s to one client fire once; twenty do not', async () => {
    expect(await fired(nginx404(35, '203.0.113.44'))).toEqual(['Web Content Scanning From One Client']);
    expect(await fired(nginx404(20, '203.0.113.44'))).toEqual([]);
  });
});
