// `vigil hunt` and `vigil rules validate` as a user runs them: real processes, real files.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function vigil(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin/vigil.js'), ...args], { cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const PROC_RULE = `title: Whoami Execution
id: 11111111-1111-4111-8111-111111111111
author: Vigil Tests
level: medium
logsource: { product: windows, category: process_creation }
detection:
  sel:
    Image|endswith: '\\whoami.exe'
  condition: sel
`;
const LOGON_RULE = `title: Failed Logon
id: 22222222-2222-4222-8222-222222222222
name: failed_logon
author: Vigil Tests
level: low
logsource: { product: windows, service: security }
detection:
  sel:
    EventID: 4625
  condition: sel
`;
const CORRELATION = `title: Logon Brute Force
id: 33333333-3333-4333-8333-333333333333
author: Vigil Tests
level: high
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 5m
  condition: { gte: 3 }
  generate: true
`;
const BAD_RULE = `title: Broken
id: 44444444-4444-4444-8444-444444444444
logsource: { product: windows }
detection:
  sel:
    Image|endswit: 'x'
  condition: sel
`;

// Event 0: Sysmon process creation (flat NXLog) → whoami. 1: Security 4625. 2: says nothing about
// its source but has Image → meets every rule. 3: Security event with Image → not a process_creation event.
const flat = [
  { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: 'C:\\Windows\\System32\\whoami.exe', '@timestamp': '2026-01-01T00:00:00Z' },
  { Channel: 'Security', EventID: 4625, IpAddress: '10.0.0.9', '@timestamp': '2026-01-01T00:00:01Z' },
  { Image: 'C:\\tools\\whoami.exe' },
  { Channel: 'Security', EventID: 4624, Image: 'C:\\Windows\\System32\\whoami.exe' },
];
const evtx = {
  Event: {
    '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
    System: {
      Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9' } },
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      TimeCreated: { '#attributes': { SystemTime: '2026-01-01T00:00:00.000000Z' } },
    },
    EventData: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all' },
  },
};
const ecs = { event: { code: '1', module: 'sysmon' }, winlog: { channel: 'Microsoft-Windows-Sysmon/Operational' }, process: { executable: 'C:\\Windows\\System32\\whoami.exe' } };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-hunt-cli-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules/whoami.yml'), PROC_RULE);
  writeFileSync(join(dir, 'rules/failed_logon.yml'), LOGON_RULE);
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad/good.yml'), PROC_RULE);
  writeFileSync(join(dir, 'bad/broken.yml'), BAD_RULE);
  mkdirSync(join(dir, 'corr'));
  writeFileSync(join(dir, 'corr/failed_logon.yml'), LOGON_RULE);
  writeFileSync(join(dir, 'corr/brute.yml'), CORRELATION);
  writeFileSync(join(dir, 'flat.ndjson'), `${flat.map((e) => JSON.stringify(e)).join('\n')}\n`);
  writeFileSync(join(dir, 'array.json'), JSON.stringify([evtx, { message: 'nothing here' }, ecs], null, 2));
  writeFileSync(join(dir, 'concat.json'), `${JSON.stringify({ x: 1 }, null, 2)}\n${JSON.stringify(evtx, null, 2)}\n`);
  writeFileSync(join(dir, 'flat.ndjson.gz'), gzipSync(`${flat.map((e) => JSON.stringify(e)).join('\n')}\n`));
  const brute = Array.from({ length: 7 }, (_, i) => ({
    Channel: 'Security',
    EventID: 4625,
    IpAddress: i < 4 ? '10.0.0.66' : '10.0.0.77',
    '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, i * 20)).toISOString(),
  }));
  writeFileSync(join(dir, 'brute.ndjson'), `${brute.map((e) => JSON.stringify(e)).join('\n')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { rule_id: string; rule_title: string; level: string; file: string; event_index: number });

describe('vigil rules validate', () => {
  it('exits 0 and counts every rule when all compile', async () => {
    const r = await vigil(['rules', 'validate', 'rules', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ total: 2, ok: 2, failed: [] });
  });

  it('lists each failing rule with file, id and reason and exits 1', async () => {
    const r = await vigil(['rules', 'validate', 'bad', '--json'], dir);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.total).toBe(2);
    expect(out.ok).toBe(1);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0].file).toContain('broken.yml');
    expect(out.failed[0].id).toBe('44444444-4444-4444-8444-444444444444');
    expect(out.failed[0].error).toContain("detection.sel.Image|endswit");
    expect(out.failed[0].error).toContain('endswit');
  });

  it('prints a readable report without --json', async () => {
    const r = await vigil(['rules', 'validate', 'bad'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL');
    expect(r.stdout).toContain('1 of 2 rule documents');
  });
});

describe('vigil hunt', () => {
  it('prints one JSON line per match and routes events to the rules of their logsource', async () => {
    const r = await vigil(['hunt', '--rules', 'rules', '--events', 'flat.ndjson', '--json'], dir);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l.rule_title, l.event_index])).toEqual([
      ['Whoami Execution', 0],
      ['Failed Logon', 1],
      ['Whoami Execution', 2],
    ]);
    expect(lines[0]).toEqual({
      rule_id: '11111111-1111-4111-8111-111111111111',
      rule_title: 'Whoami Execution',
      level: 'medium',
      file: 'flat.ndjson',
      event_index: 0,
    });
  });

  it('reads JSON arrays, concatenated objects and gzip, including evtx_dump and ECS shapes', async () => {
    const r = await vigil(['hunt', '--rules', 'rules', '--events', 'array.json', 'concat.json', 'flat.ndjson.gz', '--json'], dir);
    expect(r.code).toBe(0);
    const got = jsonLines(r.stdout).map((l) => `${l.file}#${l.event_index}:${l.rule_title}`);
    expect(got).toEqual([
      'array.json#0:Whoami Execution',
      'array.json#2:Whoami Execution',
      'concat.json#1:Whoami Execution',
      'flat.ndjson.gz#0:Whoami Execution',
      'flat.ndjson.gz#1:Failed Logon',
      'flat.ndjson.gz#2:Whoami Execution',
    ]);
  });

  it('gives the same matches with worker threads', async () => {
    const args = ['hunt', '--rules', 'rules', '--events', 'flat.ndjson', '--events', 'array.json', '--json'];
    const single = await vigil(args, dir);
    const multi = await vigil([...args, '--workers', '2'], dir);
    expect(multi.code).toBe(0);
    expect(multi.stdout).toBe(single.stdout);
    expect(jsonLines(multi.stdout)).toHaveLength(5);
  });

  it('shows matches with their author and a summary table', async () => {
    const r = await vigil(['hunt', '--rules', 'rules', '--events', 'flat.ndjson'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[medium] Whoami Execution (11111111-1111-4111-8111-111111111111)  flat.ndjson#0  author: Vigil Tests');
    expect(r.stdout).toMatch(/rule\s+level\s+count/);
    expect(r.stdout).toMatch(/Whoami Execution\s+medium\s+2/);
    expect(r.stdout).toMatch(/Failed Logon\s+low\s+1/);
  });

  it('evaluates correlation rules over the event timestamps', async () => {
    const r = await vigil(['hunt', '--rules', 'corr', '--events', 'brute.ndjson', '--json'], dir);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const corr = lines.filter((l) => l.rule_title === 'Logon Brute Force');
    // 10.0.0.66 fails 4 times within 5 minutes (fires on its 3rd); 10.0.0.77 fails 3 times (fires on its 3rd).
    expect(corr.map((l) => l.event_index)).toEqual([2, 6]);
    expect(lines.filter((l) => l.rule_title === 'Failed Logon')).toHaveLength(7);
    // With workers the main thread takes the rules and correlations from the first worker.
    const multi = await vigil(['hunt', '--rules', 'corr', '--events', 'brute.ndjson', '--json', '--workers', '2'], dir);
    expect(multi.code).toBe(0);
    expect(multi.stdout).toBe(r.stdout);
  });

  it('reports a line that is not JSON with its file and line, and goes on', async () => {
    writeFileSync(join(dir, 'broken.ndjson'), `${JSON.stringify(flat[0])}\n{"Channel": "Secu\n${JSON.stringify(flat[2])}\n`);
    const r = await vigil(['hunt', '--rules', 'rules', '--events', 'broken.ndjson', '--json'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('broken.ndjson:2: invalid JSON');
    expect(jsonLines(r.stdout).map((l) => l.event_index)).toEqual([0, 2]);
  });

  it('fails when no rule can be loaded, naming the path', async () => {
    const r = await vigil(['hunt', '--rules', 'no-such-rules', '--events', 'flat.ndjson'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such-rules');
    expect(r.stderr).toContain('no usable rule');
  });

  it('reports a missing option as a usage problem', async () => {
    const r = await vigil(['hunt', '--rules', 'rules'], dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--events');
  });
});
