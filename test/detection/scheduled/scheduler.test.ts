import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../../core/ecs.ts';
import { type EventMessage, QueueName } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { QueueBackend } from '../../../core/queue/types.ts';
import type { Alert, StorageEngine } from '../../../core/storage/types.ts';
import { CHECKPOINT_COLLECTION, type Checkpoint, createScheduler } from '../../../detection/scheduled/index.ts';
import { createStreamDetector, type DetectionRuleSet, loadDetectionRules } from '../../../detection/stream/index.ts';
import { ruleDir, SSH_BRUTE, sshFailed, T0, tempStore } from '../stream/fixtures.ts';

const MIN = 60_000;
const SCHEDULED_ID = '6a1b2c3d-0000-4000-8000-000000000001';
const CONFIG_ID = '6a1b2c3d-0000-4000-8000-000000000002';

// Vigil's extension: `custom: vigil:` is not a Sigma key, so the parser keeps it for us.
const SCHEDULED_RULE = `
title: Root login attempts (scheduled)
id: ${SCHEDULED_ID}
name: ssh_root_scheduled
author: Vigil test author
level: medium
tags: [attack.initial_access, attack.t1078]
logsource: { product: linux, service: sshd }
custom:
  vigil: { schedule: 5m, lookback: 10m }
detection:
  selection:
    message|contains: 'Failed password for root'
  condition: selection
`;

const CONFIG_RULE = `
title: Admin login attempts
id: ${CONFIG_ID}
name: ssh_admin_failed
level: low
logsource: { product: linux, service: sshd }
detection:
  selection:
    user.name: admin
  condition: selection
---
title: SSH failed password
id: 5a1b2c3d-0000-4000-8000-000000000001
name: ssh_failed_password
logsource: { product: linux, service: sshd }
detection:
  selection:
    message|contains: 'Failed password'
  condition: selection
`;

let rules: DetectionRuleSet;
let cleanupRules: () => void;
let store: StorageEngine;
let cleanupStore: () => Promise<void>;
let queues: QueueBackend;

beforeAll(() => {
  const r = ruleDir({ 'scheduled.yml': SCHEDULED_RULE, 'config.yml': CONFIG_RULE, 'brute.yml': SSH_BRUTE });
  cleanupRules = r.cleanup;
  rules = loadDetectionRules({ rulePaths: [r.dir] });
});
afterAll(() => cleanupRules());

beforeEach(() => {
  const s = tempStore();
  store = s.store;
  cleanupStore = s.cleanup;
  queues = createMemoryBackend();
});
afterEach(async () => {
  await queues.close();
  await cleanupStore();
});

async function publishedAlerts(): Promise<Alert[]> {
  const q = queues.queue<Alert>(QueueName.alerts);
  const out: Alert[] = [];
  for (;;) {
    const batch = await q.consume('test-readers', 'reader', { count: 500 });
    if (batch.length === 0) return out;
    out.push(...batch.map((m) => m.body));
    await q.ack('test-readers', batch.map((m) => m.id));
  }
}

/** One failed root login per minute from T0 − 10m to T0 + 40m, each from its own address. */
async function storeAttempts(fromMin: number, toMin: number): Promise<Map<string, number>> {
  const docs: EcsEvent[] = [];
  for (let m = fromMin; m < toMin; m++) docs.push(sshFailed(`203.0.113.${m + 20}`, T0 + m * MIN + 30_000));
  const ids = await store.events.append(docs);
  return new Map(ids.map((id, i) => [id, fromMin + i]));
}

describe('scheduled searches', () => {
  it('finds the rule schedule in custom.vigil and the config list, and reports what cannot run', () => {
    const s = createScheduler({
      store,
      queues,
      rules,
      scheduled: [
        { rule: 'ssh_admin_failed', every: '1m', lookback: '2m' },
        { rule: 'no-such-rule', every: '1m' },
        { rule: '5a1b2c3d-0000-4000-8000-0000000000c1', every: '1m' },
        { rule: CONFIG_ID, every: 'soon' },
      ],
    });
    expect(s.searches.map((x) => [x.ruleId, x.schedule, x.from])).toEqual([
      [SCHEDULED_ID, { everyMs: 5 * MIN, lookbackMs: 10 * MIN }, 'rule'],
      [CONFIG_ID, { everyMs: MIN, lookbackMs: 2 * MIN }, 'config'],
    ]);
    expect(s.problems.map((p) => p.error)).toEqual([
      "config scheduled[1].rule: no loaded rule has the id, name or file 'no-such-rule'",
      "config scheduled[2].rule: '5a1b2c3d-0000-4000-8000-0000000000c1' is a correlation rule; correlations run on the event stream, not as scheduled searches",
      'config scheduled[3].every: "soon" is not a duration (a positive number with ms, s, m, h or d, e.g. 5m)',
    ]);
  });

  it('runs the look-back on the first tick, then consecutive windows without alerting twice on one event', async () => {
    const minuteOf = await storeAttempts(-15, 10);
    const s = createScheduler({ store, queues, rules, now: () => T0 });

    const first = await s.tick(T0);
    expect(first.windows).toEqual([
      { ruleId: SCHEDULED_ID, from: new Date(T0 - 10 * MIN).toISOString(), to: new Date(T0).toISOString(), events: 10, alerts: 10, truncated: false },
    ]);
    const a1 = await publishedAlerts();
    expect(a1.map((a) => minuteOf.get(a.eventIds[0])).sort((x, y) => x! - y!)).toEqual([-10, -9, -8, -7, -6, -5, -4, -3, -2, -1]);
    const a = a1[0];
    expect(a.origin).toBe('scheduled');
    expect(a.ruleId).toBe(SCHEDULED_ID);
    expect(a.ruleAuthor).toBe('Vigil test author');
    expect(a.tactics).toEqual(['initial_access']);
    expect(a.techniques).toEqual(['T1078']);
    expect(a.detectedAt).toBe(new Date(T0).toISOString());
    expect(a.groupKey).toMatch(new RegExp(`^${SCHEDULED_ID}\\|source\\.ip=203\\.0\\.113\\.`));

    // Not due yet: nothing runs.
    expect((await s.tick(T0 + 4 * MIN)).windows).toEqual([]);

    // The next window reaches back 10 minutes, over 5 already-alerted events: only new ones publish.
    const second = await s.tick(T0 + 5 * MIN + 10_000);
    expect(second.windows).toEqual([
      { ruleId: SCHEDULED_ID, from: new Date(T0 - 5 * MIN).toISOString(), to: new Date(T0 + 5 * MIN).toISOString(), events: 10, alerts: 5, truncated: false },
    ]);
    const a2 = await publishedAlerts();
    expect(a2.map((x) => minuteOf.get(x.eventIds[0])).sort((x, y) => x! - y!)).toEqual([0, 1, 2, 3, 4]);
    const ids = [...a1, ...a2].map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);

    const cp = await store.docs.get<Checkpoint>(CHECKPOINT_COLLECTION, SCHEDULED_ID);
    expect(cp?.body.to).toBe(new Date(T0 + 5 * MIN).toISOString());
  });

  it('catches up after a downtime of 3 windows, window by window, each event alerted once', async () => {
    const minuteOf = await storeAttempts(-10, 40);
    const s = createScheduler({ store, queues, rules });
    await s.tick(T0);
    const before = await publishedAlerts();
    expect(before).toHaveLength(10);

    // Down from T0 until T0 + 15m: three windows were missed.
    const caughtUp = await s.tick(T0 + 15 * MIN);
    expect(caughtUp.windows.map((w) => [w.from, w.to])).toEqual([
      [new Date(T0 - 5 * MIN).toISOString(), new Date(T0 + 5 * MIN).toISOString()],
      [new Date(T0).toISOString(), new Date(T0 + 10 * MIN).toISOString()],
      [new Date(T0 + 5 * MIN).toISOString(), new Date(T0 + 15 * MIN).toISOString()],
    ]);
    expect(caughtUp.windows.map((w) => w.alerts)).toEqual([5, 5, 5]);
    expect(caughtUp.skipped).toEqual([]);
    const during = await publishedAlerts();
    expect(during.map((x) => minuteOf.get(x.eventIds[0])).sort((x, y) => x! - y!)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    const all = [...before, ...during].map((x) => x.id);
    expect(new Set(all).size).toBe(all.length);

    // A new scheduler (a restart) continues from the checkpoint and remembers what it published.
    const restarted = createScheduler({ store, queues, rules });
    const next = await restarted.tick(T0 + 20 * MIN);
    expect(next.windows.map((w) => [w.from, w.to, w.events, w.alerts])).toEqual([
      [new Date(T0 + 10 * MIN).toISOString(), new Date(T0 + 20 * MIN).toISOString(), 10, 5],
    ]);
    const after = (await publishedAlerts()).map((x) => minuteOf.get(x.eventIds[0]));
    expect(after.sort((x, y) => x! - y!)).toEqual([15, 16, 17, 18, 19]);
  });

  it('bounds the catch-up and reports the skipped range', async () => {
    await storeAttempts(-10, 60);
    const s = createScheduler({ store, queues, rules, maxCatchUpWindows: 2 });
    await s.tick(T0);
    const r = await s.tick(T0 + 30 * MIN);
    expect(r.skipped).toEqual([{ ruleId: SCHEDULED_ID, from: new Date(T0).toISOString(), to: new Date(T0 + 20 * MIN).toISOString() }]);
    expect(r.windows.map((w) => w.to)).toEqual([new Date(T0 + 25 * MIN).toISOString(), new Date(T0 + 30 * MIN).toISOString()]);
    expect(r.windows[0].from).toBe(new Date(T0 + 15 * MIN).toISOString());
  });

  it('runs config-listed rules on their own schedule and skips disabled ones', async () => {
    await store.events.append([sshFailed('198.51.100.1', T0 - 30_000, 'admin'), sshFailed('198.51.100.1', T0 - 90_000, 'admin'), sshFailed('198.51.100.1', T0 - 5 * MIN, 'admin')]);
    const enabled = new Set([CONFIG_ID]);
    const s = createScheduler({ store, queues, rules, scheduled: [{ rule: 'ssh_admin_failed', every: '1m', lookback: '2m' }], isEnabled: (id) => enabled.has(id) });
    const r = await s.tick(T0);
    expect(r.windows.map((w) => [w.ruleId, w.events])).toEqual([[CONFIG_ID, 2]]);
    const alerts = await publishedAlerts();
    expect(alerts.map((a) => a.ruleId)).toEqual([CONFIG_ID, CONFIG_ID]);
    expect(alerts.every((a) => a.entities.users[0] === 'admin')).toBe(true);
  });

  it('a rule with its own schedule is left to the scheduler by the streaming detector', async () => {
    const [id] = await store.events.append([sshFailed('203.0.113.1', T0)]);
    await queues.queue<EventMessage>(QueueName.events).publish({ id, doc: sshFailed('203.0.113.1', T0) });
    const d = createStreamDetector({ queues, rules, consumer: 'd1', blockMs: 0 });
    await d.poll();
    const ruleIds = (await publishedAlerts()).map((a) => a.ruleId);
    expect(ruleIds).toContain('5a1b2c3d-0000-4000-8000-000000000001');
    expect(ruleIds).not.toContain(SCHEDULED_ID);
  });
});
