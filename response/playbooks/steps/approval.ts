// approval: the run waits in `waiting_approval` until someone approves or denies it through the
// API (who and why recorded) or its timeout passes (counted as a denial). Destructive steps after
// it run only once it is approved.
import { roles } from '../../../core/storage/types.ts';
import type { ControlStepKind } from '../model.ts';

export interface ApprovalInput extends Record<string, unknown> {
  prompt: string;
  timeout?: string | number;
  on_deny?: string;
  approvers?: string[];
}

export const approvalStep: ControlStepKind<ApprovalInput> = {
  kind: 'approval',
  control: 'approval',
  destructive: false,
  summary: 'Wait for a person to approve or deny what follows',
  inputSchema: {
    prompt: { type: 'string', required: true, description: 'What is being approved (templated)' },
    timeout: { type: 'duration', description: 'Denied automatically after this long (default: waits indefinitely)' },
    on_deny: { type: 'string', description: 'Step id to continue at when denied (default: the run ends as cancelled)' },
    approvers: { type: 'array', description: 'Roles allowed to decide (default analyst, responder; admin always)' },
  },
  retry: { maxAttempts: 1, initialMs: 0, factor: 1, maxMs: 0 },
  timeoutMs: 0,
  check(input, ctx) {
    const out: Array<[string, string]> = [];
    if (typeof input.on_deny === 'string' && !ctx.laterStepIds.includes(input.on_deny)) {
      out.push(['on_deny', `'${input.on_deny}' is not a later step (later steps: ${ctx.laterStepIds.join(', ') || 'none'})`]);
    }
    if (Array.isArray(input.approvers)) {
      for (const r of input.approvers) if (!(roles as readonly unknown[]).includes(r)) out.push(['approvers', `'${String(r)}' is not a role (roles: ${roles.join(', ')})`]);
    }
    return out;
  },
  plan: (input) => `wait for approval: "${input.prompt}"${input.timeout ? ` (denied after ${input.timeout})` : ''}`,
};
