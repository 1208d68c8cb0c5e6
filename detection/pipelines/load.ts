// Reads pipeline YAML files (rules/pipelines/*.yml) into the typed model, collecting every error
// with its file and YAML path instead of stopping at the first.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { isPlainObject } from '../../core/ecs.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { FieldMapping, Pipeline, Route, RouteLogsource } from './model.ts';

const LOGSOURCE_KEYS = ['product', 'category', 'service'] as const;

export interface LoadedPipelines {
  pipelines: Pipeline[];
  errors: VigilError[];
}

/** Loads pipeline files and folders (every *.yml / *.yaml, sorted by name). */
export function loadPipelines(paths: readonly string[]): LoadedPipelines {
  const pipelines: Pipeline[] = [];
  const errors: VigilError[] = [];
  for (const file of listYaml(paths, errors)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push(new VigilError(ErrorCode.CONFIG_INVALID, `${file}: cannot read pipeline file`, { source: file }, { cause: err }));
      continue;
    }
    const result = parsePipeline(text, file);
    if (result.pipeline) pipelines.push(result.pipeline);
    errors.push(...result.errors);
  }
  return { pipelines, errors };
}

function listYaml(paths: readonly string[], errors: VigilError[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (err) {
      errors.push(new VigilError(ErrorCode.CONFIG_INVALID, `${p}: no such pipeline file or folder`, { source: p }, { cause: err }));
      continue;
    }
    if (st.isDirectory()) {
      const names = readdirSync(p).sort();
      out.push(...listYaml(names.filter((n) => /\.ya?ml$/.test(n) || statSync(join(p, n)).isDirectory()).map((n) => join(p, n)), errors));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Parses one pipeline document. */
export function parsePipeline(text: string, source: string): { pipeline?: Pipeline; errors: VigilError[] } {
  const errors: VigilError[] = [];
  let doc: unknown;
  try {
    // FAILSAFE keeps every scalar a string: event ids like 4688 are compared as text anyway.
    doc = yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA, filename: source });
  } catch (err) {
    const mark = err instanceof yaml.YAMLException ? err.mark : undefined;
    const reason = err instanceof yaml.YAMLException ? err.reason : String(err);
    errors.push(
      new VigilError(
        ErrorCode.CONFIG_INVALID,
        `${source}${mark ? `:${mark.line + 1}:${mark.column + 1}` : ''}: invalid YAML: ${reason}`,
        { source, line: mark ? mark.line + 1 : undefined, column: mark ? mark.column + 1 : undefined },
      ),
    );
    return { errors };
  }
  const fail = (path: string, reason: string): void => {
    errors.push(new VigilError(ErrorCode.CONFIG_INVALID, `${source} ${path}: ${reason}`, { source, path }));
  };
  if (!isObject(doc)) {
    fail('/', 'a pipeline must be a map with name, mappings and routes');
    return { errors };
  }
  const name = typeof doc.name === 'string' ? doc.name : undefined;
  if (!name) fail('name', 'missing pipeline name');
  const fallback = stringList(doc.fallback ?? ['{field}'], 'fallback', fail);
  const mappings: FieldMapping[] = [];
  const rawMappings = doc.mappings ?? [];
  if (!Array.isArray(rawMappings)) fail('mappings', 'must be a list of {logsource, fields}');
  else
    for (const [i, m] of rawMappings.entries()) {
      const at = `mappings[${i}]`;
      if (!isObject(m)) {
        fail(at, 'must be a map with logsource and fields');
        continue;
      }
      const logsource = parseLogsource(m.logsource, `${at}.logsource`, fail);
      if (!isObject(m.fields)) {
        fail(`${at}.fields`, 'must map Sigma field names to lists of event paths');
        continue;
      }
      const fields: Record<string, string[]> = {};
      for (const [field, paths] of Object.entries(m.fields)) fields[field] = stringList(paths, `${at}.fields.${field}`, fail);
      mappings.push({ logsource, fields });
    }
  const routes: Route[] = [];
  const rawRoutes = doc.routes ?? [];
  if (!Array.isArray(rawRoutes)) fail('routes', 'must be a list of {when, logsource, categories?}');
  else
    for (const [i, r] of rawRoutes.entries()) {
      const at = `routes[${i}]`;
      if (!isObject(r)) {
        fail(at, 'must be a map with when and logsource');
        continue;
      }
      if (!isObject(r.when) || Object.keys(r.when).length === 0) {
        fail(`${at}.when`, 'must be a non-empty map of fact → value(s)');
        continue;
      }
      const when: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(r.when)) when[k] = stringList(v, `${at}.when.${k}`, fail).map((s) => s.toLowerCase());
      const logsource = parseRouteLogsource(r.logsource, `${at}.logsource`, fail);
      const categories: Record<string, string[]> = {};
      if (r.categories !== undefined) {
        if (!isObject(r.categories)) fail(`${at}.categories`, 'must map event ids to categories');
        else for (const [id, c] of Object.entries(r.categories)) categories[id.toLowerCase()] = stringList(c, `${at}.categories.${id}`, fail);
      }
      routes.push({ when, logsource, categories, origin: `${source}:routes[${i}]` });
    }
  const placeholders: Record<string, string[]> = {};
  if (doc.placeholders !== undefined) {
    if (!isObject(doc.placeholders)) fail('placeholders', 'must map placeholder names to lists of values');
    else for (const [k, v] of Object.entries(doc.placeholders)) placeholders[k] = stringList(v, `placeholders.${k}`, fail);
  }
  if (errors.length > 0 || !name) return { errors };
  const description = typeof doc.description === 'string' ? doc.description : '';
  return { pipeline: { name, description, source, fallback, mappings, routes, placeholders }, errors };
}

function parseLogsource(v: unknown, at: string, fail: (p: string, r: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) {
    fail(at, 'must be a map with product, category and/or service');
    return out;
  }
  for (const [k, val] of Object.entries(v)) {
    if (!(LOGSOURCE_KEYS as readonly string[]).includes(k)) fail(`${at}.${k}`, `unknown logsource key (known: ${LOGSOURCE_KEYS.join(', ')})`);
    else if (typeof val !== 'string') fail(`${at}.${k}`, 'must be a string');
    else out[k] = val;
  }
  return out;
}

function parseRouteLogsource(v: unknown, at: string, fail: (p: string, r: string) => void): RouteLogsource {
  const out = { product: [] as string[], service: [] as string[], category: [] as string[] };
  if (!isObject(v)) {
    fail(at, 'must be a map with product, category and/or service');
    return out;
  }
  for (const [k, val] of Object.entries(v)) {
    if (k === 'product' || k === 'service' || k === 'category') out[k] = stringList(val, `${at}.${k}`, fail);
    else fail(`${at}.${k}`, `unknown logsource key (known: ${LOGSOURCE_KEYS.join(', ')})`);
  }
  return out;
}

function stringList(v: unknown, at: string, fail: (p: string, r: string) => void): string[] {
  if (typeof v === 'string') return [v];
  // FAILSAFE_SCHEMA reads a flow `[]` as an empty list, which is a valid (empty) value list.
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  fail(at, 'must be a string or a list of strings');
  return [];
}

const isObject = isPlainObject;
