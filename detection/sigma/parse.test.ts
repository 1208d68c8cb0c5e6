import { describe, expect, it } from 'vitest';
import type { SigmaDocument } from './model.ts';
import { parseSigmaText } from './parse.ts';

const FULL = `title: Suspicious Whoami
id: 11111111-2222-4333-8444-555555555555
name: susp_whoami
related:
    - id: 22222222-2222-4333-8444-555555555555
      type: derived
status: test
description: Detects whoami
license: DRL-1.1
author: Jane Analyst, John Doe
references:
    - https://example.org/a
date: 2024-01-15
modified: 2024/02/01
logsource:
    category: process_creation
    product: windows
    definition: Sysmon EventID 1
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        Code: 00000429
    condition: selection
fields:
    - CommandLine
falsepositives:
    - Admin scripts
level: high
tags:
    - attack.discovery
    - attack.t1033
scope:
    - server
regression_tests_path: regression_data/x.yml
simulation:
    - type: atomic-red-team
`;

function only(text: string, source = 'rules/x.yml'): SigmaDocument {
  const { documents, errors } = parseSigmaText(text, source);
  expect(errors.map((e) => e.message)).toEqual([]);
  expect(documents).toHaveLength(1);
  return documents[0];
}

function errorsOf(text: string, source = 'rules/x.yml') {
  const r = parseSigmaText(text, source);
  expect(r.documents).toHaveLength(0);
  return r.errors;
}

describe('rules', () => {
  it('reads every specification field', () => {
    const doc = only(FULL);
    if (doc.type !== 'rule') throw new Error('not a rule');
    expect(doc.title).toBe('Suspicious Whoami');
    expect(doc.id).toBe('11111111-2222-4333-8444-555555555555');
    expect(doc.name).toBe('susp_whoami');
    expect(doc.related).toEqual([{ id: '22222222-2222-4333-8444-555555555555', type: 'derived' }]);
    expect(doc.status).toBe('test');
    expect(doc.level).toBe('high');
    expect(doc.author).toBe('Jane Analyst, John Doe');
    expect(doc.license).toBe('DRL-1.1');
    expect(doc.references).toEqual(['https://example.org/a']);
    expect(doc.date).toBe('2024-01-15');
    expect(doc.modified).toBe('2024/02/01');
    expect(doc.logsource).toEqual({ category: 'process_creation', product: 'windows', definition: 'Sysmon EventID 1' });
    expect(doc.fields).toEqual(['CommandLine']);
    expect(doc.falsepositives).toEqual(['Admin scripts']);
    expect(doc.tags).toEqual(['attack.discovery', 'attack.t1033']);
    expect(doc.scope).toEqual(['server']);
    expect(doc.custom).toEqual({ regression_tests_path: 'regression_data/x.yml', simulation: [{ type: 'atomic-red-team' }] });
    expect(doc.source).toBe('rules/x.yml');
    expect(doc.detection.conditionText).toEqual(['selection']);
    expect(doc.detection.condition).toEqual({ kind: 'ref', name: 'selection' });
  });

  it('keeps detection values as the text the author wrote', () => {
    const doc = only(FULL);
    if (doc.type !== 'rule') throw new Error('not a rule');
    const sel = doc.detection.searches.selection;
    expect(sel.kind).toBe('all');
    expect(sel.parts).toEqual([
      { kind: 'item', field: 'Image', modifiers: ['endswith'], values: [{ kind: 'string', raw: '\\whoami.exe' }], path: 'detection.selection.Image|endswith', line: 21, column: 9 },
      { kind: 'item', field: 'Code', modifiers: [], values: [{ kind: 'string', raw: '00000429' }], path: 'detection.selection.Code', line: 22, column: 9 },
    ]);
  });

  it('parses keyword lists, list-of-maps and mixed lists', () => {
    const doc = only(`title: t
logsource: {product: linux}
detection:
    keywords: [a, 5]
    multi:
        - A: 1
        - B: [x, y]
    condition: keywords or multi
`);
    if (doc.type !== 'rule') throw new Error('not a rule');
    expect(doc.detection.searches.keywords.parts[0]).toMatchObject({ field: null, values: [{ kind: 'string', raw: 'a' }, { kind: 'number', value: 5 }] });
    expect(doc.detection.searches.multi.kind).toBe('any');
  });

  it('reports errors with file, rule id and YAML path, and keeps the other rules', () => {
    const text = `title: good
logsource: {product: windows}
detection:
    sel: {A: 1}
    condition: sel
---
title: bad
id: 33333333-2222-4333-8444-555555555555
logsource: {product: windows}
detection:
    sel:
        Image|endswit: x
    condition: sel
level: severe
`;
    const r = parseSigmaText(text, 'rules/multi.yml');
    expect(r.documents.map((d) => d.title)).toEqual(['good']);
    const codes = r.errors.map((e) => e.code).sort();
    expect(codes).toEqual(['SIGMA_INVALID', 'SIGMA_UNKNOWN_MODIFIER']);
    const mod = r.errors.find((e) => e.code === 'SIGMA_UNKNOWN_MODIFIER');
    expect(mod?.location).toEqual({ source: 'rules/multi.yml', path: 'detection.sel.Image|endswit', line: 12, column: 9 });
    expect(mod?.message).toMatch(/^33333333-2222-4333-8444-555555555555: rules\/multi.yml:12:9 detection.sel.Image\|endswit: unknown modifier 'endswit' \(known: contains, /);
    expect(r.errors.find((e) => e.code === 'SIGMA_INVALID')?.message).toContain(
      "rules/multi.yml:14:1 level: 'severe' is not allowed (allowed: informational, low, medium, high, critical)",
    );
  });

  it('requires title, logsource and detection', () => {
    const errs = errorsOf('description: nothing\n');
    expect(errs.map((e) => e.location?.path).sort()).toEqual(['detection', 'logsource', 'title']);
  });

  it('rejects a non-UUID id, bad related type, bad dates', () => {
    const errs = errorsOf(`title: t
id: not-a-uuid
related:
    - id: 22222222-2222-4333-8444-555555555555
      type: cousin
date: yesterday
logsource: {product: windows}
detection:
    sel: {A: 1}
    condition: sel
`);
    expect(errs.map((e) => e.location?.path).sort()).toEqual(['date', 'id', 'related[0].type']);
  });

  it('reports YAML syntax errors with line and column', () => {
    const errs = errorsOf('title: t\ndetection:\n  sel: [a\n', 'rules/broken.yml');
    expect(errs[0].code).toBe('SIGMA_PARSE');
    expect(errs[0].location?.source).toBe('rules/broken.yml');
    expect(errs[0].location?.line).toBeGreaterThan(1);
    expect(errs[0].message).toMatch(/^rules\/broken\.yml:\d+:\d+: invalid YAML/);
  });

  it('refuses duplicate keys', () => {
    const errs = errorsOf('title: t\ntitle: u\n');
    expect(errs[0].code).toBe('SIGMA_PARSE');
    expect(errs[0].message).toContain('duplicated mapping key');
  });

  it('reports condition errors with the column', () => {
    const errs = errorsOf(`title: t
logsource: {product: windows}
detection:
    sel: {A: 1}
    condition: sel and (sel or
`);
    expect(errs[0].code).toBe('SIGMA_CONDITION');
    expect(errs[0].location?.path).toBe('detection.condition');
    expect(errs[0].message).toContain("condition 'sel and (sel or' at column 16: expected an identifier");
  });

  it('refuses undefined identifiers and upper-case operators', () => {
    const undef = errorsOf(`title: t
logsource: {product: windows}
detection:
    sel: {A: 1}
    condition: sel and filter
`);
    expect(undef[0].message).toContain("undefined identifier(s) 'filter' (defined: sel)");
    const upper = errorsOf(`title: t
logsource: {product: windows}
detection:
    sel: {A: 1}
    condition: sel AND sel
`);
    expect(upper[0].message).toContain("operators are lower case: 'and'");
  });

  it('refuses the deprecated pipe aggregation syntax', () => {
    const errs = errorsOf(`title: t
logsource: {product: windows}
detection:
    sel: {A: 1}
    condition: sel | count() by Host > 5
`);
    expect(errs[0].message).toContain('use a Sigma correlation rule instead');
  });

  it('refuses null mixed with other values', () => {
    const errs = errorsOf(`title: t
logsource: {product: windows}
detection:
    sel:
        A: [x, null]
    condition: sel
`);
    expect(errs[0].location?.path).toBe('detection.sel.A');
  });
});

describe('error positions', () => {
  it('finds dotted field names, quoted keys and list items', () => {
    const r = parseSigmaText(
      `title: t
logsource: {product: azure}
detection:
    selection:
        properties.appId: x
    other:
        - A: 1
        - 'B|nosuch': 2
    condition: selection or other
`,
      'rules/pos.yml',
    );
    expect(r.errors[0].location).toEqual({ source: 'rules/pos.yml', path: 'detection.other[1].B|nosuch', line: 8, column: 11 });
  });
});

describe('multi-document collections', () => {
  it('merges action: global into later rules, reset clears it, repeat re-emits', () => {
    const r = parseSigmaText(
      `action: global
title: Shared
logsource: {product: windows}
detection:
    condition: sel
---
logsource: {service: security}
detection:
    sel: {EventID: 4624}
---
action: repeat
detection:
    sel: {EventID: 4625}
---
action: reset
---
title: Alone
logsource: {product: linux}
detection:
    s: {A: 1}
    condition: s
`,
      'rules/collection.yml',
    );
    expect(r.errors.map((e) => e.message)).toEqual([]);
    expect(r.documents.map((d) => d.title)).toEqual(['Shared', 'Shared', 'Alone']);
    const [first, second] = r.documents;
    if (first.type !== 'rule' || second.type !== 'rule') throw new Error('not rules');
    expect(first.logsource).toEqual({ product: 'windows', service: 'security' });
    expect(second.detection.searches.sel.parts[0]).toMatchObject({ field: 'EventID', values: [{ kind: 'number', value: 4625 }] });
    expect(r.documents.map((d) => d.documentIndex)).toEqual([1, 2, 4]);
  });
});

describe('correlations', () => {
  const base = `title: Many failed logons
id: 44444444-2222-4333-8444-555555555555
name: many_failed
status: test
level: high
author: Jane
correlation:
`;

  it('parses event_count with group-by, timespan and condition', () => {
    const doc = only(`${base}    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gte: 10
`);
    if (doc.type !== 'correlation') throw new Error('not a correlation');
    expect(doc.correlation).toEqual({
      type: 'event_count',
      rules: ['failed_logon'],
      groupBy: ['TargetUserName'],
      timespan: '5m',
      timespanSeconds: 300,
      condition: { kind: 'threshold', operator: 'gte', value: 10 },
      aliases: {},
      generate: false,
    });
    expect(doc.author).toBe('Jane');
  });

  it('parses value_count with field, aliases and generate', () => {
    const doc = only(`${base}    type: value_count
    rules: [a_rule, b_rule]
    group-by: ip
    timespan: 1h
    condition:
        field: User
        gt: 3
    aliases:
        ip:
            a_rule: SourceIp
            b_rule: ClientIp
    generate: true
`);
    if (doc.type !== 'correlation') throw new Error('not a correlation');
    expect(doc.correlation.condition).toEqual({ kind: 'threshold', operator: 'gt', value: 3, field: 'User' });
    expect(doc.correlation.groupBy).toEqual(['ip']);
    expect(doc.correlation.aliases).toEqual({ ip: { a_rule: 'SourceIp', b_rule: 'ClientIp' } });
    expect(doc.correlation.generate).toBe(true);
    expect(doc.correlation.timespanSeconds).toBe(3600);
  });

  it('temporal types default to all rules having matched, or take a rule expression', () => {
    const t = only(`${base}    type: temporal_ordered
    rules: [recon, exploit]
    group-by: [Host]
    timespan: 10m
`);
    if (t.type !== 'correlation') throw new Error('not a correlation');
    expect(t.correlation.condition).toEqual({ kind: 'threshold', operator: 'gte', value: 2 });
    const e = only(`${base}    type: temporal
    rules: [recon, exploit]
    timespan: 10m
    condition: recon and not exploit
`);
    if (e.type !== 'correlation') throw new Error('not a correlation');
    expect(e.correlation.condition).toMatchObject({ kind: 'expression', text: 'recon and not exploit' });
  });

  it('validates type, timespan, condition and field with paths', () => {
    const bad = (body: string) => errorsOf(base + body).map((e) => `${e.location?.path}: ${e.message.split(': ').pop()}`);
    expect(bad('    type: event_sum\n    rules: [a]\n    timespan: 5m\n    condition: {gt: 1}\n')[0]).toContain('correlation.type');
    expect(bad('    type: event_count\n    rules: [a]\n    timespan: 1h30m\n    condition: {gt: 1}\n')[0]).toContain('correlation.timespan');
    expect(bad('    type: event_count\n    rules: [a]\n    timespan: 5m\n    condition: {gt: 1, lte: 5}\n')[0]).toContain('exactly one operator');
    expect(bad('    type: value_count\n    rules: [a]\n    timespan: 5m\n    condition: {gt: 1}\n')[0]).toContain('correlation.condition.field');
    expect(bad('    type: event_count\n    rules: []\n    timespan: 5m\n    condition: {gt: 1}\n')[0]).toContain('correlation.rules');
    expect(bad('    type: event_count\n    rules: [a]\n    timespan: 5m\n')[0]).toContain('correlation.condition');
    expect(bad('    type: event_count\n    rules: [a]\n    timespan: 5m\n    condition: {gt: 1}\n    aliases: {x: {b: F}}\n')[0]).toContain("'b' is not in correlation.rules");
  });
});

describe('filters', () => {
  it('parses a filter document', () => {
    const doc = only(`title: Ignore admin host
id: 55555555-2222-4333-8444-555555555555
logsource:
    product: windows
filter:
    rules:
        - 11111111-2222-4333-8444-555555555555
        - susp_whoami
    selection:
        Computer: ADMIN01
    condition: not selection
`);
    if (doc.type !== 'filter') throw new Error('not a filter');
    expect(doc.filter.rules).toEqual(['11111111-2222-4333-8444-555555555555', 'susp_whoami']);
    expect(doc.filter.conditionText).toBe('not selection');
    expect(Object.keys(doc.filter.searches)).toEqual(['selection']);
  });

  it('rules: any, a missing or an empty list all mean every covered rule', () => {
    for (const rules of ['rules: any\n    ', 'rules: []\n    ', '']) {
      const doc = only(`title: f
logsource: {product: windows}
filter:
    ${rules}sel: {A: 1}
    condition: not sel
`);
      if (doc.type !== 'filter') throw new Error('not a filter');
      expect(doc.filter.rules).toBe('any');
    }
  });

  it('requires a logsource and exactly one condition', () => {
    const errs = errorsOf(`title: f
filter:
    sel: {A: 1}
    condition: [not sel, sel]
`);
    expect(errs.map((e) => e.location?.path).sort()).toEqual(['filter.condition', 'logsource']);
  });
});
