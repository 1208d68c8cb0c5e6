// Playbook runs and approvals over HTTP (analyst, responder): list and read runs, approve or
// deny a waiting approval step (who = the caller, why = the body; audited), list the loaded
// playbooks and dry-run one against an incident (no side effects).
import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { ErrorReply } from '../../core/http/types.ts';
import type { PlaybookRun, PlaybookRunStore, RunStatus } from '../../core/storage/types.ts';
import { conditionToData } from '../playbooks/condition.ts';
import type { PlaybookRunner } from '../playbooks/runner.ts';

export interface PlaybookRoutesOptions {
  runner: PlaybookRunner;
  runs: PlaybookRunStore;
}

const runStatuses = ['pending', 'running', 'waiting_approval', 'succeeded', 'failed', 'cancelled'];

const ErrorView = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, retryable: { type: 'boolean' }, location: { type: 'object', additionalProperties: true } },
} as const;

const StepView = {
  type: 'object',
  required: ['stepId', 'status', 'attempt', 'idempotencyKey'],
  properties: {
    stepId: { type: 'string' },
    kind: { type: 'string' },
    phase: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    attempt: { type: 'integer' },
    nextAttemptAt: { type: 'string' },
    idempotencyKey: { type: 'string' },
    input: {},
    output: {},
    error: ErrorView,
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    decision: {
      type: 'object',
      properties: { approved: { type: 'boolean' }, by: { type: 'string' }, reason: { type: 'string' }, at: { type: 'string' } },
    },
  },
} as const;

const RunView = {
  type: 'object',
  required: ['id', 'playbookId', 'playbookVersion', 'status', 'trigger', 'dryRun', 'steps', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    playbookId: { type: 'string' },
    playbookTitle: { type: 'string' },
    playbookVersion: { type: 'string' },
    incidentId: { type: 'string' },
    status: { type: 'string' },
    trigger: { type: 'string' },
    dryRun: { type: 'boolean' },
    wakeAt: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    /** The step waiting for a decision, when there is one. */
    waitingFor: { type: 'string' },
    steps: { type: 'array', items: StepView },
  },
} as const;

const RunParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

const DecisionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 2000 },
    step: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const RunsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    incident: { type: 'string', minLength: 1, maxLength: 200 },
    status: { type: 'array', items: { type: 'string', enum: runStatuses } },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 500 },
  },
} as const;

const PlaybookView = {
  type: 'object',
  required: ['id', 'title', 'version', 'source', 'enabled', 'trigger', 'steps'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'string' },
    source: { type: 'string' },
    enabled: { type: 'boolean' },
    trigger: { type: 'object', properties: { on: { type: 'array', items: { type: 'string' } }, when: {} } },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          phase: { type: 'string' },
          with: {},
          timeoutMs: { type: 'integer' },
          maxAttempts: { type: 'integer' },
          conditional: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const DryRunView = {
  type: 'object',
  required: ['playbook', 'incidentId', 'triggerMatches', 'steps'],
  properties: {
    playbook: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' }, version: { type: 'string' } } },
    incidentId: { type: 'string' },
    triggerMatches: { type: 'boolean' },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          kind: { type: 'string' },
          phase: { type: 'string' },
          destructive: { type: 'boolean' },
          input: {},
          plan: { type: 'string' },
          runs: { type: 'string' },
          error: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The public form of a run: the pinned definition stays inside, step kinds and phases come out. */
export function runView(run: PlaybookRun): Record<string, unknown> {
  const def = (run.data as { definition?: { title?: string; steps?: Array<{ id: string; kind: string; phase: string; name?: string }> } }).definition;
  const defs = new Map((def?.steps ?? []).map((s) => [s.id, s]));
  const waiting = run.steps.find((s) => s.status === 'waiting_approval');
  return {
    id: run.id,
    playbookId: run.playbookId,
    playbookTitle: def?.title,
    playbookVersion: run.playbookVersion,
    incidentId: run.incidentId,
    status: run.status,
    trigger: run.trigger,
    dryRun: run.dryRun,
    wakeAt: run.wakeAt,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    waitingFor: waiting?.stepId,
    steps: run.steps.map((s) => ({ ...s, kind: defs.get(s.stepId)?.kind, phase: defs.get(s.stepId)?.phase, name: defs.get(s.stepId)?.name })),
  };
}

export const playbookRoutes: FastifyPluginAsync<PlaybookRoutesOptions> = async (app, { runner, runs }) => {
  app.get<{ Querystring: { incident?: string; status?: RunStatus[]; limit: number; cursor?: string } }>(
    '/playbook-runs',
    {
      config: { roles: ['analyst', 'responder'] },
      schema: {
        summary: 'Playbook runs, newest first (filter by incident and status)',
        querystring: RunsQuery,
        response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: RunView }, nextCursor: { type: 'string' } } }, 400: ErrorReply },
      },
    },
    async (req) => {
      const { incident, status, limit, cursor } = req.query;
      const page = await runs.list({ incidentId: incident, status }, { limit, cursor });
      return { items: page.items.map(runView), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/playbook-runs/:id',
    {
      config: { roles: ['analyst', 'responder'] },
      schema: { summary: 'One playbook run with every step state', params: RunParams, response: { 200: RunView, 404: ErrorReply } },
    },
    async (req) => {
      const run = await runner.getRun(req.params.id);
      if (!run) {
        throw new VigilError(ErrorCode.NOT_FOUND, `playbook run ${req.params.id}: not found`, { source: 'params', path: '/id' });
      }
      return runView(run);
    },
  );

  for (const decision of ['approve', 'deny'] as const) {
    app.post<{ Params: { id: string }; Body: { reason: string; step?: string } }>(
      `/playbook-runs/:id/${decision}`,
      {
        config: { roles: ['analyst', 'responder'] },
        schema: {
          summary: decision === 'approve' ? 'Approve the waiting approval step (the run continues)' : 'Deny the waiting approval step',
          params: RunParams,
          body: DecisionBody,
          response: { 200: RunView, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
        },
      },
      async (req) => {
        const before = await runner.getRun(req.params.id);
        const run = await runner[decision](req.params.id, req.body.step, req.actor, req.body.reason);
        const step = run.steps.find((s) => s.decision && before?.steps.find((b) => b.stepId === s.stepId)?.status === 'waiting_approval');
        await req.audit({
          action: `playbook.${decision}`,
          target: run.id,
          before: { status: before?.status, step: step?.stepId, stepStatus: 'waiting_approval' },
          after: { status: run.status, step: step?.stepId, stepStatus: step?.status, reason: req.body.reason },
        });
        return runView(run);
      },
    );
  }

  app.get(
    '/playbooks',
    {
      config: { roles: ['analyst', 'responder'] },
      schema: { summary: 'Loaded playbooks', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: PlaybookView } } } } },
    },
    async () => ({
      items: runner.playbooks().map((p) => ({
        id: p.id,
        title: p.title,
        description: p.description,
        version: p.version,
        source: p.source,
        enabled: p.enabled,
        trigger: { on: p.trigger.on, when: p.trigger.when ? conditionToData(p.trigger.when) : undefined },
        steps: p.steps.map((s) => ({ id: s.id, name: s.name, kind: s.kind, phase: s.phase, with: s.with, timeoutMs: s.timeoutMs, maxAttempts: s.retry.maxAttempts, conditional: s.when !== undefined })),
      })),
    }),
  );

  app.post<{ Params: { id: string }; Body: { incident: string } }>(
    '/playbooks/:id/dry-run',
    {
      config: { roles: ['analyst', 'responder'] },
      schema: {
        summary: 'What the playbook would do for an incident, without doing it',
        params: RunParams,
        body: { type: 'object', additionalProperties: false, required: ['incident'], properties: { incident: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 200: DryRunView, 404: ErrorReply },
      },
    },
    async (req) => runner.dryRun(req.params.id, req.body.incident),
  );
};
