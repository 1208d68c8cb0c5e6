// Rule index: which compiled rules an event can meet (logsource + event id), cached per route.
export { createRuleIndex, DISCRIMINATOR, type RuleIndex } from './rule-index.ts';
