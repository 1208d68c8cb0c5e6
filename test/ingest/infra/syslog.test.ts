import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { getPath } from '../../../core/ecs.ts';
import type { StoredEvent } from '../../../core/storage/types.ts';
import { createIngestPipeline, type EventSink } from '../../../ingest/pipeline/pipeline.ts';
import { startSyslogServer, type SyslogServer } from '../../../ingest/sources/syslog.ts';
import { makeCert, quietLogger, selfSignedCert, type TempStore, tempStore, waitFor } from './helpers.ts';

const SSHD_3164 = '<38>Nov 24 10:00:01 web-01 sshd[123]: Failed password for root from 203.0.113.7 port 52144 ssh2';
const SSHD_5424 =
  '<38>1 2026-11-24T10:00:02.123Z web-02 sshd 77 ID47 [meta sequenceId="1" origin="a b"] Accepted password for bob from 198.51.100.4 port 4242 ssh2';
// Detected as CEF by its signature, but its header is cut short: it cannot be parsed.
const BAD = 'CEF:0|Vendor|broken';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(
  opts: { sink?: EventSink; tls?: boolean; batchSize?: number; maxInFlight?: number } = {},
): Promise<{ ts: TempStore; server: SyslogServer; pipeline: ReturnType<typeof createIngestPipeline>; cert?: string }> {
  const ts = tempStore();
  const pipeline = createIngestPipeline({ sink: opts.sink ?? ts.sink, logger: quietLogger, maxInFlight: opts.maxInFlight });
  const cert = opts.tls ? selfSignedCert() : undefined;
  const server = await startSyslogServer({
    host: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    ...(cert ? { tlsPort: 0, tls: cert } : {}),
    pipeline,
    logger: quietLogger,
    batchSize: opts.batchSize,
  });
  cleanup.push(async () => {
    await server.close();
    await ts.close();
  });
  return { ts, server, pipeline, cert: cert?.cert };
}

const byOriginal = (events: StoredEvent[], text: string) => events.find((e) => getPath(e.doc, 'event.original') === text);

function octet(line: string): string {
  return `${Buffer.byteLength(line)} ${line}`;
}

async function sendTcp(port: number, data: string): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  await new Promise<void>((resolve) => sock.end(data, resolve));
}

describe('syslog listener', () => {
  it('TCP with newline framing: stores parsed events in SQLite and dead-letters a line that fails', async () => {
    const { ts, server } = await setup();
    await sendTcp(server.ports.tcp!, `${SSHD_3164}\n${BAD}\n`);
    const events = await waitFor(() => ts.all(), (e) => e.length === 2);
    const ok = byOriginal(events, SSHD_3164)!;
    expect(ok.dataset).toBe('system.auth');
    expect(getPath(ok.doc, 'source.ip')).toBe('203.0.113.7');
    expect(getPath(ok.doc, 'user.name')).toBe('root');
    const dead = byOriginal(events, BAD)!;
    expect(dead.kind).toBe('pipeline_error');
    expect(getPath(dead.doc, 'error.message')).toBeTypeOf('string');
    expect(String(getPath(dead.doc, 'vigil.dead_letter.source'))).toMatch(/^syslog-tcp 127\.0\.0\.1:\d+$/);
  });

  it('refuses to start with an unknown dataset or a TLS port without a certificate', async () => {
    const pipeline = createIngestPipeline({ sink: { push: async () => {} }, logger: quietLogger });
    await expect(startSyslogServer({ host: '127.0.0.1', tcpPort: 0, dataset: 'nope', pipeline, logger: quietLogger })).rejects.toThrow(
      /syslog\.dataset: unknown dataset "nope" \(known: auto, .*system\.auth/,
    );
    await expect(startSyslogServer({ host: '127.0.0.1', tlsPort: 0, pipeline, logger: quietLogger })).rejects.toThrow(/syslog\.tls/);
  });

  it('a port already in use is a config error, and the listeners opened before it are closed again', async () => {
    const pipeline = createIngestPipeline({ sink: { push: async () => {} }, logger: quietLogger });
    const first = await startSyslogServer({ host: '127.0.0.1', udpPort: 0, pipeline, logger: quietLogger });
    cleanup.push(() => first.close());
    const taken = first.ports.udp!;
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    await expect(
      startSyslogServer({ host: '127.0.0.1', tcpPort: free, udpPort: taken, pipeline, logger: quietLogger }),
    ).rejects.toThrow(/syslog\.udpPort: cannot listen on 127\.0\.0\.1: .*EADDRINUSE/);
    // The TCP port opened before the failure is free again.
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(free, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('TCP with octet-counting framing: RFC 5424 with structured data is routed by its APP-NAME', async () => {
    const { ts, server } = await setup();
    const multiline = '<14>1 2026-11-24T10:00:04Z web-03 myapp - - [x@1 k="v"] first line\nsecond line';
    await sendTcp(server.ports.tcp!, octet(SSHD_5424) + octet(multiline));
    const events = await waitFor(() => ts.all(), (e) => e.length === 2);
    const ssh = byOriginal(events, SSHD_5424)!;
    expect(ssh.dataset).toBe('system.auth');
    expect(getPath(ssh.doc, 'user.name')).toBe('bob');
    expect(getPath(ssh.doc, 'host.hostname')).toBe('web-02');
    expect(getPath(ssh.doc, 'log.syslog.structured_data')).toEqual({ meta: { sequenceId: '1', origin: 'a b' } });
    // The newline inside an octet-counted frame belongs to the message.
    expect(byOriginal(events, multiline)).toBeDefined();
  });

  it('TCP octet-counting: a broken length prefix dead-letters the rest and closes the connection', async () => {
    const { ts, server } = await setup();
    const sock = net.connect(server.ports.tcp!, '127.0.0.1');
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.on('error', () => {});
    sock.write(`${octet(SSHD_3164)}12x this is not a frame`);
    await closed;
    const events = await waitFor(() => ts.all(), (e) => e.length === 2);
    expect(byOriginal(events, SSHD_3164)?.dataset).toBe('system.auth');
    const dead = events.find((e) => e.kind === 'pipeline_error')!;
    expect(getPath(dead.doc, 'event.original')).toBe('12x this is not a frame');
    expect(getPath(dead.doc, 'error.message')).toContain('expected a message length');
  });

  it('UDP: one message per datagram, sender in the error location', async () => {
    const { ts, server, pipeline } = await setup();
    const client = dgram.createSocket('udp4');
    for (const line of [SSHD_3164, SSHD_5424, BAD]) {
      await new Promise<void>((resolve, reject) =>
        client.send(Buffer.from(line), server.ports.udp!, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    }
    client.close();
    const events = await waitFor(() => ts.all(), (e) => e.length === 3);
    expect(getPath(byOriginal(events, SSHD_5424)!.doc, 'source.ip')).toBe('198.51.100.4');
    expect(byOriginal(events, BAD)?.kind).toBe('pipeline_error');
    expect(pipeline.stats().sources['syslog-udp']).toMatchObject({ received: 3, accepted: 2, deadLettered: 1, dropped: 0 });
  });

  it('UDP: datagrams beyond the buffer are dropped and counted while the store is busy', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ts = tempStore();
    const pipeline = createIngestPipeline({
      sink: {
        async push(e) {
          await gate;
          await ts.sink.push(e);
        },
      },
      logger: quietLogger,
    });
    const server = await startSyslogServer({
      host: '127.0.0.1',
      udpPort: 0,
      pipeline,
      logger: quietLogger,
      udpBufferSize: 5,
      batchSize: 1,
    });
    cleanup.push(async () => {
      await server.close();
      await ts.close();
    });
    const client = dgram.createSocket('udp4');
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => client.send(Buffer.from(`${SSHD_3164} #${i}`), server.ports.udp!, '127.0.0.1', () => resolve()));
    }
    client.close();
    // One datagram is with the (blocked) store, five wait in the buffer, the rest are dropped.
    const stats = await waitFor(
      () => pipeline.stats().sources['syslog-udp'],
      (s) => (s?.dropped ?? 0) >= 14,
    );
    expect(stats.dropped).toBe(14);
    release();
    const events = await waitFor(() => ts.all(), (e) => e.length === 6);
    expect(events).toHaveLength(6);
  });

  it('frames over the size limit are dead-lettered (cut), on TCP and UDP, and the stream goes on', async () => {
    const ts = tempStore();
    const pipeline = createIngestPipeline({ sink: ts.sink, logger: quietLogger });
    const server = await startSyslogServer({ host: '127.0.0.1', tcpPort: 0, udpPort: 0, pipeline, logger: quietLogger, maxFrameBytes: 200 });
    cleanup.push(async () => {
      await server.close();
      await ts.close();
    });
    const long = `<38>Nov 24 10:00:01 web-01 app[1]: ${'y'.repeat(500)}`;
    await sendTcp(server.ports.tcp!, `${long}\n${SSHD_3164}\n`);
    const client = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => client.send(Buffer.from(long), server.ports.udp!, '127.0.0.1', () => resolve()));
    client.close();
    const events = await waitFor(() => ts.all(), (e) => e.length === 3);
    const dead = events.filter((e) => e.kind === 'pipeline_error');
    expect(dead).toHaveLength(2);
    for (const d of dead) {
      expect(getPath(d.doc, 'event.original')).toBe(long.slice(0, 200));
      expect(getPath(d.doc, 'error.message')).toMatch(/200/);
    }
    expect(byOriginal(events, SSHD_3164)?.dataset).toBe('system.auth');
  });

  it('TLS (RFC 5425): octet-counted frames over a TLS connection', async () => {
    const { ts, server, cert } = await setup({ tls: true });
    const sock = tls.connect({ port: server.ports.tls!, host: '127.0.0.1', ca: cert, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => sock.once('secureConnect', resolve).once('error', reject));
    await new Promise<void>((resolve) => sock.end(octet(SSHD_3164) + octet(SSHD_5424), resolve));
    const events = await waitFor(() => ts.all(), (e) => e.length === 2);
    expect(events.map((e) => e.dataset)).toEqual(['system.auth', 'system.auth']);
    expect(String(getPath(events[0].doc, 'vigil.dead_letter.source') ?? 'none')).toBe('none');
  });

  it('TLS with syslog.tlsCa: a sender with a certificate from that CA is heard, one without is refused', async () => {
    const ca = makeCert({ cn: 'Vigil test CA', ca: true });
    const serverCert = makeCert({ cn: 'localhost', issuer: ca });
    const clientCert = makeCert({ cn: 'web-01', issuer: ca });
    const ts = tempStore();
    const pipeline = createIngestPipeline({ sink: ts.sink, logger: quietLogger });
    const server = await startSyslogServer({
      host: '127.0.0.1',
      tlsPort: 0,
      tls: { ...serverCert, ca: ca.cert },
      pipeline,
      logger: quietLogger,
    });
    cleanup.push(async () => {
      await server.close();
      await ts.close();
    });
    const anonymous = tls.connect({ port: server.ports.tls!, host: '127.0.0.1', ca: ca.cert, servername: 'localhost' });
    // With TLS 1.3 the client may finish its side and send before the server refuses it; the
    // frame must still not be stored.
    await new Promise<void>((resolve) => {
      anonymous.on('error', () => resolve());
      anonymous.on('secureConnect', () => anonymous.write(octet(SSHD_3164)));
      anonymous.on('close', () => resolve());
    });
    const sock = tls.connect({ port: server.ports.tls!, host: '127.0.0.1', ca: ca.cert, servername: 'localhost', ...clientCert });
    await new Promise<void>((resolve, reject) => sock.once('secureConnect', resolve).once('error', reject));
    await new Promise<void>((resolve) => sock.end(octet(SSHD_5424), resolve));
    const events = await waitFor(() => ts.all(), (e) => e.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect((await ts.all()).map((e) => getPath(e.doc, 'event.original'))).toEqual([SSHD_5424]);
    expect(events[0].dataset).toBe('system.auth');
  });

  it('TCP backpressure: reads pause while the store is busy, and nothing is lost when it recovers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let pushes = 0;
    const ts = tempStore();
    const sink: EventSink = {
      async push(e) {
        pushes++;
        await gate;
        await ts.sink.push(e);
      },
    };
    const pipeline = createIngestPipeline({ sink, logger: quietLogger });
    const server = await startSyslogServer({ host: '127.0.0.1', tcpPort: 0, pipeline, logger: quietLogger, batchSize: 50 });
    cleanup.push(async () => {
      await server.close();
      await ts.close();
    });
    const pad = 'x'.repeat(8000);
    const total = 2048; // ~16 MiB: more than loopback socket buffers hold
    const sock = net.connect(server.ports.tcp!, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    for (let i = 0; i < total; i++) sock.write(`<38>Nov 24 10:00:01 web-01 app[1]: n=${i} ${pad}\n`);
    await waitFor(() => pushes, (n) => n === 1);
    await new Promise((r) => setTimeout(r, 300));
    // The server stopped reading: the client still holds unsent data, and one batch is in the pipeline.
    expect(sock.writableLength).toBeGreaterThan(0);
    expect(pushes).toBe(1);
    expect(pipeline.stats().inFlight).toBeLessThanOrEqual(50);
    release();
    await new Promise<void>((resolve) => sock.end(resolve));
    const n = await waitFor(() => ts.store.events.count({}), (c) => c === total, 30_000);
    expect(n).toBe(total);
  });

  it('close() stores the frames already received before it returns', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let pushes = 0;
    const ts = tempStore();
    cleanup.push(() => ts.close());
    const pipeline = createIngestPipeline({
      sink: {
        async push(e) {
          pushes++;
          await gate;
          await ts.sink.push(e);
        },
      },
      logger: quietLogger,
    });
    const server = await startSyslogServer({ host: '127.0.0.1', tcpPort: 0, pipeline, logger: quietLogger });
    const sock = net.connect(server.ports.tcp!, '127.0.0.1');
    sock.on('error', () => {});
    sock.write(`${SSHD_3164}\n${SSHD_3164}\n`);
    await waitFor(() => pushes, (n) => n === 1);
    const closing = server.close();
    setTimeout(release, 50);
    await closing;
    expect(await ts.store.events.count({})).toBe(2);
  });
});
