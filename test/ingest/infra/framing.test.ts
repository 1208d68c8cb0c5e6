import { describe, expect, it } from 'vitest';
import { createAutoFramer } from '../../../ingest/framing/auto.ts';
import { createNewlineFramer } from '../../../ingest/framing/newline.ts';
import { createOctetCountingFramer } from '../../../ingest/framing/octet-counting.ts';
import type { FrameOutput } from '../../../ingest/framing/types.ts';

const texts = (out: FrameOutput[]) => out.map((f) => (f.kind === 'frame' ? f.text : `ERR:${f.raw}`));

describe('newline framing', () => {
  it('splits on LF, drops CR, joins frames split across chunks', () => {
    const f = createNewlineFramer();
    const out = [...f.push(Buffer.from('<13>one\r\n<13>tw')), ...f.push(Buffer.from('o\n\n<13>three')), ...f.end()];
    expect(texts(out)).toEqual(['<13>one', '<13>two', '<13>three']);
  });

  it('cuts an over-long frame, reports it once and goes on with the next line', () => {
    const f = createNewlineFramer(10);
    const out = [...f.push(Buffer.from('abcdefghijkl')), ...f.push(Buffer.from('mnopq\nok\n'))];
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ kind: 'error', raw: 'abcdefghij', canContinue: true });
    expect(out[1]).toEqual({ kind: 'frame', text: 'ok' });
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const f = createNewlineFramer();
    const bytes = Buffer.from('héllo\n');
    const out = [...f.push(bytes.subarray(0, 2)), ...f.push(bytes.subarray(2))];
    expect(texts(out)).toEqual(['héllo']);
  });
});

describe('octet-counting framing', () => {
  it('reads MSG-LEN SP MSG frames, including frames whose text contains newlines', () => {
    const f = createOctetCountingFramer();
    const a = '<34>1 2026-11-24T10:00:00Z h app - - - line1\nline2';
    const b = '<13>hi';
    const wire = `${Buffer.byteLength(a)} ${a}${Buffer.byteLength(b)} ${b}`;
    const buf = Buffer.from(wire);
    const out: FrameOutput[] = [];
    // Feed byte by byte: frames must not depend on chunk boundaries.
    for (let i = 0; i < buf.length; i++) out.push(...f.push(buf.subarray(i, i + 1)));
    expect(texts(out)).toEqual([a, b]);
  });

  it('skips an over-long frame by its count and stays in sync', () => {
    const f = createOctetCountingFramer(8);
    const out = f.push(Buffer.from('12 abcdefghijkl5 hello'));
    expect(out[0]).toMatchObject({ kind: 'error', raw: 'abcdefgh', canContinue: true });
    expect(out[1]).toEqual({ kind: 'frame', text: 'hello' });
  });

  it('reports a malformed length as fatal: the stream cannot go on', () => {
    const f = createOctetCountingFramer();
    const out = f.push(Buffer.from('5 hello12x garbage'));
    expect(out[0]).toEqual({ kind: 'frame', text: 'hello' });
    expect(out[1]).toMatchObject({ kind: 'error', canContinue: false });
    expect(out[1].kind === 'error' && out[1].message).toContain('expected a message length');
  });

  it('reports a frame cut short by the end of the stream', () => {
    const f = createOctetCountingFramer();
    expect(f.push(Buffer.from('10 abc'))).toEqual([]);
    expect(f.end()[0]).toMatchObject({ kind: 'error', raw: 'abc', canContinue: false });
  });
});

describe('framing detection', () => {
  it('chooses octet-counting when the first byte is a digit and newline otherwise', () => {
    const oc = createAutoFramer();
    expect(texts(oc.push(Buffer.from('6 <13>hi')))).toEqual(['<13>hi']);
    expect(oc.framing).toBe('octet-counting');
    const nl = createAutoFramer();
    expect(texts(nl.push(Buffer.from('<13>hi\n')))).toEqual(['<13>hi']);
    expect(nl.framing).toBe('newline');
  });
});
