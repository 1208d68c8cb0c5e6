import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../test/helpers/app.ts';
import { roles } from '../storage/types.ts';
import { whoamiRoutes } from './whoami-routes.ts';

describe('GET /api/v1/whoami', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ routes: [{ plugin: whoamiRoutes }] });
  });
  afterAll(() => t.close());

  it('tells every role its own key name and role', async () => {
    for (const role of roles) {
      const res = await t.app.inject({ url: '/api/v1/whoami', headers: t.auth(role) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: `test-${role}`, role });
    }
  });

  it('refuses a request without a key', async () => {
    const res = await t.app.inject({ url: '/api/v1/whoami' });
    expect(res.statusCode).toBe(401);
  });
});
