import { describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import type { QueryNode } from '../../query/ast.ts';
import { compileQueryDsl, jsRegexToLucene } from './query-dsl.ts';

const now = Date.parse('2026-03-01T12:00:00.000Z');
const dsl = (node: QueryNode) => compileQueryDsl(node, { now });

function refusal(node: QueryNode): VigilError {
  try {
    dsl(node);
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    return err as VigilError;
  }
  throw new Error('expected the compiler to refuse');
}

describe('compileQueryDsl', () => {
  it('match_all, and, or, not', () => {
    const a: QueryNode = { kind: 'term', field: 'event.outcome', value: 'failure' };
    const b: QueryNode = { kind: 'exists', field: 'user.name' };
    expect(dsl({ kind: 'match_all' })).toEqual({ match_all: {} });
    expect(dsl({ kind: 'and', args: [a, b] })).toEqual({
      bool: { filter: [{ term: { 'event.outcome': { value: 'failure', case_insensitive: true } } }, { exists: { field: 'user.name' } }] },
    });
    expect(dsl({ kind: 'or', args: [a, b] })).toEqual({
      bool: {
        should: [{ term: { 'event.outcome': { value: 'failure', case_insensitive: true } } }, { exists: { field: 'user.name' } }],
        minimum_should_match: 1,
      },
    });
    expect(dsl({ kind: 'not', arg: b })).toEqual({ bool: { must_not: [{ exists: { field: 'user.name' } }] } });
    expect(dsl({ kind: 'and', args: [] })).toEqual({ match_all: {} });
    expect(dsl({ kind: 'or', args: [] })).toEqual({ match_none: {} });
    expect(dsl({ kind: 'and', args: [b] })).toEqual({ exists: { field: 'user.name' } });
  });

  it('term: by the field ECS type', () => {
    // keyword: case-insensitive unless asked, exact when caseSensitive
    expect(dsl({ kind: 'term', field: 'user.name', value: 'Root' })).toEqual({ term: { 'user.name': { value: 'Root', case_insensitive: true } } });
    expect(dsl({ kind: 'term', field: 'user.name', value: 'Root', caseSensitive: true })).toEqual({ term: { 'user.name': { value: 'Root' } } });
    // a field ECS does not define is a keyword (the template's dynamic default); digits drop the flag
    expect(dsl({ kind: 'term', field: 'custom.code', value: 'AbC' })).toEqual({ term: { 'custom.code': { value: 'AbC', case_insensitive: true } } });
    expect(dsl({ kind: 'term', field: 'custom.code', value: '4625' })).toEqual({ term: { 'custom.code': { value: '4625' } } });
    expect(dsl({ kind: 'term', field: 'custom.count', value: 7 })).toEqual({ term: { 'custom.count': { value: 7 } } });
    // text: the words in order
    expect(dsl({ kind: 'term', field: 'message', value: 'Failed password' })).toEqual({ match_phrase: { message: 'Failed password' } });
    // numbers: numeric text is a number, other text can never match
    expect(dsl({ kind: 'term', field: 'destination.port', value: '22' })).toEqual({ term: { 'destination.port': { value: 22 } } });
    expect(dsl({ kind: 'term', field: 'process.pid', value: 'abc' })).toEqual({ match_none: {} });
    // ip: an address (a wrong one matches nothing instead of failing the search)
    expect(dsl({ kind: 'term', field: 'source.ip', value: '203.0.113.7' })).toEqual({ term: { 'source.ip': { value: '203.0.113.7' } } });
    expect(dsl({ kind: 'term', field: 'source.ip', value: 'web-01' })).toEqual({ match_none: {} });
    // date: the same instant however written
    expect(dsl({ kind: 'term', field: '@timestamp', value: '2026-03-01T13:00:00+01:00' })).toEqual({
      range: { '@timestamp': { gte: '2026-03-01T12:00:00.000Z', lte: '2026-03-01T12:00:00.000Z' } },
    });
    // boolean: true/false in any case, anything else matches nothing
    expect(dsl({ kind: 'term', field: 'dll.code_signature.exists', value: 'TRUE' })).toEqual({ term: { 'dll.code_signature.exists': { value: true } } });
    expect(dsl({ kind: 'term', field: 'dll.code_signature.exists', value: 'yes' })).toEqual({ match_none: {} });
    // null: the field is absent
    expect(dsl({ kind: 'term', field: 'user.name', value: null })).toEqual({ bool: { must_not: [{ exists: { field: 'user.name' } }] } });
  });

  it('wildcard: keyword patterns, exact when there is no wildcard, IPv4 prefixes as CIDR', () => {
    expect(dsl({ kind: 'wildcard', field: 'process.executable', pattern: '*\\\\cmd.exe' })).toEqual({
      wildcard: { 'process.executable': { value: '*\\\\cmd.exe', case_insensitive: true } },
    });
    expect(dsl({ kind: 'wildcard', field: 'user.name', pattern: 'a?m*', caseSensitive: true })).toEqual({
      wildcard: { 'user.name': { value: 'a?m*' } },
    });
    expect(dsl({ kind: 'wildcard', field: 'user.name', pattern: 'a\\*b' })).toEqual({ term: { 'user.name': { value: 'a*b', case_insensitive: true } } });
    // an escaped backslash before a wildcard leaves the wildcard active
    expect(dsl({ kind: 'wildcard', field: 'file.path', pattern: 'C:\\\\Windows\\\\*' })).toEqual({
      wildcard: { 'file.path': { value: 'C:\\\\Windows\\\\*', case_insensitive: true } },
    });
    expect(dsl({ kind: 'wildcard', field: 'source.ip', pattern: '10.1.*' })).toEqual({ term: { 'source.ip': { value: '10.1.0.0/16' } } });
    expect(refusal({ kind: 'wildcard', field: 'source.ip', pattern: '10.*.1' }).message).toContain('CIDR');
    expect(refusal({ kind: 'wildcard', field: 'destination.port', pattern: '8*' }).code).toBe('QUERY_SYNTAX');
  });

  it('phrase: text fields match words, unknown fields contain the phrase, free text spans the default fields', () => {
    expect(dsl({ kind: 'phrase', field: 'message', text: 'failed password' })).toEqual({ match_phrase: { message: 'failed password' } });
    expect(dsl({ kind: 'phrase', field: 'user.name', text: 'Admin' })).toEqual({ term: { 'user.name': { value: 'Admin', case_insensitive: true } } });
    expect(dsl({ kind: 'phrase', field: 'app.note', text: 'a*b' })).toEqual({ wildcard: { 'app.note': { value: '*a\\*b*', case_insensitive: true } } });
    expect(dsl({ kind: 'phrase', text: 'mimikatz "sekurlsa"' })).toEqual({
      multi_match: { query: 'mimikatz "sekurlsa"', type: 'phrase', lenient: true },
    });
  });

  it('range: numbers, times resolved against the clock, addresses', () => {
    expect(dsl({ kind: 'range', field: 'destination.port', gte: '1024', lt: 65536 })).toEqual({
      range: { 'destination.port': { gte: 1024, lt: 65536 } },
    });
    expect(dsl({ kind: 'range', field: '@timestamp', gte: 'now-15m' })).toEqual({ range: { '@timestamp': { gte: '2026-03-01T11:45:00.000Z' } } });
    expect(dsl({ kind: 'range', field: 'source.ip', gt: '10.0.0.1', lte: '10.0.0.9' })).toEqual({
      range: { 'source.ip': { gt: '10.0.0.1', lte: '10.0.0.9' } },
    });
    expect(dsl({ kind: 'range', field: 'custom.size', gt: 5 })).toEqual({ range: { 'custom.size': { gt: 5 } } });
    expect(dsl({ kind: 'range', field: 'custom.seen', gt: '2026-01-01' })).toEqual({ range: { 'custom.seen': { gt: '2026-01-01T00:00:00.000Z' } } });
    expect(dsl({ kind: 'range', field: 'custom.name', gte: 'm' })).toEqual({ range: { 'custom.name': { gte: 'm' } } });
    expect(dsl({ kind: 'range', field: 'user.name' })).toEqual({ exists: { field: 'user.name' } });
    expect(refusal({ kind: 'range', field: 'destination.port', gt: 'high' }).message).toContain('not a number');
    expect(refusal({ kind: 'range', field: 'source.ip', gt: 'x' }).message).toContain('not an IP address');
  });

  it('exists, cidr', () => {
    expect(dsl({ kind: 'exists', field: 'process.parent.name' })).toEqual({ exists: { field: 'process.parent.name' } });
    expect(dsl({ kind: 'cidr', field: 'source.ip', cidr: '203.0.113.0/24' })).toEqual({ term: { 'source.ip': { value: '203.0.113.0/24' } } });
    expect(refusal({ kind: 'cidr', field: 'source.ip', cidr: '10.0.0.0/33' }).message).toContain('not a valid CIDR');
    expect(refusal({ kind: 'cidr', field: 'user.name', cidr: '10.0.0.0/8' }).message).toContain('not an IP field');
  });

  it('regex: JavaScript syntax translated to Lucene, case-insensitive flag kept', () => {
    expect(dsl({ kind: 'regex', field: 'user.name', pattern: 'ad.*' })).toEqual({
      regexp: { 'user.name': { value: '.*ad[^\n]*.*', flags: 'NONE' } },
    });
    expect(dsl({ kind: 'regex', field: 'process.command_line', pattern: '^powershell\\s+-enc', flags: 'i' })).toEqual({
      regexp: { 'process.command_line': { value: 'powershell[ \t\n\r\f\v]+-enc.*', flags: 'NONE', case_insensitive: true } },
    });
    expect(dsl({ kind: 'regex', field: 'process.name', pattern: '^(cmd|powershell)\\.exe$', flags: 'i' })).toEqual({
      regexp: { 'process.name': { value: '(cmd|powershell)\\.exe', flags: 'NONE', case_insensitive: true } },
    });
    expect(refusal({ kind: 'regex', field: 'user.name', pattern: '(' }).message).toContain('invalid regex');
    expect(refusal({ kind: 'regex', field: 'user.name', pattern: 'a', flags: 'g' }).message).toContain('flags');
    expect(refusal({ kind: 'regex', field: 'process.pid', pattern: '1.*' }).message).toContain('numeric');
  });

  it('fieldref is refused: it would need a script', () => {
    const err = refusal({ kind: 'fieldref', field: 'source.ip', other: 'destination.ip' });
    expect(err.code).toBe('SIGMA_UNSUPPORTED');
    expect(err.message).toContain('script');
  });

  it('refuses field names that are not field names', () => {
    expect(refusal({ kind: 'exists', field: 'a..b' }).code).toBe('QUERY_SYNTAX');
    expect(refusal({ kind: 'term', field: 'a b', value: 1 }).location?.path).toBe('a b');
  });
});

describe('jsRegexToLucene', () => {
  const lucene = (p: string, flags = '') => jsRegexToLucene(p, flags, 'f');

  it('wraps unanchored patterns and drops anchors', () => {
    expect(lucene('abc')).toBe('.*abc.*');
    expect(lucene('^abc')).toBe('abc.*');
    expect(lucene('abc$')).toBe('.*abc');
    expect(lucene('^abc$')).toBe('abc');
    expect(lucene('a|b')).toBe('.*(a|b).*');
  });

  it('writes "any character" classes ([\\s\\S] and kin) as Lucene\'s dot', () => {
    expect(lucene('^a[\\s\\S]*b$')).toBe('a.*b');
    expect(lucene('^[\\S\\s]x$')).toBe('.x');
    expect(lucene('^[\\d\\D]{3}$')).toBe('.{3}');
    expect(lucene('^[\\s\\d]$')).toBe('[ \t\n\r\f\v0-9]');
  });

  it('translates shorthand classes, escapes and groups', () => {
    expect(lucene('^\\d{2,4}$')).toBe('[0-9]{2,4}');
    expect(lucene('^[\\w.]+@x$')).toBe('[A-Za-z0-9_.]+\\@x');
    expect(lucene('^\\S+$')).toBe('[^ \t\n\r\f\v]+');
    expect(lucene('^(?:ab)+?c$')).toBe('(ab)+c');
    expect(lucene('^(?<name>x)$')).toBe('(x)');
    expect(lucene('^a\\tb$')).toBe('a\tb');
    expect(lucene('^a\\x41"#~<>&$')).toBe('aA\\"\\#\\~\\<\\>\\&');
    expect(lucene('^a.b$', 's')).toBe('a.b');
    expect(lucene('^[^"]$')).toBe('[^\\"]');
    expect(lucene('^[\\w.-]+$')).toBe('[A-Za-z0-9_.\\-]+');
    expect(lucene('^[-a-c]$')).toBe('[\\-a-c]');
  });

  it('refuses what Lucene cannot express', () => {
    for (const p of ['a(?=b)', 'a(?!b)', '(?<=a)b', '\\bword\\b', '(a)\\1', 'a^b', '^a|b', '[]']) {
      expect(() => lucene(p), p).toThrow(/cannot be expressed/);
    }
    expect(() => lucene('^a$', 'm')).toThrow(/multiline/);
  });
});
