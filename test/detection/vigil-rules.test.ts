// Runs the cases every Vigil rule carries (rules/sigma/vigil/x.tests.yml) against x.yml: single
// events for its base rules, event sequences for its correlations.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { type EcsEvent, isPlainObject } from '../../core/ecs.ts';
import { createMemoryBackend } from '../../core/queue/memory.ts';
import { createCorrelator } from '../../detection/correlation/index.ts';
import { createDetector } from '../../detection/hunt/detector.ts';
import { loadHuntRules } from '../../detection/hunt/rules.ts';
import { bundledRuleDir, createFieldResolver } from '../../detection/pipelines/index.ts';
import { bundledPipelines } from './helpers.ts';

const dir = join(bundledRuleDir, 'vigil');
const pipelines = bundledPipelines();
const rules = loadHuntRules([dir], pipelines);
const detector = createDetector(rules.compiled, pipelines, new Set());
const T0 = Date.parse('2026-01-01T00:00:00Z');
const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

interface Sequence {
  title: string;
  count?: number;
  events: Array<EcsEvent | { repeat: number; every: string; event: EcsEvent }>;
}
interface Cases {
  matches?: EcsEvent[];
  not_matches?: EcsEvent[];
  fires?: Sequence[];
  does_not_fire?: Sequence[];
}

function fill(v: unknown, i: number): unknown {
  if (typeof v === 'string') return v.replaceAll('{i}', String(i));
  if (Array.isArray(v)) return v.map((x) => fill(x, i));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, i)]));
  return v;
}

/** Expands `repeat` blocks into timestamped events. */
function expand(seq: Sequence): Array<{ event: EcsEvent; timestamp: number }> {
  const out: Array<{ event: EcsEvent; timestamp: number }> = [];
  let t = T0;
  for (const item of seq.events) {
    if ('repeat' in item && typeof item.repeat === 'number') {
      const m = /^(\d+)([smh])$/.exec(String(item.every));
      if (!m) throw new Error(`${seq.title}: every '${item.every}' is not <n>s|m|h`);
      const step = Number(m[1]) * UNIT[m[2]];
      for (let i = 0; i < item.repeat; i++) out.push({ event: fill(item.event, i) as EcsEvent, timestamp: t + i * step });
      t += item.repeat * step;
    } else {
      out.push({ event: item as EcsEvent, timestamp: t });
      t += 1000;
    }
  }
  return out;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.tests.yml'));

describe('Vigil rules carry their cases', () => {
  it('every Vigil rule file compiles and has a cases file', () => {
    expect(rules.problems).toEqual([]);
    const ruleFiles = readdirSync(dir).filter((f) => f.endsWith('.yml') && !f.endsWith('.tests.yml'));
    expect(ruleFiles.map((f) => f.replace('.yml', '.tests.yml')).sort()).toEqual([...files].sort());
  });

  for (const file of files) {
    const ruleFile = join(dir, file.replace('.tests.yml', '.yml'));
    const cases = yaml.load(readFileSync(join(dir, file), 'utf8')) as Cases;
    const own = new Set(rules.compiled.flatMap((c, i) => (c.rule.source === ruleFile ? [i] : [])));
    const correlations = rules.correlations.filter((c) => c.source === ruleFile);

    describe(file.replace('.tests.yml', ''), () => {
      for (const [n, event] of (cases.matches ?? []).entries()) {
        it(`matches event ${n + 1}`, () => {
          expect(detector.matchEvent(event).some((r) => own.has(r))).toBe(true);
        });
      }
      for (const [n, event] of (cases.not_matches ?? []).entries()) {
        it(`does not match event ${n + 1}`, () => {
          expect(detector.matchEvent(event).some((r) => own.has(r))).toBe(false);
        });
      }
      const hitsOf = async (seq: Sequence): Promise<number> => {
        const correlator = createCorrelator({ correlations, state: createMemoryBackend().state, resolveField: createFieldResolver(pipelines) });
        let hits = 0;
        for (const { event, timestamp } of expand(seq)) {
          for (const r of detector.matchEvent(event)) hits += (await correlator.observe({ rule: rules.compiled[r].rule, event, timestamp })).length;
        }
        return hits;
      };
      for (const seq of cases.fires ?? []) {
        it(`fires: ${seq.title}`, async () => {
          expect(correlations.length).toBeGreaterThan(0);
          expect(await hitsOf(seq)).toBe(seq.count ?? 1);
        });
      }
      for (const seq of cases.does_not_fire ?? []) {
        it(`does not fire: ${seq.title}`, async () => {
          expect(await hitsOf(seq)).toBe(0);
        });
      }
    });
  }
});
