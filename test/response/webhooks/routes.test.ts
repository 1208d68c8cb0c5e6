// The subscriptions and delivery-log API through the real HTTP bootstrap (API keys, roles,
// schemas, audit) on a real SQLite store, with a real receiver for the redelivery.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StorageEngine } from '../../../core/storage/types.ts';
import { webhookRoutes } from '../../../response/http/webhook-routes.ts';
import { createDeliveryWorker } from '../../../response/webhooks/delivery.ts';
import { WebhookFanout } from '../../../response/webhooks/fanout.ts';
import { verifyWebhook } from '../../../response/webhooks/signature.ts';
import { SubscriptionService } from '../../../response/webhooks/subscriptions.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { makeIncident, Receiver } from './helpers.ts';

let t: TestApp;
let subs: SubscriptionService;
let receiver: Receiver;

beforeEach(async () => {
  receiver = new Receiver(Date.now);
  await receiver.reservePort();
  t = await buildTestApp({
    routes: (store: StorageEngine) => {
      subs = new SubscriptionService({ docs: store.docs, rotationGraceMs: 3600_000 });
      return [{ plugin: webhookRoutes, options: { subscriptions: subs, outbox: store.outbox } }];
    },
  });
});

afterEach(async () => {
  await receiver.down();
  await t.close();
});

const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

describe('webhook subscriptions API', () => {
  it('creates (201, id, secret never echoed), lists, rotates and deletes, auditing each change', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/subscriptions',
      headers: t.auth('admin'),
      payload: { url: 'https://siem.example/hooks/vigil', events: ['incident.created', 'sla.breached'], secret, format: 'ocsf', filter: { minSeverity: 'high', category: ['network_attack'] } },
    });
    expect(created.statusCode).toBe(201);
    const sub = created.json();
    expect(sub).toMatchObject({ id: expect.any(String), url: 'https://siem.example/hooks/vigil', format: 'ocsf', activeSecrets: 1, filter: { minSeverity: 'high' } });
    expect(created.body).not.toContain('whsec_');

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks/subscriptions', headers: t.auth('admin') });
    expect(list.json().items.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    expect(list.body).not.toContain('whsec_');

    const rotated = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/subscriptions/${sub.id}/rotate-secret`, headers: t.auth('admin') });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json()).toMatchObject({ subscription: { activeSecrets: 2 }, secret: expect.stringMatching(/^whsec_/), previousValidUntil: expect.any(String) });

    // A secret the caller chose is not echoed back.
    const chosen = `whsec_${Buffer.alloc(40, 9).toString('base64')}`;
    const rotated2 = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/subscriptions/${sub.id}/rotate-secret`, headers: t.auth('admin'), payload: { secret: chosen } });
    expect(rotated2.statusCode).toBe(200);
    expect(rotated2.json()).not.toHaveProperty('secret');
    expect(rotated2.json().subscription.activeSecrets).toBe(3);
    expect(rotated2.body).not.toContain('whsec_');

    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/subscriptions/${sub.id}`, headers: t.auth('admin') });
    expect(del.statusCode).toBe(204);
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/subscriptions/${sub.id}`, headers: t.auth('admin') });
    expect(again.statusCode).toBe(404);

    const audit = await t.store.audit.list({}, { limit: 50 });
    const actions = audit.items.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['webhooks.subscription.create', 'webhooks.subscription.rotate_secret', 'webhooks.subscription.delete']));
    expect(JSON.stringify(audit.items)).not.toContain('whsec_');
  });

  it('refuses bad input with the field named, and other roles with 403', async () => {
    const post = (payload: unknown, role: 'admin' | 'analyst' = 'admin') =>
      t.app.inject({ method: 'POST', url: '/api/v1/webhooks/subscriptions', headers: t.auth(role), payload: payload as Record<string, unknown> });
    const ftp = await post({ url: 'ftp://files.example/in', events: ['incident.created'], secret });
    expect(ftp.statusCode).toBe(400);
    expect(ftp.json()).toMatchObject({ code: 'REQUEST_INVALID', location: { path: '/url' } });
    expect(ftp.json().message).toContain("scheme 'ftp' is not allowed");
    const event = await post({ url: 'https://a.example/', events: ['incident.exploded'], secret });
    expect(event.statusCode).toBe(400);
    expect(event.json().location.path).toBe('/events/0');
    const weak = await post({ url: 'https://a.example/', events: ['incident.created'], secret: 'whsec_c2hvcnQ=' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().message).toContain('24 to 64 bytes');
    expect((await post({ url: 'https://a.example/', events: ['incident.created'], secret }, 'analyst')).statusCode).toBe(403);
    const deliveries = await t.app.inject({ method: 'GET', url: '/api/v1/webhooks/deliveries', headers: t.auth('compliance') });
    expect(deliveries.statusCode).toBe(403);
  });

  it('shows the delivery log and redelivers a dead delivery through the API', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/subscriptions',
      headers: t.auth('admin'),
      payload: { url: receiver.url, events: ['incident.created'], secret },
    });
    const sub = created.json();
    await t.store.incidents.create(makeIncident({ id: 'inc-1' }));
    await new WebhookFanout({ store: t.store, subscriptions: subs }).onNotice({ id: 'n1', type: 'incident.created', at: new Date().toISOString(), incidentId: 'inc-1', data: {} });
    const worker = createDeliveryWorker({ outbox: t.store.outbox, subscriptions: subs, maxAttempts: 1, minRetryWindowMs: 0 });
    expect(await worker.tick()).toMatchObject({ claimed: 1, dead: 1 });

    const log = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/deliveries?subscription=${sub.id}&status=dead`, headers: t.auth('admin') });
    expect(log.statusCode).toBe(200);
    const [d] = log.json().items;
    expect(d).toMatchObject({ subscriptionId: sub.id, eventType: 'incident.created', status: 'dead', attempts: 1, lastError: { message: expect.stringContaining('ECONNREFUSED') } });
    expect(d).not.toHaveProperty('payload');
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/deliveries/${d.id}`, headers: t.auth('admin') });
    expect(JSON.parse(one.json().payload)).toMatchObject({ type: 'incident.created' });

    await receiver.up();
    // No body at all (curl -X POST) is fine.
    const re = await t.app.inject({ method: 'POST', url: `/api/v1/webhooks/deliveries/${d.id}/redeliver`, headers: t.auth('admin') });
    expect(re.statusCode).toBe(200);
    expect(re.json()).toMatchObject({ id: d.id, status: 'pending', attempts: 0 });
    expect(await worker.tick()).toMatchObject({ delivered: 1 });
    expect(receiver.received[0].headers['webhook-id']).toBe(d.id);
    expect(verifyWebhook(receiver.received[0].headers, receiver.received[0].body, [secret]).ok).toBe(true);
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/webhooks/deliveries/msg_nope/redeliver', headers: t.auth('admin'), payload: {} });
    expect(missing.statusCode).toBe(404);
    const audit = await t.store.audit.list({ action: 'webhooks.delivery.redeliver' }, { limit: 5 });
    expect(audit.items[0]).toMatchObject({ target: `webhook-delivery:${d.id}`, before: { status: 'dead' }, after: { status: 'pending' } });
  });
});
