// Elastic's system.auth: /var/log/auth.log and /var/log/secure. sshd logins and disconnects,
// sudo and su, PAM (sessions, auth failures, password changes, faillock) and the shadow-utils
// user/group management tools, mapped the way Elastic's pipeline maps them.
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { isIpAddress, setIfDefined, toInt } from '../normalise/ecs-build.ts';
import { parseKeyValues } from '../normalise/kv.ts';
import { fillRelated } from '../normalise/related.ts';
import { parseFailure } from './parse-error.ts';
import { syslogEnvelope } from './syslog-header.ts';
import type { ParseResult, Parser, RawRecord } from './types.ts';

const DATASET = 'system.auth';

type Rule = { re: RegExp; apply: (m: RegExpExecArray, doc: EcsEvent) => void };

function classify(doc: EcsEvent, category: string[], type: string[], outcome?: 'success' | 'failure', action?: string): void {
  setPath(doc, 'event.category', category);
  setPath(doc, 'event.type', type);
  setIfDefined(doc, 'event.outcome', outcome);
  setIfDefined(doc, 'event.action', action);
}

/** Sets source.ip (or source.domain for names) and source.address from a host text. */
function setSourceHost(doc: EcsEvent, host: string | undefined, port?: string): void {
  if (host === undefined) return;
  setPath(doc, 'source.address', host);
  if (isIpAddress(host)) setPath(doc, 'source.ip', host);
  else setPath(doc, 'source.domain', host);
  setIfDefined(doc, 'source.port', toInt(port));
}

const HOST = String.raw`(\S+?)`;
const PORT = String.raw`(?: port (\d+))?`;

const SSH_RULES: Rule[] = [
  {
    // Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:...
    re: new RegExp(String.raw`^(Accepted|Failed|Postponed) (\S+) for (invalid user )?(.*?) from ${HOST}${PORT}(?: (ssh\d?))?(?:: (.+?))?(?: \[preauth\])?$`),
    apply: (m, doc) => {
      const ok = m[1] === 'Accepted';
      setPath(doc, 'system.auth.ssh.event', m[1]);
      setPath(doc, 'system.auth.ssh.method', m[2]);
      setIfDefined(doc, 'system.auth.ssh.signature', m[8]);
      setIfDefined(doc, 'user.name', m[4]);
      setSourceHost(doc, m[5], m[6]);
      // 'Postponed' is an intermediate step of a login, not an outcome.
      if (m[1] !== 'Postponed') {
        classify(doc, ok ? ['authentication', 'session'] : ['authentication'], ['info'], ok ? 'success' : 'failure', 'ssh_login');
      }
    },
  },
  {
    re: new RegExp(`^Invalid user (.*?) from ${HOST}${PORT}$`),
    apply: (m, doc) => {
      setPath(doc, 'system.auth.ssh.event', 'Invalid');
      setIfDefined(doc, 'user.name', m[1]);
      setSourceHost(doc, m[2], m[3]);
      classify(doc, ['authentication'], ['info'], 'failure', 'ssh_login');
    },
  },
  {
    re: new RegExp(`^Did not receive identification string from ${HOST}${PORT}$`),
    apply: (m, doc) => {
      setPath(doc, 'system.auth.ssh.dropped_ip', m[1]);
      if (isIpAddress(m[1])) setPath(doc, 'source.ip', m[1]);
      setIfDefined(doc, 'source.port', toInt(m[2]));
    },
  },
  {
    // error: PAM: User not known to the underlying authentication module for illegal user test from test.example.com
    re: new RegExp(String.raw`^(error: PAM: .*?) for (?:(?:illegal|invalid) user )?(\S+) from ${HOST}$`),
    apply: (m, doc) => {
      setPath(doc, 'system.auth.ssh.event', m[1]);
      setIfDefined(doc, 'user.name', m[2]);
      setSourceHost(doc, m[3]);
    },
  },
  {
    re: new RegExp(String.raw`^(?:Disconnected from|Connection closed by|Connection reset by|Received disconnect from) (?:(?:invalid|authenticating) )?(?:user (\S+) )?${HOST}${PORT}(?::\s*(\d+):\s*(.*?))?(?: \[preauth\])?$`),
    apply: (m, doc) => {
      setIfDefined(doc, 'user.name', m[1]);
      setSourceHost(doc, m[2], m[3]);
      setPath(doc, 'system.auth.ssh.event', 'Disconnect');
      classify(doc, ['network'], ['end', 'connection'], undefined, 'ssh_disconnect');
    },
  },
  {
    re: new RegExp(String.raw`^(?:error: )?maximum authentication attempts exceeded for (?:invalid user )?(\S+) from ${HOST}${PORT}`),
    apply: (m, doc) => {
      setIfDefined(doc, 'user.name', m[1]);
      setSourceHost(doc, m[2], m[3]);
      classify(doc, ['authentication'], ['info'], 'failure', 'ssh_login');
    },
  },
  {
    re: new RegExp(`^Unable to negotiate with ${HOST}${PORT}: (.*)$`),
    apply: (m, doc) => {
      setSourceHost(doc, m[1], m[2]);
      setPath(doc, 'system.auth.ssh.event', 'Unable to negotiate');
      classify(doc, ['network'], ['connection', 'denied'], 'failure');
    },
  },
];

// An optional error ('user NOT in sudoers', '3 incorrect password attempts') precedes the KEY=value list.
const SUDO_KV = /^\s*(\S+) : (?:((?!(?:TTY|PWD|USER|GROUP|ENV|COMMAND)=)[^;]*?) ; )?((?:TTY|PWD|USER|GROUP|ENV|COMMAND)=.*)$/;

function applySudo(m: RegExpExecArray, doc: EcsEvent): void {
  setPath(doc, 'user.name', m[1]);
  if (m[2]) setPath(doc, 'system.auth.sudo.error', m[2]);
  // Fields are ' ; '-separated; COMMAND is last and may itself hold ' ; '.
  const parts = m[3].split(' ; ');
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq < 0) continue;
    const key = parts[i].slice(0, eq);
    const value = key === 'COMMAND' ? parts.slice(i).join(' ; ').slice(eq + 1) : parts[i].slice(eq + 1);
    const field = { TTY: 'tty', PWD: 'pwd', USER: 'user', GROUP: 'group', ENV: 'env', COMMAND: 'command' }[key];
    if (field) setPath(doc, `system.auth.sudo.${field}`, value);
    if (key === 'USER') setPath(doc, 'user.effective.name', value);
    if (key === 'GROUP') setPath(doc, 'group.name', value);
    if (key === 'COMMAND') break;
  }
  classify(doc, ['process'], ['start'], m[2] ? 'failure' : undefined);
}

const PAM_SERVICE = String.raw`pam_(\w+)\(([^:)]+):(\w+)\): `;

function pamKv(text: string): Record<string, string> {
  return parseKeyValues(text).record;
}

const PAM_RULES: Rule[] = [
  {
    re: new RegExp(String.raw`^(?:${PAM_SERVICE}|PAM \d+ more )authentication failures?;\s*(.*)$`),
    apply: (m, doc) => {
      const kv = pamKv(m[4]);
      const ruser = kv.ruser;
      const user = kv.user;
      setIfDefined(doc, 'user.name', ruser || user);
      if (ruser && user) {
        setPath(doc, 'user.effective.name', user);
        setIfDefined(doc, 'user.id', kv.uid);
        setIfDefined(doc, 'user.effective.id', kv.euid);
      }
      if (kv.rhost) setSourceHost(doc, kv.rhost);
      setIfDefined(doc, 'system.auth.pam.tty', kv.tty);
      classify(doc, ['authentication'], ['info'], 'failure', 'authentication_failure');
    },
  },
  {
    // 'session opened for user root(uid=0) by vagrant(uid=1000)', older PAM: 'for user root by (uid=0)'.
    // As in Elastic, the acting user (after 'by') is user.name and the session's user is user.effective.
    re: new RegExp(String.raw`^${PAM_SERVICE}session (opened|closed) for user ['"]?([^\s('"]+)['"]?(?:\(uid=(\d+)\))?(?: by ['"]?([^\s('"]*)['"]?(?:\(uid=(\d+)\))?)?`),
    apply: (m, doc) => {
      const opened = m[4] === 'opened';
      setPath(doc, 'system.auth.pam.module', `pam_${m[1]}`);
      setPath(doc, 'system.auth.pam.session_type', m[2]);
      const by = m[7];
      if (by) {
        setPath(doc, 'user.name', by);
        setPath(doc, 'user.effective.name', m[5]);
        setIfDefined(doc, 'user.effective.id', m[6]);
      } else {
        setPath(doc, 'user.name', m[5]);
      }
      setIfDefined(doc, 'user.id', m[8] ?? (by ? undefined : m[6]));
      classify(doc, ['session'], [opened ? 'start' : 'end'], 'success', opened ? 'logged-on' : 'logged-off');
    },
  },
  {
    re: new RegExp(String.raw`^${PAM_SERVICE}password changed for (\S+)`),
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[4]);
      setPath(doc, 'user.target.name', m[4]);
      classify(doc, ['iam'], ['change'], 'success', 'password-changed');
    },
  },
  {
    re: new RegExp(`^${PAM_SERVICE}(?:new password not acceptable|password change failed|authentication token manipulation error)`, 'i'),
    apply: (_m, doc) => classify(doc, ['iam'], ['change'], 'failure', 'password-changed'),
  },
  {
    re: new RegExp(String.raw`^${PAM_SERVICE}Consecutive login failures for user (\S+) account temporarily locked`),
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[4]);
      classify(doc, ['authentication'], ['info'], 'failure', 'account-locked');
    },
  },
  {
    re: new RegExp(String.raw`^${PAM_SERVICE}(?:check pass; )?user (\S+?) ?\(?unknown\)?`),
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[4]);
      classify(doc, ['authentication'], ['info'], 'failure', 'authentication_failure');
    },
  },
];

const IAM_RULES: Rule[] = [
  {
    re: /^new user: name=([^,]+), UID=(\d+), GID=(\d+), home=([^,]*), shell=([^,]*)(?:, from=(.*))?$/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      setPath(doc, 'user.id', m[2]);
      setPath(doc, 'group.id', m[3]);
      setIfDefined(doc, 'system.auth.useradd.home', m[4]);
      setIfDefined(doc, 'system.auth.useradd.shell', m[5]);
      setIfDefined(doc, 'system.auth.useradd.from', m[6]);
      classify(doc, ['iam'], ['user', 'creation'], 'success', 'user-created');
    },
  },
  {
    re: /^(?:new group|group added to \S+): name=([^,]+), GID=(\d+)/,
    apply: (m, doc) => {
      setPath(doc, 'group.name', m[1]);
      setPath(doc, 'group.id', m[2]);
      classify(doc, ['iam'], ['group', 'creation'], 'success', 'group-created');
    },
  },
  {
    re: /^failed adding user '([^']+)', (?:exit code|data deleted): ?(\d*)/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      classify(doc, ['iam'], ['user', 'creation'], 'failure');
    },
  },
  {
    re: /^delete user '([^']+)'/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      setPath(doc, 'user.target.name', m[1]);
      classify(doc, ['iam'], ['user', 'deletion'], 'success', 'user-deleted');
    },
  },
  {
    re: /^delete '([^']+)' from (shadow )?group '([^']+)'/,
    apply: (m, doc) => {
      setPath(doc, 'user.target.name', m[1]);
      setPath(doc, 'group.name', m[3]);
      classify(doc, ['iam'], ['user', 'deletion'], 'success', 'group-member-removed');
    },
  },
  {
    re: /^(?:removed (shadow )?group '([^']+)'(?: owned by '([^']+)')?|group '([^']+)' removed(?: from \S+)?)/,
    apply: (m, doc) => {
      setPath(doc, 'group.name', m[2] ?? m[4]);
      classify(doc, ['iam'], ['user', 'deletion'], 'success');
    },
  },
  {
    re: /^add '([^']+)' to (shadow )?group '([^']+)'/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      setPath(doc, 'user.target.name', m[1]);
      setPath(doc, 'group.name', m[3]);
      classify(doc, ['iam'], ['user', 'change'], 'success', 'group-member-added');
    },
  },
  {
    re: /^change user name '([^']+)' to '([^']+)'/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      setPath(doc, 'user.changes.name', m[2]);
      classify(doc, ['iam'], ['user', 'change'], 'success', 'user-renamed');
    },
  },
  {
    re: /^(?:change user|lock user|unlock user) '([^']+)'/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      classify(doc, ['iam'], ['user', 'change'], 'success');
    },
  },
  {
    re: /^user (\S+) (added|removed) by (\S+) (?:to|from) group (\S+)/,
    apply: (m, doc) => {
      setPath(doc, 'user.target.name', m[1]);
      setPath(doc, 'user.name', m[3]);
      setPath(doc, 'group.name', m[4]);
      classify(doc, ['iam'], ['change'], 'success', m[2] === 'added' ? 'group-user-added' : 'group-user-removed');
    },
  },
  {
    re: /^(?:members of group (\S+) set by (\S+) to (.*)|group (\S+) (?:changed|modified) by (\S+))/,
    apply: (m, doc) => {
      setPath(doc, 'group.name', m[1] ?? m[4]);
      setPath(doc, 'user.name', m[2] ?? m[5]);
      classify(doc, ['iam'], ['group', 'change'], 'success');
    },
  },
  {
    re: /^group changed in \S+ \(group ([^,/]+)\/(\d+)(?:, new name: ([^)/]+))?/,
    apply: (m, doc) => {
      setPath(doc, 'group.name', m[1]);
      setPath(doc, 'group.id', m[2]);
      classify(doc, ['iam'], ['group', 'change'], 'success');
    },
  },
  {
    re: /^password check failed for user \((\S+)\)/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[1]);
      classify(doc, ['authentication'], ['info'], 'failure');
    },
  },
  {
    re: /^password for '([^']+)' changed by '([^']+)'/,
    apply: (m, doc) => {
      setPath(doc, 'user.target.name', m[1]);
      setPath(doc, 'user.name', m[2]);
      classify(doc, ['iam'], ['user', 'change'], 'success', 'password-changed');
    },
  },
];

const SU_RULES: Rule[] = [
  {
    // su: (to root) alice on pts/0  |  FAILED SU (to root) alice on pts/0
    re: /^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[3]);
      setPath(doc, 'user.effective.name', m[2]);
      classify(doc, ['authentication'], ['start'], m[1] ? 'failure' : 'success', 'su');
    },
  },
  {
    re: /^(Successful|FAILED) su for (\S+) by (\S+)/,
    apply: (m, doc) => {
      setPath(doc, 'user.name', m[3]);
      setPath(doc, 'user.effective.name', m[2]);
      classify(doc, ['authentication'], ['start'], m[1] === 'Successful' ? 'success' : 'failure', 'su');
    },
  },
];

function applyRules(rules: Rule[], message: string, doc: EcsEvent): boolean {
  for (const r of rules) {
    const m = r.re.exec(message);
    if (m) {
      r.apply(m, doc);
      return true;
    }
  }
  return false;
}

/** Maps one sshd message onto `doc` (used by other datasets whose devices run OpenSSH). */
export function applySshMessage(message: string, doc: EcsEvent): boolean {
  return applyRules(SSH_RULES, message.trim(), doc);
}

// The shadow-utils tools: Elastic classifies their events by the tool, whatever the message says.
const IAM_TOOLS: Record<string, [string, string]> = {
  useradd: ['user', 'creation'], userdel: ['user', 'deletion'], usermod: ['user', 'change'],
  groupadd: ['group', 'creation'], groupdel: ['group', 'deletion'], groupmod: ['group', 'change'],
};

function classifyIamTool(doc: EcsEvent, program: string, message: string): void {
  const kind = IAM_TOOLS[program];
  if (!kind) return;
  setPath(doc, 'event.category', ['iam']);
  setPath(doc, 'event.type', [...kind]);
  setPath(doc, 'event.outcome', message.includes('fail') ? 'failure' : 'success');
}

/**
 * What Elastic reads from any auth message the specific rules did not cover: the user named by
 * 'for user X [by Y(uid=N)]', 'by user X' or "user 'X'", and the PAM service type (session/auth).
 */
function applyGenericPam(doc: EcsEvent, message: string): void {
  const pam = /^pam_\w+\([^:)]*:(\w+)\)/.exec(message);
  if (pam && getPath(doc, 'event.category') === undefined) {
    if (pam[1] === 'session') setPath(doc, 'event.category', ['session']);
    else if (pam[1] === 'auth') setPath(doc, 'event.category', ['authentication']);
  }
  if (getPath(doc, 'event.action') === undefined) {
    if (message.includes('session opened')) setPath(doc, 'event.action', 'logged-on');
    else if (message.includes('session closed')) setPath(doc, 'event.action', 'logged-off');
  }
  if (getPath(doc, 'user.name') !== undefined) return;
  const forBy = /for user ['"]?([^'"\s(]+)['"]?(?:\(uid=\d+\))? by ['"]?([^'"\s(]*)['"]?(?:\(uid=(\d+)\))?$/.exec(message);
  if (forBy) {
    setPath(doc, 'user.name', forBy[2] || forBy[1]);
    if (forBy[2]) setPath(doc, 'user.effective.name', forBy[1]);
    setIfDefined(doc, 'user.id', forBy[3]);
    return;
  }
  const named = /for user ['"]?([^'"\s]+?)['"]?$/.exec(message) ?? /by user ['"]?([^'"\s]+?)['"]?$/.exec(message) ??
    /(?<! ) user ['"]([^'"]+)['"]/.exec(message);
  if (named) setPath(doc, 'user.name', named[1]);
}

export function parseSystemAuth(raw: RawRecord): ParseResult {
  const env = syslogEnvelope(raw, 'system', DATASET, true);
  if (!env) return parseFailure(raw, DATASET, 'no syslog header: expected "Mmm dd hh:mm:ss HOST PROGRAM[PID]: MESSAGE"');
  const { doc } = env;
  const message = env.message.replace(/\s+$/, '');
  const program = String(getPath(doc, 'process.name') ?? '');
  const trimmed = message.replace(/^\s+/, '');
  const sudo = SUDO_KV.exec(message);
  if (program === 'sudo' && sudo) applySudo(sudo, doc);
  else if (!applyRules(PAM_RULES, trimmed, doc)) {
    // sshd's messages are recognised whatever the program is called (sshd-session, sshd@, a wrapper).
    const matched =
      (program.startsWith('sshd') && applyRules(SSH_RULES, trimmed, doc)) ||
      (program === 'su' && applyRules(SU_RULES, trimmed, doc)) ||
      applyRules(IAM_RULES, trimmed, doc) ||
      applyRules(SSH_RULES, trimmed, doc);
    if (!matched && sudo) applySudo(sudo, doc);
  }
  classifyIamTool(doc, program, trimmed);
  applyGenericPam(doc, trimmed);
  return { ok: true, events: [fillRelated(doc)] };
}

export const systemAuthParser: Parser = { dataset: DATASET, parse: parseSystemAuth };
