// The worker a serving process runs: notices from the queue start runs, its ticks retry them,
// stop() waits for the work in hand; and loadPlaybookEngine builds the parts from a folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Notice } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/index.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { StorageEngine } from '../../../core/storage/types.ts';
import { createPlaybookRunner, createPlaybookWorker, loadPlaybookEngine } from '../../../response/playbooks/index.ts';
import { playbookDir, type Receiver, reply, sshIncident, startReceiver, storePort } from './helpers.ts';

let dir: string;
let store: StorageEngine;
let rx: Receiver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-pbworker-'));
  store = createSqliteEngine({ dataDir: dir });
  rx = await startReceiver(reply(200));
});

afterEach(async () => {
  await store.close();
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
});

it('consumes incident notices, starts the matching playbook, and acknowledges them', async () => {
  const parts = loadPlaybookEngine({ dir: playbookDir, env: { PLAYBOOK_NOTIFY_URL: `${rx.url}/notify` } });
  expect(parts.errors).toEqual([]);
  expect(parts.playbooks).toHaveLength(5);
  expect(await parts.intel?.lookup('hash', '275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F')).toEqual([
    { list: 'known-bad-hashes', indicator: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' },
  ]);
  const backend = createMemoryBackend();
  const notices = backend.queue<Notice>('notices');
  const runner = createPlaybookRunner({ store: store.runs, incidents: storePort(store.incidents, () => new Date()), notices, ...parts });
  const worker = createPlaybookWorker({ runner, notices, tickMs: 20, blockMs: 20 });
  await worker.start();
  const inc = await store.incidents.create(sshIncident());
  await notices.publish({ id: 'n-1', type: 'incident.created', at: new Date().toISOString(), incidentId: inc.id, data: {} });
  for (let i = 0; i < 1000 && (await store.runs.list({ incidentId: inc.id, status: ['waiting_approval'] }, { limit: 1 })).items.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await worker.stop();
  const [run] = (await store.runs.list({ incidentId: inc.id }, { limit: 5 })).items;
  expect(run).toMatchObject({ playbookId: 'ssh_bruteforce', status: 'waiting_approval' });
  expect(rx.at('/notify')).toHaveLength(1);
  expect(await notices.pendingCount('playbooks')).toBe(0);
  await backend.close();
});
