// Event time for correlation windows, read from the places the supported shapes keep it.
import type { EcsEvent } from '../../core/ecs.ts';
import { compilePath } from '../pipelines/field-path.ts';

const READERS = [
  '@timestamp',
  'timestamp',
  'Event.System.TimeCreated.#attributes.SystemTime',
  'winlog.time_created',
  'UtcTime',
  'EventTime',
  'TimeCreated',
].map(compilePath);

/** Epoch milliseconds, or NaN when the event carries no readable time. Zone-less text is UTC. */
export function eventTimestamp(event: EcsEvent): number {
  for (const r of READERS) {
    const v = r(event);
    if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
    if (typeof v === 'string' && v.length > 0) {
      const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(v) ? v : `${v.replace(' ', 'T')}Z`;
      const t = Date.parse(zoned);
      if (Number.isFinite(t)) return t;
    }
  }
  return Number.NaN;
}
