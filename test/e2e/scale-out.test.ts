// Issue 7, part 5: several `vigil serve` processes sharing one Redis and one store. A real
// redis-server, one SQLite data dir, an ingest+api process and two `--roles detect` workers.
// Events go in through the HTTP API while one worker is frozen and killed with work in hand;
// the test reads the alerts stream itself (its own consumer group, no respond process) and shows
// every event detected (distinct deterministic alert ids == events), both workers doing part of
// the work, the dead worker's events claimed by the other, and a correlation over events handled
// by both workers firing exactly once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventMessage, QueueName } from '../../core/messages.ts';
import { createRedisBackend } from '../../core/queue/redis.ts';
import type { QueueBackend, QueueMessage, WorkQueue } from '../../core/queue/types.ts';
import type { Alert } from '../../core/storage/types.ts';
import { eventually } from '../helpers/http-recorder.ts';
import { type RedisServerHandle, startRedisServer } from '../helpers/redis-server.ts';
import { runVigil, startVigil, type VigilProcess } from '../helpers/server.ts';
import { type StreamAckWatch, watchStreamAcks } from '../helpers/stream-acks.ts';

const KEY = 'scale-out-admin-key-0123456789abcdef';
const N = 2000;
const CHUNK = 50;
/** Every 50th event comes from this address: 40 in all, exactly the correlation's threshold. */
const SPRAYER = '203.0.113.66';
const CORRELATED = N / 50;
const EVENTS_KEY = `vigil:queue:${QueueName.events}`;
const TEST_GROUP = 'scale-out-test';

const RULES = `title: Scale-out Failed Login
id: 5d0c1f2e-7a4b-4c55-9b0e-5ca1e0a70001
name: scale_out_failed_login
status: experimental
description: Every failed SSH login, so the test can count one alert per event.
logsource:
    product: linux
    service: auth
detection:
    selection:
        event.action: ssh_login
        event.outcome: failure
    condition: selection
level: low
---
title: Scale-out Spray From One Address
id: 5d0c1f2e-7a4b-4c55-9b0e-5ca1e0a70002
status: experimental
description: ${CORRELATED} failed logins from one address within an hour.
correlation:
    type: event_count
    rules:
        - scale_out_failed_login
    group-by:
        - source.ip
    timespan: 1h
    condition:
        gte: ${CORRELATED}
    generate: true
level: high
`;

/**
 * sshd lines `from..to` (exclusive) of the run, one second apart from `start`. With `sprayAt`, the
 * SPRAYER's lines all carry that one time (a tool's burst): the correlator counts a group's events
 * up to the time of the event in hand, so this keeps the count independent of the order in which
 * the two workers (and the claim of the dead one's events) happen to process them.
 */
function sshdLines(from: number, to: number, start: number, ipOf: (i: number) => string, sprayAt?: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    const stamp = new Date(sprayAt !== undefined && ipOf(i) === SPRAYER ? sprayAt : start + i * 1000);
    const mon = stamp.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const day = String(stamp.getUTCDate()).padStart(2, ' ');
    const hms = stamp.toISOString().slice(11, 19);
    lines.push(`${mon} ${day} ${hms} web-01 sshd[${10000 + i}]: Failed password for user${i % 7} from ${ipOf(i)} port ${40000 + (i % 20000)} ssh2`);
  }
  return `${lines.join('\n')}\n`;
}

const ipOf = (i: number): string => (i % 50 === 25 ? SPRAYER : `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

async function post(url: string, path: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${url}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/plain' },
    body,
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const consumerOf = (p: VigilProcess): string => `detect-${hostname()}-${p.proc.pid}-0`;

/** Reads everything new a queue has for this test's own consumer group (never acknowledged: nothing is trimmed for it). */
async function drain<T>(queue: WorkQueue<T>, into: Array<QueueMessage<T>>): Promise<void> {
  for (;;) {
    const batch = await queue.consume(TEST_GROUP, TEST_GROUP, { count: 1000 });
    if (batch.length === 0) return;
    into.push(...batch);
  }
}

describe('scale-out: two detection workers on one Redis and one store', () => {
  let redis: RedisServerHandle;
  let watch: StreamAckWatch;
  let backend: QueueBackend;
  let front: VigilProcess;
  let workers: VigilProcess[] = [];
  let env: Record<string, string>;
  const alertMessages: Array<QueueMessage<Alert>> = [];
  const alerts = (): Alert[] => alertMessages.map((m) => m.body);

  beforeAll(async () => {
    redis = await startRedisServer();
    // Before any worker starts, so the connection that names each consumer is seen.
    watch = await watchStreamAcks(redis.url, EVENTS_KEY, 'detection');
    backend = createRedisBackend({ url: redis.url });
    // The test's own groups exist before the first event, so they see every entry.
    await backend.queue<Alert>(QueueName.alerts).consume(TEST_GROUP, TEST_GROUP, { count: 1 });
    await backend.queue<EventMessage>(QueueName.events).consume(TEST_GROUP, TEST_GROUP, { count: 1 });
    const rulesDir = mkdtempSync(join(tmpdir(), 'vigil-scale-rules-'));
    writeFileSync(join(rulesDir, 'scale-out.yml'), RULES);
    env = {
      VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-scale-data-')),
      VIGIL_REDIS_URL: redis.url,
      VIGIL_BOOTSTRAP_ADMIN_KEY: KEY,
      VIGIL_LOG_LEVEL: 'warn',
      VIGIL_DETECTION_RULES: rulesDir,
      VIGIL_DETECTION_BATCH_SIZE: '50',
      VIGIL_DETECTION_CLAIM_IDLE_MS: '2000',
    };
    // The API process first: it creates the admin key, so the workers find one and create none.
    front = await startVigil(env, ['--roles', 'ingest,api']);
    workers = [await startVigil(env, ['--roles', 'detect']), await startVigil(env, ['--roles', 'detect'])];
  }, 60_000);

  afterAll(async () => {
    for (const p of [front, ...workers]) if (p && p.proc.exitCode === null && p.proc.signalCode === null) await p.stop();
    await backend?.close();
    await watch?.close();
    await redis?.stop();
  });

  it('says which roles each process runs; a detect-only worker serves health checks but no API', async () => {
    expect(front.stderr()).toMatch(/listening on \S+ \(roles: ingest,api;/);
    expect(workers[0].stderr()).toMatch(/listening on \S+ \(roles: detect;/);
    expect((await fetch(`${workers[0].url}/readyz`)).status).toBe(200);
    const api = await fetch(`${workers[0].url}/api/v1/alerts`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(api.status).toBe(404);
    expect((await fetch(`${workers[0].url}/`)).status).toBe(404);
  });

  it('detects every event exactly once across two workers, one of them killed mid-stream', async () => {
    const [victim, survivor] = workers;
    const eventQueue = backend.queue<EventMessage>(QueueName.events);
    const events: Array<QueueMessage<EventMessage>> = [];
    const start = Date.now() - N * 1000;
    let accepted = 0;
    let killed: (() => void) | undefined;
    const killDone = new Promise<void>((r) => (killed = r));
    let heldByVictim: string[] = [];

    const send = async (): Promise<void> => {
      for (let from = 0; from < N; from += CHUNK) {
        // Enough events after the kill that the stream is still flowing when the worker dies.
        if (from === N * 0.7) await killDone;
        const r = await post(front.url, '/ingest/raw?dataset=system.auth', sshdLines(from, from + CHUNK, start, ipOf, start + N * 500));
        expect(r.status).toBe(202);
        accepted += r.body.accepted as number;
      }
    };
    const kill = async (): Promise<void> => {
      // Killed once a third is sent and it has done a good share of the work, one of the
      // sprayer's events included, so the correlation below is sure to span both workers.
      await eventually(
        'a third of the events sent and a sixth, a sprayer event among them, acknowledged by the worker to kill',
        async () => {
          await drain(eventQueue, events);
          const sprayer = new Set(events.filter((e) => (e.body.doc.source as { ip?: string } | undefined)?.ip === SPRAYER).map((e) => e.id));
          const done = watch.acked().get(consumerOf(victim)) ?? [];
          return accepted >= N / 3 && done.length >= N / 6 && done.some((id) => sprayer.has(id)) ? true : undefined;
        },
        30_000,
        20,
      );
      // Frozen first, so it is certain to die holding delivered, unacknowledged events: a frozen
      // worker's blocked read is still served by Redis while the events keep coming.
      for (;;) {
        victim.proc.kill('SIGSTOP');
        const held = await eventually(
          'events pending on the frozen worker',
          async () => {
            const ids = (await pendingOf(redis.url, consumerOf(victim))) ?? [];
            return ids.length > 0 ? ids : undefined;
          },
          1500,
          50,
        ).catch(() => undefined);
        if (held) {
          heldByVictim = held;
          break;
        }
        // Frozen between two reads: let it take another batch and freeze it again.
        victim.proc.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 100));
      }
      victim.proc.kill('SIGKILL');
      await new Promise((r) => (victim.proc.exitCode !== null || victim.proc.signalCode !== null ? r(undefined) : victim.proc.once('exit', r)));
      // What it held when it died (read again now that it can acknowledge nothing more).
      heldByVictim = (await pendingOf(redis.url, consumerOf(victim))) ?? heldByVictim;
      killed?.();
    };
    await Promise.all([send(), kill()]);
    expect(accepted).toBe(N);
    expect(heldByVictim.length).toBeGreaterThan(0);

    const alertQueue = backend.queue<Alert>(QueueName.alerts);
    const streamAlerts = () => new Set(alerts().filter((a) => a.origin === 'stream').map((a) => a.id));
    // A live worker claims the dead one's events after 2 s idle (checking every 1 s).
    await eventually(
      'one alert per event',
      async () => {
        await drain(alertQueue, alertMessages);
        return streamAlerts().size >= N ? true : undefined;
      },
      45_000,
      250,
    );
    // Everything acknowledged: nothing left pending on the dead worker or anywhere else.
    // The dead worker may have published its held events' alerts before it froze: the pending
    // entries, not the alerts, show that the claim happened.
    await eventually('the detection group drained', async () => ((await eventQueue.pendingCount('detection')) === 0 ? true : undefined), 30_000, 250);
    await drain(alertQueue, alertMessages);
    await drain(eventQueue, events);
    expect(events).toHaveLength(N);

    // Every event produced its alert, and only one (ids are deterministic per rule and event).
    const perEvent = alerts().filter((a) => a.origin === 'stream');
    expect(streamAlerts().size).toBe(N);
    expect(new Set(perEvent.map((a) => a.eventIds[0])).size).toBe(N);
    expect(perEvent.every((a) => a.eventIds.length === 1 && a.ruleTitle === 'Scale-out Failed Login')).toBe(true);

    // Both workers did part of the work; the dead worker's held events were finished by the survivor.
    const acked = watch.acked();
    const byVictim = new Set(acked.get(consumerOf(victim)) ?? []);
    const bySurvivor = new Set(acked.get(consumerOf(survivor)) ?? []);
    expect(watch.unattributed()).toEqual([]);
    expect(byVictim.size).toBeGreaterThan(0);
    expect(bySurvivor.size).toBeGreaterThan(0);
    for (const id of heldByVictim) {
      expect(byVictim.has(id)).toBe(false);
      expect(bySurvivor.has(id)).toBe(true);
    }
    expect(new Set([...byVictim, ...bySurvivor]).size).toBe(N);
    await eventually('the claim in the survivor log', async () => (survivor.stdout().includes('claimed events left pending by another detection worker') ? true : undefined), 5_000);
    console.info(`scale-out: victim acknowledged ${byVictim.size} events, survivor ${bySurvivor.size} (${heldByVictim.length} claimed from the victim)`);

    // One correlation alert for the address, over events acknowledged by both workers.
    const correlation = alerts().filter((a) => a.origin === 'correlation');
    expect(new Set(correlation.map((a) => a.id)).size).toBe(1);
    expect(correlation[0].ruleTitle).toBe('Scale-out Spray From One Address');
    expect((correlation[0].data.correlation as { group: Record<string, string> }).group).toEqual({ 'source.ip': SPRAYER });
    const streamIdOf = new Map(events.map((e) => [e.body.id, e.id]));
    const sprayed = perEvent.filter((a) => (a.events[0] as { source?: { ip?: string } }).source?.ip === SPRAYER);
    expect(sprayed).toHaveLength(CORRELATED);
    const sprayStreamIds = sprayed.map((a) => streamIdOf.get(a.eventIds[0]) as string);
    expect(sprayStreamIds.some((id) => byVictim.has(id))).toBe(true);
    expect(sprayStreamIds.some((id) => bySurvivor.has(id))).toBe(true);
  }, 120_000);

  it('vigil ingest with VIGIL_REDIS_URL hands imported events to the running detection workers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-scale-file-'));
    const file = join(dir, 'auth.log');
    writeFileSync(file, sshdLines(0, 12, Date.now() - 60_000, (i) => `192.0.2.${i + 1}`));
    const before = alertMessages.length;
    const r = await runVigil(['ingest', file, '--dataset', 'system.auth', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals).toMatchObject({ accepted: 12, deadLettered: 0 });
    const fresh = await eventually('alerts for the imported file', async () => {
      await drain(backend.queue<Alert>(QueueName.alerts), alertMessages);
      const mine = alerts()
        .slice(before).filter((a) => /^192\.0\.2\./.test(String((a.events[0] as { source?: { ip?: string } }).source?.ip)));
      return mine.length >= 12 ? mine : undefined;
    });
    expect(new Set(fresh.map((a) => a.id)).size).toBe(12);
  }, 60_000);
});

describe('vigil serve --roles', () => {
  it('refuses an unknown role with exit code 2, naming it and the known ones', async () => {
    const r = await runVigil(['serve', '--roles', 'ingest,detekt'], { VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-scale-roles-')) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("vigil serve: --roles: unknown role 'detekt' in 'ingest,detekt' (known: ingest, detect, respond, api)");
    const empty = await runVigil(['serve', '--roles', ' , '], {});
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--roles: empty list');
  });

  it('warns when a subset of roles runs without Redis, since no other process can take the rest', async () => {
    const p = await startVigil({ VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-scale-roles-')), VIGIL_LOG_LEVEL: 'warn' }, ['--roles', 'api, ingest,api']);
    try {
      expect(p.stderr()).toContain(
        'vigil serve: warning: --roles ingest,api without VIGIL_REDIS_URL: the queues are not shared, so detect, respond run nowhere for this process',
      );
      expect(p.stderr()).toMatch(/listening on \S+ \(roles: ingest,api;/);
    } finally {
      expect(await p.stop()).toBe(0);
    }
  });
});

/** Entry ids pending on one consumer of the detection group. */
async function pendingOf(url: string, consumer: string): Promise<string[] | undefined> {
  const { Redis } = await import('ioredis');
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const rows = (await c.call('XPENDING', EVENTS_KEY, 'detection', '-', '+', 10_000, consumer)) as Array<[string, string, number, number]>;
    return rows.map((r) => r[0]);
  } finally {
    c.disconnect();
  }
}
