import { describe, expect, it } from 'vitest';
import { requiredValues } from './required-values.ts';
import { ruleFrom } from './test-helpers.ts';

const req = (detection: string, field = 'EventID') => {
  const s = requiredValues(ruleFrom(detection), field);
  return s === undefined ? undefined : [...s].sort();
};

describe('requiredValues', () => {
  it('returns the equality values every match needs', () => {
    expect(req(`sel:
    EventID: [4624, '4625']
    LogonType: 3
condition: sel`)).toEqual(['4624', '4625']);
    expect(req(`sel:
    Channel: Security
condition: sel`, 'Channel')).toEqual(['security']);
  });

  it('narrows through AND, widens through OR, gives up on NOT, wildcards and modifiers', () => {
    expect(req(`a:
    EventID: [1, 2]
b:
    EventID: [2, 3]
condition: a and b`)).toEqual(['2']);
    expect(req(`a:
    EventID: 1
b:
    EventID: 2
condition: a or b`)).toEqual(['1', '2']);
    expect(req(`a:
    EventID: 1
b:
    Other: 2
condition: a or b`)).toBeUndefined();
    expect(req(`a:
    EventID: 1
condition: not a`)).toBeUndefined();
    expect(req(`a:
    EventID: '46*'
condition: a`)).toBeUndefined();
    expect(req(`a:
    EventID|contains: '46'
condition: a`)).toBeUndefined();
  });

  it('follows 1 of / all of and list-of-maps', () => {
    expect(req(`sel_a:
    EventID: 1
sel_b:
    - EventID: 2
    - EventID: 3
      X: y
condition: 1 of sel_*`)).toEqual(['1', '2', '3']);
    expect(req(`sel_a:
    EventID: 1
other:
    X: y
condition: all of them`)).toEqual(['1']);
  });
});
