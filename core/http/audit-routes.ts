// Reading the audit log (admin, compliance). There is no route that changes it.
import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from '../storage/types.ts';
import { ErrorReply } from './types.ts';

const AuditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    actor: { type: 'string', maxLength: 200 },
    action: { type: 'string', maxLength: 200 },
    target: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 500 },
  },
} as const;

const AuditEntryView = {
  type: 'object',
  required: ['id', 'at', 'actor', 'action', 'target'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { type: 'string' },
    before: {},
    after: {},
    requestId: { type: 'string' },
  },
} as const;

interface AuditQueryT {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  target?: string;
  limit: number;
  cursor?: string;
}

export const auditRoutes: FastifyPluginAsync<{ audit: AuditLog }> = async (app, { audit }) => {
  app.get<{ Querystring: AuditQueryT }>(
    '/audit',
    {
      config: { roles: ['compliance'] },
      schema: {
        summary: 'Audit log entries, newest first',
        querystring: AuditQuery,
        response: {
          200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: AuditEntryView }, nextCursor: { type: 'string' } } },
          400: ErrorReply,
        },
      },
    },
    async (req) => {
      const { from, to, actor, action, target, limit, cursor } = req.query;
      return audit.list({ range: { from, to }, actor, action, target }, { limit, cursor });
    },
  );
};
