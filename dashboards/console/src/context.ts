// What every page shares: who is signed in, the GB/T 20986 classification table (for names in
// both languages), navigation, status messages, and timers that stop when the page is left.
import type { Me, Role } from './api.ts';
import { h } from './dom.ts';
import { lang, tv } from './i18n.ts';

export interface NamedKey {
  key: string;
  zh: string;
  en: string;
}

export interface Classification {
  grades: NamedKey[];
  categories: Array<NamedKey & { subcategories: NamedKey[] }>;
  lifecycle: Array<{ state: string; phase: NamedKey; next: string[] }>;
  resolutions: string[];
}

export interface PageContext {
  me: Me;
  classification: Classification | null;
  /** Query parameters of the current hash route. */
  params: URLSearchParams;
  navigate(hash: string): void;
  flash(text: string, kind?: 'ok' | 'error'): void;
  /** setInterval that is cleared when the page is left. */
  every(ms: number, fn: () => void): void;
}

export type Page = (root: HTMLElement, ctx: PageContext, arg?: string) => void | Promise<void>;

export const canWrite = (r: Role): boolean => r === 'admin' || r === 'analyst' || r === 'responder';
export const canTriage = canWrite;
export const canSwitchRules = (r: Role): boolean => r === 'admin' || r === 'analyst';
export const canReadIncidents = canWrite;
// The metrics and report routes admit analysts and compliance officers (and admin).
export const canReadReports = (r: Role): boolean => r === 'admin' || r === 'analyst' || r === 'compliance';

function named(list: NamedKey[] | undefined, key: string | undefined): string {
  if (!key) return '';
  const n = list?.find((x) => x.key === key || x.zh === key);
  if (!n) return key;
  return lang() === 'zh' ? n.zh : n.en;
}

export function categoryName(c: Classification | null, key: string | undefined): string {
  return named(c?.categories, key);
}

export function subcategoryName(c: Classification | null, category: string | undefined, key: string | undefined): string {
  const cat = c?.categories.find((x) => x.key === category || x.zh === category);
  return named(cat?.subcategories, key);
}

/** "III 较大" in Chinese, "III (relatively major)" in English. */
export function gradeName(c: Classification | null, key: string | undefined): string {
  if (!key) return '';
  const name = named(c?.grades, key);
  if (name === key) return key;
  return lang() === 'zh' ? `${key} ${name}` : `${key} (${name})`;
}

export function severityBadge(sev: string): HTMLElement {
  return h('span', { class: `badge sev-${sev}` }, tv('sev', sev));
}

export function stateBadge(state: string): HTMLElement {
  return h('span', { class: `badge state-${state}` }, tv('state', state));
}
