// Small builders every parser uses to start an ECS document and fill it without empty values.
import { isIP } from 'node:net';
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import type { RawRecord } from '../parsers/types.ts';

export const ECS_VERSION = '8.17.0';

export interface EcsBaseOptions {
  module: string;
  dataset: string;
  /** @default 'event' */
  kind?: string;
}

/**
 * A new document with @timestamp (receivedAt until the parser finds the event's own time),
 * ecs.version and event.original/module/dataset/kind/created (created = when Vigil read it).
 */
export function ecsBase(raw: RawRecord, opts: EcsBaseOptions): EcsEvent {
  const received = isoOf(raw.receivedAt);
  return {
    '@timestamp': received,
    ecs: { version: ECS_VERSION },
    event: {
      original: raw.message,
      module: opts.module,
      dataset: opts.dataset,
      kind: opts.kind ?? 'event',
      created: received,
    },
  };
}

// A batch shares one receivedAt: its ISO text is formatted once, keyed by the instant itself.
let lastMs = Number.NaN;
let lastIso = '';

/** `d.toISOString()`, remembered for the last instant asked (a batch shares its receive time). */
export function isoOf(d: Date): string {
  const ms = d.getTime();
  if (ms !== lastMs) {
    lastIso = d.toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** Sets `path` unless `value` is undefined, null, '' or '-' (the "no value" of most log formats). */
export function setIfDefined(doc: EcsEvent, path: string, value: unknown): void {
  if (value === undefined || value === null || value === '' || value === '-') return;
  if (typeof value === 'number' && Number.isNaN(value)) return;
  setPath(doc, path, value);
}

/** Appends to an array field (creating it), skipping empty values and duplicates. */
export function appendValue(doc: EcsEvent, path: string, ...values: unknown[]): void {
  const cur = getPath(doc, path);
  const arr: unknown[] = Array.isArray(cur) ? cur : cur === undefined ? [] : [cur];
  for (const v of values) {
    if (v === undefined || v === null || v === '') continue;
    if (!arr.includes(v)) arr.push(v);
  }
  if (arr.length) setPath(doc, path, arr);
}

/** Decimal integer text → number; undefined for '-', '' or non-numbers. */
export function toInt(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null) return undefined;
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Decimal number text → number; undefined for '-', '' or non-numbers. */
export function toNumber(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null) return undefined;
  const t = text.trim();
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** True for a literal IPv4 or IPv6 address (IPv6 zone ids allowed). */
export function isIpAddress(text: string | undefined): text is string {
  if (!text) return false;
  return isIP(text.replace(/%[\w.-]+$/, '')) !== 0;
}

/**
 * Splits 'ip:port', '[v6]:port', 'v6.port' is not guessed; bare IPs (v4 or v6) come back without a port.
 * Returns undefined when the text holds no IP.
 */
export function parseIpPort(text: string | undefined): { ip: string; port?: number } | undefined {
  if (!text) return undefined;
  const t = text.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) return isIpAddress(bracket[1]) ? { ip: bracket[1], port: toInt(bracket[2]) } : undefined;
  if (isIpAddress(t)) return { ip: t };
  const v4 = /^([\d.]+):(\d+)$/.exec(t);
  if (v4 && isIpAddress(v4[1])) return { ip: v4[1], port: toInt(v4[2]) };
  return undefined;
}

/** Sets `<prefix>.ip` and `<prefix>.port` from an 'ip:port' text, or `<prefix>.address`/domain when it is a name. */
export function setEndpoint(doc: EcsEvent, prefix: string, text: string | undefined): void {
  if (!text || text === '-') return;
  const ipPort = parseIpPort(text);
  if (ipPort) {
    setPath(doc, `${prefix}.ip`, ipPort.ip);
    setIfDefined(doc, `${prefix}.port`, ipPort.port);
    return;
  }
  const named = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (named) {
    setPath(doc, `${prefix}.domain`, named[1]);
    setIfDefined(doc, `${prefix}.port`, toInt(named[2]));
  }
}

/** The line cut to 80 characters, for parse-error messages. */
export function excerpt(line: string): string {
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}
