// Event files as users have them: NDJSON, arrays, concatenated pretty-printed objects, gzip,
// braces and quotes inside strings, values split across read chunks, and broken lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventText, eventTimestamp, type ReadProblem, readEventTexts } from '../../detection/hunt/index.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-reader-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function read(name: string, content: string | Buffer): Promise<{ events: EventText[]; problems: ReadProblem[] }> {
  const file = join(dir, name);
  writeFileSync(file, content);
  const events: EventText[] = [];
  const problems: ReadProblem[] = [];
  for await (const e of readEventTexts(file, { onProblem: (p) => problems.push(p) })) events.push(e);
  return { events, problems };
}

const tricky = { msg: 'braces { } [ ] and "quotes" and \\ backslash', nested: { a: [1, { b: '}' }] } };

describe('readEventTexts', () => {
  it('reads NDJSON with blank lines, keeping 0-based indices and 1-based lines', async () => {
    const { events } = await read('a.ndjson', `${JSON.stringify({ a: 1 })}\n\n${JSON.stringify(tricky)}\n`);
    expect(events.map((e) => [e.index, e.line])).toEqual([
      [0, 1],
      [1, 3],
    ]);
    expect(JSON.parse(events[1].text)).toEqual(tricky);
  });

  it('reads a pretty-printed JSON array and concatenated objects with braces inside strings', async () => {
    const arr = await read('b.json', JSON.stringify([tricky, { x: 2 }], null, 2));
    expect(arr.events.map((e) => JSON.parse(e.text))).toEqual([tricky, { x: 2 }]);
    const concat = await read('c.json', `${JSON.stringify(tricky, null, 2)}\n${JSON.stringify({ x: 3 }, null, 4)}`);
    expect(concat.events.map((e) => JSON.parse(e.text))).toEqual([tricky, { x: 3 }]);
    expect(concat.events[1].line).toBe(JSON.stringify(tricky, null, 2).split('\n').length + 1);
  });

  it('reads gzip by content and values that span read chunks', async () => {
    const big = Array.from({ length: 600 }, (_, i) => ({ i, pad: 'x'.repeat(3000), s: '{"not":"an object"}' }));
    const { events } = await read('big.json.data', gzipSync(JSON.stringify(big, null, 1)));
    expect(events).toHaveLength(600);
    expect(JSON.parse(events[599].text).i).toBe(599);
  });

  it('reports text between events instead of dropping it silently', async () => {
    const { events, problems } = await read('d.json', '{"a":1}\nnot json\n{"b":2}');
    // The first line parses, so the file is NDJSON: the bad line is handed over as an event text
    // and reported by the detector when it fails to parse.
    expect(events.map((e) => e.text)).toEqual(['{"a":1}', 'not json', '{"b":2}']);
    expect(problems).toEqual([]);
    const scanned = await read('e.json', '[{"a":1}, oops {"b":2}]');
    expect(scanned.events.map((e) => e.text)).toEqual(['{"a":1}', '{"b":2}']);
    expect(scanned.problems.length).toBeGreaterThan(0);
    expect(scanned.problems[0].reason).toContain("unexpected 'o'");
  });

  it('reads an empty file as no events', async () => {
    expect((await read('f.json', '')).events).toEqual([]);
  });
});

describe('eventTimestamp', () => {
  it('reads ECS, evtx_dump and NXLog times, zone-less ones as UTC', () => {
    expect(eventTimestamp({ '@timestamp': '2020-09-21T23:18:44.265Z' })).toBe(Date.parse('2020-09-21T23:18:44.265Z'));
    expect(eventTimestamp({ Event: { System: { TimeCreated: { '#attributes': { SystemTime: '2021-01-01T00:00:01.000000Z' } } } } })).toBe(
      Date.parse('2021-01-01T00:00:01Z'),
    );
    expect(eventTimestamp({ UtcTime: '2020-09-21 23:18:41.269' })).toBe(Date.parse('2020-09-21T23:18:41.269Z'));
    expect(Number.isNaN(eventTimestamp({ message: 'x' }))).toBe(true);
  });
});
