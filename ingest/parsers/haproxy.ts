// Elastic's haproxy.log: HTTP, TCP, default ('Connect from') and error log formats, from a syslog
// line or an agent-shipped document.
import { type EcsEvent, setPath } from '../../core/ecs.ts';
import { isIpAddress, setIfDefined } from '../normalise/ecs-build.ts';
import { fillRelated } from '../normalise/related.ts';
import { defaultZoneOf, monthNumber, toIsoWithZone } from '../normalise/time.ts';
import { httpOutcome, setRequestLine } from '../normalise/url.ts';
import { parseFailure } from './parse-error.ts';
import { syslogEnvelope } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'haproxy.log';

const CLIENT = String.raw`(\S+):(\d+) \[(\d{2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)?)\] `;
const N = String.raw`(-?\d+)`;
const CONNS = String.raw`${N}\/${N}\/${N}\/${N}\/\+?${N} ${N}\/${N}`;
const HTTP_LINE = new RegExp(
  String.raw`^${CLIENT}(?<fe>\S+) (?<be>\S+)\/(?<srv>\S+) (?:(?<dst>\S+) )?(?<tq>-?\d+)\/(?<tw>-?\d+)\/(?<tc>-?\d+)\/(?<tr>-?\d+)\/\+?(?<tt>-?\d+) (?<status>-?\d+) \+?(?<bytes>\d+) (?<reqCookie>\S+) (?<resCookie>\S+) (?<term>\S{4}) ` +
    String.raw`(?<conns>\d+\/\d+\/\d+\/\d+\/\+?\d+) (?<queues>\d+\/\d+)(?: \{(?<reqHeaders>[^}]*)\})?(?: \{(?<resHeaders>[^}]*)\})? "(?<request>.*?)"` +
    String.raw`(?: (?<fcErr>\d+)\/(?<sslFcErr>\d+)\/(?<sslCErr>\d+)\/(?<sslCaErr>\d+)\/(?<resumed>\d+) (?<sni>\S+?)\/(?<tlsProto>[A-Za-z]+)v(?<tlsVer>[\d.]+)\/(?<cipher>\S+))?\s*$`,
);
const TCP_LINE = new RegExp(
  String.raw`^${CLIENT}(\S+) (\S+)\/(\S+) ${N}\/${N}\/\+?${N} \+?${N} (\S{2,4}) ${CONNS}\s*$`,
);
const ERROR_LINE = new RegExp(String.raw`^${CLIENT}(\S+?)\/(\S+): (.+)$`);
const CONNECT_LINE = /(?:^|: )Connect from (\S+):(\d+) to (\S+):(\d+) \((\S+)\/(\S+)\)/;

function requestDate(text: string, tz: string | undefined): string | undefined {
  const m = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  const month = m ? monthNumber(m[2]) : undefined;
  if (!m || month === undefined) return undefined;
  return toIsoWithZone({ year: +m[3], month, day: +m[1], hour: +m[4], minute: +m[5], second: +m[6], fraction: m[7] }, tz);
}

function setClient(doc: EcsEvent, ip: string, port: string, date: string, tz: string | undefined): void {
  setPath(doc, 'source.address', ip);
  setPath(doc, 'source.ip', ip);
  setPath(doc, 'source.port', Number(port));
  setPath(doc, 'haproxy.request_date', date);
  setIfDefined(doc, '@timestamp', requestDate(date, tz));
}

function setConnections(doc: EcsEvent, v: string[]): void {
  const [active, frontend, backend, server, retries, serverQueue, backendQueue] = v.map(Number);
  setPath(doc, 'haproxy.connections', { active, frontend, backend, server, retries });
  setPath(doc, 'haproxy.server_queue', serverQueue);
  setPath(doc, 'haproxy.backend_queue', backendQueue);
}

function setDuration(doc: EcsEvent, ms: number): void {
  // Tt is -1 when the session was aborted before the end; ECS durations are nanoseconds.
  if (ms >= 0) setPath(doc, 'event.duration', ms * 1_000_000);
}

/** Maps one HAProxy log message (HTTP, TCP, error or 'Connect from') onto `doc`; false when it is none of them. */
export function applyHaproxyMessage(message: string, doc: EcsEvent, tz: string | undefined): boolean {
  const h = HTTP_LINE.exec(message);
  if (h?.groups) {
    const g = h.groups;
    setClient(doc, h[1], h[2], h[3], tz);
    setPath(doc, 'haproxy.frontend_name', g.fe);
    setPath(doc, 'haproxy.backend_name', g.be);
    setPath(doc, 'haproxy.server_name', g.srv);
    if (g.dst) {
      setPath(doc, 'destination.address', g.dst);
      if (isIpAddress(g.dst)) setPath(doc, 'destination.ip', g.dst);
    }
    setPath(doc, 'haproxy.http.request.time_wait_ms', Number(g.tq));
    setPath(doc, 'haproxy.total_waiting_time_ms', Number(g.tw));
    setPath(doc, 'haproxy.connection_wait_time_ms', Number(g.tc));
    setPath(doc, 'haproxy.http.request.time_wait_without_data_ms', Number(g.tr));
    setDuration(doc, Number(g.tt));
    const status = Number(g.status);
    if (status >= 0) setPath(doc, 'http.response.status_code', status);
    setPath(doc, 'haproxy.bytes_read', Number(g.bytes));
    setPath(doc, 'http.response.bytes', Number(g.bytes));
    setPath(doc, 'haproxy.http.request.captured_cookie', g.reqCookie);
    setPath(doc, 'haproxy.http.response.captured_cookie', g.resCookie);
    setPath(doc, 'haproxy.termination_state', g.term);
    setConnections(doc, [...g.conns.replace('+', '').split('/'), ...g.queues.split('/')]);
    if (g.reqHeaders !== undefined) setPath(doc, 'haproxy.http.request.captured_headers', g.reqHeaders.split('|'));
    if (g.resHeaders !== undefined) setPath(doc, 'haproxy.http.response.captured_headers', g.resHeaders.split('|'));
    setPath(doc, 'haproxy.http.request.raw_request_line', g.request);
    setRequestLine(doc, g.request);
    if (g.cipher) {
      setPath(doc, 'haproxy.connections.fc_err', Number(g.fcErr));
      setPath(doc, 'haproxy.connections.ssl_fc_err', Number(g.sslFcErr));
      setPath(doc, 'haproxy.connections.ssl_c_err', Number(g.sslCErr));
      setPath(doc, 'haproxy.connections.ssl_c_ca_err', Number(g.sslCaErr));
      if (g.resumed === '1') setPath(doc, 'tls.resumed', true);
      setPath(doc, 'tls.client.server_name', g.sni);
      setPath(doc, 'destination.domain', g.sni);
      setPath(doc, 'url.domain', g.sni);
      setPath(doc, 'tls.version_protocol', g.tlsProto.toLowerCase());
      setPath(doc, 'tls.version', g.tlsVer);
      setPath(doc, 'tls.cipher', g.cipher);
    }
    setPath(doc, 'haproxy.mode', 'http');
    // Elastic adds network/connection only when both ends are known.
    setPath(doc, 'event.category', g.dst && isIpAddress(g.dst) ? ['web', 'network'] : ['web']);
    if (g.dst && isIpAddress(g.dst)) setPath(doc, 'event.type', ['connection']);
    setIfDefined(doc, 'event.outcome', httpOutcome(status >= 0 ? status : undefined));
    return true;
  }
  let m = TCP_LINE.exec(message);
  if (m) {
    setClient(doc, m[1], m[2], m[3], tz);
    setPath(doc, 'haproxy.frontend_name', m[4]);
    setPath(doc, 'haproxy.backend_name', m[5]);
    setPath(doc, 'haproxy.server_name', m[6]);
    setPath(doc, 'haproxy.total_waiting_time_ms', Number(m[7]));
    setPath(doc, 'haproxy.connection_wait_time_ms', Number(m[8]));
    setDuration(doc, Number(m[9]));
    setPath(doc, 'haproxy.bytes_read', Number(m[10]));
    setPath(doc, 'haproxy.termination_state', m[11]);
    setConnections(doc, m.slice(12, 19));
    setPath(doc, 'haproxy.mode', 'tcp');
    setPath(doc, 'network.transport', 'tcp');
    setPath(doc, 'event.category', ['network']);
    setPath(doc, 'event.type', ['connection']);
    // A termination state starting with '-' means the session ended normally.
    setPath(doc, 'event.outcome', m[11].startsWith('-') ? 'success' : 'failure');
    return true;
  }
  m = CONNECT_LINE.exec(message);
  if (m) {
    setPath(doc, 'source.address', m[1]);
    setPath(doc, 'source.ip', m[1]);
    setPath(doc, 'source.port', Number(m[2]));
    setPath(doc, 'destination.ip', m[3]);
    setPath(doc, 'destination.port', Number(m[4]));
    setPath(doc, 'haproxy.frontend_name', m[5]);
    setPath(doc, 'haproxy.mode', m[6]);
    setPath(doc, 'event.category', m[6].toUpperCase() === 'HTTP' ? ['web', 'network'] : ['network']);
    setPath(doc, 'event.type', ['connection', 'start']);
    return true;
  }
  m = ERROR_LINE.exec(message);
  if (m) {
    setClient(doc, m[1], m[2], m[3], tz);
    setPath(doc, 'haproxy.frontend_name', m[4]);
    setPath(doc, 'haproxy.bind_name', m[5]);
    setPath(doc, 'haproxy.error_message', m[6]);
    setPath(doc, 'event.category', ['web']);
    setPath(doc, 'event.type', ['error']);
    setPath(doc, 'event.outcome', 'failure');
    return true;
  }
  return false;
}

export function parseHaproxy(raw: RawRecord): ParseResult {
  const env = syslogEnvelope(raw, 'haproxy', DATASET);
  if (!env) return parseFailure(raw, DATASET, 'unreadable line');
  const { doc } = env;
  let message = env.message.trim();
  // Lines from a file written by a local syslog without its header still start with 'haproxy[pid]: '.
  const prog = /^([\w.-]+)\[(\d+)\]: /.exec(message);
  if (prog) {
    setPath(doc, 'process.name', prog[1]);
    setPath(doc, 'process.pid', Number(prog[2]));
    message = message.slice(prog[0].length);
  }
  if (!applyHaproxyMessage(message, doc, defaultZoneOf(raw.tz))) {
    // Startup/health messages ('Proxy x started.', 'Server b/s is DOWN') are kept as plain events.
    if (!env.header && !prog && !raw.document) {
      return parseFailure(raw, DATASET, 'not an HAProxy log line: expected an HTTP, TCP, error or "Connect from" record');
    }
    const down = /^(?:\[\w+\] \(\d+\) : )?Server (\S+)\/(\S+) is (DOWN|UP)/.exec(message);
    if (down) {
      setPath(doc, 'haproxy.backend_name', down[1]);
      setPath(doc, 'haproxy.server_name', down[2]);
      setPath(doc, 'event.kind', 'state');
      setPath(doc, 'event.category', ['network']);
      setPath(doc, 'event.type', ['change']);
    }
  }
  setPath(doc, 'message', message);
  return { ok: true, events: [fillRelated(doc)] };
}

export const haproxyParser: Parser = {
  dataset: DATASET,
  parse: parseHaproxy,
  detect: (line) => / haproxy\[\d+\]: /.test(line),
};

