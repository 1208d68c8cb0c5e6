import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { getPath } from '../../../core/ecs.ts';
import type { StorageEngine } from '../../../core/storage/types.ts';
import { ingestRoutes } from '../../../ingest/http/ingest-routes.ts';
import { createIngestPipeline, type EventSink, type IngestPipeline } from '../../../ingest/pipeline/pipeline.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { quietLogger } from './helpers.ts';

const SSHD_FAIL = 'Nov 24 10:00:01 web-01 sshd[123]: Failed password for root from 203.0.113.7 port 52144 ssh2';
const SSHD_OK = 'Nov 24 10:00:02 web-01 sshd[124]: Accepted publickey for alice from 10.0.0.9 port 50000 ssh2';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function app(
  opts: { sink?: (store: StorageEngine) => EventSink; maxInFlight?: number; maxDecompressedBytes?: number } = {},
): Promise<{
  t: TestApp;
  pipeline: () => IngestPipeline;
}> {
  let pipeline!: IngestPipeline;
  t = await buildTestApp({
    routes: (store) => {
      const sink = opts.sink?.(store) ?? { push: async (events) => void (await store.events.append(events)) };
      pipeline = createIngestPipeline({ sink, logger: quietLogger, maxInFlight: opts.maxInFlight });
      return [{ plugin: ingestRoutes, options: { pipeline, maxDecompressedBytes: opts.maxDecompressedBytes } }];
    },
  });
  return { t, pipeline: () => pipeline };
}

async function stored(store: StorageEngine) {
  return (await store.events.search({}, { limit: 1000 }, 'asc')).items;
}

describe('HTTP ingest', () => {
  it('NDJSON: stores each document, dead-letters a line that is not JSON and lists its error', async () => {
    const { t } = await app();
    const body = [
      JSON.stringify({ '@timestamp': '2026-11-24T09:00:00Z', source: { ip: '198.51.100.7', port: '8443' }, event: { kind: 'event' } }),
      '',
      '{"not json',
      JSON.stringify({ message: SSHD_FAIL, event: { dataset: 'system.auth' } }),
    ].join('\n');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { ...t.auth('ingest'), 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    expect(res.statusCode).toBe(202);
    const r = res.json();
    expect(r).toMatchObject({ accepted: 2, rejected: 1, events: 2 });
    expect(r.errors).toEqual([{ line: 3, code: 'INGEST_PARSE', message: expect.stringContaining('body line 3: not valid JSON') }]);
    const events = await stored(t.store);
    expect(events).toHaveLength(3);
    const ecsDoc = events.find((e) => getPath(e.doc, 'source.ip') === '198.51.100.7')!;
    expect(getPath(ecsDoc.doc, 'source.port')).toBe(8443);
    expect(events.find((e) => e.dataset === 'system.auth')?.doc).toMatchObject({ user: { name: 'root' } });
    expect(events.find((e) => e.kind === 'pipeline_error')?.doc).toMatchObject({ event: { original: '{"not json' } });
  });

  it('a gzipped JSON array', async () => {
    const { t } = await app();
    const docs = [
      { '@timestamp': '2026-11-24T09:00:00Z', host: { name: 'a' } },
      { '@timestamp': '2026-11-24T09:00:01Z', host: { name: 'b' } },
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { ...t.auth('ingest'), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify(docs)),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2, rejected: 0 });
    expect((await stored(t.store)).map((e) => getPath(e.doc, 'host.name'))).toEqual(['a', 'b']);
  });

  it('refuses a body that claims gzip but is not, and a malformed JSON array', async () => {
    const { t } = await app();
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { ...t.auth('ingest'), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: 'plain text',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('not valid gzip');
    const arr = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { ...t.auth('ingest'), 'content-type': 'application/json' },
      payload: '[{"a":1},',
    });
    expect(arr.statusCode).toBe(400);
    expect(arr.json()).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(await t.store.events.count({})).toBe(0);
  });

  it('a gzip body that expands beyond the limit gets 413 and nothing is stored', async () => {
    const { t } = await app({ maxDecompressedBytes: 10_000 });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw?dataset=auto',
      headers: { ...t.auth('ingest'), 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      payload: gzipSync(`${SSHD_OK}\n`.repeat(1000)),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'REQUEST_TOO_LARGE' });
    expect(res.json().message).toContain('10000 bytes');
    expect(await t.store.events.count({})).toBe(0);
  });

  it('raw lines of a named dataset and with auto detection, gzip accepted', async () => {
    const { t } = await app();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw?dataset=system.auth&tz=Europe/Berlin',
      headers: { ...t.auth('ingest'), 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      payload: gzipSync(`${SSHD_FAIL}\r\n${SSHD_OK}\nnot an auth line\n`),
    });
    expect(res.statusCode).toBe(202);
    const r = res.json();
    expect(r).toMatchObject({ accepted: 2, rejected: 1, datasets: { 'system.auth': { accepted: 2, deadLettered: 1 } } });
    expect(r.errors[0]).toMatchObject({ line: 3, code: 'INGEST_PARSE' });
    const events = await stored(t.store);
    // 10:00:01 in Berlin (UTC+1 in November) is 09:00:01 UTC.
    expect(events.find((e) => getPath(e.doc, 'user.name') === 'root')?.timestamp).toMatch(/T09:00:01/);

    const auto = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw?dataset=auto',
      headers: { ...t.auth('ingest'), 'content-type': 'text/plain' },
      payload: `${SSHD_OK}\n`,
    });
    expect(auto.json()).toMatchObject({ accepted: 1, datasets: { 'system.auth': { accepted: 1 } } });
  });

  it('an unknown dataset is refused with the known ones listed; a missing one is a schema error', async () => {
    const { t } = await app();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw?dataset=nope',
      headers: { ...t.auth('ingest'), 'content-type': 'text/plain' },
      payload: SSHD_OK,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INGEST_UNKNOWN_DATASET' });
    expect(res.json().message).toContain('system.auth');
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw',
      headers: { ...t.auth('ingest'), 'content-type': 'text/plain' },
      payload: SSHD_OK,
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().location).toMatchObject({ source: 'querystring' });
  });

  it('only the ingest role (and admin) may ingest; analysts may read the stats', async () => {
    const { t } = await app();
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw?dataset=auto',
      headers: { ...t.auth('analyst'), 'content-type': 'text/plain' },
      payload: SSHD_OK,
    });
    expect(denied.statusCode).toBe(403);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/raw?dataset=auto',
      headers: { ...t.auth('ingest'), 'content-type': 'text/plain' },
      payload: `${SSHD_OK}\nCEF:0|broken\n`,
    });
    const stats = await t.app.inject({ method: 'GET', url: '/api/v1/ingest/stats', headers: t.auth('analyst') });
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      totals: { received: 2, accepted: 1, deadLettered: 1 },
      sources: { http: { received: 2 } },
      datasets: { 'system.auth': { accepted: 1 } },
    });
    const responder = await t.app.inject({ method: 'GET', url: '/api/v1/ingest/stats', headers: t.auth('responder') });
    expect(responder.statusCode).toBe(403);
  });

  it("the plugin's text body parser stays inside it: other routes still read JSON bodies", async () => {
    const { t } = await app();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { ...t.auth('admin'), 'content-type': 'application/json' },
      payload: { name: 'shipper', role: 'ingest' },
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers 429 with Retry-After while a slow store holds the pipeline full, then accepts again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { t, pipeline } = await app({
      maxInFlight: 2,
      sink: (store) => ({
        async push(events) {
          await gate;
          await store.events.append(events);
        },
      }),
    });
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/ingest/raw?dataset=system.auth',
        headers: { ...t.auth('ingest'), 'content-type': 'text/plain' },
        payload: `${SSHD_FAIL}\n${SSHD_OK}\n`,
      });
    const first = send();
    while (pipeline().stats().inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ code: 'INGEST_BACKPRESSURE' });
    release();
    expect((await first).statusCode).toBe(202);
    expect((await send()).statusCode).toBe(202);
    expect(await t.store.events.count({})).toBe(4);
  });
});
