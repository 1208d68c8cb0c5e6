import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'maxmind';
import { afterAll, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../../core/ecs.ts';
import { geoipEnricher, openGeoip } from '../../../ingest/enrich/geoip.ts';
import { loadEnrichment } from '../../../ingest/enrich/index.ts';
import {
  IntelIndex,
  intelEnricher,
  loadIntelFile,
  parsePlainIndicators,
  parseStixBundle,
} from '../../../ingest/enrich/intel.ts';
import { inventoryEnricher, loadInventory, parseInventoryCsv } from '../../../ingest/enrich/inventory.ts';
import { createIngestPipeline } from '../../../ingest/pipeline/pipeline.ts';
import { writeMmdb } from './mmdb-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-enrich-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('inventory enrichment', () => {
  it('YAML: host context by hostname (short or FQDN) and IP, user context by name', async () => {
    const path = file(
      'inventory.yml',
      `assets:
  - host: web-01.corp.example
    ip: [10.0.0.5]
    owner: alice
    criticality: High
    tags: [pci, dmz]
  - host: db-01
    ip: 10.0.0.9
    criticality: critical
users:
  - name: bob
    full_name: Bob Example
    email: bob@corp.example
    department: Finance
    criticality: high
    tags: [vip]
`,
    );
    const enrich = inventoryEnricher(await loadInventory(path));
    const a: EcsEvent = { host: { hostname: 'WEB-01' }, user: { name: 'CORP\\bob' } };
    enrich(a);
    expect(a).toEqual({
      host: { hostname: 'WEB-01', name: 'web-01.corp.example', ip: ['10.0.0.5'] },
      user: { name: 'CORP\\bob', full_name: 'Bob Example', email: 'bob@corp.example' },
      vigil: {
        asset: { name: 'web-01.corp.example', owner: 'alice', criticality: 'high', tags: ['pci', 'dmz'] },
        user: { department: 'Finance', criticality: 'high', tags: ['vip'] },
      },
    });
    const b: EcsEvent = { host: { ip: ['10.0.0.9'] } };
    enrich(b);
    expect(b).toMatchObject({ host: { name: 'db-01' }, vigil: { asset: { criticality: 'critical' } } });
    const c: EcsEvent = { host: { hostname: 'unknown-host' }, user: { name: 'mallory' } };
    enrich(c);
    expect(c.vigil).toBeUndefined();
  });

  it('CSV: assets and users in one file, lists separated by ";", quoted fields', async () => {
    const path = file(
      'inventory.csv',
      `host,ip,user,owner,criticality,tags,full_name,email,department
fw-01,192.0.2.1;192.0.2.2,,"Net Ops, EMEA",medium,edge;vendor-x,,,
,,carol,,low,contractor,"Carol ""CJ"" Jones",carol@corp.example,IT
`,
    );
    const inv = await loadInventory(path);
    expect(inv.assets).toEqual([
      { host: 'fw-01', ip: ['192.0.2.1', '192.0.2.2'], owner: 'Net Ops, EMEA', criticality: 'medium', tags: ['edge', 'vendor-x'] },
    ]);
    const ev: EcsEvent = { host: { ip: '192.0.2.2' }, user: { name: 'carol@corp.example' } };
    inventoryEnricher(inv)(ev);
    expect(ev).toMatchObject({
      user: { full_name: 'Carol "CJ" Jones', email: 'carol@corp.example' },
      vigil: { asset: { owner: 'Net Ops, EMEA' }, user: { department: 'IT', criticality: 'low', tags: ['contractor'] } },
    });
  });

  it('a bad criticality or unknown column names the file, the line and what is allowed', async () => {
    expect(() => parseInventoryCsv('host,criticality\nweb,urgent\n', 'inv.csv')).toThrow(
      /inv\.csv:2: criticality "urgent" is not one of low, medium, high, critical/,
    );
    expect(() => parseInventoryCsv('host,colour\nweb,red\n', 'inv.csv')).toThrow(/unknown column\(s\) colour/);
    await expect(loadInventory(file('bad.yml', 'assets:\n  - owner: x\n'))).rejects.toThrow(/assets\[0\]: each asset needs a "host"/);
  });
});

describe('threat intel enrichment', () => {
  it('plain lists: type inferred per line, comments skipped, bad lines reported with their number', () => {
    const r = parsePlainIndicators(
      `# feed: example
203.0.113.7
198.51.100.0/24   scanner range
2001:db8::bad
evil.example.
http://bad.example/payload.exe
44d88612fea8a8f36de82e1278abb02f
275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
not an indicator!
`,
      'feeds/list.txt',
    );
    expect(r.indicators.map((i) => [i.type, i.value, i.hashType])).toEqual([
      ['ipv4-addr', '203.0.113.7', undefined],
      ['ipv4-addr', '198.51.100.0/24', undefined],
      ['ipv6-addr', '2001:db8::bad', undefined],
      ['domain-name', 'evil.example', undefined],
      ['url', 'http://bad.example/payload.exe', undefined],
      ['file', '44d88612fea8a8f36de82e1278abb02f', 'md5'],
      ['file', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f', 'sha256'],
    ]);
    expect(r.errors).toEqual([{ source: 'feeds/list.txt', line: 9, message: expect.stringContaining('"not"') }]);

    const enrich = intelEnricher(new IntelIndex(r.indicators));
    const ev: EcsEvent = {
      source: { ip: '198.51.100.23' },
      destination: { ip: '2001:db8:0:0:0:0:0:bad', domain: 'EVIL.example' },
      url: { original: 'http://bad.example/payload.exe' },
      file: { hash: { sha256: '275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F'.toLowerCase() } },
    };
    enrich(ev);
    const matches = (ev.threat as { enrichments: Array<{ indicator: Record<string, unknown>; matched: Record<string, unknown> }> })
      .enrichments;
    expect(matches.map((m) => [m.matched.field, m.matched.atomic, m.indicator.type])).toEqual([
      ['source.ip', '198.51.100.23', 'ipv4-addr'],
      ['destination.ip', '2001:db8:0:0:0:0:0:bad', 'ipv6-addr'],
      ['destination.domain', 'EVIL.example', 'domain-name'],
      ['url.original', 'http://bad.example/payload.exe', 'url'],
      ['file.hash.sha256', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f', 'file'],
    ]);
    expect(matches.every((m) => m.matched.type === 'indicator_match_rule')).toBe(true);
    expect(matches[0].indicator).toMatchObject({ ip: '198.51.100.23', provider: 'list.txt' });
    expect(matches[4].indicator).toMatchObject({ file: { hash: { sha256: expect.any(String) } } });

    const clean: EcsEvent = { source: { ip: '10.1.1.1' } };
    enrich(clean);
    expect(clean.threat).toBeUndefined();
  });

  it('STIX 2.1 bundles: indicator patterns, provider from created_by_ref; unsupported, revoked and expired skipped', async () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--1',
      objects: [
        { type: 'identity', id: 'identity--acme', name: 'ACME CERT', identity_class: 'organization' },
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--a',
          created_by_ref: 'identity--acme',
          name: 'C2 server',
          description: 'Beacon endpoint',
          confidence: 85,
          pattern_type: 'stix',
          pattern: "[ipv4-addr:value = '203.0.113.50'] OR [domain-name:value = 'c2.evil.example']",
          valid_from: '2026-01-01T00:00:00Z',
          external_references: [{ source_name: 'acme', url: 'https://cert.example/c2' }],
        },
        {
          type: 'indicator',
          id: 'indicator--b',
          pattern_type: 'stix',
          pattern: "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
          valid_from: '2026-01-01T00:00:00Z',
        },
        { type: 'indicator', id: 'indicator--c', pattern_type: 'stix', pattern: "[url:value = 'https://x.example/a?b=\\'c']", valid_from: '2026-01-01T00:00:00Z' },
        {
          type: 'indicator',
          id: 'indicator--d',
          pattern_type: 'stix',
          pattern: "[ipv4-addr:value = '192.0.2.1' AND network-traffic:dst_port = 443]",
          valid_from: '2026-01-01T00:00:00Z',
        },
        { type: 'indicator', id: 'indicator--e', pattern_type: 'stix', pattern: "[ipv4-addr:value = '192.0.2.2']", revoked: true },
        {
          type: 'indicator',
          id: 'indicator--f',
          pattern_type: 'stix',
          pattern: "[ipv4-addr:value = '192.0.2.3']",
          valid_until: '2020-01-01T00:00:00Z',
        },
        { type: 'indicator', id: 'indicator--g', pattern_type: 'sigma', pattern: 'title: x' },
      ],
    };
    const path = file('bundle.json', JSON.stringify(bundle));
    const r = await loadIntelFile(path, new Date('2026-11-24T00:00:00Z'));
    expect(r.indicators.map((i) => [i.type, i.value])).toEqual([
      ['ipv4-addr', '203.0.113.50'],
      ['domain-name', 'c2.evil.example'],
      ['file', 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'],
      ['url', "https://x.example/a?b='c"],
    ]);
    expect(r.errors.map((e) => e.path)).toEqual(['objects[4].pattern', 'objects[7]']);
    expect(r.errors[0].message).toContain('AND');

    const enrich = intelEnricher(new IntelIndex(r.indicators));
    const ev: EcsEvent = { destination: { ip: '203.0.113.50' }, dns: { question: { name: 'c2.evil.example' } } };
    enrich(ev);
    expect(ev.threat).toEqual({
      enrichments: [
        {
          indicator: {
            type: 'ipv4-addr',
            ip: '203.0.113.50',
            provider: 'ACME CERT',
            name: 'C2 server',
            description: 'Beacon endpoint',
            confidence: 'High',
            reference: 'https://cert.example/c2',
            first_seen: '2026-01-01T00:00:00Z',
          },
          matched: { atomic: '203.0.113.50', field: 'destination.ip', type: 'indicator_match_rule', id: 'indicator--a' },
        },
        {
          indicator: {
            type: 'domain-name',
            url: { domain: 'c2.evil.example' },
            provider: 'ACME CERT',
            name: 'C2 server',
            description: 'Beacon endpoint',
            confidence: 'High',
            reference: 'https://cert.example/c2',
            first_seen: '2026-01-01T00:00:00Z',
          },
          matched: { atomic: 'c2.evil.example', field: 'dns.question.name', type: 'indicator_match_rule', id: 'indicator--a' },
        },
      ],
    });
  });

  it('a file that is not a bundle is refused with its name', () => {
    expect(() => parseStixBundle('{"type":"indicator"}', 'x.json')).toThrow(/x\.json: expected a STIX 2\.1 bundle/);
  });
});

describe('GeoIP enrichment', () => {
  const city = writeMmdb([
    {
      cidr: '81.2.69.0/24',
      data: {
        city: { names: { en: 'London' } },
        continent: { code: 'EU', names: { en: 'Europe' } },
        country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
        subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
        location: { latitude: 51.5142, longitude: -0.0931, time_zone: 'Europe/London' },
        postal: { code: 'EC2V' },
      },
    },
    {
      cidr: '216.160.83.56/29',
      data: {
        city: { names: { en: 'Milton' } },
        continent: { code: 'NA', names: { en: 'North America' } },
        country: { iso_code: 'US', names: { en: 'United States' } },
        subdivisions: [{ iso_code: 'WA', names: { en: 'Washington' } }],
        location: { latitude: 47.2513, longitude: -122.3149, time_zone: 'America/Los_Angeles' },
      },
    },
  ]);
  const asn = writeMmdb(
    [{ cidr: '81.2.69.0/24', data: { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' } }],
    'Vigil-Test-ASN',
  );

  it('the test database is a valid MMDB that maxmind reads', () => {
    const reader = new Reader(city);
    expect(reader.metadata.databaseType).toBe('Vigil-Test-City');
    expect(reader.get('81.2.69.160')).toMatchObject({ country: { iso_code: 'GB' } });
    expect(reader.get('10.0.0.1')).toBeNull();
  });

  it('fills source/destination geo and AS from files opened by path, keeping existing values', async () => {
    const readers = await openGeoip({ city: file('city.mmdb', city), asn: file('asn.mmdb', asn) });
    const enrich = geoipEnricher(readers);
    const ev: EcsEvent = {
      source: { ip: '81.2.69.142' },
      destination: { ip: '216.160.83.57' },
      client: { ip: '10.0.0.1' },
      server: { ip: '216.160.83.58', geo: { country_iso_code: 'XX' } },
    };
    enrich(ev);
    expect(ev.source).toEqual({
      ip: '81.2.69.142',
      geo: {
        city_name: 'London',
        continent_code: 'EU',
        continent_name: 'Europe',
        country_iso_code: 'GB',
        country_name: 'United Kingdom',
        region_iso_code: 'GB-ENG',
        region_name: 'England',
        postal_code: 'EC2V',
        timezone: 'Europe/London',
        location: { lat: 51.5142, lon: -0.0931 },
      },
      as: { number: 20712, organization: { name: 'Andrews & Arnold Ltd' } },
    });
    expect(ev.destination).toMatchObject({ geo: { city_name: 'Milton', region_iso_code: 'US-WA' } });
    expect((ev.destination as Record<string, unknown>).as).toBeUndefined();
    expect(ev.client).toEqual({ ip: '10.0.0.1' });
    expect(ev.server).toEqual({ ip: '216.160.83.58', geo: { country_iso_code: 'XX' } });
  });

  it('a path that is not an MMDB is a config error naming the key', async () => {
    await expect(openGeoip({ city: file('nope.mmdb', 'not a database') })).rejects.toThrow(/nope\.mmdb: cannot open the MaxMind database/);
  });
});

describe('enrichment in the pipeline', () => {
  it('loads every configured source and applies them to parsed events; the output passes the ECS check', async () => {
    const stage = await loadEnrichment({
      inventory: file('inv2.yml', 'assets:\n  - host: web-01\n    owner: ops\n    criticality: high\n'),
      intel: [file('ips.txt', '81.2.69.142\n')],
      geoipCity: file('city2.mmdb', writeMmdb([{ cidr: '81.2.69.0/24', data: { country: { iso_code: 'GB' } } }])),
    });
    expect(stage.summary).toEqual({ assets: 1, users: 0, indicators: 1, geoip: ['city'] });
    const stored: EcsEvent[] = [];
    const pipeline = createIngestPipeline({
      sink: { push: async (e) => void stored.push(...e) },
      enrich: stage.enrich,
      logger: { warn: () => {}, error: () => {} },
    });
    await pipeline.ingestRaw(['Nov 24 10:00:01 web-01 sshd[9]: Failed password for root from 81.2.69.142 port 4000 ssh2'], {
      dataset: 'system.auth',
      source: 'test',
    });
    expect(stored[0]).toMatchObject({
      vigil: { asset: { owner: 'ops', criticality: 'high' } },
      source: { ip: '81.2.69.142', geo: { country_iso_code: 'GB' } },
      threat: { enrichments: [{ matched: { atomic: '81.2.69.142', field: 'source.ip' } }] },
    });
    expect((stored[0].vigil as Record<string, unknown>).ecs_issues).toBeUndefined();
  });
});
