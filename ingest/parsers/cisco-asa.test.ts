// Cisco ASA lines beyond the fixtures: the message ids a SOC relies on, read the way Elastic reads them.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseCiscoAsa } from './cisco-asa.ts';

const receivedAt = new Date('2024-06-20T00:00:00Z');
function one(message: string, tz?: string) {
  const r = parseCiscoAsa({ message, receivedAt, source: 'test', tz });
  if (!r.ok) throw r.error;
  return r.events[0];
}
const get = (doc: Record<string, unknown>, p: string) => getPath(doc, p);

describe('Cisco ASA parser', () => {
  it('reads an inbound 302013 with the NAT mapping and the syslog header', () => {
    const d = one(
      '<166>Jun 18 2024 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection 4567 for outside:198.51.100.7/51234 (198.51.100.7/51234) to inside:10.0.0.5/443 (203.0.113.10/443)',
    );
    expect(get(d, '@timestamp')).toBe('2024-06-18T10:00:00.000Z');
    expect(get(d, 'event.action')).toBe('flow-creation');
    expect(get(d, 'event.type')).toEqual(['connection', 'start']);
    expect(get(d, 'source.ip')).toBe('198.51.100.7');
    expect(get(d, 'destination.ip')).toBe('10.0.0.5');
    expect(get(d, 'destination.port')).toBe(443);
    expect(get(d, 'destination.nat.ip')).toBe('203.0.113.10');
    expect(get(d, 'network.transport')).toBe('tcp');
    expect(get(d, 'network.direction')).toBe('inbound');
    expect(get(d, 'observer.ingress.interface.name')).toBe('outside');
    expect(get(d, 'host.hostname')).toBe('fw01');
    expect(get(d, 'log.syslog.facility.code')).toBe(20);
  });

  it('swaps the sides of an outbound 302013 so source is the inside host', () => {
    const d = one(
      '%ASA-6-302013: Built outbound TCP connection 4568 for outside:198.51.100.7/443 (198.51.100.7/443) to inside:10.0.0.5/51000 (203.0.113.10/61000)',
    );
    expect(get(d, 'source.ip')).toBe('10.0.0.5');
    expect(get(d, 'source.nat.ip')).toBe('203.0.113.10');
    expect(get(d, 'source.nat.port')).toBe(61000);
    expect(get(d, 'destination.ip')).toBe('198.51.100.7');
  });

  it('puts the outside host first for an inbound 302020 ICMP flow', () => {
    const d = one('%ASA-6-302020: Built inbound ICMP connection for faddr 198.51.100.7/1 gaddr 203.0.113.10/0 laddr 10.0.0.5/0 type 8 code 0');
    expect(get(d, 'source.ip')).toBe('198.51.100.7');
    expect(get(d, 'destination.ip')).toBe('10.0.0.5');
    expect(get(d, 'destination.nat.ip')).toBe('203.0.113.10');
    expect(get(d, 'network.transport')).toBe('icmp');
    expect(get(d, 'cisco.asa.icmp_type')).toBe(8);
  });

  it('reads a teardown with duration, bytes, reason and initiator', () => {
    const d = one(
      'Jun 18 2024 10:00:05 fw01 : %ASA-6-302014: Teardown TCP connection 4567 for outside:198.51.100.7/51234 to inside:10.0.0.5/443 duration 0:01:05 bytes 1234 TCP FINs from outside',
    );
    expect(get(d, 'event.action')).toBe('flow-expiration');
    expect(get(d, 'event.duration')).toBe(65_000_000_000);
    expect(get(d, 'event.start')).toBe('2024-06-18T09:59:00.000Z');
    expect(get(d, 'network.bytes')).toBe(1234);
    expect(get(d, 'event.reason')).toBe('TCP FINs');
    expect(get(d, 'cisco.asa.termination_initiator')).toBe('outside');
  });

  it('reads ACL denies (106023, 106100) with the rule name', () => {
    const deny = one('%ASA-4-106023: Deny tcp src outside:198.51.100.7/4444 dst inside:10.0.0.5/22 by access-group "outside_in" [0x0, 0x0]');
    expect(get(deny, 'event.outcome')).toBe('failure');
    expect(get(deny, 'event.type')).toEqual(['connection', 'denied']);
    expect(get(deny, 'cisco.asa.rule_name')).toBe('outside_in');
    expect(get(deny, 'destination.port')).toBe(22);
    const permit = one(
      '%ASA-6-106100: access-list inside_in permitted tcp inside/10.0.0.5(51000) -> outside/93.184.216.34(80) hit-cnt 1 first hit [0x1a2b, 0x0]',
    );
    expect(get(permit, 'event.outcome')).toBe('success');
    expect(get(permit, 'event.type')).toEqual(['connection', 'allowed']);
    expect(get(permit, 'source.port')).toBe(51000);
  });

  it('reads AAA failures and VPN sessions with the user', () => {
    const aaa = one(
      'Jun 18 10:00:05 fw01 %ASA-6-113005: AAA user authentication Rejected : reason = Invalid password : server = 10.1.1.1 : user = bob : user IP = 198.51.100.9',
    );
    expect(get(aaa, 'event.action')).toBe('logon-failed');
    expect(get(aaa, 'event.category')).toEqual(['authentication', 'network']);
    expect(get(aaa, 'source.user.name')).toBe('bob');
    expect(get(aaa, 'source.ip')).toBe('198.51.100.9');
    const vpn = one('%ASA-4-722051: Group <GP> User <DOMAIN\\alice> IP <198.51.100.20> IPv4 Address <10.10.0.5> IPv6 address <::> assigned to session');
    expect(get(vpn, 'source.user.name')).toBe('alice');
    expect(get(vpn, 'source.user.domain')).toBe('DOMAIN');
    expect(get(vpn, 'cisco.asa.assigned_ip')).toBe('10.10.0.5');
  });

  it('uses the configured zone map for abbreviations and the default zone otherwise', () => {
    const d = one('Sep 25 15:47:07 host1 : Sep 25 15:47:07 EDT: %ASA-auth-4-113004: AAA user authentication Successful : server = srv : user = u1', 'EDT=America/New_York,UTC');
    expect(Date.parse(get(d, '@timestamp') as string)).toBe(Date.parse('2023-09-25T19:47:07Z'));
    expect(get(d, 'cisco.asa.suffix')).toBe('auth');
    const local = one('Jun 18 2024 10:00:00: %ASA-6-609001: Built local-host inside:10.0.0.5', 'Europe/Berlin');
    expect(get(local, '@timestamp')).toBe('2024-06-18T10:00:00.000+02:00');
  });

  it('keeps unknown message ids as events with their code and text', () => {
    const d = one('%ASA-5-199999: Something new happened here');
    expect(get(d, 'event.code')).toBe('199999');
    expect(get(d, 'message')).toBe('Something new happened here');
    expect(get(d, 'observer.vendor')).toBe('Cisco');
  });

  it('maps FTD connection events (430003) from their key: value list', () => {
    const d = one(
      'Jun 18 2024 10:00:00 ftd01 : %FTD-1-430003: EventPriority: Low, DeviceUUID: 0f0f, InstanceID: 1, ConnectionID: 7, AccessControlRuleAction: Allow, SrcIP: 10.0.0.5, DstIP: 93.184.216.34, SrcPort: 51000, DstPort: 443, Protocol: tcp, IngressInterface: inside, EgressInterface: outside, ACPolicy: Default, AccessControlRuleName: Allow-Web, ApplicationProtocol: HTTPS, InitiatorBytes: 500, ResponderBytes: 4000, URL: https://example.com/',
    );
    expect(get(d, 'event.action')).toBe('connection-finished');
    expect(get(d, 'event.outcome')).toBe('success');
    expect(get(d, 'source.ip')).toBe('10.0.0.5');
    expect(get(d, 'destination.port')).toBe(443);
    expect(get(d, 'network.transport')).toBe('tcp');
    expect(get(d, 'source.bytes')).toBe(500);
    expect(get(d, 'cisco.asa.rule_name')).toBe('Default');
    expect(get(d, 'observer.ingress.interface.name')).toBe('inside');
  });

  it('keeps untagged lines from the device with their header, and refuses empty ones', () => {
    const d = one('Jun 18 2024 10:00:00 fw01 : some unexpected text');
    expect(get(d, 'host.hostname')).toBe('fw01');
    expect(get(d, 'event.severity')).toBe(7);
    expect(get(d, 'message')).toBe('some unexpected text');
    const r = parseCiscoAsa({ message: '  ', receivedAt, source: 'file x.log:3' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('file x.log:3: cisco_asa.log:');
  });
});
