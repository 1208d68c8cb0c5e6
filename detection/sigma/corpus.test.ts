// Every SigmaHQ rule file Vigil bundles must parse and compile. Placeholder rules are compiled
// with a value configured for each placeholder they use, as a deployment would.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileRule } from '../matcher/compile.ts';
import { ONE, parseSigmaString, STAR } from '../matcher/sigma-string.ts';
import { loadSigmaPaths } from './load.ts';
import type { Detection, DetectionItem, SigmaRule, SigmaValue } from './model.ts';

const ROOT = fileURLToPath(new URL('../../rules/sigma', import.meta.url));
const FOLDERS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting', 'rules-placeholder', 'rules-compliance'].map((f) => `${ROOT}/${f}`);

function placeholdersOf(rule: SigmaRule): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (d: Detection | DetectionItem): void => {
    if (d.kind !== 'item') {
      d.parts.forEach(walk);
      return;
    }
    if (!d.modifiers.includes('expand')) return;
    for (const v of d.values) if (v.kind === 'string') for (const m of v.raw.matchAll(/%([^%]+)%/g)) out[m[1]] = ['configured-value'];
  };
  Object.values(rule.detection.searches).forEach(walk);
  return out;
}

/** Text that a plain/contains/startswith/endswith Sigma value matches: wildcards filled in. */
function sample(v: SigmaValue): string | undefined {
  if (v.kind === 'number') return String(v.value);
  if (v.kind !== 'string') return undefined;
  return parseSigmaString(v.raw)
    .map((p) => (p === STAR ? '' : p === ONE ? 'x' : p))
    .join('');
}

/** An event the selection must match, or undefined when its modifiers are out of scope. */
function eventFor(d: Detection): Record<string, unknown> | undefined {
  if (d.kind !== 'all') return undefined;
  const event: Record<string, unknown> = {};
  for (const item of d.parts) {
    if (item.kind !== 'item' || item.field === null || item.field in event) return undefined;
    const mods = item.modifiers;
    const all = mods.includes('all');
    const place = mods.filter((m) => m !== 'all');
    if (place.length > 1 || (place.length === 1 && !['contains', 'startswith', 'endswith'].includes(place[0]))) return undefined;
    if (all && place[0] !== 'contains') return undefined;
    const texts = (all ? item.values : item.values.slice(0, 1)).map(sample);
    if (texts.length === 0 || texts.some((t) => t === undefined)) return undefined;
    const text = texts.join(' ');
    event[item.field] = place[0] === 'contains' ? `head ${text} tail` : place[0] === 'startswith' ? `${text}tail` : place[0] === 'endswith' ? `head${text}` : text;
  }
  return event;
}

describe(`SigmaHQ corpus under ${ROOT}`, () => {
  const loaded = loadSigmaPaths(FOLDERS);
  const rules = loaded.documents.filter((d) => d.type === 'rule');

  it('parses every file without an error', () => {
    expect(loaded.files).toBeGreaterThanOrEqual(3780);
    expect(loaded.errors.map((e) => e.message)).toEqual([]);
    expect(rules.length).toBe(loaded.files);
  });

  it('compiles every rule', () => {
    const failures: string[] = [];
    for (const rule of rules) {
      try {
        compileRule(rule, { placeholders: placeholdersOf(rule) });
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every plain/contains/startswith/endswith selection matches an event built from its own values', () => {
    const misses: string[] = [];
    let checked = 0;
    for (const rule of rules) {
      for (const [name, d] of Object.entries(rule.detection.searches)) {
        const event = eventFor(d);
        if (!event) continue;
        checked++;
        const single: SigmaRule = { ...rule, detection: { searches: { [name]: d }, condition: { kind: 'ref', name }, conditionText: [name] } };
        if (!compileRule(single).match(event)) misses.push(`${rule.source} ${name} ${JSON.stringify(event)}`);
      }
    }
    expect(checked).toBeGreaterThan(4000);
    expect(misses).toEqual([]);
  });

  it('placeholder rules refuse to compile until their placeholders are configured', () => {
    const placeholderRules = rules.filter((r) => Object.keys(placeholdersOf(r)).length > 0);
    expect(placeholderRules.length).toBeGreaterThan(20);
    for (const rule of placeholderRules) {
      expect(() => compileRule(rule)).toThrow(/placeholder %[^%]+% has no configured values/);
    }
  });

  it("under the 'refuse' regex policy only patterns with nested unbounded quantifiers are refused", () => {
    const refused: string[] = [];
    for (const rule of rules) {
      try {
        compileRule(rule, { placeholders: placeholdersOf(rule), unsafeRegex: 'refuse' });
      } catch (err) {
        expect((err as { code?: string }).code).toBe('SIGMA_UNSAFE_REGEX');
        refused.push(rule.source);
      }
    }
    // The SigmaHQ set has three such rules, all Invoke-Obfuscation VAR+ patterns using `(?:.*\)){1,}`.
    expect(refused.length).toBeLessThanOrEqual(3);
    for (const source of refused) expect(source).toMatch(/invoke_obfuscation_var/);
  });
});
