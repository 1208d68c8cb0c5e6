// HTTP ingest: POST /ingest (NDJSON or a JSON array of documents), POST /ingest/raw (raw lines of
// a dataset, or 'auto'), both gzip-capable; the 202 reply is sent only once the batch is stored.
// GET /ingest/stats shows the pipeline counters. Bodies are read as text by this plugin's own
// content-type parser (encapsulated), so JSON is parsed per line and errors carry line numbers.
import { gunzip } from 'node:zlib';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorReply } from '../../core/http/types.ts';
import { VigilError } from '../../core/errors.ts';
import { type IngestPipeline, type IngestResult, UnparsedInput } from '../pipeline/pipeline.ts';

export interface IngestRoutesOptions {
  pipeline: IngestPipeline;
  /** Largest body after gunzip; a gzip bomb gets 413. @default 104857600 (100 MiB) */
  maxDecompressedBytes?: number;
  /** Most per-line errors listed in a reply (the counts stay exact). @default 1000 */
  maxErrorsListed?: number;
}

const IngestReply = {
  type: 'object',
  required: ['accepted', 'rejected', 'events', 'errors', 'datasets'],
  properties: {
    accepted: { type: 'integer', description: 'Lines or documents parsed and stored' },
    rejected: { type: 'integer', description: 'Lines or documents that failed; each was stored as a dead-letter event' },
    events: { type: 'integer', description: 'ECS events stored from the accepted input' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['line', 'code', 'message'],
        properties: { line: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
      },
    },
    errorsTruncated: { type: 'boolean' },
    datasets: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { accepted: { type: 'integer' }, deadLettered: { type: 'integer' } },
      },
    },
  },
} as const;

const CountersSchema = {
  type: 'object',
  properties: {
    received: { type: 'integer' },
    accepted: { type: 'integer' },
    deadLettered: { type: 'integer' },
    events: { type: 'integer' },
    dropped: { type: 'integer' },
    failed: { type: 'integer' },
  },
} as const;

const StatsReply = {
  type: 'object',
  required: ['startedAt', 'inFlight', 'maxInFlight', 'totals', 'sources', 'datasets'],
  properties: {
    startedAt: { type: 'string' },
    inFlight: { type: 'integer' },
    maxInFlight: { type: 'integer' },
    totals: CountersSchema,
    sources: { type: 'object', additionalProperties: CountersSchema },
    datasets: { type: 'object', additionalProperties: CountersSchema },
  },
} as const;

const DocsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dataset: { type: 'string', default: 'auto', description: "Parser for agent-shipped documents; 'auto' uses each document's event.dataset" },
    tz: { type: 'string', description: 'Zone for timestamps without one (IANA or ±hh:mm)' },
  },
} as const;

const RawQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['dataset'],
  properties: {
    dataset: { type: 'string', minLength: 1, description: "Elastic dataset name ('system.auth') or 'auto'" },
    tz: { type: 'string', description: 'Zone for timestamps without one (IANA or ±hh:mm)' },
  },
} as const;

const NEWLINE = /\r?\n/;

export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, opts) => {
  const { pipeline } = opts;
  const maxDecompressed = opts.maxDecompressedBytes ?? 100 * 1024 * 1024;
  const maxErrors = opts.maxErrorsListed ?? 1000;

  // Every body here is text (NDJSON, JSON, raw lines), possibly gzipped.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding === 'identity') return done(null, buf.toString('utf8'));
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      return done(
        new VigilError('REQUEST_INVALID', `body: unsupported Content-Encoding "${encoding}" (accepted: gzip, identity)`, {
          source: 'headers',
          path: 'content-encoding',
        }),
      );
    }
    gunzip(buf, { maxOutputLength: maxDecompressed }, (err, out) => {
      if (!err) return done(null, out.toString('utf8'));
      const tooLarge = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /exceeds|too large/i.test(err.message);
      done(
        tooLarge
          ? new VigilError('REQUEST_TOO_LARGE', `body: gzip content expands beyond ${maxDecompressed} bytes`, { source: 'body' })
          : new VigilError('REQUEST_INVALID', `body: Content-Encoding gzip but the body is not valid gzip: ${err.message}`, {
              source: 'body',
            }),
      );
    });
  });

  const reply202 = (r: IngestResult) => ({
    ...r,
    errors: r.errors.slice(0, maxErrors),
    ...(r.errors.length > maxErrors ? { errorsTruncated: true } : {}),
  });

  const refuseWhenFull = (n: number): void => {
    if (pipeline.isSaturated(n)) {
      const s = pipeline.stats();
      throw new VigilError(
        'INGEST_BACKPRESSURE',
        `ingest is at capacity (${s.inFlight} of ${s.maxInFlight} events in flight); retry after the Retry-After delay`,
        { source: 'body' },
        { retryable: true },
      );
    }
  };

  app.post<{ Querystring: { dataset: string; tz?: string }; Body: string }>(
    '/ingest',
    {
      config: { roles: ['ingest'], rawBody: true },
      schema: {
        summary: 'Ingest JSON documents (NDJSON or a JSON array; Content-Encoding: gzip accepted)',
        querystring: DocsQuery,
        response: { 202: IngestReply, 400: ErrorReply, 413: ErrorReply, 429: ErrorReply, 503: ErrorReply },
      },
    },
    async (req, reply) => {
      const text = typeof req.body === 'string' ? req.body : '';
      const docs = decodeDocuments(text);
      refuseWhenFull(docs.filter((d) => d !== undefined).length);
      const result = await pipeline.ingestDocuments(docs, {
        dataset: req.query.dataset,
        source: `http ${req.ip}`,
        ...(req.query.tz ? { tz: req.query.tz } : {}),
      });
      return reply.code(202).send(reply202(result));
    },
  );

  app.post<{ Querystring: { dataset: string; tz?: string }; Body: string }>(
    '/ingest/raw',
    {
      config: { roles: ['ingest'], rawBody: true },
      schema: {
        summary: "Ingest raw log lines of one dataset, or 'auto' to detect each line's format (gzip accepted)",
        querystring: RawQuery,
        response: { 202: IngestReply, 400: ErrorReply, 413: ErrorReply, 429: ErrorReply, 503: ErrorReply },
      },
    },
    async (req, reply) => {
      const text = typeof req.body === 'string' ? req.body : '';
      const lines = text.split(NEWLINE);
      if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      refuseWhenFull(lines.filter((l) => l.trim() !== '').length);
      const result = await pipeline.ingestRaw(lines, {
        dataset: req.query.dataset,
        source: `http ${req.ip}`,
        ...(req.query.tz ? { tz: req.query.tz } : {}),
      });
      return reply.code(202).send(reply202(result));
    },
  );

  app.get(
    '/ingest/stats',
    {
      config: { roles: ['ingest', 'analyst'] },
      schema: { summary: 'Ingest counters per source and per dataset', response: { 200: StatsReply } },
    },
    async () => pipeline.stats(),
  );
};

/**
 * A JSON array (the whole body) or NDJSON (one document per line). A bad NDJSON line becomes an
 * UnparsedInput (dead-lettered, counted) instead of failing the batch; a bad array fails it.
 */
export function decodeDocuments(text: string): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed;
    } catch (err) {
      throw new VigilError('REQUEST_INVALID', `body: not a valid JSON array: ${(err as Error).message}`, { source: 'body' });
    }
  }
  const lines = text.split(NEWLINE);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // One pretty-printed document spans several lines.
  if (trimmed.startsWith('{') && lines.length > 1) {
    try {
      return [JSON.parse(text) as unknown];
    } catch {
      // Not one document: read it as NDJSON below.
    }
  }
  return lines.map((line, i) => {
    if (line.trim() === '') return undefined;
    try {
      return JSON.parse(line) as unknown;
    } catch (err) {
      return new UnparsedInput(
        line,
        new VigilError('INGEST_PARSE', `body line ${i + 1}: not valid JSON: ${(err as Error).message}`, {
          source: 'body',
          line: i + 1,
        }),
      );
    }
  });
}
