import { describe, expect, it } from 'vitest';
import { haproxyParser } from './haproxy.ts';
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
