import { describe, expect, it } from 'vitest';
import { iptablesParser } from './iptables.ts';
import { parseError, parseOne } from './test-support.ts';

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
