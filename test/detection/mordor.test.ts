// Real attack data: a slice of the OTRF Mordor Windows dataset (test/fixtures/mordor) hunted with
// every bundled SigmaHQ rule. Simulations of credential dumping must raise LSASS rules; the
// discovery simulation beside them must not.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type HuntMatch, runHunt } from '../../detection/hunt/index.ts';
import { bundledRuleDir } from '../../detection/pipelines/index.ts';

const dir = fileURLToPath(new URL('../fixtures/mordor/', import.meta.url));
const labels = readFileSync(`${dir}labels.csv`, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [first, last, id, title, techniques] = l.split(',');
    return { first: Number(first) - 1, last: Number(last) - 1, id, title, techniques };
  });

describe('hunting the Mordor slice with every bundled rule', () => {
  const matches: HuntMatch[] = [];
  let events = 0;
  beforeAll(async () => {
    const summary = await runHunt({ rulePaths: [bundledRuleDir], eventFiles: [`${dir}events.ndjson.gz`], onMatch: (m) => matches.push(m) });
    events = summary.events;
  }, 120_000);

  const inSim = (id: string) => {
    const sim = labels.find((l) => l.id === id)!;
    return matches.filter((m) => m.eventIndex >= sim.first && m.eventIndex <= sim.last);
  };
  const titles = (ms: HuntMatch[]) => new Set(ms.map((m) => m.rule.title));
  const credentialDumping = (ms: HuntMatch[]) => ms.filter((m) => m.rule.tags.includes('attack.t1003.001'));

  it('reads every event of the gzip NDJSON slice', () => {
    expect(events).toBe(370);
  });

  it('raises LSASS dumping rules on the comsvcs.dll MiniDump simulation', () => {
    const ms = inSim('SDWIN-201018195009');
    expect(titles(ms)).toContain('Process Memory Dump Via Comsvcs.DLL');
    expect(titles(ms)).toContain('Lsass Memory Dump via Comsvcs DLL');
    expect(credentialDumping(ms).length).toBeGreaterThanOrEqual(3);
  });

  it('raises LSASS access and Dumpert rules on the syscall dump simulation', () => {
    const ms = inSim('SDWIN-201018225619');
    expect(titles(ms)).toContain('HackTool - Dumpert Process Dumper Default File');
    expect(titles(ms)).toContain('LSASS Memory Access by Tool With Dump Keyword In Name');
    expect(credentialDumping(ms).length).toBeGreaterThanOrEqual(3);
  });

  it('raises no credential dumping rule on the Internet Explorer discovery simulation', () => {
    expect(credentialDumping(inSim('SDWIN-201021232814'))).toEqual([]);
  });

  it('keeps the author of every SigmaHQ rule on its matches (Detection Rule License)', () => {
    expect(matches.length).toBeGreaterThan(0);
    for (const m of matches) expect(m.rule.author, m.rule.title).toBeTruthy();
  });
});
