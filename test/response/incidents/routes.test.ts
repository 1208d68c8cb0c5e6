import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Notice, QueueName } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { QueueBackend } from '../../../core/queue/types.ts';
import type { Role } from '../../../core/storage/types.ts';
import { type AlertIntake, createAlertIntake } from '../../../response/alerts/intake.ts';
import { alertRoutes } from '../../../response/http/alert-routes.ts';
import { incidentRoutes } from '../../../response/http/incident-routes.ts';
import { IncidentService } from '../../../response/incidents/service.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { alert, TestClock } from './helpers.ts';

let t: TestApp;
let queues: QueueBackend;
let intake: AlertIntake;
const clock = new TestClock(Date.now());

beforeAll(async () => {
  queues = createMemoryBackend();
  const notices = queues.queue<Notice>(QueueName.notices);
  t = await buildTestApp({
    routes: (store) => {
      const incidents = new IncidentService({ store, notices, now: clock.now });
      intake = createAlertIntake({ store, notices, now: clock.now });
      return [
        { plugin: incidentRoutes, options: { incidents } },
        { plugin: alertRoutes, options: { incidents } },
      ];
    },
  });
});

afterAll(async () => {
  await t.close();
  await queues.close();
});

async function newIncident(ip: string): Promise<string> {
  const r = await intake.handle([alert(clock, { ip, host: `h-${ip}` })]);
  return r.created[0];
}

function call(role: Role, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({ method, url: `/api/v1${url}`, headers: t.auth(role), ...(payload === undefined ? {} : { payload: payload as object }) });
}

describe('incident routes', () => {
  it('analyst and responder may read and act; compliance and ingest get 403', async () => {
    const id = await newIncident('192.0.2.10');
    for (const role of ['analyst', 'responder', 'admin'] as const) {
      expect((await call(role, 'GET', '/incidents')).statusCode, role).toBe(200);
      expect((await call(role, 'GET', `/incidents/${id}`)).statusCode, role).toBe(200);
      expect((await call(role, 'GET', '/alerts')).statusCode, role).toBe(200);
      expect((await call(role, 'POST', `/incidents/${id}/comments`, { text: `hello from ${role}` })).statusCode, role).toBe(200);
    }
    for (const role of ['compliance', 'ingest'] as const) {
      expect((await call(role, 'GET', '/incidents')).statusCode, role).toBe(403);
      expect((await call(role, 'POST', `/incidents/${id}/transition`, { to: 'triaged' })).statusCode, role).toBe(403);
      expect((await call(role, 'POST', '/alerts/x/false-positive', { reason: 'x' })).statusCode, role).toBe(403);
    }
    expect((await call('compliance', 'GET', '/classification')).statusCode).toBe(200);
    expect((await call('ingest', 'GET', '/classification')).statusCode).toBe(403);
  });

  it('GET /incidents/{id} returns the detail; unknown ids are 404 in the standard shape', async () => {
    const id = await newIncident('192.0.2.11');
    const res = await call('analyst', 'GET', `/incidents/${id}`);
    const body = res.json();
    expect(body.incident.id).toBe(id);
    expect(body.incident.fields.alertCount).toBe(1);
    expect(body.alerts).toHaveLength(1);
    expect(body.timeline[0].kind).toBe('created');
    expect(body.phase.zh).toBe('监测');
    expect(body.sla.triage.status).toBe('running');
    const missing = await call('analyst', 'GET', '/incidents/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', message: 'incident nope: not found' });
  });

  it('transition: 200 on a valid move, 409 naming the allowed states, 400 without resolution/summary when closing', async () => {
    const id = await newIncident('192.0.2.12');
    const bad = await call('responder', 'POST', `/incidents/${id}/transition`, { to: 'recovered' });
    expect(bad.statusCode).toBe(409);
    expect(bad.json()).toMatchObject({ code: 'INCIDENT_INVALID_TRANSITION', message: `incident ${id} is 'new'; cannot go to 'recovered' (allowed: triaged, closed)` });
    expect((await call('responder', 'POST', `/incidents/${id}/transition`, { to: 'triaged' })).json().state).toBe('triaged');
    const noSummary = await call('responder', 'POST', `/incidents/${id}/transition`, { to: 'closed', resolution: 'true_positive' });
    expect(noSummary.statusCode).toBe(400);
    expect(noSummary.json().location).toMatchObject({ path: '/summary' });
    const unknown = await call('responder', 'POST', `/incidents/${id}/transition`, { to: 'done' });
    expect(unknown.statusCode).toBe(400);
    const closed = await call('responder', 'POST', `/incidents/${id}/transition`, { to: 'closed', resolution: 'true_positive', summary: 'blocked at the firewall' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().fields).toMatchObject({ resolution: 'true_positive', summary: 'blocked at the firewall' });
    const audit = await t.store.audit.list({ target: id, action: 'incident.transition' }, { limit: 10 });
    expect(audit.items).toHaveLength(2);
    expect(audit.items[0].requestId).toBeTruthy();
  });

  it('assign, tags, classification, grade, reports, merge and bulk', async () => {
    const id = await newIncident('192.0.2.13');
    const other = await newIncident('192.0.2.14');
    expect((await call('analyst', 'POST', `/incidents/${id}/assign`, { assignee: 'dave' })).json().assignee).toBe('dave');
    expect((await call('analyst', 'POST', `/incidents/${id}/assign`, { assignee: null })).json().assignee).toBeUndefined();
    expect((await call('analyst', 'POST', `/incidents/${id}/tags`, { add: ['a', 'b'], remove: ['a'] })).json().tags).toEqual(['b']);
    const cls = await call('analyst', 'POST', `/incidents/${id}/classification`, { category: 'data_security', subcategory: 'data_theft' });
    expect(cls.json()).toMatchObject({ category: 'data_security', subcategory: 'data_theft' });
    expect((await call('analyst', 'POST', `/incidents/${id}/classification`, { category: 'weather' })).statusCode).toBe(400);
    expect((await call('analyst', 'POST', `/incidents/${id}/grade`, { grade: 'III' })).statusCode).toBe(400);
    const graded = await call('analyst', 'POST', `/incidents/${id}/grade`, { grade: 'III', reason: 'customer data' });
    expect(graded.json().fields.reporting.initial.status).toBe('pending');
    const report = await call('analyst', 'POST', `/incidents/${id}/reports`, { kind: 'initial', reference: 'CAC-1' });
    expect(report.json().fields.reporting.initial).toMatchObject({ status: 'met', reference: 'CAC-1' });
    const merged = await call('analyst', 'POST', `/incidents/${id}/merge`, { source: other });
    expect(merged.statusCode).toBe(200);
    expect(merged.json().fields.alertCount).toBe(2);
    const bulk = await call('analyst', 'POST', '/incidents/bulk', { ids: [id, other], transition: { to: 'closed', resolution: 'true_positive', summary: 'wave closed' } });
    expect(bulk.json().results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]);
    expect((await call('analyst', 'POST', '/incidents/bulk', { ids: [id], extra: 1 })).statusCode).toBe(400);
  });

  it('lists incidents with filters and paging', async () => {
    await newIncident('192.0.2.20');
    const page = await call('analyst', 'GET', '/incidents?state=new&severity=high&limit=1');
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(1);
    expect(page.json().nextCursor).toBeTruthy();
    const text = await call('analyst', 'GET', '/incidents?q=h-192.0.2.20');
    expect(text.json().items.map((i: { hosts: string[] }) => i.hosts[0])).toEqual(['h-192.0.2.20']);
    expect((await call('analyst', 'GET', '/incidents?state=bogus')).statusCode).toBe(400);
  });
});

describe('alert routes', () => {
  it('false positive with an exception, rule exceptions listing and deletion', async () => {
    await newIncident('192.0.2.30');
    const list = await call('analyst', 'GET', '/alerts?rule=vigil-ssh-bruteforce&status=open&limit=100');
    const target = list.json().items.find((a: { entities: { sourceIps: string[] } }) => a.entities.sourceIps[0] === '192.0.2.30');
    const fp = await call('analyst', 'POST', `/alerts/${target.id}/false-positive`, { reason: 'scanner', exception: [{ field: 'source.ip', value: '192.0.2.30' }] });
    expect(fp.statusCode).toBe(200);
    expect(fp.json().alert.status).toBe('false_positive');
    expect(fp.json().verdicts.fp).toBeGreaterThanOrEqual(1);
    const exceptionId = fp.json().exception.id;
    const ex = await call('analyst', 'GET', '/rules/vigil-ssh-bruteforce/exceptions');
    expect(ex.json().items.map((e: { id: string }) => e.id)).toContain(exceptionId);
    const r = await intake.handle([alert(clock, { ip: '192.0.2.30' })]);
    expect(r.excepted).toHaveLength(1);
    expect((await call('analyst', 'DELETE', `/rules/vigil-ssh-bruteforce/exceptions/${exceptionId}`)).statusCode).toBe(200);
    expect((await call('analyst', 'DELETE', `/rules/vigil-ssh-bruteforce/exceptions/${exceptionId}`)).statusCode).toBe(404);
    expect((await call('analyst', 'POST', '/alerts/none/false-positive', { reason: 'x' })).statusCode).toBe(404);
  });

  it('suppression windows can be added, take effect, be listed and removed', async () => {
    const add = await call('responder', 'POST', '/suppressions', { ruleId: 'vigil-ssh-bruteforce', entity: '192.0.2.40', reason: 'pen test' });
    expect(add.statusCode).toBe(200);
    const { id } = add.json();
    expect(add.json()).toMatchObject({ ruleId: 'vigil-ssh-bruteforce', entity: '192.0.2.40', createdBy: expect.stringContaining('test-responder') });
    expect((await call('analyst', 'GET', '/suppressions')).json().items.map((s: { id: string }) => s.id)).toContain(id);
    const r = await intake.handle([alert(clock, { ip: '192.0.2.40' })]);
    expect(r.suppressed).toHaveLength(1);
    expect((await call('analyst', 'POST', '/suppressions', { ruleId: 'x', from: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' })).statusCode).toBe(400);
    expect((await call('analyst', 'DELETE', `/suppressions/${id}`)).statusCode).toBe(200);
    expect((await call('analyst', 'DELETE', `/suppressions/${id}`)).statusCode).toBe(404);
    expect((await intake.handle([alert(clock, { ip: '192.0.2.40' })])).suppressed).toHaveLength(0);
    expect((await call('ingest', 'POST', '/suppressions', { ruleId: 'x' })).statusCode).toBe(403);
  });

  it('GET /classification gives the table and the lifecycle for UIs', async () => {
    const body = (await call('analyst', 'GET', '/classification')).json();
    expect(body.categories).toHaveLength(10);
    expect(body.categories[0]).toMatchObject({ key: 'malicious_program', zh: '恶意程序事件' });
    expect(body.grades.map((g: { key: string; zh: string }) => `${g.key} ${g.zh}`)).toEqual(['I 特别重大', 'II 重大', 'III 较大', 'IV 一般']);
    expect(body.lifecycle.find((s: { state: string }) => s.state === 'contained').phase.zh).toBe('处置');
  });
});
