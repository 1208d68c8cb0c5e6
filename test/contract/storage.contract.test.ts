// The storage contract: every engine must behave the same through the interfaces of
// core/storage/types.ts. SQLite always runs; Elasticsearch runs when VIGIL_ELASTICSEARCH_URL is set
// (and fails, never skips, when its engine module is missing). Each test gets a fresh, empty engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EcsEvent } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import type {
  Alert,
  AuditEntry,
  NewIncident,
  NewPlaybookRun,
  OutboxDelivery,
  Page,
  PageRequest,
  StorageEngine,
} from '../../core/storage/types.ts';

interface EngineUnderTest {
  name: string;
  /** A new, empty engine (its own file, its own index prefix). */
  create(): Promise<StorageEngine>;
}

const tmpRoot = mkdtempSync(join(tmpdir(), 'vigil-storage-contract-'));
let dirs = 0;

const engines: EngineUnderTest[] = [
  { name: 'sqlite', create: async () => createSqliteEngine({ dataDir: join(tmpRoot, `e${++dirs}`) }) },
];

const esUrl = process.env.VIGIL_ELASTICSEARCH_URL;
if (esUrl) {
  // A set URL means "test Elasticsearch": a missing engine module must fail the run, not skip it.
  const modulePath = new URL('../../core/storage/elasticsearch/index.ts', import.meta.url).href;
  const mod = (await import(modulePath).catch((err: unknown) => {
    throw new Error(`VIGIL_ELASTICSEARCH_URL is set but ${modulePath} cannot be loaded: ${(err as Error).message}`);
  })) as {
    createElasticsearchEngine(opts: Record<string, unknown> & { url: string }): StorageEngine | Promise<StorageEngine>;
  };
  const run = Date.now().toString(36);
  engines.push({
    name: 'elasticsearch',
    create: async () => {
      const n = ++dirs;
      // Its own prefix and data stream namespace per engine; searchable on append; removed on close.
      return mod.createElasticsearchEngine({
        url: esUrl,
        apiKey: process.env.VIGIL_ELASTICSEARCH_API_KEY,
        username: process.env.VIGIL_ELASTICSEARCH_USERNAME,
        password: process.env.VIGIL_ELASTICSEARCH_PASSWORD,
        caCert: process.env.VIGIL_ELASTICSEARCH_CA_CERT,
        indexPrefix: `vigil-contract-${run}-${n}`,
        namespace: `contract_${run}_${n}`,
        bulk: { refresh: 'wait_for', flushIntervalMs: 20 },
        dropOnClose: process.env.VIGIL_ELASTICSEARCH_KEEP !== '1',
      });
    },
  });
}

afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

const base = Date.parse('2026-03-01T00:00:00.000Z');
const at = (offsetMs: number) => new Date(base + offsetMs).toISOString();

async function rejection(p: Promise<unknown>): Promise<VigilError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VigilError);
    return err as VigilError;
  }
  throw new Error('expected the call to fail');
}

/** Every item of a paged list, page by page, failing on a cursor loop. */
async function allPages<T>(fetch: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetch({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (++pages > 1000) throw new Error('cursor never ends');
  } while (cursor);
  return { items, pages };
}

function alert(id: string, over: Partial<Alert> = {}): Alert {
  return {
    id,
    ruleId: 'rule-ssh-brute',
    ruleTitle: 'SSH brute force',
    ruleLevel: 'high',
    ruleTags: ['attack.credential_access'],
    tactics: ['credential_access'],
    techniques: ['T1110'],
    severity: 'high',
    riskScore: 73,
    eventIds: ['e1'],
    events: [{ source: { ip: '203.0.113.7' } }],
    entities: { hosts: ['web-01'], users: ['root'], sourceIps: ['203.0.113.7'], destinationIps: [], processes: [], hashes: [] },
    eventTime: at(0),
    detectedAt: at(1000),
    origin: 'stream',
    groupKey: 'rule-ssh-brute|203.0.113.7',
    status: 'open',
    data: {},
    ...over,
  };
}

function incident(id: string, over: Partial<NewIncident> = {}): NewIncident {
  return {
    id,
    title: `Incident ${id}`,
    state: 'new',
    severity: 'medium',
    tags: [],
    ruleIds: ['rule-ssh-brute'],
    hosts: ['web-01'],
    users: ['root'],
    fields: {},
    ...over,
  };
}

function run(id: string, over: Partial<NewPlaybookRun> = {}): NewPlaybookRun {
  return {
    id,
    playbookId: 'contain-host',
    playbookVersion: '3',
    status: 'pending',
    trigger: 'incident.created',
    dryRun: false,
    steps: [],
    data: {},
    ...over,
  };
}

function delivery(id: string, key: string, createdMs: number, over: Partial<OutboxDelivery> = {}) {
  return {
    id,
    subscriptionId: 'sub-1',
    eventType: 'incident.updated',
    orderingKey: key,
    payload: JSON.stringify({ id }),
    nextAttemptAt: at(createdMs),
    createdAt: at(createdMs),
    ...over,
  };
}

describe.each(engines)('storage contract: $name', ({ create }) => {
  let engine: StorageEngine;
  beforeEach(async () => {
    engine = await create();
  });
  afterEach(async () => {
    await engine.close();
  });

  it('reports ready while open', async () => {
    const h = await engine.ready();
    expect(h.ok).toBe(true);
    expect(h.detail.length).toBeGreaterThan(0);
  });

  describe('events', () => {
    it('stores events and returns them by id with their time, dataset and kind', async () => {
      const before = Date.now();
      const ids = await engine.events.append([
        { '@timestamp': at(5000), event: { dataset: 'sshd.auth', kind: 'event', outcome: 'failure' }, source: { ip: '203.0.113.7' } },
        { message: 'no timestamp here' },
      ]);
      const after = Date.now();
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(2);

      const first = await engine.events.get(ids[0]);
      expect(first?.timestamp).toBe(at(5000));
      expect(first?.dataset).toBe('sshd.auth');
      expect(first?.kind).toBe('event');
      expect(first?.doc).toEqual({
        '@timestamp': at(5000),
        event: { dataset: 'sshd.auth', kind: 'event', outcome: 'failure' },
        source: { ip: '203.0.113.7' },
      });

      // Without @timestamp the event is placed at its ingest time.
      const second = await engine.events.get(ids[1]);
      const ts = Date.parse(second!.timestamp);
      expect(ts).toBeGreaterThanOrEqual(before);
      expect(ts).toBeLessThanOrEqual(after);
      expect(second?.timestamp).toBe(second?.ingestedAt);
      expect(second?.dataset).toBeUndefined();

      expect(await engine.events.get('no-such-event')).toBeUndefined();
    });

    it('getMany returns the stored ones in the order asked', async () => {
      const ids = await engine.events.append([1, 2, 3].map((n) => ({ '@timestamp': at(n), n })));
      const got = await engine.events.getMany([ids[2], 'missing', ids[0]]);
      expect(got.map((e) => e.doc.n)).toEqual([3, 1]);
    });

    it('searches a time range (from inclusive, to exclusive), newest first by default', async () => {
      await engine.events.append([0, 1, 2, 3, 4].map((n) => ({ '@timestamp': at(n * 1000), n })));
      const page = await engine.events.search({ range: { from: at(1000), to: at(4000) } }, { limit: 10 });
      expect(page.items.map((e) => e.doc.n)).toEqual([3, 2, 1]);
      expect(page.nextCursor).toBeUndefined();
      const asc = await engine.events.search({ range: { from: at(1000) } }, { limit: 10 }, 'asc');
      expect(asc.items.map((e) => e.doc.n)).toEqual([1, 2, 3, 4]);
      expect(await engine.events.count({ range: { from: at(1000), to: at(4000) } })).toBe(3);
      expect(await engine.events.count({})).toBe(5);
    });

    it.each(['desc', 'asc'] as const)('pages through every event exactly once (%s), even as new events arrive', async (order) => {
      // Three events share each timestamp, so the cursor has to break ties.
      const docs: EcsEvent[] = Array.from({ length: 250 }, (_, i) => ({ '@timestamp': at(Math.floor(i / 3) * 1000), i }));
      await engine.events.append(docs.slice(0, 100));
      await engine.events.append(docs.slice(100));
      const seen: number[] = [];
      const stamps: Array<[number, string]> = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await engine.events.search({ range: { to: at(1_000_000) } }, { limit: 7, cursor }, order);
        for (const e of page.items) {
          seen.push(e.doc.i as number);
          stamps.push([Date.parse(e.timestamp), e.id]);
        }
        cursor = page.nextCursor;
        // Newer and older events arriving mid-walk are outside the range or behind the cursor.
        if (pages++ === 1) await engine.events.append([{ '@timestamp': at(5_000_000), late: true }]);
      } while (cursor);
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
      expect(pages).toBe(Math.ceil(250 / 7));
      for (let k = 1; k < stamps.length; k++) {
        const [pt, pid] = stamps[k - 1];
        const [t, id] = stamps[k];
        const cmp = pt === t ? (pid < id ? -1 : 1) : pt < t ? -1 : 1;
        expect(cmp).toBe(order === 'asc' ? -1 : 1);
      }
    });

    it('refuses a cursor that it did not make', async () => {
      await engine.events.append([{ '@timestamp': at(0) }]);
      const err = await rejection(engine.events.search({}, { limit: 1, cursor: 'not-a-cursor' }));
      expect(err.code).toBe('REQUEST_INVALID');
      expect(err.message).toContain('cursor');
    });

    it('counts values of a field, arrays once per value, top N by count', async () => {
      await engine.events.append([
        { '@timestamp': at(0), event: { dataset: 'a' }, related: { ip: ['10.0.0.1', '10.0.0.2'] }, destination: { port: 22 } },
        { '@timestamp': at(1), event: { dataset: 'a' }, related: { ip: ['10.0.0.1', '10.0.0.1'] }, destination: { port: 22 } },
        { '@timestamp': at(2), event: { dataset: 'a' }, related: { ip: ['10.0.0.1'] }, destination: { port: 443 } },
        { '@timestamp': at(3), event: { dataset: 'b' } },
        { '@timestamp': at(4), event: { dataset: 'b' } },
        { '@timestamp': at(5), event: { dataset: 'c' } },
      ]);
      expect(await engine.events.terms({}, 'event.dataset', 2)).toEqual([
        { key: 'a', count: 3 },
        { key: 'b', count: 2 },
      ]);
      expect(await engine.events.terms({}, 'related.ip', 10)).toEqual([
        { key: '10.0.0.1', count: 3 },
        { key: '10.0.0.2', count: 1 },
      ]);
      expect(await engine.events.terms({}, 'destination.port', 10)).toEqual([
        { key: '22', count: 2 },
        { key: '443', count: 1 },
      ]);
      expect(await engine.events.terms({ range: { from: at(3) } }, 'event.dataset', 10)).toEqual([
        { key: 'b', count: 2 },
        { key: 'c', count: 1 },
      ]);
    });

    it('builds a histogram with empty buckets between the first and the last', async () => {
      await engine.events.append([0, 30_000, 61_000, 185_000].map((ms) => ({ '@timestamp': at(ms) })));
      expect(await engine.events.histogram({}, 60_000)).toEqual([
        { start: at(0), count: 2 },
        { start: at(60_000), count: 1 },
        { start: at(120_000), count: 0 },
        { start: at(180_000), count: 1 },
      ]);
      expect(await engine.events.histogram({ range: { from: at(60_000) } }, 60_000)).toEqual([
        { start: at(60_000), count: 1 },
        { start: at(120_000), count: 0 },
        { start: at(180_000), count: 1 },
      ]);
    });

    it('filters with a query tree', async () => {
      await engine.events.append([
        { '@timestamp': at(0), event: { outcome: 'failure' }, source: { ip: '203.0.113.7' }, user: { name: 'root' } },
        { '@timestamp': at(1), event: { outcome: 'success' }, source: { ip: '203.0.113.7' }, user: { name: 'alice' } },
        { '@timestamp': at(2), event: { outcome: 'Failure' }, source: { ip: '198.51.100.1' }, user: { name: 'admin' } },
      ]);
      const failures = { kind: 'term', field: 'event.outcome', value: 'failure' } as const;
      const page = await engine.events.search({ query: failures }, { limit: 10 }, 'asc');
      expect(page.items.map((e) => e.doc.user)).toEqual([{ name: 'root' }, { name: 'admin' }]);
      expect(
        await engine.events.count({
          query: { kind: 'and', args: [failures, { kind: 'term', field: 'source.ip', value: '203.0.113.7' }] },
        }),
      ).toBe(1);
      expect(await engine.events.terms({ query: failures }, 'source.ip', 5)).toEqual([
        { key: '198.51.100.1', count: 1 },
        { key: '203.0.113.7', count: 1 },
      ]);
      expect(await engine.events.count({ query: { kind: 'match_all' }, range: { from: at(1) } })).toBe(2);
      expect(await engine.events.count({ query: { kind: 'cidr', field: 'source.ip', cidr: '203.0.113.0/24' } })).toBe(2);
      expect(await engine.events.count({ query: { kind: 'regex', field: 'user.name', pattern: 'ad.*' } })).toBe(1);
      expect(await engine.events.count({ query: { kind: 'wildcard', field: 'user.name', pattern: 'a*' } })).toBe(2);
    });
  });

  describe('alerts', () => {
    it('put is idempotent on id: a second put reports duplicates and changes nothing', async () => {
      const first = await engine.alerts.put([alert('a1'), alert('a2')]);
      expect(first).toEqual({ inserted: ['a1', 'a2'], duplicates: [] });
      const second = await engine.alerts.put([alert('a2', { riskScore: 1 }), alert('a3')]);
      expect(second).toEqual({ inserted: ['a3'], duplicates: ['a2'] });
      expect((await engine.alerts.get('a2'))?.riskScore).toBe(73);
      expect(await engine.alerts.get('a1')).toEqual(alert('a1'));
      expect(await engine.alerts.count({})).toBe(3);
    });

    it('filters by rule, severity, status, incident, host, user and time', async () => {
      await engine.alerts.put([
        alert('a1', { severity: 'low', detectedAt: at(1000) }),
        alert('a2', { ruleId: 'rule-other', severity: 'critical', detectedAt: at(2000) }),
        alert('a3', {
          status: 'false_positive',
          incidentId: 'inc-1',
          detectedAt: at(3000),
          entities: { hosts: ['DB-02'], users: ['alice'], sourceIps: [], destinationIps: [], processes: [], hashes: [] },
        }),
      ]);
      const ids = async (f: Parameters<StorageEngine['alerts']['list']>[0]) =>
        (await engine.alerts.list(f, { limit: 50 })).items.map((a) => a.id);
      expect(await ids({})).toEqual(['a3', 'a2', 'a1']);
      expect(await ids({ ruleId: 'rule-other' })).toEqual(['a2']);
      expect(await ids({ severity: ['low', 'critical'] })).toEqual(['a2', 'a1']);
      expect(await ids({ status: ['false_positive'] })).toEqual(['a3']);
      expect(await ids({ incidentId: 'inc-1' })).toEqual(['a3']);
      expect(await ids({ host: 'db-02' })).toEqual(['a3']);
      expect(await ids({ user: 'root' })).toEqual(['a2', 'a1']);
      expect(await ids({ range: { from: at(2000), to: at(3000) } })).toEqual(['a2']);
      expect(await engine.alerts.count({ status: ['open'] })).toBe(2);
      expect(await engine.alerts.countBy({}, 'severity')).toEqual([
        { key: 'critical', count: 1 },
        { key: 'high', count: 1 },
        { key: 'low', count: 1 },
      ]);
      expect(await engine.alerts.countBy({}, 'ruleId')).toEqual([
        { key: 'rule-ssh-brute', count: 2 },
        { key: 'rule-other', count: 1 },
      ]);
      expect(await engine.alerts.histogram({}, 2000)).toEqual([
        { start: at(0), count: 1 },
        { start: at(2000), count: 2 },
      ]);
    });

    it('pages newest first without duplicates', async () => {
      await engine.alerts.put(Array.from({ length: 23 }, (_, i) => alert(`a${i}`, { detectedAt: at(Math.floor(i / 2) * 1000) })));
      const { items, pages } = await allPages((p) => engine.alerts.list({}, p), 5);
      expect(pages).toBe(5);
      expect(new Set(items.map((a) => a.id)).size).toBe(23);
      const times = items.map((a) => Date.parse(a.detectedAt));
      expect(times).toEqual([...times].sort((x, y) => y - x));
    });

    it('updates status and incident link; an unknown id is NOT_FOUND', async () => {
      await engine.alerts.put([alert('a1')]);
      const updated = await engine.alerts.update('a1', { status: 'closed', incidentId: 'inc-9' });
      expect(updated.status).toBe('closed');
      expect(updated.incidentId).toBe('inc-9');
      expect((await engine.alerts.list({ incidentId: 'inc-9' }, { limit: 5 })).items.map((a) => a.id)).toEqual(['a1']);
      expect((await engine.alerts.get('a1'))?.ruleTitle).toBe('SSH brute force');
      const err = await rejection(engine.alerts.update('nope', { status: 'closed' }));
      expect(err.code).toBe('NOT_FOUND');
      expect(err.message).toContain('nope');
    });
  });

  describe('incidents', () => {
    it('creates at version 1 and refuses a second incident with the same id', async () => {
      const inc = await engine.incidents.create(incident('i1', { createdAt: at(0), groupKey: 'g1' }));
      expect(inc.version).toBe(1);
      expect(inc.createdAt).toBe(at(0));
      expect(inc.updatedAt).toBe(at(0));
      expect(await engine.incidents.get('i1')).toEqual(inc);
      expect(await engine.incidents.get('i2')).toBeUndefined();
      const err = await rejection(engine.incidents.create(incident('i1')));
      expect(err.code).toBe('STORE_VERSION_CONFLICT');
    });

    it('updates with the expected version and refuses a stale one, naming both versions', async () => {
      await engine.incidents.create(incident('i1', { assignee: 'bob' }));
      const v2 = await engine.incidents.update('i1', 1, { state: 'triaged', grade: 'III' });
      expect(v2.version).toBe(2);
      expect(v2.state).toBe('triaged');
      expect(v2.assignee).toBe('bob');
      expect(Date.parse(v2.updatedAt)).toBeGreaterThanOrEqual(Date.parse(v2.createdAt));

      const stale = await rejection(engine.incidents.update('i1', 1, { state: 'closed' }));
      expect(stale.code).toBe('STORE_VERSION_CONFLICT');
      expect(stale.status).toBe(409);
      expect(stale.message).toContain('i1');
      expect(stale.message).toContain('expected version 1');
      expect(stale.message).toContain('2');
      expect((await engine.incidents.get('i1'))?.state).toBe('triaged');

      const v3 = await engine.incidents.update('i1', 2, { assignee: undefined });
      expect(v3.version).toBe(3);
      expect(v3.assignee).toBeUndefined();
      expect((await engine.incidents.get('i1'))?.assignee).toBeUndefined();

      const missing = await rejection(engine.incidents.update('i404', 1, { state: 'closed' }));
      expect(missing.code).toBe('NOT_FOUND');
    });

    it('lets exactly one of two writers holding the same version win', async () => {
      await engine.incidents.create(incident('i1'));
      const results = await Promise.allSettled([
        engine.incidents.update('i1', 1, { assignee: 'alice' }),
        engine.incidents.update('i1', 1, { assignee: 'bob' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((lost.reason as VigilError).code).toBe('STORE_VERSION_CONFLICT');
      expect((await engine.incidents.get('i1'))?.version).toBe(2);
    });

    it('filters by every filter field and free text', async () => {
      await engine.incidents.create(
        incident('i1', { createdAt: at(1000), state: 'new', severity: 'high', groupKey: 'g-ssh', tags: ['Brute-Force'] }),
      );
      await engine.incidents.create(
        incident('i2', {
          createdAt: at(2000),
          state: 'triaged',
          severity: 'critical',
          grade: 'II',
          category: 'malware',
          assignee: 'alice',
          ruleIds: ['rule-ransom'],
          hosts: ['FILESRV-3'],
          users: ['svc_backup'],
          title: 'Ransomware on file server',
        }),
      );
      await engine.incidents.create(incident('i3', { createdAt: at(3000), state: 'closed', severity: 'low', grade: 'IV' }));
      const ids = async (f: Parameters<StorageEngine['incidents']['list']>[0]) =>
        (await engine.incidents.list(f, { limit: 50 })).items.map((i) => i.id);
      expect(await ids({})).toEqual(['i3', 'i2', 'i1']);
      expect(await ids({ state: ['new', 'triaged'] })).toEqual(['i2', 'i1']);
      expect(await ids({ severity: ['critical'] })).toEqual(['i2']);
      expect(await ids({ grade: ['II', 'IV'] })).toEqual(['i3', 'i2']);
      expect(await ids({ category: ['malware'] })).toEqual(['i2']);
      expect(await ids({ assignee: 'alice' })).toEqual(['i2']);
      expect(await ids({ ruleId: 'rule-ransom' })).toEqual(['i2']);
      expect(await ids({ host: 'filesrv-3' })).toEqual(['i2']);
      expect(await ids({ user: 'root' })).toEqual(['i3', 'i1']);
      expect(await ids({ groupKey: 'g-ssh' })).toEqual(['i1']);
      expect(await ids({ range: { from: at(1000), to: at(3000) } })).toEqual(['i2', 'i1']);
      expect(await ids({ text: 'RANSOM' })).toEqual(['i2']);
      expect(await ids({ text: 'brute' })).toEqual(['i1']);
      expect(await ids({ text: 'backup' })).toEqual(['i2']);
      expect(await ids({ text: 'filesrv' })).toEqual(['i2']);
    });

    it('sorts by severity, createdAt and updatedAt and pages with a stable cursor', async () => {
      const severities = ['low', 'critical', 'medium', 'high', 'informational'] as const;
      for (let i = 0; i < 20; i++) {
        await engine.incidents.create(incident(`i${String(i).padStart(2, '0')}`, { createdAt: at(i * 1000), severity: severities[i % 5] }));
      }
      const bySeverity = await allPages((p) => engine.incidents.list({ sort: { field: 'severity', order: 'desc' } }, p), 3);
      expect(bySeverity.items).toHaveLength(20);
      expect(bySeverity.items.slice(0, 4).map((i) => i.severity)).toEqual(['critical', 'critical', 'critical', 'critical']);
      // Within one severity the newest comes first.
      expect(bySeverity.items.slice(0, 4).map((i) => i.id)).toEqual(['i16', 'i11', 'i06', 'i01']);
      expect(bySeverity.items.slice(16).map((i) => i.severity)).toEqual(Array(4).fill('informational'));

      const oldestFirst = await allPages((p) => engine.incidents.list({ sort: { field: 'createdAt', order: 'asc' } }, p), 6);
      expect(oldestFirst.items.map((i) => i.id)).toEqual(Array.from({ length: 20 }, (_, i) => `i${String(i).padStart(2, '0')}`));

      await engine.incidents.update('i05', 1, { state: 'triaged' });
      const recent = await engine.incidents.list({ sort: { field: 'updatedAt', order: 'desc' } }, { limit: 1 });
      expect(recent.items[0].id).toBe('i05');

      const first = await engine.incidents.list({ sort: { field: 'severity', order: 'desc' } }, { limit: 2 });
      const wrongSort = await rejection(
        engine.incidents.list({ sort: { field: 'createdAt', order: 'desc' } }, { limit: 2, cursor: first.nextCursor }),
      );
      expect(wrongSort.code).toBe('REQUEST_INVALID');
    });

    it('counts by state, grade, category and severity', async () => {
      await engine.incidents.create(incident('i1', { state: 'new', grade: 'III' }));
      await engine.incidents.create(incident('i2', { state: 'new', grade: 'II', category: 'malware' }));
      await engine.incidents.create(incident('i3', { state: 'closed', severity: 'critical' }));
      expect(await engine.incidents.countBy({}, 'state')).toEqual([
        { key: 'new', count: 2 },
        { key: 'closed', count: 1 },
      ]);
      expect(await engine.incidents.countBy({}, 'grade')).toEqual([
        { key: 'II', count: 1 },
        { key: 'III', count: 1 },
      ]);
      expect(await engine.incidents.countBy({ state: ['new'] }, 'severity')).toEqual([{ key: 'medium', count: 2 }]);
      expect(await engine.incidents.countBy({}, 'category')).toEqual([{ key: 'malware', count: 1 }]);
    });

    it('keeps an append-only timeline in order; a retried entry is not duplicated', async () => {
      await engine.incidents.create(incident('i1'));
      await engine.incidents.create(incident('i2'));
      const entry = (id: string, ms: number, kind: string, incidentId = 'i1') => ({
        id,
        incidentId,
        at: at(ms),
        actor: 'key:k1 (alice)',
        kind,
        data: { n: id },
      });
      await engine.incidents.appendTimeline([entry('t1', 0, 'created'), entry('t2', 5000, 'assign')]);
      await engine.incidents.appendTimeline([entry('t3', 5000, 'comment'), entry('x1', 1, 'created', 'i2')]);
      await engine.incidents.appendTimeline([entry('t2', 5000, 'assign')]);
      const timeline = await engine.incidents.timeline('i1');
      expect(timeline.map((t) => t.id)).toEqual(['t1', 't2', 't3']);
      expect(timeline[1]).toEqual(entry('t2', 5000, 'assign'));
      expect((await engine.incidents.timeline('i2')).map((t) => t.kind)).toEqual(['created']);
      const orphan = await rejection(engine.incidents.appendTimeline([entry('t9', 0, 'comment', 'i404')]));
      expect(orphan.code).toBe('NOT_FOUND');
      expect(orphan.message).toContain('i404');
    });
  });

  describe('audit', () => {
    it('appends entries and lists them newest first with filters and paging', async () => {
      const appended: AuditEntry[] = [];
      for (let i = 0; i < 12; i++) {
        appended.push(
          await engine.audit.append({
            at: at(i * 1000),
            actor: i % 3 === 0 ? 'system' : 'key:k1 (alice)',
            action: i % 2 === 0 ? 'incident.transition' : 'keys.create',
            target: `incident:i${i % 4}`,
            before: { state: 'new' },
            after: { state: 'triaged' },
            requestId: `req-${i}`,
          }),
        );
      }
      expect(appended[3].at).toBe(at(3000));
      expect(new Set(appended.map((a) => a.id)).size).toBe(12);
      const { items } = await allPages((p) => engine.audit.list({}, p), 5);
      expect(items.map((a) => a.requestId)).toEqual(Array.from({ length: 12 }, (_, i) => `req-${11 - i}`));
      expect(items[0].after).toEqual({ state: 'triaged' });
      const ids = async (f: Parameters<StorageEngine['audit']['list']>[0]) =>
        (await engine.audit.list(f, { limit: 50 })).items.map((a) => a.requestId);
      expect(await ids({ actor: 'system' })).toEqual(['req-9', 'req-6', 'req-3', 'req-0']);
      expect(await ids({ action: 'keys.create', target: 'incident:i1' })).toEqual(['req-9', 'req-5', 'req-1']);
      expect(await ids({ range: { from: at(10_000) } })).toEqual(['req-11', 'req-10']);
    });

    it('stamps entries without a time with the current time', async () => {
      const before = Date.now();
      const e = await engine.audit.append({ actor: 'system', action: 'keys.revoke', target: 'key:k2' });
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now());
      expect((await engine.audit.list({ target: 'key:k2' }, { limit: 5 })).items).toEqual([e]);
    });
  });

  describe('playbook runs', () => {
    it('creates, updates with version checks and lists by incident and status', async () => {
      const r = await engine.runs.create(run('r1', { incidentId: 'i1' }));
      expect(r.version).toBe(1);
      const steps = [{ stepId: 'isolate', status: 'running' as const, attempt: 1, idempotencyKey: 'r1:isolate' }];
      const r2 = await engine.runs.update('r1', 1, { status: 'running', steps });
      expect(r2.version).toBe(2);
      expect((await engine.runs.get('r1'))?.steps).toEqual(steps);
      const stale = await rejection(engine.runs.update('r1', 1, { status: 'failed' }));
      expect(stale.code).toBe('STORE_VERSION_CONFLICT');
      expect(stale.message).toContain('r1');
      expect((await rejection(engine.runs.update('r404', 1, { status: 'failed' }))).code).toBe('NOT_FOUND');

      await engine.runs.create(run('r2', { incidentId: 'i2' }));
      await engine.runs.create(run('r3', { incidentId: 'i1', status: 'succeeded' }));
      const ids = async (f: Parameters<StorageEngine['runs']['list']>[0]) =>
        (await allPages((p) => engine.runs.list(f, p), 1)).items.map((x) => x.id).sort();
      expect(await ids({ incidentId: 'i1' })).toEqual(['r1', 'r3']);
      expect(await ids({ status: ['pending', 'running'] })).toEqual(['r1', 'r2']);
      expect(await ids({})).toEqual(['r1', 'r2', 'r3']);
    });

    it('resumable: unfinished runs that are due, never finished ones', async () => {
      const now = at(60_000);
      await engine.runs.create(run('pending'));
      await engine.runs.create(run('running', { status: 'running' }));
      await engine.runs.create(run('backoff-due', { status: 'running', wakeAt: at(59_000) }));
      await engine.runs.create(run('backoff-later', { status: 'running', wakeAt: at(61_000) }));
      await engine.runs.create(run('approval-timeout', { status: 'waiting_approval', wakeAt: at(30_000) }));
      await engine.runs.create(run('approval-waiting', { status: 'waiting_approval', wakeAt: at(90_000) }));
      await engine.runs.create(run('approval-no-timeout', { status: 'waiting_approval' }));
      await engine.runs.create(run('done', { status: 'succeeded', wakeAt: at(0) }));
      await engine.runs.create(run('failed', { status: 'failed' }));
      const due = (await engine.runs.resumable(now, 50)).map((r) => r.id).sort();
      expect(due).toEqual(['approval-timeout', 'backoff-due', 'pending', 'running']);
      expect(await engine.runs.resumable(now, 2)).toHaveLength(2);

      const waiting = (await engine.runs.get('backoff-later'))!;
      await engine.runs.update('backoff-later', waiting.version, { wakeAt: undefined });
      expect((await engine.runs.resumable(now, 50)).map((r) => r.id)).toContain('backoff-later');
    });
  });

  describe('webhook outbox', () => {
    it('claims only the oldest pending delivery per ordering key, and leases it', async () => {
      await engine.outbox.enqueue([
        delivery('a2', 'inc-A', 2000),
        delivery('a1', 'inc-A', 1000),
        delivery('a3', 'inc-A', 3000),
        delivery('b1', 'inc-B', 1500),
        delivery('c1', 'inc-C', 1000, { nextAttemptAt: at(99_000) }),
      ]);
      const now = at(10_000);
      const first = await engine.outbox.claimDue(now, 10, 30_000);
      expect(first.map((d) => d.id).sort()).toEqual(['a1', 'b1']);
      expect(first.every((d) => d.status === 'pending' && d.attempts === 1)).toBe(true);
      // Leased: nobody else gets them, and the rest of key A waits behind a1.
      expect(await engine.outbox.claimDue(now, 10, 30_000)).toEqual([]);
      // The lease runs out (the sender died): a1 comes back, its attempt counted.
      const again = await engine.outbox.claimDue(at(41_000), 10, 30_000);
      expect(again.map((d) => [d.id, d.attempts]).sort()).toEqual([
        ['a1', 2],
        ['b1', 2],
      ]);

      await engine.outbox.markDelivered('a1', 200, at(41_500));
      const delivered = await engine.outbox.get('a1');
      expect(delivered?.status).toBe('delivered');
      expect(delivered?.deliveredAt).toBe(at(41_500));
      expect(delivered?.lastStatus).toBe(200);
      expect((await engine.outbox.claimDue(at(42_000), 10, 30_000)).map((d) => d.id)).toEqual(['a2']);
    });

    it('a failed delivery keeps its key waiting until retried; a dead one stops blocking it', async () => {
      await engine.outbox.enqueue([delivery('a1', 'k', 0), delivery('a2', 'k', 1), delivery('a3', 'k', 2)]);
      expect((await engine.outbox.claimDue(at(10), 10, 5000)).map((d) => d.id)).toEqual(['a1']);
      const error = { code: 'INTERNAL', message: 'POST https://siem.example/hook: 503', retryable: true };
      await engine.outbox.markFailed('a1', error, 503, at(60_000));
      const failed = await engine.outbox.get('a1');
      expect(failed?.status).toBe('pending');
      expect(failed?.lastError).toEqual(error);
      expect(failed?.lastStatus).toBe(503);
      expect(failed?.nextAttemptAt).toBe(at(60_000));
      expect(await engine.outbox.claimDue(at(20), 10, 5000)).toEqual([]);
      expect((await engine.outbox.claimDue(at(60_000), 10, 5000)).map((d) => d.id)).toEqual(['a1']);

      await engine.outbox.markFailed('a1', { ...error, retryable: false, message: '410 Gone' }, 410, undefined);
      expect((await engine.outbox.get('a1'))?.status).toBe('dead');
      expect((await engine.outbox.claimDue(at(60_001), 10, 5000)).map((d) => d.id)).toEqual(['a2']);

      const dead = await engine.outbox.list({ status: ['dead'] }, { limit: 10 });
      expect(dead.items.map((d) => d.id)).toEqual(['a1']);
      const bySubscription = await engine.outbox.list({ subscriptionId: 'sub-1' }, { limit: 10 });
      expect(bySubscription.items.map((d) => d.id)).toEqual(['a3', 'a2', 'a1']);
      expect((await engine.outbox.list({ subscriptionId: 'sub-2' }, { limit: 10 })).items).toEqual([]);
    });

    it('redeliver puts a dead or delivered delivery back to pending, due now', async () => {
      await engine.outbox.enqueue([delivery('d1', 'k', 0), delivery('d2', 'k2', 0)]);
      await engine.outbox.claimDue(at(1), 10, 1000);
      await engine.outbox.markFailed('d1', { code: 'INTERNAL', message: 'gone', retryable: false }, 410, undefined);
      await engine.outbox.markDelivered('d2', 204, at(2));
      const back = await engine.outbox.redeliver('d1', at(5000));
      expect(back.status).toBe('pending');
      expect(back.nextAttemptAt).toBe(at(5000));
      expect(back.attempts).toBe(0);
      const again = await engine.outbox.redeliver('d2', at(5000));
      expect(again.status).toBe('pending');
      expect(again.deliveredAt).toBeUndefined();
      expect((await engine.outbox.claimDue(at(4999), 10, 1000)).map((d) => d.id)).toEqual([]);
      expect((await engine.outbox.claimDue(at(5000), 10, 1000)).map((d) => d.id).sort()).toEqual(['d1', 'd2']);
      expect((await rejection(engine.outbox.redeliver('nope', at(0)))).code).toBe('NOT_FOUND');
      expect((await rejection(engine.outbox.markDelivered('nope', 200, at(0)))).code).toBe('NOT_FOUND');
    });

    it('a delivery enqueued twice (retry after a crash) is stored once', async () => {
      await engine.outbox.enqueue([delivery('x', 'k', 0)]);
      await engine.outbox.enqueue([delivery('x', 'k', 0)]);
      expect((await engine.outbox.list({}, { limit: 10 })).items).toHaveLength(1);
    });
  });

  describe('api keys', () => {
    const key = (id: string, hash: string) => ({
      id,
      name: `key ${id}`,
      role: 'analyst' as const,
      hash,
      prefix: `vgl_${id}`,
      createdAt: at(0),
      createdBy: 'bootstrap',
    });

    it('creates, finds by hash, lists, revokes and touches keys', async () => {
      expect(await engine.keys.count()).toBe(0);
      await engine.keys.create(key('k1', 'a'.repeat(64)));
      await engine.keys.create(key('k2', 'b'.repeat(64)));
      expect(await engine.keys.count()).toBe(2);
      expect(await engine.keys.findByHash('b'.repeat(64))).toEqual(key('k2', 'b'.repeat(64)));
      expect(await engine.keys.findByHash('c'.repeat(64))).toBeUndefined();
      expect((await engine.keys.list()).map((k) => k.id)).toEqual(['k1', 'k2']);

      const dup = await rejection(engine.keys.create(key('k3', 'a'.repeat(64))));
      expect(dup.code).toBe('STORE_VERSION_CONFLICT');

      const revoked = await engine.keys.revoke('k1', at(5000));
      expect(revoked?.revokedAt).toBe(at(5000));
      expect((await engine.keys.revoke('k1', at(9000)))?.revokedAt).toBe(at(5000));
      expect((await engine.keys.findByHash('a'.repeat(64)))?.revokedAt).toBe(at(5000));
      expect(await engine.keys.revoke('k404', at(0))).toBeUndefined();

      await engine.keys.touch('k2', at(7000));
      expect((await engine.keys.get('k2'))?.lastUsedAt).toBe(at(7000));
      expect(await engine.keys.get('k404')).toBeUndefined();
    });
  });

  it('reports not ready once closed, and a second close is harmless', async () => {
    await engine.events.append([{ '@timestamp': at(0), keep: 1 }]);
    await engine.close();
    expect((await engine.ready()).ok).toBe(false);
  });
});
