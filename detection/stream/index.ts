// Streaming detection on ingest: the rule set a worker runs, the worker, and the whole stage.
export { type DetectionRuleSet, type LoadDetectionRulesOptions, loadDetectionRules } from './rules.ts';
export { createDetectionStage, type DetectionStage, type DetectionStageOptions } from './stage.ts';
export { type BatchOutcome, createStreamDetector, type StreamDetector, type StreamDetectorOptions } from './worker.ts';
