import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/app.ts';
import { loadRuleDocuments } from '../hunt/index.ts';
import { createRuleCatalog, type RuleCatalog } from '../rules-catalog.ts';
import { ruleRoutes } from './rule-routes.ts';

const ruleA = `title: SSH brute force from one address
id: 0a1b2c3d-0000-4000-8000-000000000001
status: test
description: Many failed sshd logins from one source
level: high
logsource: { product: linux, service: sshd }
tags: [attack.credential-access, attack.t1110.001]
detection:
  sel: { message|contains: 'Failed password' }
  condition: sel
`;
const ruleB = `title: Whoami execution
id: 0a1b2c3d-0000-4000-8000-000000000002
level: medium
logsource: { product: windows, category: process_creation }
tags: [attack.discovery, attack.t1033, attack.s0002]
detection:
  sel: { Image|endswith: '\\\\whoami.exe' }
  condition: sel
`;

const correlation = `title: Many SSH failures from one address
id: 0a1b2c3d-0000-4000-8000-000000000003
level: high
tags: [attack.credential-access, attack.t1110]
correlation:
  type: event_count
  rules: [0a1b2c3d-0000-4000-8000-000000000001]
  group-by: [source.ip]
  timespan: 5m
  condition: { gte: 5 }
`;

describe('rules API', () => {
  let t: TestApp;
  let dir: string;
  let catalog: RuleCatalog;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    writeFileSync(join(dir, 'a.yml'), ruleA);
    writeFileSync(join(dir, 'b.yml'), ruleB);
    writeFileSync(join(dir, 'c.yml'), correlation);
    const { rules, correlations, problems } = loadRuleDocuments([dir]);
    expect(problems).toEqual([]);
    expect(correlations).toHaveLength(1);
    t = await buildTestApp({
      routes: (store) => [{ plugin: async (app) => {
        catalog = await createRuleCatalog({ rules, correlations, docs: store.docs });
        await app.register(ruleRoutes, { catalog });
      } }],
    });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the loaded rules with ATT&CK tactics and techniques taken from the tags', async () => {
    const res = await t.app.inject({ url: '/api/v1/rules', headers: t.auth('compliance') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(3);
    const corr = body.items.find((r: { id: string }) => r.id.endsWith('03'));
    expect(corr).toMatchObject({ kind: 'correlation', correlation: { type: 'event_count', rules: ['0a1b2c3d-0000-4000-8000-000000000001'] }, techniques: ['T1110'], logsource: {} });
    const ssh = body.items.find((r: { id: string }) => r.id.endsWith('01'));
    expect(ssh).toMatchObject({ title: 'SSH brute force from one address', level: 'high', logsource: { product: 'linux', service: 'sshd' }, tactics: ['credential_access'], techniques: ['T1110.001'], enabled: true });
    const who = body.items.find((r: { id: string }) => r.id.endsWith('02'));
    expect(who.techniques).toEqual(['T1033']);
    expect(who.tactics).toEqual(['discovery']);
  });

  it('filters by text, level, logsource, tactic and parent technique, and pages with a cursor', async () => {
    const get = async (qs: string) => (await t.app.inject({ url: `/api/v1/rules?${qs}`, headers: t.auth('analyst') })).json();
    expect((await get('q=brute%20ssh')).items.map((r: { title: string }) => r.title)).toEqual(['SSH brute force from one address']);
    expect((await get('q=ssh')).total).toBe(2);
    expect((await get('level=medium')).total).toBe(1);
    expect((await get('level=medium&level=high')).total).toBe(3);
    expect((await get('logsource=process_creation')).items[0].title).toBe('Whoami execution');
    expect((await get('tactic=attack.credential-access')).total).toBe(2);
    expect((await get('technique=T1110')).total).toBe(2);
    expect((await get('technique=T1110.001')).total).toBe(1);
    const first = await get('limit=2');
    expect(first.items).toHaveLength(2);
    const second = await get(`limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(first.items.map((r: { id: string }) => r.id)).not.toContain(second.items[0].id);
    expect(second.nextCursor).toBeUndefined();
  });

  it('disables and re-enables a rule for analysts only, audited and kept across catalogue rebuilds', async () => {
    const id = '0a1b2c3d-0000-4000-8000-000000000001';
    const denied = await t.app.inject({ method: 'POST', url: `/api/v1/rules/${id}/disable`, headers: t.auth('compliance'), payload: {} });
    expect(denied.statusCode).toBe(403);
    const off = await t.app.inject({ method: 'POST', url: `/api/v1/rules/${id}/disable`, headers: t.auth('analyst'), payload: { reason: 'noisy on the bastion' } });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ id, enabled: false });
    expect(catalog.isEnabled(id)).toBe(false);
    expect((await t.app.inject({ url: '/api/v1/rules?enabled=false', headers: t.auth('analyst') })).json().total).toBe(1);

    const rebuilt = await createRuleCatalog({ rules: loadRuleDocuments([dir]).rules, docs: t.store.docs });
    expect(rebuilt.get(id)?.enabled).toBe(false);
    expect(rebuilt.isEnabled(id)).toBe(false);

    const audit = (await t.app.inject({ url: '/api/v1/audit?action=rule.disable', headers: t.auth('admin') })).json();
    expect(audit.items[0]).toMatchObject({ action: 'rule.disable', target: id, before: { enabled: true }, after: { enabled: false, reason: 'noisy on the bastion' } });

    const on = await t.app.inject({ method: 'POST', url: `/api/v1/rules/${id}/enable`, headers: t.auth('analyst'), payload: {} });
    expect(on.json().enabled).toBe(true);
    expect(catalog.isEnabled(id)).toBe(true);
  });

  it('shows a rule with its exceptions and precision from the stored verdicts', async () => {
    const id = '0a1b2c3d-0000-4000-8000-000000000002';
    await t.store.docs.put('rule-exceptions', 'ex1', { id: 'ex1', ruleId: id, conditions: [{ field: 'host.name', value: 'build01' }], reason: 'CI runner', createdBy: 'k1', createdAt: '2026-01-01T00:00:00Z' });
    await t.store.docs.put('rule-exceptions', 'ex2', { id: 'ex2', ruleId: 'other', conditions: [{ field: 'host.name', value: 'x' }], reason: 'x', createdBy: 'k1', createdAt: '2026-01-01T00:00:00Z' });
    await t.store.docs.put('rule-verdicts', id, { tp: 3, fp: 1 });
    const res = await t.app.inject({ url: `/api/v1/rules/${id}`, headers: t.auth('responder') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.rule.title).toBe('Whoami execution');
    expect(body.exceptions).toEqual([{ id: 'ex1', conditions: [{ field: 'host.name', value: 'build01' }], reason: 'CI runner', createdBy: 'k1', createdAt: '2026-01-01T00:00:00Z' }]);
    expect(body.precision).toEqual({ tp: 3, fp: 1, precision: 0.75 });
  });

  it('answers 404 NOT_FOUND for an unknown rule', async () => {
    const res = await t.app.inject({ url: '/api/v1/rules/nope', headers: t.auth('analyst') });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
    const sw = await t.app.inject({ method: 'POST', url: '/api/v1/rules/nope/enable', headers: t.auth('analyst'), payload: {} });
    expect(sw.statusCode).toBe(404);
  });
});
