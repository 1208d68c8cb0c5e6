// Event search for analysts and responders: the query language (core/query/parse.ts) over what
// was stored, dead letters included, with a time window and cursor paging; plus a matching count.
import type { FastifyPluginAsync } from 'fastify';
import { ErrorReply } from '../../core/http/types.ts';
import { VigilError } from '../../core/errors.ts';
import { parseQuery, resolveTime } from '../../core/query/parse.ts';
import type { EventQuery, EventStore, SortOrder } from '../../core/storage/types.ts';

export interface EventRoutesOptions {
  events: EventStore;
  /** Clock for relative times in `from`/`to` (`now-15m`), epoch ms. @default Date.now */
  now?: () => number;
}

const TIME_HELP = 'ISO 8601 (2024-05-01T10:00:00Z), epoch ms, or relative to now (now-15m, now-1d/d)';

const SearchParams = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 16384, description: 'Query (Lucene/KQL style); empty or absent matches every event' },
    from: { type: 'string', maxLength: 64, description: `Inclusive start: ${TIME_HELP}` },
    to: { type: 'string', maxLength: 64, description: `Exclusive end: ${TIME_HELP}` },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 500, description: 'nextCursor of the previous page' },
    order: { type: 'string', enum: ['desc', 'asc'], default: 'desc', description: 'By @timestamp; newest first by default' },
  },
} as const;

const CountParams = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: SearchParams.properties.q,
    from: SearchParams.properties.from,
    to: SearchParams.properties.to,
  },
} as const;

const EventView = {
  type: 'object',
  required: ['id', 'timestamp', 'doc'],
  properties: {
    id: { type: 'string' },
    timestamp: { type: 'string', description: 'The event’s @timestamp (or ingest time when it had none), ISO' },
    doc: { type: 'object', additionalProperties: true, description: 'The stored ECS document' },
  },
} as const;

interface SearchQueryT {
  q?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
  order: SortOrder;
}

type CountQueryT = Pick<SearchQueryT, 'q' | 'from' | 'to'>;

export const eventRoutes: FastifyPluginAsync<EventRoutesOptions> = async (app, opts) => {
  const { events } = opts;
  const now = opts.now ?? Date.now;

  app.get<{ Querystring: SearchQueryT }>(
    '/events',
    {
      config: { roles: ['analyst', 'responder'] },
      schema: {
        summary: 'Search stored events (dead-lettered lines too: event.kind:pipeline_error)',
        querystring: SearchParams,
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: { items: { type: 'array', items: EventView }, nextCursor: { type: 'string' } },
          },
          400: ErrorReply,
        },
      },
    },
    async (req) => {
      const { limit, cursor, order } = req.query;
      const page = await events.search(eventQuery(req.query, now()), { limit, cursor }, order);
      return {
        items: page.items.map((e) => ({ id: e.id, timestamp: e.timestamp, doc: e.doc })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      };
    },
  );

  app.get<{ Querystring: CountQueryT }>(
    '/events/count',
    {
      config: { roles: ['analyst', 'responder'] },
      schema: {
        summary: 'Count stored events matching a query',
        querystring: CountParams,
        response: {
          200: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
          400: ErrorReply,
        },
      },
    },
    async (req) => ({ count: await events.count(eventQuery(req.query, now())) }),
  );
};

/** The parsed query and time window; syntax errors carry the query position, bad times the parameter. */
function eventQuery(params: CountQueryT, nowMs: number): EventQuery {
  const query = parseQuery(params.q ?? '');
  const from = params.from === undefined ? undefined : timeParam('from', params.from, nowMs);
  const to = params.to === undefined ? undefined : timeParam('to', params.to, nowMs);
  if (from !== undefined && to !== undefined && from > to) {
    throw new VigilError(
      'REQUEST_INVALID',
      `querystring /from: ${new Date(from).toISOString()} is after to (${new Date(to).toISOString()})`,
      { source: 'querystring', path: '/from' },
    );
  }
  const q: EventQuery = {};
  if (query.kind !== 'match_all') q.query = query;
  if (from !== undefined || to !== undefined) {
    q.range = {};
    if (from !== undefined) q.range.from = new Date(from).toISOString();
    if (to !== undefined) q.range.to = new Date(to).toISOString();
  }
  return q;
}

function timeParam(name: 'from' | 'to', text: string, nowMs: number): number {
  const trimmed = text.trim();
  const ms = resolveTime(/^\d{12,14}$/.test(trimmed) ? Number(trimmed) : trimmed, nowMs);
  if (ms === undefined || Number.isNaN(new Date(ms).getTime())) {
    throw new VigilError('REQUEST_INVALID', `querystring /${name}: ${JSON.stringify(text)} is not a time (${TIME_HELP})`, {
      source: 'querystring',
      path: `/${name}`,
    });
  }
  return ms;
}
