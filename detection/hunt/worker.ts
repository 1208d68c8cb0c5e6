// Worker thread of `vigil hunt --workers N`: loads the same rules and pipelines as the main thread
// (so rule positions agree), then answers event batches with their matches.
import { parentPort, workerData } from 'node:worker_threads';
import { loadPipelines } from '../pipelines/index.ts';
import { createDetector, type EventBatch } from './detector.ts';
import { loadHuntRules } from './rules.ts';

export interface WorkerInit {
  rulePaths: string[];
  pipelinePaths: string[];
  correlated: number[];
  /** Rule count the main thread compiled; a mismatch means the rule files changed under us. */
  expectedRules: number;
}

export type WorkerRequest = { id: number; batch: EventBatch };

const init = workerData as WorkerInit;
const port = parentPort!;
const { pipelines } = loadPipelines(init.pipelinePaths);
const rules = loadHuntRules(init.rulePaths, pipelines);
if (rules.compiled.length !== init.expectedRules) {
  port.postMessage({ type: 'fatal', error: `worker compiled ${rules.compiled.length} rules, main thread ${init.expectedRules}: did the rule files change?` });
} else {
  const detector = createDetector(rules.compiled, pipelines, new Set(init.correlated));
  port.on('message', (req: WorkerRequest) => {
    port.postMessage({ type: 'result', id: req.id, result: detector.processBatch(req.batch) });
  });
  port.postMessage({ type: 'ready' });
}
