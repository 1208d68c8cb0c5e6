// reset_password: forces a password reset (and session revocation where the directory does it);
// destructive, because the user is locked out until they reset.
import type { EffectStepKind } from '../model.ts';
import { type ActionOutput, callConnector, checkConnector, connectorField, describeCall, reasonField } from './connector-action.ts';

export interface ResetPasswordInput extends Record<string, unknown> {
  connector: string;
  user: string;
  reason?: string;
}

export const resetPasswordStep: EffectStepKind<ResetPasswordInput, ActionOutput> = {
  kind: 'reset_password',
  destructive: true,
  summary: 'Force a password reset for a user through a directory connector',
  inputSchema: {
    connector: connectorField,
    user: { type: 'string', required: true, description: 'Account whose password must be reset' },
    reason: reasonField,
  },
  retry: { maxAttempts: 5, initialMs: 1000, factor: 2, maxMs: 60_000 },
  timeoutMs: 30_000,
  check: (input, ctx) => checkConnector(input, ctx),
  plan: (input, ctx) => `force a password reset for ${input.user} via ${describeCall(ctx, input.connector, input)}`,
  run: (input, ctx) => callConnector(input.connector, input, ctx),
};
