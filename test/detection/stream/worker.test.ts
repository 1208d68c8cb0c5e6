import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../../core/ecs.ts';
import { type EventMessage, QueueName } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import { createRedisBackend } from '../../../core/queue/redis.ts';
import type { QueueBackend, WorkQueue } from '../../../core/queue/types.ts';
import type { Alert, StorageEngine } from '../../../core/storage/types.ts';
import { createStreamDetector, type DetectionRuleSet, loadDetectionRules } from '../../../detection/stream/index.ts';
import { type RedisServerHandle, startRedisServer } from '../../helpers/redis-server.ts';
import {
  ENCODED_PS,
  ENCODED_PS_ID,
  processStart,
  ruleDir,
  SSH_BRUTE,
  SSH_BRUTE_ID,
  SSH_FAILED,
  SSH_FAILED_ID,
  sshAccepted,
  sshFailed,
  T0,
  tempStore,
} from './fixtures.ts';

const DETECTED = T0 + 5 * 60_000;

let rules: DetectionRuleSet;
let cleanupRules: () => void;
let store: StorageEngine;
let cleanupStore: () => Promise<void>;

beforeAll(() => {
  const r = ruleDir({ 'ssh_failed.yml': SSH_FAILED, 'ssh_brute.yml': SSH_BRUTE, 'encoded_ps.yml': ENCODED_PS });
  cleanupRules = r.cleanup;
  rules = loadDetectionRules({ rulePaths: [r.dir] });
  const s = tempStore();
  store = s.store;
  cleanupStore = s.cleanup;
});

afterAll(async () => {
  cleanupRules();
  await cleanupStore();
});

/** Stores the events (real ids from the store) and publishes them as ingest does. */
async function ingest(queues: QueueBackend, docs: EcsEvent[]): Promise<EventMessage[]> {
  const ids = await store.events.append(docs);
  const messages = docs.map((doc, i) => ({ id: ids[i], doc }));
  await queues.queue<EventMessage>(QueueName.events).publishBatch(messages);
  return messages;
}

async function drainAlerts(queues: QueueBackend, reader = 'reader'): Promise<Alert[]> {
  const q = queues.queue<Alert>(QueueName.alerts);
  const out: Alert[] = [];
  for (;;) {
    const batch = await q.consume('test-readers', reader, { count: 500 });
    if (batch.length === 0) return out;
    out.push(...batch.map((m) => m.body));
    await q.ack('test-readers', batch.map((m) => m.id));
  }
}

/** The backend as seen by a worker that publishes its alerts and then "dies": its acks never arrive. */
function dyingBeforeAck(queues: QueueBackend): QueueBackend {
  return {
    kind: queues.kind,
    state: queues.state,
    ready: () => queues.ready(),
    close: () => queues.close(),
    queue: <T>(name: string): WorkQueue<T> => {
      const q = queues.queue<T>(name);
      if (name !== QueueName.events) return q;
      return new Proxy(q, {
        get(target, prop, receiver) {
          if (prop === 'ack') return async () => Promise.reject(new Error('worker A killed before ack'));
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
  };
}

describe('streaming detection (memory queue backend, SQLite store)', () => {
  let queues: QueueBackend;
  afterEach(async () => {
    await queues.close();
  });

  it('turns a matching event into an alert with rule, ATT&CK, key fields, entities, risk and times', async () => {
    queues = createMemoryBackend();
    const detector = createStreamDetector({ queues, rules, consumer: 'det-1', now: () => DETECTED });
    const cmd = 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA';
    const [benign, hit] = await ingest(queues, [processStart(T0, 'powershell.exe -File backup.ps1'), processStart(T0 + 1000, cmd)]);
    const outcome = await detector.poll();
    expect(outcome.messages).toBe(2);
    const alerts = await drainAlerts(queues);
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(a.ruleId).toBe(ENCODED_PS_ID);
    expect(a.ruleTitle).toBe('Encoded PowerShell');
    expect(a.ruleAuthor).toBe('Vigil test author');
    expect(a.ruleLevel).toBe('high');
    expect(a.severity).toBe('high');
    expect(a.riskScore).toBe(73);
    expect(a.tactics).toEqual(['execution', 'defense_evasion']);
    expect(a.techniques).toEqual(['T1059.001']);
    expect(a.eventIds).toEqual([hit.id]);
    expect(a.eventIds).not.toContain(benign.id);
    expect(a.events).toHaveLength(1);
    expect(a.events[0]).toMatchObject({ '@timestamp': new Date(T0 + 1000).toISOString(), process: { command_line: cmd }, host: { name: 'ws-042' } });
    // Key fields only: the Sysmon provider name is not copied.
    expect(a.events[0]).not.toHaveProperty('winlog.provider_name');
    expect((a.events[0].winlog as Record<string, unknown>).provider_name).toBeUndefined();
    expect(a.entities).toEqual({
      hosts: ['ws-042'],
      users: ['CORP\\jdoe'],
      sourceIps: [],
      destinationIps: [],
      processes: ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'],
      hashes: ['a'.repeat(64)],
    });
    expect(a.eventTime).toBe(new Date(T0 + 1000).toISOString());
    expect(a.detectedAt).toBe(new Date(DETECTED).toISOString());
    expect(a.origin).toBe('stream');
    expect(a.groupKey).toBe(`${ENCODED_PS_ID}|host=ws-042`);
    expect(a.status).toBe('open');
    // Acknowledged after publishing: nothing stays pending.
    expect(await queues.queue(QueueName.events).pendingCount('detection')).toBe(0);
  });

  it('raises the risk score for a critical asset and lowers it for a low one', async () => {
    queues = createMemoryBackend();
    const detector = createStreamDetector({ queues, rules, consumer: 'det-1', now: () => DETECTED });
    const cmd = 'powershell -enc AAAA';
    await ingest(queues, [
      processStart(T0, cmd, { vigil: { asset: { criticality: 'critical' } }, host: { name: 'dc-01' } }),
      processStart(T0, cmd, { vigil: { asset: { criticality: 'low' } }, host: { name: 'kiosk-7' } }),
    ]);
    await detector.poll();
    const byHost = new Map((await drainAlerts(queues)).map((a) => [a.entities.hosts[0], a]));
    expect(byHost.get('dc-01')?.riskScore).toBeGreaterThan(73);
    expect(byHost.get('dc-01')?.riskScore).toBeLessThanOrEqual(100);
    expect(byHost.get('kiosk-7')?.riskScore).toBeLessThan(73);
    expect(byHost.get('dc-01')?.events[0]).toMatchObject({ vigil: { asset: { criticality: 'critical' } } });
  });

  it('fires a correlation once for 6 failed sshd logins from one IP within a minute, over all 6 events', async () => {
    queues = createMemoryBackend();
    const detector = createStreamDetector({ queues, rules, consumer: 'det-1', now: () => DETECTED, batchSize: 4, blockMs: 0 });
    // Two failures five minutes earlier fall outside the 1-minute window and are not part of the alert.
    await ingest(queues, [sshFailed('203.0.113.7', T0 - 5 * 60_000), sshFailed('203.0.113.7', T0 - 4 * 60_000)]);
    const attacker = await ingest(
      queues,
      Array.from({ length: 6 }, (_, i) => sshFailed('203.0.113.7', T0 + i * 5_000, i % 2 ? 'root' : 'admin')),
    );
    // Another source stays below the threshold; a success from the attacker is not counted.
    await ingest(queues, [sshFailed('198.51.100.2', T0), sshFailed('198.51.100.2', T0 + 1000), sshAccepted('203.0.113.7', T0 + 2000)]);
    // Two more failures later in the same minute start a new window, not a second alert.
    await ingest(queues, [sshFailed('203.0.113.7', T0 + 31_000), sshFailed('203.0.113.7', T0 + 32_000)]);
    while ((await detector.poll()).messages > 0);
    const alerts = await drainAlerts(queues);
    const corr = alerts.filter((a) => a.origin === 'correlation');
    expect(corr).toHaveLength(1);
    const c = corr[0];
    expect(c.ruleId).toBe(SSH_BRUTE_ID);
    expect(c.ruleTitle).toBe('SSH brute force');
    expect(c.ruleAuthor).toBe('Vigil correlation author');
    expect(c.severity).toBe('high');
    expect(c.techniques).toEqual(['T1110']);
    expect([...c.eventIds].sort()).toEqual(attacker.map((m) => m.id).sort());
    expect(c.events).toHaveLength(6);
    expect(c.entities.sourceIps).toEqual(['203.0.113.7']);
    expect(c.entities.users.sort()).toEqual(['admin', 'root']);
    expect(c.entities.hosts).toEqual(['bastion-1']);
    expect(c.groupKey).toBe(`${SSH_BRUTE_ID}|source.ip=203.0.113.7`);
    expect(c.eventTime).toBe(new Date(T0).toISOString());
    expect(c.data.correlation).toMatchObject({ type: 'event_count', value: 6, group: { 'source.ip': '203.0.113.7' } });
    // generate: true keeps the base rule's own alerts: one per failed line (12), grouped by source IP.
    const base = alerts.filter((a) => a.ruleId === SSH_FAILED_ID);
    expect(base).toHaveLength(12);
    expect(base.every((a) => a.origin === 'stream')).toBe(true);
    expect(new Set(base.filter((a) => a.entities.sourceIps[0] === '203.0.113.7').map((a) => a.groupKey))).toEqual(
      new Set([`${SSH_FAILED_ID}|source.ip=203.0.113.7`]),
    );
  });

  it('two workers sharing the state fire the correlation once', async () => {
    queues = createMemoryBackend();
    const a = createStreamDetector({ queues, rules, consumer: 'det-a', now: () => DETECTED, batchSize: 1, blockMs: 0 });
    const b = createStreamDetector({ queues, rules, consumer: 'det-b', now: () => DETECTED, batchSize: 1, blockMs: 0 });
    await ingest(queues, Array.from({ length: 8 }, (_, i) => sshFailed('203.0.113.9', T0 + i * 1_000)));
    for (let i = 0; i < 5; i++) {
      await a.poll();
      await b.poll();
    }
    const corr = (await drainAlerts(queues)).filter((x) => x.origin === 'correlation');
    expect(corr).toHaveLength(1);
    expect(corr[0].eventIds).toHaveLength(6);
  });

  it('a worker that dies before acknowledging leaves its batch to another worker, which yields the same alert ids', async () => {
    let clock = DETECTED;
    queues = createMemoryBackend({ now: () => clock });
    const events = queues.queue<EventMessage>(QueueName.events);
    const dying = dyingBeforeAck(queues);
    const a = createStreamDetector({ queues: dying, rules, consumer: 'det-a', now: () => clock, claimIdleMs: 60_000 });
    const b = createStreamDetector({ queues, rules, consumer: 'det-b', now: () => clock, claimIdleMs: 60_000, claimEveryMs: 0, blockMs: 0 });
    await ingest(queues, [processStart(T0, 'powershell -enc AAAA'), processStart(T0 + 1, 'powershell /enc BBBB'), processStart(T0 + 2, 'notepad.exe')]);
    await expect(a.poll()).rejects.toThrow('killed before ack');
    const fromA = await drainAlerts(queues);
    expect(fromA).toHaveLength(2);
    expect(await events.pendingCount('detection')).toBe(3);

    // Not yet idle long enough: B finds nothing to claim and no new events.
    expect((await b.poll()).messages).toBe(0);
    clock += 61_000;
    const outcome = await b.poll();
    expect(outcome.claimed).toBe(3);
    expect(outcome.messages).toBe(3);
    const fromB = await drainAlerts(queues);
    expect(fromB.map((x) => x.id).sort()).toEqual(fromA.map((x) => x.id).sort());
    expect(await events.pendingCount('detection')).toBe(0);
  });

  it('a correlation that fired in a batch whose worker died is raised again, with the same id, by the claiming worker', async () => {
    let clock = DETECTED;
    queues = createMemoryBackend({ now: () => clock });
    const a = createStreamDetector({ queues: dyingBeforeAck(queues), rules, consumer: 'det-a', now: () => clock, blockMs: 0 });
    const b = createStreamDetector({ queues, rules, consumer: 'det-b', now: () => clock, claimEveryMs: 0, blockMs: 0 });
    await ingest(queues, Array.from({ length: 6 }, (_, i) => sshFailed('203.0.113.66', T0 + i * 1_000)));
    await expect(a.poll()).rejects.toThrow('killed before ack');
    const fromA = (await drainAlerts(queues)).filter((x) => x.origin === 'correlation');
    expect(fromA).toHaveLength(1);
    clock += 61_000;
    expect((await b.poll()).claimed).toBe(6);
    const fromB = (await drainAlerts(queues)).filter((x) => x.origin === 'correlation');
    expect(fromB.map((x) => x.id)).toEqual(fromA.map((x) => x.id));
    expect(fromB[0].eventIds).toHaveLength(6);
  });

  it('does not count an event twice in a correlation window when it is redelivered after a crash', async () => {
    let clock = DETECTED;
    queues = createMemoryBackend({ now: () => clock });
    const a = createStreamDetector({ queues: dyingBeforeAck(queues), rules, consumer: 'det-a', now: () => clock, blockMs: 0 });
    const b = createStreamDetector({ queues, rules, consumer: 'det-b', now: () => clock, claimEveryMs: 0, blockMs: 0 });
    const first = await ingest(queues, Array.from({ length: 3 }, (_, i) => sshFailed('203.0.113.77', T0 + i * 1_000)));
    await expect(a.poll()).rejects.toThrow('killed before ack');
    clock += 61_000;
    expect((await b.poll()).claimed).toBe(3);
    // Three events seen twice are still three: no correlation yet.
    expect((await drainAlerts(queues)).filter((x) => x.origin === 'correlation')).toHaveLength(0);
    const rest = await ingest(queues, Array.from({ length: 3 }, (_, i) => sshFailed('203.0.113.77', T0 + 10_000 + i * 1_000)));
    await b.poll();
    const corr = (await drainAlerts(queues)).filter((x) => x.origin === 'correlation');
    expect(corr).toHaveLength(1);
    expect([...corr[0].eventIds].sort()).toEqual([...first, ...rest].map((m) => m.id).sort());
  });

  it('raises nothing for a disabled rule, and picks up re-enabling at once', async () => {
    queues = createMemoryBackend();
    const disabled = new Set([ENCODED_PS_ID]);
    const detector = createStreamDetector({ queues, rules, consumer: 'det-1', isEnabled: (id) => !disabled.has(id) });
    await ingest(queues, [processStart(T0, 'powershell -enc AAAA')]);
    await detector.poll();
    expect(await drainAlerts(queues)).toHaveLength(0);
    disabled.clear();
    await ingest(queues, [processStart(T0 + 1, 'powershell -enc AAAA')]);
    await detector.poll();
    expect((await drainAlerts(queues)).map((a) => a.ruleId)).toEqual([ENCODED_PS_ID]);
  });

  it('runs in the background after start() and stop() finishes the batch in hand', async () => {
    queues = createMemoryBackend();
    const detector = createStreamDetector({ queues, rules, consumer: 'det-bg', blockMs: 50, batchSize: 10 });
    detector.start();
    expect(detector.running).toBe(true);
    await ingest(
      queues,
      Array.from({ length: 25 }, (_, i) => processStart(T0 + i, `powershell -enc ${i}`)),
    );
    const alerts: Alert[] = [];
    while (alerts.length < 25) {
      alerts.push(...(await drainAlerts(queues)));
      await new Promise((r) => setTimeout(r, 10));
    }
    await detector.stop();
    expect(detector.running).toBe(false);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(25);
    expect(await queues.queue(QueueName.events).pendingCount('detection')).toBe(0);
  });
});

describe('streaming detection on the Redis backend', () => {
  let redis: RedisServerHandle;
  let queues: QueueBackend;
  beforeAll(async () => {
    redis = await startRedisServer();
    queues = createRedisBackend({ url: redis.url, keyPrefix: 'vigil-stream-test:' });
  });
  afterAll(async () => {
    await queues?.close();
    await redis?.stop();
  });

  it('two workers on Redis: alerts for every match, one correlation alert, nothing left pending', async () => {
    const a = createStreamDetector({ queues, rules, consumer: 'det-a', now: () => DETECTED, batchSize: 3, blockMs: 0 });
    const b = createStreamDetector({ queues, rules, consumer: 'det-b', now: () => DETECTED, batchSize: 3, blockMs: 0 });
    const failed = await ingest(queues, Array.from({ length: 7 }, (_, i) => sshFailed('192.0.2.50', T0 + i * 2_000)));
    await ingest(queues, [processStart(T0, 'powershell -enc AAAA')]);
    for (let i = 0; i < 4; i++) {
      await a.poll();
      await b.poll();
    }
    const alerts = await drainAlerts(queues);
    const corr = alerts.filter((x) => x.origin === 'correlation');
    expect(corr).toHaveLength(1);
    expect(corr[0].eventIds.sort()).toEqual(failed.slice(0, 6).map((m) => m.id).sort());
    expect(corr[0].groupKey).toBe(`${SSH_BRUTE_ID}|source.ip=192.0.2.50`);
    expect(alerts.filter((x) => x.ruleId === SSH_FAILED_ID)).toHaveLength(7);
    expect(alerts.filter((x) => x.ruleId === ENCODED_PS_ID)).toHaveLength(1);
    expect(await queues.queue(QueueName.events).pendingCount('detection')).toBe(0);
  });
});
