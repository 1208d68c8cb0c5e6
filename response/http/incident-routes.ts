// Analyst API for incidents (roles analyst, responder): list with filters and cursor paging,
// detail with alerts/timeline/observables/events/clocks, and every case operation. Paths are a
// contract integrations rely on; the service does the work and records timeline, audit, notices.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { IncidentFilter, Severity, SortOrder } from '../../core/storage/types.ts';
import { ErrorReply, EventView, IdParams, IncidentView, AlertView, PageParams, pageOf, SeverityEnum, TimelineView } from '../incidents/http-schemas.ts';
import { incidentStates, phases, resolutions, transitions } from '../incidents/lifecycle.ts';
import type { ChangeBy, IncidentService } from '../incidents/service.ts';

export interface IncidentRoutesOptions {
  incidents: IncidentService;
}

const writers = ['analyst', 'responder'] as const;
const readers = ['analyst', 'responder'] as const;

function by(req: FastifyRequest): ChangeBy {
  return { actor: req.actor, audit: (e) => req.audit(e) };
}

const ListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'array', items: { type: 'string', enum: incidentStates }, description: 'Repeat for several' },
    severity: { type: 'array', items: { type: 'string', enum: SeverityEnum } },
    grade: { type: 'array', items: { type: 'string', enum: ['I', 'II', 'III', 'IV'] } },
    category: { type: 'array', items: { type: 'string', maxLength: 100 } },
    assignee: { type: 'string', maxLength: 200 },
    rule: { type: 'string', maxLength: 200 },
    host: { type: 'string', maxLength: 500 },
    user: { type: 'string', maxLength: 500 },
    q: { type: 'string', maxLength: 500, description: 'Free text: title, tags, hosts, users' },
    sort: { type: 'string', enum: ['createdAt', 'updatedAt', 'severity'], default: 'createdAt' },
    order: { type: 'string', enum: ['desc', 'asc'], default: 'desc' },
    ...PageParams,
  },
} as const;

interface ListQueryT {
  state?: string[];
  severity?: Severity[];
  grade?: string[];
  category?: string[];
  assignee?: string;
  rule?: string;
  host?: string;
  user?: string;
  q?: string;
  sort: 'createdAt' | 'updatedAt' | 'severity';
  order: SortOrder;
  limit: number;
  cursor?: string;
  from?: string;
  to?: string;
}

const PhaseView = {
  type: 'object',
  required: ['key', 'zh', 'en'],
  properties: { key: { type: 'string' }, zh: { type: 'string' }, en: { type: 'string' } },
} as const;

const DetailView = {
  type: 'object',
  required: ['incident', 'phase', 'allowedTransitions', 'alerts', 'timeline', 'observables', 'events', 'sla', 'reporting'],
  properties: {
    incident: IncidentView,
    phase: PhaseView,
    allowedTransitions: { type: 'array', items: { type: 'string' } },
    alerts: { type: 'array', items: AlertView },
    timeline: { type: 'array', items: TimelineView },
    observables: {
      type: 'array',
      items: {
        type: 'object',
        properties: { type: { type: 'string' }, value: { type: 'string' }, count: { type: 'integer' }, firstSeen: { type: 'string' }, lastSeen: { type: 'string' } },
      },
    },
    events: { type: 'array', items: EventView },
    sla: { type: 'object', additionalProperties: true },
    reporting: { type: 'object', additionalProperties: true },
  },
} as const;

const mutationReplies = { 200: IncidentView, 400: ErrorReply, 404: ErrorReply, 409: ErrorReply } as const;

const TransitionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: {
    to: { type: 'string', enum: incidentStates },
    resolution: { type: 'string', enum: resolutions, description: 'Required when closing' },
    summary: { type: 'string', minLength: 1, maxLength: 20_000, description: 'Required when closing' },
  },
} as const;

const TagsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    add: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 100 } },
    remove: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 100 } },
  },
} as const;

const AssignBody = {
  type: 'object',
  additionalProperties: false,
  required: ['assignee'],
  properties: { assignee: { type: ['string', 'null'], maxLength: 200, description: 'null or empty unassigns' } },
} as const;

export const incidentRoutes: FastifyPluginAsync<IncidentRoutesOptions> = async (app, { incidents }) => {
  app.get<{ Querystring: ListQueryT }>(
    '/incidents',
    {
      config: { roles: readers },
      schema: { summary: 'List incidents with filters, sorting and cursor paging', querystring: ListQuery, response: { 200: pageOf(IncidentView), 400: ErrorReply } },
    },
    async (req) => {
      const q = req.query;
      const filter: IncidentFilter = { sort: { field: q.sort, order: q.order } };
      if (q.state) filter.state = q.state;
      if (q.severity) filter.severity = q.severity;
      if (q.grade) filter.grade = q.grade;
      if (q.category) filter.category = q.category;
      if (q.assignee !== undefined) filter.assignee = q.assignee;
      if (q.rule !== undefined) filter.ruleId = q.rule;
      if (q.host !== undefined) filter.host = q.host;
      if (q.user !== undefined) filter.user = q.user;
      if (q.q !== undefined) filter.text = q.q;
      if (q.from !== undefined || q.to !== undefined) filter.range = { from: q.from, to: q.to };
      return incidents.list(filter, { limit: q.limit, cursor: q.cursor });
    },
  );

  app.get(
    '/classification',
    {
      config: { roles: [...readers, 'compliance'] },
      schema: {
        summary: 'GB/T 20986-2023 categories, subcategories and grades; the lifecycle states and phases',
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async () => ({
      source: 'GB/T 20986-2023',
      grades: incidents.classification.grades,
      categories: incidents.classification.categories,
      mapping: incidents.classification.mapping,
      default: incidents.classification.default,
      lifecycle: incidentStates.map((s) => ({ state: s, phase: phases[s], next: transitions[s] })),
      resolutions,
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/incidents/:id',
    {
      config: { roles: readers },
      schema: { summary: 'One incident with its alerts, timeline, observables, raw events and clocks', params: IdParams, response: { 200: DetailView, 404: ErrorReply } },
    },
    async (req) => incidents.detail(req.params.id),
  );

  app.post<{ Params: { id: string }; Body: { to: string; resolution?: string; summary?: string } }>(
    '/incidents/:id/transition',
    {
      config: { roles: writers },
      schema: { summary: 'Move the incident through its lifecycle (409 lists the allowed states)', params: IdParams, body: TransitionBody, response: mutationReplies },
    },
    async (req) => incidents.transition(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/incidents/:id/comments',
    {
      config: { roles: writers },
      schema: {
        summary: 'Add a comment to the timeline',
        params: IdParams,
        body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 20_000 } } },
        response: mutationReplies,
      },
    },
    async (req) => incidents.comment(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { assignee: string | null } }>(
    '/incidents/:id/assign',
    { config: { roles: writers }, schema: { summary: 'Assign (or unassign with null)', params: IdParams, body: AssignBody, response: mutationReplies } },
    async (req) => incidents.assign(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { add?: string[]; remove?: string[] } }>(
    '/incidents/:id/tags',
    { config: { roles: writers }, schema: { summary: 'Add and remove tags', params: IdParams, body: TagsBody, response: mutationReplies } },
    async (req) => incidents.tag(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { category: string; subcategory?: string } }>(
    '/incidents/:id/classification',
    {
      config: { roles: writers },
      schema: {
        summary: 'Set the GB/T 20986-2023 category (key or Chinese name) and subcategory',
        params: IdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['category'],
          properties: { category: { type: 'string', minLength: 1, maxLength: 100 }, subcategory: { type: 'string', minLength: 1, maxLength: 100 } },
        },
        response: mutationReplies,
      },
    },
    async (req) => incidents.classify(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { grade: string; reason: string } }>(
    '/incidents/:id/grade',
    {
      config: { roles: writers },
      schema: {
        summary: 'Change the grade (I–IV) with a reason; III or higher starts the reporting clock',
        params: IdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['grade', 'reason'],
          properties: { grade: { type: 'string', enum: ['I', 'II', 'III', 'IV'] }, reason: { type: 'string', minLength: 1, maxLength: 5000 } },
        },
        response: mutationReplies,
      },
    },
    async (req) => incidents.regrade(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { kind: 'initial' | 'summary'; reference?: string; note?: string } }>(
    '/incidents/:id/reports',
    {
      config: { roles: writers },
      schema: {
        summary: 'Record a regulatory report (initial or 30-day summary) as made',
        params: IdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            kind: { type: 'string', enum: ['initial', 'summary'] },
            reference: { type: 'string', maxLength: 500 },
            note: { type: 'string', maxLength: 5000 },
          },
        },
        response: mutationReplies,
      },
    },
    async (req) => incidents.recordReport(req.params.id, req.body, by(req)),
  );

  app.post<{ Params: { id: string }; Body: { source: string } }>(
    '/incidents/:id/merge',
    {
      config: { roles: writers },
      schema: {
        summary: 'Merge incident `source` into this one; the source closes as a duplicate',
        params: IdParams,
        body: { type: 'object', additionalProperties: false, required: ['source'], properties: { source: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: mutationReplies,
      },
    },
    async (req) => incidents.merge(req.params.id, req.body.source, by(req)),
  );

  app.post<{ Body: { ids: string[]; assign?: { assignee: string | null }; transition?: { to: string; resolution?: string; summary?: string }; tags?: { add?: string[]; remove?: string[] } } }>(
    '/incidents/bulk',
    {
      config: { roles: writers },
      schema: {
        summary: 'Assign, tag and/or transition many incidents; one result per id',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ids'],
          properties: {
            ids: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'string', minLength: 1, maxLength: 200 } },
            assign: AssignBody,
            transition: TransitionBody,
            tags: TagsBody,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['results'],
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'ok'],
                  properties: {
                    id: { type: 'string' },
                    ok: { type: 'boolean' },
                    state: { type: 'string' },
                    version: { type: 'integer' },
                    error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
                  },
                },
              },
            },
          },
          400: ErrorReply,
        },
      },
    },
    async (req) => ({ results: await incidents.bulk(req.body, by(req)) }),
  );
};
