// Standard Webhooks signing and verification, checked against an HMAC computed independently here
// (the spec's construction: base64 HMAC-SHA256 over "id.timestamp.body" keyed by the secret's bytes).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecret, secretBytes, signHeaders, verifyWebhook } from '../../../response/webhooks/signature.ts';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const secret = `whsec_${key.toString('base64')}`;
const body = '{"type":"incident.created","timestamp":"2026-03-01T10:00:00.000Z","data":{}}';
const ts = 1772359200;
const now = ts * 1000;

describe('Standard Webhooks signatures', () => {
  it('signs id.timestamp.body with the decoded secret bytes', () => {
    const h = signHeaders([secret], 'msg_1', ts, body);
    const expected = createHmac('sha256', key).update(`msg_1.${ts}.${body}`).digest('base64');
    expect(h).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${expected}` });
  });

  it('verifies, and refuses a changed body, a changed id, an old timestamp and a missing header', () => {
    const h = signHeaders([secret], 'msg_1', ts, body);
    expect(verifyWebhook(h, body, [secret], { now })).toEqual({ ok: true, id: 'msg_1', timestamp: ts });
    expect(verifyWebhook(h, Buffer.from(body), [secret], { now }).ok).toBe(true);
    expect(verifyWebhook(h, body.replace('created', 'updated'), [secret], { now })).toEqual({ ok: false, reason: 'no signature matches' });
    expect(verifyWebhook({ ...h, 'webhook-id': 'msg_2' }, body, [secret], { now }).ok).toBe(false);
    const late = verifyWebhook(h, body, [secret], { now: now + 301_000 });
    expect(late.ok).toBe(false);
    expect(!late.ok && late.reason).toContain('replay');
    expect(verifyWebhook(h, body, [secret], { now: now + 299_000 }).ok).toBe(true);
    expect(verifyWebhook({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts) }, body, [secret], { now }).ok).toBe(false);
    // Header names are case-insensitive, as HTTP has them; fetch Headers work too.
    const upper = { 'Webhook-Id': h['webhook-id'], 'Webhook-Timestamp': h['webhook-timestamp'], 'Webhook-Signature': h['webhook-signature'] };
    expect(verifyWebhook(upper, body, [secret], { now }).ok).toBe(true);
    expect(verifyWebhook(new Headers(h as unknown as Record<string, string>), body, [secret], { now }).ok).toBe(true);
  });

  it('carries one signature per active secret during a rotation; either secret verifies', () => {
    const next = generateSecret();
    const h = signHeaders([next, secret], 'msg_9', ts, body);
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(h, body, [secret], { now }).ok).toBe(true);
    expect(verifyWebhook(h, body, [next], { now }).ok).toBe(true);
    expect(verifyWebhook(h, body, [generateSecret()], { now }).ok).toBe(false);
  });

  it('refuses secrets that are not whsec_ + base64 of 24 to 64 bytes', () => {
    expect(() => secretBytes('abc')).toThrow("must start with 'whsec_'");
    expect(() => secretBytes('whsec_!!!!')).toThrow('not base64');
    expect(() => secretBytes(`whsec_${Buffer.alloc(16).toString('base64')}`)).toThrow('16 bytes');
    expect(secretBytes(generateSecret())).toHaveLength(32);
  });
});
