export {
  type CompiledRule,
  compileRule,
  defaultFieldAccessor,
  defaultKeywordValues,
  type FieldResolver,
  type MatcherOptions,
} from './compile.ts';
export type { UnsafeRegexPolicy } from './regex.ts';
export { requiredValues } from './required-values.ts';
