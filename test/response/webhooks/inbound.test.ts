// Inbound webhooks through the real HTTP bootstrap (the routes in a sibling context without the
// API-key hook), a real SQLite store for dedup keys and events, and the in-process alerts queue.
// Payloads are shaped like what Kibana, Splunk and Wazuh send.
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import yaml from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../../core/auth/api-keys.ts';
import { buildHttpServer } from '../../../core/http/server.ts';
import { createLogger } from '../../../core/logging.ts';
import { createMemoryBackend } from '../../../core/queue/memory.ts';
import type { WorkQueue } from '../../../core/queue/types.ts';
import type { Alert, StorageEngine } from '../../../core/storage/types.ts';
import { inboundWebhookRoutes } from '../../../response/http/webhook-routes.ts';
import { inboundDedupCollection, InboundWebhooks } from '../../../response/webhooks/inbound/receiver.ts';
import { defaultSourcesFile, loadInboundSources, parseInboundSources } from '../../../response/webhooks/inbound/sources.ts';
import { signHeaders } from '../../../response/webhooks/signature.ts';
import { tempStore } from './helpers.ts';

const genericSecret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const env = {
  ELASTIC_TOKEN: 'elastic-shared-token-5f1c',
  SPLUNK_SECRET: 'splunk-hmac-secret',
  WAZUH_SECRET: 'wazuh-hmac-secret',
  GENERIC_SECRET: genericSecret,
};

const sourcesYaml = `
sources:
  - name: elastic
    secret_env: ELASTIC_TOKEN
    signature: { scheme: token, header: X-Vigil-Token }
    mapping: elastic-security
  - name: splunk
    secret_env: SPLUNK_SECRET
    signature: { scheme: hmac-sha256, header: x-splunk-signature, prefix: "sha256=" }
    mapping: splunk
  - name: wazuh
    secret_env: WAZUH_SECRET
    signature: { scheme: hmac-sha256, header: x-wazuh-signature, encoding: base64 }
    mapping: wazuh
  - name: generic
    secret_env: GENERIC_SECRET
    signature: { scheme: standard-webhooks }
    mapping:
      type: generic
      items: $.alerts
      id: $.id
      fields: { ruleId: $.rule.id, ruleTitle: $.rule.name, severity: $.severity, riskScore: $.score, eventTime: $.observed_at, techniques: $.mitre.techniques, tactics: $.mitre.tactics }
      severity_map: { "1": low, "2": medium, "3": high, "4": critical }
      ecs: { host.name: $.asset.hostname, user.name: $.actor.user, source.ip: $.network.src, event.action: $.action }
      constants: { event.provider: idp }
  - name: firewall-events
    secret: fw-token-123
    signature: { scheme: token, header: x-token }
    mapping:
      type: generic
      as: event
      id: "$['event_id']"
      fields: { eventTime: $.ts }
      ecs: { source.ip: $.src, destination.ip: $.dst, destination.port: $.dport, event.action: $.verdict }
      constants: { event.dataset: firewall.webhook, event.kind: event }
`;

const elasticPayload = {
  alerts: [
    {
      _id: '8c5e0f6c1b2d4e7f9a0b1c2d3e4f5a6b',
      _index: '.internal.alerts-security.alerts-default-000001',
      '@timestamp': '2026-03-01T10:05:00.000Z',
      'kibana.alert.uuid': '8c5e0f6c1b2d4e7f9a0b1c2d3e4f5a6b',
      'kibana.alert.rule.rule_id': 'f44fa4b6-524c-4e87-8d9e-a32599e4fb7c',
      'kibana.alert.rule.uuid': '6e0a2f1c-0d7e-11ef-9c6a-0242ac120002',
      'kibana.alert.rule.name': 'Potential SSH Brute Force Detected',
      'kibana.alert.rule.author': ['Elastic'],
      'kibana.alert.rule.tags': ['Domain: Endpoint', 'OS: Linux', 'Tactic: Credential Access'],
      'kibana.alert.severity': 'medium',
      'kibana.alert.risk_score': 47,
      'kibana.alert.rule.threat': [
        {
          framework: 'MITRE ATT&CK',
          tactic: { id: 'TA0006', name: 'Credential Access', reference: 'https://attack.mitre.org/tactics/TA0006/' },
          technique: [{ id: 'T1110', name: 'Brute Force', subtechnique: [{ id: 'T1110.001', name: 'Password Guessing' }] }],
        },
      ],
      'kibana.alert.original_time': '2026-03-01T10:04:12.000Z',
      'kibana.alert.reason': 'authentication event with source 203.0.113.7 by root on web01 created medium alert Potential SSH Brute Force Detected.',
      'kibana.alert.workflow_status': 'open',
      'kibana.alert.original_event.action': 'ssh_login',
      'kibana.alert.original_event.outcome': 'failure',
      'kibana.space_ids': ['default'],
      host: { name: 'web01', os: { family: 'debian' } },
      source: { ip: '203.0.113.7', port: 52144 },
      user: { name: 'root' },
    },
  ],
};

const splunkPayload = {
  sid: 'scheduler__admin__search__RMD5d0d3e4c1a3f0e3b9_at_1740823200_42',
  search_name: 'Excessive Failed Logins',
  app: 'search',
  owner: 'admin',
  results_link: 'https://splunk.example:8000/app/search/search?q=%7Cloadjob%20scheduler__admin__search__RMD5d0d3e4c1a3f0e3b9_at_1740823200_42',
  result: { _time: '1740823140', src: '203.0.113.7', user: 'root', dest: '10.0.0.5', host: 'web01', count: '57', severity: 'high' },
};

const wazuhPayload = {
  timestamp: '2026-03-01T10:04:12.345+0000',
  rule: {
    level: 10,
    description: 'sshd: brute force trying to get access to the system. Authentication failed.',
    id: '5763',
    mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] },
    frequency: 8,
    firedtimes: 1,
    groups: ['syslog', 'sshd', 'authentication_failures'],
    pci_dss: ['11.4', '10.2.4', '10.2.5'],
  },
  agent: { id: '003', name: 'web01', ip: '10.0.0.5' },
  manager: { name: 'wazuh-manager' },
  id: '1740823452.1234567',
  full_log: 'Mar  1 10:04:12 web01 sshd[2211]: Failed password for root from 203.0.113.7 port 52144 ssh2',
  decoder: { parent: 'sshd', name: 'sshd' },
  data: { srcip: '203.0.113.7', srcport: '52144', dstuser: 'root' },
  location: '/var/log/auth.log',
};

const genericPayload = {
  alerts: [
    {
      id: 'evt-9001',
      rule: { id: 'impossible-travel', name: 'Impossible travel' },
      severity: 3,
      score: 80,
      observed_at: '2026-03-01T09:59:00Z',
      mitre: { techniques: ['T1078'], tactics: ['initial-access'] },
      asset: { hostname: 'vpn01' },
      actor: { user: 'alice' },
      network: { src: '198.51.100.23' },
      action: 'login',
    },
    { id: 'evt-9002', rule: { id: 'impossible-travel', name: 'Impossible travel' }, severity: 4, observed_at: '2026-03-01T10:01:00Z', actor: { user: 'bob' } },
  ],
};

let ctx: Awaited<ReturnType<typeof tempStore>>;
let store: StorageEngine;
let app: FastifyInstance;
let alerts: WorkQueue<Alert>;

beforeEach(async () => {
  ctx = await tempStore();
  store = ctx.store;
  alerts = createMemoryBackend().queue<Alert>('alerts');
  const { sources, errors } = parseInboundSources(yaml.load(sourcesYaml), 'test-sources.yml', env);
  expect(errors).toEqual([]);
  const inbound = new InboundWebhooks({
    sources,
    docs: store.docs,
    alerts,
    pushEvents: async (events) => {
      await store.events.append(events);
    },
  });
  app = await buildHttpServer({
    logger: createLogger({ level: 'silent' }),
    keys: new ApiKeyService(store.keys),
    audit: store.audit,
    bodyLimit: 10 * 1024 * 1024,
    routes: [],
    readiness: [],
    version: 'test',
  });
  // As the composition root does: a sibling of the API-key context, under the same prefix.
  await app.register(inboundWebhookRoutes, { prefix: '/api/v1', inbound });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  await ctx.close();
});

const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const hmacB64 = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64');

function post(source: string, body: string, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: `/api/v1/webhooks/in/${source}`, headers: { 'content-type': 'application/json', ...headers }, payload: body });
}

async function published(): Promise<Alert[]> {
  return (await alerts.consume('test', 'test-1', { count: 100 })).map((m) => m.body);
}

describe('inbound webhooks', () => {
  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    const body = JSON.stringify(elasticPayload);
    const wrong = await post('elastic', body, { 'x-vigil-token': 'not-the-token' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'AUTH_INVALID' });
    expect(wrong.json().message).toContain("webhook source 'elastic'");
    expect((await post('elastic', body, {})).statusCode).toBe(401);
    const splunkBody = JSON.stringify(splunkPayload);
    const tampered = await post('splunk', splunkBody.replace('57', '58'), { 'x-splunk-signature': `sha256=${hmacHex(env.SPLUNK_SECRET, splunkBody)}` });
    expect(tampered.statusCode).toBe(401);
    // Not JSON and not signed: still a 401, the signature is checked before the body is read.
    expect((await post('wazuh', '{not json', { 'x-wazuh-signature': 'AAAA' })).statusCode).toBe(401);
    // No API key involved: a valid API key does not stand in for the signature.
    expect((await post('elastic', body, { authorization: 'Bearer vigil_whatever' })).statusCode).toBe(401);

    expect(await alerts.length()).toBe(0);
    expect(await store.docs.list(inboundDedupCollection)).toEqual([]);
  });

  it('takes an Elastic Security alert once; the replay is 202 duplicate and not processed again', async () => {
    const body = JSON.stringify(elasticPayload);
    const first = await post('elastic', body, { 'x-vigil-token': env.ELASTIC_TOKEN });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ source: 'elastic', accepted: 1, duplicates: 0, duplicate: false });
    const replay = await post('elastic', body, { 'x-vigil-token': env.ELASTIC_TOKEN });
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toMatchObject({ accepted: 0, duplicates: 1, duplicate: true, alertIds: [] });
    expect(await alerts.length()).toBe(1);

    const [a] = await published();
    expect(a.id).toBe(first.json().alertIds[0]);
    expect(a).toMatchObject({
      origin: 'webhook',
      ruleId: 'f44fa4b6-524c-4e87-8d9e-a32599e4fb7c',
      ruleTitle: 'Potential SSH Brute Force Detected',
      ruleAuthor: 'Elastic',
      severity: 'medium',
      riskScore: 47,
      tactics: ['credential_access'],
      techniques: ['T1110.001'],
      eventTime: '2026-03-01T10:04:12.000Z',
      status: 'open',
      entities: { hosts: ['web01'], users: ['root'], sourceIps: ['203.0.113.7'] },
      groupKey: 'f44fa4b6-524c-4e87-8d9e-a32599e4fb7c|host=web01',
      data: { reason: expect.stringContaining('203.0.113.7'), webhook: { source: 'elastic', senderId: '8c5e0f6c1b2d4e7f9a0b1c2d3e4f5a6b' } },
    });
    expect(a.events[0]).toMatchObject({ event: { kind: 'alert', action: 'ssh_login', outcome: 'failure' }, source: { ip: '203.0.113.7' } });
    expect(a.events[0]).not.toHaveProperty('kibana');
  });

  it('maps a Splunk alert action (hmac-sha256 hex with prefix)', async () => {
    const body = JSON.stringify(splunkPayload);
    const res = await post('splunk', body, { 'x-splunk-signature': `sha256=${hmacHex(env.SPLUNK_SECRET, body)}` });
    expect(res.statusCode).toBe(202);
    const [a] = await published();
    expect(a).toMatchObject({
      ruleId: 'Excessive Failed Logins',
      ruleTitle: 'Excessive Failed Logins',
      severity: 'high',
      eventTime: '2025-03-01T09:59:00.000Z',
      entities: { hosts: ['web01'], users: ['root'], sourceIps: ['203.0.113.7'], destinationIps: ['10.0.0.5'] },
      data: { sid: splunkPayload.sid, url: splunkPayload.results_link },
    });
    // Same search, another result ("for each result" trigger): a different sender id.
    const other = JSON.stringify({ ...splunkPayload, result: { ...splunkPayload.result, src: '203.0.113.8' } });
    const second = await post('splunk', other, { 'x-splunk-signature': `sha256=${hmacHex(env.SPLUNK_SECRET, other)}` });
    expect(second.json()).toMatchObject({ accepted: 1, duplicate: false });
    expect(second.json().alertIds[0]).not.toBe(a.id);
  });

  it('maps a Wazuh alert (hmac-sha256 base64): level → severity, MITRE, agent, data', async () => {
    const body = JSON.stringify(wazuhPayload);
    const res = await post('wazuh', body, { 'x-wazuh-signature': hmacB64(env.WAZUH_SECRET, body) });
    expect(res.statusCode).toBe(202);
    const [a] = await published();
    expect(a).toMatchObject({
      ruleId: 'wazuh-5763',
      ruleTitle: 'sshd: brute force trying to get access to the system. Authentication failed.',
      severity: 'high',
      tactics: ['credential_access'],
      techniques: ['T1110'],
      ruleTags: ['syslog', 'sshd', 'authentication_failures'],
      eventTime: '2026-03-01T10:04:12.345Z',
      entities: { hosts: ['web01'], users: ['root'], sourceIps: ['203.0.113.7'] },
      data: { wazuhRuleId: '5763', level: 10, webhook: { senderId: '1740823452.1234567' } },
    });
    expect(a.events[0]).toMatchObject({ source: { port: 52144 }, host: { ip: '10.0.0.5' }, event: { original: expect.stringContaining('Failed password') } });
  });

  it('maps a generic source with its YAML field mapping (Standard Webhooks signed), each item deduplicated', async () => {
    const body = JSON.stringify(genericPayload);
    const headers = signHeaders([genericSecret], 'msg_abc', Math.floor(Date.now() / 1000), body);
    const res = await post('generic', body, { ...headers });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2 });
    const [a, b] = await published();
    expect(a).toMatchObject({
      ruleId: 'impossible-travel',
      ruleTitle: 'Impossible travel',
      severity: 'high',
      riskScore: 80,
      techniques: ['T1078'],
      tactics: ['initial_access'],
      eventTime: '2026-03-01T09:59:00.000Z',
      entities: { hosts: ['vpn01'], users: ['alice'], sourceIps: ['198.51.100.23'] },
    });
    expect(a.events[0]).toMatchObject({ event: { action: 'login', provider: 'idp' } });
    expect(b).toMatchObject({ severity: 'critical', riskScore: 99, entities: { users: ['bob'] } });

    // One new item beside a replayed one: only the new one goes on.
    const mixed = JSON.stringify({ alerts: [genericPayload.alerts[1], { ...genericPayload.alerts[1], id: 'evt-9003' }] });
    const res2 = await post('generic', mixed, { ...signHeaders([genericSecret], 'msg_def', Math.floor(Date.now() / 1000), mixed) });
    expect(res2.json()).toMatchObject({ accepted: 1, duplicates: 1, duplicate: false });

    // A signed request older than the tolerance is a replay: 401.
    const old = signHeaders([genericSecret], 'msg_old', Math.floor(Date.now() / 1000) - 600, body);
    const stale = await post('generic', body, { ...old });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().message).toContain('replay');
  });

  it('sends `as: event` items to the ingest sink, and answers 404, 400 and 413 where due', async () => {
    const body = JSON.stringify({ event_id: 'fw-1', ts: '2026-03-01T10:00:00Z', src: '10.0.0.9', dst: '198.51.100.1', dport: 443, verdict: 'deny' });
    const res = await post('firewall-events', body, { 'x-token': 'fw-token-123' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, events: 1, alertIds: [] });
    const found = await store.events.search({}, { limit: 10 });
    expect(found.items).toHaveLength(1);
    expect(found.items[0].doc).toMatchObject({
      '@timestamp': '2026-03-01T10:00:00.000Z',
      source: { ip: '10.0.0.9' },
      destination: { ip: '198.51.100.1', port: 443 },
      event: { action: 'deny', dataset: 'firewall.webhook' },
      labels: { webhook_source: 'firewall-events', webhook_sender_id: 'fw-1' },
    });
    expect(await alerts.length()).toBe(0);

    expect((await post('nobody', body, { 'x-token': 'fw-token-123' })).statusCode).toBe(404);
    const notJson = await post('firewall-events', '{"event_id": ', { 'x-token': 'fw-token-123' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().message).toContain('not JSON');
    const noId = await post('firewall-events', JSON.stringify({ src: '10.0.0.9' }), { 'x-token': 'fw-token-123' });
    expect(noId.statusCode).toBe(400);
    expect(noId.json().message).toContain('sender id is missing');
    const huge = await post('firewall-events', JSON.stringify({ event_id: 'x', pad: 'a'.repeat(2 * 1024 * 1024) }), { 'x-token': 'fw-token-123' });
    expect(huge.statusCode).toBe(413);
  });
});

describe('inbound source configuration', () => {
  it('reports every problem with its YAML path and keeps a source without its secret off', () => {
    const doc = yaml.load(`
sources:
  - name: a
    secret_env: UNSET_VAR
    signature: { scheme: token, header: x-t }
    mapping: splunk
  - name: b
    secret: s
    signature: { scheme: rot13 }
    mapping: qradar
  - name: c
    secret: s
    signature: { scheme: hmac-sha256, header: x-sig }
    mapping: { type: generic, fields: { ruleTitle: $.t, colour: $.c } }
  - name: d
    secret: whsec_dG9vc2hvcnQ=
    signature: { scheme: standard-webhooks }
    mapping: wazuh
`);
    const { sources, errors } = parseInboundSources(doc, 'sources.yml', {});
    expect(sources).toEqual([]);
    const paths = errors.map((e) => e.location?.path);
    expect(paths).toEqual([
      'sources[0].secret_env',
      'sources[1].signature.scheme',
      'sources[1].mapping',
      'sources[2].mapping.id',
      'sources[2].mapping.fields.colour',
      'sources[2].mapping.fields.ruleId',
      'sources[3].secret',
    ]);
    expect(errors[0].message).toContain('UNSET_VAR is not set');
  });

  it('the bundled rules/webhooks/sources.yml loads once its secrets are set', () => {
    const { sources, errors } = loadInboundSources(defaultSourcesFile, {
      WEBHOOK_IN_ELASTIC_TOKEN: 't',
      WEBHOOK_IN_SPLUNK_SECRET: 's',
      WEBHOOK_IN_WAZUH_SECRET: 'w',
      WEBHOOK_IN_GENERIC_SECRET: genericSecret,
    });
    expect(errors).toEqual([]);
    expect(sources.map((s) => `${s.name}:${s.mapping.type}:${s.signature.scheme}`)).toEqual([
      'elastic:elastic-security:token',
      'splunk:splunk:hmac-sha256',
      'wazuh:wazuh:hmac-sha256',
      'generic:generic:standard-webhooks',
    ]);
  });
});
