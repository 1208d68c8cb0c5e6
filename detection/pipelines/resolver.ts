// Builds the matcher's FieldResolver from pipelines: for a rule's logsource, a Sigma field is read
// from the mapped ECS path(s) (most specific logsource first), then from the raw-name fallbacks.
import type { EcsEvent } from '../../core/ecs.ts';
import type { FieldResolver } from '../matcher/index.ts';
import type { SigmaLogsource, SigmaRule } from '../sigma/index.ts';
import { compilePath, type PathReader } from './field-path.ts';
import type { Pipeline } from './model.ts';

/** The event paths tried, in order, for `field` in rules of `logsource`. */
export function candidatePaths(pipelines: readonly Pipeline[], logsource: SigmaLogsource, field: string): string[] {
  const mapped: Array<{ specificity: number; order: number; paths: readonly string[] }> = [];
  const fallbacks: string[] = [];
  let order = 0;
  for (const p of pipelines) {
    let applies = false;
    for (const m of p.mappings) {
      if (!logsourceCovers(m.logsource, logsource)) continue;
      applies = true;
      const paths = m.fields[field];
      if (paths) mapped.push({ specificity: Object.keys(m.logsource).length, order: order++, paths });
    }
    if (applies) fallbacks.push(...p.fallback.map((t) => t.replaceAll('{field}', field)));
  }
  mapped.sort((a, b) => b.specificity - a.specificity || a.order - b.order);
  const out = new Set<string>();
  for (const m of mapped) for (const path of m.paths) out.add(path);
  for (const f of fallbacks) out.add(f);
  out.add(field);
  return [...out];
}

/** A FieldResolver over `pipelines`; accessors are cached per (logsource, field). */
export function createFieldResolver(pipelines: readonly Pipeline[]): FieldResolver {
  const cache = new Map<string, (event: EcsEvent) => unknown>();
  return (field: string, rule: SigmaRule) => {
    const ls = rule.logsource;
    const key = `${ls.product ?? ''}|${ls.category ?? ''}|${ls.service ?? ''}|${field}`;
    let accessor = cache.get(key);
    if (!accessor) {
      accessor = firstDefined(candidatePaths(pipelines, ls, field).map(compilePath));
      cache.set(key, accessor);
    }
    return accessor;
  };
}

function firstDefined(readers: PathReader[]): (event: EcsEvent) => unknown {
  if (readers.length === 1) return readers[0];
  return (event) => {
    for (let i = 0; i < readers.length; i++) {
      const v = readers[i](event);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** Sigma logsource containment: every key `outer` sets equals `inner`'s value (case-insensitive). */
export function logsourceCovers(outer: SigmaLogsource, inner: SigmaLogsource): boolean {
  for (const k of ['product', 'category', 'service'] as const) {
    const o = outer[k];
    if (o !== undefined && o.toLowerCase() !== inner[k]?.toLowerCase()) return false;
  }
  return true;
}

/** Every pipeline's placeholder values merged, keyed as the matcher expects ('%name%'). */
export function placeholderValues(pipelines: readonly Pipeline[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of pipelines) for (const [k, v] of Object.entries(p.placeholders)) out[`%${k}%`] = [...(out[`%${k}%`] ?? []), ...v];
  return out;
}
