// Real parts for dashboard tests: a SQLite engine in a temp dir, the in-process notice queue, the
// incident stage's own intake and service (so incidents, timelines, SLA clocks and verdicts are
// written exactly as in production), and a clock moved by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor } from '../../core/auth/api-keys.ts';
import { stableId } from '../../core/ids.ts';
import { type Notice, QueueName } from '../../core/messages.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import type { QueueBackend } from '../../core/queue/types.ts';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import type { Alert, StorageEngine } from '../../core/storage/types.ts';
import { type AlertIntake, createAlertIntake } from '../../response/alerts/intake.ts';
import { IncidentService } from '../../response/incidents/service.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

export const alice: Actor = { id: 'key:an1', name: 'alice', role: 'analyst' };

export interface Harness {
  dataDir: string;
  store: StorageEngine;
  queues: QueueBackend;
  intake: AlertIntake;
  service: IncidentService;
  clock: { ms: number; now: () => Date; advance(ms: number): void; set(iso: string): void };
  close(): Promise<void>;
}

export function harness(start = '2026-03-02T08:00:00.000Z'): Harness {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dash-'));
  const clock = {
    ms: Date.parse(start),
    now: (): Date => new Date(clock.ms),
    advance(ms: number) {
      clock.ms += ms;
    },
    set(iso: string) {
      clock.ms = Date.parse(iso);
    },
  };
  const store = createSqliteEngine({ dataDir, clock: () => clock.ms });
  const queues = createMemoryBackend({ now: () => clock.ms });
  const notices = queues.queue<Notice>(QueueName.notices);
  return {
    dataDir,
    store,
    queues,
    clock,
    intake: createAlertIntake({ store, notices, now: clock.now }),
    service: new IncidentService({ store, notices, now: clock.now }),
    async close() {
      await queues.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let seq = 0;

/** An alert shaped like detection's, detected now; `lagMs` puts the event that long before. */
export function makeAlert(now: Date, over: Partial<Alert> & { host?: string; ip?: string; user?: string; lagMs?: number } = {}): Alert {
  const { host = 'web-01', ip = '203.0.113.7', user = 'root', lagMs = 0, ...rest } = over;
  const ruleId = rest.ruleId ?? 'vigil-ssh-bruteforce';
  const at = now.toISOString();
  seq++;
  return {
    id: rest.id ?? stableId('dash-alert', String(seq), at),
    ruleId,
    ruleTitle: 'SSH brute force',
    ruleLevel: 'high',
    ruleTags: ['attack.credential_access', 'attack.t1110'],
    tactics: ['credential_access'],
    techniques: ['T1110'],
    severity: 'high',
    riskScore: 73,
    eventIds: [`ev-${seq}`],
    events: [{ '@timestamp': at, host: { name: host }, source: { ip }, user: { name: user } }],
    entities: { hosts: [host], users: [user], sourceIps: [ip], destinationIps: [], processes: [], hashes: [] },
    eventTime: new Date(now.getTime() - lagMs).toISOString(),
    detectedAt: at,
    origin: 'stream',
    groupKey: `${ruleId}|${ip}|${host}`,
    status: 'open',
    data: {},
    ...rest,
  };
}

/** Opens an incident from one alert and returns its id. */
export async function openIncident(h: Harness, over: Parameters<typeof makeAlert>[1] = {}): Promise<string> {
  const { created } = await h.intake.handle([makeAlert(h.clock.now(), over)]);
  if (!created.length) throw new Error('intake created no incident');
  return created[0];
}
