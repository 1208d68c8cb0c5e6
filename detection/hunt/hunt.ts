// Offline hunting: run compiled Sigma rules (and correlations) over event files, in this thread or
// in worker threads. Matches stream out in file order; correlation hits follow once every file is read.
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { createCorrelator } from '../correlation/index.ts';
import { bundledPipelineDir, createFieldResolver, loadPipelines, type Pipeline } from '../pipelines/index.ts';
import type { SigmaMeta } from '../sigma/index.ts';
import { type BatchResult, createDetector, type EventBatch } from './detector.ts';
import { readEventTexts } from './event-reader.ts';
import { type HuntRules, loadHuntRules } from './rules.ts';
import type { WorkerInit, WorkerRequest } from './worker.ts';

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
  rules?: HuntRules;
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
  matches: number;
  problems: number;
  rules: HuntRules;
  /** Match counts per rule (and correlation), most frequent first. */
  perRule: Array<{ rule: SigmaMeta; count: number }>;
}

interface Pool {
  run(batch: EventBatch): Promise<BatchResult>;
  close(): Promise<void>;
}

export async function runHunt(opts: HuntOptions): Promise<HuntSummary> {
  const pipelinePaths = opts.pipelinePaths ?? [bundledPipelineDir];
  const { pipelines, errors } = loadPipelines(pipelinePaths);
  if (errors.length > 0) throw errors[0];
  const rules = opts.rules ?? loadHuntRules(opts.rulePaths, pipelines);
  const correlator = createCorrelator({
    correlations: rules.correlations,
    state: createMemoryBackend().state,
    resolveField: createFieldResolver(pipelines),
  });
  const correlated = new Set<number>();
  const suppressed = new Set<number>();
  rules.compiled.forEach((c, i) => {
    if (correlator.references(c.rule)) correlated.add(i);
    if (correlator.suppresses(c.rule)) suppressed.add(i);
  });

  const counts = new Map<SigmaMeta, number>();
  let matches = 0;
  let problems = 0;
  let events = 0;
  const emit = (m: HuntMatch): void => {
    matches++;
    counts.set(m.rule, (counts.get(m.rule) ?? 0) + 1);
    opts.onMatch?.(m);
  };
  const pending: Array<{ rule: number; timestamp: number; text: string; file: string; eventIndex: number; seq: number }> = [];

  const pool = (opts.workers ?? 0) > 1 ? await startPool(opts.workers!, opts.rulePaths, pipelinePaths, correlated, rules) : localPool(rules, pipelines, correlated);
  opts.onReady?.();
  const sizes = await Promise.all(opts.eventFiles.map(async (f) => (await stat(f)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let doneBytes = 0;
  const batchSize = opts.batchSize ?? 500;
  const maxInFlight = Math.max(2, (opts.workers ?? 1) * 3);
  try {
    for (const file of opts.eventFiles) {
      const inFlight: Array<{ batch: EventBatch; result: Promise<BatchResult> }> = [];
      const settle = async (): Promise<void> => {
        const { batch, result } = inFlight.shift()!;
        const r = await result;
        events += r.events;
        for (const p of r.problems) {
          problems++;
          opts.onProblem?.({ file: batch.file, line: p.line, reason: p.reason });
        }
        for (const m of r.matches) {
          if (m.text !== undefined) pending.push({ rule: m.rule, timestamp: m.timestamp ?? Number.NaN, text: m.text, file, eventIndex: m.eventIndex, seq: pending.length });
          if (!suppressed.has(m.rule)) emit({ kind: 'rule', rule: rules.compiled[m.rule].rule, file, eventIndex: m.eventIndex });
        }
      };
      let batch: EventBatch = { file, indices: [], lines: [], texts: [] };
      const send = async (): Promise<void> => {
        inFlight.push({ batch, result: pool.run(batch) });
        batch = { file, indices: [], lines: [], texts: [] };
        while (inFlight.length >= maxInFlight) await settle();
      };
      const texts = readEventTexts(file, {
        onProblem: (p) => {
          problems++;
          opts.onProblem?.({ file, line: p.line, reason: p.reason });
        },
        onBytes: (n) => opts.onProgress?.(doneBytes + n, totalBytes),
      });
      for await (const t of texts) {
        batch.indices.push(t.index);
        batch.lines.push(t.line);
        batch.texts.push(t.text);
        if (batch.texts.length >= batchSize) await send();
      }
      if (batch.texts.length > 0) await send();
      while (inFlight.length > 0) await settle();
      doneBytes += sizes[opts.eventFiles.indexOf(file)];
    }
  } finally {
    await pool.close();
  }

  // Correlations run over event time, not file order: events from several files interleave.
  pending.sort((a, b) => (Number.isNaN(a.timestamp) ? 1 : 0) - (Number.isNaN(b.timestamp) ? 1 : 0) || a.timestamp - b.timestamp || a.seq - b.seq);
  for (const p of pending) {
    const hits = await correlator.observe({ rule: rules.compiled[p.rule].rule, event: JSON.parse(p.text), timestamp: p.timestamp });
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
  return { files: opts.eventFiles.length, events, matches, problems, rules, perRule };
}

function localPool(rules: HuntRules, pipelines: readonly Pipeline[], correlated: ReadonlySet<number>): Pool {
  const detector = createDetector(rules.compiled, pipelines, correlated);
  return { run: async (batch) => detector.processBatch(batch), close: async () => {} };
}

async function startPool(n: number, rulePaths: string[], pipelinePaths: string[], correlated: ReadonlySet<number>, rules: HuntRules): Promise<Pool> {
  const init: WorkerInit = { rulePaths, pipelinePaths, correlated: [...correlated], expectedRules: rules.compiled.length };
  const waiting = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  };
  const workers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Worker>((resolve, reject) => {
          const w = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: init });
          w.on('message', (msg: { type: string; id?: number; result?: BatchResult; error?: string }) => {
            if (msg.type === 'ready') resolve(w);
            else if (msg.type === 'fatal') {
              const e = new Error(msg.error);
              reject(e);
              fail(e);
            } else if (msg.type === 'result' && msg.id !== undefined) {
              waiting.get(msg.id)?.resolve(msg.result!);
              waiting.delete(msg.id);
            }
          });
          w.on('error', (e) => {
            reject(e);
            fail(e);
          });
        }),
    ),
  );
  let next = 0;
  return {
    run(batch) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      const w = workers[id % workers.length];
      return new Promise<BatchResult>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, batch } satisfies WorkerRequest);
      });
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
