// The one way parsers report input they cannot read: INGEST_PARSE with source, dataset and an excerpt.
import { VigilError } from '../../core/errors.ts';
import { excerpt } from '../normalise/ecs-build.ts';
import type { ParseResult, RawRecord } from './types.ts';

export function parseFailure(raw: RawRecord, dataset: string, what: string, path?: string): ParseResult {
  return {
    ok: false,
    error: new VigilError('INGEST_PARSE', `${raw.source}: ${dataset}: ${what} (got "${excerpt(raw.message)}")`, {
      source: raw.source,
      ...(path ? { path } : {}),
    }),
  };
}
