// enrich: looks an observable up, either in Vigil's threat-intel lists ('intel') or through an
// HTTP connector (a reputation or sandbox service). The output feeds later steps and branches:
// `steps.<id>.output.found`, `.lists`, `.data`.
import { ErrorCode, VigilError } from '../../../core/errors.ts';
import type { EffectStepKind } from '../model.ts';
import { callConnector, checkConnector, describeCall } from './connector-action.ts';

export interface EnrichInput extends Record<string, unknown> {
  observable: string;
  type: string;
  source?: string;
}

export interface EnrichOutput {
  observable: string;
  type: string;
  source: string;
  /** On an intel list, or the connector answered with data. */
  found: boolean;
  lists?: string[];
  data?: unknown;
}

export const observableTypes = ['ip', 'domain', 'url', 'hash', 'user', 'host'] as const;

export const enrichStep: EffectStepKind<EnrichInput, EnrichOutput> = {
  kind: 'enrich',
  destructive: false,
  summary: "Look an observable up in the intel lists or through a connector",
  inputSchema: {
    observable: { type: 'string', required: true, description: 'Value to look up (templated)' },
    type: { type: 'string', required: true, enum: observableTypes, description: 'Observable type' },
    source: { type: 'string', description: "'intel' (default) or the name of a connector" },
  },
  retry: { maxAttempts: 3, initialMs: 1000, factor: 2, maxMs: 30_000 },
  timeoutMs: 20_000,
  check: (input, ctx) => (input.source === undefined || input.source === 'intel' ? [] : checkConnector(input, ctx, 'source')),
  plan: (input, ctx) =>
    input.source === undefined || input.source === 'intel'
      ? `look ${input.type} ${input.observable} up in the intel lists`
      : `look ${input.type} ${input.observable} up via ${describeCall(ctx, input.source, input)}`,
  async run(input, ctx) {
    const source = input.source ?? 'intel';
    const observable = input.observable.trim();
    if (source === 'intel') {
      if (!ctx.intel) {
        throw new VigilError(ErrorCode.CONFIG_INVALID, `step ${ctx.stepId}: no intel lists are configured (playbooks.intelDir)`, { source: 'playbooks', path: ctx.stepId });
      }
      const hits = await ctx.intel.lookup(input.type, observable);
      return { observable, type: input.type, source, found: hits.length > 0, lists: [...new Set(hits.map((h) => h.list))] };
    }
    const res = await callConnector(source, { ...input, observable }, ctx);
    return { observable, type: input.type, source, found: res.status === 200, data: res.response };
  },
};
