// The GB/T 20986-2023 classification table (rules/classification/gbt20986.yml): categories,
// subcategories, grades and the mapping from rule tags / ATT&CK onto a category. Loading checks
// the whole file and reports every problem with its YAML path; classifying is pure.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { ErrorCode, VigilError } from '../../core/errors.ts';

export interface NamedEntry {
  key: string;
  zh: string;
  en: string;
}

export interface Category extends NamedEntry {
  subcategories: NamedEntry[];
}

export interface MappingRule {
  techniques: string[];
  tactics: string[];
  tags: string[];
  category: string;
  subcategory: string;
}

export interface ClassificationTable {
  source: string;
  grades: NamedEntry[];
  categories: Category[];
  mapping: MappingRule[];
  default: { category: string; subcategory: string };
}

export interface Classification {
  category: string;
  subcategory?: string;
}

/** The bundled table's path. */
export const defaultClassificationFile = fileURLToPath(new URL('../../rules/classification/gbt20986.yml', import.meta.url));

/** Reads and validates a table; every problem is listed in one CONFIG_INVALID error. */
export function loadClassification(file: string = defaultClassificationFile): ClassificationTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `${file}: cannot read the classification table (${(err as Error).message})`, { source: file });
  }
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (err) {
    const mark = err instanceof yaml.YAMLException ? err.mark : undefined;
    const reason = err instanceof yaml.YAMLException ? err.reason : String(err);
    throw new VigilError(ErrorCode.CONFIG_INVALID, `${file}${mark ? `:${mark.line + 1}:${mark.column + 1}` : ''}: invalid YAML: ${reason}`, {
      source: file,
      line: mark ? mark.line + 1 : undefined,
      column: mark ? mark.column + 1 : undefined,
    });
  }
  return parseClassification(doc, file);
}

type Problem = { path: string; message: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates an already-parsed document (exported for tests of the error paths). */
export function parseClassification(doc: unknown, source: string): ClassificationTable {
  const problems: Problem[] = [];
  const str = (v: unknown, path: string): string => {
    if (typeof v === 'string' && v.trim() !== '') return v;
    problems.push({ path, message: `expected a non-empty string, got ${JSON.stringify(v) ?? 'nothing'}` });
    return '';
  };
  const list = (v: unknown, path: string): unknown[] => {
    if (Array.isArray(v)) return v;
    if (v !== undefined) problems.push({ path, message: `expected a list, got ${JSON.stringify(v)}` });
    else problems.push({ path, message: 'missing (expected a list)' });
    return [];
  };
  const entry = (v: unknown, path: string): NamedEntry => {
    if (!isObject(v)) {
      problems.push({ path, message: 'expected a mapping with key, zh, en' });
      return { key: '', zh: '', en: '' };
    }
    return { key: str(v.key, `${path}.key`), zh: str(v.zh, `${path}.zh`), en: str(v.en, `${path}.en`) };
  };
  const unique = (entries: NamedEntry[], path: string) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (e.key && seen.has(e.key)) problems.push({ path: `${path}[${i}].key`, message: `duplicate key '${e.key}'` });
      seen.add(e.key);
    });
  };

  const root = isObject(doc) ? doc : {};
  if (!isObject(doc)) problems.push({ path: '', message: 'expected a mapping with grades, categories, mapping, default' });
  const grades = list(root.grades, 'grades').map((g, i) => entry(g, `grades[${i}]`));
  unique(grades, 'grades');
  const categories: Category[] = list(root.categories, 'categories').map((c, i) => {
    const path = `categories[${i}]`;
    const base = entry(c, path);
    const subs = isObject(c) ? list(c.subcategories, `${path}.subcategories`).map((s, j) => entry(s, `${path}.subcategories[${j}]`)) : [];
    unique(subs, `${path}.subcategories`);
    return { ...base, subcategories: subs };
  });
  unique(categories, 'categories');

  const target = (v: Record<string, unknown>, path: string): { category: string; subcategory: string } => {
    const category = str(v.category, `${path}.category`);
    const subcategory = str(v.subcategory, `${path}.subcategory`);
    const cat = categories.find((c) => c.key === category);
    if (category && !cat) {
      problems.push({ path: `${path}.category`, message: `unknown category '${category}' (known: ${categories.map((c) => c.key).join(', ')})` });
    } else if (cat && subcategory && !cat.subcategories.some((s) => s.key === subcategory)) {
      problems.push({
        path: `${path}.subcategory`,
        message: `'${subcategory}' is not a subcategory of ${category} (known: ${cat.subcategories.map((s) => s.key).join(', ') || 'none'})`,
      });
    }
    return { category, subcategory };
  };
  const strings = (v: unknown, path: string): string[] => {
    if (v === undefined) return [];
    return list(v, path).map((s, i) => str(s, `${path}[${i}]`));
  };
  const mapping: MappingRule[] = list(root.mapping, 'mapping').map((m, i) => {
    const path = `mapping[${i}]`;
    if (!isObject(m)) {
      problems.push({ path, message: 'expected a mapping with techniques/tactics/tags and category, subcategory' });
      return { techniques: [], tactics: [], tags: [], category: '', subcategory: '' };
    }
    for (const k of Object.keys(m)) {
      if (!['techniques', 'tactics', 'tags', 'category', 'subcategory'].includes(k)) {
        problems.push({ path: `${path}.${k}`, message: `unknown key '${k}' (allowed: techniques, tactics, tags, category, subcategory)` });
      }
    }
    const rule: MappingRule = {
      techniques: strings(m.techniques, `${path}.techniques`).map(normaliseTechnique),
      tactics: strings(m.tactics, `${path}.tactics`).map(normaliseTactic),
      tags: strings(m.tags, `${path}.tags`).map((t) => t.toLowerCase()),
      ...target(m, path),
    };
    rule.techniques.forEach((t, j) => {
      if (t && !/^T\d{4}(\.\d{3})?$/.test(t)) problems.push({ path: `${path}.techniques[${j}]`, message: `'${t}' is not an ATT&CK technique id (T1234 or T1234.001)` });
    });
    if (!rule.techniques.length && !rule.tactics.length && !rule.tags.length) {
      problems.push({ path, message: 'matches nothing: give techniques, tactics or tags' });
    }
    return rule;
  });
  const fallback = isObject(root.default) ? target(root.default, 'default') : { category: '', subcategory: '' };
  if (!isObject(root.default)) problems.push({ path: 'default', message: 'missing (expected { category, subcategory })' });

  if (problems.length) {
    const lines = problems.map((p) => `${source} ${p.path || '(root)'}: ${p.message}`);
    throw new VigilError(ErrorCode.CONFIG_INVALID, lines.join('\n'), { source, path: problems[0].path || undefined });
  }
  return { source, grades, categories, mapping, default: fallback };
}

/** 'attack.t1059.001' / 't1059.001' → 'T1059.001'. */
export function normaliseTechnique(t: string): string {
  return t.replace(/^attack\./i, '').toUpperCase();
}

/** 'attack.credential-access' / 'Credential Access' → 'credential_access'. */
export function normaliseTactic(t: string): string {
  return t
    .replace(/^attack\./i, '')
    .toLowerCase()
    .replace(/[-\s]+/g, '_');
}

export interface ClassifiableAlert {
  ruleTags: readonly string[];
  tactics: readonly string[];
  techniques: readonly string[];
}

/** The first mapping rule that matches the alert, else the table's default. */
export function classifyAlert(table: ClassificationTable, alert: ClassifiableAlert): Classification {
  const tags = new Set(alert.ruleTags.map((t) => t.toLowerCase()));
  const techniques = new Set<string>();
  const tactics = new Set<string>(alert.tactics.map(normaliseTactic));
  for (const t of alert.techniques) techniques.add(normaliseTechnique(t));
  // Tags carry the same information when the detection side left tactics/techniques empty.
  for (const tag of tags) {
    if (!tag.startsWith('attack.')) continue;
    const rest = tag.slice('attack.'.length);
    if (/^t\d{4}(\.\d{3})?$/.test(rest)) techniques.add(rest.toUpperCase());
    else if (!/^[gs]\d{4}$/.test(rest)) tactics.add(normaliseTactic(rest));
  }
  const hasTechnique = (want: string) => {
    for (const t of techniques) if (t === want || t.startsWith(`${want}.`)) return true;
    return false;
  };
  for (const rule of table.mapping) {
    if (rule.techniques.some(hasTechnique) || rule.tactics.some((t) => tactics.has(t)) || rule.tags.some((t) => tags.has(t) || [...tags].some((x) => x.startsWith(`${t}.`)))) {
      return { category: rule.category, subcategory: rule.subcategory };
    }
  }
  return { ...table.default };
}

/**
 * Resolves analyst input (a key, or the Chinese or English name) to table keys; REQUEST_INVALID
 * naming the allowed values otherwise.
 */
export function resolveClassification(table: ClassificationTable, category: string, subcategory?: string): Classification {
  const same = (e: NamedEntry, v: string) => e.key === v || e.zh === v || e.en.toLowerCase() === v.toLowerCase() || e.zh === `${v}事件`;
  const cat = table.categories.find((c) => same(c, category));
  if (!cat) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `category '${category}' is not a GB/T 20986-2023 category (allowed: ${table.categories.map((c) => c.key).join(', ')})`, {
      source: 'body',
      path: '/category',
    });
  }
  if (subcategory === undefined) return { category: cat.key };
  const sub = cat.subcategories.find((s) => same(s, subcategory));
  if (!sub) {
    throw new VigilError(
      ErrorCode.REQUEST_INVALID,
      `subcategory '${subcategory}' is not in category ${cat.key} (allowed: ${cat.subcategories.map((s) => s.key).join(', ') || 'none'})`,
      { source: 'body', path: '/subcategory' },
    );
  }
  return { category: cat.key, subcategory: sub.key };
}

export const Grade = { I: 'I', II: 'II', III: 'III', IV: 'IV' } as const;
export type Grade = (typeof Grade)[keyof typeof Grade];
export const grades: readonly Grade[] = ['I', 'II', 'III', 'IV'];

/** I is the most serious: rank 4 … IV rank 1. */
export function gradeRank(g: string | undefined): number {
  switch (g) {
    case 'I':
      return 4;
    case 'II':
      return 3;
    case 'III':
      return 2;
    case 'IV':
      return 1;
    default:
      return 0;
  }
}

export function isGrade(g: unknown): g is Grade {
  return typeof g === 'string' && (grades as readonly string[]).includes(g);
}
