// One incident: header with clocks counting down, the actions an analyst takes (only the
// transitions the server allows are offered), playbook runs with approve/deny, the timeline,
// alerts with their matched events (ECS fields clickable to filter, raw view), observables.
// The page polls so a playbook step finishing shows up without reloading.
import { ApiError, errorText, get, post } from '../api.ts';
import { canWrite, categoryName, gradeName, type Page, type PageContext, severityBadge, stateBadge, subcategoryName } from '../context.ts';
import { clear, h } from '../dom.ts';
import { formatCountdown, formatTime, lang, t, tv } from '../i18n.ts';
import type { IncidentItem } from './queue.ts';

interface Alert {
  id: string;
  ruleId: string;
  ruleTitle: string;
  severity: string;
  status: string;
  eventIds: string[];
  tactics?: string[];
  techniques?: string[];
  entities: Record<string, string[] | undefined>;
  eventTime: string;
  detectedAt: string;
  events?: Array<Record<string, unknown>>;
}

interface TimelineEntry {
  id: string;
  at: string;
  actor: string;
  kind: string;
  data: Record<string, unknown>;
}

interface Clock {
  deadline: string;
  status: string;
  target?: string;
}

interface Detail {
  incident: IncidentItem;
  phase: { key: string; zh: string; en: string };
  allowedTransitions: string[];
  alerts: Alert[];
  timeline: TimelineEntry[];
  observables: Array<{ type: string; value: string; count: number; firstSeen?: string; lastSeen?: string }>;
  events: Array<{ id: string; timestamp: string; dataset?: string; doc: Record<string, unknown> }>;
  sla: Record<string, Clock>;
  reporting: Record<string, Clock>;
}

interface Step {
  stepId: string;
  kind?: string;
  name?: string;
  phase?: string;
  status: string;
  attempt: number;
  error?: { message?: string };
  decision?: { approved: boolean; by: string; reason: string; at: string };
  finishedAt?: string;
}

interface Run {
  id: string;
  playbookId: string;
  playbookTitle?: string;
  status: string;
  waitingFor?: string;
  steps: Step[];
  createdAt: string;
}

const REFRESH_MS = 3000;
const resolutions = ['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const;

/** Dotted leaf paths of a nested ECS document, for the ECS view. */
function flatten(doc: unknown, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(doc)) {
    if (doc.every((x) => x === null || typeof x !== 'object')) out.push([prefix, doc.join(', ')]);
    else {
      for (const [i, x] of doc.entries()) flatten(x, `${prefix}[${i}]`, out);
    }
  } else if (doc !== undefined && doc !== null) {
    out.push([prefix, String(doc)]);
  }
  return out;
}

/** Where a clicked field leads: host and user filter the queue, anything else searches events. */
function fieldLink(field: string, value: string): HTMLElement {
  const queueField = /^(host\.(name|hostname)|hosts?)$/.test(field) ? 'host' : /^(user\.name|users?)$/.test(field) ? 'user' : null;
  if (queueField) {
    return h('a', { href: `#/queue?${queueField}=${encodeURIComponent(value)}`, class: 'val', title: t('inc.filterBy', { field: queueField, value }) }, value);
  }
  const q = `${field}:"${value.replace(/"/g, '\\"')}"`;
  return h('a', { href: `#/events?q=${encodeURIComponent(q)}`, class: 'val', title: t('inc.searchEvents', { field, value }) }, value);
}

// An observable searches the events in every field of its kind.
const observableFields: Record<string, string[]> = {
  ip: ['source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip'],
  domain: ['url.domain', 'destination.domain', 'dns.question.name'],
  url: ['url.full', 'url.original'],
  hash: ['file.hash.sha256', 'file.hash.sha1', 'file.hash.md5', 'process.hash.sha256'],
};

function observableLink(type: string, value: string): HTMLElement {
  const fields = observableFields[type];
  if (!fields) return fieldLink(type, value);
  const q = fields.map((f) => `${f}:"${value.replace(/"/g, '\\"')}"`).join(' OR ');
  return h('a', { href: `#/events?q=${encodeURIComponent(q)}`, class: 'val', title: t('inc.searchEvents', { field: tv('obs', type), value }) }, value);
}

function clockLine(label: string, c: Clock | undefined): HTMLElement | null {
  if (!c) return null;
  const value = h('span', { class: 'clock-value' });
  if (c.status === 'met') value.textContent = t('inc.clock.met');
  else if (c.status === 'withdrawn') value.textContent = t('inc.clock.withdrawn');
  else value.dataset.deadline = c.deadline;
  return h('div', { class: `clock clock-${c.status}` }, h('span', { class: 'clock-label' }, label), value, h('span', { class: 'muted small' }, formatTime(c.deadline)));
}

/** Rewrites every [data-deadline] countdown; runs each second. */
function tickClocks(root: ParentNode): void {
  const now = Date.now();
  for (const el of root.querySelectorAll<HTMLElement>('[data-deadline]')) {
    const left = (Date.parse(el.dataset.deadline ?? '') - now) / 1000;
    el.textContent = left >= 0 ? t('inc.clock.left', { t: formatCountdown(left) }) : t('inc.clock.over', { t: formatCountdown(-left) });
    el.classList.toggle('over', left < 0);
  }
}

function timelineText(e: TimelineEntry): string {
  const d = e.data;
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
  switch (e.kind) {
    case 'transition':
      return t('tl.transition', { from: tv('state', str(d.from)), to: tv('state', str(d.to)) }) + (d.resolution ? ` · ${tv('res', str(d.resolution))}` : '');
    case 'assign':
      return t('tl.assign', { assignee: str(d.assignee ?? d.to) || t('common.unassigned') });
    case 'playbook_step':
      return t('tl.playbook_step', { step: str(d.step ?? d.stepId), status: tv('step', str(d.status)) });
    case 'playbook_run':
      return t('tl.playbook_run', { playbook: str(d.playbook), status: tv('step', str(d.status)) });
    default: {
      const key = `tl.${e.kind}`;
      const label = tv('tl', e.kind);
      return label === e.kind && key !== `tl.${label}` ? t('tl.other') : label;
    }
  }
}

function timelineDetail(e: TimelineEntry): string {
  const d = e.data;
  if (e.kind === 'comment') return String(d.text ?? '');
  if (e.kind === 'transition' && d.summary) return String(d.summary);
  if (e.kind === 'tag') return [...((d.add as string[]) ?? []).map((x) => `+${x}`), ...((d.remove as string[]) ?? []).map((x) => `−${x}`)].join(' ');
  if (e.kind === 'grade') return `${String(d.from ?? '')} → ${String(d.to ?? d.grade ?? '')} ${d.reason ? `· ${String(d.reason)}` : ''}`;
  if (e.kind === 'playbook_step') {
    const dec = d.decision as { approved?: boolean; by?: string; reason?: string } | undefined;
    if (dec) return t('run.decided', { decision: dec.approved ? t('run.approved') : t('run.denied'), by: dec.by ?? '', reason: dec.reason ?? '' });
    const err = d.error as { message?: string } | undefined;
    if (err?.message) return err.message;
  }
  if (e.kind === 'alert_false_positive' && d.reason) return String(d.reason);
  return '';
}

export const incidentPage: Page = async (root, ctx, id) => {
  if (!id) return ctx.navigate('#/queue');
  const writable = canWrite(ctx.me.role);
  const cls = ctx.classification;

  const header = h('section', { class: 'inc-head card', 'aria-labelledby': 'inc-title' });
  const clocks = h('section', { class: 'clocks card', 'aria-label': t('inc.clocks') });
  const actions = h('section', { class: 'actions card', 'aria-labelledby': 'h-actions' });
  const runs = h('section', { class: 'runs card', id: 'runs', 'aria-labelledby': 'h-runs' });
  const timeline = h('section', { class: 'timeline card', id: 'timeline', 'aria-labelledby': 'h-timeline' });
  const alerts = h('section', { class: 'alerts card', id: 'alerts', 'aria-labelledby': 'h-alerts' });
  const observables = h('section', { class: 'observables card', 'aria-labelledby': 'h-obs' });
  for (const [el, key, hid] of [
    [runs, 'inc.playbooks', 'h-runs'],
    [timeline, 'inc.timeline', 'h-timeline'],
    [alerts, 'inc.alerts', 'h-alerts'],
    [observables, 'inc.observables', 'h-obs'],
  ] as const) {
    el.append(h('h2', { id: hid }, t(key)), h('div', { class: 'skeleton-block' }, h('span', { class: 'bar' }), h('span', { class: 'bar' }), h('span', { class: 'bar' })));
  }
  header.append(h('h1', { id: 'inc-title' }, h('span', { class: 'bar' })));

  // The page goes in whole once the first data is there, replacing one skeleton: sections that
  // filled in one by one would push each other down as they arrived.
  const crumbs = h('p', { class: 'crumbs' }, h('a', { href: '#/queue' }, `← ${t('common.back')}`));
  const page = [header, h('div', { class: 'inc-grid' }, h('div', { class: 'inc-main' }, clocks, runs, timeline, alerts), h('div', { class: 'inc-side' }, writable ? actions : null, observables))];
  clear(root, crumbs, h('div', { class: 'skeleton-page', 'aria-busy': 'true' }, h('span', { class: 'bar' }), h('span', { class: 'bar' }), h('span', { class: 'bar' })));

  let detail: Detail;
  let alertSig = '';
  let runSig = '';

  const act = async (fn: () => Promise<unknown>, done?: string) => {
    try {
      await fn();
      ctx.flash(done ?? t('common.done'));
      await refresh(true);
    } catch (err) {
      ctx.flash(errorText(err), 'error');
      if (err instanceof ApiError && (err.code === 'STORE_VERSION_CONFLICT' || err.code === 'INCIDENT_INVALID_TRANSITION')) await refresh(true);
    }
  };

  const renderHeader = () => {
    const i = detail.incident;
    document.title = `${i.title} · ${t('app.title')}`;
    clear(
      header,
      h('h1', { id: 'inc-title' }, i.title),
      h(
        'dl',
        { class: 'facts' },
        h('div', {}, h('dt', {}, t('field.severity')), h('dd', {}, severityBadge(i.severity))),
        h('div', {}, h('dt', {}, t('field.state')), h('dd', { id: 'inc-state' }, stateBadge(i.state))),
        h('div', {}, h('dt', {}, t('field.phase')), h('dd', {}, lang() === 'zh' ? detail.phase.zh : tv('phase', detail.phase.key))),
        h('div', {}, h('dt', {}, t('field.grade')), h('dd', { id: 'inc-grade' }, gradeName(cls, i.grade) || '—')),
        h('div', {}, h('dt', {}, t('field.category')), h('dd', {}, [categoryName(cls, i.category), subcategoryName(cls, i.category, i.subcategory)].filter(Boolean).join(' / ') || '—')),
        h('div', {}, h('dt', {}, t('field.assignee')), h('dd', { id: 'inc-assignee' }, i.assignee ?? t('common.unassigned'))),
        h('div', {}, h('dt', {}, t('field.created')), h('dd', {}, formatTime(i.createdAt))),
        h(
          'div',
          { class: 'wide' },
          h('dt', {}, t('field.tags')),
          h(
            'dd',
            { id: 'inc-tags' },
            i.tags.length
              ? i.tags.map((tag) =>
                  h(
                    'span',
                    { class: 'tag' },
                    tag,
                    writable ? h('button', { type: 'button', class: 'x', 'aria-label': t('inc.removeTag', { tag }), onclick: () => act(() => post(`/incidents/${enc(id)}/tags`, { remove: [tag] })) }, '×') : null,
                  ),
                )
              : '—',
          ),
        ),
      ),
    );
    const lines = [
      clockLine(t('inc.sla.triage'), detail.sla.triage),
      clockLine(t('inc.sla.contain'), detail.sla.contain),
      clockLine(t('inc.sla.close'), detail.sla.close),
      clockLine(t('inc.report.initial'), detail.reporting.initial),
      clockLine(t('inc.report.summary'), detail.reporting.summary),
    ].filter((x): x is HTMLElement => x !== null);
    clear(clocks, h('h2', {}, t('inc.clocks')), lines.length ? h('div', { class: 'clock-list' }, lines) : h('p', { class: 'muted' }, t('inc.clock.none')));
    tickClocks(clocks);
  };

  const renderActions = () => {
    if (!writable) return;
    const i = detail.incident;
    const allowed = detail.allowedTransitions;
    const to = h('select', { id: 'transition-to' }, allowed.map((s) => h('option', { value: s }, tv('state', s))));
    const resolution = h('select', { id: 'transition-resolution' }, resolutions.map((r) => h('option', { value: r }, tv('res', r))));
    const summary = h('textarea', { id: 'transition-summary', rows: '3' });
    const closing = h(
      'div',
      { class: 'closing', hidden: to.value !== 'closed' },
      h('label', { for: 'transition-resolution' }, t('inc.resolution')),
      resolution,
      h('label', { for: 'transition-summary' }, t('inc.summary')),
      summary,
    );
    to.addEventListener('change', () => {
      closing.hidden = to.value !== 'closed';
    });
    const transitionForm = h(
      'form',
      {
        id: 'transition-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const body: Record<string, string> = { to: to.value };
          if (to.value === 'closed') {
            if (!summary.value.trim()) return ctx.flash(t('inc.closeNeeds'), 'error');
            body.resolution = resolution.value;
            body.summary = summary.value.trim();
          }
          void act(() => post(`/incidents/${enc(id)}/transition`, body));
        },
      },
      h('h3', {}, t('inc.doTransition')),
      allowed.length
        ? [h('label', { for: 'transition-to' }, t('inc.transition')), to, closing, h('button', { type: 'submit', class: 'primary', id: 'transition-submit' }, t('inc.doTransition'))]
        : h('p', { class: 'muted' }, t('inc.noTransition')),
    );

    const assignee = h('input', { id: 'assignee', type: 'text', value: i.assignee ?? '', placeholder: ctx.me.name });
    const assignForm = h(
      'form',
      { id: 'assign-form', onsubmit: (e: Event) => {
          e.preventDefault();
          void act(() => post(`/incidents/${enc(id)}/assign`, { assignee: assignee.value.trim() || null }));
        } },
      h('label', { for: 'assignee' }, t('inc.assignTo')),
      h('div', { class: 'row' }, assignee, h('button', { type: 'submit', id: 'assign-submit' }, t('inc.assign'))),
    );

    const comment = h('textarea', { id: 'comment', rows: '3' });
    const commentForm = h(
      'form',
      {
        id: 'comment-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const text = comment.value.trim();
          if (text) void act(() => post(`/incidents/${enc(id)}/comments`, { text }));
        },
      },
      h('label', { for: 'comment' }, t('inc.comment')),
      comment,
      h('button', { type: 'submit', id: 'comment-submit' }, t('inc.addComment')),
    );

    const tags = h('input', { id: 'tags', type: 'text' });
    const tagForm = h(
      'form',
      {
        id: 'tag-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const add = tags.value.split(',').map((x) => x.trim()).filter(Boolean);
          if (add.length) void act(() => post(`/incidents/${enc(id)}/tags`, { add }));
        },
      },
      h('label', { for: 'tags' }, t('inc.tags')),
      h('div', { class: 'row' }, tags, h('button', { type: 'submit', id: 'tags-submit' }, t('inc.addTags'))),
    );

    const cat = h('select', { id: 'category' }, (cls?.categories ?? []).map((c) => h('option', { value: c.key, selected: c.key === i.category }, categoryName(cls, c.key))));
    const sub = h('select', { id: 'subcategory', 'aria-label': t('field.subcategory') });
    const fillSub = () => {
      const c = cls?.categories.find((x) => x.key === cat.value);
      clear(sub, h('option', { value: '' }, '—'), (c?.subcategories ?? []).map((s) => h('option', { value: s.key, selected: s.key === i.subcategory }, subcategoryName(cls, c?.key, s.key))));
    };
    fillSub();
    cat.addEventListener('change', fillSub);
    const classifyForm = h(
      'form',
      { id: 'classify-form', onsubmit: (e: Event) => {
          e.preventDefault();
          void act(() => post(`/incidents/${enc(id)}/classification`, { category: cat.value, ...(sub.value ? { subcategory: sub.value } : {}) }));
        },
      },
      h('label', { for: 'category' }, t('inc.classify')),
      cat,
      sub,
      h('button', { type: 'submit' }, t('inc.doClassify')),
    );

    const grade = h('select', { id: 'grade' }, ['I', 'II', 'III', 'IV'].map((g) => h('option', { value: g, selected: g === i.grade }, gradeName(cls, g))));
    const gradeReason = h('input', { id: 'grade-reason', type: 'text', 'aria-label': t('inc.gradeReason'), placeholder: t('inc.gradeReason') });
    const gradeForm = h(
      'form',
      {
        id: 'grade-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          if (gradeReason.value.trim()) void act(() => post(`/incidents/${enc(id)}/grade`, { grade: grade.value, reason: gradeReason.value.trim() }));
        },
      },
      h('label', { for: 'grade' }, t('inc.regrade')),
      grade,
      gradeReason,
      h('button', { type: 'submit' }, t('inc.regrade')),
    );

    const source = h('input', { id: 'merge-source', type: 'text' });
    const mergeForm = h(
      'form',
      { id: 'merge-form', onsubmit: (e: Event) => {
          e.preventDefault();
          if (source.value.trim()) void act(() => post(`/incidents/${enc(id)}/merge`, { source: source.value.trim() }));
        },
      },
      h('label', { for: 'merge-source' }, t('inc.merge')),
      h('div', { class: 'row' }, source, h('button', { type: 'submit' }, t('inc.doMerge'))),
    );

    clear(actions, h('h2', { id: 'h-actions' }, t('inc.actions')), transitionForm, assignForm, commentForm, tagForm, classifyForm, gradeForm, mergeForm);
  };

  const renderTimeline = () => {
    const entries = detail.timeline.map((e, i) => ({ e, i })).sort((a, b) => b.e.at.localeCompare(a.e.at) || b.i - a.i).map((x) => x.e);
    clear(
      timeline,
      h('h2', { id: 'h-timeline' }, t('inc.timeline')),
      h(
        'ol',
        { class: 'tl' },
        entries.map((e) =>
          h(
            'li',
            { class: `tl-${e.kind}`, 'data-kind': e.kind },
            h('time', { datetime: e.at }, formatTime(e.at)),
            h('span', { class: 'tl-actor', title: e.actor }, e.actor.replace(/ \(.*\)$/, '')),
            h('span', { class: 'tl-text' }, timelineText(e)),
            timelineDetail(e) ? h('p', { class: 'tl-detail' }, timelineDetail(e)) : null,
          ),
        ),
      ),
    );
  };

  const renderObservables = () => {
    clear(
      observables,
      h('h2', { id: 'h-obs' }, t('inc.observables')),
      detail.observables.length
        ? h(
            'table',
            { class: 'grid small' },
            h('thead', {}, h('tr', {}, h('th', {}, t('field.value')), h('th', {}, t('inc.count')), h('th', {}, t('inc.lastSeen')))),
            h(
              'tbody',
              {},
              detail.observables.map((o) =>
                h('tr', {}, h('td', {}, h('span', { class: 'muted small' }, tv('obs', o.type)), ' ', observableLink(o.type, o.value)), h('td', { class: 'c-num' }, String(o.count)), h('td', { class: 'small' }, formatTime(o.lastSeen))),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('common.none')),
    );
  };

  const renderAlerts = () => {
    const byId = new Map(detail.events.map((e) => [e.id, e]));
    clear(
      alerts,
      h('h2', { id: 'h-alerts' }, t('inc.alerts')),
      detail.alerts.map((a) => {
        const events = a.eventIds.map((eid) => byId.get(eid)).filter((x): x is Detail['events'][number] => x !== undefined);
        const docs = events.length ? events.map((e) => ({ id: e.id, doc: e.doc })) : (a.events ?? []).map((doc, n) => ({ id: `${a.id}-${n}`, doc }));
        let fpForm: HTMLElement | null = null;
        if (writable && a.status !== 'false_positive') {
          const reason = h('input', { type: 'text', class: 'fp-reason', 'aria-label': t('inc.fpReason'), placeholder: t('inc.fpReason') });
          const ip = a.entities.sourceIps?.[0];
          const host = a.entities.hosts?.[0];
          const cond = ip ? { field: 'source.ip', value: ip } : host ? { field: 'host.name', value: host } : null;
          const ex = h('input', { type: 'checkbox', class: 'fp-exception' });
          fpForm = h(
            'form',
            {
              class: 'fp row',
              onsubmit: (e: Event) => {
                e.preventDefault();
                if (!reason.value.trim()) return reason.focus();
                void act(() => post(`/alerts/${enc(a.id)}/false-positive`, { reason: reason.value.trim(), ...(cond && ex.checked ? { exception: [cond] } : {}) }));
              },
            },
            reason,
            cond ? h('label', { class: 'inline' }, ex, ' ', t('inc.fpException', { field: cond.field, value: cond.value })) : null,
            h('button', { type: 'submit' }, t('inc.fp')),
          );
        }
        return h(
          'article',
          { class: 'alert', 'data-alert': a.id },
          h(
            'header',
            {},
            severityBadge(a.severity),
            ' ',
            h('a', { href: `#/rules/${encodeURIComponent(a.ruleId)}`, class: 'rule' }, a.ruleTitle),
            ' ',
            h('span', { class: `badge status-${a.status}` }, tv('alert', a.status)),
            ' ',
            h('span', { class: 'muted small' }, formatTime(a.detectedAt)),
            ' ',
            [...(a.tactics ?? []).map((x) => tv('tactic', x)), ...(a.techniques ?? [])].map((x) => h('span', { class: 'tag small' }, x)),
          ),
          fpForm,
          h(
            'details',
            { class: 'events' },
            h('summary', {}, `${t('inc.events')} (${docs.length})`),
            docs.map((d, n) => {
              const rows = flatten(d.doc).filter(([k]) => k !== 'event.original');
              const ecs = h('table', { class: 'grid kv' }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, fieldLink(k, v))))));
              const original = (d.doc.event as { original?: string } | undefined)?.original;
              const raw = h('pre', { class: 'raw', hidden: true }, original ?? JSON.stringify(d.doc, null, 2));
              const ecsBtn = h('button', { type: 'button', class: 'seg active', 'aria-pressed': 'true' }, t('inc.ecs'));
              const rawBtn = h('button', { type: 'button', class: 'seg', 'aria-pressed': 'false' }, t('inc.raw'));
              const show = (isRaw: boolean) => {
                raw.hidden = !isRaw;
                ecs.hidden = isRaw;
                rawBtn.classList.toggle('active', isRaw);
                ecsBtn.classList.toggle('active', !isRaw);
                rawBtn.setAttribute('aria-pressed', String(isRaw));
                ecsBtn.setAttribute('aria-pressed', String(!isRaw));
              };
              ecsBtn.addEventListener('click', () => show(false));
              rawBtn.addEventListener('click', () => show(true));
              const when = String((d.doc['@timestamp'] as string | undefined) ?? '');
              const line = original ?? String((d.doc.message as string | undefined) ?? d.id);
              // One line per event; the first opens so the fields are one click away at most.
              return h(
                'details',
                { class: 'event', open: n === 0 },
                h('summary', {}, h('time', { class: 'small muted' }, formatTime(when)), ' ', h('span', { class: 'mono small' }, line.slice(0, 160))),
                h('div', { class: 'seg-group', role: 'group' }, ecsBtn, rawBtn),
                ecs,
                raw,
              );
            }),
          ),
        );
      }),
    );
  };

  let runList: Run[] | null = null;
  const renderRuns = () => {
    if (runList === null) {
      clear(runs, h('h2', { id: 'h-runs' }, t('inc.playbooks')), h('p', { class: 'muted' }, t('inc.noRuns')));
      return;
    }
    clear(
      runs,
      h('h2', { id: 'h-runs' }, t('inc.playbooks')),
      runList.length === 0
        ? h('p', { class: 'muted' }, t('inc.noRuns'))
        : runList.map((r) => {
            const reason = h('input', { type: 'text', class: 'decision-reason', 'aria-label': t('run.reason'), placeholder: t('run.reason') });
            const decide = (d: 'approve' | 'deny') => {
              if (!reason.value.trim()) {
                reason.focus();
                return ctx.flash(t('run.reason'), 'error');
              }
              void act(() => post(`/playbook-runs/${enc(r.id)}/${d}`, { reason: reason.value.trim(), ...(r.waitingFor ? { step: r.waitingFor } : {}) }));
            };
            return h(
              'article',
              { class: 'run', 'data-run': r.id, 'data-status': r.status },
              h('header', {}, h('strong', {}, r.playbookTitle ?? r.playbookId), ' ', h('span', { class: `badge step-${r.status}` }, t('run.status', { status: tv('step', r.status) }))),
              h(
                'ol',
                { class: 'steps' },
                r.steps.map((s) =>
                  h(
                    'li',
                    { class: 'step', 'data-step': s.stepId, 'data-status': s.status },
                    h('span', { class: 'step-name' }, s.name ?? s.stepId),
                    s.kind ? h('span', { class: 'muted small' }, ` ${s.kind}`) : null,
                    ' ',
                    h('span', { class: `badge step-${s.status}` }, tv('step', s.status)),
                    s.decision ? h('p', { class: 'small' }, t('run.decided', { decision: s.decision.approved ? t('run.approved') : t('run.denied'), by: s.decision.by, reason: s.decision.reason })) : null,
                    s.error?.message ? h('p', { class: 'small error-text' }, s.error.message) : null,
                  ),
                ),
              ),
              r.waitingFor && writable
                ? h(
                    'div',
                    { class: 'decision row' },
                    h('span', {}, t('run.waiting', { step: r.waitingFor })),
                    reason,
                    h('button', { type: 'button', class: 'primary approve', onclick: () => decide('approve') }, t('run.approve')),
                    h('button', { type: 'button', class: 'danger deny', onclick: () => decide('deny') }, t('run.deny')),
                  )
                : null,
            );
          }),
    );
  };

  let loadError = '';
  const refresh = async (force = false): Promise<boolean> => {
    try {
      detail = await get<Detail>(`/incidents/${enc(id)}`);
    } catch (err) {
      loadError = errorText(err);
      ctx.flash(loadError, 'error');
      return false;
    }
    try {
      runList = (await get<{ items: Run[] }>('/playbook-runs', { incident: id, limit: 50 })).items;
    } catch (err) {
      // A server without the playbook stage has no runs to show.
      if (!(err instanceof ApiError && err.status === 404)) ctx.flash(errorText(err), 'error');
    }
    const editing = (el: HTMLElement) => el.contains(document.activeElement) && document.activeElement !== document.body;
    renderHeader();
    renderTimeline();
    renderObservables();
    const aSig = JSON.stringify(detail.alerts.map((a) => [a.id, a.status]));
    if (force || aSig !== alertSig || !editing(alerts)) {
      if (force || aSig !== alertSig) renderAlerts();
      alertSig = aSig;
    }
    const rSig = JSON.stringify(runList);
    if (force || (rSig !== runSig && !editing(runs))) {
      renderRuns();
      runSig = rSig;
    }
    const stateSig = `${detail.incident.version}`;
    if (force || actions.dataset.version !== stateSig) {
      if (force || !editing(actions)) {
        renderActions();
        actions.dataset.version = stateSig;
      }
    }
    return true;
  };

  if (!(await refresh(true))) {
    clear(root, crumbs, h('p', { class: 'flash error', role: 'alert' }, loadError));
    return;
  }
  clear(root, crumbs, page);
  ctx.every(1000, () => tickClocks(clocks));
  ctx.every(REFRESH_MS, () => void refresh());
};

function enc(s: string): string {
  return encodeURIComponent(s);
}

export type { PageContext };
