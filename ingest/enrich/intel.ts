// Threat-intelligence indicators (IP/CIDR, domain, URL, file hash) from plain lists (one per
// line, type inferred) and STIX 2.1 bundles; matches become ECS `threat.enrichments` entries
// (indicator.*, matched.atomic/field/type = indicator_match_rule).
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import type { Enricher } from '../pipeline/pipeline.ts';

export type IndicatorType = 'ipv4-addr' | 'ipv6-addr' | 'domain-name' | 'url' | 'file';
export type HashType = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface Indicator {
  type: IndicatorType;
  /** The atomic value: an IP or CIDR, a domain, a URL, a hash (lower-case hex). */
  value: string;
  hashType?: HashType;
  /** Feed or file the indicator came from. */
  provider: string;
  id?: string;
  name?: string;
  description?: string;
  /** ECS threat.indicator.confidence: Low/Medium/High/None/Not Specified. */
  confidence?: string;
  reference?: string;
  firstSeen?: string;
  lastSeen?: string;
}

export interface IntelLoadError {
  source: string;
  line?: number;
  path?: string;
  message: string;
}

export interface IntelLoadResult {
  indicators: Indicator[];
  /** Entries skipped (unrecognised value, unsupported STIX pattern…); the rest still load. */
  errors: IntelLoadError[];
}

const HASH_BY_LENGTH: Record<number, HashType> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

/** Infers an indicator's type from its text; undefined when it is none of IP, CIDR, URL, hash, domain. */
export function inferIndicator(value: string): { type: IndicatorType; value: string; hashType?: HashType } | undefined {
  const v = value.trim();
  const cidr = /^(.+)\/(\d{1,3})$/.exec(v);
  const ipPart = cidr ? cidr[1] : v;
  const family = isIP(ipPart);
  if (family !== 0 && (!cidr || Number(cidr[2]) <= (family === 4 ? 32 : 128))) {
    return { type: family === 4 ? 'ipv4-addr' : 'ipv6-addr', value: cidr ? `${ipPart}/${cidr[2]}` : v };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v)) return { type: 'url', value: v };
  if (/^[a-f0-9]+$/i.test(v) && HASH_BY_LENGTH[v.length]) return { type: 'file', value: v.toLowerCase(), hashType: HASH_BY_LENGTH[v.length] };
  const domain = v.replace(/\.$/, '');
  if (DOMAIN.test(domain)) return { type: 'domain-name', value: domain.toLowerCase() };
  return undefined;
}

/** One indicator per line; '#' starts a comment; text after the first space, tab or comma is ignored. */
export function parsePlainIndicators(content: string, source: string): IntelLoadResult {
  const provider = basename(source);
  const out: IntelLoadResult = { indicators: [], errors: [] };
  content.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const token = line.split(/[\s,;]+/)[0];
    const ind = inferIndicator(token);
    if (!ind) {
      out.errors.push({ source, line: i + 1, message: `"${token}" is not an IP, CIDR, URL, domain or MD5/SHA-1/SHA-256/SHA-512 hash` });
      return;
    }
    out.indicators.push({ ...ind, provider });
  });
  return out;
}

const STIX_HASHES: Record<string, HashType> = {
  md5: 'md5',
  'sha-1': 'sha1',
  sha1: 'sha1',
  'sha-256': 'sha256',
  sha256: 'sha256',
  'sha-512': 'sha512',
  sha512: 'sha512',
};

/** STIX pattern operators that make a match depend on more than one atomic value. */
const NON_ATOMIC = /\b(AND|FOLLOWEDBY|WITHIN|REPEATS|START|STOP|NOT|LIKE|MATCHES|IN|ISSUBSET|ISSUPERSET)\b|!=|<|>/;

/**
 * The atomic comparisons of a STIX pattern made only of `=` comparisons joined by OR
 * (`[ipv4-addr:value = '1.2.3.4' OR domain-name:value = 'x.example']`). Anything else is refused
 * with the reason, since matching one side of an AND alone would raise false alerts.
 */
export function stixPatternAtoms(pattern: string): { atoms: Array<Omit<Indicator, 'provider'>> } | { error: string } {
  const withoutStrings = pattern.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const op = NON_ATOMIC.exec(withoutStrings);
  if (op) return { error: `operator "${op[0]}" cannot be matched on one field (only '=' joined by OR is supported)` };
  const atoms: Array<Omit<Indicator, 'provider'>> = [];
  const comparison = /([a-z0-9-]+):([a-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'/gi;
  let m: RegExpExecArray | null;
  let found = 0;
  while ((m = comparison.exec(pattern)) !== null) {
    found++;
    const objectType = m[1].toLowerCase();
    const path = m[2];
    const value = m[3].replace(/\\(.)/g, '$1');
    if ((objectType === 'ipv4-addr' || objectType === 'ipv6-addr') && path === 'value') {
      const ind = inferIndicator(value);
      if (ind && (ind.type === 'ipv4-addr' || ind.type === 'ipv6-addr')) atoms.push(ind);
      else return { error: `"${value}" is not an IP address or CIDR` };
    } else if (objectType === 'domain-name' && path === 'value') {
      atoms.push({ type: 'domain-name', value: value.toLowerCase().replace(/\.$/, '') });
    } else if (objectType === 'url' && path === 'value') {
      atoms.push({ type: 'url', value });
    } else if (objectType === 'file' && path.toLowerCase().startsWith('hashes.')) {
      const algo = path.slice('hashes.'.length).replace(/'/g, '').toLowerCase();
      const hashType = STIX_HASHES[algo];
      if (!hashType) return { error: `file hash "${algo}" is not supported (MD5, SHA-1, SHA-256, SHA-512)` };
      atoms.push({ type: 'file', value: value.toLowerCase(), hashType });
    } else {
      return { error: `"${objectType}:${path}" is not a supported indicator (ipv4-addr, ipv6-addr, domain-name, url, file:hashes)` };
    }
  }
  if (found === 0) return { error: 'no comparison found in the pattern' };
  return { atoms };
}

/** STIX confidence 0-100 → ECS confidence words (STIX 2.1 §B "None/Low/Med/High" scale). */
function confidenceWord(c: unknown): string | undefined {
  if (typeof c !== 'number') return undefined;
  if (c === 0) return 'None';
  if (c <= 29) return 'Low';
  if (c <= 69) return 'Medium';
  return 'High';
}

/** Indicators of a STIX 2.1 bundle; revoked and expired (valid_until before `now`) ones are skipped. */
export function parseStixBundle(content: string, source: string, now: Date = new Date()): IntelLoadResult {
  const out: IntelLoadResult = { indicators: [], errors: [] };
  let bundle: unknown;
  try {
    bundle = JSON.parse(content);
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `${source}: not valid JSON: ${(err as Error).message}`, { source });
  }
  if (!isPlainObject(bundle) || bundle.type !== 'bundle' || !Array.isArray(bundle.objects)) {
    throw new VigilError('CONFIG_INVALID', `${source}: expected a STIX 2.1 bundle ({"type": "bundle", "objects": [...]})`, { source });
  }
  const identities = new Map<string, string>();
  for (const o of bundle.objects) {
    if (isPlainObject(o) && o.type === 'identity' && typeof o.id === 'string' && typeof o.name === 'string') identities.set(o.id, o.name);
  }
  bundle.objects.forEach((o, i) => {
    if (!isPlainObject(o) || o.type !== 'indicator') return;
    const path = `objects[${i}]`;
    if (o.revoked === true) return;
    if (typeof o.valid_until === 'string' && Date.parse(o.valid_until) < now.getTime()) return;
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') {
      out.errors.push({ source, path, message: `pattern_type "${String(o.pattern_type)}" is not supported (stix)` });
      return;
    }
    if (typeof o.pattern !== 'string') {
      out.errors.push({ source, path, message: 'indicator without a pattern' });
      return;
    }
    const parsed = stixPatternAtoms(o.pattern);
    if ('error' in parsed) {
      out.errors.push({ source, path: `${path}.pattern`, message: parsed.error });
      return;
    }
    const refs = Array.isArray(o.external_references) ? o.external_references.filter(isPlainObject) : [];
    const reference = refs.map((r) => r.url).find((u): u is string => typeof u === 'string');
    const provider = (typeof o.created_by_ref === 'string' && identities.get(o.created_by_ref)) || basename(source);
    for (const atom of parsed.atoms) {
      out.indicators.push({
        ...atom,
        provider,
        ...(typeof o.id === 'string' ? { id: o.id } : {}),
        ...(typeof o.name === 'string' ? { name: o.name } : {}),
        ...(typeof o.description === 'string' ? { description: o.description } : {}),
        ...(confidenceWord(o.confidence) ? { confidence: confidenceWord(o.confidence) } : {}),
        ...(reference ? { reference } : {}),
        ...(typeof o.valid_from === 'string' ? { firstSeen: o.valid_from } : {}),
        ...(typeof o.modified === 'string' ? { lastSeen: o.modified } : {}),
      });
    }
  });
  return out;
}

/** Reads a list file or a STIX bundle (JSON whose first character is '{'). */
export async function loadIntelFile(path: string, now: Date = new Date()): Promise<IntelLoadResult> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `${path}: cannot read the indicator file: ${(err as Error).message}`, { source: path });
  }
  return content.trimStart().startsWith('{') ? parseStixBundle(content, path, now) : parsePlainIndicators(content, path);
}

// ------------------------------------------------------------------ matching

/** IPv4/IPv6 text → 128-bit integer (IPv4 mapped into ::ffff:0:0/96) for CIDR checks. */
function ipToBigInt(ip: string): bigint | undefined {
  const family = isIP(ip);
  if (family === 4) return 0xffff00000000n | ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  if (family !== 6) return undefined;
  let text = ip.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipToBigInt(v4[1])! & 0xffffffffn;
    text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || '0', 16)), 0n);
}

interface CidrEntry {
  network: bigint;
  mask: bigint;
  indicator: Indicator;
}

const IP_FIELDS = ['source.ip', 'destination.ip', 'client.ip', 'server.ip', 'host.ip'];
const DOMAIN_FIELDS = ['destination.domain', 'source.domain', 'client.domain', 'server.domain', 'url.domain', 'dns.question.name', 'tls.client.server_name'];
const URL_FIELDS = ['url.original', 'url.full'];
const HASH_OWNERS = ['file', 'process', 'process.parent', 'dll'];

/** Indicators indexed for lookup by value (IPs and CIDRs, domains, URLs, hashes). */
export class IntelIndex {
  private readonly exact = new Map<string, Indicator[]>();
  private readonly cidrs: CidrEntry[] = [];
  size = 0;

  constructor(indicators: Iterable<Indicator> = []) {
    for (const i of indicators) this.add(i);
  }

  add(ind: Indicator): void {
    this.size++;
    if ((ind.type === 'ipv4-addr' || ind.type === 'ipv6-addr') && ind.value.includes('/')) {
      const [ip, bits] = ind.value.split('/');
      const prefix = Number(bits) + (ind.type === 'ipv4-addr' ? 96 : 0);
      const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
      this.cidrs.push({ network: ipToBigInt(ip)! & mask, mask, indicator: ind });
      return;
    }
    const key = this.key(ind.type, ind.value, ind.hashType);
    const list = this.exact.get(key);
    if (list) list.push(ind);
    else this.exact.set(key, [ind]);
  }

  private key(type: IndicatorType, value: string, hashType?: HashType): string {
    if (type === 'ipv4-addr' || type === 'ipv6-addr') {
      const n = ipToBigInt(value);
      return n === undefined ? `ip:${value}` : `ip:${n}`;
    }
    if (type === 'file') return `file:${hashType}:${value.toLowerCase()}`;
    if (type === 'domain-name') return `domain:${value.toLowerCase().replace(/\.$/, '')}`;
    return `url:${value}`;
  }

  lookupIp(ip: string): Indicator[] {
    const n = ipToBigInt(ip);
    if (n === undefined) return [];
    const hits = [...(this.exact.get(`ip:${n}`) ?? [])];
    for (const c of this.cidrs) if ((n & c.mask) === c.network) hits.push(c.indicator);
    return hits;
  }

  lookup(type: 'domain-name' | 'url' | 'file', value: string, hashType?: HashType): Indicator[] {
    return this.exact.get(this.key(type, value, hashType)) ?? [];
  }
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** The ECS threat.enrichments[] entry for one match. */
function enrichment(ind: Indicator, atomic: string, field: string): Record<string, unknown> {
  const indicator: Record<string, unknown> = { type: ind.type, provider: ind.provider };
  if (ind.type === 'ipv4-addr' || ind.type === 'ipv6-addr') indicator.ip = atomic;
  else if (ind.type === 'domain-name') indicator.url = { domain: ind.value };
  else if (ind.type === 'url') indicator.url = { original: ind.value, full: ind.value };
  else indicator.file = { hash: { [ind.hashType!]: ind.value } };
  if (ind.name) indicator.name = ind.name;
  if (ind.description) indicator.description = ind.description;
  if (ind.confidence) indicator.confidence = ind.confidence;
  if (ind.reference) indicator.reference = ind.reference;
  if (ind.firstSeen) indicator.first_seen = ind.firstSeen;
  if (ind.lastSeen) indicator.last_seen = ind.lastSeen;
  const matched: Record<string, unknown> = { atomic, field, type: 'indicator_match_rule' };
  if (ind.id) matched.id = ind.id;
  return { indicator, matched };
}

export function intelEnricher(index: IntelIndex): Enricher {
  return (ev: EcsEvent) => {
    const found: Array<Record<string, unknown>> = [];
    const seen = new Set<string>();
    const hit = (inds: Indicator[], atomic: string, field: string): void => {
      for (const ind of inds) {
        const key = `${ind.id ?? ind.value}|${field}|${atomic}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push(enrichment(ind, atomic, field));
      }
    };
    for (const field of IP_FIELDS) for (const ip of strings(getPath(ev, field))) hit(index.lookupIp(ip), ip, field);
    for (const field of DOMAIN_FIELDS) {
      for (const d of strings(getPath(ev, field))) hit(index.lookup('domain-name', d), d, field);
    }
    for (const field of URL_FIELDS) for (const u of strings(getPath(ev, field))) hit(index.lookup('url', u), u, field);
    for (const owner of HASH_OWNERS) {
      for (const algo of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        const field = `${owner}.hash.${algo}`;
        for (const h of strings(getPath(ev, field))) hit(index.lookup('file', h, algo), h, field);
      }
    }
    if (found.length === 0) return;
    const existing = getPath(ev, 'threat.enrichments');
    setPath(ev, 'threat.enrichments', [...(Array.isArray(existing) ? existing : []), ...found]);
  };
}
