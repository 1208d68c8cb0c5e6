// Offline hunting over event files and rule loading/validation for the CLI.
export { type BatchMatch, type BatchResult, createDetector, type Detector, type EventBatch } from './detector.ts';
export { type EventText, type ReadProblem, readEventTexts } from './event-reader.ts';
export { type HuntMatch, type HuntOptions, type HuntProblem, type HuntSummary, runHunt } from './hunt.ts';
export { compileRules, type HuntRules, loadHuntRules, loadRuleDocuments, type RuleDocuments, type RuleProblem } from './rules.ts';
export { eventTimestamp } from './timestamp.ts';
