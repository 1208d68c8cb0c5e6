// The ECS field catalogue: field name → Elasticsearch type, from core/ecs-fields.json (generated
// from @elastic/ecs by scripts/gen-ecs-fields.ts). Ingest checks value types with it; search uses
// it to choose numeric, date or text comparisons.
import catalogue from './ecs-fields.json' with { type: 'json' };

interface EcsCatalogue {
  ecsVersion: string;
  fields: Record<string, string>;
  arrays: string[];
  objectTypes: Record<string, string>;
}

const data = catalogue as EcsCatalogue;
const fieldTypes = new Map(Object.entries(data.fields));
const arrayFields = new Set(data.arrays);
const objectTypes = new Map(Object.entries(data.objectTypes));

/** The ECS version the catalogue was generated from. */
export const ecsVersion: string = data.ecsVersion;

/**
 * The ECS type of a field ('keyword', 'long', 'ip', 'date', 'match_only_text', 'boolean', 'object',
 * 'geo_point' …), or undefined for a field ECS does not define. Children of free-form object fields
 * (`labels.env`) get the object's declared value type.
 */
export function ecsFieldType(name: string): string | undefined {
  const direct = fieldTypes.get(name);
  if (direct !== undefined) return direct;
  const dot = name.lastIndexOf('.');
  if (dot > 0) return objectTypes.get(name.slice(0, dot));
  return undefined;
}

/** True when ECS says the field normally holds an array (`related.ip`, `event.category`, `tags`). */
export function ecsFieldIsArray(name: string): boolean {
  return arrayFields.has(name);
}

export const EcsTypeClass = {
  numeric: 'numeric',
  date: 'date',
  ip: 'ip',
  text: 'text',
  keyword: 'keyword',
  boolean: 'boolean',
  other: 'other',
} as const;
export type EcsTypeClass = (typeof EcsTypeClass)[keyof typeof EcsTypeClass];

const classes: Record<string, EcsTypeClass> = {
  long: 'numeric',
  integer: 'numeric',
  short: 'numeric',
  byte: 'numeric',
  float: 'numeric',
  double: 'numeric',
  half_float: 'numeric',
  scaled_float: 'numeric',
  unsigned_long: 'numeric',
  date: 'date',
  date_nanos: 'date',
  ip: 'ip',
  text: 'text',
  match_only_text: 'text',
  keyword: 'keyword',
  constant_keyword: 'keyword',
  wildcard: 'keyword',
  boolean: 'boolean',
};

/** Groups ECS types by how they compare; undefined for a field ECS does not define. */
export function ecsFieldClass(name: string): EcsTypeClass | undefined {
  const type = ecsFieldType(name);
  if (type === undefined) return undefined;
  return classes[type] ?? 'other';
}
