import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { bundledPipelineDir, loadPipelines } from '../pipelines/index.ts';
import { parseSigmaText, type SigmaRule } from '../sigma/index.ts';
import { parseDuration, parseScheduledConfig, ruleSchedule } from './schedule.ts';
import { planSearches } from './scheduler.ts';

function ruleWith(extra: string): SigmaRule {
  const { documents, errors } = parseSigmaText(
    `title: S\nid: 40000000-0000-4000-8000-000000000001\nlogsource: { product: linux }\ndetection: { sel: { a: 1 }, condition: sel }\n${extra}`,
    'rules/s.yml',
  );
  if (errors.length > 0) throw errors[0];
  return documents[0] as SigmaRule;
}

function thrown(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('schedules', () => {
  it('parses durations', () => {
    const at = { source: 'config' };
    expect(parseDuration('5m', at)).toBe(300_000);
    expect(parseDuration('1.5h', at)).toBe(5_400_000);
    expect(parseDuration('250ms', at)).toBe(250);
    expect(parseDuration(30, at)).toBe(30_000);
    expect(thrown(() => parseDuration('0m', at)).code).toBe('CONFIG_INVALID');
    expect(thrown(() => parseDuration('5 minutes', { source: 'config', path: 'x.every' })).message).toContain('x.every');
  });

  it('reads custom.vigil and a top-level vigil key; lookback defaults to the interval', () => {
    expect(ruleSchedule(ruleWith('custom:\n  vigil: { schedule: 5m, lookback: 10m }'))).toEqual({ everyMs: 300_000, lookbackMs: 600_000 });
    expect(ruleSchedule(ruleWith('vigil: { schedule: 1h }'))).toEqual({ everyMs: 3_600_000, lookbackMs: 3_600_000 });
    expect(ruleSchedule(ruleWith('custom:\n  other: 1'))).toBeUndefined();
    const e = thrown(() => ruleSchedule(ruleWith('custom:\n  vigil: { schedule: often }')));
    expect(e.code).toBe('SIGMA_INVALID');
    expect(e.message).toContain('40000000-0000-4000-8000-000000000001');
    expect(e.location).toEqual({ source: 'rules/s.yml', path: 'custom.vigil.schedule' });
  });

  it('reads the config list as objects or as "<rule> <every> [<lookback>]" strings', () => {
    expect(parseScheduledConfig([{ rule: 'a', every: '5m', lookback: '10m' }, 'b 1m', 'c 1m 3m'])).toEqual([
      { rule: 'a', every: '5m', lookback: '10m' },
      { rule: 'b', every: '1m' },
      { rule: 'c', every: '1m', lookback: '3m' },
    ]);
    expect(parseScheduledConfig('a 5m 10m, b 1m')).toEqual([
      { rule: 'a', every: '5m', lookback: '10m' },
      { rule: 'b', every: '1m' },
    ]);
    expect(parseScheduledConfig(undefined)).toEqual([]);
    expect(thrown(() => parseScheduledConfig([{ rule: 'a', every: '5m', window: '1m' }])).message).toBe(
      "config: detection.scheduled[0]: unknown key 'window' (allowed: rule, every, lookback)",
    );
    expect(thrown(() => parseScheduledConfig(['a'])).message).toContain('detection.scheduled[0]');
    expect(thrown(() => parseScheduledConfig([{ rule: 'a', every: 'soon' }])).location?.path).toBe('detection.scheduled[0].every');
  });
});

describe('scheduled search planning', () => {
  it('lists a rule too large for a store query as a problem instead of failing every tick', () => {
    const values = Array.from({ length: 2500 }, (_, i) => `'needle-${i}'`).join(', ');
    const small = ruleWith(`custom:\n  vigil: { schedule: 5m }\n`);
    const { documents } = parseSigmaText(
      `title: Big\nid: 40000000-0000-4000-8000-0000000000b1\nlogsource: { product: windows, category: process_creation }\ncustom:\n  vigil: { schedule: 5m }\ndetection:\n  sel:\n    CommandLine|contains: [${values}]\n  condition: sel\n`,
      'rules/big.yml',
    );
    const pipelines = loadPipelines([bundledPipelineDir]).pipelines;
    const compiled = [small, documents[0] as SigmaRule].map((r) => ({ rule: r, match: () => false, fields: [] }));
    const { searches, problems } = planSearches({ compiled, correlations: [], pipelines, problems: [] }, []);
    expect(searches.map((s) => s.ruleId)).toEqual(['40000000-0000-4000-8000-000000000001']);
    expect(problems).toHaveLength(1);
    expect(problems[0].rule).toBe('40000000-0000-4000-8000-0000000000b1');
    expect(problems[0].error).toMatch(/would have \d+ conditions \(most 10000/);
  });
});
