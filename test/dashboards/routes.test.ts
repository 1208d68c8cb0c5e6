// The metrics and report routes through the real HTTP app (auth, roles, schemas, audit) on a real
// SQLite store, with incidents written by the real incident service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Notice, QueueName } from '../../core/messages.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { metricsRoutes } from '../../dashboards/http/metrics-routes.ts';
import { reportRoutes } from '../../dashboards/http/report-routes.ts';
import { loadCategoryLabels } from '../../dashboards/reports/category-labels.ts';
import { verifyReportSignature } from '../../dashboards/reports/signature.ts';
import { instanceCa } from '../../dashboards/reports/signing-key.ts';
import { createAlertIntake } from '../../response/alerts/intake.ts';
import { IncidentService } from '../../response/incidents/service.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { alice, makeAlert } from './harness.ts';
import { readPdfText } from './pdf-text.ts';

let t: TestApp;
const queues = createMemoryBackend();
let incidentId = '';
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = new Date(Date.now() + 3_600_000).toISOString();
// The instance's data directory as the report routes see it: CA and signing key are created there.
const signDir = mkdtempSync(join(tmpdir(), 'vigil-sign-'));

beforeAll(async () => {
  t = await buildTestApp({
    routes: (store) => [
      { plugin: metricsRoutes, options: { store, loadedRuleTags: () => [['attack.credential_access', 'attack.t1110']] } },
      { plugin: reportRoutes, options: { store, dataDir: signDir, labels: loadCategoryLabels() } },
    ],
  });
  const notices = queues.queue<Notice>(QueueName.notices);
  const intake = createAlertIntake({ store: t.store, notices });
  const service = new IncidentService({ store: t.store, notices });
  const { created } = await intake.handle([makeAlert(new Date(), { host: 'web-07', lagMs: 90_000 })]);
  incidentId = created[0];
  await service.transition(incidentId, { to: 'triaged' }, { actor: alice });
});

afterAll(async () => {
  await t.close();
  await queues.close();
  rmSync(signDir, { recursive: true, force: true });
});

describe('metrics routes', () => {
  it('answers analysts and compliance officers, refuses responders', async () => {
    for (const role of ['analyst', 'compliance', 'admin'] as const) {
      const res = await t.app.inject({ url: `/api/v1/metrics/incidents/breakdown?from=${from}&to=${to}`, headers: t.auth(role) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ total: 1, byState: [{ key: 'triaged', count: 1 }] });
    }
    const res = await t.app.inject({ url: '/api/v1/metrics/sla', headers: t.auth('responder') });
    expect(res.statusCode).toBe(403);
  });

  it('serves every metric with its figures', async () => {
    const get = async (path: string) => {
      const res = await t.app.inject({ url: `/api/v1${path}`, headers: t.auth('analyst') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const vol = await get(`/metrics/alerts/volume?from=${from}&to=${to}&interval=1d`);
    expect(vol.intervalMs).toBe(86_400_000);
    expect(vol.buckets).toHaveLength(1);
    expect(vol.buckets[0]).toMatchObject({ total: 1, bySeverity: { high: 1, critical: 0 } });
    const rt = await get(`/metrics/response-times?from=${from}&to=${to}`);
    expect(rt.mttd).toMatchObject({ count: 1, median: 90, p90: 90 });
    expect(rt.mtta.count).toBe(1);
    expect(rt.mttr).toEqual({ count: 0 });
    const sla = await get(`/metrics/sla?from=${from}&to=${to}`);
    expect(sla.grades.reduce((s: number, g: { total: number }) => s + g.total, 0)).toBe(1);
    const top = await get(`/metrics/top?field=host&size=3&from=${from}&to=${to}`);
    expect(top.items).toEqual([{ key: 'web-07', count: 1 }]);
    const prec = await get('/metrics/rule-precision');
    expect(prec.items).toEqual([]);
    const cov = await get(`/metrics/attack-coverage?from=${from}&to=${to}`);
    expect(cov.totals).toMatchObject({ techniques: 1, both: 1 });
  });

  it('refuses bad parameters with the parameter named', async () => {
    const bad = await t.app.inject({ url: '/api/v1/metrics/alerts/volume?interval=soon', headers: t.auth('analyst') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'REQUEST_INVALID', location: { source: 'querystring', path: 'interval' } });
    const field = await t.app.inject({ url: '/api/v1/metrics/top?field=password', headers: t.auth('analyst') });
    expect(field.statusCode).toBe(400);
    const order = await t.app.inject({ url: '/api/v1/metrics/sla?from=2026-03-03&to=2026-03-02', headers: t.auth('analyst') });
    expect(order.json()).toMatchObject({ code: 'REQUEST_INVALID', location: { path: 'to' } });
  });
});

describe('report routes', () => {
  it('returns a signed PDF whose signature is linked, fetchable and valid; the request is audited', async () => {
    const res = await t.app.inject({ url: `/api/v1/reports/incidents?from=${from}&to=${to}&format=pdf`, headers: t.auth('compliance') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="vigil-incidents-.*\.pdf"$/);
    const id = res.headers['vigil-report-id'] as string;
    expect(res.headers.link).toBe(`</api/v1/reports/signatures/${id}>; rel="signature"; type="application/pkcs7-signature"`);
    const pdf = res.rawPayload;
    expect(readPdfText(pdf).text).toContain(incidentId);

    const sig = await t.app.inject({ url: `/api/v1/reports/signatures/${id}`, headers: t.auth('compliance') });
    expect(sig.statusCode).toBe(200);
    expect(sig.headers['content-type']).toBe('application/pkcs7-signature');
    const verified = verifyReportSignature(pdf, sig.rawPayload, instanceCa(signDir));
    expect(verified).toMatchObject({ valid: true, chain: 'trusted' });
    expect(verified.sha256).toBe(res.headers['vigil-report-sha256']);
    const record = await t.app.inject({ url: `/api/v1/reports/signatures/${id}?format=json`, headers: t.auth('analyst') });
    expect(record.json()).toMatchObject({ reportId: id, format: 'pdf', sha256: verified.sha256 });

    const audit = await t.store.audit.list({ action: 'report.generate' }, { limit: 10 });
    expect(audit.items[0]).toMatchObject({ target: `report:${id}`, after: { format: 'pdf', incidents: 1, sha256: verified.sha256 } });
  });

  it('serves JSON and CSV, refuses responders, requires the period, 404s an unknown signature', async () => {
    const json = await t.app.inject({ url: `/api/v1/reports/incidents?from=${from}&to=${to}&format=json`, headers: t.auth('analyst') });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ kind: 'vigil.incident-report', summary: { incidents: 1 }, incidents: [{ id: incidentId, state: 'triaged' }] });
    const csv = await t.app.inject({ url: `/api/v1/reports/incidents?from=${from}&to=${to}&format=csv`, headers: t.auth('compliance') });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[1].startsWith(incidentId)).toBe(true);
    expect((await t.app.inject({ url: `/api/v1/reports/incidents?from=${from}&to=${to}`, headers: t.auth('responder') })).statusCode).toBe(403);
    const missing = await t.app.inject({ url: `/api/v1/reports/incidents?from=${from}`, headers: t.auth('compliance') });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'REQUEST_INVALID', location: { source: 'querystring' } });
    const none = await t.app.inject({ url: '/api/v1/reports/signatures/zzz', headers: t.auth('compliance') });
    expect(none.statusCode).toBe(404);
  });
});
