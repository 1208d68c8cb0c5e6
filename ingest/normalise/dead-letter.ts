// The document kept for input that could not be parsed: the raw text and why, so nothing is
// dropped silently and the failure can be searched and replayed.
import type { EcsEvent } from '../../core/ecs.ts';
import { toErrorRecord } from '../../core/errors.ts';
import type { RawRecord } from '../parsers/types.ts';

/** ECS dead-letter document: event.kind 'pipeline_error', event.original = the raw text, error.code/message. */
export function deadLetterEvent(raw: RawRecord, error: unknown, dataset: string): EcsEvent {
  const rec = toErrorRecord(error);
  return {
    '@timestamp': raw.receivedAt.toISOString(),
    event: { kind: 'pipeline_error', original: raw.message, dataset },
    error: { message: rec.message, code: rec.code },
  };
}
