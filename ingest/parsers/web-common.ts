// Pieces the web-server access/error parsers share: client address lists, private-range tests.
import { isIpAddress } from '../normalise/ecs-build.ts';

/** RFC 1918/4193 private, loopback and link-local ranges: the addresses a proxy chain hides behind. */
export function isPrivateIp(ip: string): boolean {
  if (ip.includes(':')) {
    const l = ip.toLowerCase();
    return l === '::1' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80:');
  }
  const p = ip.split('.').map(Number);
  return (
    p[0] === 10 || p[0] === 127 || (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168) ||
    (p[0] === 169 && p[1] === 254)
  );
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
