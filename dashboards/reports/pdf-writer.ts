// A small PDF 1.4 writer for reports: pages with text, rectangles and lines, the standard 14
// Helvetica fonts for Latin text (nothing embedded), and the standard CJK font STSong-Light
// through the predefined CMap UniGB-UCS2-H for Chinese text (PDF 1.4 §5.9, "Adobe-GB1"; a reader
// supplies the glyphs, so nothing is embedded either). Content streams are Flate-compressed.
// Written for Vigil rather than taken from a library: reports need little, and this keeps the
// output byte-for-byte under our control for signing.
import { deflateSync } from 'node:zlib';

export type FontName = 'regular' | 'bold';
export type Rgb = readonly [number, number, number];

// Helvetica advance widths (per 1000 em) for ASCII 32..126, from the Adobe AFM.
const helvetica = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584,
  584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278,
  278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
  500, 334, 260, 334, 584,
];
// Helvetica-Bold advance widths for ASCII 32..126, from the Adobe AFM.
const helveticaBold = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584,
  584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333,
  278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
  500, 389, 280, 389, 584,
];

// Characters outside Latin-1 that WinAnsiEncoding still has (PDF 1.4 Appendix D).
const winAnsiExtra: Record<string, number> = {
  '€': 0x80, '…': 0x85, '–': 0x96, '—': 0x97, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '™': 0x99,
};
// Common symbols WinAnsi lacks, written in ASCII instead of '?'.
const asciiFallback: Record<string, string> = { '→': '->', '←': '<-', '≤': '<=', '≥': '>=', '−': '-', '\u00a0': ' ' };

/** Whether the character is drawn with the CJK font. */
export function isCjk(cp: number): boolean {
  return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x3000 && cp <= 0x303f);
}

interface Run {
  cjk: boolean;
  text: string;
}

function runs(text: string): Run[] {
  const out: Run[] = [];
  for (const ch of text) {
    const cjk = isCjk(ch.codePointAt(0) as number);
    const last = out[out.length - 1];
    if (last && last.cjk === cjk) last.text += ch;
    else out.push({ cjk, text: ch });
  }
  return out;
}

function charWidth(ch: string, font: FontName): number {
  const cp = ch.codePointAt(0) as number;
  if (isCjk(cp)) return 1000;
  if (cp >= 32 && cp <= 126) return (font === 'bold' ? helveticaBold : helvetica)[cp - 32];
  const fb = asciiFallback[ch];
  if (fb) return [...fb].reduce((s, c) => s + charWidth(c, font), 0);
  return 556;
}

/** Width of `text` in points at `size`. */
export function textWidth(text: string, size: number, font: FontName = 'regular'): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch, font);
  return (w * size) / 1000;
}

/** `text` cut to fit `maxWidth`, ending in an ellipsis when cut. */
export function fitText(text: string, maxWidth: number, size: number, font: FontName = 'regular'): string {
  if (textWidth(text, size, font) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length && textWidth(`${chars.join('')}…`, size, font) > maxWidth) chars.pop();
  return `${chars.join('')}…`;
}

/** Lines of at most `maxWidth`, broken at spaces (or anywhere inside a word too long for a line, and between CJK characters). */
export function wrapText(text: string, maxWidth: number, size: number, font: FontName = 'regular'): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    const tokens = para.match(/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+/g) ?? [''];
    for (const tok of tokens) {
      const candidate = line + tok;
      if (textWidth(candidate, size, font) <= maxWidth) {
        line = candidate;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = /^\s+$/.test(tok) ? '' : tok;
      while (textWidth(line, size, font) > maxWidth) {
        const chars = [...line];
        let n = chars.length;
        while (n > 1 && textWidth(chars.slice(0, n).join(''), size, font) > maxWidth) n--;
        out.push(chars.slice(0, n).join(''));
        line = chars.slice(n).join('');
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}

function latinString(text: string): string {
  let s = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    let bytes: number[];
    if (cp >= 0x20 && cp <= 0x7e) bytes = [cp];
    else if (cp >= 0xa1 && cp <= 0xff) bytes = [cp];
    else if (winAnsiExtra[ch] !== undefined) bytes = [winAnsiExtra[ch]];
    else if (asciiFallback[ch]) bytes = [...asciiFallback[ch]].map((c) => c.charCodeAt(0));
    else bytes = [0x3f];
    for (const b of bytes) {
      if (b === 0x28 || b === 0x29 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
      else if (b < 0x20 || b > 0x7e) s += `\\${b.toString(8).padStart(3, '0')}`;
      else s += String.fromCharCode(b);
    }
  }
  return `(${s})`;
}

function ucs2Hex(text: string): string {
  let hex = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    hex += (cp > 0xffff ? 0x3000 : cp).toString(16).padStart(4, '0');
  }
  return `<${hex}>`;
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
}

function rgb(c: Rgb): string {
  return c.map((v) => num(v)).join(' ');
}

export class PdfPage {
  readonly ops: string[] = [];
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Draws text with its baseline at (x, y) from the bottom-left corner. */
  text(x: number, y: number, text: string, opts: { size?: number; font?: FontName; color?: Rgb } = {}): void {
    const size = opts.size ?? 10;
    const font = opts.font ?? 'regular';
    this.ops.push(`BT ${rgb(opts.color ?? [0, 0, 0])} rg`);
    let cx = x;
    for (const run of runs(text)) {
      // The CJK font has no bold face among the standard fonts; bold CJK runs stay regular.
      const fontRes = run.cjk ? 'F3' : font === 'bold' ? 'F2' : 'F1';
      this.ops.push(`/${fontRes} ${num(size)} Tf 1 0 0 1 ${num(cx)} ${num(y)} Tm ${run.cjk ? ucs2Hex(run.text) : latinString(run.text)} Tj`);
      cx += textWidth(run.text, size, font);
    }
    this.ops.push('ET');
  }

  rect(x: number, y: number, w: number, h: number, opts: { fill?: Rgb; stroke?: Rgb; lineWidth?: number }): void {
    const parts = ['q'];
    if (opts.fill) parts.push(`${rgb(opts.fill)} rg`);
    if (opts.stroke) parts.push(`${rgb(opts.stroke)} RG ${num(opts.lineWidth ?? 0.5)} w`);
    parts.push(`${num(x)} ${num(y)} ${num(w)} ${num(h)} re ${opts.fill && opts.stroke ? 'B' : opts.fill ? 'f' : 'S'} Q`);
    this.ops.push(parts.join(' '));
  }

  line(x1: number, y1: number, x2: number, y2: number, opts: { stroke?: Rgb; lineWidth?: number } = {}): void {
    this.ops.push(`q ${rgb(opts.stroke ?? [0, 0, 0])} RG ${num(opts.lineWidth ?? 0.5)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S Q`);
  }
}

function pdfTextString(text: string): string {
  // Document-information strings in UTF-16BE with a byte-order mark (PDF 1.4 §3.8.1), so CJK titles survive.
  return `<FEFF${[...text].map((ch) => (ch.codePointAt(0) as number > 0xffff ? 0xfffd : (ch.codePointAt(0) as number)).toString(16).padStart(4, '0')).join('')}>`;
}

function pdfDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `D:${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

export class PdfDocument {
  readonly pages: PdfPage[] = [];

  addPage(width = 842, height = 595): PdfPage {
    const page = new PdfPage(width, height);
    this.pages.push(page);
    return page;
  }

  toBuffer(info: { title: string; created: Date; producer?: string }): Buffer {
    const chunks: Buffer[] = [];
    let length = 0;
    const offsets: number[] = [];
    const write = (b: Buffer | string) => {
      const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
      chunks.push(buf);
      length += buf.length;
    };
    const object = (n: number, body: Buffer | string, stream?: Buffer) => {
      offsets[n] = length;
      write(`${n} 0 obj\n`);
      write(body);
      if (stream) {
        write('\nstream\n');
        write(stream);
        write('\nendstream');
      }
      write('\nendobj\n');
    };
    // Fixed object numbers: 1 catalog, 2 page tree, 3-5 fonts, 6 CJK descendant, 7 its descriptor, 8 info; pages from 9.
    const firstPage = 9;
    const pageIds = this.pages.map((_, i) => firstPage + i * 2);
    write('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
    object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    object(2, `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${this.pages.length} >>`);
    object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
    object(4, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
    object(5, '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>');
    object(
      6,
      '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 7 0 R /DW 1000 >>',
    );
    object(
      7,
      '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    );
    object(8, `<< /Title ${pdfTextString(info.title)} /Producer ${pdfTextString(info.producer ?? 'Vigil')} /CreationDate (${pdfDate(info.created)}) >>`);
    const resources = '<< /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> /ProcSet [/PDF /Text] >>';
    this.pages.forEach((page, i) => {
      const id = pageIds[i];
      object(id, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(page.width)} ${num(page.height)}] /Resources ${resources} /Contents ${id + 1} 0 R >>`);
      const content = deflateSync(Buffer.from(page.ops.join('\n'), 'latin1'));
      object(id + 1, `<< /Length ${content.length} /Filter /FlateDecode >>`, content);
    });
    const size = firstPage + this.pages.length * 2;
    const xref = length;
    write(`xref\n0 ${size}\n0000000000 65535 f \n`);
    for (let n = 1; n < size; n++) write(`${String(offsets[n]).padStart(10, '0')} 00000 n \n`);
    write(`trailer\n<< /Size ${size} /Root 1 0 R /Info 8 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
    return Buffer.concat(chunks);
  }
}
