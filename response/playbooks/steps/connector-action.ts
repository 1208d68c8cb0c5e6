// The shared shape of action steps that go through a configured connector (block_ip,
// disable_user, isolate_host, reset_password): check the connector exists at load, render its
// request from the step input at run time, and describe that request for dry-run.
import type { FieldSchema } from '../input-schema.ts';
import { parseDuration } from '../input-schema.ts';
import type { HttpResult, PlanContext, StepCheckContext, StepContext } from '../model.ts';

export interface ActionOutput {
  connector: string;
  status: number;
  response: unknown;
}

export const connectorField: FieldSchema = { type: 'string', required: true, description: 'Name of the connector in connectors.yml' };
export const reasonField: FieldSchema = { type: 'string', description: 'Why, sent to the target system' };

export function checkConnector(input: Record<string, unknown>, ctx: StepCheckContext, key = 'connector'): Array<[string, string]> {
  const name = input[key];
  if (typeof name !== 'string' || name.includes('{{')) return [];
  return ctx.connectors.has(name) ? [] : [[key, `unknown connector '${name}' (configured: ${[...ctx.connectors].join(', ') || 'none'})`]];
}

/** Variables a connector template sees: the step input (durations also in seconds) and the caller. */
export function connectorVars(input: Record<string, unknown>, ctx: Pick<StepContext, 'runId' | 'playbookId' | 'stepId' | 'incidentId'>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  const ms = parseDuration(input.duration);
  if (ms !== undefined) extra.duration_seconds = Math.round(ms / 1000);
  return {
    input: { ...input, ...extra },
    incident: { id: ctx.incidentId },
    run: { id: ctx.runId, playbook: ctx.playbookId },
    step: { id: ctx.stepId },
  };
}

export async function callConnector(connector: string, input: Record<string, unknown>, ctx: StepContext): Promise<ActionOutput> {
  const res: HttpResult = await ctx.connectors.call(connector, connectorVars(input, ctx), { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal });
  return { connector, status: res.status, response: res.body };
}

export function describeCall(ctx: PlanContext, connector: string, input: Record<string, unknown>): string {
  if (!ctx.connectors.has(connector)) return `connector '${connector}' (not configured)`;
  const d = ctx.connectors.describe(connector, connectorVars(input, { runId: '<run>', playbookId: '<playbook>', stepId: '<step>', incidentId: ctx.incidentId }));
  return `${d.method} ${d.url}${d.body !== undefined ? ` ${JSON.stringify(d.body)}` : ''}`;
}
