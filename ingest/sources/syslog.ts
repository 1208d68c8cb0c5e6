// Syslog listeners: UDP (RFC 5426, one message per datagram), TCP (RFC 6587, newline or
// octet-counting framing detected per connection) and TLS (RFC 5425). Every frame goes to the
// pipeline with dataset 'auto' (or the configured one); reads pause while a batch is being stored,
// which is the TCP backpressure; UDP cannot push back, so datagrams beyond the buffer are dropped
// and counted.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { VigilError } from '../../core/errors.ts';
import { createAutoFramer } from '../framing/auto.ts';
import { DEFAULT_MAX_FRAME_BYTES, type FrameOutput } from '../framing/types.ts';
import { type IngestPipeline, type PipelineLogger, UnparsedInput } from '../pipeline/pipeline.ts';

export interface SyslogServerOptions {
  /** UDP port; 0 picks a free one; absent disables UDP. */
  udpPort?: number;
  tcpPort?: number;
  tlsPort?: number;
  /** PEM texts; required when tlsPort is set. With `ca`, clients must present a certificate it signed. */
  tls?: { cert: string; key: string; ca?: string };
  /** @default '0.0.0.0' */
  host?: string;
  pipeline: IngestPipeline;
  /** Zone for timestamps without one (RFC 3164). @default 'UTC' */
  defaultTz?: string;
  /** @default 'auto' */
  dataset?: string;
  logger: PipelineLogger & { info(obj: object, msg?: string): void };
  /** @default 65536 */
  maxFrameBytes?: number;
  /** Frames per pipeline call. @default 500 */
  batchSize?: number;
  /** Datagrams held while the pipeline is busy; more are dropped and counted. @default 10000 */
  udpBufferSize?: number;
}

export interface SyslogServer {
  /** Bound ports (useful with port 0). */
  ports: { udp?: number; tcp?: number; tls?: number };
  /** Stops accepting, stores what was already received, then closes the connections. */
  close(): Promise<void>;
}

export async function startSyslogServer(opts: SyslogServerOptions): Promise<SyslogServer> {
  const host = opts.host ?? '0.0.0.0';
  const tz = opts.defaultTz ?? 'UTC';
  const dataset = opts.dataset ?? 'auto';
  const maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const batchSize = opts.batchSize ?? 500;
  const { pipeline, logger } = opts;
  if (dataset !== 'auto' && !pipeline.datasets().includes(dataset)) {
    throw new VigilError('CONFIG_INVALID', `syslog.dataset: unknown dataset "${dataset}" (known: auto, ${pipeline.datasets().join(', ')})`, {
      source: 'config',
      path: 'syslog.dataset',
    });
  }
  // Checked before anything listens, so a bad setting leaves no port open.
  if (opts.tlsPort !== undefined && !opts.tls) {
    throw new VigilError('CONFIG_INVALID', 'syslog.tlsPort is set but syslog.tlsCert/syslog.tlsKey are missing', {
      source: 'config',
      path: 'syslog.tls',
    });
  }
  const ports: SyslogServer['ports'] = {};
  const closers: Array<() => Promise<void>> = [];
  let closing = false;

  /** Sends one batch of frames from one peer; framing errors are dead-lettered with their bytes. */
  const deliver = async (frames: FrameOutput[], source: string): Promise<void> => {
    const lines: string[] = [];
    const broken: UnparsedInput[] = [];
    for (const f of frames) {
      if (f.kind === 'frame') lines.push(f.text);
      else broken.push(new UnparsedInput(f.raw, new VigilError('INGEST_PARSE', `${source}: ${f.message}`, { source })));
    }
    try {
      if (lines.length > 0) await pipeline.ingestRaw(lines, { dataset, source, tz });
      if (broken.length > 0) await pipeline.ingestDocuments(broken, { dataset, source, tz });
    } catch (err) {
      // The pipeline counted the batch as failed; the connection keeps going for the next one.
      logger.error({ err, source }, `syslog: storing ${frames.length} frames from ${source} failed`);
    }
  };

  const handleStream = (socket: net.Socket, kind: 'syslog-tcp' | 'syslog-tls', track: Set<Promise<void>>): void => {
    const source = `${kind} ${socket.remoteAddress}:${socket.remotePort}`;
    const framer = createAutoFramer(maxFrame);
    const pending: FrameOutput[] = [];
    let busy: Promise<void> | undefined;
    let ended = false;
    let fatal = false;

    const pump = (): void => {
      if (busy) return;
      socket.pause();
      const work = (async () => {
        // Yield once so `busy` is assigned before this body can clear it.
        await null;
        while (pending.length > 0) {
          const batch = pending.splice(0, batchSize);
          await deliver(batch, source);
          if (batch.some((f) => f.kind === 'error' && !f.canContinue)) fatal = true;
        }
        busy = undefined;
        if (fatal || ended) socket.destroy();
        else if (!closing) socket.resume();
      })();
      busy = work;
      track.add(work);
      void work.finally(() => track.delete(work));
    };

    socket.on('data', (chunk: Buffer) => {
      if (fatal) return;
      const out = framer.push(chunk);
      if (out.length === 0) return;
      pending.push(...out);
      if (out.some((f) => f.kind === 'error' && !f.canContinue)) socket.pause();
      pump();
    });
    socket.on('end', () => {
      ended = true;
      pending.push(...framer.end());
      if (pending.length > 0) pump();
      else if (!busy) socket.end();
    });
    socket.on('error', (err) => logger.warn({ err, source }, `syslog: connection error from ${source}`));
  };

  let setting = '';
  try {
    if (opts.tcpPort !== undefined) {
      setting = 'syslog.tcpPort';
      const inFlight = new Set<Promise<void>>();
      const server = net.createServer((socket) => handleStream(socket, 'syslog-tcp', inFlight));
      ports.tcp = await listenStreamWith(server, opts.tcpPort, 'syslog-tcp', inFlight);
    }
    if (opts.tlsPort !== undefined) {
      setting = 'syslog.tlsPort';
      const inFlight = new Set<Promise<void>>();
      const pem = opts.tls!;
      const server = tls.createServer(
        {
          cert: pem.cert,
          key: pem.key,
          ...(pem.ca ? { ca: pem.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
        (socket) => handleStream(socket, 'syslog-tls', inFlight),
      );
      server.on('tlsClientError', (err) => logger.warn({ err }, 'syslog: TLS handshake failed'));
      ports.tls = await listenStreamWith(server, opts.tlsPort, 'syslog-tls', inFlight);
    }
    if (opts.udpPort !== undefined) {
      setting = 'syslog.udpPort';
      ports.udp = await listenUdp(opts.udpPort);
    }
  } catch (err) {
    // Close the listeners already open so a failed start leaves no port behind.
    await Promise.all(closers.map((c) => c()));
    throw new VigilError(
      'CONFIG_INVALID',
      `${setting}: cannot listen on ${host}: ${(err as Error).message}`,
      { source: 'config', path: setting },
      { cause: err },
    );
  }

  async function listenStreamWith(
    server: net.Server,
    port: number,
    kind: 'syslog-tcp' | 'syslog-tls',
    inFlight: Set<Promise<void>>,
  ): Promise<number> {
    const sockets = new Set<net.Socket>();
    server.on(kind === 'syslog-tls' ? 'secureConnection' : 'connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (err) => logger.error({ err }, `syslog: ${kind} listener error`));
        resolve();
      });
    });
    closers.push(async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.pause();
      // Frames already read are stored before the connections go.
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      for (const s of sockets) s.destroy();
      await stopped;
    });
    const port_ = (server.address() as net.AddressInfo).port;
    logger.info({ port: port_ }, `syslog: ${kind} listening on ${host}:${port_}`);
    return port_;
  }

  async function listenUdp(port: number): Promise<number> {
    const udpBuffer = opts.udpBufferSize ?? 10_000;
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const queue: Array<{ frame: FrameOutput; peer: string }> = [];
    let flushing: Promise<void> | undefined;

    const flush = (): void => {
      if (flushing) return;
      flushing = (async () => {
        while (queue.length > 0) {
          const batch = queue.splice(0, batchSize);
          // One pipeline call per sender, so error locations name the peer.
          const byPeer = new Map<string, FrameOutput[]>();
          for (const d of batch) {
            let list = byPeer.get(d.peer);
            if (!list) byPeer.set(d.peer, (list = []));
            list.push(d.frame);
          }
          for (const [peer, frames] of byPeer) await deliver(frames, `syslog-udp ${peer}`);
        }
        flushing = undefined;
      })();
    };

    // Drops are counted in the stats at once and logged at most every 10 s, so a flood cannot flood the log too.
    let unreported = 0;
    let lastReport = 0;
    const drop = (): void => {
      pipeline.recordDropped('syslog-udp', 1);
      unreported++;
      const t = Date.now();
      if (t - lastReport >= 10_000) {
        logger.warn({ dropped: unreported }, `syslog: UDP buffer full (${udpBuffer} datagrams); dropped ${unreported}`);
        unreported = 0;
        lastReport = t;
      }
    };

    socket.on('message', (msg, rinfo) => {
      if (closing || queue.length >= udpBuffer) {
        drop();
        return;
      }
      const peer = `${rinfo.address}:${rinfo.port}`;
      if (msg.length > maxFrame) {
        const raw = msg.subarray(0, maxFrame).toString('utf8');
        const message = `datagram of ${msg.length} bytes exceeds the maximum of ${maxFrame}; cut`;
        queue.push({ frame: { kind: 'error', message, raw, canContinue: true }, peer });
      } else {
        let text = msg.toString('utf8');
        if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
        queue.push({ frame: { kind: 'frame', text }, peer });
      }
      flush();
    });
    socket.on('error', (err) => logger.error({ err }, 'syslog: UDP socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    closers.push(async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      while (flushing) await flushing;
    });
    const bound = socket.address().port;
    logger.info({ port: bound }, `syslog: UDP listening on ${host}:${bound}`);
    return bound;
  }

  return {
    ports,
    async close() {
      closing = true;
      await Promise.all(closers.map((c) => c()));
    },
  };
}
