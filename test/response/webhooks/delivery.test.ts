// Outbound webhooks end to end with real parts: notices on a real (in-process) queue, the fan-out
// consumer, the SQLite outbox, the delivery worker and a real HTTP receiver on a local port that is
// down (connection refused), then answers 503, then 200. Time is an injected clock.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { OutboxDelivery, StorageEngine } from '../../../core/storage/types.ts';
import { createDeliveryWorker, type DeliveryWorker, retryDelay } from '../../../response/webhooks/delivery.ts';
import { createWebhookFanoutConsumer, WebhookFanout } from '../../../response/webhooks/fanout.ts';
import { generateSecret, verifyWebhook } from '../../../response/webhooks/signature.ts';
import { SubscriptionService } from '../../../response/webhooks/subscriptions.ts';
import { makeAlert, makeIncident, Receiver, tempStore } from './helpers.ts';

const T0 = Date.parse('2026-03-01T11:00:00.000Z');

let clock = T0;
const now = () => clock;
let ctx: Awaited<ReturnType<typeof tempStore>>;
let store: StorageEngine;
let subs: SubscriptionService;
let receiver: Receiver;

beforeEach(async () => {
  clock = T0;
  ctx = await tempStore();
  store = ctx.store;
  subs = new SubscriptionService({ docs: store.docs, now, rotationGraceMs: 3600_000 });
  receiver = new Receiver(now);
  await receiver.reservePort();
});

afterEach(async () => {
  await receiver.down();
  await ctx.close();
});

async function pending(): Promise<OutboxDelivery[]> {
  return (await store.outbox.list({ status: ['pending'] }, { limit: 500 })).items;
}

async function all(): Promise<OutboxDelivery[]> {
  return (await store.outbox.list({}, { limit: 500 })).items;
}

/** Ticks, jumping the clock to the next due retry, until nothing is pending or `until` is reached. */
async function drain(worker: DeliveryWorker, until = Number.POSITIVE_INFINITY, maxTicks = 500): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    await worker.tick();
    const left = await pending();
    if (left.length === 0) return;
    // Deliveries queued behind their key's head are due already; the head's retry time is what counts.
    const later = left.map((d) => Date.parse(d.nextAttemptAt)).filter((t) => t > clock);
    const to = later.length ? Math.min(...later) : clock + 1000;
    if (to > until) {
      clock = until;
      return;
    }
    clock = to;
  }
  throw new Error('drain: deliveries still pending after maxTicks');
}

function notice(id: string, type: Notice['type'], incidentId: string, data: Record<string, unknown> = {}, alertId?: string): Notice {
  return { id, type, at: new Date(clock).toISOString(), incidentId, ...(alertId ? { alertId } : {}), data };
}

describe('outbound delivery through the outbox', () => {
  it('a receiver down for an hour gets every delivery afterwards, in order per incident, signed, without duplicate ids', async () => {
    const secret = generateSecret();
    const sub = await subs.create({ url: receiver.url, events: ['incident.created', 'incident.updated', 'incident.state_changed', 'alert.created'], secret }, 'key:admin');
    await store.incidents.create(makeIncident({ id: 'inc-a' }));
    await store.incidents.create(makeIncident({ id: 'inc-b', title: 'Malware on db02', hosts: ['db02'], category: 'malicious_program', subcategory: 'ransomware', severity: 'critical' }));
    await store.alerts.put([makeAlert({ id: 'alert-a1', incidentId: 'inc-a' }), makeAlert({ id: 'alert-b1', incidentId: 'inc-b' })]);

    // Notices for two incidents, interleaved, through the real queue and the 'webhooks' group.
    const queues = createMemoryBackend({ now });
    const notices = queues.queue<Notice>('notices');
    const sequence: Notice[] = [
      notice('n1', 'incident.created', 'inc-a', {}, 'alert-a1'),
      notice('n2', 'incident.created', 'inc-b', {}, 'alert-b1'),
      notice('n3', 'alert.created', 'inc-a', { ruleId: 'vigil-ssh-bruteforce' }, 'alert-a1'),
      notice('n4', 'incident.updated', 'inc-b', { change: 'assign', assignee: 'alice' }),
      notice('n5', 'incident.state_changed', 'inc-a', { from: 'new', to: 'triaged' }),
      notice('n6', 'incident.updated', 'inc-a', { change: 'comment' }),
      notice('n7', 'incident.state_changed', 'inc-b', { from: 'new', to: 'triaged' }),
    ];
    await notices.publishBatch(sequence);
    const consumer = createWebhookFanoutConsumer({ fanout: new WebhookFanout({ store, subscriptions: subs, now }), notices, blockMs: 10 });
    consumer.start();
    for (let i = 0; i < 200 && (await all()).length < sequence.length; i++) await new Promise((r) => setTimeout(r, 10));
    await consumer.stop();
    expect(await notices.pendingCount('webhooks')).toBe(0);
    expect(await all()).toHaveLength(sequence.length);

    // random = 1 takes the longest delay of each full-jitter window: the worst case for catching up.
    const worker = createDeliveryWorker({ outbox: store.outbox, subscriptions: subs, now, random: () => 1, timeoutMs: 2000 });

    // Down for an hour: connection refused every time.
    await drain(worker, T0 + 3600_000);
    expect(receiver.received).toHaveLength(0);
    const heads = (await pending()).filter((d) => d.attempts > 0);
    expect(heads.map((d) => d.orderingKey).sort()).toEqual(['inc-a', 'inc-b']);
    expect(heads.every((d) => d.attempts >= 5 && d.lastError?.message.includes('ECONNREFUSED'))).toBe(true);

    // Up again: the first two requests still get 503, then everything is accepted.
    receiver.status = (n) => (n < 2 ? 503 : 200);
    await receiver.up();
    await drain(worker);

    const ok = receiver.received.filter((r) => r.status === 200);
    expect(ok).toHaveLength(sequence.length);
    expect(receiver.received.filter((r) => r.status === 503)).toHaveLength(2);
    const deliveries = await all();
    expect(deliveries.every((d) => d.status === 'delivered' && d.lastStatus === 200)).toBe(true);
    const ids = ok.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(deliveries.map((d) => d.id)));
    for (const r of receiver.received) {
      expect(verifyWebhook(r.headers, r.body, [secret], { now: r.at })).toMatchObject({ ok: true, id: r.headers['webhook-id'] });
      expect(r.headers['idempotency-key']).toBe(r.headers['webhook-id']);
      expect(r.headers['content-type']).toBe('application/json');
    }
    // In order per incident: the order the notices happened in.
    const order = (inc: string) => ok.map((r) => JSON.parse(r.body)).filter((b) => b.data.incidentId === inc).map((b) => b.data.noticeId);
    expect(order('inc-a')).toEqual(['n1', 'n3', 'n5', 'n6']);
    expect(order('inc-b')).toEqual(['n2', 'n4', 'n7']);
    const first = JSON.parse(ok[0].body);
    expect(first).toMatchObject({ type: 'incident.created', timestamp: expect.any(String), data: { incident: { id: expect.any(String) } } });
    expect(sub.id).toBeTruthy();
  });

  it('dead-letters after maxAttempts, stops blocking the incident, and redelivers with the same webhook-id', async () => {
    const secret = generateSecret();
    const sub = await subs.create({ url: receiver.url, events: ['incident.updated'], secret }, 'key:admin');
    await store.incidents.create(makeIncident({ id: 'inc-a' }));
    const fanout = new WebhookFanout({ store, subscriptions: subs, now });
    await fanout.onNotice(notice('d1', 'incident.updated', 'inc-a', { change: 'comment' }));
    receiver.status = () => 500;
    await receiver.up();
    const worker = createDeliveryWorker({ outbox: store.outbox, subscriptions: subs, now, maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 5000, minRetryWindowMs: 0 });
    await drain(worker);
    const [dead] = await all();
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastStatus: 500, subscriptionId: sub.id });
    expect(dead.lastError?.message).toContain('HTTP 500');
    expect(receiver.received).toHaveLength(3);

    // A later notice of the same incident is not stuck behind the dead one.
    receiver.status = () => 200;
    await fanout.onNotice(notice('d2', 'incident.updated', 'inc-a', { change: 'tags' }));
    await drain(worker);
    expect(receiver.received.at(-1)?.status).toBe(200);
    expect(JSON.parse(receiver.received.at(-1)?.body ?? '{}').data.noticeId).toBe('d2');

    const again = await store.outbox.redeliver(dead.id, new Date(clock).toISOString());
    expect(again).toMatchObject({ status: 'pending', attempts: 0 });
    await drain(worker);
    const last = receiver.received.at(-1)!;
    expect(last.headers['webhook-id']).toBe(dead.id);
    expect(last.status).toBe(200);
    expect((await store.outbox.get(dead.id))?.status).toBe('delivered');
  });

  it('signs with both secrets during a rotation, and only the new one after the grace period', async () => {
    const oldSecret = generateSecret();
    const sub = await subs.create({ url: receiver.url, events: ['incident.updated'], secret: oldSecret }, 'key:admin');
    await store.incidents.create(makeIncident({ id: 'inc-a' }));
    await receiver.up();
    const fanout = new WebhookFanout({ store, subscriptions: subs, now });
    const worker = createDeliveryWorker({ outbox: store.outbox, subscriptions: subs, now });
    const { secret: newSecret, previousValidUntil } = await subs.rotate(sub.id);
    expect(previousValidUntil).toBe(new Date(T0 + 3600_000).toISOString());

    await fanout.onNotice(notice('r1', 'incident.updated', 'inc-a'));
    await drain(worker);
    const during = receiver.received[0];
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(during.headers, during.body, [oldSecret], { now: during.at }).ok).toBe(true);
    expect(verifyWebhook(during.headers, during.body, [newSecret], { now: during.at }).ok).toBe(true);
    expect(verifyWebhook(during.headers, during.body, [generateSecret()], { now: during.at })).toEqual({ ok: false, reason: 'no signature matches' });

    clock = T0 + 2 * 3600_000;
    await fanout.onNotice(notice('r2', 'incident.updated', 'inc-a'));
    await drain(worker);
    const after = receiver.received[1];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhook(after.headers, after.body, [newSecret], { now: after.at }).ok).toBe(true);
    expect(verifyWebhook(after.headers, after.body, [oldSecret], { now: after.at }).ok).toBe(false);
  });

  it('a receiver that never answers times out and is retried; a deleted subscription dead-letters its deliveries', async () => {
    const hang = createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
      const sub = await subs.create({ url, events: ['incident.updated'], secret: generateSecret() }, 'key:admin');
      await store.incidents.create(makeIncident({ id: 'inc-a' }));
      await new WebhookFanout({ store, subscriptions: subs, now }).onNotice(notice('t1', 'incident.updated', 'inc-a'));
      const worker = createDeliveryWorker({ outbox: store.outbox, subscriptions: subs, now, timeoutMs: 200 });
      const r = await worker.tick();
      expect(r).toMatchObject({ claimed: 1, retried: 1 });
      const [d] = await all();
      expect(d).toMatchObject({ status: 'pending', attempts: 1 });
      expect(d.lastError?.message).toContain('no answer within 200 ms');

      await subs.delete(sub.id);
      clock += 3600_000;
      expect(await worker.tick()).toMatchObject({ claimed: 1, dead: 1 });
      const [gone] = await all();
      expect(gone.status).toBe('dead');
      expect(gone.lastError).toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });

  it('does not dead-letter before the minimum retry window, however short the jittered delays were', async () => {
    await subs.create({ url: receiver.url, events: ['incident.updated'], secret: generateSecret() }, 'key:admin');
    await store.incidents.create(makeIncident({ id: 'inc-a' }));
    await new WebhookFanout({ store, subscriptions: subs, now }).onNotice(notice('w1', 'incident.updated', 'inc-a'));
    // random = 0: every delay is 0, so two attempts happen at once; the window keeps it alive.
    const worker = createDeliveryWorker({ outbox: store.outbox, subscriptions: subs, now, random: () => 0, maxAttempts: 2, minRetryWindowMs: 3600_000 });
    for (let i = 0; i < 5; i++) await worker.tick();
    const [d] = await all();
    expect(d).toMatchObject({ status: 'pending', attempts: 5 });
    clock += 3600_000;
    expect(await worker.tick()).toMatchObject({ dead: 1 });
    expect((await all())[0]).toMatchObject({ status: 'dead', attempts: 6 });
  });

  it('retry delays are full jitter under an exponential cap', () => {
    expect(retryDelay(1, 30_000, 3600_000, () => 1)).toBe(30_000);
    expect(retryDelay(3, 30_000, 3600_000, () => 1)).toBe(120_000);
    expect(retryDelay(20, 30_000, 3600_000, () => 0.999999)).toBe(3599_996);
    expect(retryDelay(4, 30_000, 3600_000, () => 0)).toBe(0);
    expect(retryDelay(4, 30_000, 3600_000, () => 0.5)).toBe(120_000);
  });
});
