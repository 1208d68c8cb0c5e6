// PAN-OS TRAFFIC / SYSTEM / CONFIG / GLOBALPROTECT rows by column position.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parsePanos, splitCsvRow } from './panos.ts';

function one(message: string, tz?: string) {
  const r = parsePanos({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test', tz });
  if (!r.ok) throw r.error;
  return r.events[0];
}

const TRAFFIC =
  'Oct 30 09:46:12 PA-5220 1,2023/10/30 09:46:12,013201001234,TRAFFIC,end,2561,2023/10/30 09:46:12,10.1.1.5,198.51.100.80,203.0.113.2,198.51.100.80,allow-web,corp\\jdoe,,ssl,vsys1,trust,untrust,ethernet1/1,ethernet1/2,fwd,2023/10/30 09:46:12,123456,1,51234,443,40001,443,0x400053,tcp,allow,5000,1200,3800,20,2023/10/30 09:45:50,20,computer-and-internet-info,,7300000001,0x0,10.0.0.0-10.255.255.255,United States,,10,10,tcp-fin,0,0,0,0,,PA-5220,from-policy,,,0,,0,,N/A,0,0,0,0';

describe('PAN-OS parser', () => {
  it('splits quoted CSV columns', () => {
    expect(splitCsvRow('a,"b,c",,"d ""e"""')).toEqual(['a', 'b,c', '', 'd "e"']);
  });

  it('maps a TRAFFIC end row', () => {
    const d = one(TRAFFIC, '+01:00');
    expect(getPath(d, '@timestamp')).toBe('2023-10-30T09:46:12.000+01:00');
    expect(getPath(d, 'event.action')).toBe('flow_terminated');
    expect(getPath(d, 'event.type')).toEqual(['allowed', 'end', 'connection']);
    expect(getPath(d, 'event.outcome')).toBe('success');
    expect(getPath(d, 'source.ip')).toBe('10.1.1.5');
    expect(getPath(d, 'source.nat.ip')).toBe('203.0.113.2');
    expect(getPath(d, 'destination.port')).toBe(443);
    expect(getPath(d, 'source.user.name')).toBe('jdoe');
    expect(getPath(d, 'source.user.domain')).toBe('corp');
    expect(getPath(d, 'rule.name')).toBe('allow-web');
    expect(getPath(d, 'network.transport')).toBe('tcp');
    expect(getPath(d, 'network.bytes')).toBe(5000);
    expect(getPath(d, 'event.duration')).toBe(20_000_000_000);
    expect(getPath(d, 'observer.hostname')).toBe('PA-5220');
    expect(getPath(d, 'observer.ingress.zone')).toBe('trust');
    expect(getPath(d, 'panw.panos.endreason')).toBe('tcp-fin');
  });

  it('maps SYSTEM and CONFIG rows', () => {
    const sys = one('1,2023/10/30 09:46:12,013201001234,SYSTEM,auth,2561,2023/10/30 09:46:12,,auth-fail,admin,0,0,general,medium,"failed authentication for user \'admin\'. Reason: Invalid username/password.",123,0x0,0,0,0,0,,PA-5220');
    expect(getPath(sys, 'event.category')).toEqual(['configuration']);
    expect(getPath(sys, 'event.code')).toBe('auth-fail');
    expect(getPath(sys, 'log.level')).toBe('medium');
    const cfg = one('1,2023/10/30 09:46:12,013201001234,CONFIG,0,2561,2023/10/30 09:46:12,10.0.0.9,vsys1,edit,admin,Web,Succeeded, rulebase security rules allow-web,,,124,0x0,0,0,0,0,,PA-5220');
    expect(getPath(cfg, 'event.action')).toBe('cmd-edit');
    expect(getPath(cfg, 'event.outcome')).toBe('success');
    expect(getPath(cfg, 'host.ip')).toBe('10.0.0.9');
  });

  it('refuses lines that are not PAN-OS CSV', () => {
    expect(parsePanos({ message: 'a,b,c', receivedAt: new Date(), source: 'test' }).ok).toBe(false);
  });
});
