// The parser contract: pure, synchronous functions from one raw record to ECS events.
import type { EcsEvent } from '../../core/ecs.ts';
import type { VigilError } from '../../core/errors.ts';

export interface RawRecord {
  /** The raw line (or the `message` of an agent-shipped JSON document). */
  message: string;
  /** When Vigil received it; resolves yearless syslog timestamps. */
  receivedAt: Date;
  /** Where it came from, for error locations: 'http', 'syslog-udp 10.0.0.5:514', 'file app.log:12'. */
  source: string;
  /** Timezone for timestamps without one: an IANA zone ('Europe/Berlin') or offset ('+02:00'). @default 'UTC' */
  tz?: string;
  /** The whole document when the input was JSON shipped by an agent (Filebeat/Elastic Agent shape). */
  document?: EcsEvent;
  /**
   * The raw line already read as JSON by format detection (`dataset=auto`), so a large JSON line is
   * parsed once; parsers that read the line as JSON use it instead of parsing `message` again.
   */
  parsedMessage?: unknown;
}

export type ParseResult = { ok: true; events: EcsEvent[] } | { ok: false; error: VigilError };

export interface Parser {
  /** Elastic's dataset name: 'system.auth', 'nginx.access', 'cef', 'json' … */
  readonly dataset: string;
  parse(raw: RawRecord): ParseResult;
  /**
   * True when a raw line looks like this format; used by `dataset=auto`. Cheap checks only.
   * Parsers that cannot tell (plain key=value) return false and are tried last by the detector.
   */
  detect?(line: string): boolean;
}
