// disable_user: disables an account in the directory (through its connector); destructive.
import type { EffectStepKind } from '../model.ts';
import { type ActionOutput, callConnector, checkConnector, connectorField, describeCall, reasonField } from './connector-action.ts';

export interface DisableUserInput extends Record<string, unknown> {
  connector: string;
  user: string;
  reason?: string;
}

export const disableUserStep: EffectStepKind<DisableUserInput, ActionOutput> = {
  kind: 'disable_user',
  destructive: true,
  summary: 'Disable a user account through a directory connector',
  inputSchema: {
    connector: connectorField,
    user: { type: 'string', required: true, description: 'Account name to disable' },
    reason: reasonField,
  },
  retry: { maxAttempts: 5, initialMs: 1000, factor: 2, maxMs: 60_000 },
  timeoutMs: 30_000,
  check: (input, ctx) => checkConnector(input, ctx),
  plan: (input, ctx) => `disable user ${input.user} via ${describeCall(ctx, input.connector, input)}`,
  run: (input, ctx) => callConnector(input.connector, input, ctx),
};
