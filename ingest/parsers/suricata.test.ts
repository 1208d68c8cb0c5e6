// Suricata EVE records of the main event types.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseSuricata } from './suricata.ts';

function one(record: Record<string, unknown>) {
  const r = parseSuricata({ message: JSON.stringify(record), receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events[0];
}
const base = { timestamp: '2024-06-18T10:00:00.123456+0200', flow_id: 123, src_ip: '10.0.0.5', src_port: 51000, dest_ip: '93.184.216.34', dest_port: 80, proto: 'TCP' };

describe('Suricata EVE parser', () => {
  it('maps an alert to an intrusion-detection alert with its rule', () => {
    const d = one({ ...base, event_type: 'alert', app_proto: 'http', alert: { action: 'blocked', gid: 1, signature_id: 2010935, rev: 3, signature: 'ET POLICY Suspicious inbound', category: 'Potentially Bad Traffic', severity: 2 } });
    expect(getPath(d, '@timestamp')).toBe('2024-06-18T08:00:00.123Z');
    expect(getPath(d, 'event.kind')).toBe('alert');
    expect(getPath(d, 'event.category')).toEqual(['network', 'intrusion_detection']);
    expect(getPath(d, 'event.type')).toEqual(['denied']);
    expect(getPath(d, 'rule.id')).toBe('2010935');
    expect(getPath(d, 'rule.name')).toBe('ET POLICY Suspicious inbound');
    expect(getPath(d, 'event.severity')).toBe(2);
    expect(getPath(d, 'network.protocol')).toBe('http');
    expect(getPath(d, 'network.transport')).toBe('tcp');
  });

  it('maps http, dns (v2) and flow records', () => {
    const http = one({ ...base, event_type: 'http', http: { hostname: 'example.com', url: '/a?b=1', http_user_agent: 'curl/8', http_method: 'GET', status: 404, length: 10 } });
    expect(getPath(http, 'event.outcome')).toBe('failure');
    expect(getPath(http, 'http.response.status_code')).toBe(404);
    expect(getPath(http, 'url.path')).toBe('/a');
    expect(getPath(http, 'url.query')).toBe('b=1');
    expect(getPath(http, 'destination.domain')).toBe('example.com');
    const dns = one({ ...base, proto: 'UDP', dest_port: 53, event_type: 'dns', dns: { version: 2, type: 'answer', id: 7, rrname: 'example.com', rrtype: 'A', rcode: 'NOERROR', answers: [{ rrname: 'example.com', rrtype: 'A', ttl: 60, rdata: '93.184.216.34' }] } });
    expect(getPath(dns, 'dns.question.name')).toBe('example.com');
    expect(getPath(dns, 'dns.resolved_ip')).toEqual(['93.184.216.34']);
    expect(getPath(dns, 'dns.response_code')).toBe('NOERROR');
    const flow = one({ ...base, event_type: 'flow', flow: { pkts_toserver: 3, pkts_toclient: 2, bytes_toserver: 300, bytes_toclient: 200, start: '2024-06-18T10:00:00.000000+0200', end: '2024-06-18T10:00:02.000000+0200', state: 'closed' } });
    expect(getPath(flow, 'event.type')).toEqual(['connection', 'end']);
    expect(getPath(flow, 'network.bytes')).toBe(500);
    expect(getPath(flow, 'event.duration')).toBe(2_000_000_000);
  });

  it('keeps stats as metrics and refuses non-EVE JSON', () => {
    expect(getPath(one({ timestamp: base.timestamp, event_type: 'stats', stats: { uptime: 5 } }), 'event.kind')).toBe('metric');
    expect(parseSuricata({ message: '{"a":1}', receivedAt: new Date(), source: 'test' }).ok).toBe(false);
  });
});
