// Field conditions for triggers, `when:` on steps and branch steps, written as YAML data:
//   { field: incident.severity, in: [high, critical] }, { all: [...] }, { any: [...] }, { not: ... }
// A list means all of its items. Fields are template references (incident.*, steps.*.output …).
import { assertNever } from '../../core/errors.ts';
import { lookupPath, parsePath, type Resolver, type TemplateError, type TemplateRef } from './template.ts';

export const ConditionOp = {
  equals: 'equals',
  not_equals: 'not_equals',
  in: 'in',
  contains: 'contains',
  exists: 'exists',
  gt: 'gt',
  gte: 'gte',
  lt: 'lt',
  lte: 'lte',
  severity_at_least: 'severity_at_least',
} as const;
export type ConditionOp = (typeof ConditionOp)[keyof typeof ConditionOp];
const ops = Object.values(ConditionOp) as string[];

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: TemplateRef; op: ConditionOp; value: unknown };

const severities = ['informational', 'low', 'medium', 'high', 'critical'];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a condition; problems are [path, reason] pairs so the loader can name the YAML path. */
export function parseCondition(raw: unknown, path: string, problems: Array<[string, string]>): Condition | undefined {
  if (Array.isArray(raw)) {
    const all = raw.map((r, i) => parseCondition(r, `${path}[${i}]`, problems));
    return all.every((c) => c !== undefined) ? { all: all as Condition[] } : undefined;
  }
  if (!isObj(raw)) {
    problems.push([path, 'a condition is a map such as { field: incident.severity, in: [high, critical] }, or a list of them']);
    return undefined;
  }
  const keys = Object.keys(raw);
  if (keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any')) {
    const items = raw[keys[0]];
    if (!Array.isArray(items) || items.length === 0) {
      problems.push([`${path}.${keys[0]}`, 'expected a non-empty list of conditions']);
      return undefined;
    }
    const parsed = items.map((r, i) => parseCondition(r, `${path}.${keys[0]}[${i}]`, problems));
    if (!parsed.every((c) => c !== undefined)) return undefined;
    return keys[0] === 'all' ? { all: parsed as Condition[] } : { any: parsed as Condition[] };
  }
  if (keys.length === 1 && keys[0] === 'not') {
    const inner = parseCondition(raw.not, `${path}.not`, problems);
    return inner ? { not: inner } : undefined;
  }
  if (typeof raw.field !== 'string') {
    problems.push([`${path}.field`, 'required: the value to test, e.g. incident.severity']);
    return undefined;
  }
  let field: TemplateRef;
  try {
    field = parsePath(raw.field);
  } catch (err) {
    problems.push([`${path}.field`, (err as TemplateError).message]);
    return undefined;
  }
  const opKeys = keys.filter((k) => k !== 'field');
  if (opKeys.length !== 1 || !ops.includes(opKeys[0])) {
    problems.push([path, `needs exactly one operator besides 'field' (known: ${ops.join(', ')}); got ${opKeys.join(', ') || 'none'}`]);
    return undefined;
  }
  const op = opKeys[0] as ConditionOp;
  const value = raw[op];
  const at = `${path}.${op}`;
  if (op === 'in' && !Array.isArray(value)) problems.push([at, 'expected a list of values']);
  else if (op === 'exists' && typeof value !== 'boolean') problems.push([at, 'expected true or false']);
  else if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof value !== 'number') problems.push([at, 'expected a number']);
  else if (op === 'severity_at_least' && !severities.includes(String(value))) problems.push([at, `expected a severity (${severities.join(', ')})`]);
  else return { field, op, value };
  return undefined;
}

/** Back to the YAML form (for listings): `{ field: 'incident.severity', in: [...] }`. */
export function conditionToData(c: Condition): unknown {
  if ('all' in c) return { all: c.all.map(conditionToData) };
  if ('any' in c) return { any: c.any.map(conditionToData) };
  if ('not' in c) return { not: conditionToData(c.not) };
  return { field: c.field.text, [c.op]: c.value };
}

/** Every field the condition reads, for load-time reference checks. */
export function conditionRefs(c: Condition): TemplateRef[] {
  if ('all' in c) return c.all.flatMap(conditionRefs);
  if ('any' in c) return c.any.flatMap(conditionRefs);
  if ('not' in c) return conditionRefs(c.not);
  return [c.field];
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b;
}

export function evaluateCondition(c: Condition, resolve: Resolver): boolean {
  if ('all' in c) return c.all.every((x) => evaluateCondition(x, resolve));
  if ('any' in c) return c.any.some((x) => evaluateCondition(x, resolve));
  if ('not' in c) return !evaluateCondition(c.not, resolve);
  const v = resolve(c.field);
  switch (c.op) {
    case 'equals':
      return same(v, c.value);
    case 'not_equals':
      return !same(v, c.value);
    case 'in':
      return (c.value as unknown[]).some((x) => same(v, x));
    case 'contains':
      if (Array.isArray(v)) return v.some((x) => same(x, c.value) || (typeof x === 'object' && x !== null && same(lookupPath(x, ['value']), c.value)));
      return typeof v === 'string' && v.toLowerCase().includes(String(c.value).toLowerCase());
    case 'exists':
      return (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== '') === c.value;
    case 'gt':
      return typeof v === 'number' && v > (c.value as number);
    case 'gte':
      return typeof v === 'number' && v >= (c.value as number);
    case 'lt':
      return typeof v === 'number' && v < (c.value as number);
    case 'lte':
      return typeof v === 'number' && v <= (c.value as number);
    case 'severity_at_least':
      return typeof v === 'string' && severities.indexOf(v) >= severities.indexOf(String(c.value));
    default:
      return assertNever(c.op, 'condition operator');
  }
}
