// Value-encoding modifiers: base64, base64offset, the UTF-16 family (wide/utf16le/utf16be/utf16)
// and windash. Pure string functions; the modifier pipeline decides where they apply.

/**
 * A string either as text, or as bytes (one char per byte, 0–255) once a UTF-16 modifier has
 * encoded it; base64 then encodes those bytes as they are instead of as UTF-8.
 */
export type Encoding = 'text' | 'bytes';

export function toBytes(s: string, encoding: Encoding): Buffer {
  return encoding === 'bytes' ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8');
}

export function base64(s: string, encoding: Encoding): string {
  return toBytes(s, encoding).toString('base64');
}

/**
 * The three base64 forms of `s` when it sits at byte offset 0, 1 or 2 of a larger encoded text,
 * with the characters that depend on neighbouring bytes cut off (pySigma's offsets).
 */
export function base64Offsets(s: string, encoding: Encoding): string[] {
  const bytes = toBytes(s, encoding);
  const start = [0, 2, 3];
  const end = [undefined, -3, -2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const padded = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    out.push(padded.slice(start[i], end[(bytes.length + i) % 3]));
  }
  return out;
}

export type Utf16Kind = 'le' | 'be' | 'bom';

/** UTF-16 code units as byte chars; `bom` is little-endian with FF FE in front (as Windows writes it). */
export function utf16(s: string, kind: Utf16Kind): string {
  let out = kind === 'bom' ? '\xff\xfe' : '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += kind === 'be' ? String.fromCharCode(c >> 8, c & 0xff) : String.fromCharCode(c & 0xff, c >> 8);
  }
  return out;
}

/** The characters Windows command lines accept where a `-` or `/` flag prefix is expected. */
export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;

const WORD = /[\p{L}\p{N}_]/u;

/** Offsets of every `-` or `/` that starts a word (pySigma's `\B[-/]\b`). */
export function windashPositions(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '-' && c !== '/') continue;
    const prevWord = i > 0 && WORD.test(s[i - 1]);
    const nextWord = i + 1 < s.length && WORD.test(s[i + 1]);
    if (!prevWord && nextWord) out.push(i);
  }
  return out;
}

/** Every combination of dash characters at the flag positions (5ⁿ strings for n positions). */
export function windashVariants(s: string): string[] {
  let variants = [''];
  let from = 0;
  for (const pos of windashPositions(s)) {
    const between = s.slice(from, pos);
    const next: string[] = [];
    for (const v of variants) for (const d of WINDASH_CHARS) next.push(v + between + d);
    variants = next;
    from = pos + 1;
  }
  const tail = s.slice(from);
  return variants.map((v) => v + tail);
}
