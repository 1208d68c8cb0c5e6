// The PDF writer's text handling: Latin text in WinAnsi with escapes, CJK runs in STSong-Light as
// UCS-2, widths from the Helvetica metrics, wrapping and fitting; read back by the test reader.
import { describe, expect, it } from 'vitest';
import { fitText, PdfDocument, textWidth, wrapText } from '../../dashboards/reports/pdf-writer.ts';
import { readPdfText } from './pdf-text.ts';

describe('PDF writer', () => {
  it('writes Latin, escaped and Chinese text that reads back, with a valid xref', () => {
    const doc = new PdfDocument();
    const p = doc.addPage();
    p.text(40, 500, 'Incident (a\\b) café – done');
    p.text(40, 480, 'Category 网络攻击事件 Network attack');
    p.text(40, 460, 'state new → triaged', { font: 'bold' });
    p.rect(40, 300, 100, 50, { fill: [0.2, 0.4, 0.6] });
    doc.addPage().text(40, 500, 'second page');
    const pdf = doc.toBuffer({ title: '报告 report', created: new Date('2026-03-02T00:00:00Z') });
    const read = readPdfText(pdf);
    expect(read.pages).toEqual([['Incident (a\\b) café – done', 'Category 网络攻击事件 Network attack', 'state new -> triaged'], ['second page']]);
    const raw = pdf.toString('latin1');
    expect(raw).toContain('/Title <FEFF62a5544a0020007200650070006f00720074>');
    expect(raw).toContain('/BaseFont /Helvetica /Encoding /WinAnsiEncoding');
  });

  it('measures with the Helvetica metrics, wraps at spaces and between CJK characters, fits with an ellipsis', () => {
    // 'Hello' in Helvetica: H 722 + e 556 + l 222 + l 222 + o 556 = 2278 / 1000 em.
    expect(textWidth('Hello', 10)).toBeCloseTo(22.78, 6);
    expect(textWidth('Hello', 10, 'bold')).toBeCloseTo(24.45, 6);
    expect(textWidth('网络', 10)).toBe(20);
    expect(wrapText('alpha beta gamma delta', textWidth('gamma delta', 10), 10)).toEqual(['alpha beta', 'gamma delta']);
    expect(wrapText('网络攻击事件', 30, 10)).toEqual(['网络攻', '击事件']);
    const fitted = fitText('a very long incident title that cannot fit', 60, 10);
    expect(fitted.endsWith('…')).toBe(true);
    expect(textWidth(fitted, 10)).toBeLessThanOrEqual(60);
  });
});
