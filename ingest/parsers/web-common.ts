// Pieces the web-server access/error parsers share: client address lists, private-range tests.
import { type EcsEvent, isPlainObject, setPath } from '../../core/ecs.ts';
import { isIpAddress } from '../normalise/ecs-build.ts';
import type { RawRecord } from './types.ts';

/** RFC 1918 private and loopback IPv4, IPv6 loopback and unique-local: the addresses a proxy chain hides behind. */
export function isPrivateIp(ip: string): boolean {
  if (ip.includes(':')) {
    const l = ip.toLowerCase();
    return l === '::1' || /^f[cd][0-9a-f]{0,2}:/.test(l);
  }
  const p = ip.split('.').map(Number);
  return p[0] === 10 || p[0] === 127 || (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168);
}

/**
 * The client of a proxied request: the first public address in the list, else the first entry
 * (Elastic's nginx pipeline rule).
 */
export function pickClientAddress(list: string[]): string | undefined {
  return list.find((a) => isIpAddress(a) && !isPrivateIp(a)) ?? list[0];
}

/** Splits 'a, b c' / '"a, b"' address lists into entries. */
export function splitAddressList(text: string): string[] {
  return text
    .replace(/"/g, ' ')
    .split(/[\s,]+/)
    .filter((s) => s !== '');
}

/**
 * Access lines forwarded from Splunk's search API arrive as {"result": {"_raw": line, "host", "source"}}
 * (Elastic's "third-party" input). Returns the line inside and sets host.name / file.path.
 */
export function unwrapThirdParty(raw: RawRecord, doc: EcsEvent): string | undefined {
  let envelope: unknown = raw.document;
  if (!envelope && raw.message.startsWith('{')) {
    try {
      envelope = JSON.parse(raw.message);
    } catch {
      return undefined;
    }
  }
  const result = isPlainObject(envelope) ? envelope.result : undefined;
  if (!isPlainObject(result) || typeof result._raw !== 'string') return undefined;
  if (typeof result.host === 'string' && result.host !== '') setPath(doc, 'host.name', result.host);
  if (typeof result.source === 'string' && result.source !== '') setPath(doc, 'file.path', result.source);
  return result._raw;
}
