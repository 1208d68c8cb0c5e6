import { describe, expect, it } from 'vitest';
import { systemAuthParser } from './system-auth.ts';
import { parseError, parseOne } from './test-support.ts';

const p = (line: string) => parseOne(systemAuthParser, line);

describe('system.auth: sshd', () => {
  it('maps a failed password for an invalid user from IPv6', () => {
    const d = p('Mar  3 10:00:00 bastion sshd[811]: Failed password for invalid user oracle from 2001:db8::7 port 50122 ssh2');
    expect(d.get('user.name')).toBe('oracle');
    expect(d.get('source.ip')).toBe('2001:db8::7');
    expect(d.get('source.port')).toBe(50122);
    expect(d.get('event.category')).toEqual(['authentication']);
    expect(d.get('event.outcome')).toBe('failure');
    expect(d.get('event.action')).toBe('ssh_login');
    expect(d.get('process.pid')).toBe(811);
  });

  it('maps keyboard-interactive success as a session', () => {
    const d = p('Mar  3 10:00:00 bastion sshd[811]: Accepted keyboard-interactive/pam for bob from 198.51.100.4 port 2222 ssh2');
    expect(d.get('system.auth.ssh.method')).toBe('keyboard-interactive/pam');
    expect(d.get('event.category')).toEqual(['authentication', 'session']);
    expect(d.get('event.outcome')).toBe('success');
    expect(d.get('related.ip')).toEqual(['198.51.100.4']);
    expect(d.get('related.user')).toEqual(['bob']);
  });

  it('maps disconnects and too many attempts', () => {
    const dc = p('Mar  3 10:00:01 bastion sshd[811]: Disconnected from invalid user admin 203.0.113.5 port 40404 [preauth]');
    expect(dc.get('user.name')).toBe('admin');
    expect(dc.get('source.ip')).toBe('203.0.113.5');
    expect(dc.get('event.action')).toBe('ssh_disconnect');
    const max = p('Mar  3 10:00:02 bastion sshd[811]: error: maximum authentication attempts exceeded for root from 203.0.113.5 port 40404 ssh2 [preauth]');
    expect(max.get('event.outcome')).toBe('failure');
    expect(max.get('user.name')).toBe('root');
  });
});

describe('system.auth: sudo, su, PAM', () => {
  it('maps sudo with a GROUP and a command holding " ; "', () => {
    const d = p('Mar  3 10:00:00 db1 sudo:   carol : TTY=pts/2 ; PWD=/srv ; USER=postgres ; GROUP=postgres ; COMMAND=/bin/sh -c echo a ; echo b');
    expect(d.get('user.name')).toBe('carol');
    expect(d.get('user.effective.name')).toBe('postgres');
    expect(d.get('group.name')).toBe('postgres');
    expect(d.get('system.auth.sudo.command')).toBe('/bin/sh -c echo a ; echo b');
    expect(d.get('event.category')).toEqual(['process']);
  });

  it('keeps the sudo error', () => {
    const d = p('Mar  3 10:00:00 db1 sudo:   carol : 3 incorrect password attempts ; TTY=pts/2 ; PWD=/srv ; USER=root ; COMMAND=/bin/bash');
    expect(d.get('system.auth.sudo.error')).toBe('3 incorrect password attempts');
    expect(d.get('system.auth.sudo.tty')).toBe('pts/2');
  });

  it('maps PAM sessions with the acting user as user.name', () => {
    const d = p('Mar  3 10:00:00 db1 sudo[99]: pam_unix(sudo:session): session opened for user root(uid=0) by carol(uid=1001)');
    expect(d.get('user.name')).toBe('carol');
    expect(d.get('user.id')).toBe('1001');
    expect(d.get('user.effective.name')).toBe('root');
    expect(d.get('event.category')).toEqual(['session']);
    expect(d.get('event.action')).toBe('logged-on');
    const closed = p('Mar  3 10:05:00 db1 systemd-logind[1]: pam_unix(systemd-user:session): session closed for user carol');
    expect(closed.get('user.name')).toBe('carol');
    expect(closed.get('event.action')).toBe('logged-off');
  });

  it('maps PAM auth failures with rhost', () => {
    const d = p('Mar  3 10:00:00 db1 sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.44  user=dave');
    expect(d.get('user.name')).toBe('dave');
    expect(d.get('source.ip')).toBe('192.0.2.44');
    expect(d.get('event.action')).toBe('authentication_failure');
  });

  it('takes the user from messages of other PAM modules and tools', () => {
    const sys = p('Mar  3 10:00:00 db1 sshd[5]: pam_systemd(sshd:session): New sd-bus connection for user carol');
    expect(sys.get('event.category')).toEqual(['session']);
    const chfn = p("Mar  3 10:00:00 db1 chfn[6]: changed user 'dave' information");
    expect(chfn.get('user.name')).toBe('dave');
    const kr = p('Mar  3 10:00:00 db1 gdm-password][7]: gkr-pam: unlocked login keyring for user erin');
    expect(kr.get('user.name')).toBe('erin');
  });

  it('maps su', () => {
    const d = p('Mar  3 10:00:00 db1 su[7]: FAILED SU (to root) erin on pts/1');
    expect(d.get('user.name')).toBe('erin');
    expect(d.get('user.effective.name')).toBe('root');
    expect(d.get('event.outcome')).toBe('failure');
  });
});

describe('system.auth: user and group management', () => {
  it('classifies by the tool that logged', () => {
    const g = p('Mar  3 10:00:00 db1 groupadd[3]: group added to /etc/group: name=ops, GID=1005');
    expect(g.get('group.name')).toBe('ops');
    expect(g.get('event.type')).toEqual(['group', 'creation']);
    const u = p("Mar  3 10:00:00 db1 usermod[4]: change user name 'old' to 'new'");
    expect(u.get('user.name')).toBe('old');
    expect(u.get('user.changes.name')).toBe('new');
    expect(u.get('event.type')).toEqual(['user', 'change']);
    const gd = p("Mar  3 10:00:00 db1 groupdel[5]: group 'ops' removed from /etc/group");
    expect(gd.get('group.name')).toBe('ops');
    expect(gd.get('event.type')).toEqual(['group', 'deletion']);
  });

  it('refuses a line without a syslog header', () => {
    expect(parseError(systemAuthParser, 'Accepted password for x')).toContain('system.auth: no syslog header');
  });
});
