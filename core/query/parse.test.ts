import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors.ts';
import type { QueryNode } from './ast.ts';
import { MAX_QUERY_BYTES, parseCidr, parseIp, parseQuery, resolveTime } from './parse.ts';

const term = (field: string, value: string): QueryNode => ({ kind: 'term', field, value });
const phrase = (text: string): QueryNode => ({ kind: 'phrase', text });

function syntaxError(q: string): VigilError {
  try {
    parseQuery(q);
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(q)} to be refused`);
}

describe('parseQuery: values', () => {
  it.each<[string, QueryNode]>([
    ['source.ip:203.0.113.7', term('source.ip', '203.0.113.7')],
    ['event.outcome: failure', term('event.outcome', 'failure')],
    ['@timestamp:2024-05-01T10:00:00Z', term('@timestamp', '2024-05-01T10:00:00Z')],
    ['source.ip:2001:db8::1', term('source.ip', '2001:db8::1')],
    ['user.name:"John Smith"', { kind: 'phrase', field: 'user.name', text: 'John Smith' }],
    ['message:"say \\"hi\\" \\\\ bye"', { kind: 'phrase', field: 'message', text: 'say "hi" \\ bye' }],
    ['process.name:power*', { kind: 'wildcard', field: 'process.name', pattern: 'power*' }],
    ['file.name:?.txt', { kind: 'wildcard', field: 'file.name', pattern: '?.txt' }],
    ['file.name:a\\*b*', { kind: 'wildcard', field: 'file.name', pattern: 'a\\*b*' }],
    ['file.name:a\\*b', term('file.name', 'a*b')],
    ['file.path:C\\:\\\\Windows', term('file.path', 'C:\\Windows')],
    ['url.path:/index.html', term('url.path', '/index.html')],
    ['url.path:/var/log/*', { kind: 'wildcard', field: 'url.path', pattern: '/var/log/*' }],
    ['source.ip:10.0.0.0/8', { kind: 'cidr', field: 'source.ip', cidr: '10.0.0.0/8' }],
    ['source.ip:2001:db8::/32', { kind: 'cidr', field: 'source.ip', cidr: '2001:db8::/32' }],
    ['process.name:/pw(sh|ershell)\\.exe/', { kind: 'regex', field: 'process.name', pattern: '^(?:pw(sh|ershell)\\.exe)$' }],
    ['url.path:/a\\/b/i', { kind: 'regex', field: 'url.path', pattern: '^(?:a/b)$', flags: 'i' }],
    ['user.name:*', { kind: 'exists', field: 'user.name' }],
    ['_exists_:user.name', { kind: 'exists', field: 'user.name' }],
    ['destination.port:[1 TO 1024]', { kind: 'range', field: 'destination.port', gte: 1, lte: 1024 }],
    ['destination.port:{1 TO 1024}', { kind: 'range', field: 'destination.port', gt: 1, lt: 1024 }],
    ['destination.port:[1 to 1024}', { kind: 'range', field: 'destination.port', gte: 1, lt: 1024 }],
    ['bytes:[1000 TO *]', { kind: 'range', field: 'bytes', gte: 1000 }],
    ['bytes:[* TO 5]', { kind: 'range', field: 'bytes', lte: 5 }],
    ['bytes:[* TO *]', { kind: 'exists', field: 'bytes' }],
    [
      '@timestamp:["2024-05-01" TO now-1d/d]',
      { kind: 'range', field: '@timestamp', gte: '2024-05-01', lte: 'now-1d/d' },
    ],
    ['bytes >= 5', { kind: 'range', field: 'bytes', gte: 5 }],
    ['bytes>5', { kind: 'range', field: 'bytes', gt: 5 }],
    ['bytes:<=-1.5', { kind: 'range', field: 'bytes', lte: -1.5 }],
    ['@timestamp < now-15m', { kind: 'range', field: '@timestamp', lt: 'now-15m' }],
    ['user.name:(alice OR bob)', { kind: 'or', args: [term('user.name', 'alice'), term('user.name', 'bob')] }],
    [
      'user.name:(alice AND NOT bob*)',
      {
        kind: 'and',
        args: [term('user.name', 'alice'), { kind: 'not', arg: { kind: 'wildcard', field: 'user.name', pattern: 'bob*' } }],
      },
    ],
    ['user.name:(a b)', { kind: 'and', args: [term('user.name', 'a'), term('user.name', 'b')] }],
  ])('%s', (q, expected) => {
    expect(parseQuery(q)).toEqual(expected);
  });
});

describe('parseQuery: free text and structure', () => {
  it.each<[string, QueryNode]>([
    ['', { kind: 'match_all' }],
    ['   ', { kind: 'match_all' }],
    ['*', { kind: 'match_all' }],
    ['*:*', { kind: 'match_all' }],
    ['mimikatz', phrase('mimikatz')],
    ['"failed password"', phrase('failed password')],
    ['/etc/passwd', phrase('/etc/passwd')],
    ['fail*', phrase('fail')],
    ['a*b', { kind: 'and', args: [phrase('a'), phrase('b')] }],
    ['a b', { kind: 'and', args: [phrase('a'), phrase('b')] }],
    ['a AND b', { kind: 'and', args: [phrase('a'), phrase('b')] }],
    ['a && b', { kind: 'and', args: [phrase('a'), phrase('b')] }],
    ['a or b', { kind: 'or', args: [phrase('a'), phrase('b')] }],
    ['a || b', { kind: 'or', args: [phrase('a'), phrase('b')] }],
    ['NOT a', { kind: 'not', arg: phrase('a') }],
    ['not a', { kind: 'not', arg: phrase('a') }],
    ['-a', { kind: 'not', arg: phrase('a') }],
    ['!a', { kind: 'not', arg: phrase('a') }],
    ['+a -b', { kind: 'and', args: [phrase('a'), { kind: 'not', arg: phrase('b') }] }],
    ['a-b', phrase('a-b')],
    ['ANDROID', phrase('ANDROID')],
    ['"AND"', phrase('AND')],
    // precedence: NOT > AND > OR
    [
      'a OR b AND NOT c',
      { kind: 'or', args: [phrase('a'), { kind: 'and', args: [phrase('b'), { kind: 'not', arg: phrase('c') }] }] },
    ],
    ['a b OR c', { kind: 'or', args: [{ kind: 'and', args: [phrase('a'), phrase('b')] }, phrase('c')] }],
    ['(a OR b) c', { kind: 'and', args: [{ kind: 'or', args: [phrase('a'), phrase('b')] }, phrase('c')] }],
    ['NOT (a OR b)', { kind: 'not', arg: { kind: 'or', args: [phrase('a'), phrase('b')] } }],
    ['((a))', phrase('a')],
    ['a AND (b AND c)', { kind: 'and', args: [phrase('a'), phrase('b'), phrase('c')] }],
    [
      'event.outcome:failure AND NOT user.name:root',
      { kind: 'and', args: [term('event.outcome', 'failure'), { kind: 'not', arg: term('user.name', 'root') }] },
    ],
  ])('%s', (q, expected) => {
    expect(parseQuery(q)).toEqual(expected);
  });
});

describe('parseQuery: errors name the position', () => {
  it.each<[string, number, RegExp]>([
    ['source.ip:', 11, /expected a value after "source\.ip:" \(got end of query\)/],
    ['user.name:root AND source.ip:', 30, /expected a value after "source\.ip:"/],
    ['a AND', 6, /expected a search term after AND/],
    ['a OR OR b', 6, /expected a search term after OR \(got "OR b"\)/],
    ['AND a', 1, /AND needs a search term before it/],
    ['(or a)', 2, /OR needs a search term before it/],
    ['(a OR b', 8, /expected "\)" to close the "\(" at position 1/],
    ['a)', 2, /unexpected "\)"/],
    ['()', 2, /expected a search term inside "\("/],
    ['x:[1 TO', 8, /expected a range bound for "x" \(got end of query\)/],
    ['x:[1 5]', 6, /expected "TO"/],
    ['x:[1 TO 5', 10, /expected "\]" or "\}"/],
    ['"unclosed', 1, /unterminated quoted phrase/],
    ['x:/(a+)+$/', 3, /exponential/],
    ['x:/a[/', 3, /invalid \/regex\//],
    ['/abc/', 1, /needs a field/],
    ['[1 TO 2]', 1, /range needs a field/],
    ['x >=', 5, /expected a value after "x >="/],
    ['trailing\\', 9, /backslash at the end/],
    ['foo*:bar', 5, /not a valid field name/],
    ['_exists_:', 10, /expected a field name after "_exists_:"/],
    ['a..b:c', 1, /empty part between dots/],
    ['source.ip:10.0.0.0/33', 11, /not a valid CIDR block/],
  ])('%s → position %i', (q, column, message) => {
    const err = syntaxError(q);
    expect(err.code).toBe('QUERY_SYNTAX');
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`q: position ${column}: `)).toBe(true);
    expect(err.location).toEqual({ source: 'query', path: 'q', column });
  });

  it('uses the caller’s source and path', () => {
    try {
      parseQuery('a:', { source: 'rules/searches/x.yml', path: 'searches[2].query' });
      expect.unreachable();
    } catch (err) {
      expect((err as VigilError).message).toMatch(/^searches\[2\]\.query: position 3: /);
      expect((err as VigilError).location).toEqual({ source: 'rules/searches/x.yml', path: 'searches[2].query', column: 3 });
    }
  });

  it('refuses queries over 4 KiB and nesting deeper than 64', () => {
    const long = `message:"${'x'.repeat(MAX_QUERY_BYTES)}"`;
    expect(syntaxError(long).message).toMatch(/the query is \d+ bytes; the limit is 4096/);
    expect(parseQuery(`message:"${'x'.repeat(4000)}"`)).toEqual({ kind: 'phrase', field: 'message', text: 'x'.repeat(4000) });
    const deep = `${'('.repeat(65)}a${')'.repeat(65)}`;
    expect(syntaxError(deep).message).toMatch(/nested deeper than 64/);
    expect(parseQuery(`${'('.repeat(64)}a${')'.repeat(64)}`)).toEqual(phrase('a'));
    expect(syntaxError(`${'NOT '.repeat(65)}a`).message).toMatch(/^q: position 257: parentheses and NOTs nested deeper than 64/);
    expect(syntaxError(`${'-'.repeat(100)}a`).code).toBe('QUERY_SYNTAX');
    expect(syntaxError(`x:(${'NOT '.repeat(40)}(${'NOT '.repeat(40)}a))`).code).toBe('QUERY_SYNTAX');
  });
});

describe('resolveTime', () => {
  const now = Date.parse('2024-05-15T13:45:30.500Z');
  it.each<[string | number, string | undefined]>([
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01 10:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123456Z', '2024-05-01T10:00:00.123Z'],
    [1714557600000, '2024-05-01T10:00:00.000Z'],
    ['now', '2024-05-15T13:45:30.500Z'],
    ['now-15m', '2024-05-15T13:30:30.500Z'],
    ['now+1h', '2024-05-15T14:45:30.500Z'],
    ['now-1d/d', '2024-05-14T00:00:00.000Z'],
    ['now/h', '2024-05-15T13:00:00.000Z'],
    ['now/w', '2024-05-13T00:00:00.000Z'],
    ['now-1M/M', '2024-04-01T00:00:00.000Z'],
    ['now/y', '2024-01-01T00:00:00.000Z'],
    ['now-2w-1d', '2024-04-30T13:45:30.500Z'],
    ['yesterday', undefined],
    ['now-15', undefined],
    ['2024-13-45', undefined],
    ['12345', undefined],
  ])('%s', (input, expected) => {
    const ms = resolveTime(input, now);
    expect(ms === undefined ? undefined : new Date(ms).toISOString()).toBe(expected);
  });
});

describe('IP addresses and CIDR blocks', () => {
  it('parses IPv4 and IPv6, mapping IPv4 into ::ffff:0:0/96', () => {
    expect(parseIp('1.2.3.4')).toBe(parseIp('::ffff:1.2.3.4'));
    expect(parseIp('::ffff:1.2.3.4')).toBe(parseIp('::FFFF:0102:0304'));
    expect(parseIp('2001:db8::1')).toBe(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'));
    expect(parseIp('fe80::1%eth0')).toBe(parseIp('fe80::1'));
    expect(parseIp('::')).toBe(0n);
    for (const bad of ['1.2.3', '256.1.1.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'abc', '', 'g::1']) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });

  it('computes the block a CIDR covers', () => {
    const b = parseCidr('10.0.0.0/8');
    expect(b?.first).toBe(parseIp('10.0.0.0'));
    expect(b?.last).toBe(parseIp('10.255.255.255'));
    expect(parseCidr('10.1.2.3/8')?.first).toBe(parseIp('10.0.0.0'));
    expect(parseCidr('2001:db8::/32')?.last).toBe(parseIp('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'));
    expect(parseCidr('0.0.0.0/0')?.last).toBe(parseIp('255.255.255.255'));
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('::/129')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
  });
});
