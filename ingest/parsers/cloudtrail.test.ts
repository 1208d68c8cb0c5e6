// CloudTrail records: identity mapping, outcome from errorCode, IAM categorisation, S3 envelopes.
import { describe, expect, it } from 'vitest';
import { getPath } from '../../core/ecs.ts';
import { parseCloudTrail } from './cloudtrail.ts';

function parse(message: string) {
  const r = parseCloudTrail({ message, receivedAt: new Date('2024-06-20T00:00:00Z'), source: 'test' });
  if (!r.ok) throw r.error;
  return r.events;
}

const createUser = {
  eventVersion: '1.08',
  userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::123456789012:user/admin', accountId: '123456789012', userName: 'admin' },
  eventTime: '2024-06-18T10:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateUser',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: { userName: 'backdoor' },
  responseElements: { user: { userName: 'backdoor', userId: 'AIDANEW' } },
  eventID: 'e-1',
};

describe('CloudTrail parser', () => {
  it('maps identity, action and IAM categorisation', () => {
    const [d] = parse(JSON.stringify(createUser));
    expect(getPath(d, '@timestamp')).toBe('2024-06-18T10:00:00.000Z');
    expect(getPath(d, 'event.action')).toBe('CreateUser');
    expect(getPath(d, 'event.category')).toEqual(['iam']);
    expect(getPath(d, 'event.type')).toEqual(['user', 'creation']);
    expect(getPath(d, 'event.outcome')).toBe('success');
    expect(getPath(d, 'user.name')).toBe('admin');
    expect(getPath(d, 'user.target.name')).toBe('backdoor');
    expect(getPath(d, 'user.target.id')).toBe('AIDANEW');
    expect(getPath(d, 'source.ip')).toBe('198.51.100.7');
    expect(getPath(d, 'cloud.account.id')).toBe('123456789012');
    expect(getPath(d, 'related.user')).toEqual(['admin', 'backdoor']);
  });

  it('marks errors as failures and takes the role name for assumed roles', () => {
    const [d] = parse(JSON.stringify({ ...createUser, errorCode: 'AccessDenied', errorMessage: 'denied', userIdentity: { type: 'AssumedRole', principalId: 'AROA:sess', accountId: '1', sessionContext: { sessionIssuer: { type: 'Role', userName: 'ops-role', arn: 'arn:aws:iam::1:role/ops-role' } } } }));
    expect(getPath(d, 'event.outcome')).toBe('failure');
    expect(getPath(d, 'aws.cloudtrail.error_code')).toBe('AccessDenied');
    expect(getPath(d, 'user.name')).toBe('ops-role');
  });

  it('splits an S3 Records envelope and ignores blank lines', () => {
    expect(parse(JSON.stringify({ Records: [createUser, { ...createUser, eventID: 'e-2' }] })).map((e) => getPath(e, 'event.id'))).toEqual(['e-1', 'e-2']);
    expect(parse('')).toEqual([]);
  });

  it('refuses invalid JSON with the reason', () => {
    const r = parseCloudTrail({ message: '{"eventVersion":', receivedAt: new Date(), source: 'file ct.log:4' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^file ct\.log:4: aws\.cloudtrail: invalid JSON/);
  });
});
