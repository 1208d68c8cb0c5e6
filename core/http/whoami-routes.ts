// Who the caller's API key belongs to (every role): the console reads it after sign-in to decide
// what to show and enable. It returns only what the key's own holder already knows.
import type { FastifyPluginAsync } from 'fastify';
import { roles } from '../storage/types.ts';

export const whoamiRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/whoami',
    {
      config: { roles: ['analyst', 'responder', 'compliance', 'ingest'] },
      schema: {
        summary: "The calling key's id, name and role",
        response: {
          200: {
            type: 'object',
            required: ['id', 'name', 'role'],
            properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', enum: roles } },
          },
        },
      },
    },
    async (req) => ({ id: req.actor.id, name: req.actor.name, role: req.actor.role }),
  );
};
