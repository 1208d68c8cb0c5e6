// The engine's start-up against the local stand-in: what it creates, in which order, the message
// for a missing privilege, the fallback to REST compatibility 8, and how events are written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { fromIndexedEvent, toIndexedEvent } from './event-store.ts';
import { createElasticsearchEngine, type ElasticsearchEngine } from './index.ts';
import { EsStandIn, type Reply } from './stand-in.test-helper.ts';

let es: EsStandIn;
const engines: ElasticsearchEngine[] = [];

const info: Reply = { status: 200, body: { name: 'n1', cluster_name: 'soc', version: { number: '9.1.0' }, tagline: 'You Know, for Search' } };

function forbidden(action: string, privileges: string): Reply {
  return {
    status: 403,
    body: {
      error: {
        type: 'security_exception',
        reason: `action [${action}] is unauthorized for user [vigil] with effective roles [vigil], this action is granted by the cluster privileges [${privileges}]`,
      },
      status: 403,
    },
  };
}

beforeEach(async () => {
  es = await new EsStandIn().start();
  es.routes['GET /'] = () => info;
});
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await es.stop();
});

function engine(over: Parameters<typeof createElasticsearchEngine>[0] | object = {}): ElasticsearchEngine {
  const e = createElasticsearchEngine({ url: es.url, bulk: { flushIntervalMs: 10 }, ...over });
  engines.push(e);
  return e;
}

describe('elasticsearch engine setup', () => {
  it('creates the ILM policy, templates and store indices, in that order, with the given credentials', async () => {
    const e = engine({ apiKey: 'aWQ6c2VjcmV0', retentionDays: 7 });
    await e.init();
    const calls = es.received.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(calls.slice(0, 5)).toEqual([
      'GET /',
      'PUT /_ilm/policy/vigil-events',
      'PUT /_component_template/vigil-events-settings',
      'PUT /_component_template/vigil-events-ecs-mappings',
      'PUT /_index_template/vigil-events',
    ]);
    expect(calls.slice(5)).toEqual(
      ['alerts', 'incidents', 'incident-timeline', 'audit', 'playbook-runs', 'outbox', 'api-keys', 'documents', 'deadletter'].map((n) => `PUT /vigil-${n}`),
    );
    expect(es.received.every((r) => r.headers.authorization === 'ApiKey aWQ6c2VjcmV0')).toBe(true);
    const ilm = JSON.parse(es.received[1].body) as { policy: { phases: { delete: { min_age: string } } } };
    expect(ilm.policy.phases.delete.min_age).toBe('7d');
    const template = JSON.parse(es.received[4].body) as { index_patterns: string[]; data_stream: object };
    expect(template.index_patterns).toEqual(['logs-vigil.*-default']);
    expect((await e.ready()).ok).toBe(true);
  });

  it('leaves existing indices alone and skips templates an operator manages', async () => {
    for (const n of ['alerts', 'incidents']) {
      es.routes[`PUT /vigil-${n}`] = () => ({
        status: 400,
        body: { error: { type: 'resource_already_exists_exception', reason: `index [vigil-${n}/abc] already exists` }, status: 400 },
      });
    }
    const e = engine({ username: 'vigil', password: 'pw', manageTemplates: false });
    await e.init();
    const paths = es.received.map((r) => r.path.split('?')[0]);
    expect(paths.some((p) => p.includes('_ilm') || p.includes('template'))).toBe(false);
    expect(paths.filter((p) => p.startsWith('/vigil-'))).toHaveLength(9);
    expect(es.received[0].headers.authorization).toBe(`Basic ${Buffer.from('vigil:pw').toString('base64')}`);
  });

  it('says which cluster privilege is missing when a template cannot be created', async () => {
    es.routes['PUT /_component_template/vigil-events-settings'] = () =>
      forbidden('cluster:admin/component_template/put', 'manage_index_templates,manage,all');
    const e = engine();
    const err = (await e.init().catch((x: unknown) => x)) as VigilError;
    expect(err).toBeInstanceOf(VigilError);
    expect(err.message).toContain(
      "Elasticsearch user lacks 'manage_index_templates' (cluster) needed to create index template vigil-events-settings; grant it or create it yourself",
    );
    expect(err.message).toContain('[manage_index_templates,manage,all]');
    // every store call reports the same thing, and ready() says why it is not ready
    const again = (await e.alerts.get('a1').catch((x: unknown) => x)) as VigilError;
    expect(again.message).toContain('manage_index_templates');
    const health = await e.ready();
    expect(health.ok).toBe(false);
    expect(health.detail).toContain('manage_index_templates');
  });

  it('names the ILM privilege and the index privilege when those are missing', async () => {
    es.routes['PUT /_ilm/policy/vigil-events'] = () => forbidden('cluster:admin/ilm/put', 'manage_ilm,manage,all');
    const ilm = (await engine().init().catch((x: unknown) => x)) as VigilError;
    expect(ilm.message).toContain("lacks 'manage_ilm' (cluster) needed to create ILM policy vigil-events");

    es.routes['PUT /_ilm/policy/vigil-events'] = () => ({ status: 200, body: { acknowledged: true } });
    es.routes['PUT /vigil-audit'] = () => forbidden('indices:admin/create', 'create_index,manage,all');
    const idx = (await engine().init().catch((x: unknown) => x)) as VigilError;
    expect(idx.message).toContain("lacks 'create_index' (index on vigil-*) needed to create index vigil-audit");
  });

  it('falls back to REST compatibility 8 when the server refuses the 9.x headers', async () => {
    es.routes['GET /'] = (r) =>
      String(r.headers.accept).includes('compatible-with=9')
        ? {
            status: 400,
            body: {
              error: {
                type: 'media_type_header_exception',
                reason: 'Invalid media-type value on headers [Accept]',
                caused_by: { type: 'status_exception', reason: 'Accept version must be either version 8 or 7, but found 9.' },
              },
              status: 400,
            },
          }
        : { ...info, body: { ...(info.body as object), version: { number: '8.15.3' } } };
    const e = engine();
    await e.init();
    const after = es.received.slice(2);
    expect(after.every((r) => String(r.headers.accept).includes('compatible-with=8'))).toBe(true);
    expect((await e.ready()).detail).toContain('8.15.3');
  });

  it('appends events to their data stream with a usable @timestamp, giving them back as they came', async () => {
    const e = engine({ namespace: 'prod' });
    const ids = await e.events.append([
      { '@timestamp': '2026-03-01T10:00:00.123456Z', event: { dataset: 'sshd.auth' }, source: { ip: '203.0.113.7' } },
      { message: 'no time' },
    ]);
    expect(ids).toHaveLength(2);
    const ops = es.bulks.flat();
    expect(ops.map((o) => [o.action, o.index, o.id])).toEqual([
      ['create', 'logs-vigil.sshd.auth-prod', ids[0]],
      ['create', 'logs-vigil.generic-prod', ids[1]],
    ]);
    expect(ops[0].doc['@timestamp']).toBe('2026-03-01T10:00:00.123Z');
    expect(typeof ops[1].doc['@timestamp']).toBe('string');
    const back = fromIndexedEvent(ops[0].doc);
    expect(back.id).toBe(ids[0]);
    expect(back.timestamp).toBe('2026-03-01T10:00:00.123Z');
    expect(back.dataset).toBe('sshd.auth');
    expect(back.doc).toEqual({ '@timestamp': '2026-03-01T10:00:00.123456Z', event: { dataset: 'sshd.auth' }, source: { ip: '203.0.113.7' } });
    const second = fromIndexedEvent(ops[1].doc);
    expect(second.doc).toEqual({ message: 'no time' });
    expect(second.timestamp).toBe(second.ingestedAt);
  });

  it('keeps an unusable @timestamp as it was and stores the event at ingest time', () => {
    const now = Date.parse('2026-03-02T00:00:00Z');
    const indexed = toIndexedEvent({ '@timestamp': 'yesterday', n: 1 }, 'id1', now);
    expect(indexed['@timestamp']).toBe('2026-03-02T00:00:00.000Z');
    expect(fromIndexedEvent(indexed).doc).toEqual({ '@timestamp': 'yesterday', n: 1 });
    const epoch = toIndexedEvent({ '@timestamp': now - 1000 }, 'id2', now);
    expect(epoch['@timestamp']).toBe('2026-03-01T23:59:59.000Z');
    expect(fromIndexedEvent(epoch).doc).toEqual({ '@timestamp': now - 1000 });
  });

  it('updates an incident with the sequence numbers it read, and reports a lost race as STORE_VERSION_CONFLICT', async () => {
    const stored = { id: 'i1', version: 1, title: 'T', state: 'new', severity: 'high', severityRank: 3, tags: [], ruleIds: [], hosts: [], users: [], createdAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-03-01T00:00:00.000Z', fields: {} };
    es.routes['GET /vigil-incidents/_doc/i1'] = () => ({ status: 200, body: { _index: 'vigil-incidents', _id: 'i1', found: true, _seq_no: 7, _primary_term: 2, _source: stored } });
    es.routes['PUT /vigil-incidents/_doc/i1'] = () => ({
      status: 409,
      body: { error: { type: 'version_conflict_engine_exception', reason: '[i1]: version conflict, required seqNo [7], primary term [2]. current document has seqNo [8] and primary term [2]' }, status: 409 },
    });
    const e = engine();
    const got = await e.incidents.get('i1');
    // the sort key the store keeps for itself is not part of the incident
    const { severityRank: _rank, ...incident } = stored;
    expect(got).toEqual(incident);
    const err = (await e.incidents.update('i1', 1, { state: 'triaged' }).catch((x: unknown) => x)) as VigilError;
    expect(err.code).toBe('STORE_VERSION_CONFLICT');
    expect(err.message).toContain('incident i1: expected version 1');
    const write = es.received.find((r) => r.method === 'PUT' && r.path.startsWith('/vigil-incidents/_doc/i1'));
    const params = new URL(write?.path ?? '', 'http://x').searchParams;
    expect(params.get('if_seq_no')).toBe('7');
    expect(params.get('if_primary_term')).toBe('2');
    expect(params.get('refresh')).toBe('wait_for');
    expect(JSON.parse(write?.body ?? '{}')).toMatchObject({ id: 'i1', version: 2, state: 'triaged', severityRank: 3 });
    // a stale version is refused before anything is written
    const stale = (await e.incidents.update('i1', 5, { state: 'closed' }).catch((x: unknown) => x)) as VigilError;
    expect(stale.message).toContain('expected version 5 but the stored version is 1');
    expect(es.received.filter((r) => r.method === 'PUT' && r.path.startsWith('/vigil-incidents/_doc/i1'))).toHaveLength(1);
  });

  it('claims outbox heads with a conditional write and skips one another process leased first', async () => {
    const delivery = (id: string, key: string, seqNo: number) => ({
      _index: 'vigil-outbox',
      _id: id,
      _seq_no: seqNo,
      _primary_term: 1,
      _source: { id, subscriptionId: 's', eventType: 'x', orderingKey: key, payload: '{}', status: 'pending', attempts: 0, nextAttemptAt: '2026-03-01T00:00:00.000Z', createdAt: '2026-03-01T00:00:00.000Z', seq: id },
    });
    const searches: Array<Record<string, unknown>> = [];
    es.routes['POST /vigil-outbox/_search'] = (r) => {
      const body = JSON.parse(r.body) as Record<string, unknown>;
      searches.push(body);
      // candidates a2 (key A) and b1 (key B); the heads of A and B are a1 (leased elsewhere) and b1
      const hits = searches.length === 1 ? [delivery('a2', 'A', 3), delivery('b1', 'B', 4)] : [delivery('a1', 'A', 1), delivery('b1', 'B', 4)];
      return { status: 200, body: { hits: { hits } } };
    };
    es.routes['PUT /vigil-outbox/_doc/b1'] = () => ({ status: 200, body: { result: 'updated', _seq_no: 5, _primary_term: 1 } });
    const e = engine();
    const claimed = await e.outbox.claimDue('2026-03-01T00:01:00.000Z', 10, 30_000);
    expect(claimed.map((d) => [d.id, d.attempts])).toEqual([['b1', 1]]);
    expect(searches[0]).toMatchObject({ collapse: { field: 'orderingKey' }, seq_no_primary_term: true });
    expect(searches[1]).toMatchObject({ collapse: { field: 'orderingKey' }, query: { bool: { filter: [{ term: { status: 'pending' } }, { terms: { orderingKey: ['A', 'B'] } }] } } });
    const lease = es.received.find((r) => r.method === 'PUT' && r.path.startsWith('/vigil-outbox/_doc/b1'));
    expect(new URL(lease?.path ?? '', 'http://x').searchParams.get('if_seq_no')).toBe('4');
    expect(JSON.parse(lease?.body ?? '{}')).toMatchObject({ leasedUntil: '2026-03-01T00:01:30.000Z', attempts: 1 });

    // the lease write loses to another process: nothing is claimed
    es.routes['PUT /vigil-outbox/_doc/b1'] = () => ({ status: 409, body: { error: { type: 'version_conflict_engine_exception', reason: 'conflict' }, status: 409 } });
    searches.length = 0;
    expect(await e.outbox.claimDue('2026-03-01T00:01:00.000Z', 10, 30_000)).toEqual([]);
  });

  it('refuses to count by a text field, pointing at its keyword field', async () => {
    const e = engine();
    const err = (await e.events.terms({}, 'user.name.text', 5).catch((x: unknown) => x)) as VigilError;
    expect(err.code).toBe('REQUEST_INVALID');
    expect(err.message).toContain("use 'user.name'");
    expect((await e.events.terms({}, 'message', 5).catch((x: unknown) => x)) as VigilError).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('reports a query the cluster refuses as QUERY_SYNTAX with the root cause', async () => {
    es.routes['POST /logs-vigil.*-default/_search'] = () => ({
      status: 400,
      body: {
        error: {
          type: 'search_phase_execution_exception',
          reason: 'all shards failed',
          root_cause: [{ type: 'query_shard_exception', reason: 'failed to create query: For input string: "abc"' }],
        },
        status: 400,
      },
    });
    const e = engine();
    const err = (await e.events.search({ query: { kind: 'term', field: 'custom.count', value: 'abc' } }, { limit: 5 }).catch((x: unknown) => x)) as VigilError;
    expect(err.code).toBe('QUERY_SYNTAX');
    expect(err.message).toContain('For input string: "abc"');
  });

  it('puts alerts with op_type create, reporting the ones already stored as duplicates', async () => {
    const e = engine();
    const alert = (id: string) => ({
      id,
      ruleId: 'r',
      ruleTitle: 'R',
      ruleLevel: 'high' as const,
      ruleTags: [],
      tactics: [],
      techniques: [],
      severity: 'high' as const,
      riskScore: 50,
      eventIds: [],
      events: [],
      entities: { hosts: [], users: [], sourceIps: [], destinationIps: [], processes: [], hashes: [] },
      eventTime: '2026-03-01T00:00:00.000Z',
      detectedAt: '2026-03-01T00:00:01.000Z',
      origin: 'stream' as const,
      groupKey: 'g',
      status: 'open' as const,
      data: {},
    });
    expect(await e.alerts.put([alert('a1'), alert('a2')])).toEqual({ inserted: ['a1', 'a2'], duplicates: [] });
    expect(await e.alerts.put([alert('a2'), alert('a3')])).toEqual({ inserted: ['a3'], duplicates: ['a2'] });
    expect(es.bulks.flat().every((o) => o.action === 'create' && o.index === 'vigil-alerts')).toBe(true);
    const bulk = es.received.filter((r) => r.path.startsWith('/_bulk'));
    expect(bulk.every((r) => new URL(r.path, 'http://x').searchParams.get('refresh') === 'wait_for')).toBe(true);
    const bad = (await e.alerts.put([{ ...alert('a4'), detectedAt: 'soon' }]).catch((x: unknown) => x)) as VigilError;
    expect(bad.message).toContain('alerts[0].detectedAt');
  });

  it('refuses a timeline entry for an unknown incident before writing anything', async () => {
    es.routes['POST /vigil-incidents/_mget'] = () => ({
      status: 200,
      body: { docs: [{ _index: 'vigil-incidents', _id: 'i1', found: true }, { _index: 'vigil-incidents', _id: 'i404', found: false }] },
    });
    const e = engine();
    const entry = (id: string, incidentId: string) => ({ id, incidentId, at: '2026-03-01T00:00:00.000Z', actor: 'system', kind: 'comment', data: {} });
    const err = (await e.incidents.appendTimeline([entry('t1', 'i1'), entry('t2', 'i404')]).catch((x: unknown) => x)) as VigilError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('timeline[1].incidentId: incident i404 not found');
    expect(es.bulks).toHaveLength(0);
    await e.incidents.appendTimeline([entry('t1', 'i1')]);
    await e.incidents.appendTimeline([entry('t1', 'i1')]);
    // the retried entry answered 409 and is skipped: stored once
    expect(es.storedIds('vigil-incident-timeline')).toEqual(['t1']);
  });

  it('refuses calls after close and reports not ready', async () => {
    const e = engine();
    await e.init();
    await e.close();
    expect((await e.ready()).ok).toBe(false);
    await expect(e.alerts.get('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await e.close();
  });
});
