// Worker thread of `vigil hunt --workers N`: loads and compiles the rules itself, tells the main
// thread which rules it compiled (so match positions can be mapped back), then answers batches.
// The first worker also sends the rules' metadata and the correlations, so the main thread need
// not load the rule files too.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPipelines } from '../pipelines/index.ts';
import { createDetector, type EventBatch } from './detector.ts';
import type { SigmaCorrelation, SigmaRule } from '../sigma/index.ts';
import { huntCorrelator, loadHuntRules, type RuleProblem, ruleKey, withoutDetection } from './rules.ts';

export interface WorkerInit {
  rulePaths: string[];
  pipelinePaths: string[];
  /** Send rule metadata and correlations with the ready message. */
  describe: boolean;
}

export type WorkerRequest = { id: number; batch: EventBatch };
export type WorkerMessage =
  | {
      type: 'ready';
      keys: string[];
      problems: RuleProblem[];
      unconfigured: RuleProblem[];
      /** With `describe`: per compiled rule, its metadata and logsource (no detection), and the correlations. */
      meta?: SigmaRule[];
      correlations?: SigmaCorrelation[];
    }
  | { type: 'result'; id: number; result: import('./detector.ts').BatchResult; buffer?: ArrayBuffer };

const init = workerData as WorkerInit;
const port = parentPort!;
const { pipelines } = loadPipelines(init.pipelinePaths);
const rules = loadHuntRules(init.rulePaths, pipelines);
// Matches of rules that correlations reference return their event.
const correlator = huntCorrelator(rules.correlations, pipelines);
const correlated = new Set(rules.compiled.flatMap((c, i) => (correlator.references(c.rule) ? [i] : [])));
const detector = createDetector(rules.compiled, pipelines, correlated);
port.on('message', (req: WorkerRequest) => {
  const result = detector.processBatch(req.batch);
  // A byte batch's buffer goes back to the main thread, which fills it again.
  const buffer = req.batch.bytes?.buffer as ArrayBuffer | undefined;
  port.postMessage({ type: 'result', id: req.id, result, buffer } satisfies WorkerMessage, buffer ? [buffer] : []);
});
port.postMessage({
  type: 'ready',
  keys: rules.compiled.map((c) => ruleKey(c.rule)),
  problems: rules.problems,
  unconfigured: rules.unconfigured,
  ...(init.describe ? { meta: rules.compiled.map((c) => withoutDetection(c.rule)), correlations: rules.correlations } : {}),
} satisfies WorkerMessage);
