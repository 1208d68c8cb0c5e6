// The incident queue: filters kept in the URL (so a clicked field elsewhere opens a filtered
// queue), counts per state, sorting, cursor paging, live refresh by polling, bulk assign and
// bulk transition. The table keeps its height while loading so nothing jumps.
import { errorText, get, post } from '../api.ts';
import { canWrite, categoryName, gradeName, type Page, severityBadge, stateBadge } from '../context.ts';
import { clear, h } from '../dom.ts';
import { formatTime, t, tv } from '../i18n.ts';

export interface IncidentItem {
  id: string;
  version: number;
  title: string;
  state: string;
  severity: string;
  grade?: string;
  category?: string;
  subcategory?: string;
  assignee?: string;
  tags: string[];
  ruleIds: string[];
  hosts: string[];
  users: string[];
  createdAt: string;
  updatedAt: string;
  fields: Record<string, unknown>;
}

interface PageOf<T> {
  items: T[];
  nextCursor?: string;
}

export const states = ['new', 'triaged', 'contained', 'eradicated', 'recovered', 'closed'] as const;
const severities = ['critical', 'high', 'medium', 'low', 'informational'] as const;
const grades = ['I', 'II', 'III', 'IV'] as const;
const filterNames = ['severity', 'grade', 'category', 'assignee', 'rule', 'host', 'user', 'q', 'from', 'to', 'sort', 'order'] as const;
const PAGE_SIZE = 25;
const REFRESH_MS = 5000;

function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

function select(name: string, label: string, options: Array<[string, string]>, value: string | null, any = true): HTMLElement {
  const id = `f-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name }, any ? h('option', { value: '' }, t('common.any')) : null, options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))),
  );
}

function text(name: string, label: string, value: string | null, extra: Record<string, string> = {}): HTMLElement {
  const id = `f-${name}`;
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name, type: 'text', value: value ?? '', ...extra }));
}

export const queuePage: Page = async (root, ctx) => {
  const p = ctx.params;
  const state = p.get('state') ?? '';
  const writable = canWrite(ctx.me.role);
  const cls = ctx.classification;

  const baseQuery = (): Record<string, string | undefined> => {
    const q: Record<string, string | undefined> = {};
    for (const n of filterNames) q[n] = p.get(n) ?? undefined;
    return q;
  };

  // ---- filters
  const form = h(
    'form',
    {
      class: 'filters card',
      'aria-label': t('queue.filters'),
      onsubmit: (e: Event) => {
        e.preventDefault();
        const fd = new FormData(form);
        const next = new URLSearchParams();
        if (state) next.set('state', state);
        for (const n of filterNames) {
          let v = String(fd.get(n) ?? '').trim();
          if ((n === 'from' || n === 'to') && v) v = toIso(v) ?? '';
          if (v) next.set(n, v);
        }
        ctx.navigate(`#/queue?${next.toString()}`);
      },
    },
    text('q', t('field.text'), p.get('q'), { 'data-search': '', placeholder: t('queue.searchHint'), type: 'search' }),
    select('severity', t('field.severity'), severities.map((s) => [s, tv('sev', s)]), p.get('severity')),
    select('grade', t('field.grade'), grades.map((g) => [g, gradeName(cls, g)]), p.get('grade')),
    select('category', t('field.category'), (cls?.categories ?? []).map((c) => [c.key, categoryName(cls, c.key)]), p.get('category')),
    text('assignee', t('field.assignee'), p.get('assignee')),
    text('rule', t('field.rule'), p.get('rule')),
    text('host', t('field.host'), p.get('host')),
    text('user', t('field.user'), p.get('user')),
    h('div', { class: 'field' }, h('label', { for: 'f-from' }, t('common.from')), h('input', { id: 'f-from', name: 'from', type: 'datetime-local', value: toLocalInput(p.get('from')) })),
    h('div', { class: 'field' }, h('label', { for: 'f-to' }, t('common.to')), h('input', { id: 'f-to', name: 'to', type: 'datetime-local', value: toLocalInput(p.get('to')) })),
    select('sort', t('field.sort'), (['createdAt', 'updatedAt', 'severity'] as const).map((s) => [s, tv('sort', s)]), p.get('sort'), false),
    select('order', t('field.order'), (['desc', 'asc'] as const).map((s) => [s, tv('order', s)]), p.get('order'), false),
    h(
      'div',
      { class: 'field buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'apply-filters' }, t('common.apply')),
      h('a', { class: 'button', href: '#/queue' }, t('common.reset')),
    ),
  );

  // ---- state tabs with counts
  const tabs = h('div', { class: 'tabs', role: 'list' });
  const countEls = new Map<string, HTMLElement>();
  const tabFor = (s: string, label: string) => {
    const next = new URLSearchParams(p);
    if (s) next.set('state', s);
    else next.delete('state');
    const count = h('span', { class: 'count', 'data-count': s || 'all' }, '–');
    countEls.set(s, count);
    return h('a', { role: 'listitem', href: `#/queue?${next.toString()}`, class: s === state ? 'tab active' : 'tab', 'aria-current': s === state ? 'page' : null }, label, ' ', count);
  };
  tabs.append(tabFor('', t('state.all')), ...states.map((s) => tabFor(s, tv('state', s))));

  // ---- table
  const selected = new Set<string>();
  const tbody = h('tbody');
  const selectAll = h('input', { type: 'checkbox', 'aria-label': t('queue.selectAll'), disabled: !writable });
  const table = h(
    'table',
    { class: 'grid queue', id: 'queue-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'c-check' }, selectAll),
        h('th', { class: 'c-sev' }, t('field.severity')),
        h('th', { class: 'c-title' }, t('field.title')),
        h('th', { class: 'c-state' }, t('field.state')),
        h('th', { class: 'c-grade' }, t('field.grade')),
        h('th', { class: 'c-cat' }, t('field.category')),
        h('th', { class: 'c-assignee' }, t('field.assignee')),
        h('th', { class: 'c-num' }, t('field.alerts')),
        h('th', { class: 'c-time' }, t('field.created')),
      ),
    ),
    tbody,
  );
  for (let i = 0; i < 8; i++) tbody.append(h('tr', { class: 'skeleton' }, h('td', { colspan: '9' }, h('span', { class: 'bar' }))));

  const status = h('p', { class: 'muted live', role: 'status' }, t('common.loading'));
  const cursors: string[] = [];
  const cursor = p.get('cursor') ?? undefined;
  const pager = h('div', { class: 'pager' });
  let items: IncidentItem[] = [];

  const bulk = h('div', { class: 'bulk card', hidden: true, id: 'bulk' });
  const updateBulk = () => {
    bulk.hidden = !writable || selected.size === 0;
    const label = bulk.querySelector('[data-selected]');
    if (label) label.textContent = t('queue.selected', { n: selected.size });
    selectAll.checked = items.length > 0 && items.every((i) => selected.has(i.id));
  };
  selectAll.addEventListener('change', () => {
    for (const i of items) {
      if (selectAll.checked) selected.add(i.id);
      else selected.delete(i.id);
    }
    for (const cb of tbody.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) cb.checked = selectAll.checked;
    updateBulk();
  });

  const renderRows = () => {
    if (items.length === 0) {
      clear(tbody, h('tr', {}, h('td', { colspan: '9', class: 'empty' }, t('queue.empty'))));
      return;
    }
    clear(
      tbody,
      items.map((i) => {
        const cb = h('input', {
          type: 'checkbox',
          'aria-label': t('queue.select', { title: i.title }),
          checked: selected.has(i.id),
          disabled: !writable,
          onchange: (e: Event) => {
            if ((e.target as HTMLInputElement).checked) selected.add(i.id);
            else selected.delete(i.id);
            updateBulk();
          },
        });
        return h(
          'tr',
          { 'data-id': i.id },
          h('td', { class: 'c-check' }, cb),
          h('td', { class: 'c-sev' }, severityBadge(i.severity)),
          h('td', { class: 'c-title' }, h('a', { href: `#/incident/${encodeURIComponent(i.id)}` }, i.title), h('div', { class: 'sub' }, [...i.hosts, ...i.users].slice(0, 4).join(' · '))),
          h('td', { class: 'c-state' }, stateBadge(i.state)),
          h('td', { class: 'c-grade' }, gradeName(cls, i.grade)),
          h('td', { class: 'c-cat' }, categoryName(cls, i.category)),
          h('td', { class: 'c-assignee' }, i.assignee ?? h('span', { class: 'muted' }, t('common.unassigned'))),
          h('td', { class: 'c-num' }, String((i.fields.alertCount as number | undefined) ?? '')),
          h('td', { class: 'c-time' }, formatTime(i.createdAt)),
        );
      }),
    );
  };

  let nextCursor: string | undefined;
  const load = async () => {
    try {
      const q = { ...baseQuery(), state: state || undefined, limit: PAGE_SIZE, cursor };
      const page = await get<PageOf<IncidentItem>>('/incidents', q);
      items = page.items;
      nextCursor = page.nextCursor;
      renderRows();
      updateBulk();
      clear(
        pager,
        cursor ? h('a', { class: 'button', href: `#/queue?${withoutCursor().toString()}` }, t('common.prev')) : null,
        h('span', { class: 'muted' }, t('queue.count', { n: items.length })),
        nextCursor ? h('a', { class: 'button', id: 'next-page', href: `#/queue?${withCursor(nextCursor).toString()}` }, t('common.next')) : null,
      );
      status.textContent = `${t('common.liveOn', { s: REFRESH_MS / 1000 })} · ${t('common.updated', { time: formatTime(new Date().toISOString()) })}`;
    } catch (err) {
      status.textContent = '';
      ctx.flash(errorText(err), 'error');
    }
    await loadCounts();
  };

  // Counts per state with the same filters; a page of 500 per state is enough to say "500+".
  const loadCounts = async () => {
    const q = baseQuery();
    delete q.sort;
    delete q.order;
    const results = await Promise.all(
      ['', ...states].map(async (s) => {
        try {
          const page = await get<PageOf<{ id: string }>>('/incidents', { ...q, state: s || undefined, limit: 500 });
          return [s, page.nextCursor ? '500+' : String(page.items.length)] as const;
        } catch {
          return [s, '?'] as const;
        }
      }),
    );
    for (const [s, n] of results) {
      const el = countEls.get(s);
      if (el) el.textContent = n;
    }
  };

  const withCursor = (c: string) => {
    const n = new URLSearchParams(p);
    n.set('cursor', c);
    return n;
  };
  const withoutCursor = () => {
    const n = new URLSearchParams(p);
    n.delete('cursor');
    return n;
  };
  void cursors;

  // ---- bulk actions
  if (writable) {
    const assignInput = h('input', { id: 'bulk-assignee', type: 'text', placeholder: ctx.me.name });
    const toSelect = h('select', { id: 'bulk-to' }, states.map((s) => h('option', { value: s }, tv('state', s))));
    const resSelect = h('select', { id: 'bulk-resolution', 'aria-label': t('inc.resolution') }, (['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const).map((r) => h('option', { value: r }, tv('res', r))));
    const summary = h('input', { id: 'bulk-summary', type: 'text', 'aria-label': t('inc.summary'), placeholder: t('inc.summary') });
    const closing = h('span', { class: 'closing', hidden: true }, resSelect, summary);
    toSelect.addEventListener('change', () => {
      closing.hidden = toSelect.value !== 'closed';
    });
    const run = async (body: Record<string, unknown>) => {
      try {
        const res = await post<{ results: Array<{ id: string; ok: boolean; error?: { message?: string } }> }>('/incidents/bulk', { ids: [...selected], ...body });
        const failed = res.results.filter((r) => !r.ok);
        ctx.flash(t('queue.bulkResult', { ok: res.results.length - failed.length, failed: failed.length }) + (failed.length ? ` — ${failed.map((f) => f.error?.message ?? f.id).join('; ')}` : ''), failed.length ? 'error' : 'ok');
        selected.clear();
        await load();
      } catch (err) {
        ctx.flash(errorText(err), 'error');
      }
    };
    bulk.append(
      h('strong', { 'data-selected': '' }, ''),
      h('label', { for: 'bulk-assignee' }, t('queue.bulkAssign')),
      assignInput,
      h('button', { type: 'button', id: 'bulk-assign', onclick: () => run({ assign: { assignee: assignInput.value.trim() || null } }) }, t('inc.assign')),
      h('label', { for: 'bulk-to' }, t('queue.bulkTransition')),
      toSelect,
      closing,
      h(
        'button',
        {
          type: 'button',
          id: 'bulk-transition',
          onclick: () => {
            const tr: Record<string, string> = { to: toSelect.value };
            if (toSelect.value === 'closed') {
              if (!summary.value.trim()) return ctx.flash(t('inc.closeNeeds'), 'error');
              tr.resolution = resSelect.value;
              tr.summary = summary.value.trim();
            }
            void run({ transition: tr });
          },
        },
        t('inc.doTransition'),
      ),
    );
  }

  clear(root, h('div', { class: 'page-head' }, h('h1', {}, t('queue.title')), status), form, tabs, bulk, h('div', { class: 'table-wrap' }, table), pager);
  await load();
  ctx.every(REFRESH_MS, () => void load());
};
