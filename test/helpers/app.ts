// Builds the real HTTP app on a real SQLite file in a temp dir, with one API key per role,
// for route tests through fastify's inject (or a real port with listen()).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ApiKeyService } from '../../core/auth/api-keys.ts';
import { keyRoutes } from '../../core/auth/key-routes.ts';
import { auditRoutes } from '../../core/http/audit-routes.ts';
import { type ApiRoutes, buildHttpServer } from '../../core/http/server.ts';
import { createLogger } from '../../core/logging.ts';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import { type Role, roles, type StorageEngine } from '../../core/storage/types.ts';

export interface TestApp {
  app: FastifyInstance;
  store: StorageEngine;
  keyService: ApiKeyService;
  keys: Record<Role, string>;
  dataDir: string;
  /** `{ authorization: 'Bearer <key of role>' }` */
  auth(role: Role): { authorization: string };
  close(): Promise<void>;
}

export async function buildTestApp(
  opts: { routes?: ApiRoutes[] | ((store: StorageEngine) => ApiRoutes[]); bodyLimit?: number; withCoreRoutes?: boolean } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  const store = createSqliteEngine({ dataDir });
  const keyService = new ApiKeyService(store.keys);
  const keys = {} as Record<Role, string>;
  for (const role of roles) keys[role] = (await keyService.create({ name: `test-${role}`, role })).key;
  const extra = typeof opts.routes === 'function' ? opts.routes(store) : (opts.routes ?? []);
  const core: ApiRoutes[] =
    opts.withCoreRoutes === false
      ? []
      : [
          { plugin: keyRoutes, options: { keys: keyService } },
          { plugin: auditRoutes, options: { audit: store.audit } },
        ];
  const app = await buildHttpServer({
    logger: createLogger({ level: 'silent' }),
    keys: keyService,
    audit: store.audit,
    bodyLimit: opts.bodyLimit ?? 10 * 1024 * 1024,
    routes: [...core, ...extra],
    readiness: [{ name: 'store (sqlite)', check: () => store.ready() }],
    version: 'test',
  });
  await app.ready();
  return {
    app,
    store,
    keyService,
    keys,
    dataDir,
    auth: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    async close() {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
