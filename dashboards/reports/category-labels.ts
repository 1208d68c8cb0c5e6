// Display names of the GB/T 20986-2023 categories for reports, read from the classification
// table the incident stage uses (rules/classification/gbt20986.yml is data, shared by both).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { ErrorCode, VigilError } from '../../core/errors.ts';

export interface Label {
  zh: string;
  en: string;
}

export interface CategoryLabels {
  categories: Record<string, Label>;
  /** Keyed 'category/subcategory'. */
  subcategories: Record<string, Label>;
}

export const defaultClassificationFile = fileURLToPath(new URL('../../rules/classification/gbt20986.yml', import.meta.url));

function isLabelled(v: unknown): v is { key: string; zh: string; en: string; subcategories?: unknown } {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.key === 'string' && typeof o.zh === 'string' && typeof o.en === 'string';
}

export function loadCategoryLabels(file: string = defaultClassificationFile): CategoryLabels {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `${file}: cannot read category names (${(err as Error).message})`, { source: file });
  }
  const out: CategoryLabels = { categories: {}, subcategories: {} };
  const cats = doc && typeof doc === 'object' ? (doc as Record<string, unknown>).categories : undefined;
  if (!Array.isArray(cats)) throw new VigilError(ErrorCode.CONFIG_INVALID, `${file}: categories: expected a list`, { source: file, path: 'categories' });
  for (const c of cats) {
    if (!isLabelled(c)) continue;
    out.categories[c.key] = { zh: c.zh, en: c.en };
    for (const s of Array.isArray(c.subcategories) ? c.subcategories : []) {
      if (isLabelled(s)) out.subcategories[`${c.key}/${s.key}`] = { zh: s.zh, en: s.en };
    }
  }
  return out;
}
