// IPv4/IPv6 address and network parsing for the `cidr` modifier; addresses become bigints so
// both families share one membership test. IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4.

export interface IpNetwork {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly mask: bigint;
  readonly prefix: number;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255 || (p.length > 1 && p[0] === '0')) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseIpv6(s: string): bigint | undefined {
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4(item);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) out.push(Number.parseInt(item, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...new Array<number>(missing).fill(0), ...tail]) n = (n << 16n) | BigInt(g);
  return n;
}

const MAPPED_V4_PREFIX = 0xffffn << 32n;

/** Parses an address; IPv4-mapped IPv6 is reported as IPv4. */
export function parseIp(s: string): { family: 4 | 6; value: bigint } | undefined {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseIpv6(t);
    if (v === undefined) return undefined;
    if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
    return { family: 6, value: v };
  }
  const v = parseIpv4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

/**
 * Parses `addr/prefix` strictly (host bits must be zero, as pySigma requires). A bare address is
 * a single-host network. Returns a reason string on failure.
 */
export function parseNetwork(text: string): IpNetwork | string {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return `'${addrText}' is not an IPv4 or IPv6 address`;
  const v6Text = addrText.includes(':');
  const family: 4 | 6 = v6Text ? 6 : 4;
  const bits = v6Text ? 128 : 32;
  const value = v6Text && ip.family === 4 ? ip.value | MAPPED_V4_PREFIX : ip.value;
  let prefix = bits;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return `'${p}' is not a prefix length for IPv${family} (0–${bits})`;
    prefix = Number(p);
  }
  const all = (1n << BigInt(bits)) - 1n;
  const mask = all ^ ((1n << BigInt(bits - prefix)) - 1n);
  if ((value & mask) !== value) return `'${text}' has host bits set (write the network address, e.g. the first address of the range)`;
  return { family, base: value, mask, prefix };
}

export function networkContains(net: IpNetwork, address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (net.family === 6 && ip.family === 4) {
    // An IPv4 event address can still sit inside an IPv6 ::ffff:0:0/96-style network.
    return ((ip.value | MAPPED_V4_PREFIX) & net.mask) === net.base;
  }
  return ip.family === net.family && (ip.value & net.mask) === net.base;
}
