import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.ts';
import { consoleRoutes } from './console.ts';

describe('console plugin', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
    process.env.VIGIL_BUILD_QUIET = '1';
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 503 with the build command until the console is built, then serves it without a restart', async () => {
    const app = Fastify();
    await app.register(consoleRoutes, { dir: join(dir, 'dist') });
    const before = await app.inject({ url: '/' });
    expect(before.statusCode).toBe(503);
    expect(before.body).toContain('npm run build:console');
    await buildConsole(join(dir, 'dist'));
    const after = await app.inject({ url: '/' });
    expect(after.statusCode).toBe(200);
    await app.close();
  });

  it('serves page, script and stylesheet with their types, a strict CSP and cache rules', async () => {
    const app = Fastify();
    await app.register(consoleRoutes, { dir: join(dir, 'dist') });
    const page = await app.inject({ url: '/' });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    // The page links its assets with content hashes; those URLs may be cached for good.
    const js = /src="(app\.js\?v=[0-9a-f]+)"/.exec(page.body)?.[1];
    const css = /href="(app\.css\?v=[0-9a-f]+)"/.exec(page.body)?.[1];
    expect(js && css).toBeTruthy();
    const script = await app.inject({ url: `/${js}` });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toBe(readFileSync(join(dir, 'dist/app.js'), 'utf8'));
    const style = await app.inject({ url: `/${css}` });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    // Without (or with an old) hash: revalidate.
    expect((await app.inject({ url: '/app.js?v=000000000000' })).headers['cache-control']).toBe('no-cache');

    const again = await app.inject({ url: '/', headers: { 'if-none-match': String(page.headers.etag) } });
    expect(again.statusCode).toBe(304);
    await app.close();
  });

  it('builds byte-identical output from the same sources', async () => {
    const other = join(dir, 'again');
    await buildConsole(other);
    for (const f of ['index.html', 'app.js', 'app.css']) expect(readFileSync(join(other, f)).equals(readFileSync(join(dir, 'dist', f)))).toBe(true);
  });
});
