import { describe, expect, it } from 'vitest';
import { parseClfTimestamp, parseSyslogTimestamp, parseZone, toIsoWithZone } from './time.ts';

describe('parseSyslogTimestamp', () => {
  const newYear = new Date('2026-01-01T00:10:00Z');

  it('puts a December stamp read just after New Year into the previous year', () => {
    expect(parseSyslogTimestamp('Dec 31 23:59:58', newYear)).toBe('2025-12-31T23:59:58.000Z');
  });

  it('accepts a stamp up to a day ahead of the receive time (clock skew), not more', () => {
    expect(parseSyslogTimestamp('Jan  1 12:00:00', newYear)).toBe('2026-01-01T12:00:00.000Z');
    expect(parseSyslogTimestamp('Jan  3 12:00:00', newYear)).toBe('2025-01-03T12:00:00.000Z');
  });

  it('reads year-less stamps in the source zone, IANA or offset, across DST', () => {
    const summer = new Date('2026-08-01T00:00:00Z');
    expect(parseSyslogTimestamp('Jul  4 10:00:00', summer, 'Europe/Berlin')).toBe('2026-07-04T10:00:00.000+02:00');
    expect(parseSyslogTimestamp('Jan  4 10:00:00', summer, 'Europe/Berlin')).toBe('2026-01-04T10:00:00.000+01:00');
    expect(parseSyslogTimestamp('Jul  4 10:00:00', summer, '-0330')).toBe('2026-07-04T10:00:00.000-03:30');
    expect(parseSyslogTimestamp('Jul  4 10:00:00', summer, 'GMT-0200')).toBe('2026-07-04T10:00:00.000-02:00');
  });

  it('keeps the zone an ISO stamp carries and uses tz only when it has none', () => {
    const r = new Date('2026-08-01T00:00:00Z');
    expect(parseSyslogTimestamp('2026-05-17T18:02:03.000000+00:00', r, 'Asia/Tokyo')).toBe('2026-05-17T18:02:03.000Z');
    expect(parseSyslogTimestamp('2019-06-14T10:40:20.912134', r, 'Asia/Tokyo')).toBe('2019-06-14T10:40:20.912+09:00');
  });

  it('reads an explicit year and a zone abbreviation', () => {
    const r = new Date('2026-08-01T00:00:00Z');
    expect(parseSyslogTimestamp('Jul 21 2024 21:26:53 EDT', r)).toBe('2024-07-21T21:26:53.000-04:00');
    expect(parseSyslogTimestamp('Jul 21 2024 21:26:53 EDT', r, 'EDT=Europe/Lisbon')).toBe('2024-07-21T21:26:53.000+01:00');
  });

  it('refuses what is not a date', () => {
    expect(parseSyslogTimestamp('Foo 12 10:00:00', new Date())).toBeUndefined();
    expect(parseSyslogTimestamp('Feb 30 10:00:00', new Date('2026-03-10T00:00:00Z'))).toBeUndefined();
    expect(parseSyslogTimestamp('hello', new Date())).toBeUndefined();
  });
});

describe('zones', () => {
  it('reads offsets, UTC names and IANA zones, and rejects unknown names', () => {
    expect(parseZone('+05:30')).toEqual({ kind: 'offset', minutes: 330 });
    expect(parseZone('UTC')).toEqual({ kind: 'offset', minutes: 0 });
    expect(parseZone('America/New_York')).toEqual({ kind: 'iana', name: 'America/New_York' });
    expect(parseZone('Mars/Olympus')).toBeUndefined();
  });

  it('renders wall-clock parts of a DST gap on the far side', () => {
    expect(toIsoWithZone({ year: 2024, month: 3, day: 31, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin')).toBe(
      '2024-03-31T03:30:00.000+02:00',
    );
  });

  it('parses CLF stamps with their own offset', () => {
    expect(parseClfTimestamp('10/Oct/2000:13:55:36 -0700')).toBe('2000-10-10T13:55:36.000-07:00');
    expect(new Date(parseClfTimestamp('10/Oct/2000:13:55:36 -0700') ?? '').toISOString()).toBe('2000-10-10T20:55:36.000Z');
  });
});

describe('zone offsets across transitions, read in time order', () => {
  it('gives each stamp the offset of its own instant around a DST change', () => {
    const recv = new Date('2024-04-01T00:00:00Z');
    const stamps = ['Mar 31 00:30:00', 'Mar 31 01:30:00', 'Mar 31 01:59:59', 'Mar 31 03:00:00', 'Mar 31 03:30:00', 'Mar 31 05:00:00'];
    expect(stamps.map((s) => parseSyslogTimestamp(s, recv, 'Europe/Berlin'))).toEqual([
      '2024-03-31T00:30:00.000+01:00',
      '2024-03-31T01:30:00.000+01:00',
      '2024-03-31T01:59:59.000+01:00',
      '2024-03-31T03:00:00.000+02:00',
      '2024-03-31T03:30:00.000+02:00',
      '2024-03-31T05:00:00.000+02:00',
    ]);
  });

  it('handles a change in the middle of a UTC hour (Lord Howe: +10:30 → +11:00 at 15:30 UTC)', () => {
    const recv = new Date('2024-10-07T00:00:00Z');
    const stamps = ['Oct  6 01:10:00', 'Oct  6 01:50:00', 'Oct  6 02:40:00', 'Oct  6 03:10:00', 'Oct  6 01:55:00'];
    expect(stamps.map((s) => parseSyslogTimestamp(s, recv, 'Australia/Lord_Howe'))).toEqual([
      '2024-10-06T01:10:00.000+10:30',
      '2024-10-06T01:50:00.000+10:30',
      '2024-10-06T02:40:00.000+11:00',
      '2024-10-06T03:10:00.000+11:00',
      '2024-10-06T01:55:00.000+10:30',
    ]);
  });

  it('checks leap days by the calendar of the chosen year', () => {
    expect(parseSyslogTimestamp('Feb 29 10:00:00', new Date('2024-03-10T00:00:00Z'))).toBe('2024-02-29T10:00:00.000Z');
    expect(parseSyslogTimestamp('Feb 29 2100 10:00:00', new Date('2026-03-10T00:00:00Z'))).toBeUndefined();
    expect(parseSyslogTimestamp('Feb 29 2000 10:00:00', new Date('2026-03-10T00:00:00Z'))).toBe('2000-02-29T10:00:00.000Z');
  });
});
