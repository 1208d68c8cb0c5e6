// A consumer in its own process, for the queue contract test: it takes messages on its own Redis
// connection, prints their ids as one JSON line and never acknowledges, waiting to be killed.
// Usage: node --import tsx queue-consumer-child.ts <redisUrl> <keyPrefix> <queue> <group> <consumer> <count>

import { createRedisBackend } from '../../core/queue/redis.ts';

const [url, keyPrefix, queueName, group, consumer, count] = process.argv.slice(2);
const backend = createRedisBackend({ url, keyPrefix });
const queue = backend.queue<unknown>(queueName);
const taken = await queue.consume(group, consumer, { count: Number(count), blockMs: 5000 });
process.stdout.write(`${JSON.stringify({ taken: taken.map((m) => m.id) })}\n`);
// Holds its connection open like a busy worker until the test kills it.
setInterval(() => {}, 60_000);
