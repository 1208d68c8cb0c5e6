// Event search: the stored events matching a query, each as its ECS fields (clickable to narrow
// the search or filter the incident queue).
import { errorText, get } from '../api.ts';
import type { Page } from '../context.ts';
import { clear, h } from '../dom.ts';
import { formatTime, t } from '../i18n.ts';

interface EventItem {
  id: string;
  timestamp: string;
  dataset?: string;
  doc: Record<string, unknown>;
}

function flatten(doc: unknown, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (doc !== undefined && doc !== null) {
    out.push([prefix, Array.isArray(doc) ? doc.map(String).join(', ') : String(doc)]);
  }
  return out;
}

export const eventsPage: Page = async (root, ctx) => {
  const q = ctx.params.get('q') ?? '';
  const input = h('input', { id: 'event-q', type: 'search', value: q, 'data-search': '' });
  const form = h(
    'form',
    { class: 'filters card', onsubmit: (e: Event) => {
        e.preventDefault();
        ctx.navigate(`#/events?q=${encodeURIComponent(input.value.trim())}`);
      } },
    h('div', { class: 'field grow' }, h('label', { for: 'event-q' }, t('events.query')), input),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'primary' }, t('common.search'))),
  );
  const list = h('div', { class: 'event-list' }, h('div', { class: 'skeleton-block' }, h('span', { class: 'bar' }), h('span', { class: 'bar' })));
  clear(root, h('div', { class: 'page-head' }, h('h1', {}, t('events.title'))), form, list);
  try {
    const page = await get<{ items: EventItem[] }>('/events', { q: q || undefined, limit: 50 });
    clear(
      list,
      page.items.length
        ? page.items.map((e) =>
            h(
              'details',
              { class: 'card event' },
              h('summary', {}, h('time', { datetime: e.timestamp }, formatTime(e.timestamp)), ' ', h('span', { class: 'tag small' }, e.dataset ?? ''), ' ', String((e.doc.message as string | undefined) ?? (e.doc.event as { original?: string } | undefined)?.original ?? e.id).slice(0, 200)),
              h(
                'table',
                { class: 'grid kv' },
                h(
                  'tbody',
                  {},
                  flatten(e.doc).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, h('a', { href: `#/events?q=${encodeURIComponent(`${k}:"${v.replace(/"/g, '\\"')}"`)}` }, v)))),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('events.empty')),
    );
  } catch (err) {
    clear(list, h('p', { class: 'flash error', role: 'alert' }, errorText(err)));
  }
};
