// Starts a throwaway redis-server on a free port for tests (no persistence, no system service),
// and fails loudly when the binary is missing instead of letting Redis tests skip silently.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServerHandle {
  url: string;
  port: number;
  /** Graceful shutdown (SIGTERM), resolved once the process has exited. */
  stop(): Promise<void>;
  /** Immediate SIGKILL, to simulate a crash; `stop()` still cleans up afterwards. */
  kill(): void;
}

const START_TIMEOUT_MS = 10_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns `redis-server --port <free> --save '' --appendonly no` and resolves once it logs
 * "Ready to accept connections". Pass `port` to restart a server on the port a client already uses;
 * `binary` exists to test the message shown when redis-server is missing.
 */
export async function startRedisServer(opts: { port?: number; binary?: string } = {}): Promise<RedisServerHandle> {
  const binary = opts.binary ?? 'redis-server';
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} not ready after ${START_TIMEOUT_MS} ms; output:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      cleanup();
      reject(
        err.code === 'ENOENT'
          ? new Error(
              `${binary} is not installed (not found on PATH): the Redis queue tests need it. ` +
                'Install it with `apt-get install redis-server` (or run .ci/install-redis.sh).',
            )
          : new Error(`cannot start redis-server: ${err.message}`),
      );
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (${signal ?? code}) before it was ready; output:\n${output}`));
    });
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
      cleanup();
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
