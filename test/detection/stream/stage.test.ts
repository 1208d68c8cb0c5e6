import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventMessage, QueueName } from '../../../core/messages.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { Alert } from '../../../core/storage/types.ts';
import { createDetectionStage } from '../../../detection/stream/index.ts';
import { ENCODED_PS, ENCODED_PS_ID, processStart, ruleDir, SSH_FAILED, SSH_FAILED_ID, sshFailed, T0, tempStore } from './fixtures.ts';

let rules: ReturnType<typeof ruleDir>;
beforeAll(() => {
  rules = ruleDir({ 'ssh.yml': SSH_FAILED, 'ps.yml': ENCODED_PS, 'broken.yml': 'title: broken\nlogsource: {}\ndetection: { condition: nothing }\n' });
});
afterAll(() => rules.cleanup());

describe('detection stage', () => {
  it('loads the rules (reporting bad ones), runs two workers until stopped, honours disabled rules', async () => {
    const { store, cleanup } = tempStore();
    const queues = createMemoryBackend();
    const stage = createDetectionStage({ store, queues, rulePaths: [rules.dir], workers: 2, blockMs: 20, batchSize: 5, disabledRules: [ENCODED_PS_ID], consumerPrefix: 'test' });
    expect(stage.rules.compiled.map((c) => c.rule.id).sort()).toEqual([ENCODED_PS_ID, SSH_FAILED_ID].sort());
    expect([...new Set(stage.rules.problems.map((p) => p.file))]).toEqual([expect.stringContaining('broken.yml')]);
    stage.start();
    // The disabled rule's event comes first, in a batch that also holds ssh events whose alerts we wait for.
    const docs = [processStart(T0, 'powershell -enc AAAA'), ...Array.from({ length: 12 }, (_, i) => sshFailed('203.0.113.3', T0 + i))];
    const ids = await store.events.append(docs);
    await queues.queue<EventMessage>(QueueName.events).publishBatch(docs.map((doc, i) => ({ id: ids[i], doc })));
    const alerts = queues.queue<Alert>(QueueName.alerts);
    const seen: Alert[] = [];
    while (seen.length < 12) {
      const batch = await alerts.consume('reader', 'r', { count: 100, blockMs: 50 });
      seen.push(...batch.map((m) => m.body));
      await alerts.ack('reader', batch.map((m) => m.id));
    }
    await stage.stop();
    expect(seen.map((a) => a.ruleId)).toEqual(Array(12).fill(SSH_FAILED_ID));
    expect(new Set(seen.map((a) => a.eventIds[0]))).toEqual(new Set(ids.slice(1)));
    await queues.close();
    await cleanup();
  });
});
