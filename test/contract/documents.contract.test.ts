import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import type { StorageEngine } from '../../core/storage/types.ts';

const engines: Array<{ name: string; create: () => Promise<StorageEngine> }> = [
  { name: 'sqlite', create: async () => createSqliteEngine({ dataDir: mkdtempSync(join(tmpdir(), 'vigil-docs-')) }) },
];
if (process.env.VIGIL_ELASTICSEARCH_URL) {
  engines.push({
    name: 'elasticsearch',
    create: async () => {
      const modulePath = '../../core/storage/elasticsearch/index.ts';
      const mod = (await import(modulePath)) as { createElasticsearchEngine(o: Record<string, unknown> & { url: string }): StorageEngine };
      const run = Date.now().toString(36);
      return mod.createElasticsearchEngine({
        url: process.env.VIGIL_ELASTICSEARCH_URL as string,
        apiKey: process.env.VIGIL_ELASTICSEARCH_API_KEY,
        username: process.env.VIGIL_ELASTICSEARCH_USERNAME,
        password: process.env.VIGIL_ELASTICSEARCH_PASSWORD,
        caCert: process.env.VIGIL_ELASTICSEARCH_CA_CERT,
        indexPrefix: `vigil-test-${run}`,
        namespace: `test_${run}`,
        dropOnClose: process.env.VIGIL_ELASTICSEARCH_KEEP !== '1',
      });
    },
  });
}

describe.each(engines)('document store on $name', ({ create }) => {
  let store: StorageEngine;
  beforeAll(async () => {
    store = await create();
  });
  afterAll(() => store.close());

  it('creates, reads, replaces with a version check, lists and deletes', async () => {
    const a = await store.docs.put('exceptions', 'e1', { field: 'user.name', value: 'svc-backup' });
    expect(a.version).toBe(1);
    expect((await store.docs.get('exceptions', 'e1'))?.body).toEqual({ field: 'user.name', value: 'svc-backup' });
    const b = await store.docs.put('exceptions', 'e1', { field: 'user.name', value: 'svc-2' }, 1);
    expect(b.version).toBe(2);
    await expect(store.docs.put('exceptions', 'e1', { stale: true }, 1)).rejects.toMatchObject({ code: 'STORE_VERSION_CONFLICT' });
    await store.docs.put('exceptions', 'e2', { field: 'host.name', value: 'lab' });
    await store.docs.put('other', 'x', 1);
    expect((await store.docs.list('exceptions')).map((d) => d.id)).toEqual(['e1', 'e2']);
    expect(await store.docs.delete('exceptions', 'e1')).toBe(true);
    expect(await store.docs.delete('exceptions', 'e1')).toBe(false);
    expect(await store.docs.get('exceptions', 'e1')).toBeUndefined();
  });

  it('creates a document only once with putIfAbsent (dedup keys)', async () => {
    const results = await Promise.all([store.docs.putIfAbsent('dedup', 'sender-1', { at: 1 }), store.docs.putIfAbsent('dedup', 'sender-1', { at: 2 })]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.docs.get('dedup', 'sender-1'))?.body).toEqual({ at: 1 });
  });

  it('refuses to create with a non-zero expected version', async () => {
    await expect(store.docs.put('exceptions', 'missing', {}, 3)).rejects.toMatchObject({ code: 'STORE_VERSION_CONFLICT' });
  });
});
