// Reads event files for offline hunts: NDJSON, a JSON array, or JSON objects written one after
// another, optionally gzip-compressed (detected by magic bytes). Yields each event's JSON text with
// its 0-based index in the file; parsing is left to the caller (or a worker thread).
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

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
  const decide = (final: boolean): 'ndjson' | 'scan' | undefined => {
    const first = buf.trimStart()[0];
    if (first === undefined) return undefined;
    const nl = buf.indexOf('\n');
    if (first === '{' && nl < 0 && !final) return undefined;
    // One complete object on the first line means NDJSON; anything else (an array, pretty-printed
    // objects) goes through the brace scanner.
    return first === '{' && isJsonObject(nl < 0 ? buf : buf.slice(0, nl)) ? 'ndjson' : 'scan';
  };
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
    mode ??= decide(false);
    yield* drain(false);
  }
  mode ??= decide(true);
  yield* drain(true);
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

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
