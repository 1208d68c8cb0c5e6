// HTTP bootstrap: fastify with request ids, body limits, schema validation, one error shape,
// API-key authentication and role checks for everything under /api/v1, and the OpenAPI document.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../auth/api-keys.ts';
import { VigilError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { Health } from '../queue/types.ts';
import type { AuditLog } from '../storage/types.ts';
import { docsPage } from './docs-page.ts';
import { ErrorReply } from './types.ts';

export interface ApiRoutes {
  // biome-ignore lint/suspicious/noExplicitAny: each plugin brings its own options type
  plugin: FastifyPluginAsync<any>;
  options?: Record<string, unknown>;
}

export interface ReadinessCheck {
  name: string;
  check(): Promise<Health>;
}

export interface HttpServerOptions {
  logger: Logger;
  keys: ApiKeyService;
  audit: AuditLog;
  bodyLimit: number;
  routes: ApiRoutes[];
  readiness: ReadinessCheck[];
  https?: { cert: string; key: string };
  version: string;
  /** Public routes at the root (the console's static files): no API key, like /healthz. */
  rootRoutes?: ApiRoutes[];
  /**
   * Routes under /api/v1 that authenticate themselves (inbound webhooks check the sender's
   * signature): registered in a sibling context without the API-key hook, still with schemas.
   */
  publicRoutes?: ApiRoutes[];
}

const PREFIX = '/api/v1';

function validationPath(err: FastifyError): { source: string; path: string; text: string } {
  const v = err.validation?.[0];
  const source = err.validationContext ?? 'body';
  let path = v?.instancePath ?? '';
  if (v?.keyword === 'required' && typeof v.params?.missingProperty === 'string') path += `/${v.params.missingProperty}`;
  if (v?.keyword === 'additionalProperties' && typeof v.params?.additionalProperty === 'string') {
    path += `/${v.params.additionalProperty}`;
  }
  let text = v?.message ?? err.message;
  if (v?.keyword === 'enum' && Array.isArray(v.params?.allowedValues)) text += ` (${v.params.allowedValues.join(', ')})`;
  if (v?.keyword === 'additionalProperties') text = 'is not a known field';
  return { source, path: path || '/', text };
}

export async function buildHttpServer(opts: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', useDefaults: true, removeAdditional: false, allowUnionTypes: true } },
    ...(opts.https ? { https: opts.https } : {}),
  }) as unknown as FastifyInstance;

  app.decorateRequest('actor', null as unknown as FastifyRequest['actor']);
  app.decorateRequest('audit', async function (this: FastifyRequest, entry) {
    return opts.audit.append({ ...entry, actor: this.actor?.id ?? 'anonymous', requestId: this.id });
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.setErrorHandler((err: FastifyError | VigilError, req, reply) => {
    if (err instanceof VigilError) {
      if (err.status >= 500) req.log.error({ err }, err.message);
      const body: Record<string, unknown> = { code: err.code, message: err.message };
      if (err.location) body.location = err.location;
      if (err.code === 'INGEST_BACKPRESSURE' || err.code === 'RATE_LIMITED') reply.header('retry-after', '1');
      return reply.status(err.status).send(body);
    }
    if (err.validation) {
      const { source, path, text } = validationPath(err);
      return reply.status(400).send({ code: 'REQUEST_INVALID', message: `${source} ${path}: ${text}`, location: { source, path } });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ code: 'REQUEST_TOO_LARGE', message: `request body is larger than the limit of ${opts.bodyLimit} bytes` });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ code: 'REQUEST_INVALID', message: err.message });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ code: 'INTERNAL', message: `internal error (request ${req.id}); see the server log` });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Vigil API', version: opts.version, description: 'Security operations: ingest, detection, incidents, playbooks.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Vigil API key' } } },
      security: [{ apiKey: [] }],
    },
  });

  // Every API route must declare who may call it and what it accepts and returns.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(PREFIX)) return;
    if (route.url === `${PREFIX}/docs`) return;
    const roles = route.config?.roles;
    if (!Array.isArray(roles)) throw new Error(`route ${route.method} ${route.url}: config.roles is required`);
    const schema = route.schema as Record<string, unknown> | undefined;
    if (!schema?.response) throw new Error(`route ${route.method} ${route.url}: a response schema is required`);
    // The OpenAPI document says who may call each route.
    const who = ['admin', ...roles.filter((r) => r !== 'admin')].join(', ');
    schema['x-roles'] = roles.length === 5 ? ['any'] : ['admin', ...roles];
    schema.description = `${schema.description ? `${String(schema.description)}\n\n` : ''}Roles: ${who}.`;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH') && !schema.body && !route.config?.rawBody) {
      throw new Error(`route ${route.method} ${route.url}: a body schema is required`);
    }
  });

  // Public: liveness, readiness, and the docs page (a static page; the document it loads needs a key).
  for (const r of opts.rootRoutes ?? []) await app.register(r.plugin, r.options ?? {});
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks = await Promise.all(
      opts.readiness.map(async (c) => {
        try {
          return { name: c.name, ...(await c.check()) };
        } catch (err) {
          return { name: c.name, ok: false, detail: (err as Error).message };
        }
      }),
    );
    const ok = checks.every((c) => c.ok);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
  app.get(`${PREFIX}/docs`, { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(docsPage));

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (req) => {
        req.actor = await opts.keys.authenticate(req.headers.authorization);
        const allowed = req.routeOptions.config.roles ?? [];
        if (req.actor.role !== 'admin' && !allowed.includes(req.actor.role)) {
          throw new VigilError(
            'AUTH_FORBIDDEN',
            `role "${req.actor.role}" may not ${req.method} ${req.routeOptions.url}; allowed: admin${allowed.length ? `, ${allowed.join(', ')}` : ''}`,
          );
        }
      });
      api.get(
        '/openapi.json',
        {
          config: { roles: ['analyst', 'responder', 'compliance', 'ingest'] },
          schema: { summary: 'This OpenAPI document', response: { 200: { type: 'object', additionalProperties: true } } },
        },
        async () => app.swagger(),
      );
      for (const r of opts.routes) await api.register(r.plugin, r.options ?? {});
    },
    { prefix: PREFIX },
  );
  for (const r of opts.publicRoutes ?? []) await app.register(r.plugin, { ...(r.options ?? {}), prefix: PREFIX });
  return app;
}

export { ErrorReply };
