// The detection stage as the composition root starts it: the rule set loaded once, N streaming
// workers on the events queue and the scheduled-search loop, with one start() and one stop().
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { QueueBackend } from '../../core/queue/types.ts';
import type { DocumentStore, EventStore } from '../../core/storage/types.ts';
import { bundledRuleDir } from '../pipelines/index.ts';
import { createScheduler, type ScheduledSearchConfig, type Scheduler } from '../scheduled/index.ts';
import { type DetectionRuleSet, loadDetectionRules } from './rules.ts';
import { createStreamDetector, type StreamDetector } from './worker.ts';

export interface DetectionStageOptions {
  store: { events: EventStore; docs: DocumentStore };
  queues: QueueBackend;
  /** Sigma rule files and folders. @default [bundledRuleDir] */
  rulePaths?: readonly string[];
  /** @default [bundledPipelineDir] */
  pipelinePaths?: readonly string[];
  /** An already loaded rule set (tests, reloads); rulePaths/pipelinePaths are then ignored. */
  rules?: DetectionRuleSet;
  /** Rule or correlation ids (or names) that raise no alerts. @default [] */
  disabledRules?: readonly string[];
  /** Overrides disabledRules, e.g. to read rule settings from the docs store. */
  isEnabled?: (ruleId: string) => boolean;
  /** Streaming workers in this process. @default 1 */
  workers?: number;
  /** Consumer names are `<prefix>-<n>`; keep them stable across restarts. @default os.hostname() */
  consumerPrefix?: string;
  /** @default 100 */
  batchSize?: number;
  /** @default 60000 */
  claimIdleMs?: number;
  /** @default 30000 */
  claimEveryMs?: number;
  /** @default 1000 */
  blockMs?: number;
  scheduled?: readonly ScheduledSearchConfig[];
  /** @default 12 */
  maxCatchUpWindows?: number;
  /** @default 1000 */
  maxAlertsPerWindow?: number;
  /** @default 10000 */
  schedulerTickMs?: number;
  /** Run the scheduled-search loop in this process. @default true */
  runScheduler?: boolean;
  now?: () => number;
  logger?: Logger;
}

export interface DetectionStage {
  readonly rules: DetectionRuleSet;
  readonly detectors: readonly StreamDetector[];
  readonly scheduler: Scheduler;
  start(): void;
  /** Stops the workers (each finishes and acknowledges its batch) and the scheduler. */
  stop(): Promise<void>;
}

export function createDetectionStage(opts: DetectionStageOptions): DetectionStage {
  const logger = opts.logger;
  const rules =
    opts.rules ??
    loadDetectionRules({ rulePaths: opts.rulePaths ?? [bundledRuleDir], ...(opts.pipelinePaths ? { pipelinePaths: opts.pipelinePaths } : {}) });
  for (const p of rules.problems) logger?.warn({ file: p.file, rule: p.id, error: p.error }, 'detection rule not loaded');
  const disabled = new Set(opts.disabledRules ?? []);
  const isEnabled = opts.isEnabled ?? ((id: string) => !disabled.has(id));
  const prefix = opts.consumerPrefix ?? hostname();
  const detectors = Array.from({ length: Math.max(1, opts.workers ?? 1) }, (_, i) =>
    createStreamDetector({
      queues: opts.queues,
      rules,
      consumer: `${prefix}-${i}`,
      isEnabled,
      ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
      ...(opts.claimIdleMs !== undefined ? { claimIdleMs: opts.claimIdleMs } : {}),
      ...(opts.claimEveryMs !== undefined ? { claimEveryMs: opts.claimEveryMs } : {}),
      ...(opts.blockMs !== undefined ? { blockMs: opts.blockMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(logger ? { logger } : {}),
    }),
  );
  const scheduler = createScheduler({
    store: opts.store,
    queues: opts.queues,
    rules,
    scheduled: opts.scheduled ?? [],
    isEnabled,
    ...(opts.maxCatchUpWindows !== undefined ? { maxCatchUpWindows: opts.maxCatchUpWindows } : {}),
    ...(opts.maxAlertsPerWindow !== undefined ? { maxAlertsPerWindow: opts.maxAlertsPerWindow } : {}),
    ...(opts.schedulerTickMs !== undefined ? { tickEveryMs: opts.schedulerTickMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(logger ? { logger } : {}),
  });
  logger?.info(
    { rules: rules.compiled.length, correlations: rules.correlations.length, scheduled: scheduler.searches.length, workers: detectors.length, problems: rules.problems.length },
    'detection rules loaded',
  );
  return {
    rules,
    detectors,
    scheduler,
    start() {
      for (const d of detectors) d.start();
      if (opts.runScheduler !== false) scheduler.start();
    },
    async stop() {
      await Promise.all([...detectors.map((d) => d.stop()), scheduler.stop()]);
    },
  };
}
