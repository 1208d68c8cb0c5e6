// Any JSON object → an ECS document: dotted keys are expanded, ECS fields the document already has
// are kept as they are, and the event time is read from @timestamp, timestamp or time.
import { expandDotted, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { defaultZoneOf } from '../normalise/time.ts';
import { ECS_VERSION, fillRelatedB, parseFailure } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, parseIsoLike } from './zoned-time.ts';

const DATASET = 'json';
const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'ts', 'eventTime', 'event_time', 'datetime'];

/** A JSON time value: ISO 8601 text, or epoch seconds / milliseconds / microseconds / nanoseconds. */
export function jsonTime(v: unknown, tz = 'UTC'): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const abs = Math.abs(v);
    const ms = abs < 1e11 ? v * 1000 : abs < 1e14 ? v : abs < 1e17 ? v / 1000 : v / 1e6;
    return formatInZone(Math.round(ms));
  }
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(v.trim())) return jsonTime(Number(v), tz);
  const t = parseIsoLike(v, tz);
  if (t !== undefined) return formatInZone(t);
  const parsed = Date.parse(v);
  return Number.isNaN(parsed) ? undefined : formatInZone(parsed);
}

export function parseJson(raw: RawRecord): ParseResult {
  let parsed: unknown;
  if (raw.document) parsed = raw.document;
  else {
    try {
      parsed = raw.parsedMessage ?? JSON.parse(raw.message);
    } catch (e) {
      return parseFailure(raw, DATASET, `invalid JSON: ${(e as Error).message}`);
    }
  }
  if (!isPlainObject(parsed)) return parseFailure(raw, DATASET, 'not a JSON object');
  const doc = expandDotted(parsed);
  const tz = defaultZoneOf(raw.tz) ?? 'UTC';
  let ts: string | undefined;
  for (const key of TIME_KEYS) {
    ts = jsonTime(getPath(doc, key), tz);
    if (ts) break;
  }
  setPath(doc, '@timestamp', ts ?? raw.receivedAt.toISOString());
  if (getPath(doc, 'ecs.version') === undefined) setPath(doc, 'ecs.version', ECS_VERSION);
  if (getPath(doc, 'event.original') === undefined) setPath(doc, 'event.original', raw.message);
  if (getPath(doc, 'event.kind') === undefined) setPath(doc, 'event.kind', 'event');
  if (getPath(doc, 'event.dataset') === undefined) setPath(doc, 'event.dataset', DATASET);
  if (getPath(doc, 'event.module') === undefined) setPath(doc, 'event.module', DATASET);
  fillRelatedB(doc);
  return { ok: true, events: [doc] };
}

export const jsonParser: Parser = {
  dataset: DATASET,
  parse: parseJson,
  detect: (line) => /^\s*\{/.test(line) && /\}\s*$/.test(line),
};
