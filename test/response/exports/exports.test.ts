// Exports through the API (roles, formats) and `vigil export` against a real SQLite data dir, and
// the OCSF Detection Finding's required attributes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import type { CommandIo } from '../../../bin/commands/types.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { StorageEngine } from '../../../core/storage/types.ts';
import { buildDetectionFinding, OcsfActivity } from '../../../response/exports/ocsf.ts';
import { exportRoutes } from '../../../response/http/export-routes.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { makeAlert, makeIncident } from '../webhooks/helpers.ts';

/** The attributes OCSF 1.x marks required for a Detection Finding (base event + finding). */
const ocsfRequired = ['activity_id', 'category_uid', 'class_uid', 'type_uid', 'severity_id', 'time', 'metadata', 'finding_info'];

async function seed(store: StorageEngine): Promise<void> {
  await store.incidents.create(makeIncident({ id: 'inc-1' }));
  await store.alerts.put([
    makeAlert({ id: 'a-1', incidentId: 'inc-1', detectedAt: '2026-03-01T10:00:05.000Z' }),
    makeAlert({ id: 'a-2', incidentId: 'inc-1', detectedAt: '2026-03-01T10:30:00.000Z', severity: 'critical', techniques: ['T1078'] }),
    makeAlert({ id: 'a-3', detectedAt: '2026-03-02T08:00:00.000Z', severity: 'low', tactics: [], techniques: [] }),
  ]);
}

describe('OCSF Detection Finding', () => {
  it('has every required attribute with consistent class, type and severity ids', () => {
    const f = buildDetectionFinding(makeAlert(), undefined, { activity: OcsfActivity.update, productVersion: '1.2.3' });
    for (const k of ocsfRequired) expect(f, k).toHaveProperty(k);
    expect(f).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 2,
      type_uid: 200402,
      severity_id: 4,
      severity: 'High',
      status_id: 1,
      time: Date.parse('2026-03-01T10:00:05.000Z'),
      finding_info: { uid: 'alert-1', title: 'SSH brute force', first_seen_time: Date.parse('2026-03-01T10:00:00.000Z'), related_events: [{ uid: 'ev-1' }, { uid: 'ev-2' }] },
      metadata: { product: { name: 'Vigil', vendor_name: 'Vigil', version: '1.2.3' }, version: '1.3.0' },
    });
    expect(f.attacks).toEqual([
      { technique: { uid: 'T1110.001', src_url: 'https://attack.mitre.org/techniques/T1110/001/' }, version: '16' },
      { tactic: { uid: 'TA0006', name: 'Credential Access' }, version: '16' },
    ]);
    expect(buildDetectionFinding(makeAlert({ status: 'false_positive', severity: 'informational' })).severity_id).toBe(1);
    expect(buildDetectionFinding(makeAlert({ status: 'false_positive' })).status_id).toBe(3);
  });
});

describe('export routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ routes: (store) => [{ plugin: exportRoutes, options: { store } }] });
    await seed(t.store);
  });
  afterEach(async () => {
    await t.close();
  });

  it('exports an incident as a STIX bundle for analysts, responders and compliance, not for ingest keys', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/inc-1/export?format=stix&tlp=green', headers: t.auth('compliance') });
    expect(res.statusCode).toBe(200);
    const bundle = res.json();
    expect(bundle.type).toBe('bundle');
    expect(bundle.objects.find((o: { type: string }) => o.type === 'marking-definition').definition).toEqual({ tlp: 'green' });
    expect(bundle.objects.filter((o: { type: string }) => o.type === 'attack-pattern').map((o: { name: string }) => o.name).sort()).toEqual(['T1078', 'T1110.001']);
    expect(res.headers['content-disposition']).toContain('incident-inc-1.stix.json');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/incidents/inc-1/export', headers: t.auth('responder') })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/incidents/inc-1/export', headers: t.auth('ingest') })).statusCode).toBe(403);
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/nope/export', headers: t.auth('analyst') });
    expect(missing.statusCode).toBe(404);
    const badFormat = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/inc-1/export?format=misp', headers: t.auth('analyst') });
    expect(badFormat.statusCode).toBe(400);
  });

  it('exports alerts of a time range as OCSF or ECS NDJSON', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/alerts/export?format=ocsf&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', headers: t.auth('analyst') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.finding_info.uid).sort()).toEqual(['a-1', 'a-2']);
    for (const l of lines) for (const k of ocsfRequired) expect(l).toHaveProperty(k);
    expect(lines.find((l) => l.finding_info.uid === 'a-2')).toMatchObject({ severity_id: 5, unmapped: { vigil_incident: { id: 'inc-1' } } });
    const ecs = await t.app.inject({ method: 'GET', url: '/api/v1/alerts/export?format=ecs', headers: t.auth('compliance') });
    const docs = ecs.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(docs).toHaveLength(3);
    expect(docs.every((d) => d.event.kind === 'alert')).toBe(true);
  });
});

describe('vigil export', () => {
  let dir: string;
  let io: CommandIo;
  let out: string[];
  let err: string[];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-export-cli-'));
    const store = createSqliteEngine({ dataDir: join(dir, 'data') });
    await seed(store);
    await store.close();
    out = [];
    err = [];
    const sink = (into: string[]) =>
      new Writable({
        write(chunk, _enc, cb) {
          into.push(String(chunk));
          cb();
        },
      });
    io = { stdout: sink(out), stderr: sink(err), stdin: new PassThrough(), env: { VIGIL_DATA_DIR: join(dir, 'data') }, cwd: dir, isTTY: false };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes an incident bundle to a file and alerts as OCSF NDJSON to stdout', async () => {
    expect(await main(['export', 'incident', 'inc-1', '--format', 'stix', '--out', 'inc.json'], io)).toBe(0);
    const bundle = JSON.parse(readFileSync(join(dir, 'inc.json'), 'utf8'));
    expect(bundle.objects.find((o: { type: string }) => o.type === 'incident').name).toBe('SSH brute force against web01');

    expect(await main(['export', 'alerts', '--from', '2026-03-02', '--to', '2026-03-03', '--format', 'ocsf'], io)).toBe(0);
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.class_uid, l.finding_info.uid])).toEqual([[2004, 'a-3']]);
  });

  it('says what is wrong with a missing incident or bad flags', async () => {
    expect(await main(['export', 'incident', 'nope'], io)).toBe(1);
    expect(err.join('')).toContain('no incident with id nope');
    expect(await main(['export', 'incident', 'inc-1', '--format', 'misp'], io)).toBe(2);
    expect(await main(['export', 'alerts', '--from', 'yesterday-ish'], io)).toBe(2);
    expect(err.join('')).toContain("--from 'yesterday-ish' is not a date");
  });
});
