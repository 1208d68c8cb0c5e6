// Starts a real `vigil serve` child process on a free port and waits until it listens.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const vigilBin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

export interface VigilProcess {
  proc: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Environment without the caller's VIGIL_* settings, so tests start from defaults. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VIGIL_')) env[k] = v;
  return { ...env, ...extra };
}

export function runVigil(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [vigilBin, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(input ?? '');
  });
}

export function startVigil(env: Record<string, string>, args: string[] = []): Promise<VigilProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [vigilBin, 'serve', '--port', '0', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const timer = setTimeout(() => reject(new Error(`vigil did not start in time\nstderr:\n${err}\nstdout:\n${out}`)), 20_000);
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          proc,
          url: m[1],
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            proc.kill(signal);
            return exited;
          },
        });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil exited with ${code} before listening\nstderr:\n${err}`));
    });
  });
}
