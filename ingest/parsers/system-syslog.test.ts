import { describe, expect, it } from 'vitest';
import { systemSyslogParser } from './system-syslog.ts';
import { parseOne } from './test-support.ts';

describe('system.syslog', () => {
  it('keeps header facts and the message, and never fails', () => {
    const d = parseOne(systemSyslogParser, 'Jun 15 11:59:00 nas kernel: [  12.3456] usb 1-1: new high-speed USB device');
    expect(d.get('process.name')).toBe('kernel');
    expect(d.get('message')).toBe('[  12.3456] usb 1-1: new high-speed USB device');
    const mac = parseOne(systemSyslogParser, 'Jun 15 11:59:00 mbp com.apple.xpc.launchd[1] (com.apple.mdworker.shared.0B): Service exited');
    expect(mac.get('process.name')).toBe('com.apple.xpc.launchd');
    expect(mac.get('process.pid')).toBe(1);
    expect(parseOne(systemSyslogParser, 'no header here').get('message')).toBe('no header here');
  });
});
