// Elastic's nginx.access (combined format, optional leading $host[:port], proxy address lists,
// trailing X-Forwarded-For and upstream timings) and nginx.error (error_log lines).
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { ecsBase, isIpAddress, setEndpoint, setIfDefined, toInt, toNumber } from '../normalise/ecs-build.ts';
import { fillRelated } from '../normalise/related.ts';
import { defaultZoneOf, parseClfTimestamp, toIsoWithZone } from '../normalise/time.ts';
import { httpOutcome, setRequestLine } from '../normalise/url.ts';
import { parseFailure } from './parse-error.ts';
import { applySyslogHeader, parseSyslogHeader } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';
import { pickClientAddress, splitAddressList, unwrapThirdParty } from './web-common.ts';

const ACCESS = 'nginx.access';
const ERROR = 'nginx.error';

// Some setups log $request_time between the size and the referrer ('... 200 612 0.123 "-" "agent"').
const ACCESS_LINE =
  /^(.+?) (\S+) (\S+) \[(\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)(?: (\d+(?:\.\d+)?))?(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;

/** Upstream/timing key names seen in common log_format variants, mapped under nginx.access.*. */
const EXTRA_KEYS: Record<string, string> = {
  rt: 'request_time', request_time: 'request_time',
  uct: 'upstream.connect_time', upstream_connect_time: 'upstream.connect_time',
  uht: 'upstream.header_time', upstream_header_time: 'upstream.header_time',
  urt: 'upstream.response_time', upstream_response_time: 'upstream.response_time',
  ua: 'upstream.address', upstream_addr: 'upstream.address', upstream: 'upstream.address',
  us: 'upstream.status', upstream_status: 'upstream.status',
  cs: 'upstream.cache_status', upstream_cache_status: 'upstream.cache_status',
};

function unescapeLogText(s: string | undefined): string | undefined {
  return s?.replace(/\\(["\\])/g, '$1').replace(/\\x([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

function applyExtras(doc: EcsEvent, extras: string): void {
  const tokens = extras.match(/[\w.-]+="[^"]*"|[\w.-]+=\S+|"[^"]*"|\S+/g) ?? [];
  let bare = 0;
  for (const t of tokens) {
    const kv = /^([\w.-]+)=(.*)$/.exec(t);
    if (kv) {
      const field = EXTRA_KEYS[kv[1]];
      const value = kv[2].replace(/^"|"$/g, '');
      if (field && value !== '-') setPath(doc, `nginx.access.${field}`, toNumber(value) ?? value);
      continue;
    }
    const value = t.replace(/^"|"$/g, '');
    const ips = splitAddressList(value);
    if (t.startsWith('"') && ips.length > 0 && ips.every(isIpAddress)) {
      // $http_x_forwarded_for: the client chain the last proxy reported.
      setPath(doc, 'nginx.access.x_forwarded_for', ips);
      setPath(doc, 'network.forwarded_ip', ips[0]);
      continue;
    }
    const num = toNumber(value);
    if (num !== undefined) {
      // Bare numbers after the user agent are $request_time then $upstream_response_time by convention.
      setPath(doc, bare === 0 ? 'nginx.access.request_time' : 'nginx.access.upstream.response_time', num);
      bare++;
    }
  }
  const rt = getPath(doc, 'nginx.access.request_time');
  if (typeof rt === 'number') setPath(doc, 'event.duration', Math.round(rt * 1e9));
}

function parseAccessLine(line: string, doc: EcsEvent, tz: string | undefined): boolean {
  const m = ACCESS_LINE.exec(line);
  if (!m) return false;
  const tokens = m[1].split(/\s+/);
  // A leading $host[:port] is present when more than the client list precedes the ident field.
  let list = m[1];
  if (tokens.length >= 2 && !tokens[0].endsWith(',') && !tokens[0].startsWith('"')) {
    const host = tokens[0];
    list = m[1].slice(host.length + 1);
    const hp = /^(\[[^\]]+\]|[^:]+|[0-9a-fA-F:]+)(?::(\d+))?$/.exec(host);
    const name = hp?.[1].replace(/^\[|\]$/g, '') ?? host;
    if (isIpAddress(name)) setPath(doc, 'destination.ip', name);
    else {
      setPath(doc, 'destination.domain', name);
      setPath(doc, 'url.domain', name);
    }
    setIfDefined(doc, 'destination.port', toInt(hp?.[2]));
  }
  const addresses = splitAddressList(list);
  const listIsAddresses = addresses.every((a) => isIpAddress(a) || /^[A-Za-z][\w.-]*$/.test(a));
  if (listIsAddresses && addresses.length > 0) setPath(doc, 'nginx.access.remote_ip_list', addresses);
  const client = listIsAddresses ? pickClientAddress(addresses) : list.trim();
  if (client) {
    setPath(doc, 'source.address', client);
    if (isIpAddress(client)) setPath(doc, 'source.ip', client);
  }
  setIfDefined(doc, 'user.name', m[3]);
  setIfDefined(doc, '@timestamp', parseClfTimestamp(m[4], tz));
  const request = unescapeLogText(m[5]);
  if (!setRequestLine(doc, request) && request && request !== '-') setPath(doc, 'nginx.access.info', request);
  const status = toInt(m[6]);
  setIfDefined(doc, 'http.response.status_code', status);
  setIfDefined(doc, 'http.response.body.bytes', toInt(m[7]));
  const responseTime = toNumber(m[8]);
  if (responseTime !== undefined) {
    // Elastic keeps it in milliseconds; ECS event.duration is nanoseconds.
    setPath(doc, 'nginx.access.response_time', Math.trunc(responseTime * 1000));
    setPath(doc, 'event.duration', Math.round(responseTime * 1e9));
  }
  setIfDefined(doc, 'http.request.referrer', unescapeLogText(m[9]));
  setIfDefined(doc, 'user_agent.original', unescapeLogText(m[10]));
  if (m[11]) applyExtras(doc, m[11]);
  setPath(doc, 'event.category', ['web']);
  setPath(doc, 'event.type', ['access']);
  setIfDefined(doc, 'event.outcome', httpOutcome(status));
  return true;
}

/** The record's text, or, when nginx logged through syslog, the header applied and its message. */
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

function startDoc(raw: RawRecord, dataset: string): EcsEvent {
  const doc = ecsBase(raw, { module: 'nginx', dataset });
  if (raw.document) {
    for (const key of ['host', 'agent', 'log', 'input', 'cloud', 'container']) {
      if (raw.document[key] !== undefined) doc[key] = structuredClone(raw.document[key]);
    }
    if (typeof raw.document['@timestamp'] === 'string') doc['@timestamp'] = raw.document['@timestamp'];
  }
  return doc;
}

export function parseNginxAccess(raw: RawRecord): ParseResult {
  const doc = startDoc(raw, ACCESS);
  const inner = unwrapThirdParty(raw, doc);
  const line = inner ?? bodyOf(raw, doc, / \[\d{1,2}\/[A-Za-z]{3}\/\d{4}:/);
  if (!parseAccessLine(line, doc, defaultZoneOf(raw.tz))) {
    return parseFailure(raw, ACCESS, 'not an nginx access line: expected [$host ]$remote_addr - $remote_user [$time_local] "$request" $status $bytes ...');
  }
  return { ok: true, events: [fillRelated(doc)] };
}

const ERROR_LINE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[(\w+)\] (\d+)#(\d+): (?:\*(\d+) )?(.*)$/s;

function errorDetail(text: string, key: string): string | undefined {
  const m = new RegExp(`, ${key}: (?:"((?:[^"\\\\]|\\\\.)*)"|([^,\\s]+))`).exec(text);
  return m ? (m[1] ?? m[2]) : undefined;
}

export function parseNginxError(raw: RawRecord): ParseResult {
  const doc = startDoc(raw, ERROR);
  const text = bodyOf(raw, doc, /^\d{4}\/\d{2}\/\d{2} /);
  const rest = raw.message.includes('\n') && text === raw.message.split('\n')[0] ? raw.message : text;
  const m = ERROR_LINE.exec(rest);
  if (!m) return parseFailure(raw, ERROR, 'not an nginx error line: expected "yyyy/mm/dd hh:mm:ss [level] pid#tid: message"');
  setIfDefined(
    doc,
    '@timestamp',
    toIsoWithZone(
      { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +m[6] },
      defaultZoneOf(raw.tz),
    ),
  );
  setPath(doc, 'log.level', m[7]);
  setPath(doc, 'process.pid', Number(m[8]));
  setPath(doc, 'process.thread.id', Number(m[9]));
  setIfDefined(doc, 'nginx.error.connection_id', toInt(m[10]));
  const message = m[11];
  setPath(doc, 'message', message);
  const client = errorDetail(message, 'client');
  if (client) setEndpoint(doc, 'source', client);
  if (client) setPath(doc, 'source.address', client);
  setIfDefined(doc, 'nginx.error.server', errorDetail(message, 'server'));
  setIfDefined(doc, 'nginx.error.upstream', errorDetail(message, 'upstream'));
  setRequestLine(doc, errorDetail(message, 'request'));
  const host = errorDetail(message, 'host');
  if (host) {
    const [name, port] = host.split(':');
    setPath(doc, 'url.domain', name);
    setIfDefined(doc, 'url.port', toInt(port));
  }
  setIfDefined(doc, 'http.request.referrer', errorDetail(message, 'referrer'));
  setPath(doc, 'event.category', ['web']);
  setPath(doc, 'event.type', ['error']);
  return { ok: true, events: [fillRelated(doc)] };
}

export const nginxAccessParser: Parser = {
  dataset: ACCESS,
  parse: parseNginxAccess,
  detect: (line) => ACCESS_LINE.test(line),
};

export const nginxErrorParser: Parser = {
  dataset: ERROR,
  parse: parseNginxError,
  detect: (line) => /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[\w+\] \d+#\d+: /.test(line),
};

