// The speed path must not change what matches: the literal prefilter against the plain route →
// candidates → predicate path, on real events and on hand-made edge cases.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDetector } from '../../detection/hunt/detector.ts';
import { loadHuntRules } from '../../detection/hunt/rules.ts';
import { createLiteralPrefilter, regexLiterals, requiredLiterals } from '../../detection/index/index.ts';
import { bundledRuleDir } from '../../detection/pipelines/index.ts';
import { bundledPipelines, parseRule } from './helpers.ts';

const rule = (detection: string) => parseRule(`title: t\nlogsource: { product: windows }\ndetection:\n${detection}`);

describe('required literals', () => {
  it('requires every side of an AND and one literal of each branch of an OR', () => {
    const r = rule(`  sel:\n    Image|endswith: '\\\\whoami.exe'\n    User|contains: 'AUTHORI'\n  condition: sel`);
    expect(requiredLiterals(r)).toEqual([['whoami.exe'], ['authori']]);
    const any = rule(`  a: { Image|endswith: '\\\\rundll32.exe' }\n  b: { CommandLine|contains: 'comsvcs' }\n  condition: a or b`);
    expect(requiredLiterals(any)).toEqual([['rundll32.exe', 'comsvcs']]);
  });

  it('takes the fixed runs of a regular expression, not its optional or alternative parts', () => {
    // Parts of paths nearly every event holds come last: they rule out the fewest events.
    expect(regexLiterals('\\\\AppData\\\\Local\\\\Temp\\\\dat[0-9A-Z]{4}\\.tmp')).toEqual([['.tmp'], ['appdata'], ['local'], ['temp']]);
    expect(regexLiterals('(?i)invoke-(mimikatz|kerberoast)x?yz')).toEqual([['invoke-']]);
    expect(regexLiterals('abcd|efgh')).toBeUndefined();
    expect(regexLiterals('\\x41bcde')).toEqual([['bcde']]);
    expect(regexLiterals('abcde?')).toEqual([['abcd']]);
  });

  it('requires nothing when a branch cannot be reduced to text', () => {
    expect(requiredLiterals(rule(`  a: { Image|endswith: '.exe' }\n  b: { CommandLine|re: 'x+y' }\n  condition: a or b`))).toBeUndefined();
    expect(requiredLiterals(rule(`  a: { CommandLine|contains: 'mimikatz' }\n  condition: not a`))).toBeUndefined();
    expect(requiredLiterals(rule(`  a: { CommandLine|base64offset|contains: 'mimikatz' }\n  condition: a`))).toBeUndefined();
  });

  it('splits values at wildcards and characters serializers escape', () => {
    const r = rule(`  sel:\n    CommandLine|contains: 'C:\\\\Users\\\\*\\\\AppData\\\\Local/Temp<x>'\n  condition: sel`);
    expect(requiredLiterals(r)?.map((c) => c.join()).sort()).toEqual(['appdata', 'local', 'temp', 'users']);
  });

  it('lets the automaton find literals case-insensitively, anywhere in the text', () => {
    const rules = [
      rule(`  sel: { CommandLine|contains: 'sekurlsa' }\n  condition: sel`),
      rule(`  sel: { Image|endswith: '\\\\procdump.exe' }\n  condition: sel`),
      rule(`  sel: { Image|re: 'x' }\n  condition: sel`),
    ];
    const pf = createLiteralPrefilter(rules);
    pf.scan('{"CommandLine":"mimikatz SEKURLSA::logonpasswords"}');
    expect([0, 1, 2].map((i) => pf.possible(i))).toEqual([true, false, true]);
    pf.scan('{"Image":"C:\\\\tools\\\\ProcDump.EXE"}');
    expect([0, 1, 2].map((i) => pf.possible(i))).toEqual([false, true, true]);
  });
});

describe('the prefiltered path on real events', () => {
  it('gives the same matches as the plain path on the Mordor slice with every bundled rule', () => {
    const pipelines = bundledPipelines();
    const rules = loadHuntRules([bundledRuleDir], pipelines);
    const detector = createDetector(rules.compiled, pipelines, new Set());
    const file = fileURLToPath(new URL('../fixtures/mordor/events.ndjson.gz', import.meta.url));
    const texts = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
    const plain = texts.flatMap((t, i) => detector.matchEvent(JSON.parse(t)).map((r) => `${i}:${r}`));
    const idx = texts.map((_, i) => i);
    const fast = detector.processBatch({ file, indices: idx, lines: idx, texts }).matches.map((m) => `${m.eventIndex}:${m.rule}`);
    expect(plain.length).toBeGreaterThan(20);
    expect(fast).toEqual(plain);
  }, 60_000);
});
