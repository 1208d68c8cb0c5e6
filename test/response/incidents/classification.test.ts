import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../../core/errors.ts';
import { classifyAlert, loadClassification } from '../../../response/incidents/classification.ts';
import { assetCriticalityOf, defaultGrade } from '../../../response/incidents/grading.ts';

const table = loadClassification();
const dir = mkdtempSync(join(tmpdir(), 'vigil-cls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function classify(tags: string[], tactics: string[] = [], techniques: string[] = []) {
  return classifyAlert(table, { ruleTags: tags, tactics, techniques });
}

describe('GB/T 20986-2023 table', () => {
  it('has the ten categories with their subcategory counts and the four grades', () => {
    expect(table.categories.map((c) => `${c.zh}:${c.subcategories.length}`)).toEqual([
      '恶意程序事件:10',
      '网络攻击事件:21',
      '数据安全事件:12',
      '信息内容安全事件:8',
      '设备设施故障事件:5',
      '违规操作事件:8',
      '安全隐患事件:3',
      '异常行为事件:3',
      '不可抗力事件:5',
      '其他事件:0',
    ]);
    expect(table.grades.map((g) => g.zh)).toEqual(['特别重大', '重大', '较大', '一般']);
  });

  it('maps tags, tactics and techniques onto (category, subcategory)', () => {
    expect(classify(['attack.credential_access', 'attack.t1110'])).toEqual({ category: 'network_attack', subcategory: 'credential_attack' });
    expect(classify(['attack.discovery', 'attack.t1046'])).toEqual({ category: 'network_attack', subcategory: 'scanning_probing' });
    expect(classify(['attack.impact', 'attack.t1486'])).toEqual({ category: 'malicious_program', subcategory: 'ransomware' });
    expect(classify(['attack.exfiltration'])).toEqual({ category: 'data_security', subcategory: 'data_theft' });
    expect(classify(['attack.initial-access', 'attack.t1566.001'])).toEqual({ category: 'network_attack', subcategory: 'phishing' });
    expect(classify(['attack.t1190'])).toEqual({ category: 'network_attack', subcategory: 'vulnerability_exploitation' });
    expect(classify([], ['execution'], ['T1059.001'])).toEqual({ category: 'malicious_program', subcategory: 'trojan' });
    expect(classify(['cve.2021-44228'])).toEqual({ category: 'network_attack', subcategory: 'vulnerability_exploitation' });
    expect(classify(['detection.threat-hunting'])).toEqual({ category: 'abnormal_behaviour', subcategory: 'other' });
  });

  it('reports every problem of a bad table with file and path', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      [
        'grades: [{ key: I, zh: 特别重大, en: x }]',
        'categories:',
        '  - { key: a, zh: 甲, en: A, subcategories: [{ key: s, zh: 乙, en: S }] }',
        'mapping:',
        '  - { techniques: [T1110], category: b, subcategory: s }',
        '  - { tactics: [x], category: a, subcategory: nope }',
        '  - { techniques: [X1110], category: a, subcategory: s, colour: red }',
        'default: { category: a, subcategory: s }',
      ].join('\n'),
    );
    let err: unknown;
    try {
      loadClassification(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    const msg = (err as VigilError).message.split('\n');
    expect((err as VigilError).code).toBe('CONFIG_INVALID');
    expect((err as VigilError).location).toEqual({ source: file, path: 'mapping[0].category' });
    expect(msg).toEqual([
      `${file} mapping[0].category: unknown category 'b' (known: a)`,
      `${file} mapping[1].subcategory: 'nope' is not a subcategory of a (known: s)`,
      `${file} mapping[2].colour: unknown key 'colour' (allowed: techniques, tactics, tags, category, subcategory)`,
      `${file} mapping[2].techniques[0]: 'X1110' is not an ATT&CK technique id (T1234 or T1234.001)`,
    ]);
  });

  it('YAML syntax errors carry line and column', () => {
    const file = join(dir, 'syntax.yml');
    writeFileSync(file, 'grades: [\n  - oops: : :\n');
    expect(() => loadClassification(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: invalid YAML`));
  });
});

describe('default grade', () => {
  it('follows the matrix; missing criticality counts as medium; I is never automatic', () => {
    expect(defaultGrade('critical', 'high')).toBe('II');
    expect(defaultGrade('critical', undefined)).toBe('III');
    expect(defaultGrade('high', 'critical')).toBe('III');
    expect(defaultGrade('high', undefined)).toBe('IV');
    expect(defaultGrade('medium', 'critical')).toBe('III');
    expect(defaultGrade('low', 'critical')).toBe('IV');
    for (const s of ['informational', 'low', 'medium', 'high', 'critical'] as const) {
      for (const c of ['low', 'medium', 'high', 'critical'] as const) expect(defaultGrade(s, c)).not.toBe('I');
    }
  });

  it('reads the highest asset criticality from the event copies (nested or dotted)', () => {
    expect(assetCriticalityOf([{ events: [{ vigil: { asset: { criticality: 'High' } } }, { 'vigil.asset.criticality': 'critical' }] }])).toBe('critical');
    expect(assetCriticalityOf([{ events: [{ host: { name: 'x' } }, { vigil: { asset: { criticality: 'bogus' } } }] }])).toBeUndefined();
  });
});
