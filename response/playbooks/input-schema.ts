// Step input schemas: a small typed description of each kind's `with:` keys, checked at load
// (literal values; template strings are checked once rendered, when the step starts).
import { isIP } from 'node:net';
import { isTemplate } from './template.ts';

export interface FieldSchema {
  type: 'string' | 'number' | 'boolean' | 'object' | 'array' | 'duration' | 'any';
  required?: boolean;
  enum?: readonly string[];
  /** Extra string checks. */
  format?: 'ip' | 'url';
  description: string;
}

const DURATION = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '30s', '5m', '4h', '1d', '250ms' or a number of milliseconds; undefined when not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = DURATION.exec(v.trim());
  return m ? Math.round(Number(m[1]) * unitMs[m[2]]) : undefined;
}

function typeProblem(schema: FieldSchema, v: unknown): string | undefined {
  switch (schema.type) {
    case 'any':
      return undefined;
    case 'string':
      if (typeof v !== 'string' && typeof v !== 'number') return `expected text, got ${describe(v)}`;
      if (schema.enum && !schema.enum.includes(String(v))) return `'${String(v)}' is not allowed (allowed: ${schema.enum.join(', ')})`;
      if (schema.format === 'ip' && isIP(String(v).trim()) === 0) return `'${String(v)}' is not an IP address`;
      if (schema.format === 'url' && !/^https?:\/\/\S+$/i.test(String(v))) return `'${String(v)}' is not an http(s) URL`;
      return undefined;
    case 'number':
      return typeof v === 'number' ? undefined : `expected a number, got ${describe(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `expected true or false, got ${describe(v)}`;
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : `expected a map, got ${describe(v)}`;
    case 'array':
      return Array.isArray(v) ? undefined : `expected a list, got ${describe(v)}`;
    case 'duration':
      return parseDuration(v) !== undefined ? undefined : `expected a duration such as 30s, 5m, 4h (or milliseconds), got ${describe(v)}`;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function empty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/**
 * Problems of `input` against `schema` as [key, reason]. `rendered` false: template strings are
 * accepted as-is (they are checked again once rendered).
 */
export function checkInput(schema: Record<string, FieldSchema>, input: Record<string, unknown>, rendered: boolean): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  for (const [key, fs] of Object.entries(schema)) {
    const v = input[key];
    if (empty(v)) {
      if (fs.required) problems.push([key, rendered && key in input ? 'required (the template rendered nothing)' : 'required']);
      continue;
    }
    if (!rendered && typeof v === 'string' && isTemplate(v)) continue;
    const p = typeProblem(fs, v);
    if (p) problems.push([key, p]);
  }
  for (const key of Object.keys(input)) {
    if (!(key in schema)) problems.push([key, `unknown input (known: ${Object.keys(schema).join(', ')})`]);
  }
  return problems;
}
