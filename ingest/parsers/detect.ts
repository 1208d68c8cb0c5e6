// Format auto-detection for raw lines (`dataset=auto`): JSON by its keys, Windows XML, CEF/LEEF,
// vendor signatures, then the syslog program name; plain key=value and bare syslog come last.
import { getPath2, isPlainObject } from '../../core/ecs.ts';
import { getParser } from './index.ts';
import { datasetForChannel, fromXml, shapeOf } from './windows/shapes.ts';

/** Programs whose syslog lines are authentication/account events (Elastic's system.auth). */
const AUTH_PROGRAMS = new Set([
  'sshd', 'sshd-session', 'sudo', 'su', 'useradd', 'userdel', 'usermod', 'groupadd', 'groupdel', 'groupmod', 'gpasswd',
  'passwd', 'chpasswd', 'chage', 'login', 'unix_chkpwd', 'pkexec', 'doas', 'newgrp', 'chsh', 'chfn', 'systemd-logind',
  'dropbear', 'polkitd', 'vipw', 'vigr', 'newusers', 'saslauthd',
]);

const BSD_HEADER =
  /^(?:<\d{1,3}>)?(?:\d+ )?(?:[A-Z][a-z]{2} {1,2}\d{1,2}(?: \d{4})? \d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\S*) (?:(\S+) )?(?:[a-z0-9]+\.[a-z]+ )?([^\s:[\]]+)(?:\[\d+\])?: /;
const RFC5424_HEADER = /^<\d{1,3}>1 \S+ \S+ (\S+) \S+ \S+ (?:-|\[.*?\]) ?/;

/** The syslog program (tag / app-name) of a line, if it has a syslog header. */
export function syslogProgram(line: string): string | undefined {
  const r = RFC5424_HEADER.exec(line);
  if (r) return r[1] === '-' ? undefined : r[1];
  const b = BSD_HEADER.exec(line);
  if (!b) return undefined;
  // Without a host, the only word before ':' is the program; with two words it is "host program".
  return b[2];
}

function detectJson(obj: Record<string, unknown>): string {
  // Agent-shipped documents say which dataset they belong to.
  const stream = getPath2(obj, 'data_stream', 'dataset', 'data_stream.dataset');
  if (typeof stream === 'string' && getParser(stream)) return stream;
  const named = getPath2(obj, 'event', 'dataset', 'event.dataset');
  if (typeof named === 'string' && getParser(named)) return named;
  const shape = shapeOf(obj);
  if (shape) {
    const channel =
      shape === 'winlogbeat'
        ? (obj.winlog as Record<string, unknown>).channel
        : shape === 'evtx_dump'
          ? ((obj.Event as Record<string, unknown>).System as Record<string, unknown>).Channel
          : shape === 'nxlog'
            ? obj.Channel
            : obj.log_name;
    return datasetForChannel(typeof channel === 'string' ? channel : undefined) ?? 'windows.forwarded';
  }
  if (typeof obj.event_type === 'string' && ('timestamp' in obj || 'flow_id' in obj || 'src_ip' in obj)) return 'suricata.eve';
  if ('eventVersion' in obj && ('eventSource' in obj || 'eventName' in obj)) return 'aws.cloudtrail';
  if (Array.isArray(obj.Records) && obj.Records.some((r) => isPlainObject(r) && 'eventVersion' in r)) return 'aws.cloudtrail';
  if ('uid' in obj && ('id.orig_h' in obj || isPlainObject(obj.id)) && 'ts' in obj) {
    if ('query' in obj || 'qtype_name' in obj || 'trans_id' in obj || 'rcode_name' in obj) return 'zeek.dns';
    if ('method' in obj || 'uri' in obj || 'status_code' in obj || 'user_agent' in obj) return 'zeek.http';
    if ('conn_state' in obj || 'history' in obj || 'orig_bytes' in obj || 'duration' in obj || 'service' in obj)
      return 'zeek.connection';
  }
  return 'json';
}

const has = (dataset: string, line: string): boolean => getParser(dataset)?.detect?.(line) ?? false;

/**
 * The dataset a raw line most likely belongs to, or undefined for an empty line. Lines no rule
 * recognises fall back to `kv` (at least two key=value pairs) or `system.syslog`.
 */
export function detectDataset(line: string): string | undefined {
  return detectLine(line).dataset;
}

/** What detection found: the dataset, and the line read as a JSON object when it is one. */
export interface Detection {
  dataset: string | undefined;
  json?: Record<string, unknown>;
}

/** `detectDataset`, also handing back the JSON object it parsed so the parser need not parse it again. */
export function detectLine(line: string): Detection {
  const text = line.trim();
  if (text === '') return { dataset: undefined };

  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) return { dataset: detectJson(parsed), json: parsed };
    } catch {
      // not JSON after all: try the text rules
    }
  }
  return { dataset: detectText(text, line) };
}

function detectText(text: string, line: string): string | undefined {
  if (/^<Event[\s>]/.test(text)) {
    const ev = fromXml(text);
    return datasetForChannel(ev?.channel) ?? 'windows.forwarded';
  }
  if (/(?:^|[\s:>])CEF:\d+\|/.test(text)) return 'cef';
  if (/(?:^|[\s:>])LEEF:[12]\.0\|/.test(text)) return 'leef';
  if (/%(?:ASA|FTD|PIX|FWSM)-(?:[A-Za-z_]+-)?\d-\d{6}/.test(text)) return 'cisco_asa.log';
  if (/\bdate=\d{4}-\d{2}-\d{2}\b/.test(text) && /\b(?:devname|devid|logid)=/.test(text)) return 'fortinet_fortigate.log';
  if (has('panw.panos', text)) return 'panw.panos';
  if (/(?:^|\s)type=[A-Z_]+ msg=audit\(\d+(?:\.\d+)?:\d+\)/.test(text)) return 'auditd.log';
  if (/ filterlog(?:\[\d+\])?: /.test(text) || / filterlog \d+ - /.test(text)) return 'pfsense.log';
  if (/\bIN=\S* OUT=\S*/.test(text) && /\bSRC=/.test(text)) return 'iptables.log';
  if (/ haproxy\[\d+\]: /.test(text)) return 'haproxy.log';
  if (has('apache.access', text) && /^\[\d{1,2}\/[A-Za-z]{3}\/\d{4}:/.test(text)) return 'apache.access';
  if (has('nginx.error', text)) return 'nginx.error';
  if (has('apache.error', text)) return 'apache.error';
  // Common/combined log format lines cannot be told apart between nginx and Apache; nginx is the default.
  if (/^\S.*? \S+ \S+ \[\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{4}\] "/.test(text)) return 'nginx.access';

  const program = syslogProgram(text);
  if (program) {
    const name = program.toLowerCase().replace(/\.exe$/, '');
    if (AUTH_PROGRAMS.has(name)) return 'system.auth';
    // Netfilter lines, also when a relay cut them short before IN= (Ubiquiti gateways).
    if (name === 'kernel' && /\b(?:IN=|SRC=|PROTO=\w+ SPT=)/.test(text)) return 'iptables.log';
    return 'system.syslog';
  }
  // sudo's own line format without a syslog header (journald ships the message alone).
  if (/^\s*\S+ : (?:TTY=\S+ ; )?PWD=\S.* ; USER=\S+ ; (?:COMMAND|TSID)=/.test(line)) return 'system.auth';
  if (/\bpam_\w+\(\S+:\w+\):/.test(text)) return 'system.auth';
  const pairs = text.match(/(?:^|\s)[\w.-]+=(?:"[^"]*"|'[^']*'|\S*)/g);
  if (pairs && pairs.length >= 2) return 'kv';
  return 'system.syslog';
}
