// Issue 5, part 9: the whole path with real parts — a real `vigil serve` on the embedded store,
// real local HTTP servers for the firewall API and the notification receiver, sshd lines through
// the raw ingest API, detection, grouping, the SSH playbook with its approval gate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type HttpRecorder, startHttpRecorder } from '../helpers/http-recorder.ts';
import { startVigil, type VigilProcess } from '../helpers/server.ts';

const KEY = 'e2e-admin-key-0123456789abcdef';
const ATTACKER = '203.0.113.66';

function sshdBurst(n: number, from: string): string {
  const lines: string[] = [];
  const t = new Date();
  for (let i = 0; i < n; i++) {
    const stamp = new Date(t.getTime() - (n - i) * 1000);
    const mon = stamp.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const day = String(stamp.getUTCDate()).padStart(2, ' ');
    const hms = stamp.toISOString().slice(11, 19);
    lines.push(`${mon} ${day} ${hms} web-01 sshd[${4000 + i}]: Failed password for ${i % 2 ? 'root' : 'admin'} from ${from} port ${50000 + i} ssh2`);
  }
  return `${lines.join('\n')}\n`;
}

interface Api {
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  post<T = Record<string, unknown>>(path: string, body: unknown, contentType?: string): Promise<{ status: number; body: T }>;
}

function api(url: string): Api {
  const headers = { authorization: `Bearer ${KEY}` };
  return {
    async get<T>(path: string): Promise<T> {
      const r = await fetch(`${url}/api/v1${path}`, { headers });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    },
    async post<T>(path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
      const r = await fetch(`${url}/api/v1${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': contentType },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as T };
    },
  };
}

async function waitingRun(client: Api, incident: string): Promise<{ id: string }> {
  return eventually('the approval step', async () => {
    const runs = await client.get<{ items: Array<{ id: string; steps: Array<{ stepId: string; status: string }> }> }>(`/playbook-runs?incident=${incident}`);
    const run = runs.items[0];
    return run?.steps.find((s) => s.stepId === 'approve_block' && s.status === 'waiting_approval') ? run : undefined;
  });
}

async function firstIncident(client: Api): Promise<string> {
  return eventually('the incident', async () => {
    const list = await client.get<{ items: Array<{ id: string }> }>('/incidents');
    return list.items[0]?.id;
  });
}

describe('sshd brute force end to end', () => {
  let firewall: HttpRecorder;
  let notify: HttpRecorder;
  let vigil: VigilProcess;
  let client: Api;

  beforeAll(async () => {
    firewall = await startHttpRecorder();
    notify = await startHttpRecorder();
    vigil = await startVigil({
      VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-e2e-')),
      VIGIL_BOOTSTRAP_ADMIN_KEY: KEY,
      VIGIL_LOG_LEVEL: 'warn',
      PLAYBOOK_FIREWALL_URL: firewall.url,
      PLAYBOOK_FIREWALL_TOKEN: 'fw-token-123',
      PLAYBOOK_NOTIFY_URL: notify.url,
    });
    client = api(vigil.url);
  }, 60_000);

  afterAll(async () => {
    await vigil?.stop();
    await firewall?.close();
    await notify?.close();
  });

  it('turns a burst of failed logins into one incident, blocks the source after approval and contains it', async () => {
    const ingest = await client.post('/ingest/raw?dataset=system.auth', sshdBurst(14, ATTACKER), 'text/plain');
    expect(ingest.status).toBe(202);
    expect(ingest.body).toMatchObject({ accepted: 14, rejected: 0 });

    // One incident for the burst, not one per line.
    const incident = await eventually('the incident', async () => {
      const list = await client.get<{ items: Array<{ id: string; title: string }> }>('/incidents');
      return list.items.length ? list.items : undefined;
    });
    expect(incident).toHaveLength(1);
    expect(incident[0].title).toMatch(/SSH Brute Force/i);
    const id = incident[0].id;

    // The playbook notified on-call and now waits for a person.
    const waiting = await eventually('the approval step', async () => {
      const runs = await client.get<{ items: Array<{ id: string; steps: Array<{ stepId: string; status: string }> }> }>(`/playbook-runs?incident=${id}`);
      const run = runs.items[0];
      return run?.steps.find((s) => s.stepId === 'approve_block' && s.status === 'waiting_approval') ? run : undefined;
    });
    expect(notify.requests.length).toBeGreaterThanOrEqual(1);
    expect(notify.requests[0].body).toContain(ATTACKER);
    expect(firewall.requests).toHaveLength(0);

    const approved = await client.post(`/playbook-runs/${waiting.id}/approve`, { reason: 'confirmed brute force from an unknown address' });
    expect(approved.status).toBe(200);

    const call = await eventually('the firewall call', async () => firewall.requests[0]);
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/blocks');
    expect(call.headers.authorization).toBe('Bearer fw-token-123');
    expect(call.headers['idempotency-key']).toBeTruthy();
    expect(JSON.parse(call.body).ip).toBe(ATTACKER);

    const detail = await eventually('the contained incident', async () => {
      const d = await client.get<{ incident: { state: string }; timeline: Array<{ kind: string; actor: string; data: Record<string, unknown> }>; alerts: unknown[] }>(`/incidents/${id}`);
      return d.incident.state === 'contained' ? d : undefined;
    });
    expect(firewall.requests).toHaveLength(1);

    // The timeline tells the whole story in order.
    const kinds = detail.timeline.map((e) => (e.kind === 'playbook_step' ? `step:${e.data.step}:${e.data.status}` : e.kind));
    const at = (k: string) => kinds.findIndex((x) => x.startsWith(k));
    expect(kinds[0]).toBe('created');
    for (const step of ['step:notify_oncall:succeeded', 'step:approve_block:waiting_approval', 'step:approve_block:succeeded', 'step:block_source_ip:succeeded', 'step:contain:succeeded']) {
      expect(at(step)).toBeGreaterThan(0);
    }
    expect(at('step:approve_block:waiting_approval')).toBeLessThan(at('step:approve_block:succeeded'));
    expect(at('step:approve_block:succeeded')).toBeLessThan(at('step:block_source_ip:succeeded'));
    expect(at('step:block_source_ip:succeeded')).toBeLessThan(at('step:contain:succeeded'));
    const transitions = detail.timeline.filter((e) => e.kind === 'transition').map((e) => e.data.to);
    expect(transitions).toEqual(['triaged', 'contained']);
    // Who approved and why is on the timeline.
    const decision = detail.timeline.find((e) => e.kind === 'playbook_step' && e.data.step === 'approve_block' && e.data.status === 'succeeded')?.data
      .decision as { approved: boolean; by: string; reason: string };
    expect(decision).toMatchObject({ approved: true, reason: 'confirmed brute force from an unknown address' });
    expect(decision.by).toContain('bootstrap-admin');
  }, 120_000);
});

describe('a playbook run interrupted by a crash', () => {
  it('resumes after restart without repeating a completed step, retrying the interrupted one with its idempotency key', async () => {
    const firewall = await startHttpRecorder();
    const notify = await startHttpRecorder();
    const env = {
      VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-e2e-restart-')),
      VIGIL_BOOTSTRAP_ADMIN_KEY: KEY,
      VIGIL_LOG_LEVEL: 'warn',
      PLAYBOOK_FIREWALL_URL: firewall.url,
      PLAYBOOK_FIREWALL_TOKEN: 'fw-token-123',
      PLAYBOOK_NOTIFY_URL: notify.url,
    };
    let vigil = await startVigil(env);
    try {
      let client = api(vigil.url);
      expect((await client.post('/ingest/raw?dataset=system.auth', sshdBurst(12, ATTACKER), 'text/plain')).status).toBe(202);
      const id = await firstIncident(client);
      const run = await waitingRun(client, id);
      // The firewall takes the block request and never answers: the server dies mid-step.
      firewall.hang = true;
      expect((await client.post(`/playbook-runs/${run.id}/approve`, { reason: 'block it' })).status).toBe(200);
      const first = await eventually('the first firewall call', async () => firewall.requests[0]);
      vigil.proc.kill('SIGKILL');
      await new Promise((r) => vigil.proc.once('exit', r));
      expect(notify.requests).toHaveLength(1);

      firewall.hang = false;
      vigil = await startVigil(env);
      client = api(vigil.url);
      const contained = await eventually('the incident contained after restart', async () => {
        const d = await client.get<{ incident: { state: string } }>(`/incidents/${id}`);
        return d.incident.state === 'contained' ? d : undefined;
      }, 60_000);
      expect(contained.incident.state).toBe('contained');
      // The interrupted call was retried with the same idempotency key; the notification was not repeated.
      expect(firewall.requests).toHaveLength(2);
      expect(firewall.requests[1].headers['idempotency-key']).toBe(first.headers['idempotency-key']);
      expect(notify.requests).toHaveLength(1);
      const runs = await client.get<{ items: Array<{ status: string; steps: Array<{ stepId: string; status: string; attempt: number }> }> }>(`/playbook-runs?incident=${id}`);
      expect(runs.items).toHaveLength(1);
      expect(runs.items[0].steps.find((s) => s.stepId === 'notify_oncall')).toMatchObject({ status: 'succeeded', attempt: 1 });
      expect(runs.items[0].steps.find((s) => s.stepId === 'block_source_ip')).toMatchObject({ status: 'succeeded' });
    } finally {
      await vigil.stop();
      await firewall.close();
      await notify.close();
    }
  }, 180_000);
});
