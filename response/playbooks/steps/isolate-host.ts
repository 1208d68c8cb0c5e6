// isolate_host: cuts a host off the network through an EDR connector; destructive.
import type { EffectStepKind } from '../model.ts';
import { type ActionOutput, callConnector, checkConnector, connectorField, describeCall, reasonField } from './connector-action.ts';

export interface IsolateHostInput extends Record<string, unknown> {
  connector: string;
  host: string;
  reason?: string;
}

export const isolateHostStep: EffectStepKind<IsolateHostInput, ActionOutput> = {
  kind: 'isolate_host',
  destructive: true,
  summary: 'Isolate a host from the network through an EDR connector',
  inputSchema: {
    connector: connectorField,
    host: { type: 'string', required: true, description: 'Host name (or agent id) to isolate' },
    reason: reasonField,
  },
  retry: { maxAttempts: 5, initialMs: 1000, factor: 2, maxMs: 60_000 },
  timeoutMs: 30_000,
  check: (input, ctx) => checkConnector(input, ctx),
  plan: (input, ctx) => `isolate host ${input.host} via ${describeCall(ctx, input.connector, input)}`,
  run: (input, ctx) => callConnector(input.connector, input, ctx),
};
