// A small, safe template language for playbook inputs: `{{ incident.title }}`,
// `{{ incident.fields.observables.ip[0].value }}`, `{{ steps.lookup.output.score | default(0) }}`.
// Only paths and a fixed set of filters: nothing is evaluated as code. A string that is exactly
// one `{{ … }}` renders to the value itself (a list stays a list), otherwise to text.

import { isIP } from 'node:net';

export type PathSegment = string | number;

export interface TemplateRef {
  segments: PathSegment[];
  /** As written, for messages: 'steps.lookup.output.score'. */
  text: string;
}

interface Filter {
  name: string;
  args: Array<string | number | boolean | null>;
}

interface Expr {
  ref: TemplateRef;
  filters: Filter[];
}

type Part = { text: string } | { expr: Expr };

export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
  readonly refs: readonly TemplateRef[];
}

export class TemplateError extends Error {}

/** Resolves a reference to its value; the default walks the context object. */
export type Resolver = (ref: TemplateRef) => unknown;

const filters: Record<string, { arity: [number, number]; apply(v: unknown, args: Filter['args']): unknown }> = {
  default: { arity: [1, 1], apply: (v, [d]) => (v === undefined || v === null || v === '' ? d : v) },
  json: { arity: [0, 0], apply: (v) => JSON.stringify(v ?? null) },
  join: {
    arity: [0, 1],
    apply: (v, [sep]) => (Array.isArray(v) ? v.map((x) => toText(x)).join(typeof sep === 'string' ? sep : ', ') : v),
  },
  first: { arity: [0, 0], apply: (v) => (Array.isArray(v) ? v[0] : v) },
  count: { arity: [0, 0], apply: (v) => (Array.isArray(v) ? v.length : v === undefined || v === null ? 0 : 1) },
  upper: { arity: [0, 0], apply: (v) => (typeof v === 'string' ? v.toUpperCase() : v) },
  lower: { arity: [0, 0], apply: (v) => (typeof v === 'string' ? v.toLowerCase() : v) },
  urlencode: { arity: [0, 0], apply: (v) => encodeURIComponent(toText(v)) },
  /** Observables `[{ value, count }]` → `['1.2.3.4', …]`. */
  values: { arity: [0, 0], apply: (v) => (Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? (x as { value?: unknown }).value : x)) : v) },
  /** Keeps addresses that are not private, loopback or link-local: what a perimeter block may target. */
  public: { arity: [0, 0], apply: (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' && isPublicIp(x)) : typeof v === 'string' && isPublicIp(v) ? v : undefined) },
};

const privateV4 = [/^10\./, /^127\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2[0-9]|3[01])\./, /^100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\./, /^0\./];

export function isPublicIp(ip: string): boolean {
  const v = ip.trim().toLowerCase();
  const kind = isIP(v);
  if (kind === 4) return !privateV4.some((r) => r.test(v));
  if (kind === 6) return !(v === '::1' || v === '::' || /^f[cd]/.test(v) || /^fe[89ab]/.test(v));
  return false;
}
export const templateFilters = Object.keys(filters);

export function isTemplate(s: string): boolean {
  return s.includes('{{');
}

/** Text form of a value inside a larger string: objects as JSON, nothing as ''. */
export function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** Parses `a.b[0]["c d"]` into segments. */
export function parsePath(text: string): TemplateRef {
  const src = text.trim();
  const segments: PathSegment[] = [];
  let i = 0;
  const first = IDENT.exec(src);
  if (!first) throw new TemplateError(`'${src}': a reference starts with a name (e.g. incident.title)`);
  segments.push(first[0]);
  i = first[0].length;
  while (i < src.length) {
    if (src[i] === '.') {
      const m = IDENT.exec(src.slice(i + 1)) ?? /^[0-9]+/.exec(src.slice(i + 1));
      if (!m) throw new TemplateError(`'${src}': expected a name after '.' at character ${i + 1}`);
      segments.push(/^[0-9]+$/.test(m[0]) ? Number(m[0]) : m[0]);
      i += 1 + m[0].length;
    } else if (src[i] === '[') {
      const m = /^\[\s*(?:([0-9]+)|'([^']*)'|"([^"]*)")\s*\]/.exec(src.slice(i));
      if (!m) throw new TemplateError(`'${src}': expected [number] or ['name'] at character ${i + 1}`);
      segments.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3]));
      i += m[0].length;
    } else {
      throw new TemplateError(`'${src}': unexpected '${src[i]}' at character ${i + 1}`);
    }
  }
  return { segments, text: src };
}

function parseArgs(src: string, whole: string): Filter['args'] {
  const args: Filter['args'] = [];
  let rest = src.trim();
  while (rest.length > 0) {
    const m = /^(?:'([^']*)'|"([^"]*)"|(-?[0-9]+(?:\.[0-9]+)?)|(true|false|null))\s*(?:,\s*|$)/.exec(rest);
    if (!m) throw new TemplateError(`'${whole}': filter arguments are quoted strings, numbers, true, false or null`);
    if (m[1] !== undefined || m[2] !== undefined) args.push(m[1] ?? m[2]);
    else if (m[3] !== undefined) args.push(Number(m[3]));
    else args.push(m[4] === 'null' ? null : m[4] === 'true');
    rest = rest.slice(m[0].length);
  }
  return args;
}

/** Splits on '|' outside quotes. */
function splitPipes(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '|') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

function parseExpr(src: string): Expr {
  const [pathText, ...filterTexts] = splitPipes(src);
  if (!pathText.trim()) throw new TemplateError(`'{{${src}}}': empty reference`);
  const ref = parsePath(pathText);
  const fs = filterTexts.map((ft) => {
    const m = /^\s*([a-z_]+)\s*(?:\((.*)\))?\s*$/.exec(ft);
    if (!m) throw new TemplateError(`'{{${src}}}': bad filter '${ft.trim()}'`);
    const def = filters[m[1]];
    if (!def) throw new TemplateError(`'{{${src}}}': unknown filter '${m[1]}' (known: ${templateFilters.join(', ')})`);
    const args = m[2] !== undefined ? parseArgs(m[2], src) : [];
    if (args.length < def.arity[0] || args.length > def.arity[1]) {
      throw new TemplateError(`'{{${src}}}': filter '${m[1]}' takes ${def.arity[0] === def.arity[1] ? def.arity[0] : `${def.arity[0]} to ${def.arity[1]}`} argument(s)`);
    }
    return { name: m[1], args };
  });
  return { ref, filters: fs };
}

export function compileTemplate(source: string): Template {
  const parts: Part[] = [];
  const refs: TemplateRef[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: source.slice(i, open) });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`'${source}': '{{' at character ${open + 1} is never closed with '}}'`);
    const expr = parseExpr(source.slice(open + 2, close));
    parts.push({ expr });
    refs.push(expr.ref);
    i = close + 2;
  }
  return { source, parts, refs };
}

/** Walks plain objects and arrays; undefined when any step is missing. */
export function lookupPath(root: unknown, segments: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (typeof seg !== 'number') return undefined;
      cur = cur[seg];
    } else {
      if (!Object.hasOwn(cur, seg)) return undefined;
      cur = (cur as Record<string, unknown>)[String(seg)];
    }
  }
  return cur;
}

function evalExpr(expr: Expr, resolve: Resolver): unknown {
  let v = resolve(expr.ref);
  for (const f of expr.filters) v = filters[f.name].apply(v, f.args);
  return v;
}

export function renderTemplate(t: Template, resolve: Resolver): unknown {
  const only = t.parts.length === 1 ? t.parts[0] : undefined;
  if (only && 'expr' in only) return evalExpr(only.expr, resolve);
  return t.parts.map((p) => ('text' in p ? p.text : toText(evalExpr(p.expr, resolve)))).join('');
}

export function contextResolver(ctx: Record<string, unknown>): Resolver {
  return (ref) => lookupPath(ctx, ref.segments);
}

/** Renders every string inside a value (objects and lists recursively). Throws TemplateError. */
export function renderValue(value: unknown, resolve: Resolver): unknown {
  if (typeof value === 'string') return isTemplate(value) ? renderTemplate(compileTemplate(value), resolve) : value;
  if (Array.isArray(value)) return value.map((v) => renderValue(v, resolve));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, resolve);
    return out;
  }
  return value;
}

/**
 * Every template inside a value, with the path where it sits (`message`, `body.ip`), or the
 * parse error there: load-time checks use it to reject unknown references.
 */
export function collectTemplates(value: unknown, path: string): Array<{ path: string; template?: Template; error?: string }> {
  const out: Array<{ path: string; template?: Template; error?: string }> = [];
  const walk = (v: unknown, p: string) => {
    if (typeof v === 'string') {
      if (!isTemplate(v)) return;
      try {
        out.push({ path: p, template: compileTemplate(v) });
      } catch (err) {
        out.push({ path: p, error: (err as Error).message });
      }
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${p}[${i}]`);
    }
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, p ? `${p}.${k}` : k);
  };
  walk(value, path);
  return out;
}
