import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigmaPaths } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = (title: string) => `title: ${title}
logsource: {product: linux}
detection:
    sel: {A: 1}
    condition: sel
`;

describe('loadSigmaPaths', () => {
  it('reads folders recursively (*.yml, *.yaml) and files, sorted, skipping other files', () => {
    mkdirSync(join(dir, 'b', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'b', 'deep', 'z.yaml'), rule('Z'));
    writeFileSync(join(dir, 'b', 'a.yml'), rule('A'));
    writeFileSync(join(dir, 'b', 'notes.txt'), 'not a rule');
    writeFileSync(join(dir, 'b', 'broken.yml'), 'title: [unterminated\n');
    writeFileSync(join(dir, 'single.yml'), rule('Single'));
    const r = loadSigmaPaths([join(dir, 'single.yml'), join(dir, 'b')]);
    expect(r.files).toBe(4);
    expect(r.documents.map((d) => d.title)).toEqual(['A', 'Z', 'Single']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].code).toBe('SIGMA_PARSE');
    expect(r.errors[0].location?.source).toBe(join(dir, 'b', 'broken.yml'));
  });

  it('reports a missing path instead of throwing', () => {
    const r = loadSigmaPaths([join(dir, 'nope')]);
    expect(r.files).toBe(0);
    expect(r.errors[0].message).toContain('cannot read');
    expect(r.errors[0].location?.source).toBe(join(dir, 'nope'));
  });
});
