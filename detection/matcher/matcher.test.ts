import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { compileRule } from './compile.ts';
import { compile, ruleFrom } from './test-helpers.ts';

function errorOf(f: () => unknown): VigilError {
  try {
    f();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected a VigilError');
}

describe('plain values', () => {
  const r = compile(`selection:
    Image: 'C:\\Windows\\System32\\cmd.exe'
    User: admin
condition: selection`);

  it('matches the whole value case-insensitively, maps are AND', () => {
    expect(r.match({ Image: 'c:\\windows\\system32\\CMD.EXE', User: 'Admin' })).toBe(true);
    expect(r.match({ Image: 'C:\\Windows\\System32\\cmd.exe', User: 'root' })).toBe(false);
    expect(r.match({ Image: 'C:\\Windows\\System32\\cmd.exe.bak', User: 'admin' })).toBe(false);
    expect(r.match({ User: 'admin' })).toBe(false);
  });

  it('reports the fields it reads', () => {
    expect([...r.fields].sort()).toEqual(['Image', 'User']);
  });

  it('lists are OR, list of maps is OR of ANDs', () => {
    const l = compile(`selection:
    - User: [alice, bob]
      Host: h1
    - User: carol
condition: selection`);
    expect(l.match({ User: 'BOB', Host: 'h1' })).toBe(true);
    expect(l.match({ User: 'bob', Host: 'h2' })).toBe(false);
    expect(l.match({ User: 'carol', Host: 'anything' })).toBe(true);
    expect(l.match({ User: 'dave', Host: 'h1' })).toBe(false);
  });

  it('an array event value matches when any element does', () => {
    const a = compile(`sel:
    tags: evil
condition: sel`);
    expect(a.match({ tags: ['good', 'EVIL'] })).toBe(true);
    expect(a.match({ tags: ['good'] })).toBe(false);
  });

  it('reads nested ECS objects and literal dotted keys by default', () => {
    const d = compile(`sel:
    process.name: cmd.exe
condition: sel`);
    expect(d.match({ process: { name: 'cmd.exe' } })).toBe(true);
    expect(d.match({ 'process.name': 'CMD.exe' })).toBe(true);
    expect(d.match({ process: { name: 'sh' } })).toBe(false);
  });
});

describe('wildcards and escaping', () => {
  it('* matches any run, ? exactly one character', () => {
    const r = compile(`sel:
    Image: 'C:\\\\*\\cmd?.exe'
condition: sel`);
    expect(r.match({ Image: 'C:\\Windows\\System32\\cmd1.exe' })).toBe(true);
    expect(r.match({ Image: 'C:\\cmd1.exe' })).toBe(false);
    expect(r.match({ Image: 'C:\\x\\cmd.exe' })).toBe(false);
    expect(r.match({ Image: 'C:\\x\\cmd12.exe' })).toBe(false);
  });

  it('\\* and \\? are literal characters', () => {
    const r = compile(`sel:
    Query: 'select \\* from t where a = \\?'
condition: sel`);
    expect(r.match({ Query: 'select * from t where a = ?' })).toBe(true);
    expect(r.match({ Query: 'select x from t where a = 1' })).toBe(false);
  });

  it('\\\\ is one backslash, a backslash before other characters stays', () => {
    const r = compile(`sel:
    Path: 'a\\\\b'
    Dir: 'C:\\Windows\\x'
condition: sel`);
    expect(r.match({ Path: 'a\\b', Dir: 'C:\\Windows\\x' })).toBe(true);
    expect(r.match({ Path: 'a\\\\b', Dir: 'C:\\Windows\\x' })).toBe(false);
  });

  it('\\\\* is a backslash followed by the wildcard; \\\\\\* a backslash and a literal star', () => {
    const wild = compile(`sel:
    P: 'dir\\\\*'
condition: sel`);
    expect(wild.match({ P: 'dir\\anything' })).toBe(true);
    expect(wild.match({ P: 'dirx' })).toBe(false);
    const lit = compile(`sel:
    P: 'dir\\\\\\*'
condition: sel`);
    expect(lit.match({ P: 'dir\\*' })).toBe(true);
    expect(lit.match({ P: 'dir\\anything' })).toBe(false);
  });

  it('middle wildcards find segments in order', () => {
    const r = compile(`sel:
    CommandLine: '*net*user*/add*'
condition: sel`);
    expect(r.match({ CommandLine: 'NET.exe USER bob pw /ADD' })).toBe(true);
    expect(r.match({ CommandLine: 'user net /add' })).toBe(false);
  });
});

describe('null, empty and types', () => {
  it('null matches an absent or null field, nothing else', () => {
    const r = compile(`sel:
    Image: 'x'
    ParentImage: null
condition: sel`);
    expect(r.match({ Image: 'x' })).toBe(true);
    expect(r.match({ Image: 'x', ParentImage: null })).toBe(true);
    expect(r.match({ Image: 'x', ParentImage: '' })).toBe(false);
    expect(r.match({ Image: 'x', ParentImage: 'p' })).toBe(false);
  });

  it("'' matches a present empty string only", () => {
    const r = compile(`sel:
    CommandLine: ''
condition: sel`);
    expect(r.match({ CommandLine: '' })).toBe(true);
    expect(r.match({})).toBe(false);
    expect(r.match({ CommandLine: ' ' })).toBe(false);
  });

  it('an empty list means null', () => {
    const r = compile(`sel:
    Image: []
condition: sel`);
    expect(r.match({})).toBe(true);
    expect(r.match({ Image: 'a' })).toBe(false);
  });

  it('numbers match numbers and numeric strings both ways', () => {
    const r = compile(`sel:
    EventID: 4624
condition: sel`);
    expect(r.match({ EventID: 4624 })).toBe(true);
    expect(r.match({ EventID: '4624' })).toBe(true);
    expect(r.match({ EventID: 4625 })).toBe(false);
    const s = compile(`sel:
    EventID: '4624'
condition: sel`);
    expect(s.match({ EventID: 4624 })).toBe(true);
  });

  it('keeps leading zeros as text (YAML 1.2 would read 00000429 as 429)', () => {
    const r = compile(`sel:
    Status: 00000429
condition: sel`);
    expect(r.match({ Status: '00000429' })).toBe(true);
    expect(r.match({ Status: 429 })).toBe(false);
  });

  it('booleans match JSON booleans and the text true/false', () => {
    const r = compile(`sel:
    Initiated: true
condition: sel`);
    expect(r.match({ Initiated: true })).toBe(true);
    expect(r.match({ Initiated: 'True' })).toBe(true);
    expect(r.match({ Initiated: false })).toBe(false);
  });

  it('contains on a number is an error that says to quote it', () => {
    const e = errorOf(() =>
      compile(`sel:
    EventID|contains: 4688
condition: sel`),
    );
    expect(e.code).toBe('SIGMA_INVALID');
    expect(e.message).toContain('quote the number');
    expect(e.location).toEqual({ source: 'inline.yml', path: 'detection.sel.EventID|contains', line: 8, column: 9 });
    expect(e.message.startsWith('5b0b1c3e-1111-4222-8333-944445555666: inline.yml:8:9 detection.sel.EventID|contains')).toBe(true);
  });
});

describe('string modifiers', () => {
  it('contains / startswith / endswith', () => {
    const r = compile(`a:
    CommandLine|contains: whoami
b:
    Image|startswith: 'C:\\Users\\'
c:
    Image|endswith: '\\powershell.exe'
condition: a or b or c`);
    expect(r.match({ CommandLine: 'cmd /c WHOAMI /all' })).toBe(true);
    expect(r.match({ Image: 'c:\\users\\bob\\x.exe' })).toBe(true);
    expect(r.match({ Image: 'C:\\Windows\\PowerShell.EXE' })).toBe(true);
    expect(r.match({ Image: 'C:\\Windows\\powershell.exe.bak', CommandLine: 'id' })).toBe(false);
  });

  it('contains|all requires every value', () => {
    const r = compile(`sel:
    CommandLine|contains|all:
        - ' -enc '
        - 'bypass'
condition: sel`);
    expect(r.match({ CommandLine: 'powershell -ep Bypass -enc AAAA' })).toBe(true);
    expect(r.match({ CommandLine: 'powershell -enc AAAA' })).toBe(false);
  });

  it('all values may be satisfied by different elements of an array field', () => {
    const r = compile(`sel:
    args|contains|all: [foo, bar]
condition: sel`);
    expect(r.match({ args: ['xfoo', 'barx'] })).toBe(true);
    expect(r.match({ args: ['xfoo'] })).toBe(false);
  });

  it('cased matches case-sensitively, with wildcards', () => {
    const r = compile(`sel:
    Name|cased: 'Evil*'
condition: sel`);
    expect(r.match({ Name: 'EvilCorp' })).toBe(true);
    expect(r.match({ Name: 'evilcorp' })).toBe(false);
    const c = compile(`sel:
    Name|contains|cased: 'AbC'
condition: sel`);
    expect(c.match({ Name: 'xxAbCxx' })).toBe(true);
    expect(c.match({ Name: 'xxabcxx' })).toBe(false);
  });

  it('neq negates the whole item (a missing field satisfies it)', () => {
    const r = compile(`sel:
    User|neq: [root, admin]
condition: sel`);
    expect(r.match({ User: 'bob' })).toBe(true);
    expect(r.match({ User: 'ROOT' })).toBe(false);
    expect(r.match({})).toBe(true);
  });
});

describe('regular expressions', () => {
  it('searches unanchored and is case-sensitive by default', () => {
    const r = compile(`sel:
    CommandLine|re: '\\s-[FTd]\\s'
condition: sel`);
    expect(r.match({ CommandLine: 'tool -F x' })).toBe(true);
    expect(r.match({ CommandLine: 'tool -f x' })).toBe(false);
  });

  it('i, m and s flags', () => {
    const i = compile(`sel:
    C|re|i: '^abc$'
condition: sel`);
    expect(i.match({ C: 'ABC' })).toBe(true);
    const m = compile(`sel:
    C|re|m: '^two$'
condition: sel`);
    expect(m.match({ C: 'one\ntwo\nthree' })).toBe(true);
    const noM = compile(`sel:
    C|re: '^two$'
condition: sel`);
    expect(noM.match({ C: 'one\ntwo\nthree' })).toBe(false);
    const s = compile(`sel:
    C|re|s: 'a.b'
condition: sel`);
    expect(s.match({ C: 'a\nb' })).toBe(true);
    const noS = compile(`sel:
    C|re: 'a.b'
condition: sel`);
    expect(noS.match({ C: 'a\nb' })).toBe(false);
  });

  it('accepts a leading (?i) inline flag, which JavaScript RegExp refuses', () => {
    const r = compile(`sel:
    CommandLine|re: '(?i)\\s(-u|--user)\\s*:'
condition: sel`);
    expect(r.match({ CommandLine: 'curl -U : http://x' })).toBe(true);
  });

  it('takes the pattern verbatim (no Sigma unescaping)', () => {
    const r = compile(`sel:
    Path|re: '\\\\AppData\\\\Local\\\\Temp\\\\dat[0-9A-Z]{4}\\.tmp'
condition: sel`);
    expect(r.match({ Path: 'C:\\Users\\x\\AppData\\Local\\Temp\\dat1A2B.tmp' })).toBe(true);
    expect(r.match({ Path: 'C:\\Users\\x\\AppData\\Local\\Temp\\datXX.tmp' })).toBe(false);
  });

  it('re must be the first modifier; flags need re', () => {
    expect(
      errorOf(() =>
        compile(`sel:
    C|contains|re: 'x'
condition: sel`),
      ).message,
    ).toContain("'re' must be the first modifier");
    expect(
      errorOf(() =>
        compile(`sel:
    C|i: 'x'
condition: sel`),
      ).message,
    ).toContain("needs 're' before it");
  });

  it('an invalid pattern is reported with rule and path', () => {
    const e = errorOf(() =>
      compile(`sel:
    C|re: 'a(b'
condition: sel`),
    );
    expect(e.code).toBe('SIGMA_INVALID');
    expect(e.location?.path).toBe('detection.sel.C|re');
  });
});

describe('regex safety', () => {
  const evil = `sel:
    C|re: '(a+)+$'
condition: sel`;

  it("refuses nested unbounded quantifiers under the 'refuse' policy", () => {
    const e = errorOf(() => compile(evil, { unsafeRegex: 'refuse' }));
    expect(e.code).toBe('SIGMA_UNSAFE_REGEX');
    expect(e.message).toContain('5b0b1c3e-1111-4222-8333-944445555666');
    expect(e.location?.path).toBe('detection.sel.C|re');
  });

  it('runs them on the linear-time engine by default, without stalling', () => {
    const r = compile(evil);
    expect(r.match({ C: `${'a'.repeat(50_000)}b` })).toBe(false);
    expect(r.match({ C: 'xaaa' })).toBe(true);
  });

  it('refuses unsafe patterns the linear engine cannot run (backreferences)', () => {
    const e = errorOf(() =>
      compile(`sel:
    C|re: '(a+)+\\1'
condition: sel`),
    );
    expect(e.code).toBe('SIGMA_UNSAFE_REGEX');
  });
});

describe('encodings', () => {
  it('base64 encodes the value; base64|contains finds it inside', () => {
    const r = compile(`sel:
    Data|base64|contains: 'http://'
condition: sel`);
    expect(r.match({ Data: `xx${Buffer.from('http://').toString('base64')}yy` })).toBe(true);
    expect(r.match({ Data: 'http://' })).toBe(false);
  });

  it('base64offset|contains finds the text at any byte offset', () => {
    const r = compile(`sel:
    CommandLine|base64offset|contains: 'foobar'
condition: sel`);
    for (const prefix of ['', 'x', 'xy', 'xyz', 'abcd']) {
      const encoded = Buffer.from(`${prefix}foobar and more`).toString('base64');
      expect(r.match({ CommandLine: `powershell -enc ${encoded}` })).toBe(true);
    }
    expect(r.match({ CommandLine: Buffer.from('fooba r').toString('base64') })).toBe(false);
  });

  it('wide|base64offset|contains finds UTF-16LE encoded PowerShell', () => {
    const r = compile(`sel:
    CommandLine|wide|base64offset|contains: 'IEX'
condition: sel`);
    const encoded = Buffer.from('$x = 1; iex $payload; IEX (New-Object Net.WebClient)', 'utf16le').toString('base64');
    expect(r.match({ CommandLine: `powershell -EncodedCommand ${encoded}` })).toBe(true);
    const ascii = Buffer.from('IEX (New-Object)').toString('base64');
    expect(r.match({ CommandLine: ascii })).toBe(false);
  });

  it('utf16le is wide; utf16be and utf16 (with BOM) encode as their names say', () => {
    const le = compile(`sel:
    D|utf16le|base64: 'ab'
condition: sel`);
    expect(le.match({ D: Buffer.from('ab', 'utf16le').toString('base64') })).toBe(true);
    const be = compile(`sel:
    D|utf16be|base64: 'ab'
condition: sel`);
    expect(be.match({ D: Buffer.from([0, 0x61, 0, 0x62]).toString('base64') })).toBe(true);
    const bom = compile(`sel:
    D|utf16|base64: 'ab'
condition: sel`);
    expect(bom.match({ D: Buffer.from([0xff, 0xfe, 0x61, 0, 0x62, 0]).toString('base64') })).toBe(true);
  });

  it('base64 refuses wildcards', () => {
    const e = errorOf(() =>
      compile(`sel:
    D|base64: 'a*'
condition: sel`),
    );
    expect(e.message).toContain('cannot encode wildcards');
  });
});

describe('windash', () => {
  const r = compile(`sel:
    CommandLine|windash|contains: ' -exec bypass'
condition: sel`);

  it('accepts -, /, en dash, em dash and horizontal bar at a flag position', () => {
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) {
      expect(r.match({ CommandLine: `powershell ${d}exec bypass` })).toBe(true);
    }
    expect(r.match({ CommandLine: 'powershell +exec bypass' })).toBe(false);
  });

  it('leaves dashes inside words alone', () => {
    const w = compile(`sel:
    CommandLine|windash|contains: 'param-1'
condition: sel`);
    expect(w.match({ CommandLine: 'x param-1' })).toBe(true);
    expect(w.match({ CommandLine: 'x param/1' })).toBe(false);
  });

  it('stays OR even under all', () => {
    const a = compile(`sel:
    CommandLine|windash|contains|all: ['-a', '-b']
condition: sel`);
    expect(a.match({ CommandLine: 'x /a \u2013b' })).toBe(true);
    expect(a.match({ CommandLine: 'x /a' })).toBe(false);
  });
});

describe('cidr', () => {
  const r = compile(`sel:
    SourceIp|cidr:
        - '10.0.0.0/8'
        - '2001:db8::/32'
condition: sel`);

  it('matches IPv4 and IPv6 networks', () => {
    expect(r.match({ SourceIp: '10.20.30.40' })).toBe(true);
    expect(r.match({ SourceIp: '11.0.0.1' })).toBe(false);
    expect(r.match({ SourceIp: '2001:db8:1234::1' })).toBe(true);
    expect(r.match({ SourceIp: '2001:DB8::' })).toBe(true);
    expect(r.match({ SourceIp: '2001:db9::1' })).toBe(false);
    expect(r.match({ SourceIp: '::ffff:10.1.2.3' })).toBe(true);
  });

  it('a non-IP value is simply false', () => {
    expect(r.match({ SourceIp: 'not-an-ip' })).toBe(false);
    expect(r.match({ SourceIp: 42 })).toBe(false);
  });

  it('refuses networks with host bits set', () => {
    const e = errorOf(() =>
      compile(`sel:
    Ip|cidr: '192.168.1.1/24'
condition: sel`),
    );
    expect(e.message).toContain('host bits');
  });
});

describe('exists, fieldref, numeric and time comparisons', () => {
  it('exists: true needs the key (even when null), false needs it absent', () => {
    const r = compile(`sel:
    Token|exists: true
condition: sel`);
    expect(r.match({ Token: null })).toBe(true);
    expect(r.match({ Token: '' })).toBe(true);
    expect(r.match({})).toBe(false);
    const n = compile(`sel:
    Token|exists: false
condition: sel`);
    expect(n.match({})).toBe(true);
    expect(n.match({ Token: 'x' })).toBe(false);
  });

  it('fieldref compares two fields of the same event', () => {
    const r = compile(`sel:
    TargetUserName|fieldref: SubjectUserName
condition: sel`);
    expect(r.match({ TargetUserName: 'Bob', SubjectUserName: 'bob' })).toBe(true);
    expect(r.match({ TargetUserName: 'bob', SubjectUserName: 'alice' })).toBe(false);
    expect(r.match({ TargetUserName: 'bob' })).toBe(false);
    expect(r.fields).toContain('SubjectUserName');
    const c = compile(`sel:
    CommandLine|fieldref|contains: User
condition: sel`);
    expect(c.match({ CommandLine: 'runas /user:bob x', User: 'bob' })).toBe(true);
  });

  it('lt / lte / gt / gte compare numbers, numeric strings too', () => {
    const r = compile(`sel:
    Count|gte: 10
    Count|lt: 20
condition: sel`);
    expect(r.match({ Count: 10 })).toBe(true);
    expect(r.match({ Count: '19' })).toBe(true);
    expect(r.match({ Count: 20 })).toBe(false);
    expect(r.match({ Count: 'ten' })).toBe(false);
    const e = errorOf(() =>
      compile(`sel:
    Count|gt: '10'
condition: sel`),
    );
    expect(e.message).toContain('unquoted number');
  });

  it('hour|gte takes the hour out of a timestamp', () => {
    const r = compile(`sel:
    '@timestamp|hour|gte': 22
condition: sel`);
    expect(r.match({ '@timestamp': '2026-01-01T23:15:00Z' })).toBe(true);
    expect(r.match({ '@timestamp': '2026-01-01T08:15:00Z' })).toBe(false);
  });
});

describe('expand', () => {
  it('fills placeholders from configuration', () => {
    const r = compile(
      `sel:
    Computer|expand: '%Workstations%'
condition: sel`,
      { placeholders: { Workstations: ['ws-*', 'laptop1'] } },
    );
    expect(r.match({ Computer: 'WS-042' })).toBe(true);
    expect(r.match({ Computer: 'laptop1' })).toBe(true);
    expect(r.match({ Computer: 'dc1' })).toBe(false);
  });

  it('keeps the text around a placeholder; without expand %x% is plain text', () => {
    const r = compile(
      `sel:
    Path|expand: '/home/%Admins%/*'
condition: sel`,
      { placeholders: { Admins: ['root', 'boss'] } },
    );
    expect(r.match({ Path: '/home/boss/x.txt' })).toBe(true);
    expect(r.match({ Path: '/home/bob/x.txt' })).toBe(false);
    const plain = compile(`sel:
    V: '%Admins%'
condition: sel`);
    expect(plain.match({ V: '%admins%' })).toBe(true);
  });

  it('re|expand puts the configured values into the pattern as alternatives', () => {
    const r = compile(
      `sel:
    Host|re|expand: '^%Servers%\\.corp$'
condition: sel`,
      { placeholders: { '%Servers%': ['db1', 'web*'] } },
    );
    expect(r.match({ Host: 'db1.corp' })).toBe(true);
    expect(r.match({ Host: 'web-07.corp' })).toBe(true);
    expect(r.match({ Host: 'mail.corp' })).toBe(false);
  });

  it('an unconfigured placeholder is a compile error naming it', () => {
    const e = errorOf(() =>
      compile(`sel:
    Computer|expand: '%DomainControllers%'
condition: sel`),
    );
    expect(e.code).toBe('SIGMA_UNSUPPORTED');
    expect(e.message).toContain('%DomainControllers%');
  });
});

describe('keywords', () => {
  it('a keyword list matches text anywhere in the event', () => {
    const r = compile(`keywords:
    - 'mimikatz'
    - 'sekurlsa::*'
condition: keywords`);
    expect(r.match({ process: { command_line: 'run Mimikatz.exe' } })).toBe(true);
    expect(r.match({ message: 'sekurlsa::logonpasswords' })).toBe(true);
    expect(r.match({ message: 'hello' })).toBe(false);
  });

  it("'|all' needs every keyword, possibly in different fields", () => {
    const r = compile(`keywords:
    '|all':
        - 'wget'
        - '/tmp/'
condition: keywords`);
    expect(r.match({ a: 'wget http://x', b: 'saved to /tmp/y' })).toBe(true);
    expect(r.match({ a: 'wget http://x' })).toBe(false);
  });

  it('numeric keywords are searched as text; a single keyword string works too', () => {
    const r = compile(`keywords:
    - 4444
condition: keywords`);
    expect(r.match({ msg: 'connect to port 4444' })).toBe(true);
    expect(r.match({ port: 4444 })).toBe(true);
    expect(r.match({ port: 4445 })).toBe(false);
    const one = compile(`kw: 'evil'
condition: kw`);
    expect(one.match({ a: { b: ['x', 'so EVIL'] } })).toBe(true);
  });

  it('uses the configured keyword source', () => {
    const r = compile(
      `keywords:
    - 'secret'
condition: keywords`,
      { keywordValues: (e) => [String(e.message ?? '')] },
    );
    expect(r.match({ message: 'a secret', other: 'x' })).toBe(true);
    expect(r.match({ message: 'a', other: 'secret' })).toBe(false);
  });
});

describe('conditions', () => {
  const events = {
    a: { A: '1' },
    b: { B: '1' },
    ab: { A: '1', B: '1' },
    none: {},
  };
  const base = `sel_a:
    A: '1'
sel_b:
    B: '1'
`;
  const cond = (c: string) => compile(`${base}condition: ${c}`);

  it('and, or, not with precedence not > and > or', () => {
    const r = cond('sel_a or sel_b and not sel_a');
    expect(r.match(events.a)).toBe(true);
    expect(r.match(events.b)).toBe(true);
    expect(r.match(events.ab)).toBe(true);
    expect(r.match(events.none)).toBe(false);
    const p = cond('(sel_a or sel_b) and not sel_a');
    expect(p.match(events.ab)).toBe(false);
    expect(p.match(events.b)).toBe(true);
  });

  it('nested not', () => {
    const r = cond('not (sel_a and not sel_b)');
    expect(r.match(events.a)).toBe(false);
    expect(r.match(events.ab)).toBe(true);
    expect(r.match(events.none)).toBe(true);
    expect(cond('not not sel_a').match(events.a)).toBe(true);
  });

  it('1 of / any of / all of with wildcards and them', () => {
    expect(cond('1 of sel_*').match(events.b)).toBe(true);
    expect(cond('any of sel_*').match(events.none)).toBe(false);
    expect(cond('all of sel_*').match(events.a)).toBe(false);
    expect(cond('all of sel_*').match(events.ab)).toBe(true);
    expect(cond('1 of them').match(events.a)).toBe(true);
    expect(cond('all of them').match(events.a)).toBe(false);
  });

  it('a pattern without * matches the identifier exactly', () => {
    const r = compile(`selection:
    A: '1'
selection_extra:
    B: '1'
condition: all of selection`);
    expect(r.match(events.a)).toBe(true);
  });

  it('them leaves out identifiers starting with _', () => {
    const r = compile(`sel:
    A: '1'
_helper:
    B: '1'
condition: all of them`);
    expect(r.match(events.a)).toBe(true);
  });

  it('a selector that matches nothing disappears together with its not', () => {
    const r = compile(`selection:
    A: '1'
condition: selection and not 1 of filter_*`);
    expect(r.match(events.a)).toBe(true);
    expect(r.match(events.b)).toBe(false);
  });

  it('a list of conditions is OR', () => {
    const r = compile(`${base}condition:
    - sel_a and sel_b
    - not sel_a and not sel_b`);
    expect(r.match(events.ab)).toBe(true);
    expect(r.match(events.none)).toBe(true);
    expect(r.match(events.a)).toBe(false);
  });
});

describe('compileRule', () => {
  it('keeps the rule with its author (DRL attribution)', () => {
    const rule = ruleFrom(`sel:
    A: '1'
condition: sel`);
    const c = compileRule(rule);
    expect(c.rule.author).toBe('Jane Analyst');
    expect(c.rule.id).toBe('5b0b1c3e-1111-4222-8333-944445555666');
  });

  it('uses the field resolver for every field', () => {
    const rule = ruleFrom(`sel:
    Image|endswith: '\\cmd.exe'
condition: sel`);
    const mapping: Record<string, string> = { Image: 'process.executable' };
    const c = compileRule(rule, {
      resolveField: (f) => (e) => {
        const proc = e.process as Record<string, unknown> | undefined;
        return mapping[f] === 'process.executable' ? proc?.executable : undefined;
      },
    });
    expect(c.match({ process: { executable: 'C:\\Windows\\cmd.exe' } })).toBe(true);
    expect(c.match({ Image: 'C:\\Windows\\cmd.exe' })).toBe(false);
  });
});
