// RFC 3164 (BSD) syslog and the variants found in practice: with or without <PRI> and hostname,
// ISO 8601 stamps as rsyslog writes them, an optional year.
import { fillRelated } from '../normalise/related.ts';
import { parseFailure } from './parse-error.ts';
import { syslogEnvelope } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'rfc3164';

export function parseRfc3164(raw: RawRecord): ParseResult {
  const env = syslogEnvelope(raw, 'syslog', DATASET, true);
  if (!env) {
    return parseFailure(raw, DATASET, 'no syslog header: expected "[<PRI>]Mmm dd hh:mm:ss [HOST] TAG[PID]: MSG"');
  }
  return { ok: true, events: [fillRelated(env.doc)] };
}

export const rfc3164Parser: Parser = {
  dataset: DATASET,
  parse: parseRfc3164,
  detect: (line) =>
    /^(?:<\d{1,3}>)?(?:[A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S*) \S/.test(line),
};
