// Durability across a crash: a child process running a playbook on a real SQLite file is
// SIGKILLed after step A finished and while step B is `running` (its HTTP call in flight). A new
// runner on the same file resumes: A is not repeated, B is retried with the same idempotency key,
// and the run completes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { StorageEngine } from '../../../core/storage/types.ts';
import { createConnectorClient, createPlaybookRunner, loadPlaybooks } from '../../../response/playbooks/index.ts';
import { type Receiver, reply, sshIncident, startReceiver, storePort } from './helpers.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childScript = fileURLToPath(new URL('./run-child.ts', import.meta.url));

const playbook = `
id: restart_test
title: Restart test
trigger: { on: incident.created }
steps:
  - { id: step_a, phase: warn, kind: notify, with: { connector: hook_a, message: "A for {{ incident.id }}" } }
  - { id: step_b, phase: warn, kind: notify, timeout: 20s, with: { connector: hook_b, message: "B for {{ incident.id }}" } }
  - { id: step_c, phase: respond, kind: transition, with: { to: triaged } }
`;
const connectors = `
connectors:
  hook_a: { url: "\${PLAYBOOK_HOOK_URL}/a", body: { text: "{{ input.message }}" } }
  hook_b: { url: "\${PLAYBOOK_HOOK_URL}/b", body: { text: "{{ input.message }}" } }
`;

let dir: string;
let rx: Receiver;
let child: ChildProcess | undefined;
let store: StorageEngine | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-pbrestart-'));
});

afterEach(async () => {
  child?.kill('SIGKILL');
  await store?.close();
  await rx?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a run interrupted by a crash', () => {
  it('resumes on a new runner without repeating the finished step, retrying the running one with the same key', async () => {
    const pbDir = join(dir, 'playbooks');
    const dataDir = join(dir, 'data');
    mkdirSync(pbDir);
    writeFileSync(join(pbDir, 'restart.yml'), playbook);
    writeFileSync(join(pbDir, 'connectors.yml'), connectors);

    // Step B's first call never gets an answer: the child is killed while waiting for it.
    let killedMidStep = false;
    rx = await startReceiver((req, res, _n) => {
      if (req.url === '/b' && rx.at('/b').length === 1) {
        killedMidStep = true;
        child?.kill('SIGKILL');
        return;
      }
      reply(200)(req, res, 0);
    });

    const first = createSqliteEngine({ dataDir });
    const inc = await first.incidents.create(sshIncident());
    await first.close();

    child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PB_DATA_DIR: dataDir, PB_DIR: pbDir, PB_INCIDENT: inc.id, PB_NOTICE: 'notice-1', PLAYBOOK_HOOK_URL: rx.url },
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    await new Promise((resolve) => child?.once('exit', resolve));
    expect(killedMidStep, out).toBe(true);
    expect(child.signalCode).toBe('SIGKILL');
    expect(out).not.toContain('settled');

    // What the crash left on disk: A succeeded, B running (attempt 1), C never started.
    store = createSqliteEngine({ dataDir });
    const [left] = (await store.runs.list({ incidentId: inc.id }, { limit: 5 })).items;
    expect(left.steps.map((s) => `${s.stepId}:${s.status}:${s.attempt}`)).toEqual(['step_a:succeeded:1', 'step_b:running:1', 'step_c:pending:0']);
    expect(rx.at('/a')).toHaveLength(1);
    expect(rx.at('/b')).toHaveLength(1);
    const keyB = rx.at('/b')[0].headers['idempotency-key'];
    expect(keyB).toBe(left.steps[1].idempotencyKey);

    const loaded = loadPlaybooks({ paths: [pbDir] });
    const make = (exclusive: boolean, now: () => Date) =>
      createPlaybookRunner({
        store: store!.runs,
        incidents: storePort(store!.incidents, now),
        playbooks: loaded.playbooks,
        connectors: createConnectorClient({ connectors: loaded.connectors, env: { PLAYBOOK_HOOK_URL: rx.url } }),
        now,
        exclusive,
      });

    // A runner sharing the store with others leaves B alone while the dead runner's lease lasts…
    const shared = make(false, () => new Date());
    await shared.resume();
    expect(rx.at('/b')).toHaveLength(1);

    // …and the next runner of a single-process deployment takes it over at once.
    const restarted = make(true, () => new Date());
    expect(await restarted.resume()).toBe(1);
    await restarted.settle();

    expect(rx.at('/a')).toHaveLength(1);
    expect(rx.at('/b')).toHaveLength(2);
    expect(rx.at('/b')[1].headers['idempotency-key']).toBe(keyB);
    const done = await store.runs.get(left.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.steps.map((s) => `${s.stepId}:${s.status}:${s.attempt}`)).toEqual(['step_a:succeeded:1', 'step_b:succeeded:2', 'step_c:succeeded:1']);
    expect((await store.incidents.get(inc.id))?.state).toBe('triaged');

    const lines = (await store.incidents.timeline(inc.id)).filter((e) => e.kind === 'playbook_step').map((e) => `${e.data.step}:${e.data.status}:${e.data.attempt}`);
    expect(lines).toEqual([
      'step_a:running:1',
      'step_a:succeeded:1',
      'step_b:running:1',
      'step_b:running:2',
      'step_b:succeeded:2',
      'step_c:running:1',
      'step_c:succeeded:1',
    ]);
  });

  it('a runner sharing the store retries the step once the lease has passed', async () => {
    // Same crash shape, produced directly on disk: step B claimed with a lease that has expired.
    const pbDir = join(dir, 'pb2');
    mkdirSync(pbDir);
    writeFileSync(join(pbDir, 'restart.yml'), playbook);
    writeFileSync(join(pbDir, 'connectors.yml'), connectors);
    rx = await startReceiver(reply(200));
    store = createSqliteEngine({ dataDir: join(dir, 'data2') });
    const inc = await store.incidents.create(sshIncident());
    const loaded = loadPlaybooks({ paths: [pbDir] });
    let nowMs = Date.parse('2026-03-01T10:00:00.000Z');
    const now = () => new Date(nowMs);
    const runner = createPlaybookRunner({
      store: store.runs,
      incidents: storePort(store.incidents, now),
      playbooks: loaded.playbooks,
      connectors: createConnectorClient({ connectors: loaded.connectors, env: { PLAYBOOK_HOOK_URL: rx.url } }),
      now,
    });
    const [runId] = await runner.onNotice({ id: 'n2', type: 'incident.created', at: now().toISOString(), incidentId: inc.id, data: {} });
    await runner.settle();
    const finished = await store.runs.get(runId);
    // Rewind the stored run to "B claimed, result never written", as a crash would leave it.
    const crashed = finished!.steps.map((s, i) =>
      i === 1 ? { ...s, status: 'running' as const, output: undefined, finishedAt: undefined } : i === 2 ? { stepId: s.stepId, status: 'pending' as const, attempt: 0, idempotencyKey: s.idempotencyKey } : s,
    );
    const leaseUntil = new Date(nowMs + 25_000).toISOString();
    await store.runs.update(runId, finished!.version, { status: 'running', steps: crashed, wakeAt: leaseUntil });

    nowMs += 24_000;
    expect(await runner.tick()).toBe(0);
    nowMs += 1_000;
    expect(await runner.tick()).toBe(1);
    const done = await store.runs.get(runId);
    expect(done?.status).toBe('succeeded');
    expect(done?.steps[1]).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(rx.at('/b')).toHaveLength(2);
    expect(rx.at('/b')[0].headers['idempotency-key']).toBe(rx.at('/b')[1].headers['idempotency-key']);
    expect(rx.at('/a')).toHaveLength(1);
  });
});
