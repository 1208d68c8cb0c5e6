import { describe, expect, it } from 'vitest';
import { rfc3164Parser } from './rfc3164.ts';
import { parseError, parseOne } from './test-support.ts';

describe('rfc3164', () => {
  it('reads the RFC 3164 example', () => {
    const d = parseOne(rfc3164Parser, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
    expect(d.get('@timestamp')).toBe('2025-10-11T22:14:15.000Z');
    expect(d.get('host.hostname')).toBe('mymachine');
    expect(d.get('process.name')).toBe('su');
    expect(d.get('log.syslog.facility.name')).toBe('auth');
    expect(d.get('log.syslog.severity.code')).toBe(2);
    expect(d.get('message')).toBe("'su root' failed for lonvick on /dev/pts/8");
  });

  it('reads lines without priority or hostname, and rsyslog ISO stamps', () => {
    const noHost = parseOne(rfc3164Parser, 'Jun  1 08:00:01 CRON[4242]: (root) CMD (run-parts /etc/cron.hourly)');
    expect(noHost.get('host.hostname')).toBeUndefined();
    expect(noHost.get('process.name')).toBe('CRON');
    expect(noHost.get('process.pid')).toBe(4242);
    const iso = parseOne(rfc3164Parser, '2026-06-01T08:00:01.123456+02:00 web-1 systemd[1]: Started Session 5 of user bob.');
    expect(iso.get('@timestamp')).toBe('2026-06-01T08:00:01.123+02:00');
    expect(iso.get('host.hostname')).toBe('web-1');
    expect(iso.get('message')).toBe('Started Session 5 of user bob.');
  });

  it('reads a line in the source timezone and with a trailing year-less host-only body', () => {
    const d = parseOne(rfc3164Parser, '<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!', { tz: 'America/New_York' });
    expect(d.get('@timestamp')).toBe('2026-02-05T17:32:18.000-05:00');
    expect(d.get('host.hostname')).toBe('10.0.0.99');
    expect(d.get('process.name')).toBeUndefined();
    expect(d.get('message')).toBe('Use the BFG!');
  });

  it('reads a known zone abbreviation after the stamp but keeps an upper-case host', () => {
    const zoned = parseOne(rfc3164Parser, '<13>Jun 15 08:00:00 CEST fw1 kernel: hello');
    expect(zoned.get('@timestamp')).toBe('2026-06-15T08:00:00.000+02:00');
    expect(zoned.get('host.hostname')).toBe('fw1');
    const host = parseOne(rfc3164Parser, '<13>Jun 15 08:00:00 MAIL postfix[3]: hello');
    expect(host.get('host.hostname')).toBe('MAIL');
  });

  it('accepts a PRI without a timestamp, using the receive time', () => {
    const d = parseOne(rfc3164Parser, '<13>myprog[77]: started');
    expect(d.get('@timestamp')).toBe('2026-06-15T12:00:00.000Z');
    expect(d.get('process.name')).toBe('myprog');
    expect(d.get('message')).toBe('started');
  });

  it('refuses a line without a header', () => {
    expect(parseError(rfc3164Parser, 'just text')).toBe(
      'file x.log:7: rfc3164: no syslog header: expected "[<PRI>]Mmm dd hh:mm:ss [HOST] TAG[PID]: MSG" (got "just text")',
    );
  });
});
