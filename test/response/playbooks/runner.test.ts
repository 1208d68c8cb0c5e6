// The playbook runner with real parts: the bundled SSH brute-force playbook and connectors, real
// local HTTP servers for the notification receiver and the firewall API, the real HTTP app on a
// real SQLite file (approve/deny through the routes), and an injected clock (no sleeping).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../../../core/ids.ts';
import type { Notice } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/index.ts';
import type { WorkQueue } from '../../../core/queue/types.ts';
import type { PlaybookRun, StorageEngine, TimelineEntry } from '../../../core/storage/types.ts';
import { playbookRoutes } from '../../../response/http/playbook-routes.ts';
import {
  type ConnectorConfig,
  createConnectorClient,
  createIntelLookup,
  createPlaybookRunner,
  loadIntelLists,
  loadPlaybooks,
  type Playbook,
  type PlaybookRunner,
} from '../../../response/playbooks/index.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { manualClock, playbookDir, type Receiver, reply, sshIncident, startReceiver, storePort } from './helpers.ts';

let t: TestApp;
let rx: Receiver;
let runner: PlaybookRunner;
let notices: WorkQueue<Notice>;
let clock: ReturnType<typeof manualClock>;
let tmp: string;
/** Another runner on the same store and configuration: a second `vigil serve` process. */
let otherRunner: () => PlaybookRunner;

interface Setup {
  playbooks?: Playbook[];
  connectors?: ConnectorConfig[];
}

async function setup(opts: Setup = {}): Promise<void> {
  const bundled = loadPlaybooks({ paths: [playbookDir] });
  expect(bundled.errors).toEqual([]);
  const env = {
    PLAYBOOK_NOTIFY_URL: `${rx.url}/notify`,
    PLAYBOOK_FIREWALL_URL: `${rx.url}/fw`,
    PLAYBOOK_FIREWALL_TOKEN: 'fw-token-123',
  };
  notices = createMemoryBackend().queue<Notice>('notices');
  t = await buildTestApp({
    routes: (store: StorageEngine) => {
      otherRunner = () => createPlaybookRunner({
        store: store.runs,
        incidents: storePort(store.incidents, clock.now),
        notices,
        playbooks: opts.playbooks ?? bundled.playbooks,
        connectors: createConnectorClient({ connectors: opts.connectors ?? bundled.connectors, env }),
        now: clock.now,
        random: () => 0.5,
      });
      runner = createPlaybookRunner({
        store: store.runs,
        incidents: storePort(store.incidents, clock.now),
        notices,
        playbooks: opts.playbooks ?? bundled.playbooks,
        connectors: createConnectorClient({ connectors: opts.connectors ?? bundled.connectors, env }),
        intel: createIntelLookup(loadIntelLists(join(playbookDir, 'intel'))),
        now: clock.now,
        random: () => 0.5,
      });
      return [{ plugin: playbookRoutes, options: { runner, runs: store.runs } }];
    },
  });
}

/** Loads a playbook written in the test, with connectors pointing at the receiver. */
function testPlaybook(yaml: string): { playbooks: Playbook[]; connectors: ConnectorConfig[] } {
  const dir = mkdtempSync(join(tmp, 'pb-'));
  writeFileSync(
    join(dir, 'connectors.yml'),
    `connectors:
  notify:
    url: \${PLAYBOOK_NOTIFY_URL}
    body: { text: "{{ input.message }}" }
  firewall:
    url: \${PLAYBOOK_FIREWALL_URL}/blocks
    auth: { type: bearer, token_env: PLAYBOOK_FIREWALL_TOKEN }
    body: { ip: "{{ input.ip }}" }
    success: { status: [201], json_path: result, equals: blocked }
`,
  );
  writeFileSync(join(dir, 'p.yml'), yaml);
  const r = loadPlaybooks({ paths: [dir] });
  expect(r.errors.map((e) => e.message)).toEqual([]);
  return { playbooks: r.playbooks, connectors: r.connectors };
}

async function createIncident(overrides: Parameters<typeof sshIncident>[0] = {}) {
  return t.store.incidents.create(sshIncident(overrides));
}

function createdNotice(incidentId: string): Notice {
  return { id: newId(), type: 'incident.created', at: clock.now().toISOString(), incidentId, data: {} };
}

async function start(incidentId: string): Promise<PlaybookRun> {
  const ids = await runner.onNotice(createdNotice(incidentId));
  expect(ids).toHaveLength(1);
  await runner.settle();
  const run = await runner.getRun(ids[0]);
  if (!run) throw new Error('run not stored');
  return run;
}

function stepOf(run: PlaybookRun | undefined, id: string) {
  const s = run?.steps.find((x) => x.stepId === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

function stepLines(timeline: TimelineEntry[]): string[] {
  return timeline.filter((e) => e.kind === 'playbook_step').map((e) => `${e.data.step}:${e.data.status}`);
}

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'vigil-pbrun-'));
  clock = manualClock();
  rx = await startReceiver((req, res) => {
    if (req.url.startsWith('/fw')) reply(201, { result: 'blocked', id: 'blk-1' })(req, res, 0);
    else reply(200, { ok: true })(req, res, 0);
  });
});

afterEach(async () => {
  await runner?.settle();
  await t?.close();
  await rx.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('SSH brute force playbook', () => {
  it('notifies, waits for approval, blocks the source IP after approval through the route, and contains', async () => {
    await setup();
    const inc = await createIncident();
    const run = await start(inc.id);

    // Notified, triaged, and now waiting: the firewall has not been called.
    expect(rx.at('/notify')).toHaveLength(1);
    const note = rx.at('/notify')[0];
    expect(String((note.body as { text: string }).text)).toContain('from 203.0.113.7 (14 alerts');
    expect(note.headers['idempotency-key']).toBe(stepOf(run, 'notify_oncall').idempotencyKey);
    expect(rx.at('/fw')).toHaveLength(0);
    expect(run.status).toBe('waiting_approval');
    expect((await t.store.incidents.get(inc.id))?.state).toBe('triaged');

    const list = await t.app.inject({ method: 'GET', url: `/api/v1/playbook-runs?incident=${inc.id}`, headers: t.auth('analyst') });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((r: { id: string; waitingFor: string }) => [r.id, r.waitingFor])).toEqual([[run.id, 'approve_block']]);
    const waitingOnly = await t.app.inject({ method: 'GET', url: '/api/v1/playbook-runs?status=waiting_approval', headers: t.auth('responder') });
    expect(waitingOnly.json().items.map((r: { id: string }) => r.id)).toEqual([run.id]);
    const failedOnly = await t.app.inject({ method: 'GET', url: '/api/v1/playbook-runs?status=failed&status=cancelled', headers: t.auth('responder') });
    expect(failedOnly.json().items).toEqual([]);

    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/playbook-runs/${run.id}/approve`,
      headers: t.auth('responder'),
      payload: { reason: 'confirmed attack, 14 failed logins' },
    });
    expect(res.statusCode).toBe(200);
    await runner.settle();

    // The firewall got the right address, once, with the step's idempotency key and the token.
    const done = await runner.getRun(run.id);
    const fw = rx.at('/fw');
    expect(fw).toHaveLength(1);
    expect(fw[0].url).toBe('/fw/blocks');
    expect(fw[0].body).toMatchObject({ ip: '203.0.113.7', duration_seconds: 86400 });
    expect(fw[0].headers['idempotency-key']).toBe(stepOf(done, 'block_source_ip').idempotencyKey);
    expect(fw[0].headers.authorization).toBe('Bearer fw-token-123');

    const after = await t.store.incidents.get(inc.id);
    expect(after?.state).toBe('contained');
    const containment = after?.fields.containment as Record<string, unknown> | undefined;
    expect(containment).toMatchObject({ action: 'block_ip', ip: '203.0.113.7', approval_reason: 'confirmed attack, 14 failed logins' });
    expect(String(containment?.approved_by)).toContain('test-responder');

    expect(done?.status).toBe('succeeded');
    const decision = stepOf(done, 'approve_block').decision;
    expect(decision?.approved).toBe(true);
    expect(decision?.by).toMatch(/^test-responder \(key:/);
    expect(decision?.reason).toBe('confirmed attack, 14 failed logins');

    const audit = await t.store.audit.list({ action: 'playbook.approve' }, { limit: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0].target).toBe(run.id);
    expect(audit.items[0].actor).toContain('key:');
    expect(audit.items[0].after).toMatchObject({ step: 'approve_block', stepStatus: 'succeeded', reason: 'confirmed attack, 14 failed logins' });

    // The whole story on the incident timeline, in order.
    const timeline = await t.store.incidents.timeline(inc.id);
    expect(timeline.map((e) => e.kind).filter((k) => k !== 'playbook_step')).toEqual(['playbook_run', 'transition', 'transition', 'playbook_run']);
    expect(stepLines(timeline)).toEqual([
      'notify_oncall:running',
      'notify_oncall:succeeded',
      'triage:running',
      'triage:succeeded',
      'lookup_source:running',
      'lookup_source:succeeded',
      'approve_block:waiting_approval',
      'approve_block:succeeded',
      'block_source_ip:running',
      'block_source_ip:succeeded',
      'contain:running',
      'contain:succeeded',
      'record_containment:running',
      'record_containment:succeeded',
    ]);
    const approval = timeline.find((e) => e.data.step === 'approve_block' && e.data.status === 'succeeded');
    expect(approval?.actor).toMatch(/^key:/);
    const block = timeline.find((e) => e.data.step === 'block_source_ip' && e.data.status === 'succeeded');
    expect(block?.data).toMatchObject({ phase: 'respond', kind: 'block_ip', attempt: 1 });
    expect(String(block?.data.output)).toContain('blk-1');
    expect(timeline.at(-1)?.data).toMatchObject({ status: 'succeeded', playbook: 'ssh_bruteforce' });

    // Every step transition also went out as a playbook.step notice.
    const msgs = await notices.consume('test', 'c1', { count: 100 });
    expect(msgs.map((m) => m.body.type).every((x) => x === 'playbook.step')).toBe(true);
    expect(msgs.map((m) => `${m.body.data.step}:${m.body.data.status}`)).toEqual(stepLines(timeline));
  });

  it('a notice delivered twice starts one run', async () => {
    await setup();
    const inc = await createIncident();
    const n = createdNotice(inc.id);
    const first = await runner.onNotice(n);
    const second = await runner.onNotice(n);
    await runner.settle();
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
    expect((await t.store.runs.list({ incidentId: inc.id }, { limit: 10 })).items).toHaveLength(1);
    expect(rx.at('/notify')).toHaveLength(1);
  });

  it('an incident that does not match the trigger starts nothing', async () => {
    await setup();
    const inc = await createIncident({ title: 'Port scan from 203.0.113.7' });
    expect(await runner.onNotice(createdNotice(inc.id))).toEqual([]);
  });

  it('deny: the firewall is never called, the run is cancelled, who and why are recorded', async () => {
    await setup();
    const inc = await createIncident();
    const run = await start(inc.id);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/playbook-runs/${run.id}/deny`,
      headers: t.auth('analyst'),
      payload: { reason: 'our own pentest', step: 'approve_block' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    await runner.settle();
    expect(rx.at('/fw')).toHaveLength(0);
    const after = await runner.getRun(run.id);
    expect(after?.status).toBe('cancelled');
    expect(stepOf(after, 'approve_block')).toMatchObject({ status: 'denied', decision: { approved: false, reason: 'our own pentest' } });
    expect(stepOf(after, 'block_source_ip').status).toBe('pending');
    expect((await t.store.incidents.get(inc.id))?.state).toBe('triaged');
    const timeline = await t.store.incidents.timeline(inc.id);
    expect(stepLines(timeline).slice(-1)).toEqual(['approve_block:denied']);
    expect(timeline.at(-1)?.data).toMatchObject({ status: 'cancelled', deniedStep: 'approve_block', reason: 'our own pentest' });

    // Deciding again is refused with the state it is in.
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('responder'), payload: { reason: 'changed my mind' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain('no step is waiting for approval (run is cancelled)');
  });

  it('roles: compliance cannot approve; a reason is required', async () => {
    await setup();
    const inc = await createIncident();
    const run = await start(inc.id);
    const forbidden = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('compliance'), payload: { reason: 'x' } });
    expect(forbidden.statusCode).toBe(403);
    const noReason = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('responder'), payload: {} });
    expect(noReason.statusCode).toBe(400);
    expect((await runner.getRun(run.id))?.status).toBe('waiting_approval');
  });

  it('an approval nobody decides is denied by its timeout', async () => {
    await setup();
    const inc = await createIncident();
    const run = await start(inc.id);
    clock.advance(4 * 3600_000 - 1);
    await runner.tick();
    expect((await runner.getRun(run.id))?.status).toBe('waiting_approval');
    clock.advance(1);
    await runner.tick();
    const after = await runner.getRun(run.id);
    expect(after?.status).toBe('cancelled');
    expect(stepOf(after, 'approve_block').decision).toMatchObject({ approved: false, by: 'system' });
    expect(stepOf(after, 'approve_block').decision?.reason).toContain('approval timeout (4h)');
    expect(rx.at('/fw')).toHaveLength(0);
  });

  it('dry-run shows the plan with the rendered inputs and calls nothing', async () => {
    await setup();
    const inc = await createIncident();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/playbooks/ssh_bruteforce/dry-run', headers: t.auth('analyst'), payload: { incident: inc.id } });
    expect(res.statusCode).toBe(200);
    const plan = res.json();
    expect(plan.triggerMatches).toBe(true);
    const block = plan.steps.find((s: { id: string }) => s.id === 'block_source_ip');
    expect(block).toMatchObject({ kind: 'block_ip', destructive: true, phase: 'respond', input: { ip: '203.0.113.7', duration: '24h' } });
    expect(block.plan).toBe(`block 203.0.113.7 for 24h via POST ${rx.url}/fw/blocks {"ip":"203.0.113.7","duration_seconds":86400,"comment":"SSH brute force, Vigil incident ${inc.id}","reference":"vigil incident ${inc.id}"}`);
    const record = plan.steps.find((s: { id: string }) => s.id === 'record_containment');
    expect(record.input.fields.containment.ip).toBe('<steps.block_source_ip.input.ip>');
    expect(plan.steps.find((s: { id: string }) => s.id === 'triage').runs).toBe('yes');
    expect(rx.requests).toHaveLength(0);
    expect((await t.store.runs.list({}, { limit: 10 })).items).toHaveLength(0);
    expect((await t.store.incidents.get(inc.id))?.state).toBe('new');

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/playbooks', headers: t.auth('responder') });
    const ssh = list.json().items.find((p: { id: string }) => p.id === 'ssh_bruteforce');
    expect(ssh.trigger).toEqual({
      on: ['incident.created'],
      when: { all: [{ field: 'incident.title', contains: 'ssh' }, { any: [{ field: 'incident.title', contains: 'brute' }, { field: 'incident.title', contains: 'failed' }] }, { field: 'observables.ip', exists: true }] },
    });
    expect(ssh.steps.map((s: { id: string; kind: string; phase: string }) => `${s.phase}/${s.kind}/${s.id}`)).toEqual([
      'warn/notify/notify_oncall',
      'warn/transition/triage',
      'warn/enrich/lookup_source',
      'respond/approval/approve_block',
      'respond/block_ip/block_source_ip',
      'respond/transition/contain',
      'respond/set_fields/record_containment',
    ]);
  });
});

const retryPlaybook = `
id: retry_test
title: Retry test
trigger: { on: incident.created }
steps:
  - id: tell
    phase: warn
    kind: notify
    retry: { max_attempts: 3, initial: 1s, factor: 2, max: 10s }
    with: { message: "about {{ incident.title }}" }
  - id: mark
    phase: warn
    kind: set_fields
    with: { fields: { told: "{{ steps.tell.output.status }}" } }
`;

describe('retries, final failures and timeouts', () => {
  it('503 is retried after a jittered backoff with the same idempotency key, then succeeds', async () => {
    await setup(testPlaybook(retryPlaybook));
    rx.respond((req, res, n) => reply(n === 1 ? 503 : 200, { ok: n !== 1 })(req, res, n));
    const inc = await createIncident();
    const run = await start(inc.id);

    const waiting = stepOf(run, 'tell');
    expect(waiting.status).toBe('pending');
    expect(waiting.attempt).toBe(1);
    expect(waiting.error?.message).toContain('answered 503');
    expect(waiting.error?.retryable).toBe(true);
    // Full jitter with random() = 0.5 over the first cap of 1 s.
    expect(Date.parse(waiting.nextAttemptAt ?? '') - clock.now().getTime()).toBe(500);
    expect(run.wakeAt).toBe(waiting.nextAttemptAt);

    clock.advance(499);
    await runner.tick();
    expect(rx.requests).toHaveLength(1);

    clock.advance(1);
    await runner.tick();
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1].headers['idempotency-key']).toBe(rx.requests[0].headers['idempotency-key']);
    const done = await runner.getRun(run.id);
    expect(done?.status).toBe('succeeded');
    expect(stepOf(done, 'tell')).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect((await t.store.incidents.get(inc.id))?.fields.told).toBe(200);
    const lines = stepLines(await t.store.incidents.timeline(inc.id));
    expect(lines).toEqual(['tell:running', 'tell:pending', 'tell:running', 'tell:succeeded', 'mark:running', 'mark:succeeded']);
  });

  it('a 400 is final: one call, the run fails with the reply in the error', async () => {
    await setup(testPlaybook(retryPlaybook));
    rx.respond(reply(400, { error: 'bad channel' }));
    const inc = await createIncident();
    const run = await start(inc.id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'tell')).toMatchObject({ status: 'failed', attempt: 1 });
    expect(stepOf(run, 'tell').error).toMatchObject({ code: 'ACTION_REFUSED', retryable: false });
    expect(stepOf(run, 'tell').error?.message).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/notify answered 400 \(expected 2xx\), not retried: \{"error":"bad channel"\}/);
    expect(stepOf(run, 'mark').status).toBe('pending');
    clock.advance(3600_000);
    await runner.tick();
    expect(rx.requests).toHaveLength(1);
    const timeline = await t.store.incidents.timeline(inc.id);
    expect(timeline.at(-1)?.data).toMatchObject({ status: 'failed', failedStep: 'tell' });
  });

  it('429 and 408 are retried; attempts run out into a failure', async () => {
    await setup(testPlaybook(retryPlaybook));
    rx.respond((req, res, n) => reply(n === 1 ? 429 : 408)(req, res, n));
    const inc = await createIncident();
    const run = await start(inc.id);
    for (let i = 0; i < 3; i++) {
      clock.advance(10_000);
      await runner.tick();
    }
    expect(rx.requests).toHaveLength(3);
    const done = await runner.getRun(run.id);
    expect(done?.status).toBe('failed');
    expect(stepOf(done, 'tell')).toMatchObject({ status: 'failed', attempt: 3 });
  });

  it('a step that outlives its timeout is aborted and retried, then fails', async () => {
    const { playbooks, connectors } = testPlaybook(
      retryPlaybook.replace('retry: { max_attempts: 3, initial: 1s, factor: 2, max: 10s }', 'timeout: 150ms\n    retry: { max_attempts: 2, initial: 1s }'),
    );
    await setup({ playbooks, connectors });
    rx.respond(() => {
      /* never answers */
    });
    const inc = await createIncident();
    const run = await start(inc.id);
    expect(stepOf(run, 'tell').error?.message).toBe('step tell (notify): timed out after 150 ms');
    expect(stepOf(run, 'tell').status).toBe('pending');
    clock.advance(1000);
    await runner.tick();
    const done = await runner.getRun(run.id);
    expect(done?.status).toBe('failed');
    expect(stepOf(done, 'tell')).toMatchObject({ status: 'failed', attempt: 2 });
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[0].headers['idempotency-key']).toBe(rx.requests[1].headers['idempotency-key']);
  });

  it('a connector success condition on the reply body', async () => {
    const { playbooks, connectors } = testPlaybook(`
id: fw_test
title: Firewall success condition
trigger: { on: incident.created }
steps:
  - { id: ok, phase: respond, kind: approval, with: { prompt: go } }
  - { id: block, phase: respond, kind: block_ip, retry: { max_attempts: 1 }, with: { connector: firewall, ip: "{{ observables.ip[0].value }}" } }
`);
    await setup({ playbooks, connectors });
    rx.respond(reply(201, { result: 'queued' }));
    const inc = await createIncident();
    const run = await start(inc.id);
    await runner.approve(run.id, undefined, { id: 'key:1', name: 'alice', role: 'responder' }, 'go');
    await runner.settle();
    const done = await runner.getRun(run.id);
    expect(done?.status).toBe('failed');
    expect(stepOf(done, 'block').error?.message).toContain('but result is "queued" (expected "blocked")');
  });
});

describe('branches, conditions and the approval guard', () => {
  it('a branch on an enrichment result skips the steps it jumps over', async () => {
    const { playbooks, connectors } = testPlaybook(`
id: branch_test
title: Branch test
trigger: { on: incident.created }
steps:
  - { id: lookup, phase: warn, kind: enrich, with: { type: hash, observable: "{{ observables.hash[0].value }}" } }
  - { id: known, phase: respond, kind: branch, with: { if: { field: steps.lookup.output.found, equals: true }, else: review } }
  - { id: bad, phase: respond, kind: set_fields, with: { fields: { verdict: "bad: {{ steps.lookup.output.lists | join }}" } } }
  - { id: review, phase: warn, kind: set_fields, when: { field: steps.lookup.output.found, equals: false }, with: { fields: { verdict: review } } }
`);
    await setup({ playbooks, connectors });
    const seen = '2026-03-01T10:00:00.000Z';
    const eicar = await createIncident({ fields: { observables: [{ type: 'hash', value: '44D88612FEA8A8F36DE82E1278ABB02F', count: 1, firstSeen: seen, lastSeen: seen }] } });
    const unknown = await createIncident({ fields: { observables: [{ type: 'hash', value: 'ffffffffffffffffffffffffffffffff', count: 1, firstSeen: seen, lastSeen: seen }] } });
    const r1 = await start(eicar.id);
    const r2 = await start(unknown.id);
    expect(r1.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'skipped']);
    expect((await t.store.incidents.get(eicar.id))?.fields.verdict).toBe('bad: known-bad-hashes');
    expect(r2.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'skipped', 'succeeded']);
    expect((await t.store.incidents.get(unknown.id))?.fields.verdict).toBe('review');
  });

  it('a destructive step whose approval was skipped by its condition does not run', async () => {
    const { playbooks, connectors } = testPlaybook(`
id: guard_test
title: Guard test
trigger: { on: incident.created }
steps:
  - { id: ok, phase: respond, kind: approval, when: { field: incident.severity, equals: critical }, with: { prompt: go } }
  - { id: block, phase: respond, kind: block_ip, with: { connector: firewall, ip: 203.0.113.9 } }
`);
    await setup({ playbooks, connectors });
    const inc = await createIncident({ severity: 'high' });
    const run = await start(inc.id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'ok').status).toBe('skipped');
    expect(stepOf(run, 'block').error).toMatchObject({ code: 'PLAYBOOK_APPROVAL_REQUIRED' });
    expect(rx.requests).toHaveLength(0);
  });

  it('approvers: a role not listed may not decide', async () => {
    const { playbooks, connectors } = testPlaybook(`
id: roles_test
title: Roles test
trigger: { on: incident.created }
steps:
  - { id: ok, phase: respond, kind: approval, with: { prompt: go, approvers: [responder] } }
`);
    await setup({ playbooks, connectors });
    const inc = await createIncident();
    const run = await start(inc.id);
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('analyst'), payload: { reason: 'x' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain('may be decided by responder (you are analyst)');
    const ok = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('responder'), payload: { reason: 'x' } });
    expect(ok.statusCode).toBe(200);
  });

  it('unknown runs, steps and playbooks are 404s naming what exists', async () => {
    await setup();
    const inc = await createIncident();
    const run = await start(inc.id);
    const get = await t.app.inject({ method: 'GET', url: '/api/v1/playbook-runs/nope', headers: t.auth('analyst') });
    expect(get.statusCode).toBe(404);
    const step = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('responder'), payload: { reason: 'x', step: 'block' } });
    expect(step.statusCode).toBe(404);
    expect(step.json().message).toContain("no step 'block' (steps: notify_oncall, triage, lookup_source, approve_block, block_source_ip, contain, record_containment)");
    const notWaiting = await t.app.inject({ method: 'POST', url: `/api/v1/playbook-runs/${run.id}/approve`, headers: t.auth('responder'), payload: { reason: 'x', step: 'contain' } });
    expect(notWaiting.statusCode).toBe(409);
    expect(notWaiting.json().message).toContain("step 'contain' is pending, not waiting for approval (waiting: approve_block)");
    const dry = await t.app.inject({ method: 'POST', url: '/api/v1/playbooks/nope/dry-run', headers: t.auth('analyst'), payload: { incident: inc.id } });
    expect(dry.statusCode).toBe(404);
    expect(dry.json().message).toContain("playbook 'nope' is not loaded (loaded: ");
  });

  it('a run keeps the definition it started with when the playbook file changes', async () => {
    const v1 = testPlaybook(`
id: pinned
title: Pinned v1
trigger: { on: incident.created }
steps:
  - { id: ok, phase: respond, kind: approval, with: { prompt: go } }
  - { id: tell, phase: warn, kind: notify, with: { message: "v1 {{ incident.id }}" } }
`);
    await setup(v1);
    const inc = await createIncident();
    const run = await start(inc.id);
    const v2 = testPlaybook(`
id: pinned
title: Pinned v2
trigger: { on: incident.created }
steps:
  - { id: ok, phase: respond, kind: approval, with: { prompt: go } }
  - { id: tell, phase: warn, kind: notify, with: { message: "v2 {{ incident.id }}" } }
  - { id: more, phase: warn, kind: notify, with: { message: "extra" } }
`);
    expect(v2.playbooks[0].version).not.toBe(v1.playbooks[0].version);
    // A restarted process with the edited file: the waiting run still follows v1.
    const restarted = createPlaybookRunner({
      store: t.store.runs,
      incidents: storePort(t.store.incidents, clock.now),
      playbooks: v2.playbooks,
      connectors: createConnectorClient({ connectors: v2.connectors, env: { PLAYBOOK_NOTIFY_URL: `${rx.url}/notify` } }),
      now: clock.now,
    });
    await restarted.approve(run.id, 'ok', { id: 'key:1', name: 'alice', role: 'responder' }, 'fine');
    await restarted.settle();
    const done = await restarted.getRun(run.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.playbookVersion).toBe(v1.playbooks[0].version);
    expect(done?.steps.map((s) => s.stepId)).toEqual(['ok', 'tell']);
    expect(rx.requests.map((r) => r.body)).toEqual([{ text: `v1 ${inc.id}` }]);
  });

  it('a run keeps the playbook version it started with', async () => {
    await setup();
    const inc = await createIncident();
    const run = await start(inc.id);
    const ssh = runner.playbooks().find((p) => p.id === 'ssh_bruteforce');
    expect(run.playbookVersion).toBe(ssh?.version);
    const view = await t.app.inject({ method: 'GET', url: `/api/v1/playbook-runs/${run.id}`, headers: t.auth('analyst') });
    expect(view.json()).toMatchObject({ playbookId: 'ssh_bruteforce', playbookVersion: ssh?.version, waitingFor: 'approve_block' });
    expect(view.json().steps[0]).toMatchObject({ stepId: 'notify_oncall', kind: 'notify', phase: 'warn', status: 'succeeded' });
  });
});

describe('triggers and several runners', () => {
  it('a state change triggers a playbook whose condition reads the notice', async () => {
    const { playbooks, connectors } = testPlaybook(`
id: on_close
title: Tell when closed as true positive
trigger:
  on: incident.state_changed
  when: [{ field: trigger.data.to, equals: closed }, { field: trigger.data.resolution, equals: true_positive }]
steps:
  - { id: tell, phase: review, kind: notify, with: { message: "closed {{ incident.id }} ({{ trigger.data.resolution }})" } }
`);
    await setup({ playbooks, connectors });
    const inc = await createIncident();
    const notice = (data: Record<string, unknown>): Notice => ({ id: newId(), type: 'incident.state_changed', at: clock.now().toISOString(), incidentId: inc.id, data });
    expect(await runner.onNotice(notice({ from: 'new', to: 'triaged' }))).toEqual([]);
    expect(await runner.onNotice({ ...notice({ to: 'closed', resolution: 'true_positive' }), type: 'incident.updated' })).toEqual([]);
    expect(await runner.onNotice(notice({ from: 'triaged', to: 'closed', resolution: 'true_positive' }))).toHaveLength(1);
    await runner.settle();
    expect(rx.requests.map((r) => r.body)).toEqual([{ text: `closed ${inc.id} (true_positive)` }]);
  });

  it('two runners ticking the same due run: the step runs once', async () => {
    await setup(testPlaybook(retryPlaybook));
    rx.respond((req, res, n) => reply(n === 1 ? 503 : 200)(req, res, n));
    const inc = await createIncident();
    const run = await start(inc.id);
    expect(stepOf(run, 'tell').status).toBe('pending');
    clock.advance(1000);
    const second = otherRunner();
    await Promise.all([runner.tick(), second.tick()]);
    await Promise.all([runner.settle(), second.settle()]);
    // Both may have started the retry; the versioned claim lets only one call out.
    const done = await runner.getRun(run.id);
    expect(rx.requests).toHaveLength(2);
    expect(stepOf(done, 'tell')).toMatchObject({ status: 'succeeded', attempt: 2 });
    // Whatever the other runner left behind is finished by the next tick.
    await runner.tick();
    expect((await runner.getRun(run.id))?.status).toBe('succeeded');
  });

  it('an http_request step written in the playbook sends the idempotency key', async () => {
    const { playbooks, connectors } = testPlaybook(`
id: raw_http
title: Ticket
trigger: { on: incident.created }
steps:
  - id: ticket
    phase: warn
    kind: http_request
    with:
      method: POST
      url: "RX/tickets"
      headers: { x-source: vigil }
      body: { summary: "{{ incident.title }}", hosts: "{{ incident.hosts }}" }
      success_status: [201]
  - { id: keep, phase: warn, kind: set_fields, with: { fields: { ticket: "{{ steps.ticket.output.body.id }}" } } }
`.replace('RX/', `${rx.url}/`));
    await setup({ playbooks, connectors });
    rx.respond(reply(201, { id: 'T-42' }));
    const inc = await createIncident();
    const run = await start(inc.id);
    expect(run.status).toBe('succeeded');
    expect(rx.requests[0]).toMatchObject({ method: 'POST', url: '/tickets', body: { summary: inc.title, hosts: ['web-1'] } });
    expect(rx.requests[0].headers['x-source']).toBe('vigil');
    expect(rx.requests[0].headers['idempotency-key']).toBe(stepOf(run, 'ticket').idempotencyKey);
    expect((await t.store.incidents.get(inc.id))?.fields.ticket).toBe('T-42');
  });
});
