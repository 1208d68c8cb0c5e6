// The format detector against every fixture input (each must come out as its own dataset), the
// Mordor Windows events, and hand-written lines for the formats without fixtures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadFixtureCases } from '../../test/ingest/fixture-harness.ts';
import { detectDataset } from './detect.ts';

const FIXTURE_DATASETS = [
  'apache.access', 'auditd.log', 'aws.cloudtrail', 'cisco_asa.log', 'fortinet_fortigate.log', 'haproxy.log',
  'iptables.log', 'nginx.access', 'panw.panos', 'pfsense.log', 'suricata.eve', 'system.auth', 'system.syslog',
  'windows.sysmon_operational',
];

/**
 * Lines whose dataset Elastic takes from the file they were read from, not from their content:
 * a non-auth program in the auth-log fixture, and sudo's PAM session line in the syslog fixture.
 * Judged by content, they belong to the other dataset.
 */
const FILE_DECIDES: Record<string, string> = {
  'test-multiline.log#0': 'system.syslog',
  'test-multiline.log#1': 'system.syslog',
  'test-preserve-event-original.log#0': 'system.auth',
};

describe('detectDataset on the Elastic fixtures', () => {
  for (const dataset of FIXTURE_DATASETS) {
    it(`detects every ${dataset} input`, () => {
      const cases = loadFixtureCases(dataset).filter((c) => c.raw.message.trim() !== '');
      expect(cases.length).toBeGreaterThan(0);
      const wrong: string[] = [];
      for (const c of cases) {
        const want = FILE_DECIDES[c.name] ?? dataset;
        const got = detectDataset(c.raw.message);
        if (got !== want) wrong.push(`${c.name}: ${got} (first 100: ${c.raw.message.slice(0, 100)})`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe('detectDataset on Windows events', () => {
  const mordor = gunzipSync(readFileSync(join(import.meta.dirname, '../../../shared/datasets/mordor-windows/events.ndjson.gz')))
    .toString('utf8')
    .split('\n')
    .filter(Boolean);

  it('routes every Mordor event of a known channel to its dataset (NXLog and Winlogbeat 6 shapes)', () => {
    const expected: Record<string, string> = {
      'microsoft-windows-sysmon/operational': 'windows.sysmon_operational',
      security: 'system.security',
      'windows powershell': 'windows.powershell',
      'microsoft-windows-powershell/operational': 'windows.powershell_operational',
    };
    const counts: Record<string, number> = {};
    let checked = 0;
    for (const line of mordor) {
      const doc = JSON.parse(line) as Record<string, unknown>;
      const channel = String(doc.Channel ?? doc.log_name ?? '').toLowerCase();
      const want = expected[channel] ?? 'windows.forwarded';
      const got = detectDataset(line);
      expect(got, line.slice(0, 200)).toBe(want);
      counts[got ?? 'none'] = (counts[got ?? 'none'] ?? 0) + 1;
      checked++;
    }
    expect(checked).toBe(mordor.length);
    expect(counts['system.security']).toBeGreaterThan(1000);
    expect(counts['windows.powershell_operational']).toBeGreaterThan(100);
    expect(counts['windows.forwarded']).toBeGreaterThan(0);
  });

  it('reads the evtx_dump shape and raw event XML', () => {
    const evtx = {
      Event: {
        '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
        System: { Channel: 'Security', EventID: 4625, Computer: 'DC01' },
        EventData: { TargetUserName: 'bob' },
      },
    };
    expect(detectDataset(JSON.stringify(evtx))).toBe('system.security');
    const xml =
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-PowerShell'/><EventID>4104</EventID><Channel>Microsoft-Windows-PowerShell/Operational</Channel><Computer>ws1</Computer></System><EventData><Data Name='ScriptBlockText'>Get-Process</Data></EventData></Event>";
    expect(detectDataset(xml)).toBe('windows.powershell_operational');
  });
});

describe('detectDataset on hand-written lines', () => {
  const cases: [string, string][] = [
    ['{"ts":1700000000.123,"uid":"CAbc1","id.orig_h":"10.0.0.5","id.orig_p":51000,"id.resp_h":"93.184.216.34","id.resp_p":443,"proto":"tcp","service":"ssl","duration":1.2,"orig_bytes":100,"resp_bytes":2000,"conn_state":"SF","history":"ShADadFf"}', 'zeek.connection'],
    ['{"ts":1700000000.5,"uid":"CDns1","id.orig_h":"10.0.0.5","id.orig_p":5353,"id.resp_h":"10.0.0.1","id.resp_p":53,"proto":"udp","trans_id":4242,"query":"example.com","qtype_name":"A","rcode_name":"NOERROR","answers":["93.184.216.34"],"TTLs":[300.0]}', 'zeek.dns'],
    ['{"ts":"2024-01-01T00:00:00.000000Z","uid":"CHttp1","id.orig_h":"10.0.0.5","id.orig_p":50000,"id.resp_h":"93.184.216.34","id.resp_p":80,"method":"GET","host":"example.com","uri":"/index.html","status_code":200}', 'zeek.http'],
    ['{"timestamp":"2024-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"10.0.0.5","src_port":1234,"dest_ip":"10.0.0.1","dest_port":80,"proto":"TCP","alert":{"signature_id":2000001,"signature":"ET TEST"}}', 'suricata.eve'],
    ['{"Records":[{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject"}]}', 'aws.cloudtrail'],
    ['{"@timestamp":"2024-01-01T00:00:00Z","message":"hello","service.name":"api"}', 'json'],
    ['{"message":"%ASA-6-609001: Built local-host inside:10.0.0.5","data_stream":{"dataset":"cisco_asa.log"}}', 'cisco_asa.log'],
    ['{"message":"x","event":{"dataset":"no.such.dataset"}}', 'json'],
    ['Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232', 'cef'],
    ['LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\tdst=2.10.20.20\tspt=1200', 'leef'],
    ['LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5', 'leef'],
    ['<166>Jan 05 2024 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection 1 for outside:1.2.3.4/5 (1.2.3.4/5) to inside:10.0.0.1/80 (5.6.7.8/80)', 'cisco_asa.log'],
    ['<189>date=2024-05-01 time=10:11:12 devname="FG100" devid="FG100E" logid="0000000013" type="traffic" subtype="forward"', 'fortinet_fortigate.log'],
    ['Jan  5 20:17:05 host1 sshd[123]: Failed password for root from 10.0.0.9 port 22 ssh2', 'system.auth'],
    ['<38>1 2024-01-01T00:00:00Z host1 sudo - - - alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id', 'system.auth'],
    ['Jan  5 20:17:05 host1 cron[123]: (root) CMD (run-parts /etc/cron.hourly)', 'system.syslog'],
    ['Jan  5 20:17:05 host1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:11 SRC=1.2.3.4 DST=10.0.0.1 LEN=40 PROTO=TCP SPT=1 DPT=22', 'iptables.log'],
    ['type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=59 success=yes exit=0 comm="id"', 'auditd.log'],
    ['10.0.0.5 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.0"', 'nginx.access'],
    ['src=10.0.0.5 dst=10.0.0.1 action=block user="bob smith"', 'kv'],
    ['something happened', 'system.syslog'],
  ];
  for (const [line, want] of cases) {
    it(`${want}: ${line.slice(0, 60)}`, () => {
      expect(detectDataset(line)).toBe(want);
    });
  }

  it('returns undefined for an empty line', () => {
    expect(detectDataset('   ')).toBeUndefined();
  });
});
