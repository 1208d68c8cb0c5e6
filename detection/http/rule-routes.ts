// Rules API (analyst, responder, compliance read; analyst switches): browse the loaded detection
// rules with search, level, logsource and ATT&CK filters; read one with its exceptions and
// precision so far; enable or disable it (audited). Exceptions themselves are managed under
// /rules/{id}/exceptions by the alert routes.
import type { FastifyPluginAsync } from 'fastify';
import { ErrorReply } from '../../core/http/types.ts';
import type { RuleCatalog, RuleFilter } from '../rules-catalog.ts';

export interface RuleRoutesOptions {
  catalog: RuleCatalog;
}

const readers = ['analyst', 'responder', 'compliance'] as const;
const levels = ['informational', 'low', 'medium', 'high', 'critical'] as const;

const stringList = { type: 'array', items: { type: 'string' } } as const;

const RuleView = {
  type: 'object',
  required: ['id', 'kind', 'title', 'logsource', 'tags', 'tactics', 'techniques', 'source', 'enabled'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['rule', 'correlation'] },
    correlation: { type: 'object', properties: { type: { type: 'string' }, rules: stringList } },
    title: { type: 'string' },
    description: { type: 'string' },
    level: { type: 'string' },
    status: { type: 'string' },
    author: { type: 'string' },
    logsource: { type: 'object', properties: { product: { type: 'string' }, category: { type: 'string' }, service: { type: 'string' } } },
    tags: stringList,
    tactics: stringList,
    techniques: stringList,
    source: { type: 'string' },
    falsepositives: stringList,
    references: stringList,
    enabled: { type: 'boolean' },
    changedBy: { type: 'string' },
    changedAt: { type: 'string' },
  },
} as const;

const ExceptionView = {
  type: 'object',
  required: ['id', 'conditions', 'reason', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'string' },
    conditions: {
      type: 'array',
      items: { type: 'object', required: ['field', 'value'], properties: { field: { type: 'string' }, value: { type: 'string' } } },
    },
    reason: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    sourceAlertId: { type: 'string' },
  },
} as const;

const RuleDetail = {
  type: 'object',
  required: ['rule', 'exceptions', 'precision'],
  properties: {
    rule: RuleView,
    exceptions: { type: 'array', items: ExceptionView },
    precision: {
      type: 'object',
      required: ['tp', 'fp'],
      properties: { tp: { type: 'integer' }, fp: { type: 'integer' }, precision: { type: 'number', description: 'tp / (tp + fp); absent before any verdict' } },
    },
  },
} as const;

const ListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 500, description: 'Free text over id, title, description, tags and file' },
    level: { type: 'array', items: { type: 'string', enum: levels }, description: 'Repeat for several' },
    logsource: { type: 'string', maxLength: 200, description: 'Product, category or service' },
    tactic: { type: 'string', maxLength: 100, description: 'credential_access or attack.credential-access' },
    technique: { type: 'string', maxLength: 20, description: 'T1110 (also finds T1110.001)' },
    enabled: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 500, description: 'nextCursor of the previous page' },
  },
} as const;

interface ListQueryT {
  q?: string;
  level?: string[];
  logsource?: string;
  tactic?: string;
  technique?: string;
  enabled?: boolean;
  limit: number;
  cursor?: string;
}

const IdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 300 } },
} as const;

export const ruleRoutes: FastifyPluginAsync<RuleRoutesOptions> = async (app, { catalog }) => {
  app.get<{ Querystring: ListQueryT }>(
    '/rules',
    {
      config: { roles: readers },
      schema: {
        summary: 'Loaded detection rules with search, level, logsource and ATT&CK filters',
        querystring: ListQuery,
        response: {
          200: { type: 'object', required: ['items', 'total'], properties: { items: { type: 'array', items: RuleView }, total: { type: 'integer' }, nextCursor: { type: 'string' } } },
          400: ErrorReply,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const filter: RuleFilter = {};
      if (q.q) filter.q = q.q;
      if (q.level?.length) filter.level = q.level;
      if (q.logsource) filter.logsource = q.logsource;
      if (q.tactic) filter.tactic = q.tactic;
      if (q.technique) filter.technique = q.technique;
      if (q.enabled !== undefined) filter.enabled = q.enabled;
      return catalog.list(filter, { limit: q.limit, cursor: q.cursor });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/rules/:id',
    {
      config: { roles: readers },
      schema: { summary: 'One rule with its exceptions and precision (true/false-positive verdicts)', params: IdParams, response: { 200: RuleDetail, 404: ErrorReply } },
    },
    async (req, reply) => {
      const rule = catalog.get(req.params.id);
      if (!rule) return reply.status(404).send({ code: 'NOT_FOUND', message: `rule ${req.params.id}: no loaded rule has this id`, location: { source: 'params', path: '/id' } });
      return { rule, exceptions: await catalog.exceptions(rule.id), precision: await catalog.precision(rule.id) };
    },
  );

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Params: { id: string }; Body: { reason?: string } }>(
      `/rules/:id/${action}`,
      {
        config: { roles: ['analyst'] },
        schema: {
          summary: action === 'enable' ? 'Enable a rule (its matches raise alerts again)' : 'Disable a rule (its matches stop raising alerts)',
          params: IdParams,
          body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 2000 } } },
          response: { 200: RuleView, 404: ErrorReply },
        },
      },
      async (req) => {
        const { before, after } = await catalog.setEnabled(req.params.id, action === 'enable', req.actor);
        await req.audit({
          action: `rule.${action}`,
          target: after.id,
          before: { enabled: before.enabled },
          after: { enabled: after.enabled, ...(req.body?.reason ? { reason: req.body.reason } : {}) },
        });
        return after;
      },
    );
  }
};
