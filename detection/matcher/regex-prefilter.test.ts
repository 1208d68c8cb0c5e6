import { describe, expect, it } from 'vitest';
import { compile } from './test-helpers.ts';
import { regexRequiredText, regexRuns } from './regex.ts';

describe('regexRuns / regexRequiredText', () => {
  it('keeps only text every match contains', () => {
    expect(regexRuns('cmd.{0,5}(?:/c|/r)(?:\\s|)"set\\s[a-zA-Z]{3,6}.*\\\\"\\s+?-f')).toEqual(['cmd', '"set', '\\"', '-f']);
    // optional characters (?, *, {0,n}, Python's {,n}) are not required
    expect(regexRuns('abc?d')).toEqual(['ab', 'd']);
    expect(regexRuns('abx*y')).toEqual(['ab', 'y']);
    expect(regexRuns('abx{0,3}y')).toEqual(['ab', 'y']);
    expect(regexRuns('abx{,3}y')).toEqual(['ab', 'y']);
    expect(regexRuns('abx{2,3}y')).toEqual(['abx', 'y']);
    // a top-level alternative makes nothing required
    expect(regexRuns('abc|def')).toBeUndefined();
    expect(regexRequiredText('(?i)Invoke-Mimikatz.*\\bDump', true)).toEqual(['invoke-mimikatz', 'dump']);
    expect(regexRequiredText('Get-Ärger', true)).toEqual(['get-', 'rger']);
  });
});

describe('regex values with a required-text check', () => {
  const hits = (detection: string, value: string): boolean => compile(detection).match({ CommandLine: value });
  it('match exactly as the regex alone would', () => {
    const rule = 'sel:\n    CommandLine|re: \'cmd.{0,5}(?:/c|/r)\\s"set\\s[a-z]{3}.*-f\'\ncondition: sel';
    expect(hits(rule, 'cmd.exe /c "set abc x -f')).toBe(true);
    expect(hits(rule, 'cmd.exe /c "set abc x')).toBe(false);
    expect(hits(rule, 'CMD.exe /c "set abc x -f')).toBe(false);
  });
  it('fold case for (?i) and |i patterns, on ASCII letters', () => {
    expect(hits("sel:\n    CommandLine|re: '(?i)invoke-mimikatz'\ncondition: sel", 'IEX; INVOKE-MIMIKATZ -dump')).toBe(true);
    expect(hits("sel:\n    CommandLine|re|i: 'invoke-mimikatz'\ncondition: sel", 'Invoke-MimiKatz')).toBe(true);
    expect(hits("sel:\n    CommandLine|re|i: 'invoke-mimikatz'\ncondition: sel", 'Invoke-Mimi')).toBe(false);
    // K (Kelvin sign) lower-cases to k, but a non-unicode /i regex does not match it: still no match
    expect(hits("sel:\n    CommandLine|re: '(?i)kx'\ncondition: sel", '\u212ax')).toBe(false);
  });
});
