// Zeek JSON conn/dns/http records written from Zeek's log field documentation.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseZeekConn, parseZeekDns, parseZeekHttp } from './zeek.ts';
import type { ParseResult } from './types.ts';

const raw = (record: Record<string, unknown>) => ({ message: JSON.stringify(record), receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
function ok(r: ParseResult) {
  if (!r.ok) throw r.error;
  return r.events[0];
}

describe('Zeek parsers', () => {
  it('maps conn.log with state, bytes and direction', () => {
    const d = ok(parseZeekConn(raw({ ts: 1718704800.25, uid: 'CHhAvVGS1DHFjwGM9', 'id.orig_h': '10.0.0.5', 'id.orig_p': 51000, 'id.resp_h': '93.184.216.34', 'id.resp_p': 443, proto: 'tcp', service: 'ssl', duration: 1.5, orig_bytes: 500, resp_bytes: 4000, conn_state: 'SF', local_orig: true, local_resp: false, missed_bytes: 0, history: 'ShADadFf', orig_pkts: 10, orig_ip_bytes: 900, resp_pkts: 12, resp_ip_bytes: 4600 })));
    expect(getPath(d, '@timestamp')).toBe('2024-06-18T10:00:00.250Z');
    expect(getPath(d, 'event.id')).toBe('CHhAvVGS1DHFjwGM9');
    expect(getPath(d, 'event.type')).toEqual(['connection', 'start', 'end']);
    expect(getPath(d, 'network.direction')).toBe('outbound');
    expect(getPath(d, 'network.protocol')).toBe('ssl');
    expect(getPath(d, 'network.bytes')).toBe(5500);
    expect(getPath(d, 'event.duration')).toBe(1_500_000_000);
    expect(getPath(d, 'zeek.connection.state_message')).toBe('Normal establishment and termination.');
  });

  it('maps dns.log answers and flags', () => {
    const d = ok(parseZeekDns(raw({ ts: 1718704800, uid: 'C1', 'id.orig_h': '10.0.0.5', 'id.orig_p': 5353, 'id.resp_h': '10.0.0.1', 'id.resp_p': 53, proto: 'udp', trans_id: 4242, rtt: 0.01, query: 'www.example.com', qclass_name: 'C_INTERNET', qtype_name: 'A', rcode_name: 'NOERROR', AA: false, TC: false, RD: true, RA: true, answers: ['example.com', '93.184.216.34'], TTLs: [60.0, 300.0] })));
    expect(getPath(d, 'dns.question.name')).toBe('www.example.com');
    expect(getPath(d, 'dns.question.registered_domain')).toBe('example.com');
    expect(getPath(d, 'dns.resolved_ip')).toEqual(['93.184.216.34']);
    expect(getPath(d, 'dns.header_flags')).toEqual(['RD', 'RA']);
    expect(getPath(d, 'event.outcome')).toBe('success');
  });

  it('maps http.log request and response', () => {
    const d = ok(parseZeekHttp(raw({ ts: '2024-06-18T10:00:00.000000Z', uid: 'C2', 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '93.184.216.34', 'id.resp_p': 80, method: 'POST', host: 'example.com', uri: '/login?next=/', version: '1.1', user_agent: 'Mozilla/5.0', request_body_len: 42, response_body_len: 10, status_code: 302, status_msg: 'Found' })));
    expect(getPath(d, 'http.request.method')).toBe('POST');
    expect(getPath(d, 'http.response.status_code')).toBe(302);
    expect(getPath(d, 'url.original')).toBe('/login?next=/');
    expect(getPath(d, 'url.domain')).toBe('example.com');
    expect(getPath(d, 'event.category')).toEqual(['network', 'web']);
    expect(getPath(d, 'event.outcome')).toBe('success');
  });

  it('refuses records without ts', () => {
    expect(parseZeekConn(raw({ uid: 'x' })).ok).toBe(false);
  });
});
