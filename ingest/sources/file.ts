// File import: reads a log file (gzip when it ends in .gz) as lines, in chunks, through the
// pipeline; over-long lines are dead-lettered by the framer. Reports bytes read for a progress bar
// and returns what was stored per dataset.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { VigilError } from '../../core/errors.ts';
import { createNewlineFramer } from '../framing/newline.ts';
import type { FrameOutput } from '../framing/types.ts';
import { type IngestPipeline, type LineError, UnparsedInput } from '../pipeline/pipeline.ts';

export interface FileIngestOptions {
  pipeline: IngestPipeline;
  /** Dataset name or 'auto'. */
  dataset: string;
  tz?: string;
  /** Lines per pipeline call. @default 1000 */
  chunkLines?: number;
  /** @default 65536 */
  maxLineBytes?: number;
  /** Called after each chunk with the bytes read so far (of the file on disk). */
  onProgress?(bytesRead: number): void;
}

export interface FileIngestSummary {
  file: string;
  bytes: number;
  lines: number;
  accepted: number;
  deadLettered: number;
  events: number;
  datasets: Record<string, { accepted: number; deadLettered: number }>;
  /** Per-line errors, with `line` the line number in the file. */
  errors: LineError[];
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    throw new VigilError('CLI_USAGE', `${path}: cannot read the file: ${(err as Error).message}`, { source: path });
  }
}

export async function ingestFile(path: string, opts: FileIngestOptions): Promise<FileIngestSummary> {
  const chunkLines = opts.chunkLines ?? 1000;
  const summary: FileIngestSummary = {
    file: path,
    bytes: await fileSize(path),
    lines: 0,
    accepted: 0,
    deadLettered: 0,
    events: 0,
    datasets: {},
    errors: [],
  };
  const source = `file ${path}`;
  const framer = createNewlineFramer(opts.maxLineBytes, { keepEmpty: true });
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => input.destroy(err));
  let pending: FrameOutput[] = [];
  let firstLine = 1;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    // Frames become either lines or dead-letters; each keeps its line number in the file.
    const items = pending.map((f) =>
      f.kind === 'frame'
        ? f.text
        : new UnparsedInput(f.raw, new VigilError('INGEST_PARSE', `${source}: ${f.message}`, { source })),
    );
    pending = [];
    const lines = items.map((it) => (typeof it === 'string' ? it : ''));
    const broken = items.map((it) => (typeof it === 'string' ? undefined : it));
    const ctx = { dataset: opts.dataset, source, firstLine, ...(opts.tz ? { tz: opts.tz } : {}) };
    const results = [await opts.pipeline.ingestRaw(lines, ctx)];
    if (broken.some((b) => b !== undefined)) results.push(await opts.pipeline.ingestDocuments(broken, ctx));
    for (const r of results) {
      summary.accepted += r.accepted;
      summary.deadLettered += r.rejected;
      summary.events += r.events;
      summary.errors.push(...r.errors);
      for (const [ds, c] of Object.entries(r.datasets)) {
        const d = (summary.datasets[ds] ??= { accepted: 0, deadLettered: 0 });
        d.accepted += c.accepted;
        d.deadLettered += c.deadLettered;
      }
    }
    firstLine += items.length;
    opts.onProgress?.(raw.bytesRead);
  };

  try {
    for await (const chunk of input) {
      for (const f of framer.push(chunk as Buffer)) {
        pending.push(f);
        summary.lines++;
        if (pending.length >= chunkLines) await flush();
      }
    }
  } catch (err) {
    throw new VigilError('INGEST_PARSE', `${path}: reading failed after line ${summary.lines}: ${(err as Error).message}`, {
      source: path,
      line: summary.lines,
    });
  }
  for (const f of framer.end()) {
    pending.push(f);
    summary.lines++;
  }
  await flush();
  opts.onProgress?.(summary.bytes);
  summary.errors.sort((a, b) => a.line - b.line);
  return summary;
}
