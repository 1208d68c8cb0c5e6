// The registry of step kinds a playbook may use, by their YAML `kind:` name.
import type { StepKind } from '../model.ts';
import { approvalStep } from './approval.ts';
import { blockIpStep } from './block-ip.ts';
import { branchStep } from './branch.ts';
import { disableUserStep } from './disable-user.ts';
import { enrichStep } from './enrich.ts';
import { httpRequestStep } from './http-request.ts';
import { isolateHostStep } from './isolate-host.ts';
import { notifyStep } from './notify.ts';
import { resetPasswordStep } from './reset-password.ts';
import { setFieldsStep } from './set-fields.ts';
import { transitionStep } from './transition.ts';

export const stepKinds: ReadonlyMap<string, StepKind> = new Map<string, StepKind>(
  [
    httpRequestStep,
    notifyStep,
    enrichStep,
    blockIpStep,
    disableUserStep,
    isolateHostStep,
    resetPasswordStep,
    setFieldsStep,
    transitionStep,
    approvalStep,
    branchStep,
  ].map((k) => [k.kind, k as StepKind]),
);
