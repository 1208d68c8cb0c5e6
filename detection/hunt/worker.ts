// Worker thread of `vigil hunt --workers N`: loads and compiles the rules itself, tells the main
// thread which rules it compiled (so match positions can be mapped back), then answers batches.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPipelines } from '../pipelines/index.ts';
import { createDetector, type EventBatch } from './detector.ts';
import { loadHuntRules, type RuleProblem, ruleKey } from './rules.ts';

export interface WorkerInit {
  rulePaths: string[];
  pipelinePaths: string[];
  /** Ids and names referenced by correlations: matches of those rules return their event. */
  correlatedRefs: string[];
}

export type WorkerRequest = { id: number; batch: EventBatch };
export type WorkerMessage =
  | { type: 'ready'; keys: string[]; problems: RuleProblem[]; unconfigured: RuleProblem[] }
  | { type: 'result'; id: number; result: import('./detector.ts').BatchResult; buffer?: ArrayBuffer };

const init = workerData as WorkerInit;
const port = parentPort!;
const { pipelines } = loadPipelines(init.pipelinePaths);
const rules = loadHuntRules(init.rulePaths, pipelines);
const refs = new Set(init.correlatedRefs);
const correlated = new Set<number>();
rules.compiled.forEach((c, i) => {
  if ((c.rule.id && refs.has(c.rule.id)) || (c.rule.name && refs.has(c.rule.name))) correlated.add(i);
});
const detector = createDetector(rules.compiled, pipelines, correlated);
port.on('message', (req: WorkerRequest) => {
  const result = detector.processBatch(req.batch);
  // A byte batch's buffer goes back to the main thread, which fills it again.
  const buffer = req.batch.bytes?.buffer as ArrayBuffer | undefined;
  port.postMessage({ type: 'result', id: req.id, result, buffer } satisfies WorkerMessage, buffer ? [buffer] : []);
});
port.postMessage({ type: 'ready', keys: rules.compiled.map((c) => ruleKey(c.rule)), problems: rules.problems, unconfigured: rules.unconfigured } satisfies WorkerMessage);
