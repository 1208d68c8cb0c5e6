import { describe, expect, it } from 'vitest';
import { type EcsEvent, getPath } from '../../../core/ecs.ts';
import { VigilError } from '../../../core/errors.ts';
import { systemAuthParser } from '../../../ingest/parsers/system-auth.ts';
import { createIngestPipeline, type EventSink, UnparsedInput } from '../../../ingest/pipeline/pipeline.ts';
import { createDatasetRouter } from '../../../ingest/pipeline/routing.ts';

const SSHD_FAIL = 'Nov 24 10:00:01 web-01 sshd[123]: Failed password for root from 203.0.113.7 port 52144 ssh2';
const SSHD_OK = 'Nov 24 10:00:02 web-01 sshd[124]: Accepted publickey for alice from 10.0.0.9 port 50000 ssh2';
const quietLogger = { warn: () => {}, error: () => {} };

function memorySink(): EventSink & { events: EcsEvent[] } {
  const events: EcsEvent[] = [];
  return { events, push: async (batch) => void events.push(...batch) };
}

describe('ingest pipeline', () => {
  it('parses lines with the named dataset and dead-letters a line that fails, with its text and error', async () => {
    const sink = memorySink();
    const p = createIngestPipeline({ sink, logger: quietLogger });
    const r = await p.ingestRaw([SSHD_FAIL, '', 'this is not syslog at all'], {
      dataset: 'system.auth',
      source: 'http',
      receivedAt: new Date('2026-11-24T12:00:00Z'),
    });
    expect(r.accepted).toBe(1);
    expect(r.rejected).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 3, code: 'INGEST_PARSE' });
    expect(sink.events).toHaveLength(2);
    const [ok, dead] = sink.events;
    expect(getPath(ok, 'source.ip')).toBe('203.0.113.7');
    expect(getPath(ok, 'user.name')).toBe('root');
    expect(getPath(ok, 'event.ingested')).toBeTypeOf('string');
    expect(getPath(dead, 'event.kind')).toBe('pipeline_error');
    expect(getPath(dead, 'event.original')).toBe('this is not syslog at all');
    expect(getPath(dead, 'event.dataset')).toBe('system.auth');
    expect(getPath(dead, 'error.message')).toContain('system.auth');
    expect(getPath(dead, 'vigil.dead_letter.line')).toBe(3);
  });

  it('detects the dataset per line under auto, routing by syslog program name', async () => {
    const sink = memorySink();
    const p = createIngestPipeline({ sink, logger: quietLogger });
    const r = await p.ingestRaw([SSHD_OK, 'Nov 24 10:00:03 web-01 CRON[12]: (root) CMD (run-parts /etc/cron.hourly)', 'CEF:0|Vendor|broken'], {
      dataset: 'auto',
      source: 'syslog-tcp 10.0.0.5:5000',
    });
    expect(getPath(sink.events[0], 'event.dataset')).toBe('system.auth');
    expect(getPath(sink.events[0], 'user.name')).toBe('alice');
    expect(getPath(sink.events[1], 'host.hostname')).toBe('web-01');
    // A CEF signature with a cut header: detected, but it cannot be parsed.
    expect(getPath(sink.events[2], 'event.kind')).toBe('pipeline_error');
    expect(r.errors.map((e) => e.line)).toEqual([3]);
  });

  it('dead-letters a line no parser recognises under auto', async () => {
    const sink = memorySink();
    const registry = new Map([['system.auth', systemAuthParser]]);
    const p = createIngestPipeline({ sink, logger: quietLogger, router: createDatasetRouter({ registry, detect: () => undefined }) });
    const r = await p.ingestRaw(['%%%'], { dataset: 'auto', source: 'http' });
    expect(r.errors[0]).toMatchObject({ line: 1, code: 'INGEST_UNKNOWN_DATASET' });
    expect(r.errors[0].message).toContain('no parser recognises');
    expect(sink.events[0]).toMatchObject({ event: { kind: 'pipeline_error', original: '%%%', dataset: 'unknown' } });
  });

  it('refuses an unknown dataset name, listing the known ones', async () => {
    const p = createIngestPipeline({ sink: memorySink(), logger: quietLogger });
    const err = await p.ingestRaw([SSHD_OK], { dataset: 'nope.log', source: 'http' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('INGEST_UNKNOWN_DATASET');
    expect((err as VigilError).message).toContain('system.auth');
  });

  it('stores ECS documents, parses agent-shipped ones, and dead-letters what is not an object', async () => {
    const sink = memorySink();
    const p = createIngestPipeline({ sink, logger: quietLogger });
    const r = await p.ingestDocuments(
      [
        { '@timestamp': '2026-11-24T10:00:00Z', 'source.ip': '198.51.100.1', 'source.port': '8080', event: { kind: 'event' } },
        { message: SSHD_FAIL, event: { dataset: 'system.auth' } },
        42,
        { '@timestamp': 'yesterday-ish', host: { name: 'h' } },
        new UnparsedInput('{"broken', new VigilError('INGEST_PARSE', 'body line 4: unexpected end of JSON')),
      ],
      { dataset: 'auto', source: 'http', receivedAt: new Date('2026-11-24T12:00:00Z') },
    );
    expect(r).toMatchObject({ accepted: 3, rejected: 2 });
    expect(r.errors.map((e) => e.line)).toEqual([3, 5]);
    // Dotted keys become nested; the ECS check makes the port a number.
    expect(sink.events[0]).toMatchObject({ source: { ip: '198.51.100.1', port: 8080 } });
    expect(getPath(sink.events[1], 'user.name')).toBe('root');
    expect(getPath(sink.events[1], 'event.dataset')).toBe('system.auth');
    expect(getPath(sink.events[2], 'event.original')).toBe('42');
    // A @timestamp that is not a date is kept under vigil.custom; the event is timed by its arrival.
    expect(sink.events[3]).toMatchObject({
      '@timestamp': '2026-11-24T12:00:00.000Z',
      vigil: { custom: { '@timestamp': 'yesterday-ish' } },
    });
    expect(getPath(sink.events[4], 'event.original')).toBe('{"broken');
    expect(getPath(sink.events[4], 'error.message')).toContain('unexpected end of JSON');
  });

  it('applies enrichment, and keeps the event when an enricher throws', async () => {
    const sink = memorySink();
    let calls = 0;
    const p = createIngestPipeline({
      sink,
      logger: quietLogger,
      enrich: (ev) => {
        calls++;
        if (calls === 2) throw new Error('boom');
        (ev as { labels?: Record<string, string> }).labels = { seen: 'yes' };
      },
    });
    await p.ingestRaw([SSHD_FAIL, SSHD_OK], { dataset: 'system.auth', source: 'file auth.log' });
    expect(sink.events).toHaveLength(2);
    expect(sink.events[0].labels).toEqual({ seen: 'yes' });
    expect(getPath(sink.events[1], 'user.name')).toBe('alice');
  });

  it('counts per source and per dataset, including dropped datagrams', async () => {
    const p = createIngestPipeline({ sink: memorySink(), logger: quietLogger });
    await p.ingestRaw([SSHD_FAIL, 'junk'], { dataset: 'system.auth', source: 'syslog-udp 10.0.0.1:514' });
    await p.ingestRaw([SSHD_OK], { dataset: 'system.auth', source: 'http' });
    p.recordDropped('syslog-udp', 3);
    const s = p.stats();
    expect(s.totals).toMatchObject({ received: 3, accepted: 2, deadLettered: 1, dropped: 3 });
    expect(s.sources['syslog-udp']).toMatchObject({ received: 2, accepted: 1, deadLettered: 1, dropped: 3 });
    expect(s.sources.http).toMatchObject({ received: 1, accepted: 1 });
    expect(s.datasets['system.auth']).toMatchObject({ received: 3, accepted: 2, deadLettered: 1 });
  });

  it('bounds work in flight: a second batch waits while the sink is busy, drain waits for both', async () => {
    const pushes: Array<() => void> = [];
    const stored: number[] = [];
    const sink: EventSink = {
      push: (events) =>
        new Promise<void>((resolve) =>
          pushes.push(() => {
            stored.push(events.length);
            resolve();
          }),
        ),
    };
    const p = createIngestPipeline({ sink, logger: quietLogger, maxInFlight: 2 });
    const first = p.ingestRaw([SSHD_FAIL, SSHD_OK], { dataset: 'system.auth', source: 'http' });
    await new Promise((r) => setImmediate(r));
    expect(p.isSaturated()).toBe(true);
    expect(p.stats().inFlight).toBe(2);
    const second = p.ingestRaw([SSHD_OK], { dataset: 'system.auth', source: 'http' });
    let drained = false;
    const draining = p.drain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    // The second batch has not reached the sink: only one push is pending.
    expect(pushes).toHaveLength(1);
    pushes[0]();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(pushes).toHaveLength(2);
    expect(drained).toBe(false);
    pushes[1]();
    await second;
    await draining;
    expect(drained).toBe(true);
    expect(stored).toEqual([2, 1]);
    expect(p.isSaturated()).toBe(false);
  });

  it('reports a sink failure as retryable STORE_UNAVAILABLE and counts the batch as failed', async () => {
    const p = createIngestPipeline({
      sink: { push: async () => Promise.reject(new Error('disk full')) },
      logger: quietLogger,
    });
    const err = (await p.ingestRaw([SSHD_OK], { dataset: 'system.auth', source: 'http' }).catch((e: unknown) => e)) as VigilError;
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('disk full');
    expect(p.stats().totals.failed).toBe(1);
    expect(p.stats().inFlight).toBe(0);
  });
});
