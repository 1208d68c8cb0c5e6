// Offline hunting: run compiled Sigma rules (and correlations) over event files, in this thread or
// in worker threads. Matches stream out in file order; correlation hits follow once every file is read.
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Correlator } from '../correlation/index.ts';
import { bundledPipelineDir, loadPipelines, type Pipeline } from '../pipelines/index.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { SigmaCorrelation, SigmaMeta, SigmaRule } from '../sigma/index.ts';
import { type BatchResult, createDetector, type EventBatch } from './detector.ts';
import { readEventBatches } from './event-reader.ts';
import { compileRules, type HuntRules, huntCorrelator, loadRuleDocuments, type RuleDocuments, type RuleProblem, ruleKey } from './rules.ts';
import type { WorkerInit, WorkerMessage, WorkerRequest } from './worker.ts';

export interface HuntMatch {
  kind: 'rule' | 'correlation';
  rule: SigmaMeta;
  file: string;
  /** 0-based position in the file of the matching event (for a correlation: the event that completed it). */
  eventIndex: number;
  /** Correlations only: group-by values, the aggregate, and the window (epoch ms). */
  group?: Record<string, string>;
  value?: number;
  windowStart?: number;
  windowEnd?: number;
}

export interface HuntProblem {
  file: string;
  line: number;
  reason: string;
}

export interface HuntOptions {
  rulePaths: string[];
  eventFiles: string[];
  /** @default [rules/pipelines] */
  pipelinePaths?: string[];
  /** Worker threads; 0 or 1 runs in this thread. @default 0 */
  workers?: number;
  /** Events per batch handed to a worker. @default 500 */
  batchSize?: number;
  /** Already loaded rules (must come from the same rulePaths and pipelines). */
  rules?: HuntRules | RuleDocuments;
  onMatch?: (m: HuntMatch) => void;
  onProblem?: (p: HuntProblem) => void;
  /** Called once rules are loaded and workers are ready, just before the first event is read. */
  onReady?: () => void;
  /** Bytes read so far over all files, and their total size on disk. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface HuntSummary {
  files: number;
  events: number;
  /** Events that were parsed; the others were decided from their bytes (no rule could match them). */
  parsed: number;
  matches: number;
  problems: number;
  /** Rules that ran (compiled), correlations evaluated, and rules that could not be used. */
  ruleCount: number;
  correlationCount: number;
  ruleProblems: RuleProblem[];
  /** Rules left out because their `|expand` placeholders have no values. */
  unconfigured: RuleProblem[];
  /** Match counts per rule (and correlation), most frequent first. */
  perRule: Array<{ rule: SigmaMeta; count: number }>;
}

interface Pool {
  /** Resolves once the batch is done; its byte buffer is then back in `buffers`. */
  run(batch: EventBatch): Promise<BatchResult>;
  close(): Promise<void>;
}

export async function runHunt(opts: HuntOptions): Promise<HuntSummary> {
  const pipelinePaths = opts.pipelinePaths ?? [bundledPipelineDir];
  const { pipelines, errors } = loadPipelines(pipelinePaths);
  if (errors.length > 0) throw errors[0];
  // Rule metadata by match position. With workers, only they load and compile the rules (memory);
  // the first one sends the metadata and correlations, and the others must have compiled the same
  // list.
  let meta: SigmaRule[];
  let correlations: SigmaCorrelation[];
  let correlator: Correlator;
  let ruleProblems: RuleProblem[];
  let unconfigured: RuleProblem[];
  let pool: Pool;
  const buffers: ArrayBuffer[] = [];
  if ((opts.workers ?? 0) > 1) {
    const started = await startPool(opts.workers!, { rulePaths: opts.rulePaths, pipelinePaths, describe: opts.rules === undefined }, buffers);
    if (opts.rules) {
      const byKey = new Map(opts.rules.rules.map((r) => [ruleKey(r), r]));
      meta = started.keys.map((k) => {
        const r = byKey.get(k);
        if (!r) throw new VigilError(ErrorCode.INTERNAL, `hunt: a worker compiled a rule the main thread did not load (${k.replace('\u0000', '#')}): did the rule files change?`);
        return r;
      });
      correlations = opts.rules.correlations;
    } else {
      meta = started.meta;
      correlations = started.correlations;
    }
    correlator = huntCorrelator(correlations, pipelines);
    ruleProblems = started.problems;
    unconfigured = started.unconfigured;
    pool = started.pool;
  } else {
    const docs = opts.rules ?? loadRuleDocuments(opts.rulePaths);
    const rules = isCompiled(docs) ? docs : compileRules(docs, pipelines);
    meta = rules.compiled.map((c) => c.rule);
    correlations = docs.correlations;
    ruleProblems = rules.problems;
    unconfigured = rules.unconfigured;
    const c = huntCorrelator(correlations, pipelines);
    correlator = c;
    pool = localPool(rules, pipelines, new Set(meta.flatMap((r, i) => (c.references(r) ? [i] : []))), buffers);
  }
  const suppressed = new Set<number>();
  meta.forEach((r, i) => {
    if (correlator.suppresses(r)) suppressed.add(i);
  });

  const counts = new Map<SigmaMeta, number>();
  let matches = 0;
  let problems = 0;
  let events = 0;
  let parsed = 0;
  const emit = (m: HuntMatch): void => {
    matches++;
    counts.set(m.rule, (counts.get(m.rule) ?? 0) + 1);
    opts.onMatch?.(m);
  };
  const pending: Array<{ rule: number; timestamp: number; text: string; file: string; eventIndex: number; seq: number }> = [];

  opts.onReady?.();
  const sizes = await Promise.all(opts.eventFiles.map(async (f) => (await stat(f)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let doneBytes = 0;
  const batchSize = opts.batchSize ?? 500;
  // Batch buffers are reused once their batch is done (workers hand them back): the memory they
  // take stays at the batches in flight, whatever the size of the files.
  const takeBuffer = (min: number): Uint8Array => {
    const i = buffers.findIndex((b) => b.byteLength >= min);
    if (i >= 0) return new Uint8Array(buffers.splice(i, 1)[0]);
    return new Uint8Array(Math.max(min, 1 << 21));
  };
  const maxInFlight = Math.max(2, (opts.workers ?? 1) * 3);
  try {
    for (const file of opts.eventFiles) {
      const inFlight: Array<{ batch: EventBatch; result: Promise<BatchResult> }> = [];
      const settle = async (): Promise<void> => {
        const { batch, result } = inFlight.shift()!;
        const r = await result;
        events += r.events;
        parsed += r.parsed;
        for (const p of r.problems) {
          problems++;
          opts.onProblem?.({ file: batch.file, line: p.line, reason: p.reason });
        }
        for (const m of r.matches) {
          if (m.text !== undefined) pending.push({ rule: m.rule, timestamp: m.timestamp ?? Number.NaN, text: m.text, file, eventIndex: m.eventIndex, seq: pending.length });
          if (!suppressed.has(m.rule)) emit({ kind: 'rule', rule: meta[m.rule], file, eventIndex: m.eventIndex });
        }
      };
      const batches = readEventBatches(file, {
        batchSize,
        takeBuffer,
        onProblem: (p) => {
          problems++;
          opts.onProblem?.({ file, line: p.line, reason: p.reason });
        },
        onBytes: (n) => opts.onProgress?.(doneBytes + n, totalBytes),
      });
      for await (const batch of batches) {
        inFlight.push({ batch, result: pool.run(batch) });
        while (inFlight.length >= maxInFlight) await settle();
      }
      while (inFlight.length > 0) await settle();
      doneBytes += sizes[opts.eventFiles.indexOf(file)];
    }
  } finally {
    await pool.close();
  }

  // Correlations run over event time, not file order: events from several files interleave.
  pending.sort((a, b) => (Number.isNaN(a.timestamp) ? 1 : 0) - (Number.isNaN(b.timestamp) ? 1 : 0) || a.timestamp - b.timestamp || a.seq - b.seq);
  for (const p of pending) {
    const hits = await correlator.observe({ rule: meta[p.rule], event: JSON.parse(p.text), timestamp: p.timestamp });
    for (const h of hits)
      emit({
        kind: 'correlation',
        rule: h.correlation,
        file: p.file,
        eventIndex: p.eventIndex,
        group: h.group,
        value: h.value,
        windowStart: h.windowStart,
        windowEnd: h.windowEnd,
      });
  }
  const perRule = [...counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => b.count - a.count || a.rule.title.localeCompare(b.rule.title));
  return {
    files: opts.eventFiles.length,
    events,
    parsed,
    matches,
    problems,
    ruleCount: meta.length,
    correlationCount: correlations.length,
    ruleProblems,
    unconfigured,
    perRule,
  };
}

function isCompiled(d: HuntRules | RuleDocuments): d is HuntRules {
  return 'compiled' in d;
}

function localPool(rules: HuntRules, pipelines: readonly Pipeline[], correlated: ReadonlySet<number>, buffers: ArrayBuffer[]): Pool {
  const detector = createDetector(rules.compiled, pipelines, correlated);
  return {
    run: async (batch) => {
      const result = detector.processBatch(batch);
      if (batch.bytes) buffers.push(batch.bytes.buffer as ArrayBuffer);
      return result;
    },
    close: async () => {},
  };
}

interface StartedPool {
  pool: Pool;
  keys: string[];
  problems: RuleProblem[];
  unconfigured: RuleProblem[];
  /** From the first worker when `init.describe` (else empty). */
  meta: SigmaRule[];
  correlations: SigmaCorrelation[];
}

async function startPool(n: number, init: WorkerInit, buffers: ArrayBuffer[]): Promise<StartedPool> {
  const waiting = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  const started = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<{ worker: Worker; ready: Extract<WorkerMessage, { type: 'ready' }> }>((resolve, reject) => {
          const workerData: WorkerInit = { ...init, describe: init.describe && i === 0 };
          const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
          worker.on('message', (msg: WorkerMessage) => {
            if (msg.type === 'ready') resolve({ worker, ready: msg });
            else {
              if (msg.buffer) buffers.push(msg.buffer);
              waiting.get(msg.id)?.resolve(msg.result);
              waiting.delete(msg.id);
            }
          });
          worker.on('error', (e) => {
            reject(e);
            fail(e);
          });
        }),
    ),
  );
  const workers = started.map((s) => s.worker);
  const first = started[0].ready;
  const keys = first.keys;
  if (started.some(({ ready: r }) => r.keys.length !== keys.length || r.keys.some((k, i) => k !== keys[i]))) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw new VigilError(ErrorCode.INTERNAL, 'hunt: worker threads compiled different rule sets: did the rule files change during start-up?');
  }
  let next = 0;
  const pool: Pool = {
    run(batch) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      const w = workers[id % workers.length];
      return new Promise<BatchResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        // A byte batch owns its buffer: it moves to the worker instead of being copied.
        w.postMessage({ id, batch } satisfies WorkerRequest, batch.bytes ? [batch.bytes.buffer as ArrayBuffer] : []);
      });
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
  return { pool, keys, problems: first.problems, unconfigured: first.unconfigured, meta: first.meta ?? [], correlations: first.correlations ?? [] };
}
