// Shared set-up for incident tests: a real SQLite engine in a temp dir, the in-process queue for
// notices, a clock tests move by hand, and an alert factory shaped like detection's alerts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../../core/auth/api-keys.ts';
import { stableId } from '../../../core/ids.ts';
import { type Notice, QueueName } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { QueueBackend, WorkQueue } from '../../../core/queue/types.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { Alert, StorageEngine } from '../../../core/storage/types.ts';
import type { IncidentConfigInput } from '../../../response/incidents/config.ts';
import { IncidentService } from '../../../response/incidents/service.ts';
import { createAlertIntake, type AlertIntake } from '../../../response/alerts/intake.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

export class TestClock {
  constructor(public ms = Date.parse('2026-03-02T08:00:00.000Z')) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const analyst: Actor = { id: 'key:an1', name: 'alice', role: 'analyst' };

export interface Harness {
  dataDir: string;
  store: StorageEngine;
  queues: QueueBackend;
  notices: WorkQueue<Notice>;
  clock: TestClock;
  intake: AlertIntake;
  service: IncidentService;
  /** Notices published so far (read through a dedicated consumer group). */
  drainNotices(): Promise<Notice[]>;
  close(): Promise<void>;
}

export function harness(config: IncidentConfigInput = {}): Harness {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-incidents-'));
  const clock = new TestClock();
  const store = createSqliteEngine({ dataDir, clock: () => clock.ms });
  const queues = createMemoryBackend({ now: () => clock.ms });
  const notices = queues.queue<Notice>(QueueName.notices);
  const intake = createAlertIntake({ store, notices, config, now: clock.now });
  const service = new IncidentService({ store, notices, config, now: clock.now });
  return {
    dataDir,
    store,
    queues,
    notices,
    clock,
    intake,
    service,
    async drainNotices() {
      const out: Notice[] = [];
      for (;;) {
        const batch = await notices.consume('test', 'test', { count: 1000 });
        if (!batch.length) return out;
        await notices.ack('test', batch.map((m) => m.id));
        out.push(...batch.map((m) => m.body));
      }
    },
    async close() {
      await queues.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;

/** An SSH brute-force style alert for `host` from `ip`; ids are unique unless `id` is given. */
export function alert(clock: TestClock, over: Partial<Alert> & { host?: string; ip?: string; user?: string } = {}): Alert {
  const { host = 'web-01', ip = '203.0.113.7', user = 'root', ...rest } = over;
  const ruleId = rest.ruleId ?? 'vigil-ssh-bruteforce';
  const at = new Date(clock.ms).toISOString();
  seq++;
  return {
    id: rest.id ?? stableId('alert', String(seq), at),
    ruleId,
    ruleTitle: 'SSH brute force',
    ruleLevel: 'high',
    ruleTags: ['attack.credential_access', 'attack.t1110'],
    tactics: ['credential_access'],
    techniques: ['T1110'],
    severity: 'high',
    riskScore: 73,
    eventIds: [`ev-${seq}`],
    events: [{ '@timestamp': at, host: { name: host }, source: { ip }, user: { name: user }, event: { outcome: 'failure' } }],
    entities: { hosts: [host], users: [user], sourceIps: [ip], destinationIps: [], processes: [], hashes: [] },
    eventTime: at,
    detectedAt: at,
    origin: 'correlation',
    groupKey: `${ruleId}|${ip}`,
    status: 'open',
    data: {},
    ...rest,
  };
}
