// The console shell: sign-in, navigation by the URL hash (#/queue, #/incident/<id>, …), the
// language switch, and the page lifecycle (timers of a page stop when another page opens).
import { ApiError, errorText, get, type Me, setUnauthorisedHandler, storedKey, storeKey, api } from './api.ts';
import { type Classification, canReadIncidents, canReadReports, type Page, type PageContext } from './context.ts';
import { clear, h } from './dom.ts';
import { type Lang, lang, setLang, t, tv } from './i18n.ts';
import { dashboardPage } from './pages/dashboard.ts';
import { eventsPage } from './pages/events.ts';
import { incidentPage } from './pages/incident.ts';
import { queuePage } from './pages/queue.ts';
import { reportsPage } from './pages/reports.ts';
import { rulesPage } from './pages/rules.ts';

const LANG_STORE = 'vigil.lang';

interface Route {
  name: string;
  page: Page;
  nav?: 'nav.queue' | 'nav.dashboard' | 'nav.reports' | 'nav.rules' | 'nav.events';
  allowed(me: Me): boolean;
}

const routes: Route[] = [
  { name: 'queue', page: queuePage, nav: 'nav.queue', allowed: (me) => canReadIncidents(me.role) },
  { name: 'incident', page: incidentPage, allowed: (me) => canReadIncidents(me.role) },
  { name: 'dashboard', page: dashboardPage, nav: 'nav.dashboard', allowed: (me) => canReadReports(me.role) },
  { name: 'reports', page: reportsPage, nav: 'nav.reports', allowed: (me) => canReadReports(me.role) },
  { name: 'rules', page: rulesPage, nav: 'nav.rules', allowed: (me) => me.role !== 'ingest' },
  { name: 'events', page: eventsPage, nav: 'nav.events', allowed: (me) => canReadIncidents(me.role) },
];

let me: Me | null = null;
let classification: Classification | null = null;
let timers: number[] = [];
let renderSeq = 0;

const app = document.getElementById('app') as HTMLElement;

function parseHash(): { name: string; arg?: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  const [name, ...rest] = path.split('/');
  return { name, arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined, params: new URLSearchParams(query) };
}

function stopTimers(): void {
  for (const id of timers) clearInterval(id);
  timers = [];
}

function flash(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const region = document.getElementById('flash');
  if (!region) return;
  const note = h('p', { class: `flash ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  clear(region, note);
  // Confirmations fade on their own; errors stay until the next message so they can be read.
  if (kind === 'ok') setTimeout(() => note.remove(), 4000);
}

function defaultRoute(m: Me): string {
  return routes.find((r) => r.nav && r.allowed(m))?.name ?? 'rules';
}

function renderSignIn(message?: string): void {
  stopTimers();
  document.title = t('app.title');
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const msg = h('p', { id: 'signin-msg', class: 'flash error', role: 'alert', hidden: !message }, message ?? '');
  const form = h(
    'form',
    {
      class: 'signin card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        try {
          const who = await api<Me>('GET', '/whoami', { key });
          storeKey(key);
          me = who;
          await start();
        } catch (err) {
          msg.hidden = false;
          msg.textContent = errorText(err);
        }
      },
    },
    h('h1', {}, t('auth.title')),
    h('p', {}, t('auth.intro')),
    h('label', { for: 'api-key' }, t('auth.key')),
    input,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('auth.submit')), langButton()),
    msg,
  );
  clear(app, h('main', { id: 'main', class: 'signin-page' }, form));
  input.focus();
}

function langButton(): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'lang',
      'aria-label': t('lang.label'),
      onclick: () => {
        const next: Lang = lang() === 'en' ? 'zh' : 'en';
        localStorage.setItem(LANG_STORE, next);
        setLang(next);
        if (me) render();
        else renderSignIn();
      },
    },
    t('lang.switch'),
  );
}

function signOut(): void {
  storeKey(null);
  me = null;
  classification = null;
  location.hash = '';
  renderSignIn();
}

function shell(current: string): HTMLElement {
  const m = me as Me;
  const nav = h(
    'nav',
    { 'aria-label': t('nav.main') },
    routes
      .filter((r) => r.nav && r.allowed(m))
      .map((r) =>
        h('a', { href: `#/${r.name}`, class: r.name === current || (current === 'incident' && r.name === 'queue') ? 'active' : '', 'aria-current': r.name === current ? 'page' : null }, t(r.nav as 'nav.queue')),
      ),
  );
  return h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: `#/${defaultRoute(m)}` }, 'Vigil'),
    nav,
    h('span', { class: 'spacer' }),
    h('span', { class: 'me', id: 'me' }, t('auth.signedInAs', { name: m.name, role: tv('role', m.role) })),
    langButton(),
    h('button', { type: 'button', id: 'signout', onclick: signOut }, t('auth.signout')),
  );
}

async function render(): Promise<void> {
  if (!me) return renderSignIn();
  stopTimers();
  const seq = ++renderSeq;
  const { name, arg, params } = parseHash();
  if (me.role === 'ingest') {
    clear(app, shell(''), h('main', { id: 'main' }, h('p', { class: 'flash error', role: 'alert' }, t('auth.ingestOnly'))));
    return;
  }
  const route = routes.find((r) => r.name === name && r.allowed(me as Me));
  if (!route) {
    location.replace(`#/${defaultRoute(me)}`);
    return;
  }
  const main = h('main', { id: 'main', tabindex: '-1', class: `page-${route.name}` });
  clear(app, h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, t('app.skip')), shell(route.name), h('div', { id: 'flash', class: 'flash-region' }), main);
  document.title = `${t(route.nav ?? 'nav.queue')} · ${t('app.title')}`;
  const ctx: PageContext = {
    me,
    classification,
    params,
    navigate: (hash) => {
      location.hash = hash;
    },
    flash,
    every: (ms, fn) => {
      if (seq !== renderSeq) return;
      timers.push(window.setInterval(() => {
        if (document.visibilityState === 'visible') fn();
      }, ms));
    },
  };
  try {
    await route.page(main, ctx, arg);
  } catch (err) {
    flash(errorText(err), 'error');
  }
}

async function start(): Promise<void> {
  if (!me) return renderSignIn();
  if (me.role !== 'ingest' && !classification) {
    try {
      classification = await get<Classification>('/classification');
    } catch (err) {
      // Names then fall back to the keys; the pages still work.
      if (!(err instanceof ApiError)) throw err;
    }
  }
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.replace(`#/${defaultRoute(me)}`);
  await render();
}

window.addEventListener('hashchange', () => {
  void render();
});

// Keyboard: "/" jumps to the page's search field (like most consoles), Escape leaves it.
document.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  const typing = target.closest('input, textarea, select, [contenteditable]');
  if (e.key === '/' && !typing) {
    const search = document.querySelector<HTMLInputElement>('[data-search]');
    if (search) {
      e.preventDefault();
      search.focus();
    }
  }
});

setUnauthorisedHandler(() => {
  storeKey(null);
  me = null;
  renderSignIn(t('err.AUTH_INVALID'));
});

async function boot(): Promise<void> {
  const saved = localStorage.getItem(LANG_STORE);
  setLang(saved === 'zh' || saved === 'en' ? saved : navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en');
  const key = storedKey();
  if (!key) return renderSignIn();
  try {
    me = await api<Me>('GET', '/whoami', { key });
    await start();
  } catch (err) {
    storeKey(null);
    renderSignIn(errorText(err));
  }
}

void boot();
