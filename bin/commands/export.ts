// `vigil export incident <id> --format stix` and `vigil export alerts --from --to --format ocsf`:
// the same exports as the API, read directly from the configured store (no server needed).
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logging.ts';
import { checkDataDir } from '../../core/services/check.ts';
import { createStorageEngine } from '../../core/storage/index.ts';
import type { StorageEngine } from '../../core/storage/types.ts';
import { exportAlerts, exportIncidentStix, type Tlp, tlpLevels } from '../../response/exports/index.ts';
import type { Command, CommandIo, ParsedArgs } from './types.ts';

const common = {
  out: { type: 'string', valueName: 'FILE', description: 'Write to this file instead of stdout' },
  config: { type: 'string', valueName: 'FILE', description: 'YAML configuration file (VIGIL_CONFIG)' },
} as const;

async function withStore(args: ParsedArgs, io: CommandIo, fn: (store: StorageEngine) => Promise<number>): Promise<number> {
  const config = loadConfig({ env: io.env, file: args.values.config as string | undefined });
  checkDataDir(config);
  const store = createStorageEngine({ kind: config.store, dataDir: config.dataDir, logger: createLogger({ level: 'warn', destination: io.stderr }) });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function withOutput(args: ParsedArgs, io: CommandIo, fn: (out: Writable) => Promise<void>): Promise<void> {
  const file = args.values.out as string | undefined;
  if (!file) return fn(io.stdout);
  const out = createWriteStream(resolve(io.cwd, file));
  await fn(out);
  out.end();
  await finished(out);
}

function isoArg(v: unknown, flag: string, io: CommandIo): string | undefined | null {
  if (v === undefined) return undefined;
  const ms = Date.parse(String(v));
  if (!Number.isFinite(ms)) {
    io.stderr.write(`vigil export alerts: ${flag} '${String(v)}' is not a date (ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z)\n`);
    return null;
  }
  return new Date(ms).toISOString();
}

export const exportIncidentCommand: Command = {
  name: 'export incident',
  summary: 'Export an incident as a STIX 2.1 bundle (Incident Core extension, indicators, sightings, TLP)',
  usage: 'export incident <id> [--format stix] [--tlp white|green|amber|red] [--out FILE]',
  options: {
    format: { type: 'string', valueName: 'F', description: 'Export format: stix (the only one for incidents)' },
    tlp: { type: 'string', valueName: 'LEVEL', description: 'TLP marking: white, green, amber (default) or red' },
    ...common,
  },
  positionals: 'some',
  async run(args, io) {
    if (args.positionals.length !== 1) {
      io.stderr.write('vigil export incident: give exactly one incident id\n');
      return 2;
    }
    const format = (args.values.format as string | undefined) ?? 'stix';
    if (format !== 'stix') {
      io.stderr.write(`vigil export incident: --format '${format}' is not supported (stix)\n`);
      return 2;
    }
    const tlp = (args.values.tlp as string | undefined) ?? 'amber';
    if (!(tlpLevels as readonly string[]).includes(tlp)) {
      io.stderr.write(`vigil export incident: --tlp '${tlp}' is not a TLP level (${tlpLevels.join(', ')})\n`);
      return 2;
    }
    const id = args.positionals[0];
    return withStore(args, io, async (store) => {
      const inc = await store.incidents.get(id);
      if (!inc) {
        io.stderr.write(`vigil export incident: no incident with id ${id}\n`);
        return 1;
      }
      const bundle = await exportIncidentStix(store, id, { tlp: tlp as Tlp });
      await withOutput(args, io, async (out) => {
        out.write(`${JSON.stringify(bundle, null, 2)}\n`);
      });
      return 0;
    });
  },
};

export const exportAlertsCommand: Command = {
  name: 'export alerts',
  summary: 'Export alerts in a time range as OCSF Detection Findings (or ECS alert documents), NDJSON',
  usage: 'export alerts [--from DATE] [--to DATE] [--format ocsf|ecs] [--out FILE]',
  options: {
    from: { type: 'string', valueName: 'DATE', description: 'Inclusive start (ISO 8601)' },
    to: { type: 'string', valueName: 'DATE', description: 'Exclusive end (ISO 8601)' },
    format: { type: 'string', valueName: 'F', description: 'ocsf (default) or ecs' },
    ...common,
  },
  positionals: 'none',
  async run(args, io) {
    const format = (args.values.format as string | undefined) ?? 'ocsf';
    if (format !== 'ocsf' && format !== 'ecs') {
      io.stderr.write(`vigil export alerts: --format '${format}' is not supported (ocsf, ecs)\n`);
      return 2;
    }
    const from = isoArg(args.values.from, '--from', io);
    const to = isoArg(args.values.to, '--to', io);
    if (from === null || to === null) return 2;
    return withStore(args, io, async (store) => {
      await withOutput(args, io, async (out) => {
        for await (const line of exportAlerts(store, { from, to }, format)) {
          if (!out.write(line)) await new Promise((r) => out.once('drain', r));
        }
      });
      return 0;
    });
  },
};
