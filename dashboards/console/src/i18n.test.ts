// Both languages say everything: same keys, same placeholders, no empty text, every key the
// sources use exists, and every value the API sends that the console translates (states,
// phases, resolutions, severities, step statuses, ATT&CK tactics) has an entry.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tacticOrder } from '../../metrics/attack-coverage.ts';
import { incidentStates, phases, resolutions } from '../../../response/incidents/lifecycle.ts';
import { Severity } from '../../../core/storage/types.ts';
import { dictionaries } from './i18n.ts';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console dictionaries', () => {
  const en = dictionaries.en as Record<string, string>;
  const zh = dictionaries.zh as Record<string, string>;

  it('have the same keys and placeholders in English and Chinese, none empty', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const k of Object.keys(en)) {
      expect(en[k].trim(), k).not.toBe('');
      expect(zh[k].trim(), k).not.toBe('');
      expect(placeholders(zh[k]), k).toEqual(placeholders(en[k]));
    }
  });

  it('contain every key the sources pass to t()', () => {
    const used = new Set<string>();
    for (const file of sources(srcDir)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.&]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
  });

  it('translate every state, phase, resolution, severity, step status and ATT&CK tactic the API sends', () => {
    const wanted = [
      ...incidentStates.map((s) => `state.${s}`),
      ...Object.values(phases).map((p) => `phase.${p.key}`),
      ...resolutions.map((r) => `res.${r}`),
      ...Object.values(Severity).map((s) => `sev.${s}`),
      ...['pending', 'running', 'waiting_approval', 'succeeded', 'failed', 'cancelled'].map((s) => `step.${s}`),
      ...tacticOrder.map((t) => `tactic.${t}`),
      ...['admin', 'analyst', 'responder', 'compliance', 'ingest'].map((r) => `role.${r}`),
      ...['ip', 'domain', 'url', 'hash', 'user', 'host'].map((o) => `obs.${o}`),
      ...['open', 'false_positive', 'closed'].map((s) => `alert.${s}`),
    ];
    expect(wanted.filter((k) => !(k in en))).toEqual([]);
  });

  it('use the standard Chinese names of the lifecycle phases', () => {
    for (const p of Object.values(phases)) expect(zh[`phase.${p.key}`]).toBe(p.zh);
  });
});
