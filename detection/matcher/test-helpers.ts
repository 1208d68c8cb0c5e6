// Test helpers: build a rule from inline YAML the way a user writes it.
import { parseSigmaText } from '../sigma/parse.ts';
import type { SigmaRule } from '../sigma/model.ts';
import { type CompiledRule, compileRule, type MatcherOptions } from './compile.ts';

export function ruleFrom(detection: string, extra = ''): SigmaRule {
  const text = `title: Test rule
id: 5b0b1c3e-1111-4222-8333-944445555666
author: Jane Analyst
logsource:
    product: windows
${extra}detection:
${detection.replace(/^/gm, '    ')}
`;
  const { documents, errors } = parseSigmaText(text, 'inline.yml');
  if (errors.length > 0) throw errors[0];
  const doc = documents[0];
  if (doc?.type !== 'rule') throw new Error('expected a rule');
  return doc;
}

export function compile(detection: string, opts?: MatcherOptions): CompiledRule {
  return compileRule(ruleFrom(detection), opts);
}
