// transition: moves the incident through its lifecycle (e.g. to contained after a block).
import { ErrorCode, VigilError } from '../../../core/errors.ts';
import { type EffectStepKind, incidentStates } from '../model.ts';

export interface TransitionInput extends Record<string, unknown> {
  to: string;
  resolution?: string;
  summary?: string;
}

export const transitionStep: EffectStepKind<TransitionInput, { from: string; to: string; changed: boolean }> = {
  kind: 'transition',
  destructive: false,
  summary: 'Move the incident to another lifecycle state',
  inputSchema: {
    to: { type: 'string', required: true, enum: incidentStates, description: 'Target state' },
    resolution: { type: 'string', enum: ['true_positive', 'benign_positive', 'false_positive', 'duplicate'], description: 'Needed to close' },
    summary: { type: 'string', description: 'Needed to close' },
  },
  retry: { maxAttempts: 5, initialMs: 500, factor: 2, maxMs: 10_000 },
  timeoutMs: 10_000,
  check: (input) => (input.to === 'closed' && (!input.resolution || !input.summary) ? [['resolution', 'closing needs a resolution and a summary']] : []),
  plan: (input) => `move the incident to ${input.to}${input.resolution ? ` (${input.resolution})` : ''}`,
  async run(input, ctx) {
    if (!ctx.incidentId) throw new VigilError(ErrorCode.REQUEST_INVALID, `step ${ctx.stepId}: the run has no incident to transition`, { source: 'playbook', path: ctx.stepId });
    const inc = await ctx.incidents.get(ctx.incidentId);
    if (!inc) throw new VigilError(ErrorCode.NOT_FOUND, `step ${ctx.stepId}: incident ${ctx.incidentId} not found`, { source: 'playbook', path: ctx.stepId });
    // A retry after a crash between the transition and storing its result finds the state reached.
    if (inc.state === input.to) return { from: inc.state, to: input.to, changed: false };
    const body: { to: string; resolution?: string; summary?: string } = { to: input.to };
    if (input.resolution) body.resolution = input.resolution;
    if (input.summary) body.summary = input.summary;
    await ctx.incidents.transition(ctx.incidentId, body, ctx.actor);
    return { from: inc.state, to: input.to, changed: true };
  },
};
