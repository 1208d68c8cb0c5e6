// `vigil rules convert` as a user runs it: a real process over real rule files and folders.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function vigil(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin/vigil.js'), ...args], { cwd, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const WHOAMI = String.raw`title: Whoami Execution
id: 11111111-1111-4111-8111-111111111111
logsource: { product: windows, category: process_creation }
detection:
  sel:
    Image|endswith: '\whoami.exe'
    CommandLine|contains: '/priv'
  condition: sel
`;
const SAME_PARENT = `title: Process Named Like Its Parent
id: 33333333-3333-4333-8333-333333333333
logsource: { product: linux, category: process_creation }
detection:
  sel:
    process.name|fieldref: process.parent.name
  condition: sel
`;
const CORRELATED = `title: Failed Logon
id: 22222222-2222-4222-8222-222222222222
name: failed_logon
logsource: { product: windows, service: security }
detection:
  sel:
    EventID: 4625
  condition: sel
---
title: Many Failed Logons
id: 44444444-4444-4444-8444-444444444444
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 5m
  condition: { gte: 10 }
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-convert-cli-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'whoami.yml'), WHOAMI);
  writeFileSync(join(dir, 'same_parent.yml'), SAME_PARENT);
  writeFileSync(join(dir, 'correlated.yml'), CORRELATED);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil rules convert', () => {
  it('prints a Lucene query with the ECS field names for each rule in a folder', async () => {
    const r = await vigil(['rules', 'convert', '--target', 'lucene', 'rules'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `# Whoami Execution [11111111-1111-4111-8111-111111111111] rules/whoami.yml\nprocess.executable:*\\\\whoami.exe AND process.command_line:*\\/priv*\n\n`,
    );
    expect(r.stderr).toContain('1 of 1 rule documents converted to lucene; 0 failed');
  });

  it('prints ES|QL, and --all-paths adds the raw-name fallbacks the streaming engine reads', async () => {
    const r = await vigil(['rules', 'convert', '-t', 'esql', '--index', 'logs-vigil.*', 'rules/whoami.yml'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'FROM logs-vigil.* | WHERE TO_LOWER(process.executable) LIKE "*\\\\\\\\whoami.exe" AND TO_LOWER(process.command_line) LIKE "*/priv*"',
    );
    const all = await vigil(['rules', 'convert', '-t', 'esql', '--all-paths', 'rules/whoami.yml'], dir);
    expect(all.stdout).toContain('process.executable IS NULL AND');
    expect(all.stdout).toContain('TO_LOWER(Image) LIKE');
  });

  it('prints the Query DSL as JSON lines with --json, with the logsource filter the store runs', async () => {
    const r = await vigil(['rules', 'convert', '--target', 'es-dsl', '--json', 'rules/whoami.yml'], dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ file: 'rules/whoami.yml', id: '11111111-1111-4111-8111-111111111111', target: 'es-dsl' });
    const text = JSON.stringify(line.query);
    expect(text).toContain('{"wildcard":{"process.executable":{"value":"*\\\\\\\\whoami.exe","case_insensitive":true}}}');
    // The Sysmon channel is part of the logsource filter for process_creation.
    expect(text).toContain('microsoft-windows-sysmon/operational');
    const omitted = await vigil(['rules', 'convert', '--target', 'es-dsl', '--json', '--logsource', 'omit', 'rules/whoami.yml'], dir);
    expect(JSON.stringify(JSON.parse(omitted.stdout).query)).not.toContain('sysmon');
  });

  it('prints the SQL statement with its parameters listed after it', async () => {
    const r = await vigil(['rules', 'convert', '--target', 'sql', '--logsource', 'omit', 'rules/whoami.yml'], dir);
    expect(r.code).toBe(0);
    const sql = r.stdout.split('\n').find((l) => l.startsWith('SELECT id, doc FROM events WHERE '));
    const params = r.stdout.split('\n').find((l) => l.startsWith('-- params: '));
    expect(sql).toBeDefined();
    expect(sql).not.toContain('whoami');
    const bound = JSON.parse(params?.slice('-- params: '.length) ?? '[]') as unknown[];
    expect(bound).toContain('%\\\\whoami.exe');
    expect((sql?.match(/\?/g) ?? []).length).toBe(bound.length);
  });

  it('names each rule that cannot convert on stderr, converts the rest, and exits 1', async () => {
    const r = await vigil(['rules', 'convert', '--target', 'lucene', 'rules', 'same_parent.yml', 'correlated.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('# Whoami Execution');
    expect(r.stdout).toContain('# Failed Logon');
    expect(r.stdout).toContain('event.code:4625');
    expect(r.stderr).toContain('FAIL same_parent.yml [33333333-3333-4333-8333-333333333333]');
    expect(r.stderr).toContain('SIGMA_UNSUPPORTED: 33333333-3333-4333-8333-333333333333');
    expect(r.stderr).toContain('a query string cannot compare two fields');
    expect(r.stderr).toContain('FAIL correlated.yml [44444444-4444-4444-8444-444444444444]');
    expect(r.stderr).toContain('correlation: evaluated by the streaming engine, not convertible to a single query');
    expect(r.stderr).toContain('2 of 4 rule documents converted to lucene; 2 failed');
    // The same rule converts where the language can compare two fields.
    const esql = await vigil(['rules', 'convert', '--target', 'esql', 'same_parent.yml'], dir);
    expect(esql.code).toBe(0);
    expect(esql.stdout).toContain('FROM logs-* | WHERE process.name == process.parent.name');
  });

  it('refuses a missing or unknown target as a usage error', async () => {
    const none = await vigil(['rules', 'convert', 'rules'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--target must be one of es-dsl, lucene, esql, sql');
    const bad = await vigil(['rules', 'convert', '--target', 'kql', 'rules'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("(got 'kql')");
  });
});
