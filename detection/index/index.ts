// Rule index: which compiled rules an event can meet (logsource + event id, cached per route), and
// the literal prefilter that rules out rules whose required text is absent from the raw event.
export { createRuleIndex, DISCRIMINATOR, type RuleIndex } from './rule-index.ts';
export { type Literals, regexLiterals, requiredLiterals } from './literals.ts';
export { createLiteralPrefilter, type LiteralPrefilter } from './prefilter.ts';
