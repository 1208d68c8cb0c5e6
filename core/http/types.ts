// Request decorations and route config shared by every route plugin.
import type { Actor } from '../auth/api-keys.ts';
import type { AuditEntry, Role } from '../storage/types.ts';

export interface AuditInput {
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

export interface RouteAccess {
  /** Roles allowed besides admin, which passes every check. */
  roles: readonly Role[];
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    /** Appends to the audit log with this request's actor, time and id. */
    audit(entry: AuditInput): Promise<AuditEntry>;
  }
  interface FastifyContextConfig {
    roles?: readonly Role[];
    /** The body is not JSON (raw lines, NDJSON, gzip): the route parses and validates it itself. */
    rawBody?: boolean;
  }
}

export const ErrorReply = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    location: {
      type: 'object',
      properties: {
        source: { type: 'string' },
        path: { type: 'string' },
        line: { type: 'integer' },
        column: { type: 'integer' },
      },
    },
  },
} as const;
