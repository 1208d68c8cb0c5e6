// The ingest pipeline: raw lines or JSON documents → parse (by dataset or detected) → ECS type
// check → enrichment → one awaited sink push per batch (the acknowledgement). Lines that fail are
// dead-lettered into the same push, so a batch is stored whole or not at all; capacity is bounded
// by events in flight, and callers wait (TCP) or are refused (HTTP 429) when it is used up.
import { type EcsEvent, expandDotted, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { type ErrorRecord, VigilError, toErrorRecord } from '../../core/errors.ts';
import { ecsFieldType } from '../../core/ecs-fields.ts';
import { createEcsChecker, type EcsChecker } from '../ecs/check.ts';
import { deadLetterEvent } from '../normalise/dead-letter.ts';
import type { RawRecord } from '../parsers/types.ts';
import { createDatasetRouter, type DatasetRouter } from './routing.ts';

/** Where accepted batches go; resolving means stored (or durably queued). */
export interface EventSink {
  push(events: EcsEvent[]): Promise<void>;
}

/** Adds context to one event in place (asset, user, threat intel, GeoIP). Synchronous by design. */
export type Enricher = (event: EcsEvent) => void;

export interface PipelineLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface IngestContext {
  /** An Elastic dataset name ('system.auth') or 'auto' to detect it per line. */
  dataset: string;
  /** Where the batch came from: 'http', 'syslog-tcp 10.0.0.5:51514', 'file auth.log'. The first word keys the stats. */
  source: string;
  /** Zone for timestamps that carry none (IANA or ±hh:mm). @default 'UTC' */
  tz?: string;
  /** @default now */
  receivedAt?: Date;
  /** Number of the first line in the batch, for error locations (files ingested in chunks). @default 1 */
  firstLine?: number;
}

export interface LineError {
  /** 1-based line (or array item) number in the input. */
  line: number;
  code: string;
  message: string;
}

export interface IngestResult {
  /** Lines or documents parsed and stored. */
  accepted: number;
  /** Lines or documents that failed; each was stored as a dead-letter event. */
  rejected: number;
  /** ECS events stored from the accepted input (a line may yield several). */
  events: number;
  errors: LineError[];
  /** Per dataset: accepted and dead-lettered input. */
  datasets: Record<string, { accepted: number; deadLettered: number }>;
}

export interface Counters {
  /** Lines, datagrams or documents handed to the pipeline. */
  received: number;
  accepted: number;
  deadLettered: number;
  /** ECS events stored from accepted input. */
  events: number;
  /** Never reached the pipeline (UDP datagrams dropped while it was full). */
  dropped: number;
  /** Lost because the sink refused the batch. */
  failed: number;
}

export interface IngestStats {
  startedAt: string;
  inFlight: number;
  maxInFlight: number;
  totals: Counters;
  /** By source kind: http, syslog-udp, syslog-tcp, syslog-tls, file. */
  sources: Record<string, Counters>;
  datasets: Record<string, Counters>;
}

export interface IngestPipeline {
  ingestRaw(lines: readonly string[], ctx: IngestContext): Promise<IngestResult>;
  /**
   * JSON documents: ECS events, or agent-shipped documents (their event.dataset picks the parser).
   * `undefined` entries (blank NDJSON lines) are skipped but keep their place in the numbering.
   */
  ingestDocuments(docs: readonly unknown[], ctx: IngestContext): Promise<IngestResult>;
  /** True when a batch of `n` would have to wait for capacity (HTTP answers 429 instead). */
  isSaturated(n?: number): boolean;
  /** Counts input lost before the pipeline (UDP datagrams dropped while full). */
  recordDropped(source: string, count: number): void;
  /** Dataset names accepted by `ctx.dataset` besides 'auto'. */
  datasets(): string[];
  stats(): IngestStats;
  /** Resolves once every batch in flight has been pushed to the sink. */
  drain(): Promise<void>;
}

export interface IngestPipelineOptions {
  sink: EventSink;
  enrich?: Enricher;
  /** ECS type checker (ingest/ecs/check.ts); false stores documents exactly as parsed. @default the ECS catalogue */
  ecsCheck?: EcsChecker | false;
  /** Most lines/documents in flight at once; larger batches wait (or get 429). @default 10000 */
  maxInFlight?: number;
  logger: PipelineLogger;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default the parser registry with content detection and syslog program routing */
  router?: DatasetRouter;
}

/**
 * A document that never became JSON (an NDJSON line that does not parse): it is dead-lettered
 * with its text by `ingestDocuments`, in its place in the batch.
 */
export class UnparsedInput {
  constructor(
    readonly text: string,
    readonly error: VigilError,
  ) {}
}

const AUTO = 'auto';
const UNKNOWN_DATASET = 'unknown';
/** Stats key for ECS documents sent without an event.dataset. */
const ECS_DOCUMENTS = 'ecs';

function emptyCounters(): Counters {
  return { received: 0, accepted: 0, deadLettered: 0, events: 0, dropped: 0, failed: 0 };
}

function sourceKind(source: string): string {
  const space = source.indexOf(' ');
  return space === -1 ? source : source.slice(0, space);
}

export function createIngestPipeline(opts: IngestPipelineOptions): IngestPipeline {
  const maxInFlight = opts.maxInFlight ?? 10_000;
  const now = opts.now ?? (() => new Date());
  const router = opts.router ?? createDatasetRouter();
  const ecsCheck = opts.ecsCheck === false ? undefined : (opts.ecsCheck ?? createEcsChecker(ecsFieldType));
  const startedAt = now().toISOString();
  const totals = emptyCounters();
  const bySource = new Map<string, Counters>();
  const byDataset = new Map<string, Counters>();
  let inFlight = 0;
  const waiters: Array<{ n: number; wake: () => void }> = [];
  let idleWaiters: Array<() => void> = [];

  const counters = (map: Map<string, Counters>, key: string): Counters => {
    let c = map.get(key);
    if (!c) {
      c = emptyCounters();
      map.set(key, c);
    }
    return c;
  };
  const count = (source: string, dataset: string | undefined, field: keyof Counters, n = 1): void => {
    if (n === 0) return;
    totals[field] += n;
    counters(bySource, sourceKind(source))[field] += n;
    if (dataset !== undefined) counters(byDataset, dataset)[field] += n;
  };

  const fits = (n: number): boolean => inFlight === 0 || inFlight + n <= maxInFlight;

  // FIFO so a large batch is not starved by a stream of small ones.
  const acquire = async (n: number): Promise<void> => {
    if (waiters.length === 0 && fits(n)) {
      inFlight += n;
      return;
    }
    await new Promise<void>((wake) => waiters.push({ n, wake }));
  };
  const release = (n: number): void => {
    inFlight -= n;
    while (waiters.length > 0 && fits(waiters[0].n)) {
      const w = waiters.shift()!;
      inFlight += w.n;
      w.wake();
    }
    if (inFlight === 0 && waiters.length === 0) {
      const idle = idleWaiters;
      idleWaiters = [];
      for (const wake of idle) wake();
    }
  };

  const checkDataset = (ctx: IngestContext): void => {
    if (ctx.dataset !== AUTO && !router.parser(ctx.dataset)) {
      throw new VigilError(
        'INGEST_UNKNOWN_DATASET',
        `${ctx.source}: unknown dataset "${ctx.dataset}" (known: auto, ${router.datasets().join(', ')})`,
        { source: ctx.source, path: 'dataset' },
      );
    }
  };

  /** Type check and enrichment for an event that parsed. */
  const finish = (event: EcsEvent, ingested: string, receivedAt: Date): EcsEvent => {
    ecsCheck?.(event);
    // A @timestamp the check had to move (not a date) leaves the event timed by its arrival.
    if (event['@timestamp'] === undefined) event['@timestamp'] = receivedAt.toISOString();
    if (opts.enrich) {
      try {
        opts.enrich(event);
      } catch (err) {
        // Enrichment adds context; failing it must not lose the event.
        opts.logger.warn({ err: toErrorRecord(err) }, 'ingest: enrichment failed; event stored without it');
      }
    }
    setPath(event, 'event.ingested', ingested);
    return event;
  };

  const deadLetter = (raw: RawRecord, error: unknown, dataset: string, line: number, stage: string): EcsEvent => {
    const doc = deadLetterEvent(raw, error, dataset);
    const rec: ErrorRecord = toErrorRecord(error);
    setPath(doc, 'vigil.dead_letter', {
      stage,
      source: raw.source,
      line,
      ...(rec.location ? { location: rec.location } : {}),
    });
    return doc;
  };

  type Item = { kind: 'line'; text: string } | { kind: 'doc'; value: unknown };

  const run = async (items: Item[], ctx: IngestContext): Promise<IngestResult> => {
    checkDataset(ctx);
    const receivedAt = ctx.receivedAt ?? now();
    const firstLine = ctx.firstLine ?? 1;
    const result: IngestResult = { accepted: 0, rejected: 0, events: 0, errors: [], datasets: {} };
    const live = items.filter((it) => (it.kind === 'doc' ? it.value !== undefined : it.text.trim() !== '')).length;
    if (live === 0) return result;
    await acquire(live);
    try {
      const out: EcsEvent[] = [];
      const tally: Array<{ dataset: string; field: 'accepted' | 'deadLettered'; events: number }> = [];
      const ingested = now().toISOString();
      const note = (dataset: string, ok: boolean, events: number): void => {
        const d = (result.datasets[dataset] ??= { accepted: 0, deadLettered: 0 });
        if (ok) {
          d.accepted++;
          result.accepted++;
          result.events += events;
        } else {
          d.deadLettered++;
          result.rejected++;
        }
        tally.push({ dataset, field: ok ? 'accepted' : 'deadLettered', events });
      };
      const fail = (raw: RawRecord, err: unknown, dataset: string, line: number, stage: string): void => {
        const rec = toErrorRecord(err);
        result.errors.push({ line, code: rec.code, message: rec.message });
        out.push(finish(deadLetter(raw, err, dataset, line, stage), ingested, receivedAt));
        note(dataset, false, 0);
      };

      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        const line = firstLine + i;
        const source = ctx.source;
        if (item.kind === 'line') {
          if (item.text.trim() === '') continue;
          const raw: RawRecord = { message: item.text, receivedAt, source, ...(ctx.tz ? { tz: ctx.tz } : {}) };
          const dataset = ctx.dataset === AUTO ? router.resolve(raw) : ctx.dataset;
          if (!dataset) {
            fail(
              raw,
              new VigilError('INGEST_UNKNOWN_DATASET', `${source}: line ${line}: no parser recognises this line (got "${cut(item.text)}")`, {
                source,
                line,
              }),
              UNKNOWN_DATASET,
              line,
              'detect',
            );
            continue;
          }
          parseInto(raw, dataset, line);
          continue;
        }
        const value = item.value;
        if (value === undefined) continue;
        if (value instanceof UnparsedInput) {
          fail({ message: value.text, receivedAt, source }, value.error, ctx.dataset === AUTO ? UNKNOWN_DATASET : ctx.dataset, line, 'decode');
          continue;
        }
        if (!isPlainObject(value)) {
          const text = JSON.stringify(value) ?? String(value);
          fail(
            { message: text, receivedAt, source },
            new VigilError('INGEST_PARSE', `${source}: item ${line}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`, {
              source,
              line,
            }),
            ctx.dataset === AUTO ? UNKNOWN_DATASET : ctx.dataset,
            line,
            'decode',
          );
          continue;
        }
        const doc = expandDotted(value);
        const declared = getPath(doc, 'event.dataset');
        const dataset = ctx.dataset !== AUTO ? ctx.dataset : typeof declared === 'string' ? declared : undefined;
        // A declared dataset with a raw message is an agent-shipped document: parse it like the raw line.
        if (dataset && router.parser(dataset) && (ctx.dataset !== AUTO || typeof doc.message === 'string')) {
          const message = typeof doc.message === 'string' ? doc.message : JSON.stringify(value);
          parseInto({ message, receivedAt, source, document: doc, ...(ctx.tz ? { tz: ctx.tz } : {}) }, dataset, line);
          continue;
        }
        // Already ECS: kept as sent, with the defaults every stored event has (set in finish).
        out.push(finish(doc, ingested, receivedAt));
        note(dataset ?? ECS_DOCUMENTS, true, 1);
      }

      function parseInto(raw: RawRecord, dataset: string, line: number): void {
        const parser = router.parser(dataset)!;
        let parsed: ReturnType<typeof parser.parse>;
        try {
          parsed = parser.parse(raw);
        } catch (err) {
          // Parsers must not throw; if one does, the line is still kept.
          parsed = {
            ok: false,
            error: new VigilError('INGEST_PARSE', `${raw.source}: ${dataset}: parser failed: ${(err as Error).message}`, {
              source: raw.source,
              line,
            }, { cause: err }),
          };
        }
        if (!parsed.ok) {
          fail(raw, parsed.error, dataset, line, 'parse');
          return;
        }
        for (const ev of parsed.events) out.push(finish(ev, ingested, receivedAt));
        note(dataset, true, parsed.events.length);
      }

      try {
        await opts.sink.push(out);
      } catch (err) {
        count(ctx.source, undefined, 'received', live);
        count(ctx.source, undefined, 'failed', live);
        throw err instanceof VigilError
          ? err
          : new VigilError('STORE_UNAVAILABLE', `${ctx.source}: storing ${out.length} events failed: ${(err as Error).message}`, undefined, {
              retryable: true,
              cause: err,
            });
      }
      for (const t of tally) {
        count(ctx.source, t.dataset, 'received');
        count(ctx.source, t.dataset, t.field);
        count(ctx.source, t.dataset, 'events', t.events);
      }
      return result;
    } finally {
      release(live);
    }
  };

  return {
    ingestRaw: (lines, ctx) => run(lines.map((text) => ({ kind: 'line', text })), ctx),
    ingestDocuments: (docs, ctx) => run(docs.map((value) => ({ kind: 'doc', value })), ctx),
    isSaturated: (n = 1) => waiters.length > 0 || !fits(n),
    recordDropped: (source, n) => count(source, undefined, 'dropped', n),
    datasets: () => router.datasets(),
    stats: () => ({
      startedAt,
      inFlight,
      maxInFlight,
      totals: { ...totals },
      sources: Object.fromEntries([...bySource].map(([k, v]) => [k, { ...v }])),
      datasets: Object.fromEntries([...byDataset].map(([k, v]) => [k, { ...v }])),
    }),
    drain: () =>
      inFlight === 0 && waiters.length === 0 ? Promise.resolve() : new Promise<void>((wake) => idleWaiters.push(wake)),
  };
}

function cut(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
