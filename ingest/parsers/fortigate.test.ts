// FortiGate traffic, UTM and event logs beyond the fixture.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseFortigate, splitFortinetPairs } from './fortigate.ts';

function one(message: string) {
  const r = parseFortigate({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events[0];
}

describe('FortiGate parser', () => {
  it('splits quoted values with spaces and escaped quotes', () => {
    const kv = splitFortinetPairs('a=1 msg="two words" x="say \\"hi\\"" k=N/A');
    expect(kv.get('msg')).toBe('two words');
    expect(kv.get('x')).toBe('say \\"hi\\"');
    expect(kv.has('k')).toBe(false);
  });

  it('maps a forward traffic close with NAT, bytes and direction from private networks', () => {
    const d = one(
      '<189>date=2024-05-01 time=10:11:12 devname="FG100" devid="FG100E123" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" tz="+0200" srcip=192.168.1.10 srcport=51000 srcintf="port1" dstip=93.184.216.34 dstport=443 dstintf="wan1" proto=6 action="close" policyid=5 policyname="LAN-out" service="HTTPS" transip=203.0.113.5 transport=61000 duration=12 sentbyte=1200 rcvdbyte=5400 user="alice"',
    );
    expect(getPath(d, '@timestamp')).toBe('2024-05-01T10:11:12.000+02:00');
    expect(getPath(d, 'event.action')).toBe('close');
    expect(getPath(d, 'event.type')).toEqual(['connection', 'end', 'allowed']);
    expect(getPath(d, 'source.nat.ip')).toBe('203.0.113.5');
    expect(getPath(d, 'network.direction')).toBe('outbound');
    expect(getPath(d, 'network.transport')).toBe('tcp');
    expect(getPath(d, 'network.bytes')).toBe(6600);
    expect(getPath(d, 'rule.name')).toBe('LAN-out');
    expect(getPath(d, 'source.user.name')).toBe('alice');
    expect(getPath(d, 'observer.name')).toBe('FG100');
    expect(getPath(d, 'fortinet.firewall.vd')).toBe('root');
  });

  it('marks denied traffic and blocked UTM events', () => {
    const deny = one('date=2024-05-01 time=10:11:12 devname="FG" devid="X" logid="0000000013" type="traffic" subtype="forward" srcip=203.0.113.9 dstip=10.0.0.5 action="deny" proto=17');
    expect(getPath(deny, 'event.type')).toEqual(['connection', 'end', 'denied']);
    expect(getPath(deny, 'network.direction')).toBe('inbound');
    const av = one('date=2024-05-01 time=10:11:12 devname="FG" devid="X" logid="0211008192" type="utm" subtype="virus" eventtype="infected" level="warning" srcip=10.0.0.5 dstip=93.184.216.34 action="blocked" filename="eicar.com" url="/eicar.com" hostname="example.com"');
    expect(getPath(av, 'event.type')).toEqual(['denied']);
    expect(getPath(av, 'event.action')).toBe('infected');
    expect(getPath(av, 'file.name')).toBe('eicar.com');
    expect(getPath(av, 'url.domain')).toBe('example.com');
  });

  it('reads admin logins as authentication events', () => {
    const d = one(
      'date=2024-05-01 time=10:11:12 devname="FG" devid="X" logid="0100032002" type="event" subtype="system" level="alert" user="admin" srcip=198.51.100.4 dstip=10.0.0.1 action="login" status="failed" reason="passwd_invalid" msg="Administrator admin login failed from https(198.51.100.4) because of invalid password"',
    );
    expect(getPath(d, 'event.category')).toEqual(['authentication']);
    expect(getPath(d, 'event.outcome')).toBe('failure');
    expect(getPath(d, 'user.name')).toBe('admin');
    expect(getPath(d, 'source.ip')).toBe('198.51.100.4');
  });
});
