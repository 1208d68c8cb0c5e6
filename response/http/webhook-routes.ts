// Webhook API. `webhookRoutes` (admin, under the API-key context): subscriptions, secret rotation,
// the delivery log and manual redelivery, every change audited. `inboundWebhookRoutes`: the
// receiving end for other tools, authenticated by each source's signature instead of an API key,
// so the composition root registers it in a sibling context without the API-key hook.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { OutboxDelivery, WebhookOutbox } from '../../core/storage/types.ts';
import { ErrorReply, PageParams, pageOf, SeverityEnum } from '../incidents/http-schemas.ts';
import type { InboundWebhooks } from '../webhooks/inbound/receiver.ts';
import { payloadFormats, type NewSubscription, type SubscriptionService, subscribableEvents } from '../webhooks/subscriptions.ts';

export interface WebhookRoutesOptions {
  subscriptions: SubscriptionService;
  outbox: WebhookOutbox;
  /** @default Date.now */
  now?: () => number;
}

const SecretString = { type: 'string', minLength: 10, maxLength: 200, pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$' } as const;

const Filter = {
  type: 'object',
  additionalProperties: false,
  properties: {
    minSeverity: { type: 'string', enum: SeverityEnum },
    category: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 20 },
  },
} as const;

const SubscriptionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'events', 'secret'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2000 },
    events: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', enum: subscribableEvents } },
    secret: { ...SecretString, description: 'whsec_ followed by base64 of 24 to 64 random bytes; never shown again' },
    format: { type: 'string', enum: payloadFormats, default: 'vigil' },
    filter: Filter,
    description: { type: 'string', maxLength: 500 },
  },
} as const;

const SubscriptionView = {
  type: 'object',
  required: ['id', 'url', 'events', 'format', 'createdAt', 'createdBy', 'activeSecrets'],
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    format: { type: 'string' },
    filter: Filter,
    description: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    rotatedAt: { type: 'string' },
    activeSecrets: { type: 'integer', description: 'Secrets signing deliveries now (2 during a rotation)' },
  },
} as const;

const ErrorRecordView = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
    location: { type: 'object', additionalProperties: true },
  },
} as const;

const DeliveryView = {
  type: 'object',
  required: ['id', 'subscriptionId', 'eventType', 'orderingKey', 'status', 'attempts', 'nextAttemptAt', 'createdAt'],
  properties: {
    id: { type: 'string', description: 'Also the webhook-id header receivers deduplicate on' },
    subscriptionId: { type: 'string' },
    eventType: { type: 'string' },
    orderingKey: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: 'string' },
    createdAt: { type: 'string' },
    deliveredAt: { type: 'string' },
    lastStatus: { type: 'integer' },
    lastError: ErrorRecordView,
  },
} as const;

const IdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const EmptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;

/** `curl -X POST` without a body is as good as `{}` on routes whose body is all optional. */
async function bodyOptional(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

interface DeliveryQuery {
  subscription?: string;
  status?: OutboxDelivery['status'][];
  limit: number;
  cursor?: string;
}

function deliveryView(d: OutboxDelivery): Omit<OutboxDelivery, 'payload'> {
  const { payload: _payload, ...rest } = d;
  return rest;
}

export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, { subscriptions, outbox, now = Date.now }) => {
  const roles = [] as const;

  app.post<{ Body: NewSubscription }>(
    '/webhooks/subscriptions',
    {
      config: { roles },
      schema: { summary: 'Subscribe a URL to notices (signed Standard Webhooks deliveries)', body: SubscriptionBody, response: { 201: SubscriptionView, 400: ErrorReply } },
    },
    async (req, reply) => {
      const sub = await subscriptions.create(req.body, req.actor.id);
      const view = subscriptions.view(sub);
      await req.audit({ action: 'webhooks.subscription.create', target: `webhook-subscription:${sub.id}`, after: view });
      return reply.status(201).send(view);
    },
  );

  app.get(
    '/webhooks/subscriptions',
    { config: { roles }, schema: { summary: 'Webhook subscriptions (secrets are never shown)', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: SubscriptionView } } } } } },
    async () => ({ items: (await subscriptions.list()).map((s) => subscriptions.view(s)) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/webhooks/subscriptions/:id',
    { config: { roles }, schema: { summary: 'Delete a subscription (its pending deliveries are dead-lettered when due)', params: IdParams, response: { 204: { type: 'null' }, 404: ErrorReply } } },
    async (req, reply) => {
      const sub = await subscriptions.delete(req.params.id);
      await req.audit({ action: 'webhooks.subscription.delete', target: `webhook-subscription:${sub.id}`, before: subscriptions.view(sub) });
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: { secret?: string } }>(
    '/webhooks/subscriptions/:id/rotate-secret',
    {
      config: { roles },
      preValidation: bodyOptional,
      schema: {
        summary: 'Rotate the signing secret; the previous one keeps signing until previousValidUntil',
        params: IdParams,
        body: { type: 'object', additionalProperties: false, properties: { secret: { ...SecretString, description: 'The new secret; generated when absent' } } },
        response: {
          200: {
            type: 'object',
            required: ['subscription', 'previousValidUntil'],
            properties: {
              subscription: SubscriptionView,
              secret: { type: 'string', description: 'The generated secret, shown once (absent when you supplied it)' },
              previousValidUntil: { type: 'string' },
            },
          },
          404: ErrorReply,
        },
      },
    },
    async (req) => {
      const given = req.body?.secret;
      const before = await subscriptions.require(req.params.id);
      const r = await subscriptions.rotate(req.params.id, given);
      await req.audit({
        action: 'webhooks.subscription.rotate_secret',
        target: `webhook-subscription:${req.params.id}`,
        before: { activeSecrets: subscriptions.view(before).activeSecrets },
        after: { activeSecrets: r.subscription.secrets.length, previousValidUntil: r.previousValidUntil },
      });
      return { subscription: subscriptions.view(r.subscription), previousValidUntil: r.previousValidUntil, ...(given ? {} : { secret: r.secret }) };
    },
  );

  app.get<{ Querystring: DeliveryQuery }>(
    '/webhooks/deliveries',
    {
      config: { roles },
      schema: {
        summary: 'The delivery log, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            subscription: { type: 'string', maxLength: 200 },
            status: { type: 'array', items: { type: 'string', enum: ['pending', 'delivered', 'dead'] } },
            limit: PageParams.limit,
            cursor: PageParams.cursor,
          },
        },
        response: { 200: pageOf(DeliveryView) },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await outbox.list({ subscriptionId: q.subscription, status: q.status }, { limit: q.limit, cursor: q.cursor });
      return { ...page, items: page.items.map(deliveryView) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/webhooks/deliveries/:id',
    {
      config: { roles },
      schema: {
        summary: 'One delivery with its payload (the exact body that is signed and sent)',
        params: IdParams,
        response: { 200: { ...DeliveryView, properties: { ...DeliveryView.properties, payload: { type: 'string' } } }, 404: ErrorReply },
      },
    },
    async (req) => {
      const d = await outbox.get(req.params.id);
      if (!d) throw new VigilError(ErrorCode.NOT_FOUND, `delivery ${req.params.id}: not found`, { source: 'params', path: '/id' });
      return d;
    },
  );

  app.post<{ Params: { id: string } }>(
    '/webhooks/deliveries/:id/redeliver',
    {
      config: { roles },
      preValidation: bodyOptional,
      schema: { summary: 'Send a delivered or dead delivery again (same webhook-id, fresh attempts)', params: IdParams, body: EmptyBody, response: { 200: DeliveryView, 404: ErrorReply } },
    },
    async (req) => {
      const before = await outbox.get(req.params.id);
      if (!before) throw new VigilError(ErrorCode.NOT_FOUND, `delivery ${req.params.id}: not found`, { source: 'params', path: '/id' });
      const after = await outbox.redeliver(req.params.id, new Date(now()).toISOString());
      await req.audit({
        action: 'webhooks.delivery.redeliver',
        target: `webhook-delivery:${after.id}`,
        before: { status: before.status, attempts: before.attempts },
        after: { status: after.status, attempts: after.attempts },
      });
      return deliveryView(after);
    },
  );
};

// ---------------------------------------------------------------- inbound

export interface InboundWebhookRoutesOptions {
  inbound: InboundWebhooks;
  /** Largest inbound body. @default 1 MiB (a source's own body_limit applies when smaller) */
  bodyLimit?: number;
}

const InboundResultView = {
  type: 'object',
  required: ['source', 'accepted', 'duplicates', 'duplicate', 'alertIds', 'events'],
  properties: {
    source: { type: 'string' },
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    duplicate: { type: 'boolean', description: 'Every item was seen before: nothing was processed again' },
    alertIds: { type: 'array', items: { type: 'string' } },
    events: { type: 'integer' },
  },
} as const;

const rawBodies = new WeakMap<FastifyRequest, Buffer>();
const parseErrors = new WeakMap<FastifyRequest, string>();

/**
 * POST /webhooks/in/:source. The body is kept raw: the signature covers the exact bytes. The
 * check runs in preValidation, before the schema and before anything is parsed into work or
 * stored, so a bad signature is a 401 even for a malformed body.
 */
export const inboundWebhookRoutes: FastifyPluginAsync<InboundWebhookRoutesOptions> = async (app, { inbound, bodyLimit = 1024 * 1024 }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (req, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(req, raw);
    try {
      done(null, raw.length ? JSON.parse(raw.toString('utf8')) : undefined);
    } catch (err) {
      parseErrors.set(req, (err as Error).message);
      done(null, undefined);
    }
  });

  app.post<{ Params: { source: string }; Body: unknown }>(
    '/webhooks/in/:source',
    {
      bodyLimit,
      config: { roles: [] },
      schema: {
        summary: 'Receive an alert or events from another tool (signed per source; no API key)',
        security: [],
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['source'],
          properties: { source: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } },
        },
        body: { type: ['object', 'array'] },
        response: { 202: InboundResultView, 400: ErrorReply, 401: ErrorReply, 404: ErrorReply, 413: ErrorReply },
      },
      preValidation: async (req) => {
        const raw = rawBodies.get(req) ?? Buffer.alloc(0);
        const src = inbound.verify(req.params.source, req.headers, raw);
        if (raw.length > src.bodyLimit) {
          throw new VigilError(ErrorCode.REQUEST_TOO_LARGE, `webhook source '${src.name}': body of ${raw.length} bytes is over its limit of ${src.bodyLimit}`, { source: 'body' });
        }
        const parseError = parseErrors.get(req);
        if (parseError) throw new VigilError(ErrorCode.REQUEST_INVALID, `body: not JSON (${parseError})`, { source: 'body', path: '/' });
        if (req.body === undefined) throw new VigilError(ErrorCode.REQUEST_INVALID, 'body: empty; a JSON object or array is expected', { source: 'body', path: '/' });
      },
    },
    async (req, reply) => {
      const src = inbound.source(req.params.source);
      const result = await inbound.accept(src, req.body);
      return reply.status(202).send(result);
    },
  );
};
