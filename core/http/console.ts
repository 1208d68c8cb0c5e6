// Serves the built analyst console (dashboards/console/dist) at `/`: index.html, app.js and
// app.css with their content types, a strict Content-Security-Policy (only this origin's script
// and style, API calls to this origin, no framing), and cache headers — the page is revalidated
// on every load, assets whose URL carries their content hash are cached for a year.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export interface ConsoleRoutesOptions {
  /** The built console folder (index.html, app.js, app.css). */
  dir: string;
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  hash: string;
}

export const consoleCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const files: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

function load(dir: string): Map<string, Asset> | Error {
  const assets = new Map<string, Asset>();
  try {
    for (const [name, type] of Object.entries(files)) {
      const body = readFileSync(join(dir, name));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      assets.set(name, { body, type, etag: `"${hash}"`, hash });
    }
    return assets;
  } catch (err) {
    return err as Error;
  }
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', consoleCsp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
}

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  // Read once at start; a console missing at start (not built) is looked for again on request.
  let assets = load(opts.dir);
  const current = (): Map<string, Asset> | Error => {
    if (assets instanceof Error) assets = load(opts.dir);
    return assets;
  };

  const send = (name: string) => async (req: { query: unknown; headers: Record<string, string | string[] | undefined> }, reply: FastifyReply) => {
    const a = current();
    securityHeaders(reply);
    if (a instanceof Error) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(`The Vigil console is not built (${opts.dir}: ${a.message}). Run \`npm run build:console\`. The API is at /api/v1.\n`);
    }
    const asset = a.get(name) as Asset;
    const v = (req.query as { v?: string } | undefined)?.v;
    reply.header('cache-control', name !== 'index.html' && v === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('etag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  };

  const hidden = { schema: { hide: true } };
  app.get('/', hidden, send('index.html'));
  app.get('/index.html', hidden, send('index.html'));
  app.get('/app.js', hidden, send('app.js'));
  app.get('/app.css', hidden, send('app.css'));
};
