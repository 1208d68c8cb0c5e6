import { describe, expect, it } from 'vitest';
import { ruleFrom } from '../matcher/test-helpers.ts';
import { createLiteralPrefilter } from './prefilter.ts';

describe('literal prefilter scan over long texts', () => {
  const rule = ruleFrom("sel:\n    CommandLine|contains: 'invoke-mimikatz'\ncondition: sel");
  const prefilter = createLiteralPrefilter([rule]);
  const seen = (text: string): boolean => {
    prefilter.scan(text);
    return prefilter.possible(0);
  };
  it('finds a literal at every position of a long text, across the middle too', () => {
    const word = 'Invoke-Mimikatz';
    for (const length of [20, 600, 1001, 4096]) {
      for (let at = 0; at + word.length <= length; at += at < 40 || at > length - 60 || Math.abs(at - length / 2) < 20 ? 1 : 37) {
        const text = `${'x'.repeat(at)}${word}${'y'.repeat(length - at - word.length)}`;
        expect(seen(text), `length ${length}, at ${at}`).toBe(true);
      }
    }
  });
  it('rules out a text without it, and forgets the previous text', () => {
    expect(seen(`{"CommandLine":"${'a'.repeat(2000)}invoke-mimikatz"}`)).toBe(true);
    expect(seen(`{"CommandLine":"${'a'.repeat(2000)}invoke-mimi katz"}`)).toBe(false);
  });
});
