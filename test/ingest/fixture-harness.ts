// Runs Elastic's integration pipeline fixtures (test/fixtures/ecs/<dataset>/) through Vigil's
// parser registry and measures how many of the important ECS fields agree with Elastic's output.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { expect } from 'vitest';
import { type EcsEvent, expandDotted, getPath, isPlainObject } from '../../core/ecs.ts';
import { getParser } from '../../ingest/parsers/index.ts';
import type { RawRecord } from '../../ingest/parsers/types.ts';

export const FIXTURE_ROOT = join(import.meta.dirname, '..', 'fixtures', 'ecs');

/** The fields compared wherever the expected document has them. */
export const COMPARED_FIELDS = [
  '@timestamp', 'event.kind', 'event.category', 'event.type', 'event.outcome', 'event.action',
  'source.ip', 'source.port', 'destination.ip', 'destination.port', 'user.name', 'host.hostname',
  'process.name', 'process.pid', 'http.request.method', 'http.response.status_code', 'url.original',
  'network.transport', 'observer.vendor', 'rule.name',
];

export interface FixtureConfig {
  fields: EcsEvent;
  dynamicFields: Record<string, string>;
  firstLinePattern?: RegExp;
}

export interface FixtureCase {
  /** 'test-auth.log#3' */
  name: string;
  raw: RawRecord;
  expected: EcsEvent | null;
  /** @timestamp is year-less in the input (the fixture marks it dynamic): compare month/day/time only. */
  yearless: boolean;
  /**
   * No zone was configured for this input. Where Elastic's expected @timestamp carries a non-UTC
   * offset anyway, it came from an upstream config that was not copied with the fixture, so only
   * the wall-clock time can be compared.
   */
  zoneUnknown: boolean;
}

export interface AgreementResult {
  fields: number;
  agreed: number;
  mismatches: string[];
}

function readYaml(path: string): Record<string, unknown> {
  // Some upstream configs write `@timestamp:` unquoted, which YAML reserves; quote it before loading.
  const text = readFileSync(path, 'utf8').replace(/^(\s*)@timestamp:/gm, '$1"@timestamp":');
  const doc = load(text);
  return isPlainObject(doc) ? doc : {};
}

function mergeConfig(into: FixtureConfig, yaml: Record<string, unknown>): void {
  if (isPlainObject(yaml.fields)) {
    const fields = expandDotted(yaml.fields);
    for (const [k, v] of Object.entries(fields)) {
      const cur = into.fields[k];
      into.fields[k] = isPlainObject(cur) && isPlainObject(v) ? { ...cur, ...v } : v;
    }
  }
  if (isPlainObject(yaml.dynamic_fields)) {
    for (const [k, v] of Object.entries(yaml.dynamic_fields)) into.dynamicFields[k] = String(v);
  }
  const ml = yaml.multiline;
  if (isPlainObject(ml) && typeof ml.first_line_pattern === 'string') {
    into.firstLinePattern = new RegExp(ml.first_line_pattern);
  }
}

/** The source timezone a fixture config sets (event.timezone, _conf/_tmp tz_offset, _conf.tz_map as 'ABBR=zone,...'). */
export function tzFromFields(fields: EcsEvent): string | undefined {
  const candidates = ['event.timezone', '_conf.tz_offset', '_tmp.tz_offset', '_temp.tz_offset'];
  let tz: string | undefined;
  for (const c of candidates) {
    const v = getPath(fields, c);
    if (typeof v === 'string' && v !== '') {
      tz = v;
      break;
    }
  }
  const map = getPath(fields, '_conf.tz_map');
  if (Array.isArray(map)) {
    const entries = map
      .filter(isPlainObject)
      .map((e) => `${String(e.tz_short)}=${String(e.tz_long)}`);
    if (tz) entries.push(tz);
    tz = entries.join(',');
  }
  return tz;
}

/**
 * The agent document as the pipeline saw it: config `fields` set over it (they win, as in
 * elastic-package), except the `_conf`/`_tmp`/`_temp` settings, which reach parsers as raw.tz.
 */
function withConfigFields(event: EcsEvent, fields: EcsEvent): EcsEvent {
  const merge = (into: Record<string, unknown>, from: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(from)) {
      const cur = into[k];
      if (isPlainObject(cur) && isPlainObject(v)) merge(cur, v);
      else into[k] = structuredClone(v);
    }
  };
  const doc = structuredClone(event);
  merge(doc, Object.fromEntries(Object.entries(fields).filter(([k]) => !k.startsWith('_'))));
  return doc;
}

/** Splits a .log input into events: '\n' lines (one final terminator dropped), then multiline joining. */
export function splitEvents(text: string, firstLinePattern?: RegExp): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (!firstLinePattern) return lines;
  const events: string[] = [];
  for (const line of lines) {
    if (events.length === 0 || firstLinePattern.test(line)) events.push(line);
    else events[events.length - 1] += `\n${line}`;
  }
  return events;
}

// A line opening with a BSD syslog stamp that has no year: the expected year is arbitrary.
const YEARLESS_LINE = /^(?:<\d{1,3}>)?\s*[A-Z][a-z]{2} +\d{1,2} +\d{1,2}:\d{2}:\d{2}(?![.\d]* \d{4} )/;

/** Every input event of a dataset's fixtures with its expected document. */
export function loadFixtureCases(dataset: string): FixtureCase[] {
  const dir = join(FIXTURE_ROOT, dataset);
  const files = readdirSync(dir).sort();
  const common: FixtureConfig = { fields: {}, dynamicFields: {} };
  if (files.includes('test-common-config.yml')) mergeConfig(common, readYaml(join(dir, 'test-common-config.yml')));
  const inputs = files.filter((f) => /^test-.*\.(log|json)$/.test(f) && !f.endsWith('-expected.json'));
  const cases: FixtureCase[] = [];
  for (const input of inputs) {
    const config: FixtureConfig = {
      fields: structuredClone(common.fields),
      dynamicFields: { ...common.dynamicFields },
      firstLinePattern: common.firstLinePattern,
    };
    if (files.includes(`${input}-config.yml`)) mergeConfig(config, readYaml(join(dir, `${input}-config.yml`)));
    const expectedDoc = JSON.parse(readFileSync(join(dir, `${input}-expected.json`), 'utf8')) as {
      expected: (EcsEvent | null)[];
    };
    const text = readFileSync(join(dir, input), 'utf8');
    const tz = tzFromFields(config.fields);
    const stamp = getPath(config.fields, '@timestamp');
    const receivedAt = typeof stamp === 'string' ? new Date(stamp) : new Date();
    const yearless = '@timestamp' in config.dynamicFields;
    const raws: RawRecord[] = [];
    if (input.endsWith('.json')) {
      const events = (JSON.parse(text) as { events: EcsEvent[] }).events;
      events.forEach((event, i) => {
        const document = withConfigFields(event, config.fields);
        const message = typeof document.message === 'string' ? document.message : JSON.stringify(document);
        raws.push({ message, receivedAt, source: `file ${input}#${i}`, tz, document });
      });
    } else {
      splitEvents(text, config.firstLinePattern).forEach((message, i) => {
        raws.push({ message, receivedAt, source: `file ${input}:${i + 1}`, tz });
      });
    }
    if (raws.length !== expectedDoc.expected.length) {
      throw new Error(`${dataset}/${input}: ${raws.length} input events but ${expectedDoc.expected.length} expected documents`);
    }
    raws.forEach((raw, i) => {
      const lineYearless = !raw.document && YEARLESS_LINE.test(raw.message);
      // A blank input line is not an event for Vigil (Elastic's pipeline emits a near-empty document
      // for it); such pairs are left out of the comparison rather than counted either way.
      if (!raw.document && raw.message.trim() === '') return;
      cases.push({ name: `${input}#${i}`, raw, expected: expectedDoc.expected[i], yearless: yearless || lineYearless, zoneUnknown: tz === undefined });
    });
  }
  return cases;
}

function scalarKey(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && /^-?\d+(?:\.\d+)?$/.test(v)) return String(Number(v));
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function valueKey(v: unknown): string {
  const arr = Array.isArray(v) ? v : [v];
  return JSON.stringify([...new Set(arr.map(scalarKey))].sort());
}

const WITH_OFFSET = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d:\d\d)$/;

function timestampKey(v: unknown, yearless: boolean, wallClock = false): string {
  if (typeof v !== 'string') return JSON.stringify(v);
  const local = wallClock ? WITH_OFFSET.exec(v)?.[1] : undefined;
  const t = Date.parse(local ? `${local}Z` : v);
  if (Number.isNaN(t)) return v;
  const iso = new Date(t).toISOString();
  return yearless ? iso.slice(5) : iso;
}

/** True when `actual` agrees with `expected` for `field` under the fixture comparison rules. */
export function fieldAgrees(field: string, expected: unknown, actual: unknown, yearless: boolean, zoneUnknown = false): boolean {
  if (actual === undefined) return false;
  if (field === '@timestamp') {
    if (timestampKey(expected, yearless) === timestampKey(actual, yearless)) return true;
    const wallClock = zoneUnknown && typeof expected === 'string' && WITH_OFFSET.test(expected);
    return wallClock && timestampKey(expected, yearless, true) === timestampKey(actual, yearless);
  }
  return valueKey(expected) === valueKey(actual);
}

/** Normalises every fixture event of `dataset` and counts agreeing fields. */
export function runFixtureDataset(dataset: string, fields: string[] = COMPARED_FIELDS): AgreementResult {
  const parser = getParser(dataset);
  if (!parser) throw new Error(`no parser registered for dataset '${dataset}'`);
  const result: AgreementResult = { fields: 0, agreed: 0, mismatches: [] };
  for (const c of loadFixtureCases(dataset)) {
    const parsed = parser.parse(c.raw);
    if (c.expected === null) {
      result.fields++;
      if (parsed.ok && parsed.events.length === 0) result.agreed++;
      else result.mismatches.push(`${c.name}: expected the event to be dropped`);
      continue;
    }
    const actual = parsed.ok ? parsed.events[0] : undefined;
    for (const field of fields) {
      const want = getPath(c.expected, field);
      if (want === undefined || want === null) continue;
      result.fields++;
      if (!parsed.ok) {
        result.mismatches.push(`${c.name} ${field}: parse failed: ${parsed.error.message}`);
        continue;
      }
      const got = actual ? getPath(actual, field) : undefined;
      if (fieldAgrees(field, want, got, c.yearless, c.zoneUnknown)) result.agreed++;
      else result.mismatches.push(`${c.name} ${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  }
  return result;
}

/** Prints `dataset: agreed/fields = NN.N%` and the first mismatches; fails below 90%. */
export function expectAgreement(dataset: string, fields: string[] = COMPARED_FIELDS): AgreementResult {
  const r = runFixtureDataset(dataset, fields);
  const pct = r.fields === 0 ? 100 : (100 * r.agreed) / r.fields;
  const lines = [`${dataset}: ${r.agreed}/${r.fields} = ${pct.toFixed(1)}%`, ...r.mismatches.slice(0, 15).map((m) => `  ${m}`)];
  console.log(lines.join('\n'));
  expect(r.fields, `${dataset}: no comparable fields`).toBeGreaterThan(0);
  expect(pct, `${dataset} agreement\n${lines.join('\n')}`).toBeGreaterThanOrEqual(90);
  return r;
}
