import { describe, expect, it } from 'vitest';
import { compileRule } from '../matcher/compile.ts';
import { applyFilters, logsourceContains } from './filters.ts';
import type { SigmaFilter, SigmaRule } from './model.ts';
import { parseSigmaText } from './parse.ts';

function docs(text: string) {
  const r = parseSigmaText(text, 'inline.yml');
  expect(r.errors.map((e) => e.message)).toEqual([]);
  const rules = r.documents.filter((d): d is SigmaRule & { type: 'rule' } => d.type === 'rule');
  const filters = r.documents.filter((d): d is SigmaFilter & { type: 'filter' } => d.type === 'filter');
  return { rules, filters };
}

const RULES = `title: Whoami
id: 11111111-2222-4333-8444-555555555555
name: whoami
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\whoami.exe'
    filter_x:
        User: system
    condition: selection and not 1 of filter_*
---
title: Net user
id: 66666666-2222-4333-8444-555555555555
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\\net.exe'
    condition: selection
---
title: Linux whoami
name: lnx_whoami
logsource: {category: process_creation, product: linux}
detection:
    selection:
        Image|endswith: '/whoami'
    condition: selection
`;

describe('logsourceContains', () => {
  it('is containment: every field the outer sets must be equal', () => {
    expect(logsourceContains({ product: 'windows' }, { product: 'windows', category: 'process_creation' })).toBe(true);
    expect(logsourceContains({ product: 'windows', category: 'dns' }, { product: 'windows', category: 'process_creation' })).toBe(false);
    expect(logsourceContains({ product: 'windows', service: 'security' }, { product: 'windows' })).toBe(false);
  });
});

describe('applyFilters', () => {
  it('ANDs the filter condition into the rules it names (by id or name) whose logsource it covers', () => {
    const { rules, filters } = docs(`${RULES}---
title: Ignore admin workstation
logsource: {product: windows}
filter:
    rules:
        - whoami
        - lnx_whoami
    selection:
        Computer: ADMIN01
    condition: not selection
`);
    const out = applyFilters(rules, filters);
    expect(out[0].detection.conditionText).toEqual(['(selection and not 1 of filter_*) and (not selection)']);
    expect(out[1]).toBe(rules[1]);
    expect(out[2]).toBe(rules[2]);
    expect(rules[0].detection.conditionText).toEqual(['selection and not 1 of filter_*']);

    const m = compileRule(out[0]);
    expect(m.match({ Image: 'C:\\Windows\\whoami.exe', Computer: 'WS7' })).toBe(true);
    expect(m.match({ Image: 'C:\\Windows\\whoami.exe', Computer: 'admin01' })).toBe(false);
    // The rule's own `1 of filter_*` still sees only its own identifiers.
    expect(m.match({ Image: 'C:\\Windows\\whoami.exe', Computer: 'WS7', User: 'SYSTEM' })).toBe(false);
  });

  it('rules: any applies to every covered rule; several filters stack', () => {
    const { rules, filters } = docs(`${RULES}---
title: Ignore backup host
logsource: {product: windows}
filter:
    rules: any
    selection:
        Computer: BACKUP
    condition: not selection
---
title: Ignore service account
logsource: {product: windows, category: process_creation}
filter:
    rules: [66666666-2222-4333-8444-555555555555]
    svc:
        User|startswith: svc_
    other:
        User: root
    condition: not 1 of them
`);
    const out = applyFilters(rules, filters);
    const net = compileRule(out[1]);
    expect(net.match({ Image: 'x\\net.exe', Computer: 'WS1', User: 'bob' })).toBe(true);
    expect(net.match({ Image: 'x\\net.exe', Computer: 'backup', User: 'bob' })).toBe(false);
    expect(net.match({ Image: 'x\\net.exe', Computer: 'WS1', User: 'svc_sql' })).toBe(false);
    expect(net.match({ Image: 'x\\net.exe', Computer: 'WS1', User: 'root' })).toBe(false);
    expect(compileRule(out[0]).match({ Image: 'x\\whoami.exe', Computer: 'backup' })).toBe(false);
    expect(out[2]).toBe(rules[2]);
  });

  it('a filter naming no loaded rule changes nothing', () => {
    const { rules, filters } = docs(`${RULES}---
title: f
logsource: {product: windows}
filter:
    rules: [no_such_rule]
    s: {A: 1}
    condition: not s
`);
    expect(applyFilters(rules, filters)).toEqual(rules);
  });
});
