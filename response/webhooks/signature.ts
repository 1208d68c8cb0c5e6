// Standard Webhooks signing (https://www.standardwebhooks.com): the sender signs
// "<webhook-id>.<webhook-timestamp>.<body>" with HMAC-SHA256 under each active secret and sends
// `webhook-signature: v1,<base64> v1,<base64>` (several during a secret rotation). verifyWebhook is
// the code a receiver runs: Vigil's own inbound routes and tests use it, and the README shows it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, VigilError } from '../../core/errors.ts';

export const secretPrefix = 'whsec_';

/** The key bytes of a `whsec_<base64>` secret (the part after the prefix, base64-decoded). */
export function secretBytes(secret: string, where = 'secret'): Buffer {
  if (!secret.startsWith(secretPrefix)) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `${where}: must start with '${secretPrefix}' followed by base64`, { source: 'body', path: `/${where}` });
  }
  const b64 = secret.slice(secretPrefix.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `${where}: the part after '${secretPrefix}' is not base64`, { source: 'body', path: `/${where}` });
  }
  const bytes = Buffer.from(b64, 'base64');
  // Standard Webhooks asks for 24 to 64 random bytes; a shorter key is too easy to guess.
  if (bytes.length < 24 || bytes.length > 64) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `${where}: the key is ${bytes.length} bytes; it must be 24 to 64 bytes`, { source: 'body', path: `/${where}` });
  }
  return bytes;
}

/** A fresh random secret in the whsec_ form (32 bytes). */
export function generateSecret(): string {
  return secretPrefix + randomBytes(32).toString('base64');
}

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for one secret. */
export function signature(secret: string, id: string, timestampSec: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secretBytes(secret));
  mac.update(`${id}.${timestampSec}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

// A type alias, not an interface: it must fit the header-bag index signature of verifyWebhook.
export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three Standard Webhooks headers, one signature per secret, space-separated. */
export function signHeaders(secrets: readonly string[], id: string, timestampSec: number, body: string | Buffer): SignedHeaders {
  if (secrets.length === 0) throw new VigilError(ErrorCode.INTERNAL, `webhook ${id}: no active secret to sign with`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => signature(s, id, timestampSec, body)).join(' '),
  };
}

export interface VerifyOptions {
  /** How far webhook-timestamp may be from now, either way. @default 300 (5 minutes) */
  toleranceSec?: number;
  /** Now, in milliseconds. @default Date.now() */
  now?: number;
}

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

type HeaderBag = Record<string, string | string[] | undefined> | Headers;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const v = bag[name] ?? bag[Object.keys(bag).find((k) => k.toLowerCase() === name) ?? ''];
  return Array.isArray(v) ? v.join(' ') : v;
}

/**
 * Checks a received webhook: the three headers are present, the timestamp is within the tolerance
 * (older ones are replays), and at least one `v1,` signature matches one of `secrets` (the receiver
 * keeps old and new secret during a rotation). Compares in constant time. Remembering
 * webhook-ids already seen is the caller's part (the id is the dedup key).
 */
export function verifyWebhook(headers: HeaderBag, body: string | Buffer, secrets: readonly string[], opts: VerifyOptions = {}): VerifyResult {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (!id || !ts || !sigs) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
  if (!/^\d+$/.test(ts)) return { ok: false, reason: `webhook-timestamp '${ts}' is not unix seconds` };
  const timestamp = Number(ts);
  const tolerance = opts.toleranceSec ?? 300;
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(nowSec - timestamp) > tolerance) {
    return { ok: false, reason: `webhook-timestamp ${timestamp} is more than ${tolerance}s from now (${nowSec}): a replay or a wrong clock` };
  }
  const offered = sigs
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  if (offered.length === 0) return { ok: false, reason: 'webhook-signature has no v1 signature' };
  for (const secret of secrets) {
    const expected = Buffer.from(signature(secret, id, timestamp, body).slice(3), 'base64');
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no signature matches' };
}
