import { describe, expect, it } from 'vitest';
import { pfsenseParser } from './pfsense.ts';
import { parseOne } from './test-support.ts';

describe('pfsense.log', () => {
  it('reads filterlog IPv4 TCP block with options', () => {
    const d = parseOne(
      pfsenseParser,
      '<134>Jun 15 11:00:00 fw.example filterlog[7]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,203.0.113.7,192.0.2.10,51234,22,0,S,12345,,64240,,mss;sackOK;TS;nop;wscale',
      { tz: '-04:00' },
    );
    expect(d.get('@timestamp')).toBe('2026-06-15T11:00:00.000-04:00');
    expect(d.get('event.action')).toBe('block');
    expect(d.get('event.type')).toEqual(['connection', 'denied']);
    expect(d.get('network.direction')).toBe('inbound');
    expect(d.get('network.transport')).toBe('tcp');
    expect(d.get('source.ip')).toBe('203.0.113.7');
    expect(d.get('destination.port')).toBe(22);
    expect(d.get('pfsense.tcp.options')).toEqual(['mss', 'sackOK', 'TS', 'nop', 'wscale']);
    expect(d.get('rule.id')).toBe('1000000103');
    expect(d.get('observer.vendor')).toBe('netgate');
    expect(d.get('observer.name')).toBe('fw.example');
  });

  it('reads filterlog from an RFC 5424 header (pfSense 2.6+) and IPv6 UDP on a VLAN', () => {
    const d = parseOne(
      pfsenseParser,
      '<134>1 2026-06-15T11:00:00.123456-05:00 fw filterlog 8 - - 7,,,1000,igb1.20,match,pass,out,6,0x00,0x00000,64,udp,17,40,2001:db8::5,2001:db8::53,5353,53,40',
    );
    expect(d.get('@timestamp')).toBe('2026-06-15T11:00:00.123-05:00');
    expect(d.get('network.type')).toBe('ipv6');
    expect(d.get('network.vlan.id')).toBe('20');
    expect(d.get('destination.port')).toBe(53);
    expect(d.get('event.type')).toEqual(['connection', 'allowed']);
    expect(d.get('network.direction')).toBe('outbound');
  });

  it('reads dhcpd, unbound and the web GUI login', () => {
    const dhcp = parseOne(pfsenseParser, 'Jun 15 11:00:00 fw dhcpd: DHCPACK on 192.168.1.50 to aa:bb:cc:dd:ee:ff (laptop) via em1');
    expect(dhcp.get('event.action')).toBe('dhcpack');
    expect(dhcp.get('client.mac')).toBe('AA-BB-CC-DD-EE-FF');
    expect(dhcp.get('source.ip')).toBe('192.168.1.50');
    const dns = parseOne(pfsenseParser, 'Jun 15 11:00:00 fw unbound: [1:0] info: 192.168.1.50 example.org. AAAA IN');
    expect(dns.get('dns.question.name')).toBe('example.org');
    expect(dns.get('dns.question.type')).toBe('AAAA');
    const gui = parseOne(pfsenseParser, "Jun 15 11:00:00 fw php-fpm[300]: /index.php: webConfigurator authentication error for user 'admin' from: 198.51.100.3");
    expect(gui.get('user.name')).toBe('admin');
    expect(gui.get('source.ip')).toBe('198.51.100.3');
    expect(gui.get('event.outcome')).toBe('failure');
  });

  it('reads squid, strongSwan and HAProxy lines forwarded by the firewall', () => {
    const squid = parseOne(pfsenseParser, 'Jan 10 12:00:00 fw (squid-1): 192.168.1.10 TCP_DENIED/403 3900 CONNECT example.com:443 - HIER_NONE/- text/html');
    expect(squid.get('process.name')).toBe('squid-1');
    expect(squid.get('event.provider')).toBe('squid');
    expect(squid.get('http.response.status_code')).toBe(403);
    expect(squid.get('url.domain')).toBe('example.com');
    expect(squid.get('event.outcome')).toBe('failure');
    const ipsec = parseOne(pfsenseParser, 'Jan 10 12:00:00 fw charon[1]: 09[NET] <con1|5> sending packet: from 198.51.100.1[500] to 203.0.113.2[4500] (236 bytes)');
    expect(ipsec.get('destination.port')).toBe(4500);
    expect(ipsec.get('network.protocol')).toBe('ipsec');
    const lb = parseOne(pfsenseParser, 'Jan 10 12:00:00 fw haproxy[1]: 192.0.2.1:5555 [10/Jan/2026:12:00:00.001] fe be/s1 0/0/1/2/3 200 10 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"');
    expect(lb.get('haproxy.backend_name')).toBe('be');
    expect(lb.get('http.response.status_code')).toBe(200);
  });
});
