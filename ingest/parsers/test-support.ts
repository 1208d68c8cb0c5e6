// Test helper for parser unit tests: parse one line and read fields by dotted path.
import { expect } from 'vitest';
import { type EcsEvent, getPath } from '../../core/ecs.ts';
import type { Parser, RawRecord } from './types.ts';

export function parseOne(parser: Parser, message: string, extra: Partial<RawRecord> = {}): EcsEvent & { get(path: string): unknown } {
  const r = parser.parse({ message, receivedAt: new Date('2026-06-15T12:00:00Z'), source: 'test', ...extra });
  if (!r.ok) throw new Error(`expected ${parser.dataset} to parse: ${r.error.message}`);
  expect(r.events).toHaveLength(1);
  const doc = r.events[0];
  expect(getPath(doc, 'event.original')).toBe(message);
  return Object.assign(doc, { get: (path: string) => getPath(doc, path) });
}

export function parseError(parser: Parser, message: string): string {
  const r = parser.parse({ message, receivedAt: new Date('2026-06-15T12:00:00Z'), source: 'file x.log:7' });
  if (r.ok) throw new Error(`expected ${parser.dataset} to refuse "${message}"`);
  expect(r.error.code).toBe('INGEST_PARSE');
  return r.error.message;
}
