import { describe, expect, it } from 'vitest';
import { apacheAccessParser, apacheErrorParser } from './apache.ts';
import { parseError, parseOne } from './test-support.ts';

describe('apache.access', () => {
  it('reads common, combined and vhost_combined', () => {
    const common = parseOne(apacheAccessParser, '192.0.2.3 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326');
    expect(common.get('user.name')).toBe('frank');
    expect(common.get('url.extension')).toBe('gif');
    expect(common.get('http.response.body.bytes')).toBe(2326);
    const vhost = parseOne(
      apacheAccessParser,
      'www.example.com:443 192.0.2.3 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 404 - "-" "Mozilla/5.0"',
    );
    expect(vhost.get('destination.domain')).toBe('www.example.com');
    expect(vhost.get('destination.port')).toBe(443);
    expect(vhost.get('http.response.body.bytes')).toBeUndefined();
    expect(vhost.get('event.outcome')).toBe('failure');
    expect(vhost.get('user_agent.original')).toBe('Mozilla/5.0');
  });

  it('reads a client port, %D and a trailing X-Forwarded-For', () => {
    const d = parseOne(
      apacheAccessParser,
      '192.0.2.3:40222 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 10 5123 "-" "curl/8" X-Forwarded-For="10.0.0.7, 198.51.100.77"',
    );
    expect(d.get('source.ip')).toBe('192.0.2.3');
    expect(d.get('source.port')).toBe(40222);
    expect(d.get('apache.access.response_time')).toBe(5123);
    expect(d.get('network.forwarded_ip')).toBe('10.0.0.7');
    expect(d.get('client.ip')).toBe('198.51.100.77');
    expect(d.get('user_agent.original')).toBe('curl/8');
  });

  it('reads ssl_request_log', () => {
    const d = parseOne(apacheAccessParser, '[10/Oct/2000:13:55:36 +0000] 192.0.2.3 TLSv1.3 TLS_AES_256_GCM_SHA384 "GET /a HTTP/1.1" 10');
    expect(d.get('tls.version')).toBe('1.3');
    expect(d.get('tls.version_protocol')).toBe('tls');
    expect(d.get('tls.cipher')).toBe('TLS_AES_256_GCM_SHA384');
    expect(d.get('source.ip')).toBe('192.0.2.3');
  });
});

describe('apache.error', () => {
  it('reads the 2.4 format with module, pid:tid, APR error, client and AH code', () => {
    const d = parseOne(
      apacheErrorParser,
      '[Wed Oct 11 14:32:52.123456 2000] [proxy_fcgi:error] [pid 1234:tid 140000] (70007)The timeout specified has expired: [client 192.0.2.8:51234] AH01075: Error dispatching request to : (polling), referer: https://example.org/',
    );
    expect(d.get('@timestamp')).toBe('2000-10-11T14:32:52.123Z');
    expect(d.get('apache.error.module')).toBe('proxy_fcgi');
    expect(d.get('log.level')).toBe('error');
    expect(d.get('process.pid')).toBe(1234);
    expect(d.get('process.thread.id')).toBe(140000);
    expect(d.get('error.code')).toBe('70007');
    expect(d.get('source.ip')).toBe('192.0.2.8');
    expect(d.get('source.port')).toBe(51234);
    expect(d.get('error.id')).toBe('AH01075');
    expect(d.get('http.request.referrer')).toBe('https://example.org/');
  });

  it('reads the 2.2 format', () => {
    const d = parseOne(apacheErrorParser, '[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test');
    expect(d.get('log.level')).toBe('error');
    expect(d.get('source.ip')).toBe('127.0.0.1');
    expect(d.get('message')).toBe('client denied by server configuration: /export/home/live/ap/htdocs/test');
    expect(parseError(apacheErrorParser, 'nope')).toContain('apache.error');
  });
});
