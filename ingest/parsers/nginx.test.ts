import { describe, expect, it } from 'vitest';
import { nginxAccessParser, nginxErrorParser } from './nginx.ts';
import { parseError, parseOne } from './test-support.ts';

describe('nginx.access', () => {
  it('reads the combined format', () => {
    const d = parseOne(
      nginxAccessParser,
      '203.0.113.10 - jane [10/Oct/2025:13:55:36 +0200] "POST /login?next=%2Fhome HTTP/2.0" 302 0 "https://example.org/" "curl/8.5.0"',
    );
    expect(d.get('@timestamp')).toBe('2025-10-10T13:55:36.000+02:00');
    expect(d.get('source.ip')).toBe('203.0.113.10');
    expect(d.get('user.name')).toBe('jane');
    expect(d.get('http.request.method')).toBe('POST');
    expect(d.get('url.path')).toBe('/login');
    expect(d.get('url.query')).toBe('next=/home');
    expect(d.get('http.version')).toBe('2.0');
    expect(d.get('http.response.status_code')).toBe(302);
    expect(d.get('http.request.referrer')).toBe('https://example.org/');
    expect(d.get('user_agent.original')).toBe('curl/8.5.0');
    expect(d.get('event.outcome')).toBe('success');
    expect(d.get('event.category')).toEqual(['web']);
  });

  it('picks the first public address of a proxy chain and reads trailing XFF and timings', () => {
    const d = parseOne(
      nginxAccessParser,
      'shop.example.org:443 10.1.1.1, 198.51.100.23 - - [10/Oct/2025:13:55:36 +0000] "GET / HTTP/1.1" 503 12 "-" "-" "192.0.2.50, 10.1.1.1" rt=0.250 uct="0.001" urt="0.249"',
    );
    expect(d.get('destination.domain')).toBe('shop.example.org');
    expect(d.get('destination.port')).toBe(443);
    expect(d.get('source.ip')).toBe('198.51.100.23');
    expect(d.get('nginx.access.remote_ip_list')).toEqual(['10.1.1.1', '198.51.100.23']);
    expect(d.get('network.forwarded_ip')).toBe('192.0.2.50');
    expect(d.get('event.duration')).toBe(250_000_000);
    expect(d.get('nginx.access.upstream.response_time')).toBe(0.249);
    expect(d.get('event.outcome')).toBe('failure');
  });

  it('reads $request_time logged between the size and the referrer', () => {
    const d = parseOne(nginxAccessParser, '192.0.2.1 - - [10/Oct/2025:13:55:36 +0000] "GET /slow HTTP/1.1" 200 5 0.532 "-" "Go-http-client/1.1"');
    expect(d.get('nginx.access.response_time')).toBe(532);
    expect(d.get('event.duration')).toBe(532_000_000);
    expect(d.get('user_agent.original')).toBe('Go-http-client/1.1');
  });

  it('unwraps lines forwarded from Splunk as {"result": {"_raw": ...}}', () => {
    const line = '192.0.2.1 - - [10/Oct/2025:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "-"';
    const d = parseOne(nginxAccessParser, JSON.stringify({ result: { _raw: line, host: 'web7', source: '/var/log/nginx/access.log' } }));
    expect(d.get('url.original')).toBe('/a');
    expect(d.get('host.name')).toBe('web7');
    expect(d.get('file.path')).toBe('/var/log/nginx/access.log');
  });

  it('reads lines sent through syslog and refuses non-access lines', () => {
    const d = parseOne(nginxAccessParser, 'Oct 10 13:55:36 web nginx: 192.0.2.1 - - [10/Oct/2025:13:55:36 +0000] "GET /x HTTP/1.1" 200 5 "-" "-"');
    expect(d.get('host.hostname')).toBe('web');
    expect(d.get('url.original')).toBe('/x');
    expect(parseError(nginxAccessParser, 'hello')).toContain('nginx.access: not an nginx access line');
  });
});

describe('nginx.error', () => {
  it('reads level, pid/tid, connection and the request details', () => {
    const d = parseOne(
      nginxErrorParser,
      '2025/10/10 13:55:36 [error] 1234#5: *77 open() "/srv/www/favicon.ico" failed (2: No such file or directory), client: 192.0.2.9, server: example.org, request: "GET /favicon.ico HTTP/1.1", host: "example.org:8080"',
      { tz: '+01:00' },
    );
    expect(d.get('@timestamp')).toBe('2025-10-10T13:55:36.000+01:00');
    expect(d.get('log.level')).toBe('error');
    expect(d.get('process.pid')).toBe(1234);
    expect(d.get('process.thread.id')).toBe(5);
    expect(d.get('nginx.error.connection_id')).toBe(77);
    expect(d.get('source.ip')).toBe('192.0.2.9');
    expect(d.get('url.original')).toBe('/favicon.ico');
    expect(d.get('url.domain')).toBe('example.org');
    expect(d.get('event.type')).toEqual(['error']);
  });
});
