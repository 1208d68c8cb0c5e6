// The report as PDF (landscape A4): a summary page with figures and two vector bar charts
// (incidents by grade, by category), the incident register one block per incident, and the
// audit-log extract as a table. Page footers carry the period and "page n of N".
import type { Bucket } from '../../core/storage/types.ts';
import type { DurationStats } from '../metrics/stats.ts';
import type { IncidentReport, RegisterRow } from './incident-report.ts';
import { type FontName, fitText, PdfDocument, type PdfPage, type Rgb, textWidth, wrapText } from './pdf-writer.ts';

const W = 842;
const H = 595;
const M = 40;
const grey: Rgb = [0.45, 0.45, 0.45];
const light: Rgb = [0.85, 0.85, 0.85];
const barColour: Rgb = [0.18, 0.38, 0.66];
const gradeColour: Record<string, Rgb> = { I: [0.7, 0.1, 0.1], II: [0.85, 0.4, 0.1], III: [0.9, 0.7, 0.1], IV: [0.3, 0.55, 0.3] };

/** 3725 s → '1h 2m 5s'. */
export function humanDuration(seconds: number): string {
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s % 60}s`].filter(Boolean);
  return parts.slice(0, 3).join(' ');
}

function statLine(name: string, st: DurationStats): string {
  if (!st.count) return `${name}: no data`;
  return `${name}: median ${humanDuration(st.median as number)}, p90 ${humanDuration(st.p90 as number)} (n=${st.count})`;
}

class Layout {
  page!: PdfPage;
  y = 0;
  constructor(readonly doc: PdfDocument) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage(W, H);
    this.y = H - M;
  }

  /** Starts a new page unless `height` points still fit above the footer. */
  need(height: number): void {
    if (this.y - height < M + 14) this.newPage();
  }

  line(text: string, opts: { size?: number; font?: FontName; color?: Rgb; indent?: number; gap?: number } = {}): void {
    const size = opts.size ?? 9;
    const lead = size * 1.35;
    for (const l of wrapText(text, W - 2 * M - (opts.indent ?? 0), size, opts.font)) {
      this.need(lead);
      this.y -= lead;
      this.page.text(M + (opts.indent ?? 0), this.y, l, { size, font: opts.font, color: opts.color });
    }
    this.y -= opts.gap ?? 0;
  }
}

function verticalBars(page: PdfPage, x: number, y: number, w: number, h: number, title: string, buckets: Bucket[]): void {
  page.text(x, y + h + 16, title, { size: 11, font: 'bold' });
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const plotH = h - 18;
  const base = y + 18;
  page.line(x, base, x + w, base, { stroke: grey });
  const slot = w / Math.max(1, buckets.length);
  const bw = Math.min(50, slot * 0.6);
  buckets.forEach((b, i) => {
    const bh = (b.count / max) * (plotH - 14);
    const bx = x + slot * i + (slot - bw) / 2;
    page.rect(bx, base, bw, bh, { fill: gradeColour[b.key] ?? barColour });
    const v = String(b.count);
    page.text(bx + (bw - textWidth(v, 9)) / 2, base + bh + 3, v, { size: 9 });
    const label = fitText(b.key, slot - 2, 9);
    page.text(bx + (bw - textWidth(label, 9)) / 2, y + 5, label, { size: 9 });
  });
}

function horizontalBars(page: PdfPage, x: number, y: number, w: number, h: number, title: string, buckets: Array<{ label: string; count: number }>): void {
  page.text(x, y + h + 16, title, { size: 11, font: 'bold' });
  const labelW = Math.min(190, w * 0.5);
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const rowH = Math.min(22, h / Math.max(1, buckets.length));
  const plotW = w - labelW - 30;
  page.line(x + labelW, y, x + labelW, y + h, { stroke: grey });
  buckets.forEach((b, i) => {
    const top = y + h - rowH * (i + 1);
    const bw = (b.count / max) * plotW;
    page.text(x, top + rowH * 0.3, fitText(b.label, labelW - 6, 8), { size: 8 });
    page.rect(x + labelW, top + rowH * 0.15, bw, rowH * 0.7, { fill: barColour });
    page.text(x + labelW + bw + 4, top + rowH * 0.3, String(b.count), { size: 8 });
  });
}

function summaryPage(l: Layout, r: IncidentReport): void {
  l.line('Vigil incident report', { size: 20, font: 'bold', gap: 4 });
  l.line(`Period: ${r.period.from} to ${r.period.to} (incidents created in the period)`, { size: 10 });
  l.line(`Generated ${r.generatedAt} by ${r.generatedBy}`, { size: 10, color: grey, gap: 8 });
  const s = r.summary;
  l.line('Summary', { size: 13, font: 'bold', gap: 2 });
  l.line(`Incidents: ${s.incidents}`, { size: 10 });
  l.line(`By state: ${s.byState.map((b) => `${b.key} ${b.count}`).join(', ') || 'none'}`, { size: 10 });
  l.line(`By grade: ${s.byGrade.map((b) => `${b.key} ${b.count}`).join(', ') || 'none'}`, { size: 10 });
  l.line(`SLA: met ${s.sla.met}, breached ${s.sla.breached}, open ${s.sla.open}`, { size: 10 });
  for (const g of s.slaByGrade) l.line(`SLA grade ${g.grade}: met ${g.met}, breached ${g.breached}, open ${g.open}`, { size: 9, indent: 12 });
  l.line(statLine('MTTA (first alert to triaged)', s.responseTimes.mtta), { size: 10 });
  l.line(statLine('MTTC (first alert to contained)', s.responseTimes.mttc), { size: 10 });
  l.line(statLine('MTTR (first alert to closed)', s.responseTimes.mttr), { size: 10, gap: 10 });
  const chartH = Math.min(200, l.y - M - 60);
  if (chartH < 80) {
    l.newPage();
  }
  const h = Math.min(200, l.y - M - 60);
  const y = l.y - h - 30;
  const gradeBuckets = ['I', 'II', 'III', 'IV'].map((g) => ({ key: g, count: s.byGrade.find((b) => b.key === g)?.count ?? 0 }));
  const ungraded = s.byGrade.find((b) => b.key === 'ungraded');
  if (ungraded) gradeBuckets.push(ungraded);
  verticalBars(l.page, M, y, 300, h, 'Incidents by grade', gradeBuckets);
  horizontalBars(
    l.page,
    M + 360,
    y,
    W - 2 * M - 360,
    h,
    'Incidents by category',
    s.byCategory.map((b) => ({ label: b.name ? `${b.name.zh} ${b.name.en}` : b.key, count: b.count })),
  );
  l.y = y - 10;
}

function registerBlock(l: Layout, row: RegisterRow): void {
  l.need(60);
  l.y -= 6;
  l.page.line(M, l.y, W - M, l.y, { stroke: light });
  l.line(`${row.id}  ${row.title}`, { size: 10, font: 'bold' });
  const category = row.category ? `${row.categoryName ? `${row.categoryName.zh} ${row.categoryName.en}` : row.category}${row.subcategory ? ` / ${row.subcategoryName ? `${row.subcategoryName.zh} ${row.subcategoryName.en}` : row.subcategory}` : ''}` : 'unclassified';
  l.line(`State ${row.state} | Severity ${row.severity} | Grade ${row.grade ?? '-'} | Classification ${category} | Resolution ${row.resolution ?? '-'}`, { size: 8.5 });
  const clocks = Object.entries(row.sla.clocks).map(([k, v]) => `${k} ${v}`).join(', ');
  l.line(`SLA ${row.sla.outcome}${clocks ? ` (${clocks})` : ''}`, { size: 8.5 });
  const phases = Object.entries(row.phases).map(([state, at]) => `${state} ${at}`).join('  ·  ');
  l.line(`Phases: ${phases}`, { size: 8.5 });
  if (row.summary) l.line(`Summary: ${row.summary}`, { size: 8.5 });
  if (row.actions.length) {
    l.line('Actions taken:', { size: 8.5, font: 'bold' });
    for (const a of row.actions) l.line(`${a.at}  ${a.actor}: ${a.action}`, { size: 8, indent: 12 });
  } else l.line('Actions taken: none', { size: 8.5 });
  const approvals = row.approvals.map((a) => `${a.by} ${a.approved ? 'approved' : 'denied'} ${a.step}${a.at ? ` at ${a.at}` : ''}`);
  l.line(`Approvers: ${approvals.join('; ') || 'none'}`, { size: 8.5 });
}

function auditTable(l: Layout, r: IncidentReport): void {
  const cols = [
    { title: 'Time', w: 125 },
    { title: 'Actor', w: 170 },
    { title: 'Action', w: 130 },
    { title: 'Target', w: W - 2 * M - 425 },
  ];
  const header = () => {
    l.need(28);
    l.y -= 12;
    let x = M;
    for (const c of cols) {
      l.page.text(x, l.y, c.title, { size: 8.5, font: 'bold' });
      x += c.w;
    }
    l.y -= 3;
    l.page.line(M, l.y, W - M, l.y, { stroke: grey });
  };
  header();
  for (const e of r.audit) {
    if (l.y - 11 < M + 14) {
      l.newPage();
      header();
    }
    l.y -= 11;
    let x = M;
    for (const [i, v] of [e.at, e.actor, e.action, e.target].entries()) {
      l.page.text(x, l.y, fitText(v, cols[i].w - 6, 7.5), { size: 7.5 });
      x += cols[i].w;
    }
  }
  if (!r.audit.length) l.line('No audit entries in the period.', { size: 9 });
}

export function renderPdf(report: IncidentReport): Buffer {
  const doc = new PdfDocument();
  const l = new Layout(doc);
  summaryPage(l, report);
  l.newPage();
  l.line(`Incident register (${report.incidents.length})`, { size: 14, font: 'bold', gap: 2 });
  if (!report.incidents.length) l.line('No incidents were created in the period.', { size: 10 });
  for (const row of report.incidents) registerBlock(l, row);
  l.newPage();
  l.line(`Audit-log extract (${report.audit.length} entries)`, { size: 14, font: 'bold', gap: 2 });
  auditTable(l, report);
  doc.pages.forEach((p, i) => {
    const footer = `Vigil incident report ${report.period.from} to ${report.period.to}  ·  page ${i + 1} of ${doc.pages.length}`;
    p.text(W - M - textWidth(footer, 7.5), M - 18, footer, { size: 7.5, color: grey });
  });
  return doc.toBuffer({ title: `Vigil incident report ${report.period.from} to ${report.period.to}`, created: new Date(report.generatedAt) });
}
