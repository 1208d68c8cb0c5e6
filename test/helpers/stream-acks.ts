// Watches a real redis-server with MONITOR and records, per consumer of one stream group, which
// entries it acknowledged. Consumers are recognised by the connection that names them
// (XREADGROUP / XAUTOCLAIM / XCLAIM carry the consumer name); XACK does not name a consumer,
// so it is credited to the consumer last named on the same connection. This is how a test can
// say "each of the two workers processed these events" without asking the workers themselves.
import { Redis } from 'ioredis';

export interface StreamAckWatch {
  /** Entry ids acknowledged, per consumer name (in the order they were acknowledged). */
  acked(): Map<string, string[]>;
  /** Acknowledgements on connections that never named a consumer (should stay empty). */
  unattributed(): string[];
  close(): Promise<void>;
}

/** `key` is the stream's full Redis key (e.g. 'vigil:queue:events'); `group` the consumer group. */
export async function watchStreamAcks(url: string, key: string, group: string): Promise<StreamAckWatch> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const monitor = await client.monitor();
  const consumerOf = new Map<string, string>();
  const acked = new Map<string, string[]>();
  const unattributed: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const cmd = args[0]?.toUpperCase();
    if (cmd === 'XREADGROUP' && args[1]?.toUpperCase() === 'GROUP' && args[2] === group) consumerOf.set(source, args[3]);
    else if ((cmd === 'XAUTOCLAIM' || cmd === 'XCLAIM') && args[1] === key && args[2] === group) consumerOf.set(source, args[3]);
    else if (cmd === 'XACK' && args[1] === key && args[2] === group) {
      const consumer = consumerOf.get(source);
      if (consumer === undefined) unattributed.push(...args.slice(3));
      else {
        let list = acked.get(consumer);
        if (!list) acked.set(consumer, (list = []));
        list.push(...args.slice(3));
      }
    }
  });
  return {
    acked: () => acked,
    unattributed: () => unattributed,
    async close() {
      monitor.disconnect();
      client.disconnect();
    },
  };
}
