import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import { buildTestApp, type TestApp } from '../../test/helpers/app.ts';
import { deadLetterEvent } from '../normalise/dead-letter.ts';
import { eventRoutes } from './event-routes.ts';

const MIN = 60_000;
const t0 = Date.now();
const at = (minutesAgo: number): string => new Date(t0 - minutesAgo * MIN).toISOString();

const seed: EcsEvent[] = [
  {
    '@timestamp': at(120),
    event: { kind: 'event', outcome: 'failure', category: ['authentication'] },
    source: { ip: '203.0.113.7' },
    destination: { port: 22 },
    user: { name: 'root' },
    message: 'Failed password for root from 203.0.113.7 port 50522 ssh2',
  },
  {
    '@timestamp': at(100),
    event: { kind: 'event', outcome: 'success', category: ['authentication'] },
    source: { ip: '10.1.2.3' },
    destination: { port: 22 },
    user: { name: 'alice' },
  },
  {
    '@timestamp': at(50),
    event: { kind: 'event', outcome: 'failure' },
    source: { ip: '203.0.113.7' },
    destination: { port: 3389 },
    user: { name: "'; DROP TABLE events; --" },
  },
  { '@timestamp': at(20), event: { kind: 'event' }, destination: { port: 443 }, url: { path: '/admin' } },
  { '@timestamp': at(10), event: { kind: 'event' }, destination: { port: 8080 }, tags: ['web', 'canary'] },
  {
    '@timestamp': at(5),
    event: { kind: 'event', outcome: 'failure' },
    source: { ip: '198.51.100.1' },
    destination: { port: 22 },
  },
  deadLetterEvent(
    { message: '<13>not really syslog', receivedAt: new Date(t0 - 2 * MIN), source: 'syslog-udp 10.0.0.5:514' },
    new VigilError('INGEST_PARSE', 'rfc5424: bad header', { source: 'syslog-udp 10.0.0.5:514' }),
    'syslog',
  ),
];

let t: TestApp;
let ids: string[];

beforeAll(async () => {
  t = await buildTestApp({ routes: (store) => [{ plugin: eventRoutes, options: { events: store.events } }] });
  ids = await t.store.events.append(seed);
});

afterAll(async () => {
  await t.close();
});

async function get(url: string, role: 'analyst' | 'responder' | 'compliance' | 'ingest' | 'admin' = 'analyst') {
  const res = await t.app.inject({ method: 'GET', url, headers: t.auth(role) });
  return { status: res.statusCode, body: res.json() };
}

const qs = (params: Record<string, string | number>): string =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
const search = (params: Record<string, string | number>) => get(`/api/v1/events?${qs(params)}`);
const count = (params: Record<string, string | number>) => get(`/api/v1/events/count?${qs(params)}`);

describe('GET /api/v1/events', () => {
  it('returns the matching events, newest first, with their documents', async () => {
    const { status, body } = await search({ q: 'source.ip:203.0.113.7' });
    expect(status).toBe(200);
    expect(body.items.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[0]]);
    expect(body.items[1].doc.message).toBe('Failed password for root from 203.0.113.7 port 50522 ssh2');
    expect(body.items[1].timestamp).toBe(seed[0]['@timestamp']);
    expect(body.nextCursor).toBeUndefined();
  });

  it('supports the whole language: booleans, ranges, wildcards, CIDR, free text, NOT', async () => {
    const idsOf = async (q: string) => (await search({ q })).body.items.map((e: { id: string }) => e.id);
    expect(await idsOf('event.outcome:failure AND destination.port:22')).toEqual([ids[5], ids[0]]);
    expect(await idsOf('destination.port:[1 TO 1024] AND NOT user.name:root')).toEqual([ids[5], ids[3], ids[1]]);
    expect(await idsOf('destination.port > 1024')).toEqual([ids[4], ids[2]]);
    expect(await idsOf('source.ip:10.0.0.0/8 OR tags:canary')).toEqual([ids[4], ids[1]]);
    expect(await idsOf('url.path:/adm*')).toEqual([ids[3]]);
    expect(await idsOf('"failed password"')).toEqual([ids[0]]);
    expect(await idsOf(`user.name:"'; DROP TABLE events; --"`)).toEqual([ids[2]]);
  });

  it('finds dead-lettered lines', async () => {
    const { body } = await search({ q: 'event.kind:pipeline_error' });
    expect(body.items).toHaveLength(1);
    expect(body.items[0].doc.event.original).toBe('<13>not really syslog');
    expect(body.items[0].doc.error.code).toBe('INGEST_PARSE');
  });

  it('pages with a cursor without gaps or repeats, in either order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await search({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((e: { id: string }) => e.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const asc = await search({ limit: 1000, order: 'asc' });
    expect(asc.body.items.map((e: { id: string }) => e.id)).toEqual(ids);
  });

  it('limits the time window with ISO or relative from/to', async () => {
    const idsOf = async (p: Record<string, string>) => (await search(p)).body.items.map((e: { id: string }) => e.id);
    expect(await idsOf({ from: 'now-15m' })).toEqual([ids[6], ids[5], ids[4]]);
    expect(await idsOf({ from: at(110), to: at(20) })).toEqual([ids[2], ids[1]]);
    expect(await idsOf({ q: 'event.outcome:failure', from: 'now-1h', to: 'now' })).toEqual([ids[5], ids[2]]);
    expect(await idsOf({ from: String(t0 - 60 * MIN) })).toEqual([ids[6], ids[5], ids[4], ids[3], ids[2]]);
  });

  it('answers a malformed query with 400 and the position of the error', async () => {
    const { status, body } = await search({ q: 'user.name:root AND source.ip:' });
    expect(status).toBe(400);
    expect(body.code).toBe('QUERY_SYNTAX');
    expect(body.message).toBe('q: position 30: expected a value after "source.ip:" (got end of query)');
    expect(body.location).toEqual({ source: 'query', path: 'q', column: 30 });
  });

  it('answers a query that cannot compile for its field with 400 naming the field', async () => {
    const { status, body } = await search({ q: 'destination.port:[low TO high]' });
    expect(status).toBe(400);
    expect(body.code).toBe('QUERY_SYNTAX');
    expect(body.message).toMatch(/destination\.port/);
  });

  it('validates from, to, limit and unknown parameters', async () => {
    const bad = await search({ from: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('REQUEST_INVALID');
    expect(bad.body.location).toEqual({ source: 'querystring', path: '/from' });
    expect(bad.body.message).toMatch(/"yesterday" is not a time/);
    const reversed = await search({ from: 'now', to: 'now-1h' });
    expect(reversed.status).toBe(400);
    expect(reversed.body.message).toMatch(/is after to/);
    for (const limit of [0, 1001, 'ten']) {
      const r = await search({ limit });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('REQUEST_INVALID');
      expect(r.body.location.path).toBe('/limit');
    }
    const unknown = await search({ size: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.location.path).toBe('/size');
    const cursor = await search({ cursor: 'not-a-cursor' });
    expect(cursor.status).toBe(400);
    expect(cursor.body.code).toBe('REQUEST_INVALID');
  });

  it('refuses a query longer than 4 KiB', async () => {
    const { status, body } = await search({ q: `message:"${'x'.repeat(5000)}"` });
    expect(status).toBe(400);
    expect(body.code).toBe('QUERY_SYNTAX');
    expect(body.message).toMatch(/limit is 4096/);
  });

  it('is open to analysts, responders and admins only', async () => {
    expect((await get('/api/v1/events', 'responder')).status).toBe(200);
    expect((await get('/api/v1/events', 'admin')).status).toBe(200);
    const compliance = await get('/api/v1/events', 'compliance');
    expect(compliance.status).toBe(403);
    expect(compliance.body.code).toBe('AUTH_FORBIDDEN');
    expect((await get('/api/v1/events/count', 'ingest')).status).toBe(403);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/events' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('GET /api/v1/events/count', () => {
  it('counts the events the same parameters would return', async () => {
    expect((await count({})).body).toEqual({ count: 7 });
    expect((await count({ q: 'event.outcome:failure' })).body).toEqual({ count: 3 });
    expect((await count({ q: 'event.outcome:failure', from: 'now-1h' })).body).toEqual({ count: 2 });
    expect((await count({ q: 'NOT _exists_:source.ip' })).body).toEqual({ count: 3 });
    expect((await count({ q: 'event.kind:pipeline_error' })).body).toEqual({ count: 1 });
  });

  it('answers a malformed query with 400 QUERY_SYNTAX', async () => {
    const { status, body } = await count({ q: '(a OR b' });
    expect(status).toBe(400);
    expect(body.code).toBe('QUERY_SYNTAX');
    expect(body.location.column).toBe(8);
  });

  it('takes no paging parameters', async () => {
    const { status, body } = await count({ limit: 5 });
    expect(status).toBe(400);
    expect(body.location.path).toBe('/limit');
  });
});
