// Group-B parsers never throw: every fixture line of every dataset, and malformed input, gives
// either events or an INGEST_PARSE error naming the source and the dataset.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_ROOT } from '../../test/ingest/fixture-harness.ts';
import { getParser } from './index.ts';

const GROUP_B = [
  'cisco_asa.log', 'fortinet_fortigate.log', 'panw.panos', 'suricata.eve', 'zeek.connection', 'zeek.dns', 'zeek.http',
  'aws.cloudtrail', 'windows.sysmon_operational', 'system.security', 'windows.powershell',
  'windows.powershell_operational', 'windows.forwarded', 'cef', 'leef', 'kv', 'json',
];

function fixtureLines(): string[] {
  const lines: string[] = [];
  for (const dataset of readdirSync(FIXTURE_ROOT, { withFileTypes: true })) {
    if (!dataset.isDirectory()) continue;
    for (const f of readdirSync(join(FIXTURE_ROOT, dataset.name))) {
      if (/^test-.*\.log$/.test(f)) lines.push(...readFileSync(join(FIXTURE_ROOT, dataset.name, f), 'utf8').split('\n'));
    }
  }
  return lines;
}

const MALFORMED = [
  '', ' ', '{', '{}', '[]', 'null', '"x"', '<Event>', 'CEF:0|', 'LEEF:2.0|a|b|c|d|e|', '%ASA-6-302013: Built', 'a=b',
  '\u0000\u0001', '{"Event":{"System":null}}', '{"winlog":{}}', '{"Channel":"Security"}', 'x'.repeat(20000),
  `%ASA-4-106023: Deny tcp src ${'a:'.repeat(5000)} dst`,
];

describe('group B parsers on foreign and malformed input', () => {
  const inputs = [...fixtureLines(), ...MALFORMED];
  for (const dataset of GROUP_B) {
    it(`${dataset} returns events or an INGEST_PARSE error`, () => {
      const parser = getParser(dataset);
      expect(parser).toBeDefined();
      for (const message of inputs) {
        const r = parser?.parse({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'robustness' });
        if (r && !r.ok) {
          expect(r.error.code).toBe('INGEST_PARSE');
          expect(r.error.message.startsWith(`robustness: ${dataset}: `)).toBe(true);
        } else {
          expect(Array.isArray(r?.events)).toBe(true);
        }
      }
    });
  }
});
