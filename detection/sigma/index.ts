export type {
  ConditionNode,
  CorrelationExpression,
  CorrelationOperator,
  CorrelationThreshold,
  CorrelationType,
  Detection,
  DetectionItem,
  Modifier,
  SigmaCorrelation,
  SigmaCorrelationSpec,
  SigmaDetection,
  SigmaDocument,
  SigmaFilter,
  SigmaFilterSpec,
  SigmaLevel,
  SigmaLogsource,
  SigmaMeta,
  SigmaRule,
  SigmaStatus,
  SigmaValue,
} from './model.ts';
export { applyFilters, logsourceContains } from './filters.ts';
export { loadSigmaPaths } from './load.ts';
export { parseSigmaText } from './parse.ts';
