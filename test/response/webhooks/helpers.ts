// Shared fixtures for the webhook and export tests: a real SQLite engine in a temp dir, a real
// HTTP receiver on a local port, and realistic incidents and alerts.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { Alert, Incident, StorageEngine } from '../../../core/storage/types.ts';

export async function tempStore(): Promise<{ store: StorageEngine; dataDir: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-webhooks-'));
  const store = createSqliteEngine({ dataDir });
  return {
    store,
    dataDir,
    async close() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  /** The test clock when it arrived. */
  at: number;
}

/**
 * A webhook receiver on a fixed port that can be down (port closed: connection refused), up and
 * answering `status()` per request, and brought back up on the same port.
 */
export class Receiver {
  readonly received: Received[] = [];
  status: (n: number) => number = () => 200;
  private server?: Server;
  port = 0;

  constructor(private readonly clock: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Reserves a free port and leaves it closed (the receiver is down). */
  async reservePort(): Promise<void> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    this.port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.status(this.received.length);
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status, at: this.clock() });
        res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
        res.end(status < 300 ? 'ok' : 'unavailable');
      });
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.server = server;
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }
}

export function makeAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'alert-1',
    ruleId: 'vigil-ssh-bruteforce',
    ruleTitle: 'SSH brute force',
    ruleLevel: 'high',
    ruleAuthor: 'Vigil',
    ruleTags: ['attack.credential_access', 'attack.t1110.001'],
    tactics: ['credential_access'],
    techniques: ['T1110.001'],
    severity: 'high',
    riskScore: 73,
    eventIds: ['ev-1', 'ev-2'],
    events: [{ '@timestamp': '2026-03-01T10:00:00.000Z', event: { category: ['authentication'], outcome: 'failure' }, source: { ip: '203.0.113.7' }, user: { name: 'root' }, host: { name: 'web01' } }],
    entities: { hosts: ['web01'], users: ['root'], sourceIps: ['203.0.113.7'], destinationIps: ['10.0.0.5'], processes: [], hashes: ['d41d8cd98f00b204e9800998ecf8427e'] },
    eventTime: '2026-03-01T10:00:00.000Z',
    detectedAt: '2026-03-01T10:00:05.000Z',
    origin: 'stream',
    groupKey: 'vigil-ssh-bruteforce|source.ip=203.0.113.7',
    status: 'open',
    data: {},
    ...over,
  };
}

export function makeIncident(over: Partial<Incident> & { id: string }): Omit<Incident, 'version' | 'createdAt' | 'updatedAt'> & { createdAt: string } {
  return {
    title: 'SSH brute force against web01',
    state: 'new',
    severity: 'high',
    grade: 'III',
    category: 'network_attack',
    subcategory: 'credential_attack',
    tags: ['ssh'],
    ruleIds: ['vigil-ssh-bruteforce'],
    hosts: ['web01'],
    users: ['root'],
    createdAt: '2026-03-01T10:00:06.000Z',
    fields: {
      observables: [
        { type: 'ip', value: '203.0.113.7', count: 3, firstSeen: '2026-03-01T10:00:05.000Z', lastSeen: '2026-03-01T10:20:00.000Z' },
        { type: 'user', value: 'root', count: 3, firstSeen: '2026-03-01T10:00:05.000Z', lastSeen: '2026-03-01T10:20:00.000Z' },
        { type: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', count: 1, firstSeen: '2026-03-01T10:00:05.000Z', lastSeen: '2026-03-01T10:00:05.000Z' },
        { type: 'domain', value: "evil'example.test", count: 1, firstSeen: '2026-03-01T10:00:05.000Z', lastSeen: '2026-03-01T10:00:05.000Z' },
        { type: 'host', value: 'web01', count: 3, firstSeen: '2026-03-01T10:00:05.000Z', lastSeen: '2026-03-01T10:20:00.000Z' },
      ],
      alertCount: 3,
    },
    ...over,
  };
}
