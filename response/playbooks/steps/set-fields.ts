// set_fields: writes fields on the incident (verdicts, enrichment results, ticket numbers).
import type { EffectStepKind } from '../model.ts';

export interface SetFieldsInput extends Record<string, unknown> {
  fields: Record<string, unknown>;
}

export const setFieldsStep: EffectStepKind<SetFieldsInput, { fields: string[] }> = {
  kind: 'set_fields',
  destructive: false,
  summary: 'Set fields on the incident',
  inputSchema: { fields: { type: 'object', required: true, description: 'Field name to value (values templated)' } },
  retry: { maxAttempts: 5, initialMs: 500, factor: 2, maxMs: 10_000 },
  timeoutMs: 10_000,
  plan: (input) => `set incident fields ${Object.entries(input.fields).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
  async run(input, ctx) {
    // Setting the same values twice leaves the incident as once: safe to retry after a restart.
    if (ctx.incidentId) await ctx.incidents.setFields(ctx.incidentId, input.fields, ctx.actor);
    return { fields: Object.keys(input.fields) };
  },
};
