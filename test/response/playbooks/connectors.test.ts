// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is the connector syntax for environment variables
// Connectors against a real local HTTP server: auth forms, templated URLs and bodies, the
// idempotency header, success conditions, and which failures are retryable.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VigilError } from '../../../core/errors.ts';
import { createConnectorClient, parseConnectors } from '../../../response/playbooks/index.ts';
import { type Receiver, reply, startReceiver } from './helpers.ts';

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver(reply(200, { status: 'ok' }));
});
afterEach(() => rx.close());

const opts = () => ({ idempotencyKey: 'key-1', signal: new AbortController().signal });

function client(yaml: Record<string, unknown>, env: Record<string, string>) {
  const r = parseConnectors({ connectors: yaml }, 'connectors.yml');
  expect(r.errors.map((e) => e.message)).toEqual([]);
  return createConnectorClient({ connectors: r.connectors, env: { BASE: rx.url, ...env } });
}

describe('connectors', () => {
  it('basic auth, templated path and JSON body, idempotency key', async () => {
    const c = client(
      {
        dir: {
          method: 'PUT',
          url: '${BASE}/users/{{ input.user | urlencode }}',
          headers: { 'x-tenant': '${TENANT}' },
          auth: { type: 'basic', username: 'vigil', password_env: 'DIR_PASS' },
          body: { disabled: true, note: 'by {{ run.playbook }}', user: '{{ input.user }}' },
          success: { status: [200], json_path: 'status', equals: 'ok' },
        },
      },
      { DIR_PASS: 's3cret', TENANT: 't-9' },
    );
    const res = await c.call('dir', { input: { user: 'a b/c' }, run: { playbook: 'pb' } }, opts());
    expect(res).toEqual({ status: 200, body: { status: 'ok' } });
    const [req] = rx.requests;
    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/users/a%20b%2Fc');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('vigil:s3cret').toString('base64')}`);
    expect(req.headers['x-tenant']).toBe('t-9');
    expect(req.headers['idempotency-key']).toBe('key-1');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toEqual({ disabled: true, note: 'by pb', user: 'a b/c' });
  });

  it('API-key header auth', async () => {
    const c = client({ rep: { method: 'GET', url: '${BASE}/x', auth: { type: 'header', header: 'x-apikey', value_env: 'K' } } }, { K: 'abc' });
    await c.call('rep', {}, opts());
    expect(rx.requests[0].headers['x-apikey']).toBe('abc');
    expect(rx.requests[0].body).toBeUndefined();
  });

  it('a missing secret or URL variable is a final configuration error, and nothing is sent', async () => {
    const c = client({ fw: { url: '${BASE}/b', auth: { type: 'bearer', token_env: 'FW_TOKEN' } }, hook: { url: '${HOOK_URL}' } }, {});
    await expect(c.call('fw', {}, opts())).rejects.toMatchObject({ code: 'CONFIG_INVALID', retryable: false, message: 'connector fw: auth secret environment variable FW_TOKEN is not set' });
    await expect(c.call('hook', {}, opts())).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: 'connector hook: environment variable HOOK_URL is not set' });
    await expect(c.call('nope', {}, opts())).rejects.toMatchObject({ message: "connector 'nope' is not configured (configured: fw, hook)" });
    expect(rx.requests).toHaveLength(0);
  });

  it('statuses: 5xx, 408 and 429 retryable; other 4xx final; a refused connection retryable', async () => {
    const c = client({ x: { url: '${BASE}/x' } }, {});
    for (const [status, retryable] of [[500, true], [503, true], [408, true], [429, true], [400, false], [404, false], [409, false]] as const) {
      rx.respond(reply(status, { s: status }));
      const err = (await c.call('x', {}, opts()).catch((e: VigilError) => e)) as VigilError;
      expect([status, err.retryable]).toEqual([status, retryable]);
      expect(err.message).toContain(`answered ${status}`);
    }
    const closed = createConnectorClient({ connectors: parseConnectors({ connectors: { x: { url: 'http://127.0.0.1:1/x' } } }, 'c').connectors });
    await expect(closed.call('x', {}, opts())).rejects.toMatchObject({ code: 'ACTION_UNREACHABLE', retryable: true });
  });

  it('describe shows the request without secrets and without sending', () => {
    const c = client({ fw: { url: '${BASE}/blocks/{{ input.ip }}', auth: { type: 'bearer', token_env: 'T' }, body: { ip: '{{ input.ip }}' } } }, { T: 'secret-token' });
    const d = c.describe('fw', { input: { ip: '192.0.2.1' } });
    expect(d).toEqual({ method: 'POST', url: `${rx.url}/blocks/192.0.2.1`, body: { ip: '192.0.2.1' } });
    expect(JSON.stringify(d)).not.toContain('secret-token');
    expect(rx.requests).toHaveLength(0);
  });
});
