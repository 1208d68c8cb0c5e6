// branch: tests a condition and jumps forward to a step (`then` / `else`, default: the next
// step); the steps jumped over are recorded as skipped. Only forward jumps, so a run always ends.
import type { ControlStepKind } from '../model.ts';

export interface BranchInput extends Record<string, unknown> {
  if: unknown;
  then?: string;
  else?: string;
}

export const branchStep: ControlStepKind<BranchInput> = {
  kind: 'branch',
  control: 'branch',
  destructive: false,
  summary: 'Jump forward to a step depending on a condition',
  inputSchema: {
    if: { type: 'any', required: true, description: 'Condition, e.g. { field: steps.lookup.output.found, equals: true }' },
    // biome-ignore lint/suspicious/noThenProperty: the branch step's YAML key, never awaited
    then: { type: 'string', description: 'Step id when the condition holds (default: next step)' },
    else: { type: 'string', description: 'Step id when it does not (default: next step)' },
  },
  retry: { maxAttempts: 1, initialMs: 0, factor: 1, maxMs: 0 },
  timeoutMs: 0,
  check(input, ctx) {
    const out: Array<[string, string]> = [];
    for (const k of ['then', 'else'] as const) {
      const t = input[k];
      if (t === undefined || t === 'end') continue;
      if (typeof t !== 'string' || !ctx.laterStepIds.includes(t)) {
        out.push([k, `'${String(t)}' is not a later step (branches only jump forward; later steps: ${ctx.laterStepIds.join(', ') || 'none'}, or 'end')`]);
      }
    }
    return out;
  },
  plan: (input) => `branch: then ${input.then ?? 'next step'}, else ${input.else ?? 'next step'}`,
};
