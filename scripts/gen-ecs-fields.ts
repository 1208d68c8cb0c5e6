// Generates core/ecs-fields.json, the compact ECS field catalogue (name → Elasticsearch type),
// from the installed @elastic/ecs package, so the runtime never loads its 5 MB of definitions.
// Run after upgrading @elastic/ecs: `npx tsx scripts/gen-ecs-fields.ts`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EcsFlat, EcsVersion } from '@elastic/ecs';

interface FlatField {
  type: string;
  normalize?: readonly string[];
  object_type?: string;
  multi_fields?: ReadonlyArray<{ flat_name: string; type: string }>;
}

const fields: Record<string, string> = {};
const arrays: string[] = [];
const objectTypes: Record<string, string> = {};

for (const [name, def] of Object.entries(EcsFlat as unknown as Record<string, FlatField>).sort(([a], [b]) =>
  a < b ? -1 : a > b ? 1 : 0,
)) {
  fields[name] = def.type;
  for (const mf of def.multi_fields ?? []) fields[mf.flat_name] = mf.type;
  if (def.normalize?.includes('array')) arrays.push(name);
  // Object fields such as `labels` declare the type of their free-form children (`labels.env`).
  if (def.type === 'object' && def.object_type) objectTypes[name] = def.object_type;
}

const out = fileURLToPath(new URL('../core/ecs-fields.json', import.meta.url));
writeFileSync(out, `${JSON.stringify({ ecsVersion: EcsVersion, fields, arrays, objectTypes }, null, 1)}\n`);
console.log(`wrote ${out}: ${Object.keys(fields).length} fields (ECS ${EcsVersion})`);
