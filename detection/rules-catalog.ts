// The catalogue of loaded detection rules for the console and the rules API: searchable
// summaries, and the enabled/disabled switch an analyst flips. The switch lives in the docs
// collection 'rule-settings' so it survives restarts; `isEnabled` is synchronous (read on the
// detection hot path) and answers from a cache that every change updates.
import { isAbsolute, relative, sep } from 'node:path';
import { ErrorCode, VigilError } from '../core/errors.ts';
import type { DocumentStore } from '../core/storage/types.ts';
import type { SigmaCorrelation, SigmaRule } from './sigma/index.ts';

export const ruleSettingsCollection = 'rule-settings';

export interface RuleSetting {
  enabled: boolean;
  changedBy: string;
  changedAt: string;
}

export interface RuleSummary {
  /** The id alerts carry: the Sigma id, else its name, else its title. */
  id: string;
  /** A single-event rule, or a correlation over other rules (counts, sequences). */
  kind: 'rule' | 'correlation';
  title: string;
  description?: string;
  level?: string;
  status?: string;
  author?: string;
  logsource: { product?: string; category?: string; service?: string };
  tags: string[];
  tactics: string[];
  techniques: string[];
  source: string;
  falsepositives: string[];
  references: string[];
  /** For correlations: the type (event_count, …) and the rules it correlates. */
  correlation?: { type: string; rules: string[] };
  enabled: boolean;
  changedBy?: string;
  changedAt?: string;
}

export interface RuleFilter {
  /** Free text over id, title, description, tags and the file name. */
  q?: string;
  level?: readonly string[];
  /** Matches product, category or service (`windows`, `process_creation`, `sshd`). */
  logsource?: string;
  tactic?: string;
  technique?: string;
  enabled?: boolean;
}

export interface RulePage {
  items: RuleSummary[];
  total: number;
  nextCursor?: string;
}

export interface RuleCatalog {
  list(filter: RuleFilter, page?: { limit?: number; cursor?: string }): RulePage;
  get(id: string): RuleSummary | undefined;
  /** Stores the switch and returns the summary before and after (for the audit entry). */
  setEnabled(id: string, enabled: boolean, actor: { id: string }): Promise<{ before: RuleSummary; after: RuleSummary }>;
  isEnabled(id: string): boolean;
  /** Re-reads the stored switches (another process may have changed them). */
  refresh(): Promise<void>;
  /** The rule's exceptions (docs 'rule-exceptions', oldest first). */
  exceptions(id: string): Promise<RuleExceptionView[]>;
  /** True/false-positive verdicts so far (docs 'rule-verdicts'); precision once there is one. */
  precision(id: string): Promise<RulePrecision>;
}

export interface RuleExceptionView {
  id: string;
  conditions: Array<{ field: string; value: string }>;
  reason: string;
  createdBy: string;
  createdAt: string;
  sourceAlertId?: string;
}

export interface RulePrecision {
  tp: number;
  fp: number;
  precision?: number;
}

// Written by response/alerts/exceptions.ts and response/incidents/service.ts; read here only.
const exceptionCollection = 'rule-exceptions';
const verdictCollection = 'rule-verdicts';

// attack.t1110 / attack.t1110.001 are techniques; attack.credential_access is a tactic; attack.g0016
// (group) and attack.s0002 (software) are neither.
const techniqueTag = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;
const otherAttackTag = /^attack\.[gs]\d{4}$/i;

// The rule's file as the console shows it: relative to the working directory when inside it, so
// the API does not publish the server's directory layout.
function displaySource(source: string): string {
  if (!isAbsolute(source)) return source;
  const rel = relative(process.cwd(), source);
  return rel && !rel.startsWith(`..${sep}`) && !isAbsolute(rel) ? rel.split(sep).join('/') : source.split(sep).slice(-3).join('/');
}

function ruleIdOf(rule: SigmaRule | SigmaCorrelation): string {
  return rule.id ?? rule.name ?? rule.title;
}

function summarise(rule: SigmaRule | SigmaCorrelation): Omit<RuleSummary, 'enabled'> {
  const tactics: string[] = [];
  const techniques: string[] = [];
  for (const tag of rule.tags) {
    const t = techniqueTag.exec(tag);
    if (t) techniques.push(t[1].toUpperCase());
    else if (tag.toLowerCase().startsWith('attack.') && !otherAttackTag.test(tag)) tactics.push(tag.slice(7).toLowerCase().replace(/-/g, '_'));
  }
  const logsource: RuleSummary['logsource'] = {};
  const ls = 'logsource' in rule ? rule.logsource : undefined;
  if (ls?.product) logsource.product = ls.product;
  if (ls?.category) logsource.category = ls.category;
  if (ls?.service) logsource.service = ls.service;
  return {
    id: ruleIdOf(rule),
    kind: 'correlation' in rule ? 'correlation' : 'rule',
    title: rule.title,
    ...('correlation' in rule ? { correlation: { type: rule.correlation.type, rules: [...rule.correlation.rules] } } : {}),
    ...(rule.description ? { description: rule.description } : {}),
    ...(rule.level ? { level: rule.level } : {}),
    ...(rule.status ? { status: rule.status } : {}),
    ...(rule.author ? { author: rule.author } : {}),
    logsource,
    tags: [...rule.tags],
    tactics,
    techniques,
    source: displaySource(rule.source),
    falsepositives: [...rule.falsepositives],
    references: [...rule.references],
  };
}

function matches(r: RuleSummary, f: RuleFilter): boolean {
  if (f.level?.length && !f.level.includes(r.level ?? '')) return false;
  if (f.enabled !== undefined && r.enabled !== f.enabled) return false;
  if (f.logsource) {
    const want = f.logsource.toLowerCase();
    if (![r.logsource.product, r.logsource.category, r.logsource.service].some((v) => v?.toLowerCase() === want)) return false;
  }
  if (f.tactic) {
    const want = f.tactic.toLowerCase().replace(/^attack\./, '').replace(/-/g, '_');
    if (!r.tactics.includes(want)) return false;
  }
  if (f.technique) {
    // T1110 also finds its sub-techniques (T1110.001), the way the ATT&CK site groups them.
    const want = f.technique.toUpperCase().replace(/^ATTACK\./, '');
    if (!r.techniques.some((t) => t === want || t.startsWith(`${want}.`))) return false;
  }
  if (f.q) {
    const words = f.q.toLowerCase().split(/\s+/).filter(Boolean);
    const hay = [r.id, r.title, r.description ?? '', r.source, ...r.tags].join('\n').toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
  }
  return true;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new VigilError(ErrorCode.REQUEST_INVALID, `cursor '${cursor}' is not a cursor this endpoint returned`, { source: 'querystring', path: '/cursor' });
  return Number(m[1]);
}

/**
 * Builds the catalogue over the loaded rules and reads the stored switches. Rules sharing an id
 * (the same rule in two files) appear once: the first loaded wins, as in detection.
 */
export async function createRuleCatalog(opts: {
  rules: readonly SigmaRule[];
  /** Correlation rules (alerts carry their id too, so they are switched the same way). */
  correlations?: readonly SigmaCorrelation[];
  docs: DocumentStore;
  now?: () => Date;
}): Promise<RuleCatalog> {
  const now = opts.now ?? (() => new Date());
  const base = new Map<string, Omit<RuleSummary, 'enabled'>>();
  for (const rule of [...opts.rules, ...(opts.correlations ?? [])]) {
    const s = summarise(rule);
    if (!base.has(s.id)) base.set(s.id, s);
  }
  const ordered = [...base.values()].sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
  const settings = new Map<string, RuleSetting>();

  const view = (s: Omit<RuleSummary, 'enabled'>): RuleSummary => {
    const st = settings.get(s.id);
    return { ...s, enabled: st?.enabled ?? true, ...(st ? { changedBy: st.changedBy, changedAt: st.changedAt } : {}) };
  };

  const refresh = async (): Promise<void> => {
    const docs = await opts.docs.list<RuleSetting>(ruleSettingsCollection);
    settings.clear();
    for (const d of docs) settings.set(d.id, d.body);
  };
  await refresh();

  return {
    list(filter, page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
      const offset = page.cursor ? decodeCursor(page.cursor) : 0;
      const all = ordered.map(view).filter((r) => matches(r, filter));
      const items = all.slice(offset, offset + limit);
      return { items, total: all.length, ...(offset + limit < all.length ? { nextCursor: encodeCursor(offset + limit) } : {}) };
    },
    get(id) {
      const s = base.get(id);
      return s ? view(s) : undefined;
    },
    isEnabled(id) {
      return settings.get(id)?.enabled ?? true;
    },
    refresh,
    async exceptions(id) {
      const docs = await opts.docs.list<RuleExceptionView & { ruleId: string }>(exceptionCollection);
      return docs
        .map((d) => d.body)
        .filter((e) => e.ruleId === id)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map(({ ruleId: _ruleId, ...e }) => e);
    },
    async precision(id) {
      const v = (await opts.docs.get<{ tp: number; fp: number }>(verdictCollection, id))?.body;
      const tp = v?.tp ?? 0;
      const fp = v?.fp ?? 0;
      return { tp, fp, ...(tp + fp > 0 ? { precision: tp / (tp + fp) } : {}) };
    },
    async setEnabled(id, enabled, actor) {
      const s = base.get(id);
      if (!s) throw new VigilError(ErrorCode.NOT_FOUND, `rule ${id}: no loaded rule has this id`, { source: 'params', path: '/id' });
      const before = view(s);
      const body: RuleSetting = { enabled, changedBy: actor.id, changedAt: now().toISOString() };
      // Last writer wins: the switch is a plain setting, so a concurrent flip is not a conflict.
      const current = await opts.docs.get<RuleSetting>(ruleSettingsCollection, id);
      await opts.docs.put(ruleSettingsCollection, id, body, current?.version ?? 0).catch(async (err: unknown) => {
        if (!(err instanceof VigilError && err.code === ErrorCode.STORE_VERSION_CONFLICT)) throw err;
        const again = await opts.docs.get<RuleSetting>(ruleSettingsCollection, id);
        await opts.docs.put(ruleSettingsCollection, id, body, again?.version ?? 0);
      });
      settings.set(id, body);
      return { before, after: view(s) };
    },
  };
}
