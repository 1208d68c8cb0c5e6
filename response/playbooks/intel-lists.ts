// Threat-intel lists for the enrich step: plain text files, one indicator per line (`#` starts a
// comment), in a folder such as rules/playbooks/intel/. The file name (without extension) is the
// list name; values compare case-insensitively, and IPv4 lines may be CIDR ranges.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { IntelHit, IntelLookup } from './model.ts';

interface Cidr {
  base: number;
  mask: number;
  text: string;
}

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export interface IntelList {
  name: string;
  values: Set<string>;
  cidrs: Cidr[];
}

export function parseIntelList(name: string, text: string): IntelList {
  const list: IntelList = { name, values: new Set(), cidrs: [] };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim().toLowerCase();
    if (!line) continue;
    const cidr = /^([0-9.]+)\/(\d{1,2})$/.exec(line);
    const base = cidr ? ipv4ToInt(cidr[1]) : undefined;
    if (cidr && base !== undefined && Number(cidr[2]) <= 32) {
      const bits = Number(cidr[2]);
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      list.cidrs.push({ base: (base & mask) >>> 0, mask, text: line });
    } else list.values.add(line);
  }
  return list;
}

export function createIntelLookup(lists: readonly IntelList[]): IntelLookup {
  return {
    async lookup(type, value) {
      const v = value.trim().toLowerCase();
      const hits: IntelHit[] = [];
      const ip = type === 'ip' ? ipv4ToInt(v) : undefined;
      for (const l of lists) {
        if (l.values.has(v)) hits.push({ list: l.name, indicator: v });
        else if (ip !== undefined) {
          const c = l.cidrs.find((x) => ((ip & x.mask) >>> 0) === x.base);
          if (c) hits.push({ list: l.name, indicator: c.text });
        }
      }
      return hits;
    },
  };
}

/** Reads every *.txt / *.list file of a folder as one list. */
export function loadIntelLists(dir: string): IntelList[] {
  return readdirSync(dir)
    .filter((f) => ['.txt', '.list'].includes(extname(f)))
    .sort()
    .map((f) => parseIntelList(basename(f, extname(f)), readFileSync(join(dir, f), 'utf8')));
}
