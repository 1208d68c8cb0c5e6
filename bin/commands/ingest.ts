// `vigil ingest <file>... --dataset <name>|auto`: imports log files into the configured store
// through the ingest pipeline (dead-letters included), with a progress bar on a terminal and a
// per-dataset summary at the end.
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../core/config.ts';
import { formatLocation, VigilError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { createQueueBackend, type QueueBackend } from '../../core/queue/index.ts';
import { checkDataDir, checkRedis } from '../../core/services/check.ts';
import { createStorageEngine } from '../../core/storage/index.ts';
import { loadEnrichment } from '../../ingest/enrich/index.ts';
import { createIngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { type FileIngestSummary, fileSize, ingestFile } from '../../ingest/sources/file.ts';
import { storeAndQueueSink } from '../compose.ts';
import type { Command } from './types.ts';

/** Per-line errors printed on stderr before "… and N more". */
const ERRORS_SHOWN = 20;

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Import log files into the store (parsed, enriched, failures dead-lettered)',
  usage: 'ingest <file>... --dataset <name|auto> [--tz <zone>] [--inventory F] [--intel F]... [--geoip-city F] [--geoip-asn F] [--json]',
  options: {
    dataset: { type: 'string', description: "Dataset of the lines (e.g. system.auth), or 'auto' to detect per line", valueName: 'NAME' },
    tz: { type: 'string', description: 'Zone for timestamps without one: IANA name or ±hh:mm (default UTC)', valueName: 'ZONE' },
    inventory: { type: 'string', description: 'Asset/user inventory (YAML or CSV) for enrichment', valueName: 'FILE' },
    intel: { type: 'string', multiple: true, description: 'Indicator list or STIX 2.1 bundle (repeatable)', valueName: 'FILE' },
    'geoip-city': { type: 'string', description: 'MaxMind City/Country database', valueName: 'FILE' },
    'geoip-asn': { type: 'string', description: 'MaxMind ASN database', valueName: 'FILE' },
    json: { type: 'boolean', description: 'Print the summary as JSON on stdout' },
    config: { type: 'string', description: 'YAML configuration file (VIGIL_CONFIG)', valueName: 'FILE' },
  },
  positionals: 'some',
  async run(args, io) {
    const dataset = args.values.dataset as string | undefined;
    if (args.positionals.length === 0) {
      io.stderr.write('vigil ingest: name at least one file to import\n');
      return 2;
    }
    if (!dataset) {
      io.stderr.write("vigil ingest: --dataset is required (a dataset name such as system.auth, or 'auto')\n");
      return 2;
    }
    const files = args.positionals.map((f) => resolve(io.cwd, f));
    const tz = args.values.tz as string | undefined;
    try {
      const sizes = await Promise.all(files.map((f) => fileSize(f)));
      const config = loadConfig({ env: io.env, file: args.values.config as string | undefined });
      checkDataDir(config);
      // With Redis, a running detection tier (vigil serve --roles detect) sees imported files too:
      // fail before reading anything when Redis is configured but cannot be reached.
      await checkRedis(config);
      // Flags win; otherwise the enrichment the server is configured with (enrich.*) applies here too.
      const stage = await loadEnrichment({
        inventory: (args.values.inventory as string | undefined) ?? config.enrich.inventory,
        intel: (args.values.intel as string[] | undefined) ?? config.enrich.intel,
        geoipCity: (args.values['geoip-city'] as string | undefined) ?? config.enrich.geoipCity,
        geoipAsn: (args.values['geoip-asn'] as string | undefined) ?? config.enrich.geoipAsn,
      });
      for (const e of stage.intelErrors) io.stderr.write(`vigil ingest: skipped indicator: ${formatLocation(e)}: ${e.message}\n`);
      const logger = createLogger({ level: 'warn' });
      const store = createStorageEngine({ kind: config.store, dataDir: config.dataDir, logger });
      const queues: QueueBackend | undefined = config.redisUrl ? createQueueBackend({ redisUrl: config.redisUrl, logger }) : undefined;
      const closeAll = async (): Promise<void> => {
        await queues?.close();
        await store.close();
      };
      const pipeline = createIngestPipeline({
        // Without Redis nothing else can see an in-process queue, so the events are only stored.
        sink: queues
          ? storeAndQueueSink(store, queues, true)
          : {
              async push(events) {
                await store.events.append(events);
              },
            },
        enrich: stage.enrich,
        logger,
      });
      if (dataset !== 'auto' && !pipeline.datasets().includes(dataset)) {
        await closeAll();
        io.stderr.write(`vigil ingest: unknown dataset "${dataset}" (known: auto, ${pipeline.datasets().join(', ')})\n`);
        return 2;
      }
      const total = sizes.reduce((a, b) => a + b, 0);
      const bar = io.isTTY
        ? new cliProgress.SingleBar(
            {
              stream: io.stderr,
              format: '{bar} {percentage}% | {value}/{total} bytes | {file}',
              hideCursor: true,
              // io.isTTY already says stderr is a terminal; this lets the bar draw on the stream given.
              noTTYOutput: true,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(total, 0, { file: '' });
      const summaries: FileIngestSummary[] = [];
      let done = 0;
      try {
        for (const [i, file] of files.entries()) {
          summaries.push(
            await ingestFile(file, {
              pipeline,
              dataset,
              ...(tz ? { tz } : {}),
              onProgress: (bytes) => bar?.update(done + bytes, { file: args.positionals[i] }),
            }),
          );
          done += sizes[i];
        }
      } finally {
        bar?.stop();
        await pipeline.drain();
        await closeAll();
      }
      printSummary(summaries, args.values.json === true, io.stdout, io.stderr);
      return summaries.some((s) => s.deadLettered > 0) ? 1 : 0;
    } catch (err) {
      if (err instanceof VigilError) {
        io.stderr.write(`vigil ingest: ${err.message}\n`);
        return err.code === 'CLI_USAGE' ? 2 : 1;
      }
      throw err;
    }
  },
};

function printSummary(summaries: FileIngestSummary[], json: boolean, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
  const datasets: Record<string, { accepted: number; deadLettered: number }> = {};
  let lines = 0;
  let accepted = 0;
  let dead = 0;
  let events = 0;
  for (const s of summaries) {
    lines += s.lines;
    accepted += s.accepted;
    dead += s.deadLettered;
    events += s.events;
    for (const [ds, c] of Object.entries(s.datasets)) {
      const d = (datasets[ds] ??= { accepted: 0, deadLettered: 0 });
      d.accepted += c.accepted;
      d.deadLettered += c.deadLettered;
    }
  }
  if (json) {
    out.write(
      `${JSON.stringify({
        files: summaries.map((s) => ({ file: s.file, lines: s.lines, accepted: s.accepted, deadLettered: s.deadLettered, events: s.events })),
        datasets,
        totals: { lines, accepted, deadLettered: dead, events },
        errors: summaries.flatMap((s) => s.errors.map((e) => ({ file: s.file, ...e }))),
      })}\n`,
    );
    return;
  }
  const names = Object.keys(datasets).sort();
  const width = Math.max(7, ...names.map((n) => n.length));
  out.write(
    `Imported ${summaries.length} file${summaries.length === 1 ? '' : 's'}: ${lines} lines, ${accepted} accepted (${events} events), ${dead} dead-lettered\n`,
  );
  out.write(`${'dataset'.padEnd(width)}  ${'accepted'.padStart(9)}  ${'dead-lettered'.padStart(13)}\n`);
  for (const n of names) {
    out.write(`${n.padEnd(width)}  ${String(datasets[n].accepted).padStart(9)}  ${String(datasets[n].deadLettered).padStart(13)}\n`);
  }
  const errors = summaries.flatMap((s) => s.errors.map((e) => ({ file: s.file, ...e })));
  for (const e of errors.slice(0, ERRORS_SHOWN)) err.write(`${e.file}:${e.line}: ${e.code}: ${e.message}\n`);
  if (errors.length > ERRORS_SHOWN) err.write(`… and ${errors.length - ERRORS_SHOWN} more (search event.kind:pipeline_error)\n`);
}
