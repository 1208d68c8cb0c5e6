// API key management (admin): create (the key is in this reply only), list, revoke.
import type { FastifyPluginAsync } from 'fastify';
import { ErrorReply } from '../http/types.ts';
import { roles } from '../storage/types.ts';
import { type ApiKeyService, keyView } from './api-keys.ts';

const KeyView = {
  type: 'object',
  required: ['id', 'name', 'role', 'prefix', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: roles },
    prefix: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    revokedAt: { type: 'string' },
    lastUsedAt: { type: 'string' },
  },
} as const;

const CreateKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    role: { type: 'string', enum: roles },
  },
} as const;

export const keyRoutes: FastifyPluginAsync<{ keys: ApiKeyService }> = async (app, { keys }) => {
  app.post<{ Body: { name: string; role: (typeof roles)[number] } }>(
    '/keys',
    {
      config: { roles: [] },
      schema: {
        summary: 'Create an API key (the key is shown in this reply only)',
        body: CreateKeyBody,
        response: {
          201: { ...KeyView, required: [...KeyView.required, 'key'], properties: { ...KeyView.properties, key: { type: 'string' } } },
          400: ErrorReply,
        },
      },
    },
    async (req, reply) => {
      const { record, key } = await keys.create({ name: req.body.name, role: req.body.role, createdBy: req.actor.id });
      await req.audit({ action: 'keys.create', target: `key:${record.id}`, after: keyView(record) });
      return reply.status(201).send({ ...keyView(record), key });
    },
  );

  app.get(
    '/keys',
    {
      config: { roles: [] },
      schema: { summary: 'List API keys (never the keys themselves)', response: { 200: { type: 'object', properties: { items: { type: 'array', items: KeyView } } } } },
    },
    async () => ({ items: (await keys.list()).map(keyView) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/keys/:id',
    {
      config: { roles: [] },
      schema: {
        summary: 'Revoke an API key',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: KeyView, 404: ErrorReply },
      },
    },
    async (req) => {
      const before = (await keys.list()).find((k) => k.id === req.params.id);
      const record = await keys.revoke(req.params.id);
      await req.audit({ action: 'keys.revoke', target: `key:${record.id}`, before: before && keyView(before), after: keyView(record) });
      return keyView(record);
    },
  );
};
