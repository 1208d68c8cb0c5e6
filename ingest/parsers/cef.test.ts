// CEF header and extension grammar (escapes, spaces in values) and the ArcSight → ECS mapping.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseCef, parseCefExtension } from './cef.ts';

function one(message: string) {
  const r = parseCef({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events[0];
}

describe('CEF parser', () => {
  it('splits extensions whose values hold spaces and escaped = and \\', () => {
    expect(parseCefExtension('msg=a b c\\=d src=10.0.0.1 path=C:\\\\tmp')).toEqual([
      ['msg', 'a b c=d'],
      ['src', '10.0.0.1'],
      ['path', 'C:\\tmp'],
    ]);
  });

  it('maps header and extensions to ECS behind a syslog header', () => {
    const d = one(
      'Sep 19 08:26:10 relay01 CEF:0|Trend\\|Micro|Deep Security|20.0|4000000|Eicar_test_file|6|src=10.0.0.1 dst=2.1.2.2 spt=1232 dpt=80 suser=alice act=blocked proto=TCP outcome=failure rt=1718704800000 request=http://example.com/x cs1Label=Policy cs1=Default rule',
    );
    expect(getPath(d, 'observer.vendor')).toBe('Trend|Micro');
    expect(getPath(d, 'observer.product')).toBe('Deep Security');
    expect(getPath(d, 'observer.hostname')).toBe('relay01');
    expect(getPath(d, 'event.code')).toBe('4000000');
    expect(getPath(d, 'event.severity')).toBe(6);
    expect(getPath(d, 'message')).toBe('Eicar_test_file');
    expect(getPath(d, '@timestamp')).toBe('2024-06-18T10:00:00.000Z');
    expect(getPath(d, 'source.ip')).toBe('10.0.0.1');
    expect(getPath(d, 'destination.port')).toBe(80);
    expect(getPath(d, 'user.name')).toBe('alice');
    expect(getPath(d, 'event.action')).toBe('blocked');
    expect(getPath(d, 'event.outcome')).toBe('failure');
    expect(getPath(d, 'network.transport')).toBe('tcp');
    expect(getPath(d, 'url.original')).toBe('http://example.com/x');
    expect(getPath(d, 'cef.extensions.deviceCustomString1')).toBe('Default rule');
    expect(getPath(d, 'cef.extensions.cs1Label')).toBe('Policy');
  });

  it('refuses a truncated header', () => {
    expect(parseCef({ message: 'CEF:0|a|b|c', receivedAt: new Date(), source: 'test' }).ok).toBe(false);
  });
});
