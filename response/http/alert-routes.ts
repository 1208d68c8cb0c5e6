// Analyst API for alerts and rule exceptions (roles analyst, responder): list alerts with filters,
// mark one a false positive (optionally adding an exception that applies to the next alert at once
// and counting into the rule's precision), and list / delete a rule's exceptions.
import type { FastifyPluginAsync } from 'fastify';
import type { Alert, AlertFilter, Severity } from '../../core/storage/types.ts';
import { AlertView, ErrorReply, ExceptionView, IdParams, PageParams, pageOf, SeverityEnum } from '../incidents/http-schemas.ts';
import type { IncidentService } from '../incidents/service.ts';

export interface AlertRoutesOptions {
  incidents: IncidentService;
}

const roles = ['analyst', 'responder'] as const;

const AlertQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rule: { type: 'string', maxLength: 200 },
    severity: { type: 'array', items: { type: 'string', enum: SeverityEnum } },
    status: { type: 'array', items: { type: 'string', enum: ['open', 'false_positive', 'closed'] } },
    incident: { type: 'string', maxLength: 200 },
    host: { type: 'string', maxLength: 500 },
    user: { type: 'string', maxLength: 500 },
    ...PageParams,
  },
} as const;

interface AlertQueryT {
  rule?: string;
  severity?: Severity[];
  status?: Alert['status'][];
  incident?: string;
  host?: string;
  user?: string;
  limit: number;
  cursor?: string;
  from?: string;
  to?: string;
}

const RuleExceptionParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'exceptionId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 }, exceptionId: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const SuppressionView = {
  type: 'object',
  required: ['id', 'ruleId', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'string' },
    ruleId: { type: 'string' },
    entity: { type: 'string' },
    from: { type: 'string' },
    until: { type: 'string' },
    reason: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

const VerdictsView = {
  type: 'object',
  required: ['ruleId', 'tp', 'fp'],
  properties: { ruleId: { type: 'string' }, tp: { type: 'integer' }, fp: { type: 'integer' }, precision: { type: 'number' } },
} as const;

export const alertRoutes: FastifyPluginAsync<AlertRoutesOptions> = async (app, { incidents }) => {
  app.get<{ Querystring: AlertQueryT }>(
    '/alerts',
    {
      config: { roles },
      schema: { summary: 'List alerts (newest detection first) with filters and cursor paging', querystring: AlertQuery, response: { 200: pageOf(AlertView), 400: ErrorReply } },
    },
    async (req) => {
      const q = req.query;
      const filter: AlertFilter = {};
      if (q.rule !== undefined) filter.ruleId = q.rule;
      if (q.severity) filter.severity = q.severity;
      if (q.status) filter.status = q.status;
      if (q.incident !== undefined) filter.incidentId = q.incident;
      if (q.host !== undefined) filter.host = q.host;
      if (q.user !== undefined) filter.user = q.user;
      if (q.from !== undefined || q.to !== undefined) filter.range = { from: q.from, to: q.to };
      return incidents.listAlerts(filter, { limit: q.limit, cursor: q.cursor });
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string; exception?: Array<{ field: string; value: string }> } }>(
    '/alerts/:id/false-positive',
    {
      config: { roles },
      schema: {
        summary: 'Mark an alert a false positive; optional exception conditions stop the rule alerting on them',
        params: IdParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: {
            reason: { type: 'string', minLength: 1, maxLength: 5000 },
            exception: {
              type: 'array',
              minItems: 1,
              maxItems: 20,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['field', 'value'],
                properties: { field: { type: 'string', minLength: 1, maxLength: 200 }, value: { type: 'string', maxLength: 2000 } },
              },
            },
          },
        },
        response: {
          200: { type: 'object', required: ['alert', 'verdicts'], properties: { alert: AlertView, exception: ExceptionView, verdicts: VerdictsView } },
          400: ErrorReply,
          404: ErrorReply,
        },
      },
    },
    async (req) => incidents.markFalsePositive(req.params.id, req.body, { actor: req.actor, audit: (e) => req.audit(e) }),
  );

  app.get<{ Params: { id: string } }>(
    '/rules/:id/exceptions',
    {
      config: { roles },
      schema: {
        summary: "A rule's exceptions and its precision so far",
        params: IdParams,
        response: { 200: { type: 'object', required: ['items', 'verdicts'], properties: { items: { type: 'array', items: ExceptionView }, verdicts: VerdictsView } } },
      },
    },
    async (req) => ({ items: await incidents.listExceptions(req.params.id), verdicts: await incidents.ruleVerdicts(req.params.id) }),
  );

  app.delete<{ Params: { id: string; exceptionId: string } }>(
    '/rules/:id/exceptions/:exceptionId',
    {
      config: { roles },
      schema: { summary: 'Remove a rule exception', params: RuleExceptionParams, response: { 200: ExceptionView, 404: ErrorReply } },
    },
    async (req) => incidents.deleteException(req.params.id, req.params.exceptionId, { actor: req.actor, audit: (e) => req.audit(e) }),
  );

  app.get(
    '/suppressions',
    {
      config: { roles },
      schema: { summary: 'Suppression windows added through the API (configured ones are not listed)', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: SuppressionView } } } } },
    },
    async () => ({ items: await incidents.listSuppressions() }),
  );

  app.post<{ Body: { ruleId: string; entity?: string; from?: string; until?: string; reason?: string } }>(
    '/suppressions',
    {
      config: { roles },
      schema: {
        summary: "Suppress a rule's alerts (for one entity, in a time window): stored and grouped, but no notices",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ruleId'],
          properties: {
            ruleId: { type: 'string', minLength: 1, maxLength: 200, description: "A rule id, or '*' for every rule" },
            entity: { type: 'string', minLength: 1, maxLength: 500, description: 'Host, user, IP, process or hash; absent: any' },
            from: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            reason: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 200: SuppressionView, 400: ErrorReply },
      },
    },
    async (req) => incidents.addSuppression(req.body, { actor: req.actor, audit: (e) => req.audit(e) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/suppressions/:id',
    { config: { roles }, schema: { summary: 'Remove a suppression window', params: IdParams, response: { 200: SuppressionView, 404: ErrorReply } } },
    async (req) => incidents.removeSuppression(req.params.id, { actor: req.actor, audit: (e) => req.audit(e) }),
  );
};
