// Kibana users search the ECS fields, not the raw-name fallbacks the streaming matcher also reads
// (`NewProcessName`, `winlog.event_data.Image` …), and ES|QL refuses a column no index maps. So the
// paste-into-Kibana targets keep only each field's first candidate path, as pySigma's ECS pipelines
// map one name to one field. This undoes the three shapes query.ts builds from a candidate list.
import type { QueryNode } from '../../../core/query/ast.ts';
import { candidatePaths, type Pipeline } from '../../pipelines/index.ts';
import type { Detection, DetectionItem, SigmaRule } from '../../sigma/index.ts';

/** Paths query.ts can search (its FIELD_NAME check), joined with NUL. */
function usablePaths(pipelines: readonly Pipeline[], rule: SigmaRule, field: string): string {
  return candidatePaths(pipelines, rule.logsource, field)
    .filter((p) => /^[A-Za-z0-9_@-]+(?:\.[A-Za-z0-9_@-]+)*$/.test(p))
    .join('\u0000');
}

/** Candidate path lists of every field the rule names, keyed by the list joined with NUL. */
function candidateLists(rule: SigmaRule, pipelines: readonly Pipeline[]): Set<string> {
  const lists = new Set<string>();
  const walk = (d: Detection | DetectionItem): void => {
    if (d.kind !== 'item') {
      for (const p of d.parts) walk(p);
      return;
    }
    if (d.field !== null) lists.add(usablePaths(pipelines, rule, d.field));
    // A fieldref value names a second field with its own candidates.
    if (d.modifiers.includes('fieldref')) {
      for (const v of d.values) if (v.kind === 'string') lists.add(usablePaths(pipelines, rule, v.raw));
    }
  };
  for (const d of Object.values(rule.detection.searches)) walk(d);
  return lists;
}

function isNotExists(node: QueryNode, field: string): boolean {
  return node.kind === 'not' && node.arg.kind === 'exists' && node.arg.field === field;
}

/**
 * `or(test(p0), and(!p0, test(p1)), and(!p0, !p1, test(p2)) …)`: the "first path present" shape.
 * Returns the paths when `node` has it.
 */
function firstPresentPaths(node: Extract<QueryNode, { kind: 'and' | 'or' }>): string[] | undefined {
  const paths: string[] = [];
  for (let i = 1; i < node.args.length; i++) {
    const a = node.args[i];
    if (a.kind !== 'and' || a.args.length !== i + 1) return undefined;
    for (let j = 0; j < i; j++) {
      const n = a.args[j];
      if (n.kind !== 'not' || n.arg.kind !== 'exists') return undefined;
      if (j === paths.length) paths.push(n.arg.field);
      else if (!isNotExists(n, paths[j])) return undefined;
    }
  }
  return paths;
}

/** The query with each field read from its first candidate path only. */
export function primaryPathsOnly(node: QueryNode, rule: SigmaRule, pipelines: readonly Pipeline[]): QueryNode {
  const lists = candidateLists(rule, pipelines);
  const isList = (fields: readonly string[]): boolean => fields.length > 1 && lists.has(fields.join('\u0000'));
  const walk = (n: QueryNode): QueryNode => {
    switch (n.kind) {
      case 'or': {
        if (n.args.every((a) => a.kind === 'exists') && isList(n.args.map((a) => (a as { field: string }).field))) return n.args[0];
        const paths = firstPresentPaths(n);
        if (paths !== undefined && n.args.length > 1) {
          const last = n.args[n.args.length - 1] as Extract<QueryNode, { kind: 'and' | 'or' }>;
          const all = [...paths];
          const tail = last.args[last.args.length - 1];
          // The candidate list includes the path the last branch tests, which the first branch also tests.
          if (tail.kind !== 'not' || tail.arg.kind !== 'exists') {
            const tested = pathOf(tail);
            if (tested !== undefined) all.push(tested);
          }
          if (isList(all)) return walk(n.args[0]);
        }
        return { kind: 'or', args: n.args.map(walk) };
      }
      case 'and':
        if (n.args.every((a) => a.kind === 'term' && a.value === null) && isList(n.args.map((a) => (a as { field: string }).field))) return n.args[0];
        return { kind: 'and', args: n.args.map(walk) };
      case 'not':
        return { kind: 'not', arg: walk(n.arg) };
      default:
        return n;
    }
  };
  return walk(node);
}

/** The field a leaf (or a group of leaves on one field) tests, if it tests exactly one. */
function pathOf(node: QueryNode): string | undefined {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const fields = new Set(node.args.map(pathOf));
      return fields.size === 1 ? [...fields][0] : undefined;
    }
    case 'not':
      return pathOf(node.arg);
    case 'match_all':
      return undefined;
    case 'phrase':
      return node.field;
    default:
      return node.field;
  }
}

/**
 * The pipelines with each mapping cut to its first path and no raw-name fallbacks, so query.ts
 * builds (and counts) only the paths Kibana users search; the field itself stays as the last
 * candidate, which primaryPathsOnly then drops.
 */
export function primaryPipelines(pipelines: readonly Pipeline[]): Pipeline[] {
  return pipelines.map((p) => ({
    ...p,
    fallback: [],
    mappings: p.mappings.map((m) => ({
      ...m,
      fields: Object.fromEntries(Object.entries(m.fields).map(([field, paths]) => [field, paths.slice(0, 1)])),
    })),
  }));
}
