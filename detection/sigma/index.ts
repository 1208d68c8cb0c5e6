export { ConditionSyntaxError, parseCondition, resolveCondition, selectIdentifiers } from './condition.ts';
export { applyFilters, logsourceContains } from './filters.ts';
export { loadSigmaPaths } from './load.ts';
export type {
  ConditionNode,
  CorrelationExpression,
  CorrelationThreshold,
  Detection,
  DetectionItem,
  SigmaCorrelation,
  SigmaCorrelationSpec,
  SigmaDetection,
  SigmaDocument,
  SigmaFilter,
  SigmaFilterSpec,
  SigmaLogsource,
  SigmaMeta,
  SigmaRule,
  SigmaValue,
} from './model.ts';
export { CorrelationOperator, CorrelationType, Modifier, RelationType, SigmaLevel, SigmaStatus } from './model.ts';
export { parseSigmaText } from './parse.ts';
