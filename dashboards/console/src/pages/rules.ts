// Loaded detection rules: search by text, level, logsource and ATT&CK; open one to see its
// exceptions and precision; analysts enable or disable it.
import { del, errorText, get, post } from '../api.ts';
import { canSwitchRules, canWrite, type Page } from '../context.ts';
import { clear, h } from '../dom.ts';
import { formatTime, t, tv } from '../i18n.ts';

interface Rule {
  id: string;
  title: string;
  description?: string;
  level?: string;
  status?: string;
  author?: string;
  logsource: { product?: string; category?: string; service?: string };
  tactics: string[];
  techniques: string[];
  source: string;
  kind: 'rule' | 'correlation';
  correlation?: { type: string; rules: string[] };
  enabled: boolean;
}

interface RuleDetail {
  rule: Rule;
  exceptions: Array<{ id: string; conditions: Array<{ field: string; value: string }>; reason: string; createdBy: string; createdAt: string }>;
  precision: { tp: number; fp: number; precision?: number };
}

const levels = ['critical', 'high', 'medium', 'low', 'informational'] as const;
const filterNames = ['q', 'level', 'logsource', 'tactic', 'technique', 'enabled'] as const;

function logsourceText(l: Rule['logsource']): string {
  return [l.product, l.category, l.service].filter(Boolean).join(' / ');
}

export const rulesPage: Page = async (root, ctx, id) => {
  const p = ctx.params;
  const canSwitch = canSwitchRules(ctx.me.role);
  const field = (name: string, label: string, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: `r-${name}` }, label), control);
  const form = h(
    'form',
    {
      class: 'filters card',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const fd = new FormData(form);
        const next = new URLSearchParams();
        for (const n of filterNames) {
          const v = String(fd.get(n) ?? '').trim();
          if (v) next.set(n, v);
        }
        ctx.navigate(`#/rules?${next.toString()}`);
      },
    },
    field('q', t('common.search'), h('input', { id: 'r-q', name: 'q', type: 'search', value: p.get('q') ?? '', 'data-search': '' })),
    field('level', t('field.level'), h('select', { id: 'r-level', name: 'level' }, h('option', { value: '' }, t('common.any')), levels.map((l) => h('option', { value: l, selected: p.get('level') === l }, tv('sev', l))))),
    field('logsource', t('field.logsource'), h('input', { id: 'r-logsource', name: 'logsource', type: 'text', value: p.get('logsource') ?? '', placeholder: 'linux, sshd, process_creation' })),
    field('tactic', t('field.tactic'), h('input', { id: 'r-tactic', name: 'tactic', type: 'text', value: p.get('tactic') ?? '', placeholder: 'credential_access' })),
    field('technique', t('field.technique'), h('input', { id: 'r-technique', name: 'technique', type: 'text', value: p.get('technique') ?? '', placeholder: 'T1110' })),
    field(
      'enabled',
      t('field.enabled'),
      h('select', { id: 'r-enabled', name: 'enabled' }, h('option', { value: '' }, t('common.any')), h('option', { value: 'true', selected: p.get('enabled') === 'true' }, t('rules.enabled')), h('option', { value: 'false', selected: p.get('enabled') === 'false' }, t('rules.disabled'))),
    ),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'primary' }, t('common.apply')), h('a', { class: 'button', href: '#/rules' }, t('common.reset'))),
  );
  const total = h('p', { class: 'muted', role: 'status' }, t('common.loading'));
  const tbody = h('tbody', {}, Array.from({ length: 8 }, () => h('tr', { class: 'skeleton' }, h('td', { colspan: '6' }, h('span', { class: 'bar' })))));
  const table = h(
    'table',
    { class: 'grid rules', id: 'rules-table' },
    h('thead', {}, h('tr', {}, h('th', { class: 'c-sev' }, t('field.level')), h('th', {}, t('field.title')), h('th', {}, t('field.logsource')), h('th', {}, 'ATT&CK'), h('th', { class: 'c-state' }, t('field.status')), h('th', { class: 'c-act' }, ''))),
    tbody,
  );
  const detail = h('section', { class: 'card rule-detail', id: 'rule-detail', hidden: !id });
  const pager = h('div', { class: 'pager' });
  clear(root, h('div', { class: 'page-head' }, h('h1', {}, t('rules.title')), total), form, detail, h('div', { class: 'table-wrap' }, table), pager);

  const switchButton = (r: Rule, after: () => Promise<void>) =>
    canSwitch
      ? h(
          'button',
          {
            type: 'button',
            class: r.enabled ? 'danger small' : 'small',
            'data-switch': r.id,
            onclick: async () => {
              try {
                await post(`/rules/${encodeURIComponent(r.id)}/${r.enabled ? 'disable' : 'enable'}`, {});
                ctx.flash(t('common.done'));
                await after();
              } catch (err) {
                ctx.flash(errorText(err), 'error');
              }
            },
          },
          r.enabled ? t('rules.disable') : t('rules.enable'),
        )
      : null;

  const query: Record<string, string | number | undefined> = { limit: 50, cursor: p.get('cursor') ?? undefined };
  for (const n of filterNames) query[n] = p.get(n) ?? undefined;

  const load = async () => {
    try {
      const page = await get<{ items: Rule[]; total: number; nextCursor?: string }>('/rules', query);
      total.textContent = t('rules.total', { n: page.total });
      clear(
        tbody,
        page.items.length
          ? page.items.map((r) =>
              h(
                'tr',
                { 'data-rule': r.id },
                h('td', { class: 'c-sev' }, r.level ? h('span', { class: `badge sev-${r.level}` }, tv('sev', r.level)) : ''),
                h('td', {}, h('a', { href: `#/rules/${encodeURIComponent(r.id)}?${p.toString()}` }, r.title), h('div', { class: 'sub' }, r.kind === 'correlation' ? `${t('rules.correlation')} · ${r.id}` : r.id)),
                h('td', { class: 'small' }, logsourceText(r.logsource)),
                h('td', { class: 'small' }, [...r.tactics.map((x) => tv('tactic', x)), ...r.techniques].join(', ')),
                h('td', { class: 'c-state' }, h('span', { class: r.enabled ? 'badge ok' : 'badge off' }, r.enabled ? t('rules.enabled') : t('rules.disabled'))),
                h('td', { class: 'c-act' }, switchButton(r, load)),
              ),
            )
          : h('tr', {}, h('td', { colspan: '6', class: 'empty' }, t('common.none'))),
      );
      const next = new URLSearchParams(p);
      if (page.nextCursor) next.set('cursor', page.nextCursor);
      const first = new URLSearchParams(p);
      first.delete('cursor');
      clear(pager, p.get('cursor') ? h('a', { class: 'button', href: `#/rules?${first}` }, t('common.prev')) : null, page.nextCursor ? h('a', { class: 'button', href: `#/rules?${next}` }, t('common.next')) : null);
    } catch (err) {
      total.textContent = '';
      ctx.flash(errorText(err), 'error');
    }
    if (id) await loadDetail(id);
  };

  const loadDetail = async (ruleId: string) => {
    try {
      const d = await get<RuleDetail>(`/rules/${encodeURIComponent(ruleId)}`);
      const r = d.rule;
      const prec = d.precision.precision;
      clear(
        detail,
        h('h2', {}, r.title, ' ', h('span', { class: r.enabled ? 'badge ok' : 'badge off' }, r.enabled ? t('rules.enabled') : t('rules.disabled')), ' ', switchButton(r, load)),
        h(
          'dl',
          { class: 'facts' },
          h('div', {}, h('dt', {}, t('field.id')), h('dd', {}, r.id)),
          h('div', {}, h('dt', {}, t('field.level')), h('dd', {}, tv('sev', r.level))),
          r.correlation
            ? h('div', {}, h('dt', {}, t('rules.correlation')), h('dd', {}, `${r.correlation.type}: `, r.correlation.rules.map((x, i) => [i ? ', ' : '', h('a', { href: `#/rules/${encodeURIComponent(x)}` }, x)])))
            : h('div', {}, h('dt', {}, t('field.logsource')), h('dd', {}, logsourceText(r.logsource))),
          h('div', {}, h('dt', {}, 'ATT&CK'), h('dd', {}, [...r.tactics.map((x) => tv('tactic', x)), ...r.techniques].join(', ') || '—')),
          h('div', {}, h('dt', {}, t('rules.precision')), h('dd', { id: 'rule-precision' }, prec === undefined ? t('rules.noVerdict') : t('rules.precisionValue', { p: `${Math.round(prec * 100)}%`, tp: d.precision.tp, fp: d.precision.fp }))),
          h('div', { class: 'wide' }, h('dt', {}, t('rules.file')), h('dd', { class: 'small' }, r.source)),
          r.description ? h('div', { class: 'wide' }, h('dt', {}, t('rules.description')), h('dd', {}, r.description)) : null,
        ),
        h('h3', {}, t('rules.exceptions')),
        d.exceptions.length
          ? h(
              'ul',
              { class: 'exceptions' },
              d.exceptions.map((e) =>
                h(
                  'li',
                  {},
                  h('code', {}, e.conditions.map((c) => `${c.field} = ${c.value}`).join(' AND ')),
                  ` — ${e.reason} (${e.createdBy}, ${formatTime(e.createdAt)}) `,
                  canWrite(ctx.me.role)
                    ? h(
                        'button',
                        {
                          type: 'button',
                          class: 'small',
                          onclick: async () => {
                            try {
                              await del(`/rules/${encodeURIComponent(r.id)}/exceptions/${encodeURIComponent(e.id)}`);
                              await loadDetail(ruleId);
                            } catch (err) {
                              ctx.flash(errorText(err), 'error');
                            }
                          },
                        },
                        t('rules.removeException'),
                      )
                    : null,
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('rules.noExceptions')),
      );
      detail.hidden = false;
    } catch (err) {
      ctx.flash(errorText(err), 'error');
    }
  };

  await load();
};
