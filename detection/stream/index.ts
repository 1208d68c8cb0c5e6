// Streaming detection on ingest: the rule set a worker runs and the worker itself.
export { type DetectionRuleSet, type LoadDetectionRulesOptions, loadDetectionRules } from './rules.ts';
export { type BatchOutcome, createStreamDetector, type StreamDetector, type StreamDetectorOptions } from './worker.ts';
