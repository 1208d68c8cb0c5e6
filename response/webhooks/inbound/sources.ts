// Inbound webhook sources (rules/webhooks/sources.yml): a name (the URL segment), a secret (or the
// environment variable holding it), how the sender signs, and the mapping of its payload. The loader
// checks the whole file and reports every problem with its YAML path; a source whose secret
// variable is unset is reported too, so it can never accept unsigned requests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { isPlainObject } from '../../../core/ecs.ts';
import { ErrorCode, VigilError } from '../../../core/errors.ts';
import type { Severity } from '../../../core/storage/types.ts';
import { secretBytes } from '../signature.ts';
import { builtinMappings, type GenericMapping, type Mapping } from './mappings.ts';

export const defaultSourcesFile = fileURLToPath(new URL('../../../rules/webhooks/sources.yml', import.meta.url));

export type SignatureScheme =
  | { scheme: 'standard-webhooks'; toleranceSec: number }
  | { scheme: 'hmac-sha256'; header: string; prefix: string; encoding: 'hex' | 'base64' }
  | { scheme: 'token'; header: string };

export interface InboundSource {
  name: string;
  secret: string;
  signature: SignatureScheme;
  mapping: Mapping;
  /** Largest body accepted from this source, bytes. */
  bodyLimit: number;
}

export interface LoadedSources {
  sources: InboundSource[];
  errors: VigilError[];
}

const severities: readonly Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function loadInboundSources(file: string = defaultSourcesFile, env: NodeJS.ProcessEnv = process.env): LoadedSources {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const loc = mark ? { source: file, line: mark.line + 1, column: mark.column + 1 } : { source: file };
    return { sources: [], errors: [new VigilError(ErrorCode.CONFIG_INVALID, `${file}: ${(err as Error).message.split('\n')[0]}`, loc, { cause: err })] };
  }
  return parseInboundSources(doc, file, env);
}

/** Validates an already-parsed document (exported for tests of the error paths). */
export function parseInboundSources(doc: unknown, file: string, env: NodeJS.ProcessEnv = process.env): LoadedSources {
  const errors: VigilError[] = [];
  const err = (path: string, message: string) => errors.push(new VigilError(ErrorCode.CONFIG_INVALID, `${file} ${path}: ${message}`, { source: file, path }));
  const list = isPlainObject(doc) ? doc.sources : undefined;
  if (!Array.isArray(list)) {
    err('sources', 'expected a list of sources');
    return { sources: [], errors };
  }
  const sources: InboundSource[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const at = `sources[${i}]`;
    const before = errors.length;
    if (!isPlainObject(raw)) {
      err(at, 'expected a mapping');
      return;
    }
    const name = raw.name;
    if (typeof name !== 'string' || !NAME.test(name)) {
      err(`${at}.name`, 'expected a lowercase name (a-z, 0-9, _ and -), used in the URL');
      return;
    }
    if (seen.has(name)) {
      err(`${at}.name`, `'${name}' is defined twice`);
      return;
    }
    seen.add(name);
    const secret = readSecret(raw, at, env, err);
    const signature = readSignature(raw.signature, `${at}.signature`, err);
    const mapping = readMapping(raw.mapping, `${at}.mapping`, err);
    const bodyLimit = raw.body_limit === undefined ? 1024 * 1024 : raw.body_limit;
    if (typeof bodyLimit !== 'number' || !Number.isInteger(bodyLimit) || bodyLimit < 1024) err(`${at}.body_limit`, 'expected a whole number of bytes, at least 1024');
    if (signature?.scheme === 'standard-webhooks' && secret) {
      try {
        secretBytes(secret, `${at}.secret`);
      } catch (e) {
        err(`${at}.secret`, `a standard-webhooks secret must be whsec_<base64 of 24-64 bytes> (${(e as Error).message})`);
      }
    }
    if (errors.length === before && secret && signature && mapping) {
      sources.push({ name, secret, signature, mapping, bodyLimit: bodyLimit as number });
    }
  });
  return { sources, errors };
}

function readSecret(raw: Record<string, unknown>, at: string, env: NodeJS.ProcessEnv, err: (p: string, m: string) => void): string | undefined {
  if (typeof raw.secret === 'string' && raw.secret !== '') return raw.secret;
  if (typeof raw.secret_env === 'string' && raw.secret_env !== '') {
    const v = env[raw.secret_env];
    if (!v) {
      err(`${at}.secret_env`, `environment variable ${raw.secret_env} is not set; the source stays off rather than accept unsigned requests`);
      return undefined;
    }
    return v;
  }
  err(at, 'secret or secret_env is required');
  return undefined;
}

function readSignature(raw: unknown, at: string, err: (p: string, m: string) => void): SignatureScheme | undefined {
  if (!isPlainObject(raw)) {
    err(at, 'expected {scheme: standard-webhooks | hmac-sha256 | token, ...}');
    return undefined;
  }
  switch (raw.scheme) {
    case 'standard-webhooks': {
      const tol = raw.tolerance_sec ?? 300;
      if (typeof tol !== 'number' || tol <= 0) {
        err(`${at}.tolerance_sec`, 'expected a positive number of seconds');
        return undefined;
      }
      return { scheme: 'standard-webhooks', toleranceSec: tol };
    }
    case 'hmac-sha256': {
      if (typeof raw.header !== 'string' || raw.header === '') {
        err(`${at}.header`, 'the header carrying the signature is required (e.g. x-signature)');
        return undefined;
      }
      const encoding = raw.encoding ?? 'hex';
      if (encoding !== 'hex' && encoding !== 'base64') {
        err(`${at}.encoding`, `'${String(encoding)}' is not hex or base64`);
        return undefined;
      }
      return { scheme: 'hmac-sha256', header: raw.header.toLowerCase(), prefix: typeof raw.prefix === 'string' ? raw.prefix : '', encoding };
    }
    case 'token':
      if (typeof raw.header !== 'string' || raw.header === '') {
        err(`${at}.header`, 'the header carrying the token is required (e.g. x-vigil-token)');
        return undefined;
      }
      return { scheme: 'token', header: raw.header.toLowerCase() };
    default:
      err(`${at}.scheme`, `'${String(raw.scheme)}' is not a scheme (standard-webhooks, hmac-sha256, token)`);
      return undefined;
  }
}

function stringMap(raw: unknown, at: string, err: (p: string, m: string) => void): Record<string, string> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    err(at, 'expected a mapping of field: path');
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string' || v === '') err(`${at}.${k}`, 'expected a path such as $.alert.id');
    else out[k] = v;
  }
  return out;
}

const alertFields = new Set(['ruleId', 'ruleTitle', 'severity', 'riskScore', 'eventTime', 'tactics', 'techniques', 'tags']);

function readMapping(raw: unknown, at: string, err: (p: string, m: string) => void): Mapping | undefined {
  if (typeof raw === 'string') {
    if ((builtinMappings as readonly string[]).includes(raw)) return { type: raw as (typeof builtinMappings)[number] };
    err(at, `'${raw}' is not a built-in mapping (${builtinMappings.join(', ')}); write a generic mapping as {type: generic, ...}`);
    return undefined;
  }
  if (!isPlainObject(raw)) {
    err(at, `expected ${builtinMappings.join(' | ')} or {type: generic, ...}`);
    return undefined;
  }
  if (raw.type !== 'generic') {
    if ((builtinMappings as readonly string[]).includes(String(raw.type))) return { type: raw.type as (typeof builtinMappings)[number] };
    err(`${at}.type`, `'${String(raw.type)}' is not a mapping (generic, ${builtinMappings.join(', ')})`);
    return undefined;
  }
  let ok = true;
  const fail = (p: string, m: string) => {
    ok = false;
    err(p, m);
  };
  const as = (raw.as ?? 'alert') as 'alert' | 'event';
  if (as !== 'alert' && as !== 'event') fail(`${at}.as`, `'${String(as)}' is not alert or event`);
  if (typeof raw.id !== 'string' || raw.id === '') fail(`${at}.id`, "the path to the sender's id is required (dedup key)");
  if (raw.items !== undefined && typeof raw.items !== 'string') fail(`${at}.items`, 'expected a path to the list of items');
  const fields = stringMap(raw.fields, `${at}.fields`, fail);
  for (const k of Object.keys(fields)) if (!alertFields.has(k)) fail(`${at}.fields.${k}`, `not an alert field (${[...alertFields].join(', ')})`);
  if (as === 'alert' && !fields.ruleId) fail(`${at}.fields.ruleId`, 'an alert mapping needs the path to the rule id');
  const ecs = stringMap(raw.ecs, `${at}.ecs`, fail);
  const constants = raw.constants === undefined ? {} : raw.constants;
  if (!isPlainObject(constants)) fail(`${at}.constants`, 'expected a mapping of ECS field: value');
  let severityMap: Record<string, Severity> | undefined;
  if (raw.severity_map !== undefined) {
    if (!isPlainObject(raw.severity_map)) fail(`${at}.severity_map`, 'expected a mapping of sender value: severity');
    else {
      severityMap = {};
      for (const [k, v] of Object.entries(raw.severity_map)) {
        if (!severities.includes(v as Severity)) fail(`${at}.severity_map.${k}`, `'${String(v)}' is not a severity (${severities.join(', ')})`);
        else severityMap[k] = v as Severity;
      }
    }
  }
  if (!ok) return undefined;
  const m: GenericMapping = { type: 'generic', as, id: raw.id as string, fields, ecs, constants: constants as Record<string, unknown> };
  if (typeof raw.items === 'string') m.items = raw.items;
  if (severityMap) m.severityMap = severityMap;
  return m;
}
