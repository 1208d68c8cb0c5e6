// Top-level keys of a JSON object held as UTF-8 bytes, found without parsing it: the hunt routes an
// event from them and parses the whole event only when a rule could match it. Strings are skipped
// by their quotes (escapes honoured), nested values by bracket depth. This is a structural reading,
// not a validator: whatever does not look like a well-formed object gives -1 and the caller parses.

const QUOTE = 34;
const BACKSLASH = 92;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Index just past the string whose opening quote is at `i`, or -1 when it does not end before `end`. */
function skipString(b: Uint8Array, i: number, end: number): number {
  // The next quote is found by the engine's own search; it ends the string unless an odd run of
  // backslashes escapes it.
  for (let q = b.indexOf(QUOTE, i + 1); q >= 0 && q < end; q = b.indexOf(QUOTE, q + 1)) {
    let slashes = 0;
    for (let j = q - 1; j > i && b[j] === BACKSLASH; j--) slashes++;
    if ((slashes & 1) === 0) return q + 1;
  }
  return -1;
}

/** Index just past the value starting at `i` (string, object, array or scalar), or -1. */
function skipValue(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i, end);
  if (c === 123 || c === 91) {
    let depth = 0;
    for (; i < end; i++) {
      const d = b[i];
      if (d === QUOTE) {
        i = skipString(b, i, end) - 1;
        if (i < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // Number, true, false, null: up to the next delimiter.
  const from = i;
  for (; i < end; i++) {
    const d = b[i];
    if (d === 44 || d === 125 || d === 93 || isSpace(d)) break;
  }
  return i > from ? i : -1;
}

/**
 * Writes [keyStart, keyEnd, valueStart, valueEnd] per top-level member into `out` (key spans exclude
 * the quotes) and returns the member count, or -1 when [start, end) is not an object this reader
 * understands or `out` is too small.
 */
export function topLevelMembers(b: Uint8Array, start: number, end: number, out: Int32Array): number {
  let i = start;
  while (i < end && isSpace(b[i])) i++;
  if (b[i] !== 123) return -1;
  i++;
  let n = 0;
  for (;;) {
    while (i < end && isSpace(b[i])) i++;
    if (i >= end) return -1;
    if (b[i] === 125 && n === 0) {
      i++;
      break;
    }
    if (b[i] !== QUOTE) return -1;
    const keyEnd = skipString(b, i, end);
    if (keyEnd < 0) return -1;
    const keyStart = i + 1;
    i = keyEnd;
    while (i < end && isSpace(b[i])) i++;
    if (b[i] !== 58) return -1;
    i++;
    while (i < end && isSpace(b[i])) i++;
    if (i >= end) return -1;
    const valueEnd = skipValue(b, i, end);
    if (valueEnd < 0) return -1;
    if ((n + 1) * 4 > out.length) return -1;
    out[n * 4] = keyStart;
    out[n * 4 + 1] = keyEnd - 1;
    out[n * 4 + 2] = i;
    out[n * 4 + 3] = valueEnd;
    n++;
    i = valueEnd;
    while (i < end && isSpace(b[i])) i++;
    if (b[i] === 44) {
      i++;
      continue;
    }
    if (b[i] === 125) {
      i++;
      break;
    }
    return -1;
  }
  while (i < end && isSpace(b[i])) i++;
  return i === end ? n : -1;
}

export interface KeyEntry {
  readonly id: number;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Interns object keys met as bytes, so a key is decoded once per hunt and then known by its id.
 * Keys with escapes are not interned (undefined): their text needs a real parse. Bounded, so odd
 * data with endless distinct keys cannot grow it without limit (undefined once full).
 */
export class KeyTable {
  private readonly byHash = new Map<number, KeyEntry[]>();
  readonly entries: KeyEntry[] = [];

  constructor(private readonly limit = 100_000) {}

  /** Whether key `id` is the text b[start, end). */
  holds(id: number, b: Uint8Array, start: number, end: number): boolean {
    return sameBytes(this.entries[id].bytes, b, start, end);
  }

  intern(b: Uint8Array, start: number, end: number): KeyEntry | undefined {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const list = this.byHash.get(h);
    if (list !== undefined) {
      for (const e of list) if (sameBytes(e.bytes, b, start, end)) return e;
    }
    for (let i = start; i < end; i++) if (b[i] === BACKSLASH) return undefined;
    if (this.entries.length >= this.limit) return undefined;
    const bytes = b.slice(start, end);
    const entry: KeyEntry = { id: this.entries.length, name: new TextDecoder().decode(bytes), bytes };
    this.entries.push(entry);
    if (list) list.push(entry);
    else this.byHash.set(h, [entry]);
    return entry;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}
