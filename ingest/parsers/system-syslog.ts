// Elastic's system.syslog: the host's general syslog (/var/log/messages, syslog, journald).
import { fillRelated } from '../normalise/related.ts';
import { syslogEnvelope } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'system.syslog';

export function parseSystemSyslog(raw: RawRecord): ParseResult {
  // A line without a recognisable header is still a syslog message: keep it whole, as Elastic does.
  const env = syslogEnvelope(raw, 'system', DATASET) ?? { doc: {}, message: raw.message };
  if (!env.header && !raw.document) env.doc.message = raw.message;
  return { ok: true, events: [fillRelated(env.doc)] };
}

export const systemSyslogParser: Parser = { dataset: DATASET, parse: parseSystemSyslog };
