// Fan-out: which subscriptions a notice reaches (event type, minimum severity, category), one
// delivery per (notice, subscription) however often the notice is handled, and the payload in
// each format: Vigil JSON, ECS alert document, OCSF Detection Finding.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../../core/messages.ts';
import type { StorageEngine } from '../../../core/storage/types.ts';
import { deliveryId, WebhookFanout } from '../../../response/webhooks/fanout.ts';
import { generateSecret } from '../../../response/webhooks/signature.ts';
import { SubscriptionService } from '../../../response/webhooks/subscriptions.ts';
import { makeAlert, makeIncident, tempStore } from './helpers.ts';

const at = '2026-03-01T11:00:00.000Z';
let ctx: Awaited<ReturnType<typeof tempStore>>;
let store: StorageEngine;
let subs: SubscriptionService;
let fanout: WebhookFanout;

beforeEach(async () => {
  ctx = await tempStore();
  store = ctx.store;
  subs = new SubscriptionService({ docs: store.docs, now: () => Date.parse(at) });
  fanout = new WebhookFanout({ store, subscriptions: subs, now: () => Date.parse(at) });
  await store.incidents.create(makeIncident({ id: 'inc-high' }));
  await store.incidents.create(makeIncident({ id: 'inc-low', severity: 'low', category: 'malicious_program', subcategory: 'trojan' }));
  await store.alerts.put([makeAlert({ id: 'alert-high', incidentId: 'inc-high' }), makeAlert({ id: 'alert-low', incidentId: 'inc-low', severity: 'low' })]);
});

afterEach(async () => {
  await ctx.close();
});

const n = (id: string, type: Notice['type'], incidentId: string, data: Record<string, unknown> = {}, alertId?: string): Notice => ({
  id,
  type,
  at,
  incidentId,
  ...(alertId ? { alertId } : {}),
  data,
});

async function payloads(subscriptionId: string): Promise<Array<{ type: string; timestamp: string; data: Record<string, unknown> }>> {
  const page = await store.outbox.list({ subscriptionId }, { limit: 100 });
  return page.items.map((d) => JSON.parse(d.payload));
}

describe('webhook fan-out', () => {
  it('matches event types and filters, once per notice and subscription', async () => {
    const all = await subs.create({ url: 'https://siem.example/hook', events: ['incident.created', 'incident.state_changed'], secret: generateSecret() }, 'key:a');
    const high = await subs.create({ url: 'https://pager.example/hook', events: ['incident.created'], secret: generateSecret(), filter: { minSeverity: 'high' } }, 'key:a');
    const malware = await subs.create({ url: 'https://av.example/hook', events: ['incident.created'], secret: generateSecret(), filter: { category: ['malicious_program'] } }, 'key:a');

    expect(await fanout.onNotice(n('c1', 'incident.created', 'inc-high'))).toBe(2);
    expect(await fanout.onNotice(n('c2', 'incident.created', 'inc-low'))).toBe(2);
    expect(await fanout.onNotice(n('c3', 'incident.updated', 'inc-low'))).toBe(0);
    // Handled again (a redelivered notice): the same delivery ids, nothing new.
    await fanout.onNotice(n('c1', 'incident.created', 'inc-high'));
    expect((await payloads(all.id)).map((p) => p.data.noticeId).sort()).toEqual(['c1', 'c2']);
    expect((await payloads(high.id)).map((p) => p.data.incidentId)).toEqual(['inc-high']);
    expect((await payloads(malware.id)).map((p) => p.data.incidentId)).toEqual(['inc-low']);
    const d = await store.outbox.get(deliveryId('c1', all.id));
    expect(d).toMatchObject({ orderingKey: 'inc-high', eventType: 'incident.created', status: 'pending' });
  });

  it('renders Vigil JSON, ECS and OCSF payloads in the envelope', async () => {
    const vigil = await subs.create({ url: 'https://a.example/', events: ['incident.state_changed'], secret: generateSecret(), format: 'vigil' }, 'key:a');
    const ecs = await subs.create({ url: 'https://b.example/', events: ['incident.state_changed'], secret: generateSecret(), format: 'ecs' }, 'key:a');
    const ocsf = await subs.create({ url: 'https://c.example/', events: ['incident.state_changed'], secret: generateSecret(), format: 'ocsf' }, 'key:a');
    const inc = await store.incidents.get('inc-high');
    await store.incidents.update('inc-high', inc!.version, { state: 'closed', fields: { ...inc!.fields, resolution: 'true_positive' } });
    await fanout.onNotice(n('s1', 'incident.state_changed', 'inc-high', { from: 'triaged', to: 'closed', resolution: 'true_positive' }));

    const [v] = await payloads(vigil.id);
    expect(v).toMatchObject({ type: 'incident.state_changed', timestamp: at, data: { noticeId: 's1', details: { to: 'closed' }, incident: { id: 'inc-high', title: 'SSH brute force against web01' } } });

    const [e] = await payloads(ecs.id);
    expect(e.type).toBe('incident.state_changed');
    expect(e.data).toMatchObject({
      event: { kind: 'alert', action: 'incident.state_changed', severity: 73, risk_score: 73 },
      rule: { id: 'vigil-ssh-bruteforce', name: 'SSH brute force', author: ['Vigil'] },
      threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0006'], name: ['Credential Access'] }, technique: { id: ['T1110.001'] } },
      source: { ip: '203.0.113.7' },
      vigil: { incident: { id: 'inc-high', category: 'network_attack', state: 'closed', resolution: 'true_positive' }, notice: { id: 's1' } },
    });

    const [o] = await payloads(ocsf.id);
    expect(o.data).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      activity_id: 3,
      type_uid: 200403,
      severity_id: 4,
      status_id: 4,
      finding_info: { uid: 'alert-high', title: 'SSH brute force', analytic: { uid: 'vigil-ssh-bruteforce', type_id: 1 } },
      metadata: { product: { name: 'Vigil', vendor_name: 'Vigil' }, version: '1.3.0' },
    });
    expect(o.data.attacks).toEqual(expect.arrayContaining([expect.objectContaining({ technique: expect.objectContaining({ uid: 'T1110.001' }) })]));
  });

  it('an alert notice carries the alert; a notice about something gone enqueues nothing', async () => {
    const sub = await subs.create({ url: 'https://a.example/', events: ['alert.created'], secret: generateSecret() }, 'key:a');
    await fanout.onNotice(n('a1', 'alert.created', 'inc-high', { ruleId: 'vigil-ssh-bruteforce' }, 'alert-high'));
    const [p] = await payloads(sub.id);
    expect(p.data).toMatchObject({ alertId: 'alert-high', alert: { id: 'alert-high', ruleTitle: 'SSH brute force' } });
    expect(await fanout.onNotice({ id: 'a2', type: 'alert.created', at, alertId: 'no-such-alert', data: {} })).toBe(0);
  });
});
