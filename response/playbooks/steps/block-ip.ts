// block_ip: asks a firewall (through its connector) to block an address; destructive, so the
// playbook must pass an approval step first.
import type { EffectStepKind } from '../model.ts';
import { type ActionOutput, callConnector, checkConnector, connectorField, describeCall, reasonField } from './connector-action.ts';

export interface BlockIpInput extends Record<string, unknown> {
  connector: string;
  ip: string;
  duration?: string | number;
  reason?: string;
}

export const blockIpStep: EffectStepKind<BlockIpInput, ActionOutput> = {
  kind: 'block_ip',
  destructive: true,
  summary: 'Block an IP address on a firewall through a connector',
  inputSchema: {
    connector: connectorField,
    ip: { type: 'string', required: true, format: 'ip', description: 'Address to block' },
    duration: { type: 'duration', description: 'How long the block lasts (sent as input.duration and input.duration_seconds)' },
    reason: reasonField,
  },
  retry: { maxAttempts: 5, initialMs: 1000, factor: 2, maxMs: 60_000 },
  timeoutMs: 30_000,
  check: (input, ctx) => checkConnector(input, ctx),
  plan: (input, ctx) => `block ${input.ip}${input.duration ? ` for ${input.duration}` : ''} via ${describeCall(ctx, input.connector, input)}`,
  run: (input, ctx) => callConnector(input.connector, input, ctx),
};
