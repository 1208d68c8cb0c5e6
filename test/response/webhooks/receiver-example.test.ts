// The README's receiver example, run as its own Node process against real deliveries from the
// worker: it accepts Vigil's signatures (also during a rotation), refuses tampered and stale
// requests, and processes a redelivered webhook-id once.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../../response/webhooks/delivery.ts';
import { WebhookFanout } from '../../../response/webhooks/fanout.ts';
import { generateSecret, signHeaders } from '../../../response/webhooks/signature.ts';
import { SubscriptionService } from '../../../response/webhooks/subscriptions.ts';
import { makeIncident, Receiver, tempStore } from './helpers.ts';

const script = fileURLToPath(new URL('../../../response/webhooks/receiver-example.mjs', import.meta.url));

let child: ChildProcess;
let lines: string[];
let port: number;
let ctx: Awaited<ReturnType<typeof tempStore>>;
const oldSecret = generateSecret();

beforeEach(async () => {
  const r = new Receiver(Date.now);
  await r.reservePort();
  port = r.port;
  ctx = await tempStore();
});

afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill();
    await once(child, 'exit');
  }
  await ctx.close();
});

async function startExample(secrets: string[]): Promise<void> {
  lines = [];
  child = spawn(process.execPath, [script], { env: { ...process.env, PORT: String(port), WEBHOOK_SECRETS: secrets.join(' ') }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (d: string) => d.includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`receiver example exited with ${code}`)));
  });
}

async function waitLines(n: number): Promise<void> {
  for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('README receiver example', () => {
  it('accepts signed deliveries during a rotation, refuses tampering and stale timestamps, dedups webhook-ids', async () => {
    const subs = new SubscriptionService({ docs: ctx.store.docs });
    const url = `http://127.0.0.1:${port}/`;
    const sub = await subs.create({ url, events: ['incident.created', 'incident.updated'], secret: oldSecret }, 'key:admin');
    const { secret: newSecret } = await subs.rotate(sub.id);
    // The receiver has only switched to the new secret: the rotation's second signature carries it.
    await startExample([newSecret]);
    await ctx.store.incidents.create(makeIncident({ id: 'inc-7' }));
    const fanout = new WebhookFanout({ store: ctx.store, subscriptions: subs });
    const at = new Date().toISOString();
    await fanout.onNotice({ id: 'e1', type: 'incident.created', at, incidentId: 'inc-7', data: {} });
    await fanout.onNotice({ id: 'e2', type: 'incident.updated', at, incidentId: 'inc-7', data: { change: 'comment' } });
    const worker = createDeliveryWorker({ outbox: ctx.store.outbox, subscriptions: subs });
    expect(await worker.tick()).toMatchObject({ delivered: 1 });
    expect(await worker.tick()).toMatchObject({ delivered: 1 });
    await waitLines(2);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ type: 'incident.created', incident: 'inc-7' }),
      expect.objectContaining({ type: 'incident.updated', incident: 'inc-7' }),
    ]);

    // Redelivered: acknowledged, not processed again.
    const [first] = (await ctx.store.outbox.list({}, { limit: 10 })).items.filter((d) => d.eventType === 'incident.created');
    await ctx.store.outbox.redeliver(first.id, new Date().toISOString());
    expect(await worker.tick()).toMatchObject({ delivered: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(lines).toHaveLength(2);

    const body = first.payload;
    const nowSec = Math.floor(Date.now() / 1000);
    const post = (headers: Record<string, string>, b: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    expect((await post(signHeaders([newSecret], 'msg_t', nowSec, body), body.replace('inc-7', 'inc-8'))).status).toBe(401);
    expect((await post(signHeaders([newSecret], 'msg_old', nowSec - 600, body), body)).status).toBe(401);
    expect((await post(signHeaders([generateSecret()], 'msg_x', nowSec, body), body)).status).toBe(401);
    expect((await post(signHeaders([newSecret], 'msg_fresh', nowSec, body), body)).status).toBe(204);
    await waitLines(3);
    expect(JSON.parse(lines[2]).id).toBe('msg_fresh');
  });
});
