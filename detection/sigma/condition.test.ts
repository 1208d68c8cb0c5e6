import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, parseCondition, resolveCondition, selectIdentifiers } from './condition.ts';

describe('parseCondition', () => {
  it('binds not tighter than and, and tighter than or', () => {
    expect(parseCondition('a or b and not c')).toEqual({
      kind: 'or',
      args: [
        { kind: 'ref', name: 'a' },
        { kind: 'and', args: [{ kind: 'ref', name: 'b' }, { kind: 'not', arg: { kind: 'ref', name: 'c' } }] },
      ],
    });
  });

  it('parentheses override precedence; and/or chains are flat', () => {
    expect(parseCondition('(a or b) and c and d')).toEqual({
      kind: 'and',
      args: [{ kind: 'or', args: [{ kind: 'ref', name: 'a' }, { kind: 'ref', name: 'b' }] }, { kind: 'ref', name: 'c' }, { kind: 'ref', name: 'd' }],
    });
  });

  it('reads selectors', () => {
    expect(parseCondition('1 of sel_*')).toEqual({ kind: 'of', quantifier: 'one', pattern: 'sel_*' });
    expect(parseCondition('any of them')).toEqual({ kind: 'of', quantifier: 'one', pattern: 'them' });
    expect(parseCondition('not all of filter*')).toEqual({ kind: 'not', arg: { kind: 'of', quantifier: 'all', pattern: 'filter*' } });
  });

  it('tokenises whole words, so identifiers may start with not/and/or', () => {
    expect(parseCondition('nothing and order')).toEqual({ kind: 'and', args: [{ kind: 'ref', name: 'nothing' }, { kind: 'ref', name: 'order' }] });
  });

  it('gives the offending position', () => {
    const at = (text: string): number => {
      try {
        parseCondition(text);
      } catch (err) {
        if (err instanceof ConditionSyntaxError) return err.pos;
      }
      return -1;
    };
    expect(at('a and')).toBe(5);
    expect(at('a b')).toBe(2);
    expect(at('(a or b')).toBe(7);
    expect(at('a and )')).toBe(6);
    expect(at('sel*')).toBe(0);
    expect(at('a # b')).toBe(2);
  });
});

describe('selectors', () => {
  const ids = ['selection', 'selection_extra', 'filter_a', 'filter_b', '_hidden'];
  it('matches whole names, * as any run, skips _ names unless the pattern starts with _', () => {
    expect(selectIdentifiers('selection', ids)).toEqual(['selection']);
    expect(selectIdentifiers('filter_*', ids)).toEqual(['filter_a', 'filter_b']);
    expect(selectIdentifiers('*', ids)).toEqual(['selection', 'selection_extra', 'filter_a', 'filter_b']);
    expect(selectIdentifiers('them', ids)).toEqual(['selection', 'selection_extra', 'filter_a', 'filter_b']);
    expect(selectIdentifiers('_*', ids)).toEqual(['_hidden']);
  });

  it('drops empty selectors with their not; nothing left is undefined', () => {
    expect(resolveCondition(parseCondition('selection and not 1 of nope_*'), ids)).toEqual({ kind: 'ref', name: 'selection' });
    expect(resolveCondition(parseCondition('1 of nope_*'), ids)).toBeUndefined();
    expect(resolveCondition(parseCondition('all of filter_*'), ids)).toEqual({
      kind: 'and',
      args: [{ kind: 'ref', name: 'filter_a' }, { kind: 'ref', name: 'filter_b' }],
    });
  });
});
