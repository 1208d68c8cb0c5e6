import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type EcsEvent, getPath } from '../../core/ecs.ts';
import { normalizeCommand } from './normalize.ts';
import type { CommandIo } from './types.ts';

async function runNormalize(values: Record<string, string>, stdinText = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: string[] = [];
  const errs: string[] = [];
  stdout.on('data', (c) => chunks.push(String(c)));
  stderr.on('data', (c) => errs.push(String(c)));
  const io: CommandIo = { stdout, stderr, stdin: Readable.from([stdinText]), env: {}, cwd: tmpdir(), isTTY: false };
  const code = await normalizeCommand.run({ values, positionals: [] }, io);
  const docs = chunks
    .join('')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EcsEvent);
  return { code, docs, stderr: errs.join('') };
}

describe('vigil normalize', () => {
  it('prints one ECS document per line, in order, with dead letters in place and exit 1', async () => {
    const input = [
      'Feb 20 08:35:22 slave22 sshd[5774]: Failed password for root from 89.160.20.156 port 29160 ssh2',
      'this is not syslog',
      '2026-05-17T18:02:03.000000+00:00 host12345 gpasswd[3456789]: user alice added by root to group sudo',
    ].join('\n');
    const r = await runNormalize({ dataset: 'system.auth', 'received-at': '2026-03-01T00:00:00Z' }, input);
    expect(r.code).toBe(1);
    expect(r.docs).toHaveLength(3);
    expect(getPath(r.docs[0], '@timestamp')).toBe('2026-02-20T08:35:22.000Z');
    expect(getPath(r.docs[0], 'source.ip')).toBe('89.160.20.156');
    expect(getPath(r.docs[0], 'event.outcome')).toBe('failure');
    expect(getPath(r.docs[1], 'event')).toEqual({ kind: 'pipeline_error', original: 'this is not syslog', dataset: 'system.auth' });
    expect(getPath(r.docs[1], 'error.code')).toBe('INGEST_PARSE');
    expect(getPath(r.docs[1], 'error.message')).toContain('stdin:2');
    expect(getPath(r.docs[2], 'group.name')).toBe('sudo');
    expect(r.stderr).toContain('1 event(s) could not be parsed');
  });

  it('reads timestamps in --tz and exits 0 when all lines parse', async () => {
    const r = await runNormalize(
      { dataset: 'rfc3164', tz: 'Europe/Berlin', 'received-at': '2026-08-01T00:00:00Z' },
      '<34>Jul 21 21:26:53 mymachine su: \'su root\' failed for lonvick on /dev/pts/8\n',
    );
    expect(r.code).toBe(0);
    expect(getPath(r.docs[0], '@timestamp')).toBe('2026-07-21T21:26:53.000+02:00');
    expect(getPath(r.docs[0], 'log.syslog.facility.code')).toBe(4);
  });

  it('passes JSON lines to the parser as agent documents', async () => {
    const line = JSON.stringify({
      '@timestamp': '2026-08-19T12:48:19.263Z',
      host: { hostname: 'server1' },
      log: { syslog: { appname: 'sudo' } },
      message: 'testuser : TTY=none ; PWD=/ ; USER=root ; COMMAND=/usr/bin/id -u',
    });
    const r = await runNormalize({ dataset: 'system.auth' }, `${line}\n`);
    expect(r.code).toBe(0);
    expect(getPath(r.docs[0], 'user.effective.name')).toBe('root');
    expect(getPath(r.docs[0], 'system.auth.sudo.command')).toBe('/usr/bin/id -u');
    expect(getPath(r.docs[0], '@timestamp')).toBe('2026-08-19T12:48:19.263Z');
  });

  it('reads --file, including the {"events": [...]} JSON shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-normalize-'));
    const file = join(dir, 'events.json');
    writeFileSync(file, JSON.stringify({ events: [{ message: '2019-06-14T10:40:20.912134 localhost sudo: hello' }] }));
    const r = await runNormalize({ dataset: 'system.syslog', file });
    expect(r.code).toBe(0);
    expect(getPath(r.docs[0], 'process.name')).toBe('sudo');
    expect(getPath(r.docs[0], 'message')).toBe('hello');
  });

  it('detects the dataset per line with --dataset auto', async () => {
    const input = [
      'Feb 20 08:35:22 slave22 sshd[5774]: Accepted password for bob from 192.0.2.4 port 2222 ssh2',
      '192.0.2.3 - - [10/Oct/2025:13:55:36 +0000] "GET /x HTTP/1.1" 404 10 "-" "curl/8"',
    ].join('\n');
    const r = await runNormalize({ dataset: 'auto', 'received-at': '2026-03-01T00:00:00Z' }, input);
    expect(r.code).toBe(0);
    expect(r.docs.map((d) => getPath(d, 'event.dataset'))).toEqual(['system.auth', 'nginx.access']);
    expect(getPath(r.docs[0], 'user.name')).toBe('bob');
    expect(getPath(r.docs[1], 'http.response.status_code')).toBe(404);
  });

  it('refuses an unknown dataset with the known ones listed, exit 2', async () => {
    const r = await runNormalize({ dataset: 'no.such' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown dataset 'no.such'");
    expect(r.stderr).toContain('system.auth');
  });

  it('refuses a bad --tz, exit 2', async () => {
    const r = await runNormalize({ dataset: 'system.auth', tz: 'Mars/Olympus' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--tz 'Mars/Olympus'");
  });
});
