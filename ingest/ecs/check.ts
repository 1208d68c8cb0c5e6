// Keeps stored documents inside ECS: every field is either an ECS field with a value of its ECS
// type (coerced when the text is unambiguous, e.g. "443" in source.port), under a known vendor
// namespace, or moved under `vigil.custom.*` so it can never clash with an ECS mapping.
import { isIP } from 'node:net';
import { type EcsEvent, isPlainObject, setPath } from '../../core/ecs.ts';

/** ECS type of a flat field name ('source.port' → 'long'), undefined when it is not an ECS field. */
export type EcsFieldTypeLookup = (name: string) => string | undefined;

/** Where non-ECS fields and values whose type clashes with ECS are moved. */
export const CUSTOM_NAMESPACE = 'vigil.custom';
/** Why something was coerced or moved, one text per field (`vigil.ecs_issues`). */
export const ISSUES_FIELD = 'vigil.ecs_issues';

/**
 * Top-level namespaces Elastic's integrations use for vendor fields (and Vigil's own), left as
 * they are: their fields are not ECS and must not be moved.
 */
export const VENDOR_NAMESPACES: ReadonlySet<string> = new Set([
  'vigil',
  'apache',
  'auditd',
  'aws',
  'azure',
  'cef',
  'checkpoint',
  'cisco',
  'crowdstrike',
  'fortinet',
  'gcp',
  'haproxy',
  'iptables',
  'juniper',
  'kubernetes',
  'leef',
  'microsoft',
  'netflow',
  'nginx',
  'o365',
  'okta',
  'panw',
  'pfsense',
  'powershell',
  'sophos',
  'suricata',
  'sysmon',
  'system',
  'windows',
  'winlog',
  'zeek',
]);

export interface EcsCheckResult {
  /** Flat names whose value was converted to the ECS type (e.g. '443' → 443). */
  coerced: string[];
  /** Flat names moved under vigil.custom (not ECS, or a value that cannot take the ECS type). */
  moved: string[];
}

export type EcsChecker = (doc: EcsEvent) => EcsCheckResult;

const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte', 'unsigned_long']);
const FLOAT_TYPES = new Set(['float', 'double', 'half_float', 'scaled_float']);
const STRING_TYPES = new Set(['keyword', 'constant_keyword', 'wildcard', 'match_only_text', 'text', 'version']);
const NUMERIC_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type Verdict = { ok: true; value: unknown; coerced: boolean } | { ok: false; reason: string };

/** Checks one scalar against an ECS leaf type. */
function checkScalar(type: string, v: unknown): Verdict {
  if (STRING_TYPES.has(type)) {
    if (typeof v === 'string') return { ok: true, value: v, coerced: false };
    if (typeof v === 'number' || typeof v === 'boolean') return { ok: true, value: String(v), coerced: true };
    return { ok: false, reason: `a ${describe(v)} is not a ${type}` };
  }
  if (INTEGER_TYPES.has(type) || FLOAT_TYPES.has(type)) {
    if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: v, coerced: false };
    if (typeof v === 'string' && NUMERIC_TEXT.test(v.trim())) {
      const n = Number(v.trim());
      if (Number.isFinite(n) && (!INTEGER_TYPES.has(type) || Number.isInteger(n)))
        return { ok: true, value: n, coerced: true };
    }
    return { ok: false, reason: `${quote(v)} is not a ${type}` };
  }
  switch (type) {
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v, coerced: false };
      if (v === 'true' || v === 'false') return { ok: true, value: v === 'true', coerced: true };
      return { ok: false, reason: `${quote(v)} is not a boolean` };
    case 'date':
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: v, coerced: false };
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return { ok: true, value: v, coerced: false };
      return { ok: false, reason: `${quote(v)} is not a date` };
    case 'ip':
      if (typeof v === 'string' && isIpText(v)) return { ok: true, value: v, coerced: false };
      return { ok: false, reason: `${quote(v)} is not an IP address` };
    case 'geo_point':
      if (isPlainObject(v) && typeof v.lat === 'number' && typeof v.lon === 'number')
        return { ok: true, value: v, coerced: false };
      if (typeof v === 'string' && /^-?\d+(\.\d+)?,\s*-?\d+(\.\d+)?$/.test(v)) return { ok: true, value: v, coerced: false };
      return { ok: false, reason: `${quote(v)} is not a geo_point` };
    case 'object':
    case 'flattened':
    case 'nested':
      if (isPlainObject(v)) return { ok: true, value: v, coerced: false };
      return { ok: false, reason: `a ${describe(v)} is not an ${type}` };
    default:
      // A type this checker does not know: leave the value as the parser wrote it.
      return { ok: true, value: v, coerced: false };
  }
}

/** An IP address; an IPv6 zone id ('fe80::1%eth0') is not part of it, and only then is there one to cut. */
function isIpText(v: string): boolean {
  return isIP(v.includes('%') ? v.replace(/%[\w.-]+$/, '') : v) !== 0;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function quote(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : describe(v) === 'object' ? 'an object' : String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/**
 * Builds the checker over an ECS field table. It mutates the document in place and reports what
 * it changed; the reasons are also written to `vigil.ecs_issues` so a user sees why a value moved.
 */
export function createEcsChecker(fieldType: EcsFieldTypeLookup): EcsChecker {
  // The same few hundred names come back in every event: each is looked up once and kept in a
  // tree keyed by the object keys themselves, so visiting a document joins no path strings.
  const root: FieldNode = newNode('', undefined, false);
  let nodes = 0;
  const child = (parent: FieldNode, key: string): FieldNode => {
    const known = parent.children?.get(key);
    if (known) return known;
    const path = parent.path ? `${parent.path}.${key}` : key;
    const node = newNode(path, fieldType(path), parent.path === '' && VENDOR_NAMESPACES.has(key.split('.')[0]));
    // Keys are input data: past a bound, new names are looked up each time instead of kept.
    if (nodes < MAX_NODES) {
      parent.children ??= new Map();
      parent.children.set(key, node);
      nodes++;
    }
    return node;
  };

  return (doc) => {
    const run: CheckRun = { child, result: { coerced: [], moved: [] }, moves: [], issues: [] };
    visit(run, doc, root, false);
    for (const m of run.moves) setPath(doc, `${CUSTOM_NAMESPACE}.${m.path}`, m.value);
    if (run.issues.length > 0) setPath(doc, ISSUES_FIELD, run.issues);
    return run.result;
  };
}

/** What one check of one document collects as it goes. */
interface CheckRun {
  child: (parent: FieldNode, key: string) => FieldNode;
  result: EcsCheckResult;
  moves: Array<{ path: string; value: unknown }>;
  issues: string[];
}

/**
 * Checks the fields of `obj` (met under `parent`). `freeForm`: below an ECS 'object' field (labels,
 * threat.enrichments.indicator), where names ECS does not list are allowed but the ones it lists
 * still have their types. A module function rather than a closure per document: less to allocate.
 */
function visit(run: CheckRun, obj: Record<string, unknown>, parent: FieldNode, freeForm: boolean): void {
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const node = run.child(parent, key);
    if (node.vendor) continue;
    if (value === undefined) continue;
    // The common cases first: values that already have their field's type need nothing.
    if (unchanged(node.kind, value)) continue;
    const type = node.type;
    if (type === undefined || ((type === 'object' || type === 'nested') && isPlainObject(value))) {
      if (isPlainObject(value)) {
        visit(run, value, node, freeForm || type === 'object');
        if (isEmpty(value)) delete obj[key];
      } else if (!freeForm) {
        run.moves.push({ path: node.path, value });
        run.result.moved.push(node.path);
        delete obj[key];
      }
      continue;
    }
    if (type === 'flattened' && isPlainObject(value)) continue;
    if (type === 'nested' && Array.isArray(value) && value.every(isPlainObject)) {
      // A list of objects (threat.enrichments): each element is checked against the same names.
      for (const item of value) visit(run, item, node, freeForm);
      continue;
    }
    const verdict = checkValue(type, value);
    if (verdict.ok) {
      if (verdict.coerced) {
        obj[key] = verdict.value;
        run.result.coerced.push(node.path);
      }
      continue;
    }
    run.moves.push({ path: node.path, value });
    run.result.moved.push(node.path);
    run.issues.push(`${node.path}: ${verdict.reason}; moved to ${CUSTOM_NAMESPACE}.${node.path}`);
    delete obj[key];
  }
}

/**
 * The leaf types whose well-typed values the checker recognises before building a verdict: text
 * (strings), number (finite numbers), ip and date (strings that are one); 'other' for the rest.
 */
type LeafKind = 'text' | 'number' | 'ip' | 'date' | 'other';

/** One field name as the checker met it: its flat path, ECS type and the names met below it. */
interface FieldNode {
  path: string;
  type: string | undefined;
  kind: LeafKind;
  /** A top-level vendor namespace, left as it is. */
  vendor: boolean;
  children?: Map<string, FieldNode>;
}

const MAX_NODES = 100_000;

function kindOf(type: string | undefined): LeafKind {
  if (type === undefined) return 'other';
  if (STRING_TYPES.has(type)) return 'text';
  if (INTEGER_TYPES.has(type) || FLOAT_TYPES.has(type)) return 'number';
  if (type === 'ip') return 'ip';
  if (type === 'date') return 'date';
  return 'other';
}

function newNode(path: string, type: string | undefined, vendor: boolean): FieldNode {
  return { path, type, kind: kindOf(type), vendor };
}

/** One value (not a list) that checkScalar would pass unchanged for this kind. */
function scalarUnchanged(kind: LeafKind, v: unknown): boolean {
  switch (kind) {
    case 'text':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'ip':
      return typeof v === 'string' && isIpText(v);
    case 'date':
      return typeof v === 'string' && (isPlainIsoUtc(v) || !Number.isNaN(Date.parse(v)));
    default:
      return false;
  }
}

/** Two ASCII digits of `v` at `at` as a number, or -1. */
function two(v: string, at: number): number {
  const a = v.charCodeAt(at) - 48;
  const b = v.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` with fields in range (the form the parsers write): a text Date.parse
 * accepts, recognised without it. False only means "not this form"; Date.parse decides the rest.
 */
function isPlainIsoUtc(v: string): boolean {
  if (v.length !== 24 || v.charCodeAt(23) !== 90 /* Z */) return false;
  if (v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 /* T */) return false;
  if (v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58 || v.charCodeAt(19) !== 46) return false;
  const c = v.charCodeAt(22) - 48;
  if (two(v, 0) < 0 || two(v, 2) < 0 || two(v, 20) < 0 || c < 0 || c > 9) return false;
  const month = two(v, 5);
  const day = two(v, 8);
  const hour = two(v, 11);
  const minute = two(v, 14);
  const second = two(v, 17);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

/**
 * Whether checkValue would pass the value unchanged: a scalar of the field's type, or a list of
 * them (nulls in a list are skipped and, when nothing is coerced, left in place).
 */
function unchanged(kind: LeafKind, value: unknown): boolean {
  if (kind === 'other') return false;
  if (!Array.isArray(value)) return scalarUnchanged(kind, value);
  for (const item of value) if (item !== null && !scalarUnchanged(kind, item)) return false;
  return true;
}

function isEmpty(obj: Record<string, unknown>): boolean {
  for (const k in obj) if (Object.hasOwn(obj, k)) return false;
  return true;
}

function checkValue(type: string, value: unknown): Verdict {
  if (!Array.isArray(value)) return checkScalar(type, value);
  const out: unknown[] = [];
  let coerced = false;
  for (const item of value) {
    if (item === null) continue;
    const v = checkScalar(type, item);
    if (!v.ok) return { ok: false, reason: `list item ${v.reason}` };
    coerced ||= v.coerced;
    out.push(v.value);
  }
  return { ok: true, value: coerced ? out : value, coerced };
}
