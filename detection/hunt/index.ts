// Offline hunting over event files and rule loading/validation for the CLI.
export { type BatchMatch, type BatchResult, createDetector, type Detector, type EventBatch } from './detector.ts';
export { type EventText, readEventTexts } from './event-reader.ts';
export { type HuntMatch, type HuntOptions, type HuntProblem, type HuntSummary, runHunt } from './hunt.ts';
export { type HuntRules, loadHuntRules, type RuleProblem } from './rules.ts';
export { eventTimestamp } from './timestamp.ts';
