// Alert building for every detection path (stream, correlation, scheduled).
export { ATTACK_TACTICS, attackFromTags } from './attack.ts';
export {
  ASSET_CRITICALITY_FIELD,
  type AlertRuleInfo,
  alertId,
  type BuildAlertInput,
  buildAlert,
  CRITICALITY_MODIFIER,
  EntityKind,
  entitiesOf,
  entityKindOfPath,
  type GroupValue,
  groupingOrder,
  KEY_FIELDS,
  keyFieldCopy,
  type MatchedEvent,
  RISK_BASE,
  riskScore,
  ruleIdOf,
} from './build.ts';
