// The template language and conditions: values keep their type, filters, and nothing reaches
// beyond the data given (no prototype walking, no code).
import { describe, expect, it } from 'vitest';
import { evaluateCondition, parseCondition } from '../../../response/playbooks/condition.ts';
import { compileTemplate, contextResolver, renderValue, TemplateError } from '../../../response/playbooks/template.ts';

const ctx = {
  incident: { title: 'SSH brute force', hosts: ['web-1', 'web-2'], severity: 'high', fields: { observables: { ip: [{ value: '203.0.113.7', count: 3 }, { value: '10.0.0.5', count: 1 }] } } },
  steps: { lookup: { output: { score: 87, lists: ['a', 'b'], nested: { 'odd key': 'x' } } } },
};
const r = contextResolver(ctx);
const render = (s: unknown) => renderValue(s, r);

describe('templates', () => {
  it('a lone reference keeps its type; mixed text becomes text', () => {
    expect(render('{{ steps.lookup.output.score }}')).toBe(87);
    expect(render('{{ incident.hosts }}')).toEqual(['web-1', 'web-2']);
    expect(render('score {{ steps.lookup.output.score }} on {{ incident.hosts }}')).toBe('score 87 on ["web-1","web-2"]');
    expect(render('{{ incident.fields.observables.ip[0].value }}')).toBe('203.0.113.7');
    expect(render("{{ steps.lookup.output.nested['odd key'] }}")).toBe('x');
    expect(render({ a: ['{{ incident.severity | upper }}', 3], b: 'plain' })).toEqual({ a: ['HIGH', 3], b: 'plain' });
  });

  it('filters', () => {
    expect(render("{{ incident.hosts | join(' + ') }}")).toBe('web-1 + web-2');
    expect(render("{{ incident.missing | default('n/a') }}")).toBe('n/a');
    expect(render('{{ incident.hosts | first }}')).toBe('web-1');
    expect(render('{{ incident.hosts | count }}')).toBe(2);
    expect(render('{{ incident.fields.observables.ip | values | public }}')).toEqual(['203.0.113.7']);
    expect(render('{{ incident.title | urlencode }}')).toBe('SSH%20brute%20force');
    expect(render('{{ steps.lookup.output | json }}')).toBe('{"score":87,"lists":["a","b"],"nested":{"odd key":"x"}}');
  });

  it('missing values render as nothing inside text, undefined alone', () => {
    expect(render('ip={{ incident.fields.observables.ip[7].value }}')).toBe('ip=');
    expect(render('{{ steps.nope.output }}')).toBeUndefined();
  });

  it('reads only own data: prototypes and functions are out of reach', () => {
    expect(render('{{ incident.constructor }}')).toBeUndefined();
    expect(render('{{ incident.__proto__ }}')).toBeUndefined();
    expect(render('{{ incident.hosts.length }}')).toBeUndefined();
    expect(render("{{ incident['constructor']['constructor'] }}")).toBeUndefined();
  });

  it('syntax errors say what and where', () => {
    expect(() => compileTemplate('{{ incident.title ')).toThrow(TemplateError);
    expect(() => compileTemplate('{{ incident.title ')).toThrow("'{{ incident.title ': '{{' at character 1 is never closed with '}}'");
    expect(() => compileTemplate('{{ incident.title() }}')).toThrow("'incident.title()': unexpected '(' at character 15");
    expect(() => compileTemplate('{{ a | default }}')).toThrow("filter 'default' takes 1 argument(s)");
    expect(() => compileTemplate('{{ 1 + 2 }}')).toThrow('a reference starts with a name');
  });
});

describe('conditions', () => {
  const cond = (raw: unknown) => {
    const problems: Array<[string, string]> = [];
    const c = parseCondition(raw, 'when', problems);
    expect(problems).toEqual([]);
    return evaluateCondition(c!, r);
  };

  it('operators', () => {
    expect(cond({ field: 'incident.severity', in: ['high', 'critical'] })).toBe(true);
    expect(cond({ field: 'incident.severity', severity_at_least: 'critical' })).toBe(false);
    expect(cond({ field: 'incident.severity', severity_at_least: 'medium' })).toBe(true);
    expect(cond({ field: 'incident.title', contains: 'BRUTE' })).toBe(true);
    expect(cond({ field: 'incident.hosts', contains: 'web-2' })).toBe(true);
    expect(cond({ field: 'incident.fields.observables.ip', contains: '10.0.0.5' })).toBe(true);
    expect(cond({ field: 'steps.lookup.output.score', gte: 80 })).toBe(true);
    expect(cond({ field: 'steps.lookup.output.score', lt: 80 })).toBe(false);
    expect(cond({ field: 'incident.assignee', exists: false })).toBe(true);
    expect(cond({ field: 'incident.severity', not_equals: 'high' })).toBe(false);
  });

  it('all / any / not and lists', () => {
    expect(cond([{ field: 'incident.severity', equals: 'high' }, { field: 'incident.hosts', exists: true }])).toBe(true);
    expect(cond({ any: [{ field: 'incident.severity', equals: 'low' }, { not: { field: 'incident.title', contains: 'rdp' } }] })).toBe(true);
    expect(cond({ all: [{ field: 'incident.severity', equals: 'low' }, { field: 'incident.hosts', exists: true }] })).toBe(false);
  });

  it('mistakes are reported with their path', () => {
    const problems: Array<[string, string]> = [];
    parseCondition({ all: [{ field: 'a', gte: 'x' }, { filed: 'b', equals: 1 }, { field: 'c', equals: 1, in: [1] }] }, 'trigger.when', problems);
    expect(problems).toEqual([
      ['trigger.when.all[0].gte', 'expected a number'],
      ['trigger.when.all[1].field', 'required: the value to test, e.g. incident.severity'],
      ['trigger.when.all[2]', "needs exactly one operator besides 'field' (known: equals, not_equals, in, contains, exists, gt, gte, lt, lte, severity_at_least); got equals, in"],
    ]);
  });
});
