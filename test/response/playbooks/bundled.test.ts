// The four other bundled playbooks against real local HTTP servers standing in for the EDR, the
// directory, the firewall, the reputation service and the chat webhook.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../core/auth/api-keys.ts';
import { newId } from '../../../core/ids.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { NewIncident, PlaybookRun, StorageEngine } from '../../../core/storage/types.ts';
import { createConnectorClient, createIntelLookup, createPlaybookRunner, loadIntelLists, loadPlaybooks, type PlaybookRunner } from '../../../response/playbooks/index.ts';
import { manualClock, playbookDir, type Receiver, reply, sshIncident, startReceiver, storePort } from './helpers.ts';

const responder: Actor = { id: 'key:r1', name: 'rita', role: 'responder' };
const seen = '2026-03-01T10:00:00.000Z';
const obs = (type: string, value: string, count = 1) => ({ type, value, count, firstSeen: seen, lastSeen: seen });

let dir: string;
let store: StorageEngine;
let rx: Receiver;
let runner: PlaybookRunner;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-pbbundled-'));
  store = createSqliteEngine({ dataDir: dir });
  rx = await startReceiver((req, res) => {
    if (req.url.startsWith('/rep/files/44d88612fea8a8f36de82e1278abb02f')) reply(200, { verdict: 'malicious', engines: 61 })(req, res, 0);
    else if (req.url.startsWith('/rep/')) reply(404, { error: 'unknown' })(req, res, 0);
    else if (req.url.startsWith('/fw')) reply(201, { id: 'b1' })(req, res, 0);
    else reply(200, { ok: true })(req, res, 0);
  });
  const loaded = loadPlaybooks({ paths: [playbookDir] });
  const clock = manualClock();
  runner = createPlaybookRunner({
    store: store.runs,
    incidents: storePort(store.incidents, clock.now),
    playbooks: loaded.playbooks,
    connectors: createConnectorClient({
      connectors: loaded.connectors,
      env: {
        PLAYBOOK_NOTIFY_URL: `${rx.url}/notify`,
        PLAYBOOK_FIREWALL_URL: `${rx.url}/fw`,
        PLAYBOOK_FIREWALL_TOKEN: 'fw-t',
        PLAYBOOK_EDR_URL: `${rx.url}/edr`,
        PLAYBOOK_EDR_TOKEN: 'edr-t',
        PLAYBOOK_DIRECTORY_URL: `${rx.url}/dir`,
        PLAYBOOK_DIRECTORY_TOKEN: 'dir-t',
        PLAYBOOK_HASH_LOOKUP_URL: `${rx.url}/rep`,
        PLAYBOOK_HASH_LOOKUP_KEY: 'rep-k',
      },
    }),
    intel: createIntelLookup(loadIntelLists(join(playbookDir, 'intel'))),
    now: clock.now,
    random: () => 0.5,
  });
});

afterEach(async () => {
  await runner.settle();
  await store.close();
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trigger(incident: Partial<NewIncident>): Promise<{ id: string; runs: PlaybookRun[] }> {
  const inc = await store.incidents.create(sshIncident({ hosts: [], users: [], fields: {}, ...incident }));
  const ids = await runner.onNotice({ id: newId(), type: 'incident.created', at: seen, incidentId: inc.id, data: {} });
  await runner.settle();
  const runs = await Promise.all(ids.map(async (id) => (await store.runs.get(id)) as PlaybookRun));
  return { id: inc.id, runs };
}

function statuses(run: PlaybookRun | undefined): Record<string, string> {
  return Object.fromEntries((run?.steps ?? []).map((s) => [s.stepId, s.status]));
}

async function approve(run: PlaybookRun): Promise<PlaybookRun> {
  await runner.approve(run.id, undefined, responder, 'go ahead');
  await runner.settle();
  return (await store.runs.get(run.id)) as PlaybookRun;
}

describe('malware on a host', () => {
  it('a known-bad hash: looked up, isolation after approval, contained', async () => {
    const { id, runs } = await trigger({
      title: 'Malware detected on ws-7',
      hosts: ['ws-7'],
      fields: { observables: [obs('hash', '44d88612fea8a8f36de82e1278abb02f'), obs('host', 'ws-7')] },
    });
    expect(runs.map((r) => r.playbookId)).toEqual(['malware_host']);
    expect(runs[0].status).toBe('waiting_approval');
    expect(rx.at('/rep')[0].headers['x-apikey']).toBe('rep-k');
    expect(rx.at('/edr')).toHaveLength(0);
    const inc = await store.incidents.get(id);
    expect(inc?.fields.malware).toMatchObject({ on_intel_lists: ['known-bad-hashes'], reputation: { verdict: 'malicious', engines: 61 } });

    const done = await approve(runs[0]);
    expect(done.status).toBe('succeeded');
    const edr = rx.at('/edr');
    expect(edr.map((r) => r.url)).toEqual(['/edr/hosts/ws-7/isolate']);
    expect(edr[0].headers.authorization).toBe('Bearer edr-t');
    expect(statuses(done)).toMatchObject({ known_bad: 'succeeded', isolate: 'succeeded', contain: 'succeeded', request_review: 'skipped' });
    expect((await store.incidents.get(id))?.state).toBe('contained');
  });

  it('an unknown hash: no isolation, an analyst is asked to review', async () => {
    const { id, runs } = await trigger({
      title: 'Malware detected on ws-8',
      fields: { observables: [obs('hash', 'ffffffffffffffffffffffffffffffff'), obs('host', 'ws-8')] },
    });
    const run = runs[0];
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.stepId === 'reputation')?.output).toMatchObject({ source: 'hash_reputation', found: false });
    expect(statuses(run)).toMatchObject({ reputation: 'succeeded', known_bad: 'succeeded', approve_isolation: 'skipped', isolate: 'skipped', contain: 'skipped', request_review: 'succeeded' });
    expect(rx.at('/edr')).toHaveLength(0);
    expect(JSON.stringify(rx.at('/notify').at(-1)?.body)).toContain('is not on any intel list');
    expect((await store.incidents.get(id))?.state).toBe('triaged');
  });
});

describe('compromised account', () => {
  it('disables the user and forces a reset after approval', async () => {
    const { id, runs } = await trigger({ title: 'Compromised account: impossible travel for alice', fields: { observables: [obs('user', 'alice')] } });
    expect(runs.map((r) => r.playbookId)).toEqual(['compromised_account']);
    expect(rx.at('/dir')).toHaveLength(0);
    const done = await approve(runs[0]);
    expect(done.status).toBe('succeeded');
    expect(rx.at('/dir').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /dir/users/alice/disable', 'POST /dir/users/alice/force-password-reset']);
    expect(rx.at('/dir')[1].body).toMatchObject({ revoke_sessions: true });
    expect(rx.at('/dir')[0].headers['idempotency-key']).not.toBe(rx.at('/dir')[1].headers['idempotency-key']);
    expect((await store.incidents.get(id))?.state).toBe('contained');
  });
});

describe('possible data exfiltration', () => {
  it('blocks the external destination, never the internal host', async () => {
    const { id, runs } = await trigger({
      title: 'Possible data exfiltration: large upload from db-1',
      hosts: ['db-1'],
      fields: { observables: [obs('ip', '10.0.0.8', 50), obs('ip', '198.51.100.20', 3)] },
    });
    expect(runs.map((r) => r.playbookId)).toEqual(['data_exfiltration']);
    expect((await store.incidents.get(id))?.fields.data_protection_review).toEqual({ status: 'required', destination: '198.51.100.20' });
    const done = await approve(runs[0]);
    expect(done.status).toBe('succeeded');
    expect(rx.at('/fw').map((r) => r.body)).toEqual([
      { ip: '198.51.100.20', duration_seconds: 604800, comment: `Possible data exfiltration, Vigil incident ${id}`, reference: `vigil incident ${id}` },
    ]);
  });
});

describe('possible data exfiltration between internal hosts', () => {
  it('no external address: nothing to block, no approval asked, the run records why', async () => {
    const { runs } = await trigger({ title: 'Possible data exfiltration from db-2', hosts: ['db-2'], fields: { observables: [obs('ip', '10.0.0.8'), obs('ip', '192.168.1.9')] } });
    const run = runs[0];
    expect(run.status).toBe('succeeded');
    expect(statuses(run)).toMatchObject({ lookup_destination: 'failed', approve_block: 'skipped', block_destination: 'skipped', contain: 'skipped' });
    expect(run.steps.find((s) => s.stepId === 'lookup_destination')?.error?.message).toContain('steps[1].with.observable: required (the template rendered nothing)');
    expect(rx.at('/fw')).toHaveLength(0);
  });
});

describe('a notification that cannot be delivered', () => {
  it('does not stop the SSH playbook from asking for approval', async () => {
    rx.respond((req, res) => reply(req.url.startsWith('/notify') ? 403 : 200)(req, res, 0));
    const { runs } = await trigger({ hosts: ['web-1'], fields: { observables: [obs('ip', '203.0.113.7', 5)] } });
    expect(runs[0].status).toBe('waiting_approval');
    expect(statuses(runs[0])).toMatchObject({ notify_oncall: 'failed', triage: 'succeeded', approve_block: 'waiting_approval' });
  });
});

describe('suspicious PowerShell', () => {
  it('medium severity: notify and record, no isolation offered', async () => {
    const { id, runs } = await trigger({ title: 'Suspicious PowerShell encoded command on ws-9', severity: 'medium', hosts: ['ws-9'], users: ['bob'] });
    expect(runs.map((r) => r.playbookId)).toEqual(['suspicious_powershell']);
    expect(runs[0].status).toBe('succeeded');
    expect(statuses(runs[0])).toMatchObject({ approve_isolation: 'skipped', isolate: 'skipped', contain: 'skipped', note_outcome: 'succeeded' });
    expect((await store.incidents.get(id))?.fields.powershell_review).toEqual({ status: 'skipped', isolation_decision: 'skipped' });
    expect(rx.at('/edr')).toHaveLength(0);
  });

  it('high severity, isolation denied: the run continues at on_deny and records the decision', async () => {
    const { id, runs } = await trigger({ title: 'Suspicious PowerShell download cradle on ws-9', severity: 'high', hosts: ['ws-9'], users: ['bob'] });
    expect(runs[0].status).toBe('waiting_approval');
    await runner.deny(runs[0].id, 'approve_isolation', responder, 'admin script, known');
    await runner.settle();
    const done = await store.runs.get(runs[0].id);
    expect(done?.status).toBe('succeeded');
    expect(statuses(done)).toMatchObject({ approve_isolation: 'denied', isolate: 'skipped', contain: 'skipped', note_outcome: 'succeeded' });
    expect((await store.incidents.get(id))?.fields.powershell_review).toEqual({ status: 'skipped', isolation_decision: 'denied' });
    expect(rx.at('/edr')).toHaveLength(0);
  });
});
