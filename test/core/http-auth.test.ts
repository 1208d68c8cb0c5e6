import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../core/auth/api-keys.ts';
import { keyRoutes } from '../../core/auth/key-routes.ts';
import { buildHttpServer } from '../../core/http/server.ts';
import { createLogger } from '../../core/logging.ts';
import type { Role } from '../../core/storage/types.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ bodyLimit: 64 * 1024 });
});
afterAll(() => t.close());

const allRoles: Role[] = ['admin', 'analyst', 'responder', 'compliance', 'ingest'];

describe('authentication', () => {
  it('answers /healthz without a key', async () => {
    const r = await t.app.inject({ url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('reports readiness of the store without a key', async () => {
    const r = await t.app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json().checks[0]).toMatchObject({ name: 'store (sqlite)', ok: true });
  });

  it('refuses API routes without a key (401)', async () => {
    const r = await t.app.inject({ url: '/api/v1/keys' });
    expect(r.statusCode).toBe(401);
    expect(r.json().code).toBe('AUTH_MISSING');
  });

  it('refuses an unknown key (401) and a malformed header (401)', async () => {
    const unknown = await t.app.inject({ url: '/api/v1/keys', headers: { authorization: 'Bearer vgl_not-a-real-key-at-all-000000' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().code).toBe('AUTH_INVALID');
    const basic = await t.app.inject({ url: '/api/v1/keys', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.statusCode).toBe(401);
  });

  it('refuses a revoked key (401)', async () => {
    const { record, key } = await t.keyService.create({ name: 'short-lived', role: 'analyst' });
    const before = await t.app.inject({ url: '/api/v1/openapi.json', headers: { authorization: `Bearer ${key}` } });
    expect(before.statusCode).toBe(200);
    await t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${record.id}`, headers: t.auth('admin') });
    const after = await t.app.inject({ url: '/api/v1/openapi.json', headers: { authorization: `Bearer ${key}` } });
    expect(after.statusCode).toBe(401);
  });
});

describe('roles: 200 for allowed roles, 403 for the others', () => {
  const cases: Array<{ method: 'GET' | 'POST'; url: string; allowed: Role[]; body?: unknown }> = [
    { method: 'GET', url: '/api/v1/keys', allowed: ['admin'] },
    { method: 'GET', url: '/api/v1/audit', allowed: ['admin', 'compliance'] },
    { method: 'GET', url: '/api/v1/openapi.json', allowed: allRoles },
  ];
  for (const c of cases) {
    for (const role of allRoles) {
      const expected = c.allowed.includes(role) ? 200 : 403;
      it(`${c.method} ${c.url} as ${role} → ${expected}`, async () => {
        const r = await t.app.inject({ method: c.method, url: c.url, headers: t.auth(role) });
        expect(r.statusCode).toBe(expected);
        if (expected === 403) {
          expect(r.json().code).toBe('AUTH_FORBIDDEN');
          expect(r.json().message).toContain(`role "${role}"`);
        }
      });
    }
  }
});

describe('request validation', () => {
  it('refuses a body with a wrong value, naming the field and the allowed values', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: t.auth('admin'), payload: { name: 'x', role: 'root' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'REQUEST_INVALID', location: { source: 'body', path: '/role' } });
    expect(r.json().message).toContain('admin, analyst, responder, compliance, ingest');
  });

  it('refuses a body missing a field and a body with an unknown field', async () => {
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: t.auth('admin'), payload: { role: 'analyst' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().location).toEqual({ source: 'body', path: '/name' });
    const extra = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: t.auth('admin'), payload: { name: 'a', role: 'analyst', admin: true } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toBe('body /admin: is not a known field');
  });

  it('refuses a bad query parameter, naming it', async () => {
    const r = await t.app.inject({ url: '/api/v1/audit?limit=0', headers: t.auth('admin') });
    expect(r.statusCode).toBe(400);
    expect(r.json().location).toEqual({ source: 'querystring', path: '/limit' });
  });

  it('refuses a body over the size limit with 413', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { ...t.auth('admin'), 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(100 * 1024), role: 'analyst' }),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('REQUEST_TOO_LARGE');
  });

  it('answers an unknown route with 404 in the same error shape', async () => {
    const r = await t.app.inject({ url: '/api/v1/nope', headers: t.auth('admin') });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('NOT_FOUND');
  });
});

describe('API keys and the audit log', () => {
  it('creates a key that is shown once, works for its role, and is stored only as a hash', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: t.auth('admin'), payload: { name: 'siem', role: 'ingest' } });
    expect(r.statusCode).toBe(201);
    const created = r.json();
    expect(created.key).toMatch(/^vgl_/);
    const list = await t.app.inject({ url: '/api/v1/keys', headers: t.auth('admin') });
    const listed = list.json().items.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ name: 'siem', role: 'ingest' });
    expect(JSON.stringify(list.json())).not.toContain(created.key);
    expect(listed.hash).toBeUndefined();
    const stored = await t.store.keys.get(created.id);
    expect(stored?.hash).not.toContain(created.key);
  });

  it('records every change with actor, action, target, before and after, readable by compliance', async () => {
    const c = await t.app.inject({ method: 'POST', url: '/api/v1/keys', headers: t.auth('admin'), payload: { name: 'to-revoke', role: 'responder' } });
    const id = c.json().id;
    await t.app.inject({ method: 'DELETE', url: `/api/v1/keys/${id}`, headers: t.auth('admin') });
    const r = await t.app.inject({ url: `/api/v1/audit?target=key:${id}`, headers: t.auth('compliance') });
    expect(r.statusCode).toBe(200);
    const entries = r.json().items;
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['keys.revoke', 'keys.create']);
    const adminKey = (await t.store.keys.list()).find((k) => k.name === 'test-admin');
    expect(entries[0].actor).toBe(`key:${adminKey?.id}`);
    expect(entries[0].before.revokedAt).toBeUndefined();
    expect(entries[0].after.revokedAt).toBeTruthy();
    expect(entries[1].after).toMatchObject({ name: 'to-revoke', role: 'responder' });
    expect(entries[0].requestId).toBeTruthy();
  });

  it('answers revoking an unknown key with 404', async () => {
    const r = await t.app.inject({ method: 'DELETE', url: '/api/v1/keys/does-not-exist', headers: t.auth('admin') });
    expect(r.statusCode).toBe(404);
  });
});

describe('OpenAPI and docs', () => {
  it('serves the OpenAPI document listing the routes', async () => {
    const r = await t.app.inject({ url: '/api/v1/openapi.json', headers: t.auth('analyst') });
    const doc = r.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/keys', '/api/v1/keys/{id}', '/api/v1/audit']));
    expect(doc.paths['/api/v1/keys'].post.requestBody).toBeTruthy();
  });

  it('serves a docs page', async () => {
    const r = await t.app.inject({ url: '/api/v1/docs' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/html');
    expect(r.body).toContain('Vigil API reference');
  });

  it('refuses at boot a route without roles or schemas', async () => {
    const store = t.store;
    const keys = new ApiKeyService(store.keys);
    const bad = buildHttpServer({
      logger: createLogger({ level: 'silent' }),
      keys,
      audit: store.audit,
      bodyLimit: 1024,
      readiness: [],
      version: 't',
      routes: [
        { plugin: keyRoutes, options: { keys } },
        {
          plugin: async (app) => {
            app.get('/open', async () => ({}));
          },
        },
      ],
    });
    await expect(bad).rejects.toThrow(/route GET \/api\/v1\/open: config\.roles is required/);
  });
});

describe('logging', () => {
  it('writes JSON lines with a request id and never the Authorization header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    const keys = t.keyService;
    const app = await buildHttpServer({ logger, keys, audit: t.store.audit, bodyLimit: 1024, readiness: [], version: 't', routes: [{ plugin: keyRoutes, options: { keys } }] });
    const r = await app.inject({ url: '/api/v1/keys', headers: { ...t.auth('admin'), 'x-request-id': 'req-abc-123' } });
    await app.close();
    expect(r.headers['x-request-id']).toBe('req-abc-123');
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.some((l) => l.reqId === 'req-abc-123' && l.req?.url === '/api/v1/keys')).toBe(true);
    expect(lines.join('\n')).not.toContain(t.keys.admin);
    logger.info({ password: 'p@ss', config: { apiKey: 'abc123', token: 't0k' } }, 'x');
    logger.flush();
    const last = lines.join('\n');
    expect(last).not.toContain('p@ss');
    expect(last).not.toContain('abc123');
    expect(last).not.toContain('t0k');
  });
});
