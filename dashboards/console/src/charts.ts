// Charts drawn as SVG with fixed view boxes (so they take their space before data arrives):
// stacked columns over time, horizontal bars, and the ATT&CK matrix heat map. Colours come from
// CSS classes so the stylesheet owns the palette and the CSP needs no inline styles.
import { h, s } from './dom.ts';

export interface StackedColumn {
  label: string;
  title: string;
  parts: Array<{ key: string; value: number }>;
}

const W = 1200;

function niceMax(v: number): number {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return v;
}

/** Columns over time, each split by key (severity); a legend names the keys. */
export function stackedColumns(cols: StackedColumn[], keys: Array<{ key: string; label: string }>, opts: { height?: number; ariaLabel: string }): SVGElement {
  const H = opts.height ?? 240;
  const left = 36;
  const bottom = 24;
  const top = 24;
  const max = niceMax(Math.max(1, ...cols.map((c) => c.parts.reduce((a, p) => a + p.value, 0))));
  const plotW = W - left - 8;
  const plotH = H - bottom - top;
  const bw = cols.length ? plotW / cols.length : plotW;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': opts.ariaLabel });
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH * (1 - f);
    svg.append(s('line', { x1: left, x2: W - 8, y1: y, y2: y, class: 'grid-line' }), s('text', { x: left - 4, y: y + 4, class: 'axis', 'text-anchor': 'end' }, String(Math.round(max * f))));
  }
  cols.forEach((c, i) => {
    let y = top + plotH;
    const g = s('g', {}, s('title', {}, c.title));
    for (const p of c.parts) {
      if (p.value <= 0) continue;
      const hgt = (p.value / max) * plotH;
      y -= hgt;
      g.append(s('rect', { x: left + i * bw + 1, y, width: Math.max(1, bw - 2), height: hgt, class: `fill-${p.key}` }));
    }
    svg.append(g);
    const every = Math.ceil(cols.length / 8);
    if (i % every === 0) svg.append(s('text', { x: left + i * bw + bw / 2, y: H - 6, class: 'axis', 'text-anchor': 'middle' }, c.label));
  });
  let lx = left;
  for (const k of keys) {
    svg.append(s('rect', { x: lx, y: 6, width: 10, height: 10, class: `fill-${k.key}` }), s('text', { x: lx + 14, y: 15, class: 'legend' }, k.label));
    lx += 14 + k.label.length * 7 + 16;
  }
  return svg;
}

/** Horizontal bars with the label left and the count right. */
export function barList(rows: Array<{ label: string; value: number; cls?: string; href?: string }>, opts: { ariaLabel: string; max?: number }): HTMLElement {
  const max = Math.max(1, opts.max ?? 0, ...rows.map((r) => r.value));
  return h(
    'ul',
    { class: 'bars', 'aria-label': opts.ariaLabel },
    rows.map((r) => {
      const bar = s('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', class: 'bar-svg', 'aria-hidden': 'true' }, s('rect', { x: 0, y: 0, width: (r.value / max) * 100, height: 10, class: r.cls ?? 'fill-bar' }));
      const label = r.href ? h('a', { href: r.href }, r.label) : h('span', {}, r.label);
      return h('li', {}, h('span', { class: 'bar-label', title: r.label }, label), bar, h('span', { class: 'bar-value' }, String(r.value)));
    }),
  );
}

export interface HeatCell {
  technique: string;
  status: 'both' | 'covered' | 'seen';
  rules: number;
  alerts: number;
  title: string;
}

/**
 * The ATT&CK matrix as a heat map: one column per tactic, one small tile per technique, coloured
 * by coverage (rules), and by how many alerts showed it in the period. Techniques that alerted are
 * labelled; every tile names itself on hover and focus (title) so the map stays compact.
 */
export function attackMatrix(columns: Array<{ tactic: string; label: string; cells: HeatCell[] }>, ariaLabel: string): HTMLElement {
  const maxAlerts = Math.max(1, ...columns.flatMap((c) => c.cells.map((x) => x.alerts)));
  return h(
    'div',
    { class: 'matrix', role: 'list', 'aria-label': ariaLabel },
    columns.map((c) => {
      const seen = c.cells.filter((x) => x.alerts > 0).sort((a, b) => b.alerts - a.alerts);
      const quiet = c.cells.filter((x) => x.alerts === 0);
      return h(
        'div',
        { class: 'matrix-col', role: 'listitem', 'data-tactic': c.tactic },
        h('div', { class: 'matrix-head' }, c.label, h('span', { class: 'matrix-count' }, `${seen.length} / ${c.cells.length}`)),
        seen.map((cell) => {
          const heat = Math.min(5, 1 + Math.floor((cell.alerts / maxAlerts) * 4));
          return h('div', { class: `matrix-cell st-${cell.status} heat-${heat}`, title: cell.title, tabindex: '0', 'data-technique': cell.technique }, `${cell.technique} · ${cell.alerts}`);
        }),
        h('div', { class: 'tiles' }, quiet.map((cell) => h('span', { class: `tile st-${cell.status}`, title: cell.title, 'data-technique': cell.technique }))),
      );
    }),
  );
}
