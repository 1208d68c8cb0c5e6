// `vigil normalize`: raw lines (or JSON events) in, one ECS document per event out as NDJSON,
// in input order, touching no store. Unparseable input prints its dead-letter document.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type EcsEvent, isPlainObject } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import { deadLetterEvent } from '../../ingest/normalise/dead-letter.ts';
import { normaliseRecord } from '../../ingest/normalise/normalise-record.ts';
import { parseZone } from '../../ingest/normalise/time.ts';
import { detectDataset } from '../../ingest/parsers/detect.ts';
import { getParser, parserRegistry } from '../../ingest/parsers/index.ts';
import type { Parser, RawRecord } from '../../ingest/parsers/types.ts';
import type { Command, CommandIo, ParsedArgs } from './types.ts';

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((res) => out.once('drain', () => res()));
}

/** One input event: a line, or an object from a JSON events file. */
interface InputEvent {
  text: string;
  document?: EcsEvent;
  location: string;
}

/** Lines of the input; a line holding a JSON object becomes an agent-shipped document. */
async function* readEvents(stream: Readable, name: string, multiline?: RegExp): AsyncGenerator<InputEvent> {
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let pending: InputEvent | undefined;
  for await (const line of rl) {
    lineNo++;
    if (multiline) {
      if (pending && !multiline.test(line)) {
        pending.text += `\n${line}`;
        continue;
      }
      if (pending) yield pending;
      pending = { text: line, location: `${name}:${lineNo}` };
      continue;
    }
    yield { text: line, location: `${name}:${lineNo}` };
  }
  if (pending) yield pending;
}

function asDocument(ev: InputEvent): InputEvent {
  if (ev.document || !ev.text.trimStart().startsWith('{')) return ev;
  try {
    const parsed: unknown = JSON.parse(ev.text);
    if (isPlainObject(parsed)) return { ...ev, document: parsed };
  } catch {
    // Not JSON after all: the parser gets the line as text.
  }
  return ev;
}

/** A whole-file `{"events": [...]}` (Elastic's fixture shape) yields its events as documents. */
function eventsFile(path: string): InputEvent[] | undefined {
  if (!path.endsWith('.json')) return undefined;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (isPlainObject(parsed) && Array.isArray(parsed.events)) {
      return parsed.events.filter(isPlainObject).map((document, i) => ({
        text: typeof document.message === 'string' ? document.message : JSON.stringify(document),
        document,
        location: `${path}#/events/${i}`,
      }));
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function knownList(): string {
  return [...parserRegistry.keys()].sort().join(', ');
}

async function run(args: ParsedArgs, io: CommandIo): Promise<number> {
  const v = args.values;
  const dataset = typeof v.dataset === 'string' ? v.dataset : undefined;
  if (!dataset) {
    await write(io.stderr, `vigil normalize: --dataset is required (known: auto, ${knownList()})\n`);
    return 2;
  }
  const tz = typeof v.tz === 'string' ? v.tz : undefined;
  if (tz !== undefined && !parseZone(tz)) {
    await write(io.stderr, `vigil normalize: --tz '${tz}' is neither an IANA zone nor an offset like +02:00\n`);
    return 2;
  }
  let multiline: RegExp | undefined;
  if (typeof v['multiline-pattern'] === 'string') {
    try {
      multiline = new RegExp(v['multiline-pattern']);
    } catch (err) {
      await write(io.stderr, `vigil normalize: --multiline-pattern: ${(err as Error).message}\n`);
      return 2;
    }
  }
  let receivedAt: Date | undefined;
  if (typeof v['received-at'] === 'string') {
    receivedAt = new Date(v['received-at']);
    if (Number.isNaN(receivedAt.getTime())) {
      await write(io.stderr, `vigil normalize: --received-at '${v['received-at']}' is not an ISO 8601 time\n`);
      return 2;
    }
  }
  let fixed: Parser | undefined;
  if (dataset !== 'auto') {
    fixed = getParser(dataset);
    if (!fixed) {
      await write(io.stderr, `vigil normalize: unknown dataset '${dataset}' (known: auto, ${knownList()})\n`);
      return 2;
    }
  }
  const file = typeof v.file === 'string' ? resolve(io.cwd, v.file) : undefined;
  if (file && !existsSync(file)) {
    await write(io.stderr, `vigil normalize: --file ${file}: no such file\n`);
    return 2;
  }
  const sourceName = file ? `file ${v.file}` : 'stdin';
  const input: AsyncIterable<InputEvent> | InputEvent[] =
    (file && eventsFile(file)) || readEvents(file ? createReadStream(file) : io.stdin, sourceName, multiline);

  let failed = 0;
  for await (const ev of input) {
    const withDoc = asDocument(ev);
    const doc = withDoc.document;
    const raw: RawRecord = {
      message: doc && typeof doc.message === 'string' ? doc.message : withDoc.text,
      receivedAt: receivedAt ?? new Date(),
      source: file ? `file ${withDoc.location.replace(/^.*[\\/]/, '')}` : withDoc.location,
      ...(tz ? { tz } : {}),
      ...(doc ? { document: doc } : {}),
    };
    let parser = fixed;
    if (!parser) {
      const name = detectDataset(raw.message);
      parser = name ? getParser(name) : undefined;
      if (!parser) {
        const error = new VigilError('INGEST_UNKNOWN_DATASET', `${raw.source}: no dataset recognises this line`, { source: raw.source });
        await write(io.stdout, `${JSON.stringify(deadLetterEvent(raw, error, 'auto'))}\n`);
        failed++;
        continue;
      }
    }
    const outcome = normaliseRecord(parser, raw);
    if (outcome.failed) failed++;
    for (const e of outcome.events) await write(io.stdout, `${JSON.stringify(e)}\n`);
  }
  if (failed > 0) await write(io.stderr, `vigil normalize: ${failed} event(s) could not be parsed (dead-letter documents printed in place)\n`);
  return failed > 0 ? 1 : 0;
}

export const normalizeCommand: Command = {
  name: 'normalize',
  summary: 'Parse raw log lines (or JSON events) into ECS documents, printed as NDJSON; touches no store',
  usage: 'normalize --dataset <name|auto> [--tz <zone|offset>] [--file <path>] [--multiline-pattern <regex>] [--received-at <iso>]',
  options: {
    dataset: { type: 'string', short: 'd', valueName: 'NAME', description: "Elastic dataset name (e.g. system.auth) or 'auto' to detect per line" },
    tz: { type: 'string', valueName: 'ZONE', description: "Zone for timestamps without one: IANA name or offset like '+02:00' (default UTC)" },
    file: { type: 'string', short: 'f', valueName: 'PATH', description: 'Read this file instead of stdin (a {"events": [...]} JSON file is read as documents)' },
    'multiline-pattern': { type: 'string', valueName: 'REGEX', description: 'A line matching it starts a new event; other lines join the previous one' },
    'received-at': { type: 'string', valueName: 'ISO', description: 'Receive time used to resolve year-less timestamps (default now)' },
  },
  positionals: 'none',
  run,
};
