// Correlation rules over the match stream, with window state in SharedState.
export { type CorrelationHit, type CorrelationMatch, type Correlator, type CorrelatorOptions, createCorrelator, thresholdHolds } from './correlator.ts';
