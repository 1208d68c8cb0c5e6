import { afterEach, describe, expect, it } from 'vitest';
import { QueueName } from '../../../core/messages.ts';
import type { Alert } from '../../../core/storage/types.ts';
import { createAlertConsumer } from '../../../response/alerts/consumer.ts';
import { alert, type Harness, harness, MIN } from './helpers.ts';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('alert consumer', () => {
  it('turns queued alerts into one incident and acknowledges them', async () => {
    h = harness();
    const queue = h.queues.queue<Alert>(QueueName.alerts);
    await queue.publishBatch(Array.from({ length: 5 }, () => alert(h.clock)));
    const consumer = createAlertConsumer({ queue, intake: h.intake, consumer: 'w1', blockMs: 0 });
    const r = await consumer.pollOnce();
    expect(r?.stored).toHaveLength(5);
    expect(r?.created).toHaveLength(1);
    expect(await queue.pendingCount('incidents')).toBe(0);
    expect(await consumer.pollOnce()).toBeUndefined();
  });

  it('a batch left pending by a dead worker is taken over and not counted twice', async () => {
    h = harness();
    const queue = h.queues.queue<Alert>(QueueName.alerts);
    const alerts = Array.from({ length: 3 }, () => alert(h.clock));
    await queue.publishBatch(alerts);
    // Worker 1 handles the batch but dies before acknowledging it.
    const taken = await queue.consume('incidents', 'w1', { count: 10 });
    await h.intake.handle(taken.map((m) => m.body));
    h.clock.advance(2 * MIN);
    const w2 = createAlertConsumer({ queue, intake: h.intake, consumer: 'w2', blockMs: 0, staleMs: MIN });
    const r = await w2.pollOnce();
    expect(r?.duplicates).toHaveLength(3);
    expect(await queue.pendingCount('incidents')).toBe(0);
    const [inc] = (await h.store.incidents.list({}, { limit: 10 })).items;
    expect(inc.fields.alertCount).toBe(3);
  });
});
