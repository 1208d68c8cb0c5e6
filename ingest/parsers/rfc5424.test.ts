import { describe, expect, it } from 'vitest';
import { rfc5424Parser } from './rfc5424.ts';
import { parseError, parseOne } from './test-support.ts';

describe('rfc5424', () => {
  it('reads the RFC 5424 §6.5 example with structured data', () => {
    const line =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...';
    const d = parseOne(rfc5424Parser, line);
    expect(d.get('@timestamp')).toBe('2003-10-11T22:14:15.003Z');
    expect(d.get('host.hostname')).toBe('mymachine.example.com');
    expect(d.get('process.name')).toBe('evntslog');
    expect(d.get('process.pid')).toBeUndefined();
    expect(d.get('log.syslog.msgid')).toBe('ID47');
    expect(d.get('log.syslog.facility.code')).toBe(20);
    expect(d.get('log.syslog.severity.name')).toBe('notice');
    expect(d.get('log.syslog.structured_data')).toEqual({
      'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
    });
    expect(d.get('message')).toBe('An application event log entry...');
  });

  it('unescapes ] " and \\ inside parameter values and handles nil fields and a BOM', () => {
    const line = '<34>1 2003-08-24T05:14:15.000003-07:00 - su 4123 - [a@1 k="x\\]y\\"z\\\\"][b@2 n="1"] \uFEFFhello';
    const d = parseOne(rfc5424Parser, line);
    expect(d.get('@timestamp')).toBe('2003-08-24T05:14:15.000-07:00');
    expect(d.get('host.hostname')).toBeUndefined();
    expect(d.get('process.pid')).toBe(4123);
    expect(d.get('log.syslog.structured_data')).toEqual({ 'a@1': { k: 'x]y"z\\' }, 'b@2': { n: '1' } });
    expect(d.get('message')).toBe('hello');
  });

  it('refuses RFC 3164 lines', () => {
    expect(parseError(rfc5424Parser, '<34>Oct 11 22:14:15 mymachine su: hi')).toContain('not an RFC 5424 line');
  });
});
