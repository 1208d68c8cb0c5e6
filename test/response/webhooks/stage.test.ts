// The stage as the composition root wires it: real store, in-process queues, a real receiver.
// A notice published on the notices queue reaches the receiver signed, without calling any part
// by hand; the inbound routes work registered beside the API-key context.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../../core/auth/api-keys.ts';
import { buildHttpServer } from '../../../core/http/server.ts';
import { createLogger } from '../../../core/logging.ts';
import { type Notice, QueueName } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { Alert } from '../../../core/storage/types.ts';
import { generateSecret, verifyWebhook } from '../../../response/webhooks/signature.ts';
import { createWebhookStage } from '../../../response/webhooks/stage.ts';
import { makeIncident, Receiver, tempStore } from './helpers.ts';

let ctx: Awaited<ReturnType<typeof tempStore>>;
let receiver: Receiver;
beforeEach(async () => {
  ctx = await tempStore();
  receiver = new Receiver(Date.now);
  await receiver.reservePort();
  await receiver.up();
});
afterEach(async () => {
  await receiver.down();
  await ctx.close();
});

describe('webhook stage', () => {
  it('delivers notices from the queue and takes inbound webhooks, as wired by the composition root', async () => {
    const queues = createMemoryBackend();
    const stage = createWebhookStage({
      store: ctx.store,
      queues,
      settings: { deliveryIntervalMs: 20 },
      env: { WEBHOOK_IN_ELASTIC_TOKEN: 'tok-123' },
      logger: createLogger({ level: 'silent' }),
    });
    const secret = generateSecret();
    await stage.subscriptions.create({ url: receiver.url, events: ['incident.created'], secret, format: 'ecs' }, 'key:admin');
    await ctx.store.incidents.create(makeIncident({ id: 'inc-s' }));
    stage.start();
    try {
      await queues.queue<Notice>(QueueName.notices).publish({ id: 'q1', type: 'incident.created', at: new Date().toISOString(), incidentId: 'inc-s', data: {} });
      for (let i = 0; i < 300 && receiver.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await stage.stop();
    }
    expect(receiver.received).toHaveLength(1);
    const [r] = receiver.received;
    expect(verifyWebhook(r.headers, r.body, [secret]).ok).toBe(true);
    expect(JSON.parse(r.body)).toMatchObject({ type: 'incident.created', data: { event: { kind: 'alert' }, vigil: { incident: { id: 'inc-s' } } } });

    // Only the elastic source has its secret in this environment; the others stay off.
    const app = await buildHttpServer({
      logger: createLogger({ level: 'silent' }),
      keys: new ApiKeyService(ctx.store.keys),
      audit: ctx.store.audit,
      bodyLimit: 1 << 20,
      routes: stage.apiRoutes,
      readiness: [],
      version: 'test',
    });
    await app.register(stage.inboundRoutes.plugin, { prefix: '/api/v1', ...stage.inboundRoutes.options });
    await app.ready();
    try {
      const payload = { 'kibana.alert.uuid': 'k-1', 'kibana.alert.rule.rule_id': 'r-1', 'kibana.alert.rule.name': 'Rule one', 'kibana.alert.severity': 'high' };
      const ok = await app.inject({ method: 'POST', url: '/api/v1/webhooks/in/elastic', headers: { 'x-vigil-token': 'tok-123' }, payload });
      expect(ok.statusCode).toBe(202);
      expect((await app.inject({ method: 'POST', url: '/api/v1/webhooks/in/splunk', payload })).statusCode).toBe(404);
      const [m] = await queues.queue<Alert>(QueueName.alerts).consume('t', 't1');
      expect(m.body).toMatchObject({ origin: 'webhook', ruleTitle: 'Rule one', severity: 'high' });
      // The API routes are behind API keys; the inbound ones are not.
      expect((await app.inject({ method: 'GET', url: '/api/v1/webhooks/subscriptions' })).statusCode).toBe(401);
    } finally {
      await app.close();
      await queues.close();
    }
  });
});
