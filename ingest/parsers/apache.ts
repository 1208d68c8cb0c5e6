// Elastic's apache.access (common, combined, vhost_combined, ssl_request_log) and apache.error
// (2.2 '[level]' and 2.4 '[module:level] [pid N:tid M]' formats).
import { type EcsEvent, setPath } from '../../core/ecs.ts';
import { ecsBase, isIpAddress, setIfDefined, toInt } from '../normalise/ecs-build.ts';
import { fillRelated } from '../normalise/related.ts';
import { defaultZoneOf, monthNumber, parseClfTimestamp, toIsoWithZone } from '../normalise/time.ts';
import { httpOutcome, setRequestLine } from '../normalise/url.ts';
import { parseFailure } from './parse-error.ts';
import { applySyslogHeader, parseSyslogHeader } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';
import { isPrivateIp, unwrapThirdParty } from './web-common.ts';

const ACCESS = 'apache.access';
const ERROR = 'apache.error';

const CLF_TIME = String.raw`\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{4}`;
const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
// After %b some formats add %D (response time, µs) and, at the end, X-Forwarded-For="a, b".
const ACCESS_LINE = new RegExp(
  String.raw`^(.+?) (\S+) (\S+) \[(${CLF_TIME})\] ${QUOTED} (\d{3}|-) (\d+|-)(?: (\d+))?(?: ${QUOTED})?(?: ${QUOTED})?(?: X-Forwarded-For="([^"]*)")?(.*)$`,
);
const SSL_LINE = new RegExp(String.raw`^\[(${CLF_TIME})\] (\S+) (\S+) (\S+) ${QUOTED} (\d+|-)\s*$`);

function unescapeLogText(s: string | undefined): string | undefined {
  return s?.replace(/\\(["\\])/g, '$1');
}

function setClient(doc: EcsEvent, address: string): void {
  setPath(doc, 'source.address', address);
  if (isIpAddress(address)) setPath(doc, 'source.ip', address);
  else setPath(doc, 'source.domain', address);
}

function startDoc(raw: RawRecord, dataset: string): EcsEvent {
  const doc = ecsBase(raw, { module: 'apache', dataset });
  if (raw.document) {
    for (const key of ['host', 'agent', 'log', 'input', 'cloud', 'container']) {
      if (raw.document[key] !== undefined) doc[key] = structuredClone(raw.document[key]);
    }
  }
  return doc;
}

/** The record's text, or, when Apache logged through syslog (ErrorLog syslog / logger), its message. */
function bodyOf(raw: RawRecord, doc: EcsEvent, looksRight: RegExp): string {
  const first = raw.message.split('\n')[0];
  // Header first: a syslog-wrapped access line also contains the access-log shape.
  const header = parseSyslogHeader(first, raw);
  if (header && looksRight.test(header.message)) {
    applySyslogHeader(doc, header);
    return header.message;
  }
  return first;
}

function parseTlsProtocol(doc: EcsEvent, protocol: string, cipher: string): void {
  setPath(doc, 'apache.access.ssl.protocol', protocol);
  setPath(doc, 'apache.access.ssl.cipher', cipher);
  setPath(doc, 'tls.cipher', cipher);
  const m = /^(TLS|SSL)v?(\d(?:\.\d)?)$/i.exec(protocol);
  if (m) {
    setPath(doc, 'tls.version_protocol', m[1].toLowerCase());
    setPath(doc, 'tls.version', m[2].includes('.') ? m[2] : `${m[2]}.0`);
  }
}

export function parseApacheAccess(raw: RawRecord): ParseResult {
  const doc = startDoc(raw, ACCESS);
  const line = unwrapThirdParty(raw, doc) ?? bodyOf(raw, doc, /\[\d{1,2}\/[A-Za-z]{3}\/\d{4}:/);
  const tz = defaultZoneOf(raw.tz);
  const ssl = SSL_LINE.exec(line);
  if (ssl) {
    setIfDefined(doc, '@timestamp', parseClfTimestamp(ssl[1], tz));
    setClient(doc, ssl[2]);
    parseTlsProtocol(doc, ssl[3], ssl[4]);
    setRequestLine(doc, unescapeLogText(ssl[5]));
    setIfDefined(doc, 'http.response.body.bytes', toInt(ssl[6]));
    setPath(doc, 'event.category', ['web']);
    setPath(doc, 'event.type', ['access']);
    return { ok: true, events: [fillRelated(doc)] };
  }
  const m = ACCESS_LINE.exec(line);
  if (!m) {
    return parseFailure(raw, ACCESS, 'not an Apache access line: expected [vhost[:port] ]%h %l %u [%t] "%r" %>s %b ["referer" "agent"]');
  }
  const prefix = m[1].split(' ');
  if (prefix.length > 2) return parseFailure(raw, ACCESS, 'too many fields before %l %u [%t]');
  if (prefix.length === 2) {
    // vhost_combined: '%v:%p %h'.
    const vh = /^(.+?)(?::(\d+))?$/.exec(prefix[0]);
    if (vh) {
      if (isIpAddress(vh[1])) setPath(doc, 'destination.ip', vh[1]);
      else setPath(doc, 'destination.domain', vh[1]);
      setIfDefined(doc, 'destination.port', toInt(vh[2]));
    }
  }
  const client = prefix[prefix.length - 1];
  const withPort = /^([^:]+|\[[^\]]+\]):(\d+)$/.exec(client);
  if (withPort && !isIpAddress(client)) {
    setClient(doc, withPort[1].replace(/^\[|\]$/g, ''));
    setPath(doc, 'source.port', Number(withPort[2]));
  } else {
    setClient(doc, client);
  }
  setIfDefined(doc, 'apache.access.identity', m[2]);
  setIfDefined(doc, 'user.name', m[3]);
  setIfDefined(doc, '@timestamp', parseClfTimestamp(m[4], tz));
  const request = unescapeLogText(m[5]);
  if (!setRequestLine(doc, request) && request && request !== '-') setPath(doc, 'apache.access.request', request);
  const status = toInt(m[6]);
  setIfDefined(doc, 'http.response.status_code', status);
  setIfDefined(doc, 'http.response.body.bytes', toInt(m[7]));
  setIfDefined(doc, 'apache.access.response_time', toInt(m[8]));
  setIfDefined(doc, 'http.request.referrer', unescapeLogText(m[9]));
  setIfDefined(doc, 'user_agent.original', unescapeLogText(m[10]));
  const forwarded = m[11]?.split(/"?,\s*/).filter(isIpAddress) ?? [];
  if (forwarded.length > 0) {
    setPath(doc, 'apache.access.remote_addresses', forwarded);
    setPath(doc, 'network.forwarded_ip', forwarded[0]);
    const publicClient = forwarded.find((ip) => !isPrivateIp(ip)) ?? forwarded[0];
    setPath(doc, 'client.ip', publicClient);
  }
  setPath(doc, 'event.category', ['web']);
  setPath(doc, 'event.type', ['access']);
  setIfDefined(doc, 'event.outcome', httpOutcome(status));
  return { ok: true, events: [fillRelated(doc)] };
}

const ERROR_LINE =
  /^\[(?:[A-Za-z]{3} )?([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? (\d{4})\] \[(?:([^\]:]+):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])?(.*)$/s;

export function parseApacheError(raw: RawRecord): ParseResult {
  const doc = startDoc(raw, ERROR);
  const line = raw.message.includes('\n') ? raw.message : bodyOf(raw, doc, /^\[[A-Za-z]{3} /);
  const m = ERROR_LINE.exec(line);
  if (!m) return parseFailure(raw, ERROR, 'not an Apache error line: expected "[Www Mmm dd hh:mm:ss yyyy] [module:level] ..."');
  const month = monthNumber(m[1]);
  if (month !== undefined) {
    setIfDefined(
      doc,
      '@timestamp',
      toIsoWithZone(
        { year: +m[7], month, day: +m[2], hour: +m[3], minute: +m[4], second: +m[5], fraction: m[6] },
        defaultZoneOf(raw.tz),
      ),
    );
  }
  setIfDefined(doc, 'apache.error.module', m[8]);
  setPath(doc, 'log.level', m[9]);
  setIfDefined(doc, 'process.pid', toInt(m[10]));
  setIfDefined(doc, 'process.thread.id', toInt(m[11]));
  let rest = m[12].replace(/^ /, '');
  // 2.4 puts the source file (debug) and the APR error before [client ...]: '(70007)The timeout ...: '.
  const file = /^(\S+\.c\(\d+\)): /.exec(rest);
  if (file) rest = rest.slice(file[0].length);
  const apr = /^\((-?\d+)\)([^:[]*): /.exec(rest);
  if (apr) {
    setPath(doc, 'error.code', apr[1]);
    setPath(doc, 'error.message', apr[2]);
    rest = rest.slice(apr[0].length);
  }
  const client = /^\[(?:client|remote) ([^\]]+?)(?::(\d+))?\] /.exec(rest);
  if (client) {
    setClient(doc, client[1]);
    setIfDefined(doc, 'source.port', toInt(client[2]));
    rest = rest.slice(client[0].length);
  }
  const code = /^(AH\d{5}): /.exec(rest);
  if (code) setPath(doc, 'error.id', code[1]);
  const referer = /, referer: (\S+)$/.exec(rest);
  if (referer) setPath(doc, 'http.request.referrer', referer[1]);
  setPath(doc, 'message', rest);
  setPath(doc, 'event.category', ['web']);
  setPath(doc, 'event.type', ['error']);
  return { ok: true, events: [fillRelated(doc)] };
}

export const apacheAccessParser: Parser = {
  dataset: ACCESS,
  parse: parseApacheAccess,
  detect: (line) => ACCESS_LINE.test(line) || SSL_LINE.test(line),
};

export const apacheErrorParser: Parser = {
  dataset: ERROR,
  parse: parseApacheError,
  detect: (line) => /^\[[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \d{4}\] \[/.test(line),
};
