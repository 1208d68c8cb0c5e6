// Golden table: one inline rule per modifier and condition form → the exact query each target
// prints. Field names are ECS already and no pipeline is loaded, so each field has one path and
// the output shows only what the target does with the value.
import { describe, expect, it } from 'vitest';
import { VigilError } from '../../../core/errors.ts';
import { createTarget, esqlField, esqlString } from '../../../detection/compilers/targets/index.ts';
import { bundledPipelineDir, loadPipelines } from '../../../detection/pipelines/index.ts';
import { parseSigmaText, type SigmaRule } from '../../../detection/sigma/index.ts';

function rule(detection: string, condition: string, logsource = '{ product: linux }'): SigmaRule {
  const text = `title: T\nid: 20000000-0000-4000-8000-000000000001\nlogsource: ${logsource}\ndetection:\n  ${detection}\n  condition: ${condition}\n`;
  const { documents, errors } = parseSigmaText(text, 'inline.yml');
  if (errors.length > 0) throw errors[0];
  return documents[0] as SigmaRule;
}

const lucene = createTarget('lucene', { pipelines: [], logsource: false });
const esql = createTarget('esql', { pipelines: [], logsource: false });
const dsl = createTarget('es-dsl', { pipelines: [], logsource: false });

type Row = [name: string, condition: string, detection: string, expected: { lucene: string; esql: string; dsl: unknown }];

const TABLE: Row[] = [
  [
    "plain value",
    "sel",
    `sel:
    process.name: 'Cmd.exe'`,
    {
      lucene: "process.name:Cmd.exe",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"cmd.exe\"",
      dsl: {"term":{"process.name":{"value":"Cmd.exe","case_insensitive":true}}},
    },
  ],
  [
    "contains",
    "sel",
    `sel:
    process.command_line|contains: 'a b'`,
    {
      lucene: "process.command_line:*a\\ b*",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"*a b*\"",
      dsl: {"wildcard":{"process.command_line":{"value":"*a b*","case_insensitive":true}}},
    },
  ],
  [
    "startswith",
    "sel",
    String.raw`sel:
    process.executable|startswith: 'C:\Windows\'`,
    {
      lucene: "process.executable:C\\:\\\\Windows\\\\*",
      esql: "FROM logs-* | WHERE TO_LOWER(process.executable) LIKE \"c:\\\\\\\\windows\\\\\\\\*\"",
      dsl: {"wildcard":{"process.executable":{"value":"C:\\\\Windows\\\\*","case_insensitive":true}}},
    },
  ],
  [
    "endswith",
    "sel",
    String.raw`sel:
    process.executable|endswith: '\cmd.exe'`,
    {
      lucene: "process.executable:*\\\\cmd.exe",
      esql: "FROM logs-* | WHERE TO_LOWER(process.executable) LIKE \"*\\\\\\\\cmd.exe\"",
      dsl: {"wildcard":{"process.executable":{"value":"*\\\\cmd.exe","case_insensitive":true}}},
    },
  ],
  [
    "value list (OR)",
    "sel",
    `sel:
    process.name: ['a.exe', 'b*.exe']`,
    {
      lucene: "process.name:(a.exe OR b*.exe)",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\" OR TO_LOWER(process.name) LIKE \"b*.exe\"",
      dsl: {"bool":{"should":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"wildcard":{"process.name":{"value":"b*.exe","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "contains|all",
    "sel",
    `sel:
    process.command_line|contains|all: ['-nop', 'hidden']`,
    {
      lucene: "process.command_line:*\\-nop* AND process.command_line:*hidden*",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"*-nop*\" AND TO_LOWER(process.command_line) LIKE \"*hidden*\"",
      dsl: {"bool":{"filter":[{"wildcard":{"process.command_line":{"value":"*-nop*","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"*hidden*","case_insensitive":true}}}]}},
    },
  ],
  [
    "cased",
    "sel",
    `sel:
    process.name|cased: 'Cmd.exe'`,
    {
      lucene: "process.name:Cmd.exe",
      esql: "FROM logs-* | WHERE process.name == \"Cmd.exe\"",
      dsl: {"term":{"process.name":{"value":"Cmd.exe"}}},
    },
  ],
  [
    "wildcards * and ?",
    "sel",
    String.raw`sel:
    file.path: 'C:\Users\*\AppData\x?.tmp'`,
    {
      lucene: "file.path:C\\:\\\\Users\\*\\\\AppData\\\\x?.tmp",
      esql: "FROM logs-* | WHERE TO_LOWER(file.path) LIKE \"c:\\\\\\\\users\\\\*\\\\\\\\appdata\\\\\\\\x?.tmp\"",
      dsl: {"wildcard":{"file.path":{"value":"C:\\\\Users\\*\\\\AppData\\\\x?.tmp","case_insensitive":true}}},
    },
  ],
  [
    "escaped wildcard and backslash before a wildcard",
    "sel",
    String.raw`sel:
    file.name: ['a\*b', 'c\\*']`,
    {
      lucene: "file.name:(a\\*b OR c\\\\*)",
      esql: "FROM logs-* | WHERE TO_LOWER(file.name) == \"a*b\" OR TO_LOWER(file.name) LIKE \"c\\\\\\\\*\"",
      dsl: {"bool":{"should":[{"term":{"file.name":{"value":"a*b","case_insensitive":true}}},{"wildcard":{"file.name":{"value":"c\\\\*","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "re",
    "sel",
    String.raw`sel:
    process.command_line|re: '\s-enc(odedcommand)?\s'`,
    {
      lucene: "process.command_line:/.*[ \t\n\r\f\u000b]-enc(odedcommand)?[ \t\n\r\f\u000b].*/",
      esql: "FROM logs-* | WHERE process.command_line RLIKE \".*[ \\t\\n\\r\f\u000b]-enc(odedcommand)?[ \\t\\n\\r\f\u000b].*\"",
      dsl: {"regexp":{"process.command_line":{"value":".*[ \t\n\r\f\u000b]-enc(odedcommand)?[ \t\n\r\f\u000b].*","flags":"NONE"}}},
    },
  ],
  [
    "re|i with anchors and a slash",
    "sel",
    `sel:
    process.command_line|re|i: '^invoke-[a-z]+/x$'`,
    {
      lucene: "process.command_line:/[iI][nN][vV][oO][kK][eE]-[a-zA-Z]+\\/[xX]/",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) RLIKE \"invoke-[a-z]+/x\"",
      dsl: {"regexp":{"process.command_line":{"value":"invoke-[a-z]+/x","flags":"NONE","case_insensitive":true}}},
    },
  ],
  [
    "base64",
    "sel",
    `sel:
    process.command_line|base64: 'abc'`,
    {
      lucene: "process.command_line:YWJj",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) == \"ywjj\"",
      dsl: {"term":{"process.command_line":{"value":"YWJj","case_insensitive":true}}},
    },
  ],
  [
    "base64offset|contains",
    "sel",
    `sel:
    process.command_line|base64offset|contains: 'foobar'`,
    {
      lucene: "process.command_line:(*Zm9vYmFy* OR *Zvb2Jhc* OR *mb29iYX*)",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"*zm9vymfy*\" OR TO_LOWER(process.command_line) LIKE \"*zvb2jhc*\" OR TO_LOWER(process.command_line) LIKE \"*mb29iyx*\"",
      dsl: {"bool":{"should":[{"wildcard":{"process.command_line":{"value":"*Zm9vYmFy*","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"*Zvb2Jhc*","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"*mb29iYX*","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "wide|base64offset|contains",
    "sel",
    `sel:
    process.command_line|wide|base64offset|contains: 'ping'`,
    {
      lucene: "process.command_line:(*cABpAG4AZw* OR *AAaQBuAGcA* OR *wAGkAbgBnA*)",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"*cabpag4azw*\" OR TO_LOWER(process.command_line) LIKE \"*aaaqbuagca*\" OR TO_LOWER(process.command_line) LIKE \"*wagkabgbna*\"",
      dsl: {"bool":{"should":[{"wildcard":{"process.command_line":{"value":"*cABpAG4AZw*","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"*AAaQBuAGcA*","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"*wAGkAbgBnA*","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "windash|contains",
    "sel",
    `sel:
    process.command_line|windash|contains: ' -f '`,
    {
      lucene: "process.command_line:(*\\ \\-f\\ * OR *\\ \\/f\\ * OR *\\ –f\\ * OR *\\ —f\\ * OR *\\ ―f\\ *)",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"* -f *\" OR TO_LOWER(process.command_line) LIKE \"* /f *\" OR TO_LOWER(process.command_line) LIKE \"* –f *\" OR TO_LOWER(process.command_line) LIKE \"* —f *\" OR TO_LOWER(process.command_line) LIKE \"* ―f *\"",
      dsl: {"bool":{"should":[{"wildcard":{"process.command_line":{"value":"* -f *","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"* /f *","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"* –f *","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"* —f *","case_insensitive":true}}},{"wildcard":{"process.command_line":{"value":"* ―f *","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "cidr (IPv4)",
    "sel",
    `sel:
    source.ip|cidr: '10.0.0.0/8'`,
    {
      lucene: "source.ip:10.0.0.0\\/8",
      esql: "FROM logs-* | WHERE CIDR_MATCH(source.ip, \"10.0.0.0/8\")",
      dsl: {"term":{"source.ip":{"value":"10.0.0.0/8"}}},
    },
  ],
  [
    "cidr (IPv6)",
    "sel",
    `sel:
    source.ip|cidr: 'fd00::/8'`,
    {
      lucene: "source.ip:fd00\\:0\\:0\\:0\\:0\\:0\\:0\\:0\\/8",
      esql: "FROM logs-* | WHERE CIDR_MATCH(source.ip, \"fd00:0:0:0:0:0:0:0/8\")",
      dsl: {"term":{"source.ip":{"value":"fd00:0:0:0:0:0:0:0/8"}}},
    },
  ],
  [
    "exists: true",
    "sel",
    `sel:
    user.name|exists: true`,
    {
      lucene: "_exists_:user.name",
      esql: "FROM logs-* | WHERE user.name IS NOT NULL",
      dsl: {"exists":{"field":"user.name"}},
    },
  ],
  [
    "exists: false",
    "sel",
    `sel:
    user.name|exists: false`,
    {
      lucene: "NOT _exists_:user.name",
      esql: "FROM logs-* | WHERE user.name IS NULL",
      dsl: {"bool":{"must_not":[{"exists":{"field":"user.name"}}]}},
    },
  ],
  [
    "lt and gte",
    "sel",
    `sel:
    destination.port|lt: 1024
    process.pid|gte: 4`,
    {
      lucene: "destination.port:<1024 AND process.pid:>=4",
      esql: "FROM logs-* | WHERE destination.port < 1024 AND process.pid >= 4",
      dsl: {"bool":{"filter":[{"range":{"destination.port":{"lt":1024}}},{"range":{"process.pid":{"gte":4}}}]}},
    },
  ],
  [
    "neq",
    "sel",
    `sel:
    process.name|neq: 'svchost.exe'`,
    {
      lucene: "NOT process.name:svchost.exe",
      esql: "FROM logs-* | WHERE NOT COALESCE(TO_LOWER(process.name) == \"svchost.exe\", FALSE)",
      dsl: {"bool":{"must_not":[{"term":{"process.name":{"value":"svchost.exe","case_insensitive":true}}}]}},
    },
  ],
  [
    "null",
    "sel",
    `sel:
    user.name: null`,
    {
      lucene: "NOT _exists_:user.name",
      esql: "FROM logs-* | WHERE user.name IS NULL",
      dsl: {"bool":{"must_not":[{"exists":{"field":"user.name"}}]}},
    },
  ],
  [
    "empty string",
    "sel",
    `sel:
    user.name: ''`,
    {
      lucene: "user.name:\"\"",
      esql: "FROM logs-* | WHERE user.name == \"\"",
      dsl: {"term":{"user.name":{"value":"","case_insensitive":true}}},
    },
  ],
  [
    "number",
    "sel",
    `sel:
    event.code: 4688`,
    {
      lucene: "event.code:4688",
      esql: "FROM logs-* | WHERE event.code == \"4688\"",
      dsl: {"term":{"event.code":{"value":4688}}},
    },
  ],
  [
    "boolean",
    "sel",
    `sel:
    labels.flag: true`,
    {
      lucene: "labels.flag:true",
      esql: "FROM logs-* | WHERE TO_LOWER(labels.flag) == \"true\"",
      dsl: {"term":{"labels.flag":{"value":true}}},
    },
  ],
  [
    "keywords",
    "keywords",
    `keywords:
    - 'Failed password'
    - 'Invalid user'`,
    {
      lucene: "\"Failed password\" OR \"Invalid user\"",
      esql: "FROM logs-* | WHERE QSTR(\"\\\"Failed password\\\"\") OR QSTR(\"\\\"Invalid user\\\"\")",
      dsl: {"bool":{"should":[{"multi_match":{"query":"Failed password","type":"phrase","lenient":true}},{"multi_match":{"query":"Invalid user","type":"phrase","lenient":true}}],"minimum_should_match":1}},
    },
  ],
  [
    "keywords '|all'",
    "keywords",
    `keywords:
    '|all':
      - 'canary'
      - 'TOKEN'`,
    {
      lucene: "\"canary\" AND \"TOKEN\"",
      esql: "FROM logs-* | WHERE QSTR(\"\\\"canary\\\"\") AND QSTR(\"\\\"TOKEN\\\"\")",
      dsl: {"bool":{"filter":[{"multi_match":{"query":"canary","type":"phrase","lenient":true}},{"multi_match":{"query":"TOKEN","type":"phrase","lenient":true}}]}},
    },
  ],
  [
    "text field (message)",
    "sel",
    `sel:
    message|contains: 'Failed password'`,
    {
      lucene: "message:*Failed\\ password*",
      esql: "FROM logs-* | WHERE TO_LOWER(message) LIKE \"*failed password*\"",
      dsl: {"match_phrase":{"message":"Failed password"}},
    },
  ],
  [
    "non-ASCII value",
    "sel",
    `sel:
    process.command_line|contains: 'Ärger'`,
    {
      lucene: "process.command_line:*Ärger*",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"*ärger*\"",
      dsl: {"wildcard":{"process.command_line":{"value":"*Ärger*","case_insensitive":true}}},
    },
  ],
  [
    "quotes in a value",
    "sel",
    `sel:
    process.command_line|contains: 'say "hi"'`,
    {
      lucene: "process.command_line:*say\\ \\\"hi\\\"*",
      esql: "FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE \"*say \\\"hi\\\"*\"",
      dsl: {"wildcard":{"process.command_line":{"value":"*say \"hi\"*","case_insensitive":true}}},
    },
  ],
  [
    "a and not b",
    "a and not b",
    `a:
    process.name: a.exe
  b:
    process.name: b.exe`,
    {
      lucene: "process.name:a.exe AND (NOT process.name:b.exe)",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\" AND NOT COALESCE(TO_LOWER(process.name) == \"b.exe\", FALSE)",
      dsl: {"bool":{"filter":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"bool":{"must_not":[{"term":{"process.name":{"value":"b.exe","case_insensitive":true}}}]}}]}},
    },
  ],
  [
    "a or not b",
    "a or not b",
    `a:
    process.name: a.exe
  b:
    user.name: bob`,
    {
      lucene: "process.name:a.exe OR (NOT user.name:bob)",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\" OR NOT COALESCE(TO_LOWER(user.name) == \"bob\", FALSE)",
      dsl: {"bool":{"should":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"bool":{"must_not":[{"term":{"user.name":{"value":"bob","case_insensitive":true}}}]}}],"minimum_should_match":1}},
    },
  ],
  [
    "(a or b) and c",
    "(a or b) and c",
    `a:
    process.name: a.exe
  b:
    user.name: bob
  c:
    host.name: h1`,
    {
      lucene: "(process.name:a.exe OR user.name:bob) AND host.name:h1",
      esql: "FROM logs-* | WHERE (TO_LOWER(process.name) == \"a.exe\" OR TO_LOWER(user.name) == \"bob\") AND TO_LOWER(host.name) == \"h1\"",
      dsl: {"bool":{"filter":[{"bool":{"should":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"term":{"user.name":{"value":"bob","case_insensitive":true}}}],"minimum_should_match":1}},{"term":{"host.name":{"value":"h1","case_insensitive":true}}}]}},
    },
  ],
  [
    "1 of sel_*",
    "1 of sel_*",
    `sel_a:
    process.name: a.exe
  sel_b:
    user.name: bob`,
    {
      lucene: "process.name:a.exe OR user.name:bob",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\" OR TO_LOWER(user.name) == \"bob\"",
      dsl: {"bool":{"should":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"term":{"user.name":{"value":"bob","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "all of sel_*",
    "all of sel_*",
    `sel_a:
    process.name: a.exe
  sel_b:
    user.name: bob`,
    {
      lucene: "process.name:a.exe AND user.name:bob",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\" AND TO_LOWER(user.name) == \"bob\"",
      dsl: {"bool":{"filter":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"term":{"user.name":{"value":"bob","case_insensitive":true}}}]}},
    },
  ],
  [
    "1 of them",
    "1 of them",
    `x:
    process.name: a.exe
  y:
    user.name: bob`,
    {
      lucene: "process.name:a.exe OR user.name:bob",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\" OR TO_LOWER(user.name) == \"bob\"",
      dsl: {"bool":{"should":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"term":{"user.name":{"value":"bob","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
  [
    "not 1 of filter_* with no filter",
    "sel and not 1 of filter_*",
    `sel:
    process.name: a.exe`,
    {
      lucene: "process.name:a.exe",
      esql: "FROM logs-* | WHERE TO_LOWER(process.name) == \"a.exe\"",
      dsl: {"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},
    },
  ],
  [
    "list of maps",
    "sel",
    `sel:
    - process.name: a.exe
      user.name: bob
    - process.name: b.exe`,
    {
      lucene: "(process.name:a.exe AND user.name:bob) OR process.name:b.exe",
      esql: "FROM logs-* | WHERE (TO_LOWER(process.name) == \"a.exe\" AND TO_LOWER(user.name) == \"bob\") OR TO_LOWER(process.name) == \"b.exe\"",
      dsl: {"bool":{"should":[{"bool":{"filter":[{"term":{"process.name":{"value":"a.exe","case_insensitive":true}}},{"term":{"user.name":{"value":"bob","case_insensitive":true}}}]}},{"term":{"process.name":{"value":"b.exe","case_insensitive":true}}}],"minimum_should_match":1}},
    },
  ],
];

describe('conversion targets: every modifier and condition form', () => {
  it.each(TABLE)('%s', (_name, condition, detection, expected) => {
    const r = rule(detection, condition);
    expect(lucene.compile(r)).toBe(expected.lucene);
    expect(esql.compile(r)).toBe(expected.esql);
    expect(dsl.compile(r)).toEqual(expected.dsl);
  });
});

function refusalOf(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected the target to refuse the rule');
}

describe('conversion targets: names, mapping and refusals', () => {
  const sameParent = rule(`sel:\n    process.name|fieldref: process.parent.name`, 'sel');

  it('refuses comparing two fields in Lucene and the Query DSL, naming the rule, file and target', () => {
    const l = refusalOf(() => lucene.compile(sameParent));
    expect(l.code).toBe('SIGMA_UNSUPPORTED');
    expect(l.message).toBe(
      '20000000-0000-4000-8000-000000000001: inline.yml: lucene: process.name = process.parent.name: a query string cannot compare two fields (pySigma refuses it too)',
    );
    const d = refusalOf(() => dsl.compile(sameParent));
    expect(d.code).toBe('SIGMA_UNSUPPORTED');
    expect(d.message).toMatch(/^20000000-0000-4000-8000-000000000001: inline\.yml: es-dsl: process\.name = process\.parent\.name: comparing two fields needs a script query/);
    expect(esql.compile(sameParent)).toBe('FROM logs-* | WHERE process.name == process.parent.name');
  });

  it('refuses a regex Lucene cannot express, with the pattern in the reason', () => {
    const r = rule(String.raw`sel:
    process.command_line|re: '\bwhoami\b'`, 'sel');
    expect(refusalOf(() => esql.compile(r)).message).toContain('the word boundary \\b cannot be expressed');
  });

  it('uses the pipelines: Sigma names become ECS fields, and --all-paths keeps the raw-name fallbacks', () => {
    const pipelines = loadPipelines([bundledPipelineDir]).pipelines;
    const r = rule(String.raw`sel:
    Image|endswith: '\whoami.exe'`, 'sel', '{ product: windows, category: process_creation }');
    expect(createTarget('lucene', { pipelines }).compile(r)).toBe('process.executable:*\\\\whoami.exe');
    expect(createTarget('esql', { pipelines }).compile(r)).toBe('FROM logs-* | WHERE TO_LOWER(process.executable) LIKE "*\\\\\\\\whoami.exe"');
    const all = createTarget('lucene', { pipelines, allPaths: true }).compile(r);
    expect(all.startsWith('process.executable:*\\\\whoami.exe OR ((NOT _exists_:process.executable) AND NewProcessName:*\\\\whoami.exe)')).toBe(true);
    // The stores' targets add the logsource filter: Sysmon's channel is part of process_creation.
    expect(JSON.stringify(createTarget('es-dsl', { pipelines }).compile(r))).toContain('"microsoft-windows-sysmon/operational"');
  });

  it('sql: the store statement over events with every value bound, never spliced', () => {
    const sql = createTarget('sql', { pipelines: [], logsource: false });
    const out = sql.compile(rule(`sel:\n    process.name: "Cmd.exe' OR 1=1 --"`, 'sel'));
    expect(out.sql).toBe(
      "SELECT id, doc FROM events WHERE EXISTS (SELECT 1 FROM json_each(doc, ?) AS je WHERE ((je.type = 'text' AND lower(je.value) = lower(?))) AND (je.key IS NULL OR je.key < ''))",
    );
    expect(out.params).toEqual(['$."process"."name"', "Cmd.exe' OR 1=1 --"]);
    expect(sql.render(out).split('\n')).toEqual([
      '-- The embedded store runs this with the parameters below bound to the ?s in order',
      '-- (vigil_regexp and vigil_cidr are functions the store registers on its connection).',
      out.sql,
      `-- params: ${JSON.stringify(out.params)}`,
    ]);
  });

  it('esql quotes field names that are not plain identifiers, and lowers non-ASCII text', () => {
    expect(esql.compile(rule(`sel:\n    cs-uri-query|contains: 'cmd='`, 'sel'))).toBe('FROM logs-* | WHERE TO_LOWER(`cs-uri-query`) LIKE "*cmd=*"');
    expect(esql.compile(rule(`sel:\n    process.command_line|contains: 'STRASSE Ärger'`, 'sel'))).toBe(
      'FROM logs-* | WHERE TO_LOWER(process.command_line) LIKE "*strasse ärger*"',
    );
    expect(createTarget('esql', { pipelines: [], logsource: false, index: 'logs-vigil.*-default' }).compile(rule(`sel:\n    process.pid: 4`, 'sel'))).toBe(
      'FROM logs-vigil.*-default | WHERE process.pid == 4',
    );
  });

  it('es-dsl: a text field wildcard with words around it is a regexp Lucene can run (dot-all instead of [\\s\\S])', () => {
    expect(dsl.compile(rule(`sel:\n    message: 'Failed * for root'`, 'sel'))).toEqual({
      regexp: { message: { value: 'Failed .* for root', flags: 'NONE', case_insensitive: true } },
    });
  });

  it('lucene: reserved characters escaped, and a case-insensitive regex spelled with both cases', () => {
    expect(lucene.compile(rule(String.raw`sel:
    process.command_line: 'a+b (c) [d] {e} "f" g:h/i\j ~k ^l !m &n |o <p> =q'`, 'sel'))).toBe(
      String.raw`process.command_line:a\+b\ \(c\)\ \[d\]\ \{e\}\ \"f\"\ g\:h\/i\\j\ \~k\ \^l\ \!m\ \&n\ \|o\ \<p\>\ \=q`,
    );
    expect(lucene.compile(rule(`sel:
    process.command_line|re|i: 'mimi[a-f0-9]{2}z'`, 'sel'))).toBe('process.command_line:/.*[mM][iI][mM][iI][a-f0-9A-F]{2}[zZ].*/');
  });
});

describe('ES|QL string literals', () => {
  it('escapes backslashes, quotes and control characters so the value survives the parser', () => {
    expect(esqlString('a\\b "c"\n\td\r')).toBe('"a\\\\b \\"c\\"\\n\\td\\r"');
    expect(esqlField('@timestamp')).toBe('`@timestamp`');
    expect(esqlField('weird`name')).toBe('`weird``name`');
    expect(esqlField('process.command_line')).toBe('process.command_line');
  });

  it('keeps a literal * or ? in a LIKE pattern escaped, inside an escaped string literal', () => {
    expect(esql.compile(rule(String.raw`sel:
    file.name|endswith: '\*?.txt'`, 'sel'))).toBe('FROM logs-* | WHERE TO_LOWER(file.name) LIKE "*\\\\*?.txt"');
  });
});

describe('ES|QL patterns on typed fields', () => {
  it('matches a wildcard on an IP or numeric field as text', () => {
    expect(esql.compile(rule(`sel:\n    source.ip|startswith: '10.'`, 'sel'))).toBe('FROM logs-* | WHERE TO_STRING(source.ip) LIKE "10.*"');
    expect(esql.compile(rule(`sel:\n    destination.port|re: '^44[3-9]$'`, 'sel'))).toBe('FROM logs-* | WHERE TO_STRING(destination.port) RLIKE "44[3-9]"');
  });
});
