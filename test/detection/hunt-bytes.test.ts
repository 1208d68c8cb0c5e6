// The byte path of the hunt (events routed and prefiltered from their raw bytes, parsed only when a
// rule is still possible) must find exactly what the plain path finds: on real Mordor events with
// every bundled rule, and on hand-made events in every shape the router reads, with keys and values
// placed to trip it (dotted ECS keys, nested shapes, escapes, keywords, literals in the wrong field).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector, type EventBatch } from '../../detection/hunt/detector.ts';
import { readEventBatches, readEventTexts } from '../../detection/hunt/event-reader.ts';
import { KeyTable, topLevelMembers } from '../../detection/hunt/raw-json.ts';
import { loadHuntRules } from '../../detection/hunt/rules.ts';
import { compileRule } from '../../detection/matcher/index.ts';
import { bundledRuleDir, createFieldResolver } from '../../detection/pipelines/index.ts';
import { bundledPipelines, parseRule } from './helpers.ts';

function byteBatch(texts: readonly string[]): EventBatch {
  const parts = texts.map((t) => Buffer.from(t));
  const starts = new Int32Array(texts.length);
  const ends = new Int32Array(texts.length);
  let at = 0;
  parts.forEach((p, i) => {
    starts[i] = at;
    at += p.length;
    ends[i] = at;
  });
  const idx = texts.map((_, i) => i);
  return { file: 'inline', indices: idx, lines: idx.map((i) => i + 1), bytes: new Uint8Array(Buffer.concat(parts)), starts, ends };
}

const members = (text: string): string[][] | -1 => {
  const b = Buffer.from(text);
  const out = new Int32Array(64);
  const n = topLevelMembers(b, 0, b.length, out);
  if (n < 0) return -1;
  return Array.from({ length: n }, (_, m) => [b.toString('utf8', out[m * 4], out[m * 4 + 1]), b.toString('utf8', out[m * 4 + 2], out[m * 4 + 3])]);
};

describe('reading top-level members from bytes', () => {
  it('finds each key and the exact text of its value, whatever the value holds', () => {
    const text = ` { "a" : "x \\" } { [" , "b":{"c":[1,{"d":"}"}]},"e":-1.5e3 ,"f":true,"g":null,"h":[] } `;
    expect(members(text)).toEqual([
      ['a', '"x \\" } { ["'],
      ['b', '{"c":[1,{"d":"}"}]}'],
      ['e', '-1.5e3'],
      ['f', 'true'],
      ['g', 'null'],
      ['h', '[]'],
    ]);
    expect(members('{}')).toEqual([]);
    expect(members('{"k\\u0041":"v"}')).toEqual([['k\\u0041', '"v"']]);
    // An even run of backslashes before a quote does not escape it; an odd one does.
    expect(members('{"p":"C:\\\\","q":"a\\\\\\"b"}')).toEqual([
      ['p', '"C:\\\\"'],
      ['q', '"a\\\\\\"b"'],
    ]);
  });

  it('gives up (so the caller parses) on anything that is not one well-formed object', () => {
    for (const bad of ['[1,2]', '{"a":1', '{"a" 1}', '{"a":1,}', '{"a":1} {"b":2}', '{"a":"unterminated}', '"text"', '', '{a:1}']) expect(members(bad), bad).toBe(-1);
  });

  it('interns keys once and refuses keys with escapes', () => {
    const keys = new KeyTable();
    const b = Buffer.from('"Image""Image""Im\\u0061ge"');
    const first = keys.intern(b, 1, 6);
    expect(first?.name).toBe('Image');
    expect(keys.intern(b, 8, 13)).toBe(first);
    expect(keys.intern(b, 15, 25)).toBeUndefined();
  });
});

describe('the byte path against the plain path', () => {
  const pipelines = bundledPipelines();
  const resolveField = createFieldResolver(pipelines);
  const rules = [
    `title: evil process\nlogsource: { product: windows, category: process_creation }\ndetection:\n  sel:\n    Image|endswith: '\\evil.exe'\n    CommandLine|contains: 'secret'\n  condition: sel`,
    `title: mimikatz keywords\nlogsource: { product: windows }\ndetection:\n  keywords: [ 'sekurlsa::' ]\n  condition: keywords`,
    `title: run key\nlogsource: { product: windows, category: registry_set }\ndetection:\n  sel: { TargetObject|contains: '\\CurrentVersion\\Run\\' }\n  condition: sel`,
    `title: no literal\nlogsource: { product: windows, category: process_creation }\ndetection:\n  sel: { IntegrityLevel: 'S' }\n  condition: sel`,
    `title: linux sshd\nlogsource: { product: linux, service: sshd }\ndetection:\n  sel: { message|contains: 'Failed password' }\n  condition: sel`,
  ].map((y) => compileRule(parseRule(y), { resolveField }));
  const sysmon = { Channel: 'Microsoft-Windows-Sysmon/Operational', SourceName: 'Microsoft-Windows-Sysmon' };
  const events: unknown[] = [
    // NXLog flat: matches, then the same literals in fields the rule does not read.
    { ...sysmon, EventID: 1, Image: 'C:\\tmp\\evil.exe', CommandLine: 'evil.exe secret', IntegrityLevel: 's' },
    { ...sysmon, EventID: 1, Image: 'C:\\tmp\\good.exe', ParentCommandLine: 'secret', ParentImage: 'C:\\evil.exe' },
    // Dotted ECS keys at the top level and the ECS nested shape (Winlogbeat).
    { 'winlog.channel': sysmon.Channel, 'event.code': '1', 'process.executable': 'C:\\x\\EVIL.EXE', 'process.command_line': 'a Secret b' },
    { winlog: { channel: sysmon.Channel, event_id: 1 }, event: { code: '1' }, process: { executable: 'C:\\x\\evil.exe', command_line: 'secret' } },
    // Winlogbeat with its event data inside a large `winlog` object (routing reads it: parsed once, whole).
    { winlog: { channel: sysmon.Channel, event_id: 1, event_data: { Image: 'C:\\x\\evil.exe', CommandLine: `secret ${'x'.repeat(600)}` } } },
    // evtx_dump shape.
    { Event: { System: { Channel: sysmon.Channel, EventID: 13, Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } } }, EventData: { TargetObject: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x' } } },
    // Keyword rule: the literal anywhere, even in a field no field rule reads.
    { ...sysmon, EventID: 13, Details: 'ran sekurlsa::logonpasswords', TargetObject: 'HKLM\\x' },
    { ...sysmon, EventID: 13, TargetObject: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater' },
    // A routing key written with an escape, and a duplicated key (the last one counts).
    { 'Chann\u0065l': sysmon.Channel, EventID: 1, Image: 'c:\\evil.exe', CommandLine: 'secret' },
    { ...sysmon, EventID: 7, Image: 'C:\\evil.exe', CommandLine: 'secret' },
    // Says nothing about its source: meets every rule.
    { Image: 'C:\\evil.exe', CommandLine: 'secret', message: 'Failed password for root', IntegrityLevel: 'S' },
    { 'event.dataset': 'system.auth', message: 'Failed password for root' },
  ];
  const texts = events.map((e) => JSON.stringify(e));
  // The duplicated key: EventID 13 first, then 1.
  texts.push(`{"Channel":"${sysmon.Channel}","EventID":13,"Image":"c:\\\\evil.exe","CommandLine":"secret","EventID":1}`);
  texts.push(`{"Chann\\u0065l":"${sysmon.Channel}","EventID":1,"Image":"c:\\\\evil.exe","CommandLine":"secret"}`);

  it('matches exactly what parsing every event matches', () => {
    const detector = createDetector(rules, pipelines, new Set());
    const plain = texts.flatMap((t, i) => detector.matchEvent(JSON.parse(t)).map((r) => `${i}:${r}`));
    const fast = detector.processBatch(byteBatch(texts));
    expect(fast.problems).toEqual([]);
    expect(fast.matches.map((m) => `${m.eventIndex}:${m.rule}`)).toEqual(plain);
    // Sanity of the fixture itself: each rule matches somewhere.
    expect(new Set(plain.map((p) => p.split(':')[1]))).toEqual(new Set(['0', '1', '2', '3', '4']));
  });

  it('parses only events a rule can still match, and returns whole events to correlations', () => {
    const detector = createDetector(rules, pipelines, new Set([2]));
    const quiet = JSON.stringify({ ...sysmon, EventID: 13, TargetObject: 'HKLM\\Software\\Other' });
    const hit = JSON.stringify({ ...sysmon, EventID: 13, TargetObject: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x', UtcTime: '2020-09-21 23:18:41.269' });
    const r = detector.processBatch(byteBatch([quiet, quiet, hit]));
    expect(r.parsed).toBe(1);
    expect(r.matches).toHaveLength(1);
    expect(r.matches[0].rule).toBe(2);
    expect(r.matches[0].text).toBe(hit);
    expect(r.matches[0].timestamp).toBe(Date.parse('2020-09-21T23:18:41.269Z'));
  });

  it('reports a broken event a rule could match, with its line', () => {
    const detector = createDetector(rules, pipelines, new Set());
    const broken = `{"Channel":"${sysmon.Channel}","EventID":13,"TargetObject":"\\\\CurrentVersion\\\\Run\\\\x","Bad":tru}`;
    const r = detector.processBatch(byteBatch([texts[0], broken, '[1]']));
    expect(r.problems.map((p) => [p.line, p.reason.slice(0, 13)])).toEqual([
      [2, 'invalid JSON:'],
      [3, 'an event must'],
    ]);
  });

  it('finds the same matches as the plain path on the Mordor slice with every bundled rule, parsing fewer events', async () => {
    const all = loadHuntRules([bundledRuleDir], pipelines);
    const detector = createDetector(all.compiled, pipelines, new Set());
    const file = fileURLToPath(new URL('../fixtures/mordor/events.ndjson.gz', import.meta.url));
    const plain: string[] = [];
    const fast: string[] = [];
    let events = 0;
    let parsed = 0;
    for await (const batch of readEventBatches(file, { batchSize: 64 })) {
      expect(batch.bytes).toBeDefined();
      for (let i = 0; i < batch.indices.length; i++) {
        const text = Buffer.from(batch.bytes!.subarray(batch.starts![i], batch.ends![i])).toString('utf8');
        for (const r of detector.matchEvent(JSON.parse(text))) plain.push(`${batch.indices[i]}:${r}`);
      }
      const r = detector.processBatch(batch);
      events += r.events;
      parsed += r.parsed;
      for (const m of r.matches) fast.push(`${m.eventIndex}:${m.rule}`);
    }
    expect(events).toBe(370);
    expect(plain.length).toBeGreaterThan(20);
    expect(fast).toEqual(plain);
    expect(parsed).toBeLessThan(events);
  }, 60_000);
});

describe('reading event files in batches', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-batches-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const collect = async (name: string, content: string | Buffer, batchSize = 2) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    const out: Array<{ index: number; line: number; text: string }> = [];
    const problems: string[] = [];
    let batches = 0;
    for await (const b of readEventBatches(file, { batchSize, onProblem: (p) => problems.push(`${p.line}: ${p.reason}`) })) {
      batches++;
      for (let i = 0; i < b.indices.length; i++) {
        const text = b.texts ? b.texts[i] : Buffer.from(b.bytes!.subarray(b.starts![i], b.ends![i])).toString('utf8');
        out.push({ index: b.indices[i], line: b.lines[i], text });
      }
    }
    return { out, problems, batches };
  };

  it('keeps NDJSON as bytes with 0-based indices and 1-based lines over blank lines, CRLF, gzip and a last line without newline', async () => {
    const body = `{"a":1}\r\n\n  \n{"b":"ü ✓"}\n{"c":3}\n{"d":4}`;
    for (const [name, content] of [
      ['a.ndjson', body],
      ['a.ndjson.gz', gzipSync(body)],
    ] as const) {
      const { out, batches } = await collect(name, content);
      expect(out.map((e) => [e.index, e.line, e.text.trim()])).toEqual([
        [0, 1, '{"a":1}'],
        [1, 4, '{"b":"ü ✓"}'],
        [2, 5, '{"c":3}'],
        [3, 6, '{"d":4}'],
      ]);
      expect(batches).toBe(2);
    }
  });

  it('splits arrays and concatenated objects as text, and reports what lies between events', async () => {
    const arr = await collect('b.json', JSON.stringify([{ x: 1 }, { y: '}' }, { z: 3 }], null, 2));
    expect(arr.out.map((e) => JSON.parse(e.text))).toEqual([{ x: 1 }, { y: '}' }, { z: 3 }]);
    const concat = await collect('c.json', '{\n "x": 1\n}\n{"y":2} junk {"z":3}');
    expect(concat.out.map((e) => [e.index, e.line])).toEqual([
      [0, 1],
      [1, 4],
      [2, 4],
    ]);
    expect(concat.problems.length).toBeGreaterThan(0);
    expect(concat.problems[0]).toMatch(/^4: unexpected 'j' between events/);
  });

  it('hands the hunt the same events as the text reader, across read chunks', async () => {
    const file = fileURLToPath(new URL('../fixtures/mordor/events.ndjson.gz', import.meta.url));
    const { out } = await collect('copy.ndjson.gz', readFileSync(file), 100);
    const texts: Array<{ index: number; line: number; text: string }> = [];
    for await (const t of readEventTexts(file)) texts.push(t);
    expect(texts).toHaveLength(370);
    expect(out).toEqual(texts);
    // Lines longer than a read chunk are joined whole.
    const long = `{"a":"${'x'.repeat(600_000)}"}`;
    const big = await collect('long.ndjson.gz', gzipSync(`${long}\n{"b":1}\n${long}`));
    expect(big.out.map((e) => [e.index, e.line, e.text.length])).toEqual([
      [0, 1, long.length],
      [1, 2, 7],
      [2, 3, long.length],
    ]);
  });
});
