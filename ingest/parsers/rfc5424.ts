// RFC 5424 syslog: header, structured data (log.syslog.structured_data) and message.
import { fillRelated } from '../normalise/related.ts';
import { parseFailure } from './parse-error.ts';
import { syslogEnvelope } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'rfc5424';

export function parseRfc5424(raw: RawRecord): ParseResult {
  const env = syslogEnvelope(raw, 'syslog', DATASET, true);
  if (!env || (!raw.document && env.header?.format !== 'rfc5424')) {
    return parseFailure(raw, DATASET, 'not an RFC 5424 line: expected "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG"');
  }
  return { ok: true, events: [fillRelated(env.doc)] };
}

export const rfc5424Parser: Parser = {
  dataset: DATASET,
  parse: parseRfc5424,
  detect: (line) => /^<\d{1,3}>\d{1,2} (?:-|\d{4}-\d{2}-\d{2}T)/.test(line),
};
