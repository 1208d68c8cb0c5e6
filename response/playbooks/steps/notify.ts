// notify: sends a message to people (chat, paging, mail gateway) through a connector; the
// connector's body template decides the receiver's format.
import type { EffectStepKind } from '../model.ts';
import { type ActionOutput, callConnector, checkConnector, describeCall } from './connector-action.ts';

export interface NotifyInput extends Record<string, unknown> {
  connector?: string;
  message: string;
  title?: string;
  severity?: string;
  channel?: string;
}

const DEFAULT_CONNECTOR = 'notify';

export const notifyStep: EffectStepKind<NotifyInput, ActionOutput> = {
  kind: 'notify',
  destructive: false,
  summary: 'Send a message through a notification connector',
  inputSchema: {
    connector: { type: 'string', description: `Connector to send through (default '${DEFAULT_CONNECTOR}')` },
    message: { type: 'string', required: true, description: 'Message text (templated)' },
    title: { type: 'string', description: 'Short title' },
    severity: { type: 'string', description: 'Severity shown to the receiver' },
    channel: { type: 'string', description: 'Channel, room or rota name, passed to the connector' },
  },
  retry: { maxAttempts: 5, initialMs: 1000, factor: 2, maxMs: 60_000 },
  timeoutMs: 15_000,
  check: (input, ctx) => checkConnector({ connector: input.connector ?? DEFAULT_CONNECTOR }, ctx),
  plan: (input, ctx) => `notify${input.channel ? ` ${input.channel}` : ''}: "${input.message}" via ${describeCall(ctx, input.connector ?? DEFAULT_CONNECTOR, input)}`,
  run: (input, ctx) => callConnector(input.connector ?? DEFAULT_CONNECTOR, input, ctx),
};
