import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import type { QueryNode } from '../../core/query/ast.ts';
import { bundledPipelineDir, loadPipelines, type Pipeline } from '../pipelines/index.ts';
import { parseSigmaText, type SigmaDocument } from '../sigma/index.ts';
import { compileSigmaQuery, logsourceQuery } from './query.ts';

const pipelines: Pipeline[] = loadPipelines([bundledPipelineDir]).pipelines;

function doc(text: string): SigmaDocument {
  const { documents, errors } = parseSigmaText(text, 'inline.yml');
  if (errors.length > 0) throw errors[0];
  return documents[0];
}

function rule(detection: string, logsource = '{ product: linux, service: sshd }'): SigmaDocument {
  return doc(`title: T\nid: 20000000-0000-4000-8000-000000000001\nlogsource: ${logsource}\ndetection:\n${detection}`);
}

const bare = (d: SigmaDocument): QueryNode => compileSigmaQuery(d, { pipelines, logsource: false });

function refusal(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Sigma → QueryNode', () => {
  it('maps modifiers to query nodes on the mapped ECS paths', () => {
    const q = bare(
      rule(
        `  sel:\n    pam_user|startswith: 'adm'\n    pam_rhost|cidr: 10.0.0.0/8\n    uid|gt: 999\n    USER|re: '^r(oo)?t$'\n  condition: sel`,
        '{ product: linux }',
      ),
    );
    const text = JSON.stringify(q);
    expect(text).toContain('{"kind":"wildcard","field":"user.name","pattern":"adm*"}');
    expect(text).toContain('{"kind":"cidr","field":"source.ip","cidr":"10.0.0.0/8"}');
    expect(text).toContain('{"kind":"range","field":"user.id","gt":999}');
    expect(text).toContain('{"kind":"regex","field":"user.name","pattern":"^r(oo)?t$"}');
  });

  it('uses an anchored case-insensitive regex on text fields and for |cased a case-sensitive term', () => {
    expect(bare(rule(`  sel:\n    message: 'Failed password*'\n  condition: sel`, '{ category: webserver }'))).toEqual({
      kind: 'regex',
      field: 'message',
      pattern: '^Failed password[\\s\\S]*$',
      flags: 'i',
    });
    expect(bare(rule(`  sel:\n    process.name|cased: 'SSHD'\n  condition: sel`, '{ category: webserver }'))).toEqual({
      kind: 'term',
      field: 'process.name',
      value: 'SSHD',
      caseSensitive: true,
    });
  });

  it('turns keywords into phrase searches and expands windash into alternatives', () => {
    expect(bare(rule(`  kw: ['Failed password', 'Invalid user']\n  condition: kw`))).toEqual({
      kind: 'or',
      args: [
        { kind: 'phrase', text: 'Failed password' },
        { kind: 'phrase', text: 'Invalid user' },
      ],
    });
    const q = bare(rule(`  sel:\n    CommandLine|windash|contains: ' -enc '\n  condition: sel`, '{ product: windows, category: process_creation }'));
    const text = JSON.stringify(q);
    expect(text).toContain('{"kind":"wildcard","field":"process.command_line","pattern":"* -enc *"}');
    expect(text).toContain('{"kind":"wildcard","field":"process.command_line","pattern":"* /enc *"}');
    // LIKE folds ASCII case only, so values with other letters become case-insensitive regexes.
    for (const dash of ['\u2013', '\u2014', '\u2015']) {
      expect(text).toContain(JSON.stringify({ kind: 'regex', field: 'process.command_line', pattern: `^[\\s\\S]* ${dash}enc [\\s\\S]*$`, flags: 'i' }));
    }
  });

  it('adds the logsource filter built from the routing tables', () => {
    const ls = logsourceQuery({ product: 'linux', service: 'sshd' }, pipelines);
    expect(JSON.stringify(ls)).toContain('{"kind":"term","field":"event.dataset","value":"system.auth"}');
    expect(logsourceQuery({}, pipelines)).toBeUndefined();
  });

  it('refuses what a store query cannot express, naming the rule and the construct', () => {
    const corr = doc(`title: C\nid: 20000000-0000-4000-8000-0000000000c1\ncorrelation:\n  type: event_count\n  rules: [x]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: { gte: 3 }`);
    const e1 = refusal(() => bare(corr));
    expect(e1.code).toBe('SIGMA_UNSUPPORTED');
    expect(e1.message).toContain('20000000-0000-4000-8000-0000000000c1');
    expect(e1.message).toContain('correlation');

    const e2 = refusal(() => bare(rule(`  kw: ['Failed*password']\n  condition: kw`)));
    expect(e2.code).toBe('SIGMA_UNSUPPORTED');
    expect(e2.message).toContain('detection.kw');
    expect(e2.message).toContain('wildcards inside');

    const e3 = refusal(() => bare(rule(`  sel:\n    '@timestamp|hour': 3\n  condition: sel`)));
    expect(e3.code).toBe('SIGMA_UNSUPPORTED');
    expect(e3.message).toContain("'hour'");

    const e4 = refusal(() => bare(rule(`  sel:\n    user.name|fieldref|contains: host.name\n  condition: sel`)));
    expect(e4.code).toBe('SIGMA_UNSUPPORTED');

    const many = Array.from({ length: 30 }, (_, i) => `'v${i}'`).join(', ');
    const e6 = refusal(() => compileSigmaQuery(rule(`  sel:\n    Image|contains: [${many}]\n  condition: sel`, '{ product: windows, category: process_creation }'), { pipelines, maxConditions: 50 }));
    expect(e6.code).toBe('SIGMA_UNSUPPORTED');
    expect(e6.message).toMatch(/would have \d+ conditions \(most 50/);

    const e5 = refusal(() => bare(rule(`  sel:\n    message|re: '(a+)+$'\n  condition: sel`)));
    expect(e5.code).toBe('SIGMA_UNSAFE_REGEX');
  });
});
