import { describe, expect, it } from 'vitest';
import { base64Offsets, utf16, windashPositions, windashVariants } from './encodings.ts';
import { networkContains, parseIp, parseNetwork } from './ip.ts';
import { analysePattern, caseFoldPattern, compileRuleRegex, hasNestedUnboundedQuantifier, translatePattern } from './regex.ts';
import { ONE, parseSigmaString, planPattern, STAR } from './sigma-string.ts';

describe('parseSigmaString', () => {
  it('follows pySigma escaping', () => {
    expect(parseSigmaString('C:\\Windows\\x')).toEqual(['C:\\Windows\\x']);
    expect(parseSigmaString('a\\\\b')).toEqual(['a\\b']);
    expect(parseSigmaString('\\\\\\\\')).toEqual(['\\\\']);
    expect(parseSigmaString('\\*\\?')).toEqual(['*?']);
    expect(parseSigmaString('\\\\*')).toEqual(['\\', STAR]);
    expect(parseSigmaString('\\\\\\*')).toEqual(['\\*']);
    expect(parseSigmaString('\\\\\\x')).toEqual(['\\\\x']);
    expect(parseSigmaString('end\\')).toEqual(['end\\']);
    expect(parseSigmaString('a*?b**')).toEqual(['a', STAR, ONE, 'b', STAR]);
  });
});

describe('planPattern', () => {
  const test = (pattern: string, s: string): boolean => {
    const plan = planPattern(parseSigmaString(pattern));
    return plan.kind === 'exact' ? plan.text === s : plan.test(s);
  };
  it('handles ? inside and between stars', () => {
    expect(test('a?c', 'abc')).toBe(true);
    expect(test('a?c', 'abbc')).toBe(false);
    expect(test('*a?c*', 'xxabcxx')).toBe(true);
    expect(test('*a?c*x?', 'aXc-x1')).toBe(true);
    expect(test('*a?c*x?', 'aXc-x12')).toBe(false);
    expect(test('a*b*c', 'abc')).toBe(true);
    expect(test('a*b*c', 'ac')).toBe(false);
    expect(test('ab*ba', 'aba')).toBe(false);
    expect(test('*', '')).toBe(true);
    expect(test('?', '')).toBe(false);
  });
});

describe('encodings', () => {
  it('base64offset gives pySigma’s three forms', () => {
    expect(base64Offsets('foobar', 'text')).toEqual(['Zm9vYmFy', 'Zvb2Jhc', 'mb29iYX']);
  });
  it('utf16 byte strings', () => {
    expect(Buffer.from(utf16('aé', 'le'), 'latin1')).toEqual(Buffer.from('aé', 'utf16le'));
  });
  it('windash positions and variants', () => {
    expect(windashPositions('-a /b c-d x/y -')).toEqual([0, 3]);
    expect(windashVariants('x -a /b')).toHaveLength(25);
  });
});

describe('ip', () => {
  it('parses IPv6 forms', () => {
    expect(parseIp('::1')?.value).toBe(1n);
    expect(parseIp('fe80::1%eth0')?.family).toBe(6);
    expect(parseIp('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIp('01.2.3.4')).toBeUndefined();
  });
  it('checks networks strictly', () => {
    expect(typeof parseNetwork('10.0.0.0/33')).toBe('string');
    expect(typeof parseNetwork('fe80::1/64')).toBe('string');
    const net = parseNetwork('fe80::/10');
    if (typeof net === 'string') throw new Error(net);
    expect(networkContains(net, 'fe80::abcd')).toBe(true);
    expect(networkContains(net, 'fec0::1')).toBe(false);
    const host = parseNetwork('192.168.1.5');
    if (typeof host === 'string') throw new Error(host);
    expect(networkContains(host, '192.168.1.5')).toBe(true);
    expect(networkContains(host, '192.168.1.6')).toBe(false);
  });
});

describe('regex translation and safety analysis', () => {
  it('moves leading inline flags into RegExp flags and rewrites Python groups', () => {
    expect(translatePattern('(?i)abc')).toEqual({ source: 'abc', flags: new Set(['i']) });
    expect(translatePattern('(?P<x>a)(?P=x)').source).toBe('(?<x>a)\\k<x>');
    expect(translatePattern('\\\\AppData').source).toBe('\\\\AppData');
    expect(translatePattern('[]a]').source).toBe('[\\]a]');
    expect(translatePattern('a{,3}b').source).toBe('a{0,3}b');
    expect(translatePattern('\\Aabc\\Z').source).toBe('(?<![\\s\\S])abc(?![\\s\\S])');
  });
  it('folds case into a pattern for the linear engine, which has no i flag', () => {
    expect(caseFoldPattern('ab1')).toBe('[aA][bB]1');
    expect(caseFoldPattern('[a-c_]')).toBe('[A-Ca-c_]');
    expect(caseFoldPattern('[^x-]')).toBe('[^Xx-]');
    expect(caseFoldPattern('[-q]')).toBe('[Q\\-q]');
    expect(caseFoldPattern('\\w+\\x41(?<name>z)\\k<name>')).toBe('\\w+\\x41(?<name>[zZ])\\k<name>');
    const re = compileRuleRegex('(?i)(ab+)+$', [], 'linear');
    expect(re.flags).not.toContain('i');
    expect(re.test('xxABbB')).toBe(true);
    expect(re.test(`${'aB'.repeat(30_000)}!`)).toBe(false);
    const cls = compileRuleRegex('(?i)([a-c-]+x)+', [], 'linear');
    expect(cls.test('B-Cx')).toBe(true);
    expect(cls.test('[x')).toBe(false);
  });

  it('runs quantified alternatives on the linear engine, without refusing them', () => {
    expect(analysePattern('(a|aa)+$')).toEqual({ nested: false, quantifiedAlternation: true });
    expect(analysePattern('(a|b)c+')).toEqual({ nested: false, quantifiedAlternation: false });
    const re = compileRuleRegex('(a|aa)+$', [], 'refuse');
    expect(re.flags).toBe('');
    const linear = compileRuleRegex('(a|aa)+$', [], 'linear');
    expect(linear.test(`${'a'.repeat(50_000)}b`)).toBe(false);
    expect(linear.test('xaa')).toBe(true);
  });

  it('flags nested unbounded quantifiers only', () => {
    expect(hasNestedUnboundedQuantifier('(a+)+$')).toBe(true);
    expect(hasNestedUnboundedQuantifier('(?:.*\\)){1,}')).toBe(true);
    expect(hasNestedUnboundedQuantifier('((ab)*c)*')).toBe(true);
    expect(hasNestedUnboundedQuantifier('(\\s*\\d{1,3}\\s*,){2}')).toBe(false);
    expect(hasNestedUnboundedQuantifier('([0-9a-f]{2}\\s?){2,20}')).toBe(false);
    expect(hasNestedUnboundedQuantifier('[(+]+a*')).toBe(false);
    expect(hasNestedUnboundedQuantifier('\\(a+\\)+')).toBe(false);
  });
});
