// The modifier pipeline: runs a detection item's modifiers left to right over each rule value
// (pySigma order and constraints), producing typed value forms the compiler turns into tests.
import { ErrorCode } from '../../core/errors.ts';
import type { Modifier, SigmaValue } from '../sigma/model.ts';
import { base64, base64Offsets, type Encoding, utf16, windashVariants } from './encodings.ts';
import { type IpNetwork, parseNetwork } from './ip.ts';
import { hasWildcards, normaliseParts, ONE, type Part, parseSigmaString, STAR } from './sigma-string.ts';

export type CompareOp = 'lt' | 'lte' | 'gt' | 'gte';
export type FieldrefMode = 'eq' | 'startswith' | 'endswith' | 'contains';

/** A rule value after its modifiers, ready to become a test. */
export type ValueForm =
  | { kind: 'string'; parts: Part[]; cased: boolean; encoding: Encoding }
  | { kind: 'regex'; pattern: string; flags: Set<string> }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'cidr'; network: IpNetwork }
  | { kind: 'fieldref'; field: string; mode: FieldrefMode; cased: boolean }
  | { kind: 'compare'; op: CompareOp; value: number }
  | { kind: 'exists'; value: boolean }
  /** Alternatives from windash/base64offset/expand: OR-linked even under `all`. */
  | { kind: 'expansion'; items: ValueForm[] };

/** Thrown by the pipeline; the compiler adds the rule and YAML path. */
export class ValueError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const TIME_PARTS = new Set<Modifier>(['minute', 'hour', 'day', 'week', 'month', 'year']);

export interface ItemShape {
  /** `all`: every value must match. */
  readonly all: boolean;
  /** `neq`: the whole item is negated. */
  readonly negate: boolean;
  /** `minute`…`year`: compare this part of a timestamp field. */
  readonly timePart?: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
  /** The value modifiers, in order, without the list-level ones. */
  readonly valueModifiers: readonly Modifier[];
}

export function itemShape(modifiers: readonly Modifier[], hasField: boolean): ItemShape {
  let timePart: ItemShape['timePart'];
  const valueModifiers: Modifier[] = [];
  for (const m of modifiers) {
    if (m === 'all' || m === 'neq') continue;
    if (TIME_PARTS.has(m)) {
      if (timePart) throw new ValueError(ErrorCode.SIGMA_INVALID, `only one of minute, hour, day, week, month, year may be used (found ${timePart} and ${m})`);
      if (valueModifiers.length > 0) throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' must come before value modifiers`);
      timePart = m as ItemShape['timePart'];
      continue;
    }
    valueModifiers.push(m);
  }
  if (!hasField) {
    for (const m of ['exists', 'fieldref', 'neq', ...TIME_PARTS] as const) {
      if (modifiers.includes(m)) throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' needs a field name (keyword detections have none)`);
    }
  }
  if (modifiers.includes('exists') && modifiers.length > 1) {
    throw new ValueError(ErrorCode.SIGMA_INVALID, `'exists' must be the only modifier (found ${modifiers.join('|')})`);
  }
  const shape: { -readonly [K in keyof ItemShape]: ItemShape[K] } = {
    all: modifiers.includes('all'),
    negate: modifiers.includes('neq'),
    valueModifiers,
  };
  if (timePart) shape.timePart = timePart;
  return shape;
}

function typeName(v: ValueForm): string {
  return v.kind === 'string' ? 'a string' : v.kind === 'number' ? 'a number' : v.kind === 'bool' ? 'a boolean' : `a ${v.kind} value`;
}

function needString(v: ValueForm, m: Modifier): Extract<ValueForm, { kind: 'string' }> {
  if (v.kind !== 'string') {
    const hint = v.kind === 'number' ? ' (quote the number to make it a string)' : '';
    throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' applies to strings, not ${typeName(v)}${hint}`);
  }
  return v;
}

function mapLiterals(parts: readonly Part[], f: (s: string) => string): Part[] {
  return parts.map((p) => (typeof p === 'string' ? f(p) : p));
}

function noWildcards(v: Extract<ValueForm, { kind: 'string' }>, m: Modifier): string {
  if (hasWildcards(v.parts)) {
    throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' cannot encode wildcards: escape '*' and '?' as '\\*' and '\\?' or drop them`);
  }
  return v.parts.join('');
}

function str(parts: Part[], from: Extract<ValueForm, { kind: 'string' }>, encoding = from.encoding): ValueForm {
  return { kind: 'string', parts: normaliseParts(parts), cased: from.cased, encoding };
}

const PLACEHOLDER = /(?<!\\)%([^%]+)%/g;

/** Replaces `%name%` placeholders in literal parts by each configured value (all combinations). */
function expandPlaceholders(v: Extract<ValueForm, { kind: 'string' }>, placeholders: Readonly<Record<string, readonly string[]>>): ValueForm[] {
  let variants: Part[][] = [[]];
  for (const part of v.parts) {
    if (typeof part !== 'string') {
      for (const variant of variants) variant.push(part);
      continue;
    }
    let last = 0;
    for (const m of part.matchAll(PLACEHOLDER)) {
      const before = part.slice(last, m.index).replace(/\\%/g, '%');
      const name = m[1];
      const values = placeholders[name] ?? placeholders[`%${name}%`];
      if (values === undefined) {
        const known = Object.keys(placeholders);
        throw new ValueError(
          ErrorCode.SIGMA_UNSUPPORTED,
          `placeholder %${name}% has no configured values (configured: ${known.length ? known.join(', ') : 'none'})`,
        );
      }
      if (values.length === 0) throw new ValueError(ErrorCode.SIGMA_UNSUPPORTED, `placeholder %${name}% is configured with an empty list`);
      const next: Part[][] = [];
      for (const variant of variants) for (const value of values) next.push([...variant, before, ...parseSigmaString(value)]);
      variants = next;
      last = (m.index ?? 0) + m[0].length;
    }
    const rest = part.slice(last).replace(/\\%/g, '%');
    for (const variant of variants) variant.push(rest);
  }
  return variants.map((parts) => str(parts, v));
}

function expandRegexPlaceholders(pattern: string, placeholders: Readonly<Record<string, readonly string[]>>): string {
  return pattern.replace(PLACEHOLDER, (_all, name: string) => {
    const values = placeholders[name] ?? placeholders[`%${name}%`];
    if (values === undefined || values.length === 0) {
      throw new ValueError(ErrorCode.SIGMA_UNSUPPORTED, `placeholder %${name}% has no configured values`);
    }
    const alternatives = values.map((s) =>
      parseSigmaString(s)
        .map((p) => (p === STAR ? '.*' : p === ONE ? '.' : p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
        .join(''),
    );
    return `(?:${alternatives.join('|')})`;
  });
}

function applyModifier(v: ValueForm, m: Modifier, index: number, placeholders: Readonly<Record<string, readonly string[]>>): ValueForm {
  if (v.kind === 'expansion') return { kind: 'expansion', items: v.items.map((x) => applyModifier(x, m, index, placeholders)) };
  switch (m) {
    case 'contains':
    case 'startswith':
    case 'endswith': {
      if (v.kind === 'regex') return v;
      if (v.kind === 'fieldref') {
        if (v.mode !== 'eq') throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' after '${v.mode}' on a field reference`);
        return { ...v, mode: m };
      }
      const s = needString(v, m);
      const parts = [...s.parts];
      if (m !== 'startswith' && parts[0] !== STAR) parts.unshift(STAR);
      if (m !== 'endswith' && parts[parts.length - 1] !== STAR) parts.push(STAR);
      return str(parts, s);
    }
    case 'cased': {
      if (v.kind === 'fieldref') return { ...v, cased: true };
      return { ...needString(v, m), cased: true };
    }
    case 're': {
      if (index !== 0) throw new ValueError(ErrorCode.SIGMA_INVALID, "'re' must be the first modifier");
      const s = needString(v, m);
      // The pipeline parsed Sigma escapes already; a regex takes the rule text verbatim.
      return { kind: 'regex', pattern: s.parts.join(''), flags: new Set() };
    }
    case 'i':
    case 'm':
    case 's': {
      if (v.kind !== 'regex') throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' is a regular-expression flag and needs 're' before it`);
      return { ...v, flags: new Set([...v.flags, m]) };
    }
    case 'base64': {
      const s = needString(v, m);
      return str([base64(noWildcards(s, m), s.encoding)], s, 'text');
    }
    case 'base64offset': {
      const s = needString(v, m);
      return { kind: 'expansion', items: base64Offsets(noWildcards(s, m), s.encoding).map((b) => str([b], s, 'text')) };
    }
    case 'wide':
    case 'utf16le':
    case 'utf16be':
    case 'utf16': {
      const s = needString(v, m);
      if (s.encoding === 'bytes') throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' applied to a value that is already UTF-16 encoded`);
      const kind = m === 'utf16be' ? 'be' : m === 'utf16' ? 'bom' : 'le';
      const parts = mapLiterals(s.parts, (t) => utf16(t, kind === 'be' ? 'be' : 'le'));
      if (kind === 'bom') parts.unshift('\xff\xfe');
      return str(parts, s, 'bytes');
    }
    case 'windash': {
      const s = needString(v, m);
      let variants: Part[][] = [[]];
      for (const p of s.parts) {
        const options: Part[] = typeof p === 'string' ? windashVariants(p) : [p];
        const next: Part[][] = [];
        for (const variant of variants) for (const o of options) next.push([...variant, o]);
        variants = next;
      }
      if (variants.length === 1) return s;
      return { kind: 'expansion', items: variants.map((parts) => str(parts, s)) };
    }
    case 'cidr': {
      if (index !== 0) throw new ValueError(ErrorCode.SIGMA_INVALID, "'cidr' must be the first modifier");
      const s = needString(v, m);
      const net = parseNetwork(noWildcards(s, m));
      if (typeof net === 'string') throw new ValueError(ErrorCode.SIGMA_INVALID, net);
      return { kind: 'cidr', network: net };
    }
    case 'exists': {
      if (v.kind !== 'bool') throw new ValueError(ErrorCode.SIGMA_INVALID, `'exists' takes true or false, not ${typeName(v)}`);
      return { kind: 'exists', value: v.value };
    }
    case 'fieldref': {
      if (index !== 0) throw new ValueError(ErrorCode.SIGMA_INVALID, "'fieldref' must be the first modifier");
      const s = needString(v, m);
      return { kind: 'fieldref', field: noWildcards(s, m), mode: 'eq', cased: false };
    }
    case 'expand': {
      if (v.kind === 'regex') return { ...v, pattern: expandRegexPlaceholders(v.pattern, placeholders) };
      const s = needString(v, m);
      const items = expandPlaceholders(s, placeholders);
      return items.length === 1 ? items[0] : { kind: 'expansion', items };
    }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (v.kind !== 'number') throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' compares numbers; the value must be an unquoted number, not ${typeName(v)}`);
      return { kind: 'compare', op: m, value: v.value };
    }
    default:
      throw new ValueError(ErrorCode.SIGMA_INVALID, `'${m}' cannot be used here`);
  }
}

/**
 * Runs the value modifiers over one rule value. For `re` the raw text is used verbatim; for
 * everything else it is parsed as a Sigma string (wildcards and escapes).
 */
export function processValue(value: SigmaValue, modifiers: readonly Modifier[], placeholders: Readonly<Record<string, readonly string[]>>): ValueForm {
  let v: ValueForm;
  switch (value.kind) {
    case 'string':
      v =
        modifiers[0] === 're'
          ? { kind: 'regex', pattern: value.raw, flags: new Set() }
          : { kind: 'string', parts: parseSigmaString(value.raw), cased: false, encoding: 'text' };
      break;
    case 'number':
      v = { kind: 'number', value: value.value };
      break;
    case 'bool':
      v = { kind: 'bool', value: value.value };
      break;
    case 'null':
      if (modifiers.length > 0 && !modifiers.every((m) => m === 'all')) {
        throw new ValueError(ErrorCode.SIGMA_INVALID, `null cannot take modifiers (found ${modifiers.join('|')})`);
      }
      return { kind: 'null' };
  }
  const start = modifiers[0] === 're' && value.kind === 'string' ? 1 : 0;
  if (modifiers[0] === 're' && value.kind !== 'string') throw new ValueError(ErrorCode.SIGMA_INVALID, `'re' applies to strings, not a ${value.kind}`);
  for (let i = start; i < modifiers.length; i++) v = applyModifier(v, modifiers[i], i, placeholders);
  return v;
}
