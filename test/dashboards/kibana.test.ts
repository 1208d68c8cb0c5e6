// The Kibana saved-objects export: every line parses, ids are unique, every reference resolves
// within the file, the checked-in file is what the generator writes, and the fields the
// visualisations aggregate on are mapped in Vigil's Elasticsearch indices.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { storeIndexMappings } from '../../core/storage/elasticsearch/templates.ts';
import { type SavedObject, toNdjson, vigilSavedObjects } from '../../dashboards/kibana/saved-objects.ts';

const file = fileURLToPath(new URL('../../dashboards/kibana/vigil.ndjson', import.meta.url));
const text = readFileSync(file, 'utf8');
const objects = text
  .trimEnd()
  .split('\n')
  .map((line, i) => {
    try {
      return JSON.parse(line) as SavedObject;
    } catch (err) {
      throw new Error(`vigil.ndjson line ${i + 1}: not JSON (${(err as Error).message})`);
    }
  });

type Props = Record<string, { type?: string; properties?: Props }>;
function mapped(props: Props, path: string): boolean {
  const [head, ...rest] = path.split('.');
  const p = props[head];
  if (!p) return false;
  return rest.length ? mapped(p.properties ?? {}, rest.join('.')) : p.type !== undefined;
}

describe('Kibana saved objects', () => {
  it('is the generator output, one saved object per line with unique ids', () => {
    expect(text).toBe(toNdjson(vigilSavedObjects()));
    for (const o of objects) {
      expect(o).toMatchObject({ type: expect.any(String), id: expect.any(String), attributes: expect.any(Object), references: expect.any(Array) });
      expect(o.coreMigrationVersion).toMatch(/^8\.\d+\.\d+$/);
    }
    const keys = objects.map((o) => `${o.type}:${o.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(objects.map((o) => o.id)).size).toBe(objects.length);
  });

  it('has data views over logs-vigil.*, vigil-alerts and vigil-incidents and a dashboard', () => {
    const views = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title);
    expect(views.sort()).toEqual(['logs-vigil.*', 'vigil-alerts', 'vigil-incidents']);
    expect(objects.filter((o) => o.type === 'dashboard')).toHaveLength(1);
  });

  it('resolves every reference within the file, and each panel and search source names a reference', () => {
    const byKey = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects) {
      for (const ref of o.references) expect(byKey.has(`${ref.type}:${ref.id}`), `${o.id} → ${ref.type}:${ref.id}`).toBe(true);
      const refNames = new Set(o.references.map((r) => r.name));
      if (o.type === 'dashboard') {
        const panels = JSON.parse(o.attributes.panelsJSON as string) as Array<{ panelRefName: string; panelIndex: string }>;
        expect(panels.length).toBeGreaterThanOrEqual(5);
        for (const p of panels) expect(refNames.has(p.panelRefName)).toBe(true);
        expect(new Set(panels.map((p) => p.panelIndex)).size).toBe(panels.length);
      }
      if (o.type === 'visualization') {
        const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string };
        expect(refNames.has((JSON.parse(meta.searchSourceJSON) as { indexRefName: string }).indexRefName)).toBe(true);
      }
    }
  });

  it('aggregates only on fields mapped in the alerts and incidents indices', () => {
    const views = new Map(objects.filter((o) => o.type === 'index-pattern').map((o) => [o.id, o.attributes.title as string]));
    const mappings: Record<string, Props> = {
      'vigil-alerts': storeIndexMappings('alerts').properties as Props,
      'vigil-incidents': storeIndexMappings('incidents').properties as Props,
    };
    let checked = 0;
    for (const o of objects.filter((x) => x.type === 'visualization')) {
      const index = views.get(o.references[0].id) as string;
      const vis = JSON.parse(o.attributes.visState as string) as { aggs: Array<{ params: { field?: string } }> };
      const props = mappings[index];
      if (!props) continue;
      for (const agg of vis.aggs) {
        if (!agg.params.field) continue;
        expect(mapped(props, agg.params.field), `${o.id}: ${agg.params.field} in ${index}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(7);
    for (const [index, field] of [
      ['vigil-alerts', 'detectedAt'],
      ['vigil-incidents', 'createdAt'],
    ]) {
      const view = objects.find((o) => o.attributes.title === index);
      expect(view?.attributes.timeFieldName).toBe(field);
      expect(mapped(mappings[index], field)).toBe(true);
    }
  });
});
