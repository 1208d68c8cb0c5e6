import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSqliteEngine } from '../../core/storage/sqlite/index.ts';
import { runVigil, startVigil } from '../helpers/server.ts';

// These tests are about the server itself, not detection: load only Vigil's own rules so each
// start does not compile the whole SigmaHQ set.
const vigilRules = fileURLToPath(new URL('../../rules/sigma/vigil', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'vigil-serve-'));
const light = (env: Record<string, string>) => ({ VIGIL_DETECTION_RULES: vigilRules, ...env });

function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers }, (res) => {
      let body = '';
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert: peer.fingerprint256 }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('vigil command', () => {
  it('prints its version and help', async () => {
    const v = await runVigil(['--version'], {});
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^vigil \d+\.\d+\.\d+\n$/);
    const h = await runVigil(['--help'], {});
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('serve');
    expect(h.stdout).toContain('keys create');
    const sh = await runVigil(['serve', '--help'], {});
    expect(sh.stdout).toContain('--port <N>');
  });

  it('exits 2 with a clear message on an unknown command or flag', async () => {
    const c = await runVigil(['frobnicate'], {});
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("vigil: unknown command 'frobnicate'");
    const f = await runVigil(['serve', '--prot', '1'], {});
    expect(f.code).toBe(2);
    expect(f.stderr).toContain("Unknown option '--prot'");
    const g = await runVigil(['--verbose'], {});
    expect(g.code).toBe(2);
  });
});

describe('vigil serve', () => {
  it('creates and prints an admin key once on first start, and not again', async () => {
    const dataDir = tmp();
    const first = await startVigil(light({ VIGIL_DATA_DIR: dataDir }));
    const key = /\n\s+(vgl_\S+)\n/.exec(first.stderr())?.[1];
    expect(key).toBeTruthy();
    expect(first.stdout()).not.toContain(key as string);
    const r = await fetch(`${first.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    expect(await first.stop()).toBe(0);
    const second = await startVigil(light({ VIGIL_DATA_DIR: dataDir }));
    expect(second.stderr()).not.toContain('Created the first admin API key');
    const again = await fetch(`${second.url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    await second.stop();
  });

  it('takes the first admin key from VIGIL_BOOTSTRAP_ADMIN_KEY', async () => {
    const key = 'bootstrap-key-for-tests-0123456789';
    const s = await startVigil(light({ VIGIL_DATA_DIR: tmp(), VIGIL_BOOTSTRAP_ADMIN_KEY: key }));
    expect(s.stderr()).not.toContain(key);
    const r = await fetch(`${s.url}/api/v1/audit`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { items: unknown[] }).items[0]).toMatchObject({ actor: 'system', action: 'keys.bootstrap' });
    await s.stop();
  });

  it('serves HTTPS with a local CA created on first start and reused afterwards (VIGIL_TLS=auto)', async () => {
    const dataDir = tmp();
    const s = await startVigil(light({ VIGIL_DATA_DIR: dataDir, VIGIL_TLS: 'auto' }));
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'), 'utf8');
    expect(new X509Certificate(ca).ca).toBe(true);
    const first = await httpsGet(`${s.url}/healthz`, ca);
    expect(first.status).toBe(200);
    await s.stop();
    const again = await startVigil(light({ VIGIL_DATA_DIR: dataDir, VIGIL_TLS: 'auto' }));
    const second = await httpsGet(`${again.url}/healthz`, ca);
    expect(second.cert).toBe(first.cert);
    await again.stop();
    // The same files serve as VIGIL_TLS_CERT / VIGIL_TLS_KEY.
    const files = await startVigil(light({ VIGIL_DATA_DIR: tmp(), VIGIL_TLS_CERT: join(dataDir, 'tls', 'server.pem'), VIGIL_TLS_KEY: join(dataDir, 'tls', 'server-key.pem') }));
    expect((await httpsGet(`${files.url}/healthz`, ca)).cert).toBe(first.cert);
    await files.stop();
  }, 60_000);

  it('finishes requests in flight on SIGTERM and loses nothing it acknowledged', async () => {
    const dataDir = tmp();
    const key = 'bootstrap-key-for-tests-0123456789';
    const s = await startVigil(light({ VIGIL_DATA_DIR: dataDir, VIGIL_BOOTSTRAP_ADMIN_KEY: key, VIGIL_LOG_LEVEL: 'warn' }));
    const send = (i: number) =>
      fetch(`${s.url}/api/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `inflight-${i}`, role: 'analyst' }),
      }).then(
        async (r) => ({ status: r.status, body: r.status === 201 ? ((await r.json()) as { id: string }) : undefined }),
        () => ({ status: 0, body: undefined }),
      );
    let firstDone: () => void = () => undefined;
    const first = new Promise<void>((r) => (firstDone = r));
    const inflight = Array.from({ length: 150 }, (_, i) =>
      send(i).then((r) => {
        firstDone();
        return r;
      }),
    );
    // SIGTERM once the server has answered one request, while the rest are still in flight.
    await first;
    const exit = s.stop();
    const results = await Promise.all(inflight);
    expect(await exit).toBe(0);
    const acked = results.filter((r) => r.status === 201).map((r) => r.body?.id);
    expect(acked.length).toBeGreaterThan(0);
    for (const r of results) expect([201, 503, 0]).toContain(r.status);
    const store = createSqliteEngine({ dataDir });
    const ids = new Set((await store.keys.list()).map((k) => k.id));
    await store.close();
    for (const id of acked) expect(ids.has(id as string)).toBe(true);
  }, 60_000);
});

describe('vigil keys', () => {
  it('creates, lists and revokes keys in the configured store, audited', async () => {
    const env = { VIGIL_DATA_DIR: tmp() };
    const created = await runVigil(['keys', 'create', '--role', 'analyst', '--name', 'alice', '--json'], env);
    expect(created.code).toBe(0);
    const rec = JSON.parse(created.stdout);
    expect(rec).toMatchObject({ name: 'alice', role: 'analyst' });
    expect(rec.key).toMatch(/^vgl_/);
    const list = await runVigil(['keys', 'list'], env);
    expect(list.stdout).toMatch(new RegExp(`${rec.id}\\s+alice\\s+analyst\\s+\\S+\\s+\\S+\\s+active`));
    expect(list.stdout).not.toContain(rec.key);
    const revoked = await runVigil(['keys', 'revoke', rec.id], env);
    expect(revoked.code).toBe(0);
    expect((await runVigil(['keys', 'list'], env)).stdout).toContain('revoked');
    const s = await startVigil(light(env));
    const r = await fetch(`${s.url}/api/v1/keys`, { headers: { authorization: `Bearer ${rec.key}` } });
    expect(r.status).toBe(401);
    await s.stop();
    const store = createSqliteEngine({ dataDir: env.VIGIL_DATA_DIR });
    const audit = await store.audit.list({ target: `key:${rec.id}` }, { limit: 10 });
    await store.close();
    expect(audit.items.map((e) => e.action)).toEqual(['keys.revoke', 'keys.create']);
    expect(audit.items[0].actor).toMatch(/^cli/);
  }, 120_000);

  it('refuses a bad role with exit 2', async () => {
    const r = await runVigil(['keys', 'create', '--role', 'root', '--name', 'x'], { VIGIL_DATA_DIR: tmp() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--role must be one of admin, analyst, responder, compliance, ingest (got "root")');
  }, 60_000);
});
