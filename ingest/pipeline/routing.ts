// Chooses the parser for a raw line when the dataset is 'auto': the content detector
// (ingest/parsers/detect.ts) first; when it only recognises a generic envelope (plain syslog,
// key=value, JSON), the syslog program name ('sshd', 'filterlog') picks the dataset its payload
// belongs to. A detected dataset whose parser is not registered counts as not recognised.
import { detectDataset, detectLine, syslogProgram as programOf } from '../parsers/detect.ts';
import { parserRegistry } from '../parsers/index.ts';
import type { Parser, RawRecord } from '../parsers/types.ts';

/** Datasets that say "a syslog/JSON/kv line" without saying which product wrote it. */
const GENERIC_DATASETS = new Set(['system.syslog', 'rfc3164', 'rfc5424', 'kv', 'json']);

/** Syslog program (tag / APP-NAME) → Elastic dataset of its payload. */
const PROGRAM_DATASETS: Record<string, string> = {
  sshd: 'system.auth',
  sudo: 'system.auth',
  su: 'system.auth',
  useradd: 'system.auth',
  userdel: 'system.auth',
  usermod: 'system.auth',
  groupadd: 'system.auth',
  groupdel: 'system.auth',
  groupmod: 'system.auth',
  passwd: 'system.auth',
  chpasswd: 'system.auth',
  chage: 'system.auth',
  gpasswd: 'system.auth',
  login: 'system.auth',
  'systemd-logind': 'system.auth',
  pkexec: 'system.auth',
  filterlog: 'pfsense.log',
  haproxy: 'haproxy.log',
  suricata: 'suricata.eve',
  auditd: 'auditd.log',
  audispd: 'auditd.log',
};

export interface DatasetRouter {
  /** The parser registered for a dataset name. */
  parser(dataset: string): Parser | undefined;
  /** Dataset names that can be asked for, sorted. */
  datasets(): string[];
  /**
   * The dataset for a raw line under 'auto'; undefined when no parser recognises it. A JSON line
   * detection parsed is left on `raw.parsedMessage` for the parser.
   */
  resolve(raw: RawRecord): string | undefined;
}

export type DetectFn = (line: string) => string | undefined;

/** Asks each registered parser's own cheap `detect`, specific formats before generic envelopes (for custom registries). */
export function detectWithRegistry(registry: ReadonlyMap<string, Parser>): DetectFn {
  const ordered = [...registry.values()].filter((p) => p.detect);
  ordered.sort((a, b) => Number(GENERIC_DATASETS.has(a.dataset)) - Number(GENERIC_DATASETS.has(b.dataset)));
  return (line) => ordered.find((p) => p.detect?.(line))?.dataset;
}

/** The syslog program name of a line, lower-cased, if it has a syslog header. */
export function syslogProgram(raw: RawRecord): string | undefined {
  const app = programOf(raw.message);
  if (!app || app === '-') return undefined;
  return app.slice(app.lastIndexOf('/') + 1).toLowerCase();
}

export function createDatasetRouter(
  opts: { registry?: ReadonlyMap<string, Parser>; detect?: DetectFn } = {},
): DatasetRouter {
  const registry = opts.registry ?? parserRegistry;
  const detect = opts.detect ?? (opts.registry ? detectWithRegistry(registry) : detectDataset);
  // The built-in detector parses JSON lines; the parsed object rides along on the record.
  const builtIn = detect === detectDataset;
  return {
    parser: (dataset) => registry.get(dataset),
    datasets: () => [...registry.keys()].sort(),
    resolve(raw) {
      let detected: string | undefined;
      if (builtIn) {
        const found = detectLine(raw.message);
        detected = found.dataset;
        if (found.json) raw.parsedMessage = found.json;
      } else {
        detected = detect(raw.message);
      }
      if (detected && !GENERIC_DATASETS.has(detected) && registry.has(detected)) return detected;
      const program = syslogProgram(raw);
      const byProgram = program ? PROGRAM_DATASETS[program] : undefined;
      if (byProgram && registry.has(byProgram)) return byProgram;
      if (detected && registry.has(detected)) return detected;
      if (program && registry.has('system.syslog')) return 'system.syslog';
      return undefined;
    },
  };
}
