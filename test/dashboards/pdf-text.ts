// A minimal PDF reader for tests: checks the xref table points at the objects, inflates each page's
// content stream and collects the strings shown with Tj, decoding literal strings as WinAnsi and
// hex strings under the CJK font (F3, UniGB-UCS2-H) as UCS-2. Enough to read back Vigil's own PDFs.
import { inflateSync } from 'node:zlib';

export interface PdfText {
  pages: string[][];
  /** Every page's lines joined with newlines. */
  text: string;
  objectCount: number;
}

function unescapeLiteral(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s[++i];
    if (/[0-7]/.test(n)) {
      const oct = s.slice(i, i + 3).match(/^[0-7]{1,3}/)?.[0] ?? n;
      i += oct.length - 1;
      const code = Number.parseInt(oct, 8);
      // WinAnsi bytes the writer uses above 0x7e, back to their characters.
      const winAnsi = new Map([
        [0x85, '…'],
        [0x96, '–'],
        [0x97, '—'],
        [0x95, '•'],
      ]);
      out += winAnsi.get(code) ?? String.fromCharCode(code);
    } else out += { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' }[n] ?? n;
  }
  return out;
}

export function readPdfText(pdf: Buffer): PdfText {
  const raw = pdf.toString('latin1');
  if (!raw.startsWith('%PDF-1.')) throw new Error('not a PDF: no %PDF- header');
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(raw)?.[1]);
  if (!Number.isFinite(startxref) || !raw.startsWith('xref', startxref)) throw new Error('startxref does not point at the xref table');
  const xref = /^xref\n0 (\d+)\n/.exec(raw.slice(startxref));
  if (!xref) throw new Error('unreadable xref header');
  const count = Number(xref[1]);
  const entries = raw.slice(startxref + xref[0].length).split('\n').slice(0, count);
  entries.forEach((e, n) => {
    if (n === 0) return;
    const offset = Number(e.slice(0, 10));
    if (!raw.startsWith(`${n} 0 obj`, offset)) throw new Error(`xref entry ${n} points at offset ${offset}, which is not object ${n}`);
  });
  // Page objects in /Kids order, each with its /Contents stream object.
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(raw)?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
  const objectAt = (n: number) => {
    const offset = Number(entries[n].slice(0, 10));
    return pdf.subarray(offset);
  };
  const pages: string[][] = [];
  for (const pageId of kids) {
    const pageObj = objectAt(pageId).toString('latin1');
    const contentsId = Number(/\/Contents (\d+) 0 R/.exec(pageObj.slice(0, pageObj.indexOf('endobj')))?.[1]);
    const obj = objectAt(contentsId);
    const head = obj.toString('latin1', 0, 200);
    const length = Number(/\/Length (\d+)/.exec(head)?.[1]);
    const start = head.indexOf('stream\n') + 'stream\n'.length;
    const ops = inflateSync(obj.subarray(start, start + length)).toString('latin1');
    const lines: string[] = [];
    for (const block of ops.split(/\bET\b/)) {
      let font = '';
      let line = '';
      for (const m of block.matchAll(/\/(F\d) [\d.]+ Tf|\((?:\\.|[^\\)])*\) Tj|<([0-9a-fA-F]*)> Tj/g)) {
        if (m[1]) font = m[1];
        else if (m[2] !== undefined) {
          if (font !== 'F3') throw new Error(`hex string under font ${font}`);
          for (let i = 0; i < m[2].length; i += 4) line += String.fromCharCode(Number.parseInt(m[2].slice(i, i + 4), 16));
        } else line += unescapeLiteral(m[0].slice(1, m[0].length - 4));
      }
      if (line) lines.push(line);
    }
    pages.push(lines);
  }
  return { pages, text: pages.map((p) => p.join('\n')).join('\n'), objectCount: count };
}
