import { describe, expect, it } from 'vitest';
import { auditdParser, decodeAuditHex } from './auditd.ts';
import { parseError, parseOne } from './test-support.ts';

describe('auditd.log raw records', () => {
  it('maps a failed USER_LOGIN with a hex-encoded account and nested msg', () => {
    const d = parseOne(
      auditdParser,
      "type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=179.38.151.221 terminal=sshd res=failed'",
    );
    expect(d.get('@timestamp')).toBe('2017-04-22T21:25:01.818Z');
    expect(d.get('event.action')).toBe('user_login');
    expect(d.get('event.category')).toEqual(['authentication']);
    expect(d.get('event.type')).toEqual(['start']);
    expect(d.get('event.outcome')).toBe('failure');
    expect(d.get('user.name')).toBe('(invalid user)');
    expect(d.get('source.ip')).toBe('179.38.151.221');
    expect(d.get('process.executable')).toBe('/usr/sbin/sshd');
    expect(d.get('process.pid')).toBe(12635);
    expect(d.get('auditd.log.sequence')).toBe(19955);
  });

  it('maps SYSCALL records by syscall and keeps pointer arguments as written', () => {
    const d = parseOne(
      auditdParser,
      'type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=connect success=no exit=-13 a0=3 a1=7ffd items=0 ppid=2686 pid=3538 auid=1000 uid=1000 gid=1000 euid=0 comm="curl" exe="/usr/bin/curl" key="egress"',
    );
    expect(d.get('event.category')).toEqual(['network']);
    expect(d.get('event.type')).toEqual(['connection', 'start']);
    expect(d.get('network.direction')).toBe('egress');
    expect(d.get('host.architecture')).toBe('x86_64');
    expect(d.get('event.outcome')).toBe('failure');
    expect(d.get('process.name')).toBe('curl');
    expect(d.get('process.parent.pid')).toBe(2686);
    expect(d.get('process.exit_code')).toBe(-13);
    expect(d.get('user.effective.id')).toBe('0');
    expect(d.get('auditd.log.a1')).toBe('7ffd');
    expect(d.get('auditd.log.key')).toBe('egress');
  });

  it('builds process.args from EXECVE, decoding hex arguments', () => {
    const d = parseOne(auditdParser, 'type=EXECVE msg=audit(1485893634.500:77): argc=3 a0="ls" a1="-la" a2=2F746D702F6D7920646972');
    expect(d.get('process.args')).toEqual(['ls', '-la', '/tmp/my dir']);
    expect(d.get('process.executable')).toBe('ls');
    expect(d.get('process.args_count')).toBe(3);
  });

  it('reads the node= prefix, the ENRICHED names and a syslog-forwarded record', () => {
    const enriched = parseOne(
      auditdParser,
      "node=web1 type=USER_START msg=audit(1485893634.500:1): pid=1 uid=0 auid=1000 ses=3 msg='op=PAM:session_open acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=10.0.0.9 addr=10.0.0.9 terminal=ssh res=success'\u001dUID=\"root\" AUID=\"alice\"",
    );
    expect(enriched.get('auditd.log.node')).toBe('web1');
    expect(enriched.get('event.category')).toEqual(['session']);
    expect(enriched.get('user.audit.name')).toBe('alice');
    expect(enriched.get('user.name')).toBe('alice');
    expect(enriched.get('auditd.log.UID')).toBe('root');
    expect(enriched.get('user.effective.name')).toBe('alice');
    const viaSyslog = parseOne(
      auditdParser,
      "Jan  2 03:04:05 web1 audispd: type=ADD_USER msg=audit(1485893634.500:2): pid=10 uid=0 auid=1000 ses=1 msg='op=adding user id=1001 exe=\"/usr/sbin/useradd\" hostname=web1 addr=? terminal=pts/0 res=success'",
    );
    expect(viaSyslog.get('host.hostname')).toBe('web1');
    expect(viaSyslog.get('event.type')).toEqual(['user', 'creation']);
    expect(viaSyslog.get('user.target.id')).toBe('1001');
    expect(viaSyslog.get('auditd.log.op')).toBe('adding user');
  });

  it('reads the verdict of an SELinux AVC record', () => {
    const d = parseOne(
      auditdParser,
      'type=AVC msg=audit(1226270358.848:238): avc:  denied  { write } for  pid=13349 comm="certwatch" name="cache" dev=dm-0 ino=218171 scontext=system_u:system_r:certwatch_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=dir',
    );
    expect(d.get('auditd.log.avc.action')).toBe('denied');
    expect(d.get('auditd.log.avc.request')).toBe('write');
    expect(d.get('process.name')).toBe('certwatch');
    expect(d.get('event.action')).toBe('avc');
  });

  it('decodes hex only when auditd would have needed to encode', () => {
    expect(decodeAuditHex('2F62696E2F6C73')).toBe('2F62696E2F6C73');
    expect(decodeAuditHex('6C73002D6C61')).toBe('ls^@-la');
    expect(decodeAuditHex('xyz')).toBe('xyz');
  });

  it('refuses lines that are not audit records', () => {
    expect(parseError(auditdParser, 'type=foo')).toContain('auditd.log: not an audit record');
  });
});

describe('auditd.log coalesced documents', () => {
  it('moves user.audit under auditd, renames hyphenated keys and the sequence', () => {
    const message = 'type=LOGIN msg=audit(1485893634.500:18877100): pid=1455 uid=0 old-auid=4294967295 auid=1000 ses=42 res=1';
    const d = parseOne(auditdParser, message, {
      document: {
        '@timestamp': '2017-01-31T20:13:54.5Z',
        message,
        auditd: { sequence: 18877100, data: { 'old-ses': '4294967295' }, summary: { action: 'changed-login-id-to' } },
        event: { category: 'user-login', outcome: 'fail' },
        user: { name: 'root', audit: { id: '1000', name: 'alice' } },
        source: { path: '/run/socket', port: '22' },
      },
    });
    expect(d.get('auditd.data.old_ses')).toBe('4294967295');
    expect(d.get('event.sequence')).toBe(18877100);
    expect(d.get('auditd.user.audit.name')).toBe('alice');
    expect(d.get('user.audit')).toBeUndefined();
    expect(d.get('event.category')).toEqual(['authentication']);
    expect(d.get('event.outcome')).toBe('failure');
    expect(d.get('source.address')).toBe('/run/socket');
    expect(d.get('source.port')).toBe(22);
    expect(d.get('message')).toBeUndefined();
    expect(d.get('related.user')).toEqual(['alice', 'root']);
  });
});
