// http_request: a plain HTTP call written in the playbook itself (no connector), for one-off
// integrations; the Idempotency-Key header is sent like every other step's.
import { isRetryableStatus } from '../connectors.ts';
import type { EffectStepKind, HttpResult } from '../model.ts';

export interface HttpRequestInput extends Record<string, unknown> {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  success_status?: number[];
}

export const httpRequestStep: EffectStepKind<HttpRequestInput, HttpResult> = {
  kind: 'http_request',
  destructive: false,
  summary: 'Send an HTTP request written in the playbook',
  inputSchema: {
    method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], description: 'HTTP method (default POST with a body, GET without)' },
    url: { type: 'string', required: true, format: 'url', description: 'URL (templated)' },
    headers: { type: 'object', description: 'Extra headers' },
    body: { type: 'any', description: 'A map (sent as JSON) or text' },
    success_status: { type: 'array', description: 'Statuses that count as success (default any 2xx)' },
  },
  retry: { maxAttempts: 5, initialMs: 1000, factor: 2, maxMs: 60_000 },
  timeoutMs: 30_000,
  check(input) {
    const s = input.success_status;
    if (Array.isArray(s) && !s.every((x) => Number.isInteger(x) && !isRetryableStatus(x as number) && (x as number) >= 100)) {
      return [['success_status', 'expected HTTP status codes below 500 (other than 408 and 429)']];
    }
    return [];
  },
  plan: (input) => `${input.method ?? (input.body === undefined ? 'GET' : 'POST')} ${input.url}${input.body !== undefined ? ` ${JSON.stringify(input.body)}` : ''}`,
  run(input, ctx) {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.headers ?? {})) headers[k] = String(v);
    return ctx.connectors.send(
      {
        method: input.method ?? (input.body === undefined ? 'GET' : 'POST'),
        url: input.url,
        headers,
        body: input.body,
        success: input.success_status ? { status: input.success_status } : undefined,
      },
      { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal },
    );
  },
};
