// Dashboard metrics API (analyst, compliance): GET /metrics/... over a [from, to) period.
import type { FastifyPluginAsync } from 'fastify';
import { ErrorReply } from '../../core/http/types.ts';
import type { StorageEngine } from '../../core/storage/types.ts';
import { DashboardMetrics, type MetricsSources, severities, type TopField } from '../metrics/metrics.ts';
import { parseInterval, parseRange } from '../metrics/period.ts';

export interface MetricsRoutesOptions {
  store: Pick<StorageEngine, 'alerts' | 'incidents' | 'docs'>;
  /** Tags of every loaded rule, for /metrics/attack-coverage. */
  loadedRuleTags?: MetricsSources['loadedRuleTags'];
}

const roles = ['analyst', 'compliance'] as const;

const period = {
  from: { type: 'string', maxLength: 40, description: 'Inclusive start: ISO time or YYYY-MM-DD' },
  to: { type: 'string', maxLength: 40, description: 'Exclusive end: ISO time or YYYY-MM-DD' },
} as const;
const PeriodQuery = { type: 'object', additionalProperties: false, properties: period } as const;
const IntervalQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...period, interval: { type: 'string', maxLength: 20, default: '1h', description: '30s, 15m, 1h, 1d, 1w or milliseconds' } },
} as const;
const TopQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['field'],
  properties: {
    ...period,
    field: { type: 'string', enum: ['rule', 'host', 'user', 'source_ip'] },
    size: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  },
} as const;

const PeriodView = { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } } as const;
const BucketList = { type: 'array', items: { type: 'object', required: ['key', 'count'], properties: { key: { type: 'string' }, count: { type: 'integer' } } } } as const;
const Stats = {
  type: 'object',
  required: ['count'],
  properties: {
    count: { type: 'integer' },
    mean: { type: 'number' },
    median: { type: 'number' },
    p90: { type: 'number' },
    min: { type: 'number' },
    max: { type: 'number' },
  },
} as const;
const SeverityCounts = { type: 'object', properties: Object.fromEntries(severities.map((s) => [s, { type: 'integer' }])) } as const;

interface PeriodQ {
  from?: string;
  to?: string;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, opts) => {
  const metrics = new DashboardMetrics({ alerts: opts.store.alerts, incidents: opts.store.incidents, docs: opts.store.docs, loadedRuleTags: opts.loadedRuleTags });
  const errors = { 400: ErrorReply };

  app.get<{ Querystring: PeriodQ & { interval: string } }>(
    '/metrics/alerts/volume',
    {
      config: { roles },
      schema: {
        summary: 'Alert counts per interval by severity (alerts placed by detection time)',
        querystring: IntervalQuery,
        response: {
          200: {
            type: 'object',
            required: ['period', 'intervalMs', 'buckets'],
            properties: {
              period: PeriodView,
              intervalMs: { type: 'integer' },
              buckets: { type: 'array', items: { type: 'object', required: ['start', 'total', 'bySeverity'], properties: { start: { type: 'string' }, total: { type: 'integer' }, bySeverity: SeverityCounts } } },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to);
      const intervalMs = parseInterval(req.query.interval);
      return { period: range, intervalMs, buckets: await metrics.alertVolume(range, intervalMs) };
    },
  );

  app.get<{ Querystring: PeriodQ }>(
    '/metrics/incidents/breakdown',
    {
      config: { roles },
      schema: {
        summary: 'Incidents created in the period by state, grade and category',
        querystring: PeriodQuery,
        response: {
          200: {
            type: 'object',
            required: ['period', 'total', 'byState', 'byGrade', 'byCategory'],
            properties: { period: PeriodView, total: { type: 'integer' }, byState: BucketList, byGrade: BucketList, byCategory: BucketList },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to);
      return { period: range, ...(await metrics.incidentBreakdown(range)) };
    },
  );

  app.get<{ Querystring: PeriodQ }>(
    '/metrics/response-times',
    {
      config: { roles },
      schema: {
        summary: 'MTTD (event→alert), MTTA (→triaged), MTTC (→contained), MTTR (→closed): count, mean, median, p90 in seconds',
        querystring: PeriodQuery,
        response: {
          200: {
            type: 'object',
            required: ['period', 'mttd', 'mtta', 'mttc', 'mttr'],
            properties: { period: PeriodView, mttd: Stats, mtta: Stats, mttc: Stats, mttr: Stats },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to);
      return { period: range, ...(await metrics.responseTimes(range)) };
    },
  );

  app.get<{ Querystring: PeriodQ }>(
    '/metrics/sla',
    {
      config: { roles },
      schema: {
        summary: 'SLA compliance per grade: incidents met, breached, still open',
        querystring: PeriodQuery,
        response: {
          200: {
            type: 'object',
            required: ['period', 'grades'],
            properties: {
              period: PeriodView,
              grades: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['grade', 'met', 'breached', 'open', 'total'],
                  properties: { grade: { type: 'string' }, met: { type: 'integer' }, breached: { type: 'integer' }, open: { type: 'integer' }, total: { type: 'integer' }, compliance: { type: 'number' } },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to);
      return { period: range, grades: await metrics.slaCompliance(range) };
    },
  );

  app.get<{ Querystring: PeriodQ & { field: TopField; size: number } }>(
    '/metrics/top',
    {
      config: { roles },
      schema: {
        summary: 'Top rules, hosts, users or source IPs by alert count',
        querystring: TopQuery,
        response: {
          200: {
            type: 'object',
            required: ['period', 'field', 'items'],
            properties: {
              period: PeriodView,
              field: { type: 'string' },
              items: { type: 'array', items: { type: 'object', required: ['key', 'count'], properties: { key: { type: 'string' }, count: { type: 'integer' }, title: { type: 'string' } } } },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to);
      return { period: range, field: req.query.field, items: await metrics.top(range, req.query.field, req.query.size) };
    },
  );

  app.get(
    '/metrics/rule-precision',
    {
      config: { roles },
      schema: {
        summary: 'True/false positives and precision per rule from analyst verdicts (all time), lowest precision first',
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: {
                type: 'array',
                items: { type: 'object', required: ['ruleId', 'tp', 'fp'], properties: { ruleId: { type: 'string' }, tp: { type: 'integer' }, fp: { type: 'integer' }, precision: { type: 'number' } } },
              },
            },
          },
        },
      },
    },
    async () => ({ items: await metrics.rulePrecision() }),
  );

  const Cell = {
    type: 'object',
    required: ['technique', 'covered', 'seen', 'status', 'rules', 'alerts'],
    properties: {
      technique: { type: 'string' },
      covered: { type: 'boolean' },
      seen: { type: 'boolean' },
      status: { type: 'string', enum: ['both', 'covered', 'seen'] },
      rules: { type: 'integer' },
      alerts: { type: 'integer' },
    },
  } as const;
  app.get<{ Querystring: PeriodQ }>(
    '/metrics/attack-coverage',
    {
      config: { roles },
      schema: {
        summary: 'ATT&CK techniques covered by the loaded rules vs seen in alerts of the period, per tactic',
        querystring: PeriodQuery,
        response: {
          200: {
            type: 'object',
            required: ['period', 'tactics', 'totals'],
            properties: {
              period: PeriodView,
              tactics: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['tactic', 'cells', 'covered', 'seen', 'both'],
                  properties: { tactic: { type: 'string' }, cells: { type: 'array', items: Cell }, covered: { type: 'integer' }, seen: { type: 'integer' }, both: { type: 'integer' } },
                },
              },
              totals: {
                type: 'object',
                properties: Object.fromEntries(['techniques', 'covered', 'seen', 'both', 'seenNotCovered', 'coveredNotSeen'].map((k) => [k, { type: 'integer' }])),
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to);
      return { period: range, ...(await metrics.attackCoverage(range)) };
    },
  );
};
