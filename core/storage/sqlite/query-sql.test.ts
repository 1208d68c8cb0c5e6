import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../ecs.ts';
import { VigilError } from '../../errors.ts';
import type { QueryNode } from '../../query/ast.ts';
import { parseQuery } from '../../query/parse.ts';
import { compileQuerySql, registerSqlFunctions, wildcardToLike } from './query-sql.ts';

// ~30 events covering each value shape the compiler must handle: nested fields, arrays, numbers
// stored as numbers and as strings, IPv4/IPv6, booleans, text fields, dead letters, hostile strings.
const events: Record<string, EcsEvent> = {
  e01: {
    '@timestamp': '2024-05-01T10:00:00Z',
    event: { kind: 'event', category: ['authentication'], outcome: 'failure', dataset: 'system.auth' },
    source: { ip: '203.0.113.7', port: 50522 },
    destination: { port: 22 },
    user: { name: 'root' },
    message: 'Failed password for root from 203.0.113.7 port 50522 ssh2',
  },
  e02: {
    '@timestamp': '2024-05-01T10:05:00Z',
    event: { kind: 'event', category: ['authentication'], outcome: 'success', dataset: 'system.auth' },
    source: { ip: '10.1.2.3' },
    destination: { port: 22 },
    user: { name: 'alice' },
    message: 'Accepted publickey for alice from 10.1.2.3',
  },
  e03: {
    '@timestamp': '2024-05-01T11:00:00Z',
    event: { kind: 'event', category: ['network'], outcome: 'success', dataset: 'nginx.access' },
    source: { ip: '198.51.100.20' },
    destination: { port: 443, ip: '10.0.0.5' },
    url: { path: '/admin/login.php' },
    http: { response: { status_code: 404 } },
  },
  e04: {
    '@timestamp': '2024-05-01T11:30:00Z',
    event: { kind: 'event', category: ['network'], outcome: 'success', dataset: 'nginx.access' },
    source: { ip: '198.51.100.21' },
    destination: { port: 8080 },
    url: { path: '/index.html' },
    http: { response: { status_code: 200 } },
  },
  e05: {
    '@timestamp': '2024-05-02T00:00:00Z',
    event: { kind: 'pipeline_error', original: '<13>garbage line', dataset: 'syslog' },
    error: { message: 'rfc5424: bad header', code: 'INGEST_PARSE' },
  },
  e06: {
    '@timestamp': '2024-05-02T01:00:00Z',
    event: { kind: 'alert', category: ['intrusion_detection', 'network'], severity: 3 },
    source: { ip: '2001:db8::1' },
    related: { ip: ['2001:db8::1', '192.0.2.10'] },
    tags: ['suricata', 'ET'],
  },
  e07: {
    '@timestamp': '2024-05-02T02:00:00Z',
    event: { kind: 'event', category: ['process'], type: ['start'] },
    process: { name: 'powershell.exe', command_line: 'powershell.exe -enc SQBFAFgA', pid: 4242 },
    host: { name: 'WS-01' },
    user: { name: 'Bob' },
  },
  e08: {
    '@timestamp': '2024-05-02T03:00:00Z',
    event: { kind: 'event', category: ['process'], type: ['start'] },
    process: { name: 'pwsh.exe', command_line: 'pwsh -c Get-Process', pid: 4243 },
    host: { name: 'WS-02' },
    user: { name: "O'Brien" },
  },
  e09: {
    '@timestamp': '2024-05-02T04:00:00Z',
    event: { kind: 'event', category: ['file'] },
    file: { path: 'C:\\Windows\\System32\\drivers\\etc\\hosts', name: 'hosts' },
    user: { name: "'; DROP TABLE events; --" },
  },
  e10: {
    '@timestamp': '2024-05-02T05:00:00Z',
    event: { kind: 'event', category: ['file'] },
    file: { name: '100%_done.txt', size: 1024 },
    user: { name: 'a_b' },
  },
  e11: {
    '@timestamp': '2024-05-02T06:00:00Z',
    event: { kind: 'event' },
    file: { name: '100x done.txt', size: 2048 },
    user: { name: 'axb' },
  },
  e12: {
    '@timestamp': '2024-05-02T07:00:00Z',
    event: { kind: 'event' },
    destination: { port: '8080' },
    labels: { env: 'prod' },
    custom: { flag: true, score: 7.5 },
  },
  e13: {
    '@timestamp': '2024-05-02T08:00:00Z',
    event: { kind: 'event' },
    labels: { env: 'staging' },
    custom: { flag: false, score: 2 },
  },
  e14: {
    '@timestamp': '2024-05-03T00:00:00Z',
    event: { kind: 'event', outcome: 'failure' },
    source: { ip: '203.0.113.99' },
    user: { name: 'ROOT' },
    message: 'authentication failure for ROOT',
  },
  e15: {
    '@timestamp': '2024-05-03T01:00:00Z',
    event: { kind: 'event', outcome: 'unknown' },
    source: { ip: '::ffff:10.9.8.7' },
    message: 'passwordless login',
  },
  e16: {
    '@timestamp': '2024-05-03T02:00:00Z',
    event: { kind: 'event' },
    winlog: { event_id: 4625, event_data: { TargetUserName: 'administrator', LogonType: '3' } },
  },
  e17: {
    '@timestamp': '2024-05-03T03:00:00Z',
    event: { kind: 'event' },
    winlog: { event_id: 4624, event_data: { TargetUserName: 'admin', LogonType: '10' } },
  },
  e18: {
    '@timestamp': '2024-05-03T04:00:00Z',
    event: { kind: 'event', created: '2024-05-03T04:00:05.250+02:00' },
    user: { name: 'quote"d' },
  },
  e19: {
    '@timestamp': '2024-05-03T05:00:00Z',
    event: { kind: 'event', created: '2024-05-03T05:00:00.000Z' },
    user: { name: 'back\\slash' },
  },
  e20: {
    '@timestamp': '2024-05-04T00:00:00Z',
    event: { kind: 'event' },
    source: { ip: '10.200.0.1', bytes: 500 },
    destination: { ip: '10.0.0.5', bytes: 500 },
  },
  e21: {
    '@timestamp': '2024-05-04T01:00:00Z',
    event: { kind: 'event' },
    source: { ip: '10.200.0.2', bytes: 100 },
    destination: { ip: '10.0.0.6', bytes: 900 },
  },
  e22: {
    '@timestamp': '2024-05-04T02:00:00Z',
    event: { kind: 'event', category: [] },
    host: { name: null },
    tags: [],
  },
  e23: {
    '@timestamp': '2024-05-04T03:00:00Z',
    event: { kind: 'event', code: '4625' },
    process: { name: 'POWERSHELL.EXE' },
  },
  e24: {
    '@timestamp': '2024-05-04T04:00:00Z',
    event: { kind: 'event', code: '4624' },
    process: { name: 'cmd.exe', args: ['cmd.exe', '/c', 'whoami'] },
  },
  e25: {
    '@timestamp': '2024-05-04T05:00:00Z',
    event: { kind: 'event' },
    destination: { port: 1024 },
  },
  e26: {
    '@timestamp': '2024-05-04T06:00:00Z',
    event: { kind: 'event' },
    destination: { port: 1 },
  },
  e27: {
    '@timestamp': '2024-05-04T07:00:00Z',
    event: { kind: 'event' },
    destination: { port: 1025 },
    tags: ['beta'],
  },
  e28: {
    '@timestamp': '2024-05-05T00:00:00Z',
    event: { kind: 'event', outcome: 'failure' },
    source: { ip: '2001:db8:0:0:0:0:0:2' },
    message: 'Failed  PASSWORD for invalid user',
  },
  e29: {
    '@timestamp': '2024-05-05T01:00:00Z',
    event: { kind: 'event' },
    'dns.question.name': 'literal-dotted.example',
    dns: { question: { name: 'evil.example.com' } },
  },
  e30: {
    '@timestamp': '2024-05-05T02:00:00Z',
    event: { kind: 'event' },
    network: { direction: 'inbound' },
  },
};

const NOW = Date.parse('2024-05-05T03:00:00Z');
let db: Database.Database;

beforeAll(() => {
  db = new Database(':memory:');
  registerSqlFunctions(db);
  db.exec('CREATE TABLE events (id TEXT PRIMARY KEY, ts INTEGER NOT NULL, doc TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events (id, ts, doc) VALUES (?, ?, ?)');
  for (const [id, doc] of Object.entries(events)) insert.run(id, Date.parse(String(doc['@timestamp'])), JSON.stringify(doc));
});

afterAll(() => db.close());

function matchTree(node: QueryNode): string[] {
  const { sql, params } = compileQuerySql(node, { docColumn: 'doc', tsColumn: 'ts', now: NOW });
  const rows = db.prepare(`SELECT id FROM events WHERE ${sql} ORDER BY id`).all(...params) as { id: string }[];
  return rows.map((r) => r.id);
}

const match = (q: string): string[] => matchTree(parseQuery(q));
const all = Object.keys(events).sort();
const except = (...ids: string[]): string[] => all.filter((id) => !ids.includes(id));

describe('compileQuerySql on a real SQLite table: analysts see the events they asked for', () => {
  const cases: Array<[string, string[]]> = [
    ['', all],
    ['*', all],
    // field terms, case-insensitive on keywords
    ['source.ip:203.0.113.7', ['e01']],
    ['event.outcome:failure', ['e01', 'e14', 'e28']],
    ['user.name:root', ['e01', 'e14']],
    ['user.name:ROOT AND event.outcome:failure', ['e01', 'e14']],
    // numbers: numeric comparison, and the same number stored as a string
    ['destination.port:22', ['e01', 'e02']],
    ['destination.port:8080', ['e04', 'e12']],
    ['winlog.event_id:4625', ['e16']],
    ['custom.score:7.5', ['e12']],
    ['custom.flag:true', ['e12']],
    ['custom.flag:false', ['e13']],
    // arrays match when any element matches
    ['event.category:network', ['e03', 'e04', 'e06']],
    ['tags:et', ['e06']],
    ['related.ip:192.0.2.10', ['e06']],
    ['process.args:whoami', ['e24']],
    // a field holding an object does not match its members' values
    ['user:root', []],
    ['event:failure', []],
    // wildcards
    ['process.name:pow*', ['e07', 'e23']],
    ['process.name:p?sh.exe', ['e08']],
    ['process.name:p??sh.exe', []],
    ['process.name:pwsh.ex?', ['e08']],
    ['url.path:/admin/*', ['e03']],
    ['url.path:\\/admin\\/login.php', ['e03']],
    ['url.path:/index.html', ['e04']],
    ['file.name:100%*', ['e10']],
    ['user.name:a_b', ['e10']],
    ['user.name:a?b', ['e10', 'e11']],
    ['tags:b*', ['e27']],
    ['dns.question.name:*.example.com', ['e29']],
    // text fields match words, in order
    ['message:failed', ['e01', 'e28']],
    ['message:"failed password"', ['e01', 'e28']],
    ['message:password', ['e01', 'e28']],
    ['message:"password for root"', ['e01']],
    ['message:pass*', ['e01', 'e15', 'e28']],
    // quoted values: exact on keyword fields, words on fields ECS does not define
    ['user.name:"alice"', ['e02']],
    ['winlog.event_data.TargetUserName:"admin"', ['e17']],
    ['winlog.event_data.TargetUserName:admin*', ['e16', 'e17']],
    ['winlog.event_data.TargetUserName:""', []],
    ['message:"..."', []],
    // ranges: numeric, exclusive bounds, open ends, KQL comparisons
    ['destination.port:[1 TO 1024]', ['e01', 'e02', 'e03', 'e25', 'e26']],
    ['destination.port:{1 TO 1024}', ['e01', 'e02', 'e03']],
    ['destination.port:[1024 TO *]', ['e04', 'e25', 'e27']],
    ['destination.port >= 1025', ['e04', 'e27']],
    ['destination.port:<22', ['e26']],
    ['http.response.status_code >= 400', ['e03']],
    ['custom.score:[3 TO 10]', ['e12']],
    // time ranges: @timestamp uses the ts column; other dates compare as instants
    ['@timestamp:[2024-05-04 TO 2024-05-04T02:00:00Z]', ['e20', 'e21', 'e22']],
    ['@timestamp >= now-3h', ['e28', 'e29', 'e30']],
    ['@timestamp:"2024-05-01T10:05:00.000Z"', ['e02']],
    ['event.created:[2024-05-03T02:00:00Z TO 2024-05-03T03:00:00Z]', ['e18']],
    ['event.created > 2024-05-03T02:00:05.250Z', ['e19']],
    ['event.created >= 2024-05-03T02:00:05.250Z', ['e18', 'e19']],
    ['event.created:"2024-05-03T02:00:05.25Z"', ['e18']],
    ['event.created:2024-05-03T05:00:00Z', ['e19']],
    // IP addresses compare as addresses
    ['source.ip:10.0.0.0/8', ['e02', 'e15', 'e20', 'e21']],
    ['source.ip:"2001:db8::2"', ['e28']],
    ['source.ip:2001:db8::/32', ['e06', 'e28']],
    ['related.ip:192.0.2.0/24', ['e06']],
    ['destination.ip:[10.0.0.0 TO 10.0.0.5]', ['e03', 'e20']],
    ['source.ip:[198.51.100.0 TO 198.51.100.255]', ['e03', 'e04']],
    // exists
    ['_exists_:url.path', ['e03', 'e04']],
    ['http.response.status_code:*', ['e03', 'e04']],
    ['_exists_:host.name', ['e07', 'e08']],
    ['_exists_:tags', ['e06', 'e27']],
    ['NOT _exists_:event.outcome', except('e01', 'e02', 'e03', 'e04', 'e14', 'e15', 'e28')],
    // boolean structure
    ['NOT event.outcome:failure', except('e01', 'e14', 'e28')],
    ['-user.name:root user.name:*', ['e02', 'e07', 'e08', 'e09', 'e10', 'e11', 'e18', 'e19']],
    ['event.outcome:(failure OR unknown)', ['e01', 'e14', 'e15', 'e28']],
    ['(source.ip:203.0.113.7 OR source.ip:10.1.2.3) AND destination.port:22', ['e01', 'e02']],
    ['event.kind:alert or event.kind:pipeline_error', ['e05', 'e06']],
    ['event.outcome:success AND NOT (destination.port:443 OR destination.port:8080)', ['e02']],
    ['destination.port:22 OR destination.port:443 AND event.outcome:success', ['e01', 'e02', 'e03']],
    // regex (whole value, like Lucene)
    ['process.name:/p(ower)?sh(ell)?\\.exe/', ['e07']],
    ['process.name:/p(ower)?sh(ell)?\\.exe/i', ['e07', 'e23']],
    ['user.name:/ro/', []],
    // dead-lettered lines are searchable
    ['event.kind:pipeline_error', ['e05']],
    ['event.kind:pipeline_error AND error.code:INGEST_PARSE', ['e05']],
    // free text: anywhere in the stored JSON
    ['garbage', ['e05']],
    ['"password for"', ['e01', 'e28']],
    ['powershell', ['e07', 'e23']],
    ['SQBFAFgA', ['e07']],
    ['"C:\\\\Windows\\\\System32"', ['e09']],
  ];

  it.each(cases)('%s', (q, expected) => {
    expect(match(q)).toEqual(expected);
  });
});

describe('compileQuerySql binds hostile values literally', () => {
  it.each([
    [`user.name:"O'Brien"`, ['e08']],
    [`user.name:"'; DROP TABLE events; --"`, ['e09']],
    ['user.name:"quote\\"d"', ['e18']],
    ['user.name:"back\\\\slash"', ['e19']],
    ['file.name:"100%_done.txt"', ['e10']],
    ['file.name:100\\%*', ['e10']],
    ['user.name:a\\_b', ['e10']],
    [`"'; DROP TABLE"`, ['e09']],
    ['"100%"', ['e10']],
  ])('%s', (q, expected) => {
    expect(match(q)).toEqual(expected);
    expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 30 });
  });

  it('never writes a value or a field path into the SQL text', () => {
    const { sql, params } = compileQuerySql(parseQuery(`user.name:"x'; DROP TABLE events; --" AND file.name:a%b_*`), {
      docColumn: 'doc',
    });
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain('user');
    expect(sql).not.toContain('a%b');
    expect(params).toContain(`x'; DROP TABLE events; --`);
    expect(params).toContain('$."user"."name"');
    expect(params).toContain('a\\%b\\_%');
  });

  it('refuses field names outside [A-Za-z0-9_@.-] with QUERY_SYNTAX', () => {
    for (const field of ['a"b', "a'b", 'a b', 'a..b', '.a', 'a]']) {
      const err = catchError(() => compileQuerySql({ kind: 'term', field, value: 'x' }, { docColumn: 'doc' }));
      expect(err.code).toBe('QUERY_SYNTAX');
      expect(err.message).toContain(field);
    }
  });

  it('refuses a docColumn that is not a plain identifier', () => {
    expect(() => compileQuerySql({ kind: 'match_all' }, { docColumn: 'doc; DROP TABLE x' })).toThrow(/plain identifier/);
  });
});

describe('compileQuerySql on trees that the query language does not write', () => {
  it('compares two fields (fieldref)', () => {
    expect(matchTree({ kind: 'fieldref', field: 'source.bytes', other: 'destination.bytes' })).toEqual(['e20']);
  });

  it('matches case-sensitively when asked', () => {
    expect(matchTree({ kind: 'term', field: 'user.name', value: 'ROOT', caseSensitive: true })).toEqual(['e14']);
    expect(matchTree({ kind: 'wildcard', field: 'process.name', pattern: 'POWER*', caseSensitive: true })).toEqual(['e23']);
    expect(matchTree({ kind: 'wildcard', field: 'process.name', pattern: 'p*', caseSensitive: true })).toEqual([
      'e07',
      'e08',
    ]);
  });

  it('treats a null term as "absent or null" (Sigma semantics)', () => {
    expect(matchTree({ kind: 'term', field: 'host.name', value: null })).toEqual(except('e07', 'e08'));
  });

  it('compares number and boolean values by type', () => {
    expect(matchTree({ kind: 'term', field: 'destination.port', value: 8080 })).toEqual(['e04', 'e12']);
    expect(matchTree({ kind: 'term', field: 'custom.flag', value: true })).toEqual(['e12']);
    expect(matchTree({ kind: 'term', field: 'event.code', value: 4625 })).toEqual(['e23']);
  });

  it('searches with an unanchored regex and flags as the tree defines them', () => {
    expect(matchTree({ kind: 'regex', field: 'process.command_line', pattern: '-enc\\s+[A-Za-z0-9+/=]+' })).toEqual([
      'e07',
    ]);
    expect(matchTree({ kind: 'regex', field: 'user.name', pattern: '^b', flags: 'i' })).toEqual(['e07', 'e19']);
  });

  it('handles empty and/or and nested not', () => {
    expect(matchTree({ kind: 'and', args: [] })).toEqual(all);
    expect(matchTree({ kind: 'or', args: [] })).toEqual([]);
    expect(matchTree({ kind: 'not', arg: { kind: 'not', arg: { kind: 'term', field: 'user.name', value: 'root' } } })).toEqual([
      'e01',
      'e14',
    ]);
  });

  it('without a tsColumn, @timestamp ranges compare the document field', () => {
    const { sql, params } = compileQuerySql(parseQuery('@timestamp >= 2024-05-05'), { docColumn: 'doc', now: NOW });
    const rows = db.prepare(`SELECT id FROM events WHERE ${sql} ORDER BY id`).all(...params) as { id: string }[];
    expect(rows.map((r) => r.id)).toEqual(['e28', 'e29', 'e30']);
  });

  it('reports bad range bounds and regexes with the field', () => {
    expect(catchError(() => match('destination.port:[a TO z]')).message).toMatch(/destination\.port.*not a number/);
    expect(catchError(() => match('@timestamp > yesterday')).message).toMatch(/@timestamp.*not a time/);
    expect(catchError(() => match('source.ip:[a TO b]')).message).toMatch(/source\.ip.*not an IP/);
    expect(catchError(() => match('source.bytes < destination.bytes')).message).toMatch(/"destination\.bytes" is not a number/);
    expect(catchError(() => matchTree({ kind: 'regex', field: 'x', pattern: '(' })).code).toBe('QUERY_SYNTAX');
    expect(catchError(() => matchTree({ kind: 'cidr', field: 'x', cidr: '10.0.0.0/40' })).code).toBe('QUERY_SYNTAX');
  });
});

describe('any query string either runs or is refused as QUERY_SYNTAX', () => {
  it('holds for 3000 random strings built from the syntax characters', () => {
    // A fixed-seed generator keeps the run reproducible.
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = [
      'source.ip', 'user.name', 'destination.port', '@timestamp', 'message', 'x', ':', ' ', ' ', '(', ')', '[', ']',
      '{', '}', '"', '\\', '/', '*', '?', '-', '!', '+', '>', '>=', '<', 'AND', 'or', 'NOT', 'TO', '&&', '||', '10.0.0.0/8',
      '2001:db8::1', '22', '1.5', 'now-1h', '2024-05-01', 'root', "'", '%', '_', ';', '_exists_', 'é',
    ];
    let ran = 0;
    for (let i = 0; i < 3000; i++) {
      let q = '';
      const len = 1 + rand(12);
      for (let j = 0; j < len; j++) q += pieces[rand(pieces.length)];
      try {
        match(q);
        ran++;
      } catch (err) {
        if (!(err instanceof VigilError) || err.code !== 'QUERY_SYNTAX') {
          throw new Error(`query ${JSON.stringify(q)} failed with ${String(err)}`);
        }
      }
    }
    expect(ran).toBeGreaterThan(300);
    expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 30 });
  });
});

describe('queries at the size limit', () => {
  it('run when they chain thousands of terms (SQLite caps expression depth at 1000)', () => {
    expect(match('garbage '.repeat(500))).toEqual(['e05']);
    expect(match(`${'user.name:nobody OR '.repeat(200)}user.name:root`)).toEqual(['e01', 'e14']);
    expect(match(`${'NOT '.repeat(63)}user.name:root`)).toEqual(except('e01', 'e14'));
    expect(match(`${'('.repeat(30)}${'NOT '.repeat(30)}user.name:root${')'.repeat(30)}`)).toEqual(['e01', 'e14']);
  });
});

describe('registerSqlFunctions', () => {
  const one = (expr: string, ...params: unknown[]): unknown =>
    (db.prepare(`SELECT ${expr} AS v`).get(...params) as { v: unknown }).v;

  it('vigil_regexp searches with JS regex semantics and flags, and is 0 for NULL', () => {
    expect(one('vigil_regexp(?, ?, ?)', 'b+c', '', 'abbbc!')).toBe(1);
    expect(one('vigil_regexp(?, ?, ?)', '^B', 'i', 'bob')).toBe(1);
    expect(one('vigil_regexp(?, ?, ?)', '^B', '', 'bob')).toBe(0);
    expect(one('vigil_regexp(?, ?, ?)', '^42$', '', 42)).toBe(1);
    expect(one('vigil_regexp(?, ?, NULL)', 'x', '')).toBe(0);
  });

  it('vigil_cidr checks IPv4 and IPv6 membership and ignores what is not an address', () => {
    expect(one('vigil_cidr(?, ?)', '192.168.0.0/16', '192.168.10.1')).toBe(1);
    expect(one('vigil_cidr(?, ?)', '192.168.0.0/16', '192.169.0.1')).toBe(0);
    expect(one('vigil_cidr(?, ?)', '10.0.0.0/8', '::ffff:10.1.1.1')).toBe(1);
    expect(one('vigil_cidr(?, ?)', 'fe80::/10', 'FE80::1%eth0')).toBe(1);
    expect(one('vigil_cidr(?, ?)', '10.0.0.1', '10.0.0.1')).toBe(1);
    expect(one('vigil_cidr(?, ?)', '10.0.0.0/8', 'not-an-ip')).toBe(0);
    expect(one('vigil_cidr(?, ?)', 'garbage', '10.0.0.1')).toBe(0);
    expect(one('vigil_cidr(?, 42)', '10.0.0.0/8')).toBe(0);
  });

  it('vigil_ip_key sorts addresses numerically', () => {
    const k = (ip: string) => one('vigil_ip_key(?)', ip) as string;
    expect(k('10.0.0.9') < k('10.0.0.10')).toBe(true);
    expect(k('9.255.255.255') < k('10.0.0.0')).toBe(true);
    expect(k('10.0.0.1')).toBe(k('::ffff:10.0.0.1'));
    expect(one('vigil_ip_key(?)', 'nope')).toBeNull();
  });
});

describe('wildcardToLike', () => {
  it('maps * and ? and escapes LIKE metacharacters', () => {
    expect(wildcardToLike('a*b?c')).toBe('a%b_c');
    expect(wildcardToLike('100%_x')).toBe('100\\%\\_x');
    expect(wildcardToLike('a\\*b\\?')).toBe('a*b?');
    expect(wildcardToLike('c:\\\\win')).toBe('c:\\\\win');
  });
});

function catchError(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected a VigilError');
}
