import { describe, expect, it } from 'vitest';
import { haproxyParser } from './haproxy.ts';
import { iptablesParser } from './iptables.ts';
import { pfsenseParser } from './pfsense.ts';
import { parseError, parseOne } from './test-support.ts';

describe('haproxy.log', () => {
  it('reads the HTTP format with captured headers', () => {
    const d = parseOne(
      haproxyParser,
      'Feb  6 12:14:14 lb1 haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"',
    );
    expect(d.get('@timestamp')).toBe('2009-02-06T12:14:14.655Z');
    expect(d.get('source.ip')).toBe('10.0.1.2');
    expect(d.get('source.port')).toBe(33317);
    expect(d.get('haproxy.frontend_name')).toBe('http-in');
    expect(d.get('haproxy.server_name')).toBe('srv1');
    expect(d.get('event.duration')).toBe(109_000_000);
    expect(d.get('haproxy.http.request.captured_headers')).toEqual(['1wt.eu']);
    expect(d.get('http.request.method')).toBe('GET');
    expect(d.get('url.original')).toBe('/index.html');
    expect(d.get('event.outcome')).toBe('success');
    expect(d.get('process.pid')).toBe(14389);
  });

  it('reads the TCP, error and default formats', () => {
    const tcp = parseOne(haproxyParser, 'Feb  6 12:12:56 lb1 haproxy[14387]: 10.0.1.2:33313 [06/Feb/2009:12:12:51.443] fnt bck/srv1 0/0/5007 212 -- 0/0/0/0/3 0/0');
    expect(tcp.get('haproxy.mode')).toBe('tcp');
    expect(tcp.get('haproxy.bytes_read')).toBe(212);
    expect(tcp.get('event.duration')).toBe(5_007_000_000);
    const err = parseOne(haproxyParser, 'Dec  3 18:27:14 lb1 haproxy[6]: 127.0.0.1:56059 [03/Dec/2012:17:35:10.380] frt/f1: Connection error during SSL handshake');
    expect(err.get('haproxy.error_message')).toBe('Connection error during SSL handshake');
    expect(err.get('haproxy.bind_name')).toBe('f1');
    const def = parseOne(haproxyParser, 'Oct  2 12:00:00 lb1 haproxy[2]: Connect from 10.0.0.5:40000 to 10.0.0.1:80 (www/HTTP)');
    expect(def.get('destination.ip')).toBe('10.0.0.1');
    expect(def.get('event.category')).toEqual(['web', 'network']);
  });

  it('reads a line that kept only the program prefix', () => {
    const d = parseOne(haproxyParser, 'haproxy[14389]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 404 2750 - - ---- 1/1/1/1/0 0/0 "GET /x HTTP/1.1"');
    expect(d.get('process.name')).toBe('haproxy');
    expect(d.get('process.pid')).toBe(14389);
    expect(d.get('event.outcome')).toBe('failure');
  });

  it('refuses a non-syslog line it cannot read', () => {
    expect(parseError(haproxyParser, 'garbage')).toContain('haproxy.log: not an HAProxy log line');
  });
});

describe('iptables.log', () => {
  it('reads an ICMP IPv4 packet with a free-form prefix', () => {
    const d = parseOne(
      iptablesParser,
      'Jun 15 11:00:00 gw kernel: [123456.789] DROPPED: IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=198.51.100.9 DST=192.0.2.1 LEN=84 TOS=0x00 PREC=0x00 TTL=55 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=4242 SEQ=1',
    );
    expect(d.get('source.ip')).toBe('198.51.100.9');
    expect(d.get('destination.mac')).toBe('00-11-22-33-44-55');
    expect(d.get('source.mac')).toBe('66-77-88-99-AA-BB');
    expect(d.get('network.type')).toBe('ipv4');
    expect(d.get('network.transport')).toBe('icmp');
    expect(d.get('iptables.icmp.type')).toBe(8);
    expect(d.get('iptables.icmp.id')).toBe(4242);
    expect(d.get('iptables.id')).toBe(0);
    expect(d.get('iptables.fragment_flags')).toEqual(['DF']);
    expect(d.get('iptables.prefix')).toBe('DROPPED:');
    expect(d.get('observer.name')).toBe('gw');
    expect(d.get('event.type')).toEqual(['connection']);
  });

  it('reads IPv6 TCP with sequence numbers and a Ubiquiti reject label', () => {
    const d = parseOne(
      iptablesParser,
      'Jun 15 11:00:00 edge kernel: [WAN_LOCAL-20-R]IN=eth0 OUT= SRC=2001:db8::1 DST=2001:db8::2 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=12345 PROTO=TCP SPT=50000 DPT=22 SEQ=100 ACK=0 WINDOW=64800 RES=0x00 SYN URGP=0',
    );
    expect(d.get('network.type')).toBe('ipv6');
    expect(d.get('iptables.ttl')).toBe(64);
    expect(d.get('iptables.flow_label')).toBe(12345);
    expect(d.get('iptables.tcp.seq')).toBe(100);
    expect(d.get('iptables.tcp.flags')).toEqual(['SYN']);
    expect(d.get('rule.name')).toBe('WAN_LOCAL');
    expect(d.get('rule.id')).toBe('20');
    expect(d.get('event.action')).toBe('reject');
    expect(d.get('event.type')).toEqual(['denied', 'connection']);
  });

  it('refuses a line without netfilter fields', () => {
    expect(parseError(iptablesParser, 'Jun 15 11:00:00 gw kernel: eth0 link up')).toContain('no netfilter fields');
  });
});

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
