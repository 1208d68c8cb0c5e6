// Reads event files for offline hunts: NDJSON, a JSON array, or JSON objects written one after
// another, optionally gzip-compressed (detected by magic bytes). Yields each event's JSON text with
// its 0-based index in the file; parsing is left to the caller (or a worker thread).
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { EventBatch } from './detector.ts';

export interface EventText {
  /** 0-based position of the event in its file. */
  index: number;
  /** 1-based line where the event starts. */
  line: number;
  text: string;
}

/** A piece of the file that is not JSON: reported, never silently dropped. */
export interface ReadProblem {
  line: number;
  index: number;
  reason: string;
}

export interface ReadOptions {
  onProblem?: (p: ReadProblem) => void;
  /** Called with the number of (compressed) bytes read so far, for progress bars. */
  onBytes?: (bytes: number) => void;
}

export async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function openText(file: string): Promise<{ stream: Readable; raw: ReadStream }> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  return { stream, raw };
}

/** Yields every event text in `file`, in order. */
export async function* readEventTexts(file: string, opts: ReadOptions = {}): AsyncGenerator<EventText> {
  const { stream, raw } = await openText(file);
  let buf = '';
  let mode: 'ndjson' | 'scan' | undefined;
  let line = 1;
  let index = 0;
  const scanner = new JsonValueScanner();
  const drain = function* (final: boolean): Generator<EventText> {
    if (mode === 'ndjson') {
      let start = 0;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', start)) {
        if (!blank(buf, start, nl)) yield { index: index++, line, text: buf.slice(start, nl) };
        start = nl + 1;
        line++;
      }
      buf = buf.slice(start);
      if (final && buf.trim().length > 0) yield { index: index++, line, text: buf };
    } else if (mode === 'scan') {
      for (const v of scanner.push(buf, opts.onProblem)) yield { index: index++, line: v.line, text: v.text };
      buf = '';
      if (final) scanner.end(opts.onProblem);
    }
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    buf += chunk;
    // Compressed bytes consumed so far (a 'data' listener would steal chunks from this iterator).
    opts.onBytes?.(raw.bytesRead);
    mode ??= readingMode(buf, false);
    yield* drain(false);
  }
  mode ??= readingMode(buf, true);
  yield* drain(true);
}

export interface BatchOptions extends ReadOptions {
  /** Events per batch. @default 500 */
  batchSize?: number;
  /**
   * Where NDJSON batch buffers come from: a batch's `bytes` views the buffer it was filled in, so a
   * caller that hands buffers back once a batch is done keeps the memory of a long file bounded.
   * @default a new buffer per batch
   */
  takeBuffer?: (minBytes: number) => Uint8Array;
}

/**
 * Yields the events of `file` in batches, in order. NDJSON stays UTF-8 bytes (each batch owns its
 * buffer, so it can be transferred to a worker, and an event no rule can match is never decoded);
 * arrays and concatenated objects are split as text.
 */
export async function* readEventBatches(file: string, opts: BatchOptions = {}): AsyncGenerator<EventBatch> {
  const batchSize = opts.batchSize ?? 500;
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream: Readable = (await isGzip(file)) ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err));
  let mode: 'ndjson' | 'scan' | undefined;
  let rest: Buffer = Buffer.alloc(0);
  let line = 1;
  let index = 0;
  // NDJSON: events of the batch being built, copied one after another into `staging`.
  const takeBuffer = opts.takeBuffer ?? ((min: number) => new Uint8Array(Math.max(min, 1 << 21)));
  let staging = takeBuffer(1 << 21);
  let used = 0;
  let starts: number[] = [];
  let ends: number[] = [];
  let indices: number[] = [];
  let lines: number[] = [];
  const flushBytes = (): EventBatch => {
    const batch: EventBatch = { file, indices, lines, bytes: staging.subarray(0, used), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
    staging = takeBuffer(1 << 21);
    used = 0;
    starts = [];
    ends = [];
    indices = [];
    lines = [];
    return batch;
  };
  const add = (b: Uint8Array, s: number, e: number): void => {
    const n = e - s;
    if (used + n > staging.length) {
      const grown = takeBuffer(Math.max(staging.length * 2, used + n));
      grown.set(staging.subarray(0, used));
      staging = grown;
    }
    staging.set(b.subarray(s, e), used);
    starts.push(used);
    used += n;
    ends.push(used);
    indices.push(index++);
    lines.push(line);
  };
  // Arrays and concatenated objects: the text scanner of readEventTexts.
  const decoder = new StringDecoder('utf8');
  const scanner = new JsonValueScanner();
  let texts: string[] = [];
  let textIndices: number[] = [];
  let textLines: number[] = [];
  const flushTexts = (): EventBatch => {
    const batch: EventBatch = { file, indices: textIndices, lines: textLines, texts };
    texts = [];
    textIndices = [];
    textLines = [];
    return batch;
  };
  const take = function* (chunk: Buffer, final: boolean): Generator<EventBatch> {
    if (mode === 'scan') {
      const text = final ? decoder.end() : decoder.write(chunk);
      for (const v of scanner.push(text, opts.onProblem)) {
        texts.push(v.text);
        textIndices.push(index++);
        textLines.push(v.line);
        if (texts.length >= batchSize) yield flushTexts();
      }
      if (final) scanner.end(opts.onProblem);
      return;
    }
    // Only a line cut by the chunk boundary is joined (a small copy), never the whole chunk.
    let start = 0;
    if (rest.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0 && !final) {
        rest = Buffer.concat([rest, chunk]);
        return;
      }
      const cut = nl < 0 ? chunk.length : nl;
      const joined = Buffer.concat([rest, chunk.subarray(0, cut)]);
      rest = Buffer.alloc(0);
      if (!blankBytes(joined, 0, joined.length)) {
        add(joined, 0, joined.length);
        if (starts.length >= batchSize) yield flushBytes();
      }
      if (nl < 0) return;
      line++;
      start = nl + 1;
    }
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (!blankBytes(chunk, start, nl)) {
        add(chunk, start, nl);
        if (starts.length >= batchSize) yield flushBytes();
      }
      start = nl + 1;
      line++;
    }
    if (final) {
      if (!blankBytes(chunk, start, chunk.length)) add(chunk, start, chunk.length);
    } else if (start < chunk.length) {
      rest = Buffer.from(chunk.subarray(start));
    }
  };
  let head: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    opts.onBytes?.(raw.bytesRead);
    if (mode === undefined) {
      head.push(chunk);
      const all = Buffer.concat(head);
      mode = readingMode(all.toString('utf8'), false);
      if (mode === undefined) {
        head = [all];
        continue;
      }
      head = [];
      yield* take(all, false);
    } else {
      yield* take(chunk, false);
    }
  }
  if (mode === undefined) {
    // A file with no line end, or only blanks (then nothing is read).
    const all = Buffer.concat(head);
    mode = readingMode(all.toString('utf8'), true);
    yield* take(all, false);
  }
  yield* take(Buffer.alloc(0), true);
  if (starts.length > 0) yield flushBytes();
  if (texts.length > 0) yield flushTexts();
}

function blankBytes(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] > 32) return false;
  return true;
}

/**
 * Splits a character stream into top-level JSON values. A leading `[` opens an array whose elements
 * are the values; commas and whitespace between values are skipped. Strings are tracked so braces
 * inside them do not count.
 */
class JsonValueScanner {
  private pending = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private line = 1;
  private startLine = 1;
  private inArray = false;

  *push(chunk: string, onProblem?: (p: ReadProblem) => void): Generator<{ text: string; line: number }> {
    const s = this.pending + chunk;
    let i = this.pending.length;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 10) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true;
        else if (c === 34) this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        if (c === 123 /* { */) {
          this.start = i;
          this.startLine = this.line;
          this.depth = 1;
        } else if (c === 91 /* [ */ && !this.inArray) {
          this.inArray = true;
        } else if (c === 93 /* ] */ && this.inArray) {
          this.inArray = false;
        } else if (!(c === 32 || c === 9 || c === 10 || c === 13 || c === 44)) {
          onProblem?.({ line: this.line, index: -1, reason: `unexpected '${s[i]}' between events (expected '{')` });
        }
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === 0) {
          yield { text: s.slice(this.start, i + 1), line: this.startLine };
          this.start = -1;
        }
      }
    }
    if (this.depth > 0) {
      this.pending = s.slice(this.start);
      this.start = 0;
    } else {
      this.pending = '';
    }
  }

  end(onProblem?: (p: ReadProblem) => void): void {
    if (this.depth > 0) onProblem?.({ line: this.startLine, index: -1, reason: 'file ends inside an event (unbalanced braces)' });
  }
}

/** Whether buf[from, to) is only whitespace (no substring is made). */
function blank(buf: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf.charCodeAt(i) > 32) return false;
  return true;
}

/**
 * How a file reads, from its start: one complete object on the first line means NDJSON; anything
 * else (an array, pretty-printed objects) goes through the brace scanner. Undefined until the first
 * line is whole (or the file ends) and for a blank file.
 */
function readingMode(head: string, final: boolean): 'ndjson' | 'scan' | undefined {
  const first = head.trimStart()[0];
  if (first === undefined) return undefined;
  const nl = head.indexOf('\n');
  if (first === '{' && nl < 0 && !final) return undefined;
  return first === '{' && isJsonObject(nl < 0 ? head : head.slice(0, nl)) ? 'ndjson' : 'scan';
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
