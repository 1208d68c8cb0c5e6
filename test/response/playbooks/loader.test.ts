// Playbook validation: the bundled playbooks load, and each kind of mistake is reported with
// the file and the YAML path, all problems of a folder at once.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaybooks } from '../../../response/playbooks/index.ts';
import { runVigil } from '../../helpers/server.ts';
import { playbookDir } from './helpers.ts';

let dir: string;

const connectors = `
connectors:
  firewall:
    method: POST
    url: \${FW_URL}/blocks
    body: { ip: "{{ input.ip }}" }
  notify:
    url: \${NOTIFY_URL}
    body: { text: "{{ input.message }}" }
`;

/** A valid playbook; tests replace parts of it. */
const good = `
id: test_block
title: Block after approval
trigger:
  on: incident.created
  when: { field: incident.severity, severity_at_least: high }
steps:
  - id: tell
    phase: warn
    kind: notify
    with: { message: "{{ incident.title }}" }
  - id: gate
    phase: respond
    kind: approval
    with: { prompt: "Block {{ observables.ip[0].value }}?" }
  - id: block
    phase: respond
    kind: block_ip
    with:
      connector: firewall
      ip: "{{ incident.fields.observables.ip[0].value }}"
`;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function errorsOf(name: string, text: string): string[] {
  const sub = mkdtempSync(join(dir, 'case-'));
  writeFileSync(join(sub, 'connectors.yml'), connectors);
  writeFileSync(join(sub, name), text);
  const r = loadPlaybooks({ paths: [sub], label: (abs) => abs.slice(sub.length + 1) });
  expect(r.playbooks).toHaveLength(0);
  return r.errors.map((e) => e.message);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-playbooks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bundled playbooks', () => {
  it('all five shipped playbooks and their connectors load without a problem', () => {
    const r = loadPlaybooks({ paths: [playbookDir] });
    expect(r.errors.map((e) => e.message)).toEqual([]);
    expect(r.playbooks.map((p) => p.id).sort()).toEqual(['compromised_account', 'data_exfiltration', 'malware_host', 'ssh_bruteforce', 'suspicious_powershell']);
    expect(r.connectors.map((c) => c.name)).toEqual(expect.arrayContaining(['notify', 'firewall', 'edr', 'directory', 'directory_reset']));
    for (const p of r.playbooks) {
      expect(p.version).toMatch(/^[0-9a-f]{16}$/);
      for (const s of p.steps) expect(s.phase).toMatch(/^(prepare|monitor|warn|respond|recover|review)$/);
    }
    const kinds = new Set(r.playbooks.flatMap((p) => p.steps.map((s) => s.kind)));
    for (const k of ['notify', 'approval', 'block_ip', 'isolate_host', 'disable_user', 'reset_password', 'enrich', 'transition', 'set_fields', 'branch']) expect(kinds).toContain(k);
  });

  it('the SSH playbook notifies, waits for approval, blocks, then contains', () => {
    const ssh = loadPlaybooks({ paths: [playbookDir] }).playbooks.find((p) => p.id === 'ssh_bruteforce');
    const order = ssh?.steps.map((s) => s.kind) ?? [];
    expect(order.indexOf('notify')).toBeLessThan(order.indexOf('approval'));
    expect(order.indexOf('approval')).toBeLessThan(order.indexOf('block_ip'));
    expect(order.indexOf('block_ip')).toBeLessThan(order.lastIndexOf('transition'));
    expect(ssh?.steps.find((s) => s.kind === 'block_ip')?.with.ip).toBe('{{ incident.fields.observables.ip[0].value }}');
  });
});

describe('validation errors name the file and the YAML path', () => {
  it('a good playbook loads', () => {
    const sub = mkdtempSync(join(dir, 'ok-'));
    writeFileSync(join(sub, 'connectors.yml'), connectors);
    writeFileSync(join(sub, 'ok.yml'), good);
    const r = loadPlaybooks({ paths: [sub] });
    expect(r.errors).toEqual([]);
    expect(r.playbooks[0].steps.map((s) => s.id)).toEqual(['tell', 'gate', 'block']);
  });

  it('YAML syntax errors carry line and column', () => {
    const [msg] = errorsOf('ssh.yml', 'id: x\ntitle: [unclosed\nsteps: 1\n');
    expect(msg).toMatch(/^ssh\.yml:\d+:\d+: YAML syntax: /);
  });

  it('a missing required input', () => {
    const msgs = errorsOf('ssh.yml', good.replace('      ip: "{{ incident.fields.observables.ip[0].value }}"\n', ''));
    expect(msgs).toEqual(['ssh.yml: steps[2].with.ip: required']);
  });

  it('a literal input of the wrong shape', () => {
    const msgs = errorsOf('ssh.yml', good.replace('ip: "{{ incident.fields.observables.ip[0].value }}"', 'ip: not-an-ip'));
    expect(msgs).toEqual(["ssh.yml: steps[2].with.ip: 'not-an-ip' is not an IP address"]);
  });

  it('a destructive step without an approval step before it', () => {
    const text = good.replace(/ {2}- id: gate\n(?: {4}.*\n){3}/, '');
    expect(errorsOf('ssh.yml', text)).toEqual(['ssh.yml: steps[1].kind: block_ip is destructive and needs an approval step before it']);
  });

  it('a branch that jumps past the approval into the destructive step', () => {
    const text = good.replace(
      '  - id: gate',
      '  - id: hop\n    phase: respond\n    kind: branch\n    with: { if: { field: incident.severity, equals: high }, then: block }\n  - id: gate',
    );
    expect(errorsOf('ssh.yml', text)).toEqual(["ssh.yml: steps[1].with: jumps to 'block', past the approval step 'gate' that guards the destructive step 'block'"]);
  });

  it('unknown template references, filters and roots', () => {
    const text = good
      .replace('message: "{{ incident.title }}"', 'message: "{{ steps.block.output.id }} {{ incident.titel }}"')
      .replace('prompt: "Block {{ observables.ip[0].value }}?"', 'prompt: "{{ process.env.HOME }} {{ incident.title | shout }}"');
    expect(errorsOf('ssh.yml', text)).toEqual([
      "ssh.yml: steps[0].with.message: unknown reference 'steps.block.output.id': no step comes before this one",
      "ssh.yml: steps[0].with.message: unknown reference 'incident.titel': incident has id, version, title, state, severity, grade, category, subcategory, assignee, tags, ruleIds, hosts, users, groupKey, createdAt, updatedAt, fields",
      "ssh.yml: steps[1].with.prompt: '{{ incident.title | shout }}': unknown filter 'shout' (known: default, json, join, first, count, upper, lower, urlencode, values, public)",
    ]);
  });

  it('unknown kinds, phases, connectors, triggers and keys, all reported at once', () => {
    const text = good
      .replace('on: incident.created', 'on: incident.exploded')
      .replace('kind: notify', 'kind: nofity')
      .replace('phase: respond\n    kind: approval', 'phase: panic\n    kind: approval')
      .replace('connector: firewall', 'connector: fw')
      .replace('title: Block after approval', 'title: Block after approval\nowner: me');
    expect(errorsOf('ssh.yml', text)).toEqual([
      'ssh.yml: owner: unknown key (known: id, title, description, enabled, trigger, steps)',
      "ssh.yml: trigger.on: 'incident.exploded' is not a trigger (known: incident.created, incident.state_changed, incident.updated, sla.breached, reporting.due, reporting.missed)",
      "ssh.yml: steps[0].kind: unknown step kind 'nofity' (known: http_request, notify, enrich, block_ip, disable_user, isolate_host, reset_password, set_fields, transition, approval, branch)",
      "ssh.yml: steps[1].phase: 'panic' is not a phase (prepare, monitor, warn, respond, recover, review)",
      "ssh.yml: steps[2].with.connector: unknown connector 'fw' (configured: firewall, notify)",
    ]);
  });

  it('duplicate step ids, backward branches, bad conditions and bad transitions', () => {
    const text = `
id: messy
title: Messy
trigger: { on: [incident.created], when: { field: incident.severity, bigger: 3 } }
steps:
  - { id: a, phase: warn, kind: transition, with: { to: done } }
  - { id: a, phase: warn, kind: set_fields, with: { fields: { x: 1 } } }
  - { id: c, phase: warn, kind: branch, with: { if: { field: steps.a.output.changed, equals: true }, else: a } }
  - { id: d, phase: review, kind: transition, with: { to: closed } }
`;
    expect(errorsOf('messy.yml', text)).toEqual([
      "messy.yml: trigger.when: needs exactly one operator besides 'field' (known: equals, not_equals, in, contains, exists, gt, gte, lt, lte, severity_at_least); got bigger",
      "messy.yml: steps[0].with.to: 'done' is not allowed (allowed: new, triaged, contained, eradicated, recovered, closed)",
      "messy.yml: steps[1].id: 'a' is already the id of steps[0]",
      "messy.yml: steps[2].with.else: 'a' is not a later step (branches only jump forward; later steps: d, or 'end')",
      'messy.yml: steps[3].with.resolution: closing needs a resolution and a summary',
    ]);
  });

  it('connector file problems name the connector path', () => {
    const sub = mkdtempSync(join(dir, 'conn-'));
    writeFileSync(join(sub, 'connectors.yml'), 'connectors:\n  fw:\n    method: YEET\n    auth: { type: bearer, token: abc }\n');
    const r = loadPlaybooks({ paths: [sub], label: (abs) => abs.slice(sub.length + 1) });
    expect(r.errors.map((e) => e.message)).toEqual([
      "connectors.yml: connectors.fw.method: 'YEET' is not allowed (allowed: GET, POST, PUT, PATCH, DELETE)",
      'connectors.yml: connectors.fw.url: required: the URL template',
      'connectors.yml: connectors.fw.auth.token_env: required: the environment variable holding the token',
      'connectors.yml: connectors.fw.auth.token: unknown key (secrets come from environment variables: token_env, password_env, value_env)',
    ]);
  });

  it('two files with one id: the second is refused, the first loads', () => {
    const sub = mkdtempSync(join(dir, 'dup-'));
    writeFileSync(join(sub, 'connectors.yml'), connectors);
    writeFileSync(join(sub, 'a.yml'), good);
    writeFileSync(join(sub, 'b.yml'), good);
    const r = loadPlaybooks({ paths: [sub], label: (abs) => abs.slice(sub.length + 1) });
    expect(r.playbooks.map((p) => p.source)).toEqual(['a.yml']);
    expect(r.errors.map((e) => e.message)).toEqual(["b.yml: id: 'test_block' is already used by a.yml"]);
  });
});

describe('vigil playbooks validate', () => {
  it('exits 0 on the bundled folder and 1 naming each problem on a bad file', async () => {
    const ok = await runVigil(['playbooks', 'validate', playbookDir], {});
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('5 playbooks valid in 5 files; 0 problems');

    const sub = join(dir, 'cli');
    mkdirSync(sub);
    writeFileSync(join(sub, 'connectors.yml'), connectors);
    const bad = write('cli/ssh.yml', good.replace('      ip: "{{ incident.fields.observables.ip[0].value }}"\n', ''));
    const res = await runVigil(['playbooks', 'validate', sub, '--json'], {});
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout) as { errors: Array<{ message: string; location: { source: string; path: string } }> };
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0].message).toMatch(/ssh\.yml: steps\[2\]\.with\.ip: required$/);
    expect(out.errors[0].location.path).toBe('steps[2].with.ip');
    expect(out.errors[0].location.source.endsWith('ssh.yml')).toBe(true);
    expect(bad.endsWith('ssh.yml')).toBe(true);
  });
});
