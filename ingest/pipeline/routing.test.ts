import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../parsers/types.ts';
import { createDatasetRouter } from './routing.ts';

const nxlog = JSON.stringify({
  EventTime: '2020-05-02 03:10:03',
  Hostname: 'WORKSTATION5',
  EventID: 4624,
  Channel: 'Security',
  SourceName: 'Microsoft-Windows-Security-Auditing',
  TargetUserName: 'pgustavo',
  TargetDomainName: 'THESHIRE',
  LogonType: '3',
  IpAddress: '172.18.39.6',
  IpPort: '60157',
});

describe('dataset=auto routing of JSON lines', () => {
  it('parses the line once and gives the parser the object, with the same result as parsing it again', () => {
    const router = createDatasetRouter();
    const receivedAt = new Date('2020-05-03T00:00:00Z');
    const routed: RawRecord = { message: nxlog, receivedAt, source: 'test' };
    const dataset = router.resolve(routed);
    expect(dataset).toBe('system.security');
    expect(routed.parsedMessage).toEqual(JSON.parse(nxlog));

    const viaDetection = router.parser(dataset ?? '')?.parse(routed);
    const fresh = router.parser(dataset ?? '')?.parse({ message: nxlog, receivedAt, source: 'test' });
    expect(viaDetection?.ok).toBe(true);
    expect(viaDetection).toEqual(fresh);
    if (viaDetection?.ok) expect(viaDetection.events[0]).toMatchObject({ source: { ip: '172.18.39.6' }, user: { name: 'pgustavo' } });
  });

  it('leaves plain text lines without a parsed object', () => {
    const raw: RawRecord = { message: 'Feb  5 17:32:18 host sshd[1]: Invalid user bob from 10.0.0.9 port 22', receivedAt: new Date(), source: 'test' };
    expect(createDatasetRouter().resolve(raw)).toBe('system.auth');
    expect(raw.parsedMessage).toBeUndefined();
  });
});
