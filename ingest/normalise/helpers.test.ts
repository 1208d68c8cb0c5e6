import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.ts';
import { deadLetterEvent } from './dead-letter.ts';
import { parseIpPort, toInt } from './ecs-build.ts';
import { parseKeyValues } from './kv.ts';
import { fillRelated } from './related.ts';
import { setRequestLine } from './url.ts';

describe('normalisation helpers', () => {
  it('fillRelated collects ips, users and host names once each', () => {
    const doc = fillRelated({
      source: { ip: '10.0.0.1', user: { name: 'bob' } },
      destination: { ip: '10.0.0.1', domain: 'example.org' },
      user: { name: 'alice', target: { name: 'bob' } },
      host: { hostname: 'web1', ip: ['192.0.2.7'] },
      related: { ip: ['203.0.113.9'] },
    });
    expect(doc.related).toEqual({
      ip: ['203.0.113.9', '10.0.0.1', '192.0.2.7'],
      user: ['alice', 'bob'],
      hosts: ['web1', 'example.org'],
    });
  });

  it('parseIpPort splits v4 and bracketed v6, and leaves names alone', () => {
    expect(parseIpPort('192.0.2.1:8080')).toEqual({ ip: '192.0.2.1', port: 8080 });
    expect(parseIpPort('[2001:db8::1]:443')).toEqual({ ip: '2001:db8::1', port: 443 });
    expect(parseIpPort('2001:db8::1')).toEqual({ ip: '2001:db8::1' });
    expect(parseIpPort('example.org:80')).toBeUndefined();
    expect(toInt('-')).toBeUndefined();
  });

  it('parseKeyValues keeps quoted spaces and escaped quotes', () => {
    const { record } = parseKeyValues('a=1 b="two words" c=\'x\' d="say \\"hi\\""');
    expect(record).toEqual({ a: '1', b: 'two words', c: 'x', d: 'say "hi"' });
    expect(parseKeyValues('op=adding user id=5', { joinBareWords: true }).record).toEqual({ op: 'adding user', id: '5' });
  });

  it('setRequestLine fills method, url parts and version', () => {
    const doc = {};
    expect(setRequestLine(doc, 'GET /a/b.PHP?q=%22x%22#top HTTP/1.1')).toBe(true);
    expect(doc).toMatchObject({
      http: { request: { method: 'GET' }, version: '1.1' },
      url: { original: '/a/b.PHP?q=%22x%22#top', path: '/a/b.PHP', query: 'q="x"', extension: 'php', fragment: 'top' },
    });
    expect(setRequestLine({}, '\\x16\\x03\\x01')).toBe(false);
  });

  it('deadLetterEvent keeps the raw text and the error code', () => {
    const raw = { message: 'garbage', receivedAt: new Date('2026-01-01T00:00:00Z'), source: 'file a.log:3' };
    const doc = deadLetterEvent(raw, new VigilError('INGEST_PARSE', 'file a.log:3: bad'), 'nginx.access');
    expect(doc).toEqual({
      '@timestamp': '2026-01-01T00:00:00.000Z',
      event: { kind: 'pipeline_error', original: 'garbage', dataset: 'nginx.access' },
      error: { message: 'file a.log:3: bad', code: 'INGEST_PARSE' },
    });
  });
});
