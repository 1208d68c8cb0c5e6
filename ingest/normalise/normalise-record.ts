// Runs one raw record through a parser and always yields documents: the parsed events, or the
// dead-letter document when parsing fails (a parser that throws is a bug, kept the same way).
import type { EcsEvent } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import type { Parser, RawRecord } from '../parsers/types.ts';
import { deadLetterEvent } from './dead-letter.ts';

export interface NormaliseOutcome {
  events: EcsEvent[];
  failed: boolean;
}

export function normaliseRecord(parser: Parser, raw: RawRecord): NormaliseOutcome {
  try {
    const result = parser.parse(raw);
    if (result.ok) return { events: result.events, failed: false };
    return { events: [deadLetterEvent(raw, result.error, parser.dataset)], failed: true };
  } catch (err) {
    const error = new VigilError(
      'INTERNAL',
      `${raw.source}: ${parser.dataset}: parser threw: ${err instanceof Error ? err.message : String(err)}`,
      { source: raw.source },
      { cause: err },
    );
    return { events: [deadLetterEvent(raw, error, parser.dataset)], failed: true };
  }
}
