// The durable playbook runner. A run is a stored record (PlaybookRunStore) holding the pinned
// playbook definition and one state per step; every change is a versioned write, so the record
// is the truth and a restarted runner continues from it:
//   - `running` + attempt is stored BEFORE a side effect and the result AFTER it; a finished step
//     never runs again, a step found `running` (its runner died) is retried with the same
//     idempotency key once its lease (the step timeout plus a grace) has passed;
//   - retryable failures wait in `pending` with nextAttemptAt (exponential backoff, full jitter);
//     the run's wakeAt tells `tick()` when to look again;
//   - approvals wait in `waiting_approval` until approve()/deny() or their timeout.
// Every step transition goes on the incident timeline (`playbook_step`) and out as a
// `playbook.step` notice.
import type { Actor } from '../../core/auth/api-keys.ts';
import { ErrorCode, type ErrorRecord, toErrorRecord, VigilError } from '../../core/errors.ts';
import { stableId } from '../../core/ids.ts';
import type { Logger } from '../../core/logging.ts';
import { type Notice, NoticeType } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import type { Incident, PlaybookRun, PlaybookRunStore, StepState } from '../../core/storage/types.ts';
import { backoffDelay } from './backoff.ts';
import { conditionRefs, evaluateCondition, parseCondition } from './condition.ts';
import { checkInput, parseDuration } from './input-schema.ts';
import type { ConnectorClient, EffectStepKind, IntelLookup, Playbook, PlaybookIncidentPort, PlaybookStep, StepKind } from './model.ts';
import { incidentTemplateView } from './observables-view.ts';
import { stepKinds } from './steps/index.ts';
import { contextResolver, renderValue, type Resolver, type TemplateError, type TemplateRef, toText } from './template.ts';

export interface PlaybookRunnerOptions {
  store: PlaybookRunStore;
  incidents: PlaybookIncidentPort;
  /** Where `playbook.step` notices go (the 'notices' queue). */
  notices?: WorkQueue<Notice>;
  playbooks: readonly Playbook[];
  connectors: ConnectorClient;
  intel?: IntelLookup;
  /** @default () => new Date() */
  now?: () => Date;
  /** For backoff jitter. @default Math.random */
  random?: () => number;
  logger?: Logger;
  /**
   * This runner is the only one on its store (embedded SQLite, one process): resume() takes over
   * steps left `running` by a previous process at once instead of waiting for their lease.
   * @default false
   */
  exclusive?: boolean;
  /** Added to a step's timeout to form its lease. @default 5000 */
  leaseGraceMs?: number;
  /** Runs looked at per tick. @default 50 */
  batchSize?: number;
  kinds?: ReadonlyMap<string, StepKind>;
}

export interface DryRunStep {
  id: string;
  name?: string;
  kind: string;
  phase: string;
  destructive: boolean;
  /** Inputs as they would be sent; outputs of earlier steps show as `<steps.x.output.y>`. */
  input: unknown;
  /** What the step would do, without doing it. */
  plan: string;
  /** 'yes' / 'no' from the incident now, or 'depends' when it reads earlier steps' results. */
  runs: 'yes' | 'no' | 'depends';
  error?: string;
}

export interface DryRunPlan {
  playbook: { id: string; title: string; version: string };
  incidentId: string;
  /** The trigger's field conditions hold for the incident now (its notice types aside). */
  triggerMatches: boolean;
  steps: DryRunStep[];
}

export interface PlaybookRunner {
  /** Starts the runs a notice triggers (one per playbook, incident and notice); returns their ids. */
  onNotice(notice: Notice): Promise<string[]>;
  /** Advances runs that are due (retry backoff over, approval timeouts, expired leases). */
  tick(): Promise<number>;
  /** On start: picks up every run left unfinished. */
  resume(): Promise<number>;
  approve(runId: string, stepId: string | undefined, actor: Actor, reason: string): Promise<PlaybookRun>;
  deny(runId: string, stepId: string | undefined, actor: Actor, reason: string): Promise<PlaybookRun>;
  dryRun(playbookId: string, incidentId: string): Promise<DryRunPlan>;
  playbooks(): readonly Playbook[];
  getRun(id: string): Promise<PlaybookRun | undefined>;
  /** Resolves when the work started in the background (after notices and approvals) is done. */
  settle(): Promise<void>;
}

const finished = new Set<StepState['status']>(['succeeded', 'failed', 'skipped', 'denied']);
const terminalRun = new Set<PlaybookRun['status']>(['succeeded', 'failed', 'cancelled']);

interface RunData {
  definition: Playbook;
  trigger: { type: string; data: Record<string, unknown>; at: string; notice: string };
}

function summarize(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = toText(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

function touchesSteps(refs: readonly TemplateRef[]): boolean {
  return refs.some((r) => r.segments[0] === 'steps');
}

export function createPlaybookRunner(opts: PlaybookRunnerOptions): PlaybookRunner {
  const now = opts.now ?? (() => new Date());
  const random = opts.random ?? Math.random;
  const kinds = opts.kinds ?? stepKinds;
  const leaseGraceMs = opts.leaseGraceMs ?? 5000;
  const batchSize = opts.batchSize ?? 50;
  const byId = new Map(opts.playbooks.map((p) => [p.id, p]));
  const locks = new Map<string, Promise<unknown>>();
  const background = new Set<Promise<unknown>>();
  const log = opts.logger;

  /** One advance at a time per run in this process (other processes are kept out by versions). */
  function withLock<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(runId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    locks.set(runId, tail);
    void tail.then(() => {
      if (locks.get(runId) === tail) locks.delete(runId);
    });
    return next;
  }

  function inBackground(p: Promise<unknown>): void {
    const tracked = p.catch((err) => log?.error({ err }, 'playbook run advance failed'));
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  }

  function actorFor(pb: Playbook): Actor {
    return { id: `playbook:${pb.id}`, name: `playbook ${pb.title}`, role: 'responder' };
  }

  function dataOf(run: PlaybookRun): RunData {
    return run.data as unknown as RunData;
  }

  function templateContext(run: PlaybookRun, inc: Incident | undefined): Record<string, unknown> {
    const pb = dataOf(run).definition;
    const steps: Record<string, unknown> = {};
    for (const s of run.steps) {
      steps[s.stepId] = { status: s.status, output: s.output, input: s.input, error: s.error, attempt: s.attempt, decision: s.decision };
    }
    return {
      ...incidentTemplateView(inc),
      steps,
      run: { id: run.id, playbook: pb.id, version: run.playbookVersion, dry_run: run.dryRun },
      trigger: dataOf(run).trigger,
    };
  }

  async function record(run: PlaybookRun, step: PlaybookStep, state: StepState, extra: Record<string, unknown> = {}, actor?: Actor): Promise<void> {
    const pb = dataOf(run).definition;
    const data: Record<string, unknown> = {
      run: run.id,
      playbook: pb.id,
      playbookVersion: run.playbookVersion,
      step: step.id,
      kind: step.kind,
      phase: step.phase,
      status: state.status,
      attempt: state.attempt,
      ...extra,
    };
    if (state.status === 'succeeded' && state.output !== undefined) data.output = summarize(state.output);
    if (state.error && (state.status === 'failed' || state.status === 'pending')) data.error = { code: state.error.code, message: state.error.message };
    if (state.nextAttemptAt && state.status === 'pending') data.nextAttemptAt = state.nextAttemptAt;
    if (state.decision) data.decision = state.decision;
    try {
      if (run.incidentId) await opts.incidents.appendTimeline(run.incidentId, 'playbook_step', data, actor ?? actorFor(pb));
      await opts.notices?.publish({
        id: stableId('playbook.step', run.id, step.id, state.status, String(state.attempt), state.nextAttemptAt ?? ''),
        type: NoticeType.playbookStep,
        at: now().toISOString(),
        incidentId: run.incidentId,
        data,
      });
    } catch (err) {
      // The step's state is already stored; a lost timeline line must not stop the run.
      log?.warn({ err, run: run.id, step: step.id }, 'playbook step: timeline or notice not written');
    }
  }

  async function recordRun(run: PlaybookRun, status: string, extra: Record<string, unknown> = {}): Promise<void> {
    const pb = dataOf(run).definition;
    try {
      if (run.incidentId) {
        await opts.incidents.appendTimeline(run.incidentId, 'playbook_run', { run: run.id, playbook: pb.id, playbookVersion: run.playbookVersion, status, ...extra }, actorFor(pb));
      }
    } catch (err) {
      log?.warn({ err, run: run.id }, 'playbook run: timeline entry not written');
    }
  }

  function save(run: PlaybookRun, change: Parameters<PlaybookRunStore['update']>[2]): Promise<PlaybookRun> {
    return opts.store.update(run.id, run.version, change);
  }

  function stepsWith(run: PlaybookRun, idx: number, patch: (s: StepState) => StepState): StepState[] {
    return run.steps.map((s, i) => (i === idx ? patch({ ...s }) : s));
  }

  /** Marks steps (from, to) exclusive-inclusive bounds as skipped, recording each. */
  async function skipRange(run: PlaybookRun, from: number, toExclusive: number, why: string): Promise<PlaybookRun> {
    const pb = dataOf(run).definition;
    for (let i = from; i < toExclusive; i++) {
      if (finished.has(run.steps[i].status)) continue;
      run = await save(run, { steps: stepsWith(run, i, (s) => ({ ...s, status: 'skipped', finishedAt: now().toISOString() })) });
      await record(run, pb.steps[i], run.steps[i], { reason: why });
    }
    return run;
  }

  async function finishRun(run: PlaybookRun, status: 'succeeded' | 'failed' | 'cancelled', extra: Record<string, unknown> = {}): Promise<PlaybookRun> {
    run = await save(run, { status, wakeAt: undefined });
    await recordRun(run, status, extra);
    return run;
  }

  /** The nearest approval step before `idx` decides whether a destructive step may run. */
  function approvalFor(run: PlaybookRun, pb: Playbook, idx: number): StepState | undefined {
    for (let i = idx - 1; i >= 0; i--) if (pb.steps[i].kind === 'approval') return run.steps[i];
    return undefined;
  }

  /** `input`: the rendered input that was refused, kept for the record. */
  async function failStep(run: PlaybookRun, pb: Playbook, idx: number, err: ErrorRecord, input?: unknown): Promise<{ run: PlaybookRun; stop: boolean }> {
    const step = pb.steps[idx];
    run = await save(run, {
      steps: stepsWith(run, idx, (s) => ({ ...s, status: 'failed', error: err, finishedAt: now().toISOString(), nextAttemptAt: undefined, ...(input !== undefined ? { input } : {}) })),
      wakeAt: undefined,
    });
    await record(run, step, run.steps[idx]);
    if (step.continueOnFailure) return { run, stop: false };
    run = await finishRun(run, 'failed', { failedStep: step.id, error: { code: err.code, message: err.message } });
    return { run, stop: true };
  }

  async function runEffect(kind: EffectStepKind, input: Record<string, unknown>, run: PlaybookRun, step: PlaybookStep, attempt: number): Promise<unknown> {
    const pb = dataOf(run).definition;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new VigilError(ErrorCode.ACTION_UNREACHABLE, `step ${step.id} (${step.kind}): timed out after ${step.timeoutMs} ms`, { source: `playbook ${pb.id}`, path: step.id }, { retryable: true });
        controller.abort(err);
        reject(err);
      }, step.timeoutMs);
    });
    try {
      return await Promise.race([
        kind.run(input, {
          runId: run.id,
          playbookId: pb.id,
          stepId: step.id,
          incidentId: run.incidentId,
          idempotencyKey: run.steps[step.index].idempotencyKey,
          attempt,
          signal: controller.signal,
          connectors: opts.connectors,
          incidents: opts.incidents,
          intel: opts.intel,
          actor: actorFor(pb),
          now,
        }),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Advances one run until it must wait (approval, backoff, lease) or ends. */
  async function advance(runId: string, takeOver: boolean): Promise<void> {
    let run = await opts.store.get(runId);
    if (!run || terminalRun.has(run.status)) return;
    const pb = dataOf(run).definition;
    // Bounded so a bug can never spin forever: every pass finishes a step or returns.
    for (let guard = 0; guard < 10_000; guard++) {
      const idx = run.steps.findIndex((s) => !finished.has(s.status));
      if (idx < 0) {
        await finishRun(run, 'succeeded');
        return;
      }
      const step = pb.steps[idx];
      const state = run.steps[idx];
      const kind = kinds.get(step.kind);
      const nowIso = now().toISOString();
      if (!kind) {
        const r = await failStep(run, pb, idx, toErrorRecord(new VigilError(ErrorCode.PLAYBOOK_INVALID, `step ${step.id}: step kind '${step.kind}' no longer exists`, { source: pb.source, path: `steps[${idx}].kind` })));
        if (r.stop) return;
        run = r.run;
        continue;
      }

      if (state.status === 'waiting_approval') {
        if (run.wakeAt && run.wakeAt <= nowIso) {
          run = await decide(run, idx, false, { id: 'system', name: 'system', role: 'admin' }, `no decision before the approval timeout (${String((state.input as Record<string, unknown> | undefined)?.timeout ?? '')})`);
          if (terminalRun.has(run.status)) return;
          continue;
        }
        return;
      }
      if (state.nextAttemptAt && state.nextAttemptAt > nowIso) {
        if (run.wakeAt !== state.nextAttemptAt) run = await save(run, { wakeAt: state.nextAttemptAt });
        return;
      }
      // A step left `running`: its runner is alive until the lease (run.wakeAt) passes.
      if (state.status === 'running' && !takeOver && run.wakeAt && run.wakeAt > nowIso) return;

      const inc = run.incidentId ? await opts.incidents.get(run.incidentId) : undefined;
      const ctx = templateContext(run, inc);
      const resolve = contextResolver(ctx);
      if (step.when && state.status === 'pending' && state.attempt === 0 && !evaluateCondition(step.when, resolve)) {
        run = await skipRange(run, idx, idx + 1, 'when: condition does not hold');
        continue;
      }

      let input: Record<string, unknown>;
      if (state.input !== undefined) input = state.input as Record<string, unknown>;
      else if (kind.control === 'branch') input = step.with;
      else {
        try {
          input = renderValue(step.with, resolve) as Record<string, unknown>;
        } catch (err) {
          const r = await failStep(run, pb, idx, toErrorRecord(new VigilError(ErrorCode.PLAYBOOK_INVALID, `${pb.source}: steps[${idx}].with: ${(err as TemplateError).message}`, { source: pb.source, path: `steps[${idx}].with` })));
          if (r.stop) return;
          run = r.run;
          continue;
        }
        const problems = checkInput(kind.inputSchema, input, true);
        if (problems.length > 0) {
          const [key, why] = problems[0];
          const r = await failStep(run, pb, idx, toErrorRecord(new VigilError(ErrorCode.PLAYBOOK_INVALID, `${pb.source}: steps[${idx}].with.${key}: ${why}`, { source: pb.source, path: `steps[${idx}].with.${key}` })), input);
          if (r.stop) return;
          run = r.run;
          continue;
        }
      }

      if (kind.control === 'approval') {
        const ms = parseDuration(input.timeout);
        const wakeAt = ms !== undefined ? new Date(now().getTime() + ms).toISOString() : undefined;
        run = await save(run, {
          status: 'waiting_approval',
          wakeAt,
          steps: stepsWith(run, idx, (s) => ({ ...s, status: 'waiting_approval', input, startedAt: nowIso })),
        });
        await record(run, step, run.steps[idx], { prompt: input.prompt, deadline: wakeAt });
        return;
      }

      if (kind.control === 'branch') {
        const problems: Array<[string, string]> = [];
        const cond = parseCondition(input.if, `steps[${idx}].with.if`, problems);
        const holds = cond ? evaluateCondition(cond, resolve) : false;
        const target = (holds ? input.then : input.else) as string | undefined;
        const targetIdx = target === undefined ? idx + 1 : target === 'end' ? pb.steps.length : pb.steps.findIndex((s) => s.id === target);
        run = await save(run, {
          status: 'running',
          steps: stepsWith(run, idx, (s) => ({ ...s, status: 'succeeded', attempt: 1, input, output: { condition: holds, next: target ?? pb.steps[idx + 1]?.id ?? 'end' }, startedAt: nowIso, finishedAt: nowIso })),
        });
        await record(run, step, run.steps[idx]);
        run = await skipRange(run, idx + 1, targetIdx, `branch ${step.id} went to ${target ?? 'the next step'}`);
        continue;
      }

      if (kind.destructive) {
        const gate = approvalFor(run, pb, idx);
        if (gate?.status !== 'succeeded' || !gate.decision?.approved) {
          const r = await failStep(run, pb, idx, toErrorRecord(new VigilError(ErrorCode.PLAYBOOK_APPROVAL_REQUIRED, `step ${step.id} (${step.kind}) is destructive and its approval step was not approved (${gate ? gate.status : 'none'})`, { source: pb.source, path: `steps[${idx}]` })));
          if (r.stop) return;
          run = r.run;
          continue;
        }
      }

      // Claim the attempt before the side effect: a crash from here on leaves `running` behind.
      const attempt = state.attempt + 1;
      run = await save(run, {
        status: 'running',
        wakeAt: new Date(now().getTime() + step.timeoutMs + leaseGraceMs).toISOString(),
        steps: stepsWith(run, idx, (s) => ({ ...s, status: 'running', attempt, input, startedAt: s.startedAt ?? nowIso, nextAttemptAt: undefined })),
      });
      await record(run, step, run.steps[idx]);
      let output: unknown;
      let failure: ErrorRecord | undefined;
      try {
        if (kind.control !== undefined) throw new Error(`step kind ${kind.kind} is not an effect`);
        output = await runEffect(kind, input, run, step, attempt);
      } catch (err) {
        failure = toErrorRecord(err);
      }
      const doneIso = now().toISOString();
      if (!failure) {
        run = await save(run, {
          wakeAt: undefined,
          steps: stepsWith(run, idx, (s) => ({ ...s, status: 'succeeded', output: output ?? null, error: undefined, finishedAt: doneIso })),
        });
        await record(run, step, run.steps[idx]);
        continue;
      }
      if (failure.retryable && attempt < step.retry.maxAttempts) {
        const next = new Date(now().getTime() + backoffDelay(step.retry, attempt, random)).toISOString();
        run = await save(run, { wakeAt: next, steps: stepsWith(run, idx, (s) => ({ ...s, status: 'pending', error: failure, nextAttemptAt: next })) });
        await record(run, step, run.steps[idx], { retry: true });
        if (next > now().toISOString()) return;
        continue;
      }
      const r = await failStep(run, pb, idx, failure);
      if (r.stop) return;
      run = r.run;
    }
  }

  async function safeAdvance(runId: string, takeOver = false): Promise<void> {
    await withLock(runId, async () => {
      try {
        await advance(runId, takeOver);
      } catch (err) {
        if (err instanceof VigilError && err.code === ErrorCode.STORE_VERSION_CONFLICT) {
          // Another runner moved this run on; it owns the next step.
          log?.info({ run: runId }, 'playbook run advanced elsewhere');
          return;
        }
        throw err;
      }
    });
  }

  /** Records an approval decision; the caller continues the run. */
  async function decide(run: PlaybookRun, idx: number, approved: boolean, actor: Actor, reason: string): Promise<PlaybookRun> {
    const pb = dataOf(run).definition;
    const at = now().toISOString();
    const decision = { approved, by: actor.id === 'system' ? 'system' : `${actor.name} (${actor.id})`, reason, at };
    run = await save(run, {
      status: 'running',
      wakeAt: undefined,
      steps: stepsWith(run, idx, (s) => ({ ...s, status: approved ? 'succeeded' : 'denied', attempt: 1, decision, output: { approved }, finishedAt: at })),
    });
    await record(run, pb.steps[idx], run.steps[idx], {}, actor.id === 'system' ? undefined : actor);
    if (approved) return run;
    const onDeny = (run.steps[idx].input as Record<string, unknown> | undefined)?.on_deny;
    if (typeof onDeny === 'string') {
      const target = pb.steps.findIndex((s) => s.id === onDeny);
      return skipRange(run, idx + 1, target < 0 ? pb.steps.length : target, `approval ${pb.steps[idx].id} denied`);
    }
    return finishRun(run, 'cancelled', { deniedStep: pb.steps[idx].id, by: decision.by, reason });
  }

  async function signal(runId: string, stepId: string | undefined, actor: Actor, reason: string, approved: boolean): Promise<PlaybookRun> {
    const run = await withLock(runId, async () => {
      const current = await opts.store.get(runId);
      if (!current) throw new VigilError(ErrorCode.NOT_FOUND, `playbook run ${runId}: not found`, { source: 'params', path: '/id' });
      const pb = dataOf(current).definition;
      const idx = stepId === undefined ? current.steps.findIndex((s) => s.status === 'waiting_approval') : current.steps.findIndex((s) => s.stepId === stepId);
      if (stepId !== undefined && idx < 0) {
        throw new VigilError(ErrorCode.NOT_FOUND, `playbook run ${runId}: no step '${stepId}' (steps: ${current.steps.map((s) => s.stepId).join(', ')})`, { source: 'body', path: '/step' });
      }
      if (idx < 0 || current.steps[idx].status !== 'waiting_approval') {
        const waiting = current.steps.filter((s) => s.status === 'waiting_approval').map((s) => s.stepId);
        throw new VigilError(
          ErrorCode.PLAYBOOK_NOT_WAITING,
          `playbook run ${runId}: ${stepId ? `step '${stepId}' is ${current.steps[idx].status}, not waiting for approval` : `no step is waiting for approval (run is ${current.status})`}${waiting.length ? ` (waiting: ${waiting.join(', ')})` : ''}`,
          { source: 'body', path: '/step' },
        );
      }
      const approvers = (current.steps[idx].input as Record<string, unknown> | undefined)?.approvers;
      if (Array.isArray(approvers) && actor.role !== 'admin' && !approvers.includes(actor.role)) {
        throw new VigilError(ErrorCode.AUTH_FORBIDDEN, `playbook run ${runId}: step '${pb.steps[idx].id}' may be decided by ${approvers.join(', ')} (you are ${actor.role})`, { source: 'body', path: '/step' });
      }
      return decide(current, idx, approved, actor, reason);
    });
    if (!terminalRun.has(run.status)) inBackground(safeAdvance(run.id));
    return run;
  }

  return {
    async onNotice(notice) {
      if (notice.type === NoticeType.playbookStep || !notice.incidentId) return [];
      const candidates = opts.playbooks.filter((p) => p.enabled && (p.trigger.on as string[]).includes(notice.type));
      if (candidates.length === 0) return [];
      const inc = await opts.incidents.get(notice.incidentId);
      if (!inc) return [];
      const trigger = { type: notice.type, data: notice.data, at: notice.at, notice: notice.id };
      const resolve = contextResolver({ ...incidentTemplateView(inc), trigger });
      const started: string[] = [];
      for (const pb of candidates) {
        if (pb.trigger.when && !evaluateCondition(pb.trigger.when, resolve)) continue;
        const id = stableId('playbook-run', pb.id, inc.id, notice.id);
        let run: PlaybookRun;
        try {
          run = await opts.store.create({
            id,
            playbookId: pb.id,
            playbookVersion: pb.version,
            incidentId: inc.id,
            status: 'pending',
            trigger: notice.type,
            dryRun: false,
            steps: pb.steps.map((s) => ({ stepId: s.id, status: 'pending', attempt: 0, idempotencyKey: stableId('playbook-step', id, s.id) })),
            data: { definition: pb, trigger } as unknown as Record<string, unknown>,
          });
        } catch (err) {
          // The same notice delivered twice: the run exists already.
          if (err instanceof VigilError && err.code === ErrorCode.STORE_VERSION_CONFLICT) continue;
          throw err;
        }
        await recordRun(run, 'started', { trigger: notice.type, notice: notice.id });
        started.push(id);
        inBackground(safeAdvance(id));
      }
      return started;
    },

    async tick() {
      const due = await opts.store.resumable(now().toISOString(), batchSize);
      for (const run of due) await safeAdvance(run.id);
      return due.length;
    },

    async resume() {
      if (!opts.exclusive) return this.tick();
      // Everything unfinished, due or not; steps left running by the previous process are ours.
      const all = await opts.store.resumable('9999-12-31T23:59:59.999Z', 10_000);
      const nowIso = now().toISOString();
      let n = 0;
      for (const run of all) {
        const inFlight = run.steps.some((s) => s.status === 'running');
        if (!inFlight && run.wakeAt && run.wakeAt > nowIso) continue;
        await safeAdvance(run.id, inFlight);
        n++;
      }
      return n;
    },

    approve: (runId, stepId, actor, reason) => signal(runId, stepId, actor, reason, true),
    deny: (runId, stepId, actor, reason) => signal(runId, stepId, actor, reason, false),

    async dryRun(playbookId, incidentId) {
      const pb = byId.get(playbookId);
      if (!pb) throw new VigilError(ErrorCode.NOT_FOUND, `playbook '${playbookId}' is not loaded (loaded: ${[...byId.keys()].join(', ') || 'none'})`, { source: 'params', path: '/id' });
      const inc = await opts.incidents.get(incidentId);
      if (!inc) throw new VigilError(ErrorCode.NOT_FOUND, `incident ${incidentId}: not found`, { source: 'body', path: '/incident' });
      const view = incidentTemplateView(inc);
      const trigger = { type: pb.trigger.on[0], data: {}, at: now().toISOString(), notice: '(dry-run)' };
      const base = contextResolver({ ...view, trigger, run: { id: '(dry-run)', playbook: pb.id, version: pb.version, dry_run: true }, steps: {} });
      const resolve: Resolver = (ref) => (ref.segments[0] === 'steps' ? `<${ref.text}>` : base(ref));
      const steps: DryRunStep[] = pb.steps.map((step) => {
        const kind = kinds.get(step.kind);
        const out: DryRunStep = { id: step.id, name: step.name, kind: step.kind, phase: step.phase, destructive: kind?.destructive ?? false, input: step.with, plan: '', runs: 'yes' };
        if (step.when) out.runs = touchesSteps(conditionRefs(step.when)) ? 'depends' : evaluateCondition(step.when, resolve) ? 'yes' : 'no';
        if (!kind) {
          out.error = `unknown step kind '${step.kind}'`;
          return out;
        }
        try {
          const input = (kind.control === 'branch' ? step.with : renderValue(step.with, resolve)) as Record<string, unknown>;
          out.input = input;
          out.plan = kind.plan(input, { connectors: opts.connectors, incidentId });
          if (kind.control !== 'branch') {
            const problems = checkInput(kind.inputSchema, input, true).filter(([, why]) => !why.includes('<steps.'));
            if (problems.length) out.error = problems.map(([k, why]) => `with.${k}: ${why}`).join('; ');
          }
        } catch (err) {
          out.error = (err as Error).message;
        }
        return out;
      });
      return {
        playbook: { id: pb.id, title: pb.title, version: pb.version },
        incidentId,
        triggerMatches: pb.trigger.when ? evaluateCondition(pb.trigger.when, base) : true,
        steps,
      };
    },

    playbooks: () => opts.playbooks,
    getRun: (id) => opts.store.get(id),

    async settle() {
      while (background.size > 0) await Promise.all([...background]);
    },
  };
}
