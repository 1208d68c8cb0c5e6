// Dashboards: the dashboard API's metrics as charts for a period — alert volume by severity,
// incidents by state / grade / category, MTTD/MTTA/MTTC/MTTR with percentiles, SLA compliance,
// top rules / hosts / users / sources, and ATT&CK coverage as a matrix heat map.
import { ApiError, errorText, get } from '../api.ts';
import { attackMatrix, barList, stackedColumns } from '../charts.ts';
import { categoryName, gradeName, type Page } from '../context.ts';
import { clear, h } from '../dom.ts';
import { formatDuration, t, tv } from '../i18n.ts';

interface Bucket {
  key: string;
  count: number;
  title?: string;
}
interface Volume {
  start: string;
  total: number;
  bySeverity: Record<string, number>;
}
interface Duration {
  count: number;
  mean?: number;
  median?: number;
  p90?: number;
}
interface SlaRow {
  grade: string;
  met: number;
  breached: number;
  open: number;
  total: number;
  compliance?: number;
}
interface Coverage {
  tactics: Array<{ tactic: string; cells: Array<{ technique: string; status: 'both' | 'covered' | 'seen'; rules: number; alerts: number }> }>;
}

const severities = ['critical', 'high', 'medium', 'low', 'informational'] as const;
const periods = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
type Period = keyof typeof periods;

/** Lists come bare or wrapped ({items}, {buckets}, {rows}) depending on the route. */
function list<T>(v: unknown, ...keys: string[]): T[] {
  if (Array.isArray(v)) return v as T[];
  if (v && typeof v === 'object') {
    for (const k of [...keys, 'items', 'buckets', 'rows']) {
      const x = (v as Record<string, unknown>)[k];
      if (Array.isArray(x)) return x as T[];
    }
  }
  return [];
}

function tacticLabel(tc: string): string {
  return tc.replace(/_/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());
}

export const dashboardPage: Page = async (root, ctx) => {
  const asked = ctx.params.get('period') ?? '24h';
  const period: Period = asked in periods ? (asked as Period) : '24h';
  const to = new Date();
  const from = new Date(to.getTime() - periods[period]);
  const range = { from: from.toISOString(), to: to.toISOString() };
  const cls = ctx.classification;

  const card = (id: string, titleKey: Parameters<typeof t>[0], wide = false, extraTitle?: string) =>
    h('section', { class: `card dash-card${wide ? ' wide' : ''}`, id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, extraTitle ?? t(titleKey)), h('div', { class: 'dash-body' }, h('div', { class: 'skeleton-block' }, h('span', { class: 'bar' }), h('span', { class: 'bar' }))));
  const cards = {
    volume: card('d-volume', 'dash.volume', true),
    state: card('d-state', 'dash.byState'),
    grade: card('d-grade', 'dash.byGrade'),
    category: card('d-category', 'dash.byCategory'),
    times: card('d-times', 'dash.times'),
    sla: card('d-sla', 'dash.sla'),
    top: card('d-top', 'dash.top', true, t('dash.top', { what: '' }).trim()),
    attack: card('d-attack', 'dash.attack', true),
  };
  const body = (c: HTMLElement) => c.querySelector('.dash-body') as HTMLElement;

  const periodNav = h(
    'div',
    { class: 'tabs', role: 'list', 'aria-label': t('dash.period') },
    (Object.keys(periods) as Period[]).map((p) => h('a', { role: 'listitem', href: `#/dashboard?period=${p}`, class: p === period ? 'tab active' : 'tab', 'aria-current': p === period ? 'page' : null }, t(`dash.period.${p}`))),
  );
  clear(root, h('div', { class: 'page-head' }, h('h1', {}, t('dash.title')), periodNav), h('div', { class: 'dash-grid' }, Object.values(cards)));

  const paths = {
    volume: '/metrics/alerts/volume',
    incidents: '/metrics/incidents/breakdown',
    times: '/metrics/response-times',
    sla: '/metrics/sla',
    top: '/metrics/top',
    attack: '/metrics/attack-coverage',
  };
  const intervalMs = period === '24h' ? 3_600_000 : 86_400_000;

  const section = async (c: HTMLElement, path: string, query: Record<string, string | number>, draw: (data: unknown) => Node) => {
    try {
      const data = await get<unknown>(path, { ...range, ...query });
      clear(body(c), draw(data));
    } catch (err) {
      clear(body(c), unavailable(err));
    }
  };
  const empty = () => h('p', { class: 'muted' }, t('dash.noData'));
  // A server without the dashboard stage answers 404 for these routes.
  const unavailable = (err: unknown) =>
    err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND' && err.message.startsWith('no route') ? h('p', { class: 'muted' }, t('dash.unavailable')) : h('p', { class: 'error-text', role: 'alert' }, errorText(err));

  await Promise.all([
    section(cards.volume, paths.volume, { interval: intervalMs === 3_600_000 ? '1h' : '1d' }, (data) => {
      const got = new Map(list<Volume>(data, 'volume').map((r) => [Date.parse(r.start), r]));
      // The API returns buckets between the first and last alert; the chart spans the whole period.
      const rows: Volume[] = [];
      for (let at = Math.floor(from.getTime() / intervalMs) * intervalMs; at < to.getTime(); at += intervalMs) {
        rows.push(got.get(at) ?? { start: new Date(at).toISOString(), total: 0, bySeverity: {} });
      }
      const total = rows.reduce((a, r) => a + r.total, 0);
      if (!total) return empty();
      const fmt = (iso: string) => (intervalMs < 86_400_000 ? iso.slice(11, 16) : iso.slice(5, 10));
      return h(
        'div',
        {},
        stackedColumns(
          rows.map((r) => ({ label: fmt(r.start), title: `${r.start}: ${r.total}`, parts: severities.map((s) => ({ key: s, value: r.bySeverity[s] ?? 0 })).reverse() })),
          severities.map((s) => ({ key: s, label: tv('sev', s) })),
          { ariaLabel: t('dash.volume') },
        ),
        h('p', { class: 'muted small' }, t('dash.total', { n: total })),
      );
    }),
    (async () => {
      const path = paths.incidents;
      const draw = (c: HTMLElement, rows: Bucket[], label: (k: string) => string, cls2: (k: string) => string, href: (k: string) => string) =>
        clear(body(c), rows.length ? barList(rows.map((b) => ({ label: label(b.key), value: b.count, cls: cls2(b.key), href: href(b.key) })), { ariaLabel: '' }) : empty());
      try {
        const b = await get<{ byState: Bucket[]; byGrade: Bucket[]; byCategory: Bucket[] }>(path, range);
        draw(cards.state, b.byState ?? [], (k) => tv('state', k), (k) => `fill-state-${k}`, (k) => `#/queue?state=${k}`);
        draw(cards.grade, b.byGrade ?? [], (k) => gradeName(cls, k) || k, () => 'fill-bar', (k) => `#/queue?grade=${k}`);
        draw(cards.category, b.byCategory ?? [], (k) => categoryName(cls, k) || k, () => 'fill-bar', (k) => `#/queue?category=${encodeURIComponent(k)}`);
      } catch (err) {
        for (const c of [cards.state, cards.grade, cards.category]) clear(body(c), unavailable(err));
      }
    })(),
    section(cards.times, paths.times, {}, (data) => {
      const d = data as Record<string, Duration | undefined>;
      const cell = (v: number | undefined) => h('td', { class: 'c-num' }, v === undefined ? '—' : formatDuration(v));
      return h(
        'table',
        { class: 'grid small' },
        h('thead', {}, h('tr', {}, h('th', {}, t('dash.metric')), h('th', {}, t('dash.mean')), h('th', {}, t('dash.median')), h('th', {}, t('dash.p90')), h('th', {}, t('dash.samples')))),
        h(
          'tbody',
          {},
          (['mttd', 'mtta', 'mttc', 'mttr'] as const).map((m) => h('tr', { 'data-metric': m }, h('th', { scope: 'row' }, t(`dash.${m}`)), cell(d[m]?.mean), cell(d[m]?.median), cell(d[m]?.p90), h('td', { class: 'c-num' }, String(d[m]?.count ?? 0)))),
        ),
      );
    }),
    section(cards.sla, paths.sla, {}, (data) => {
      const rows = list<SlaRow>(data, 'grades');
      if (!rows.length) return empty();
      return h(
        'table',
        { class: 'grid small' },
        h('thead', {}, h('tr', {}, h('th', {}, t('field.grade')), h('th', {}, t('dash.met')), h('th', {}, t('dash.breached')), h('th', {}, t('dash.open')), h('th', {}, t('dash.compliance')))),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h('tr', {}, h('th', { scope: 'row' }, gradeName(cls, r.grade) || r.grade), h('td', { class: 'c-num' }, String(r.met)), h('td', { class: 'c-num' }, String(r.breached)), h('td', { class: 'c-num' }, String(r.open)), h('td', { class: 'c-num' }, r.compliance === undefined ? '—' : `${Math.round(r.compliance * 100)}%`)),
          ),
        ),
      );
    }),
    (async () => {
      const path = paths.top;
      const fields = ['rule', 'host', 'user', 'source_ip'] as const;
      const parts = await Promise.all(
        fields.map(async (f) => {
          try {
            const rows = list<Bucket>(await get<unknown>(path, { ...range, field: f, size: 5 }));
            const href = (k: string) => (f === 'rule' ? `#/rules?q=${encodeURIComponent(k)}` : f === 'host' ? `#/queue?host=${encodeURIComponent(k)}` : f === 'user' ? `#/queue?user=${encodeURIComponent(k)}` : `#/events?q=${encodeURIComponent(`source.ip:"${k}"`)}`);
            return h('div', { class: 'top-list' }, h('h3', {}, t('dash.top', { what: t(`dash.top.${f}`) })), rows.length ? barList(rows.map((b) => ({ label: b.title ?? b.key, value: b.count, href: href(b.key) })), { ariaLabel: t(`dash.top.${f}`) }) : empty());
          } catch (err) {
            return h('div', { class: 'top-list' }, h('h3', {}, t('dash.top', { what: t(`dash.top.${f}`) })), unavailable(err));
          }
        }),
      );
      clear(body(cards.top), h('div', { class: 'top-grid' }, parts));
    })(),
    section(cards.attack, paths.attack, {}, (data) => {
      const cov = data as Coverage;
      if (!cov.tactics?.length) return empty();
      return h(
        'div',
        {},
        h(
          'p',
          { class: 'legend-row small' },
          h('span', { class: 'matrix-cell st-both' }, t('dash.attack.both')),
          h('span', { class: 'matrix-cell st-covered' }, t('dash.attack.covered')),
          h('span', { class: 'matrix-cell st-seen' }, t('dash.attack.seen')),
        ),
        attackMatrix(
          // ATT&CK data-source tags (attack.ds0005) are not tactics.
          cov.tactics.filter((c) => !/^ds\d{4}$/i.test(c.tactic)).map((c) => ({
            tactic: c.tactic,
            label: tv('tactic', c.tactic) === c.tactic ? tacticLabel(c.tactic) : tv('tactic', c.tactic),
            cells: c.cells.map((x) => ({ ...x, title: t('dash.attack.cell', { technique: x.technique, rules: x.rules, alerts: x.alerts }) })),
          })),
          t('dash.attack'),
        ),
      );
    }),
  ]);
};
