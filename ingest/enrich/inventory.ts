// Asset and user context from an inventory file (YAML or CSV): an event's host gets
// vigil.asset.{owner,criticality,tags} (and host.name/host.ip when it had none), its user gets
// user.full_name/email and vigil.user.{department,criticality,tags}.
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import type { Enricher } from '../pipeline/pipeline.ts';
import { readCsv } from './csv.ts';

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export interface Asset {
  host: string;
  ip: string[];
  owner?: string;
  criticality?: Criticality;
  tags: string[];
}

export interface UserContext {
  name: string;
  fullName?: string;
  email?: string;
  department?: string;
  criticality?: Criticality;
  tags: string[];
}

export interface Inventory {
  assets: Asset[];
  users: UserContext[];
}

function invalid(source: string, message: string, where: { line?: number; path?: string } = {}): VigilError {
  return new VigilError('CONFIG_INVALID', `${source}${where.line ? `:${where.line}` : ''}: ${message}`, { source, ...where });
}

function criticality(v: unknown, source: string, where: { line?: number; path?: string }): Criticality | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = String(v).trim().toLowerCase();
  if ((CRITICALITIES as readonly string[]).includes(s)) return s as Criticality;
  throw invalid(source, `criticality "${String(v)}" is not one of ${CRITICALITIES.join(', ')}`, where);
}

/** A list given as a YAML list, or as text separated by ';', '|' or whitespace (CSV cells). */
function list(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  return String(v)
    .split(/[;|\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/**
 * YAML: `{ assets: [{host, ip, owner, criticality, tags}], users: [{name, full_name, email,
 * department, criticality, tags}] }`, or a plain list of assets.
 */
export function parseInventoryYaml(content: string, source: string): Inventory {
  let doc: unknown;
  try {
    doc = yaml.load(content, { filename: source });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    throw new VigilError('CONFIG_INVALID', `${source}: not valid YAML: ${(err as Error).message}`, {
      source,
      ...(mark ? { line: mark.line + 1, column: mark.column + 1 } : {}),
    });
  }
  const root = Array.isArray(doc) ? { assets: doc } : doc;
  if (!isPlainObject(root)) throw invalid(source, 'expected a mapping with "assets" and/or "users" lists');
  const inv: Inventory = { assets: [], users: [] };
  const assets = root.assets ?? [];
  const users = root.users ?? [];
  if (!Array.isArray(assets)) throw invalid(source, '"assets" must be a list', { path: 'assets' });
  if (!Array.isArray(users)) throw invalid(source, '"users" must be a list', { path: 'users' });
  assets.forEach((a, i) => {
    const path = `assets[${i}]`;
    if (!isPlainObject(a) || !text(a.host)) throw invalid(source, `${path}: each asset needs a "host"`, { path });
    inv.assets.push({
      host: text(a.host)!,
      ip: list(a.ip ?? a.ips),
      owner: text(a.owner),
      criticality: criticality(a.criticality, source, { path: `${path}.criticality` }),
      tags: list(a.tags),
    });
  });
  users.forEach((u, i) => {
    const path = `users[${i}]`;
    if (!isPlainObject(u) || !text(u.name)) throw invalid(source, `${path}: each user needs a "name"`, { path });
    inv.users.push({
      name: text(u.name)!,
      fullName: text(u.full_name),
      email: text(u.email),
      department: text(u.department),
      criticality: criticality(u.criticality, source, { path: `${path}.criticality` }),
      tags: list(u.tags),
    });
  });
  return inv;
}

const CSV_COLUMNS = ['host', 'ip', 'user', 'owner', 'criticality', 'tags', 'full_name', 'email', 'department'];

/**
 * CSV with a header row naming any of: host, ip, user, owner, criticality, tags, full_name, email,
 * department. A row with a host is an asset; a row with only a user is a user's context. Lists
 * (ip, tags) are separated by ';', '|' or spaces.
 */
export function parseInventoryCsv(content: string, source: string): Inventory {
  const rows = readCsv(content.replace(/^\uFEFF/, ''));
  if (rows.length === 0) return { assets: [], users: [] };
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !CSV_COLUMNS.includes(h));
  if (unknown.length > 0) {
    throw invalid(source, `unknown column(s) ${unknown.join(', ')} (known: ${CSV_COLUMNS.join(', ')})`, { line: rows[0].line });
  }
  if (!header.includes('host') && !header.includes('user')) {
    throw invalid(source, 'the header needs a "host" or a "user" column', { line: rows[0].line });
  }
  const inv: Inventory = { assets: [], users: [] };
  for (const row of rows.slice(1)) {
    const cell = (name: string): string | undefined => {
      const i = header.indexOf(name);
      return i === -1 ? undefined : text(row.fields[i]);
    };
    const where = { line: row.line };
    if (row.fields.length > header.length) throw invalid(source, `${row.fields.length} fields but the header has ${header.length}`, where);
    const host = cell('host');
    const user = cell('user');
    if (host) {
      inv.assets.push({
        host,
        ip: list(cell('ip')),
        owner: cell('owner'),
        criticality: criticality(cell('criticality'), source, where),
        tags: list(cell('tags')),
      });
    } else if (user) {
      inv.users.push({
        name: user,
        fullName: cell('full_name'),
        email: cell('email'),
        department: cell('department'),
        criticality: criticality(cell('criticality'), source, where),
        tags: list(cell('tags')),
      });
    } else {
      throw invalid(source, 'row has neither a host nor a user', where);
    }
  }
  return inv;
}

/** Reads an inventory file; .csv is CSV, anything else YAML. */
export async function loadInventory(path: string): Promise<Inventory> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    throw new VigilError('CONFIG_INVALID', `${path}: cannot read the inventory file: ${(err as Error).message}`, { source: path });
  }
  return path.toLowerCase().endsWith('.csv') ? parseInventoryCsv(content, path) : parseInventoryYaml(content, path);
}

/** The short, lower-cased form of a host name ('WEB-01.corp.example' → 'web-01'). */
function shortHost(name: string): string {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  return dot === -1 ? lower : lower.slice(0, dot);
}

/** 'CORP\\alice' and 'alice@corp.example' both name 'alice'. */
function bareUser(name: string): string {
  let n = name.toLowerCase();
  const slash = n.lastIndexOf('\\');
  if (slash !== -1) n = n.slice(slash + 1);
  const at = n.indexOf('@');
  if (at > 0) n = n.slice(0, at);
  return n;
}

function asStrings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

export function inventoryEnricher(inv: Inventory): Enricher {
  const byName = new Map<string, Asset>();
  const byShort = new Map<string, Asset>();
  const byIp = new Map<string, Asset>();
  for (const a of inv.assets) {
    byName.set(a.host.toLowerCase(), a);
    if (!byShort.has(shortHost(a.host))) byShort.set(shortHost(a.host), a);
    for (const ip of a.ip) byIp.set(ip, a);
  }
  const users = new Map<string, UserContext>();
  for (const u of inv.users) {
    users.set(u.name.toLowerCase(), u);
    if (!users.has(bareUser(u.name))) users.set(bareUser(u.name), u);
  }

  const findAsset = (ev: EcsEvent): Asset | undefined => {
    for (const field of ['host.hostname', 'host.name']) {
      for (const name of asStrings(getPath(ev, field))) {
        const a = byName.get(name.toLowerCase()) ?? byShort.get(shortHost(name));
        if (a) return a;
      }
    }
    for (const ip of asStrings(getPath(ev, 'host.ip'))) {
      const a = byIp.get(ip);
      if (a) return a;
    }
    return undefined;
  };

  return (ev) => {
    const asset = findAsset(ev);
    if (asset) {
      if (getPath(ev, 'host.name') === undefined) setPath(ev, 'host.name', asset.host);
      if (getPath(ev, 'host.ip') === undefined && asset.ip.length > 0) setPath(ev, 'host.ip', [...asset.ip]);
      const ctx: Record<string, unknown> = { name: asset.host };
      if (asset.owner) ctx.owner = asset.owner;
      if (asset.criticality) ctx.criticality = asset.criticality;
      if (asset.tags.length > 0) ctx.tags = [...asset.tags];
      setPath(ev, 'vigil.asset', ctx);
    }
    const name = getPath(ev, 'user.name');
    if (typeof name === 'string') {
      const u = users.get(name.toLowerCase()) ?? users.get(bareUser(name));
      if (u) {
        if (u.fullName && getPath(ev, 'user.full_name') === undefined) setPath(ev, 'user.full_name', u.fullName);
        if (u.email && getPath(ev, 'user.email') === undefined) setPath(ev, 'user.email', u.email);
        const ctx: Record<string, unknown> = {};
        if (u.department) ctx.department = u.department;
        if (u.criticality) ctx.criticality = u.criticality;
        if (u.tags.length > 0) ctx.tags = [...u.tags];
        if (Object.keys(ctx).length > 0) setPath(ev, 'vigil.user', ctx);
      }
    }
  };
}
