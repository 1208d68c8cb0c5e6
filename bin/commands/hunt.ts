// `vigil hunt`: run Sigma rules (and correlations) offline over event files and print the matches,
// with the rule author as the Detection Rule License asks, and a per-rule summary.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { type HuntMatch, runHunt } from '../../detection/hunt/index.ts';
import { bundledPipelineDir } from '../../detection/pipelines/index.ts';
import type { Command } from './types.ts';

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

function humanLine(m: HuntMatch): string {
  const where = `${m.file}#${m.eventIndex}`;
  const head = `[${m.rule.level ?? 'unknown'}] ${m.rule.title}${m.rule.id ? ` (${m.rule.id})` : ''}`;
  const author = m.rule.author ? `  author: ${m.rule.author}` : '';
  if (m.kind === 'correlation') {
    const group = Object.entries(m.group ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const span = `${new Date(m.windowStart ?? 0).toISOString()} .. ${new Date(m.windowEnd ?? 0).toISOString()}`;
    return `${head}  correlation value=${m.value} ${group ? `${group} ` : ''}${span} at ${where}${author}\n`;
  }
  return `${head}  ${where}${author}\n`;
}

export const huntCommand: Command = {
  name: 'hunt',
  summary: 'Hunt offline: run Sigma rules and correlations over event files (NDJSON, JSON, .gz)',
  usage: 'hunt --rules <path>... --events <file>... [--json] [--workers N]',
  // `--events a.json b.json`: parseArgs takes one value per flag, so the extra paths arrive as
  // positionals; folders and .yml/.yaml files are rules, anything else is an event file.
  positionals: 'some',
  options: {
    rules: { type: 'string', multiple: true, valueName: 'path', description: 'Sigma rule files or folders' },
    events: { type: 'string', multiple: true, valueName: 'file', description: 'Event files: NDJSON, a JSON array or concatenated objects, optionally gzip' },
    json: { type: 'boolean', description: 'One JSON line per match {"rule_id","rule_title","level","file","event_index"}, nothing else on stdout' },
    workers: { type: 'string', valueName: 'N', description: 'Worker threads (default 0: this thread)' },
    pipelines: { type: 'string', multiple: true, valueName: 'path', description: 'Field mapping files or folders (default: rules/pipelines)' },
  },
  async run(args, io) {
    const ruleArgs = list(args.values.rules);
    const eventArgs = list(args.values.events);
    for (const p of args.positionals) {
      const abs = resolve(io.cwd, p);
      if (/\.ya?ml$/i.test(p) || (existsSync(abs) && statSync(abs).isDirectory())) ruleArgs.push(p);
      else eventArgs.push(p);
    }
    const rulePaths = ruleArgs.map((p) => resolve(io.cwd, p));
    const eventFiles = eventArgs.map((p) => resolve(io.cwd, p));
    if (rulePaths.length === 0 || eventFiles.length === 0) {
      throw new VigilError(ErrorCode.CLI_USAGE, 'hunt: --rules <path> and --events <file> are both required');
    }
    const workersText = typeof args.values.workers === 'string' ? args.values.workers : '0';
    const workers = Number(workersText);
    if (!Number.isInteger(workers) || workers < 0 || workers > 64) {
      throw new VigilError(ErrorCode.CLI_USAGE, `hunt --workers: '${workersText}' is not a whole number of worker threads (0 to 64)`);
    }
    const pipelinePaths = (list(args.values.pipelines).length > 0 ? list(args.values.pipelines) : [bundledPipelineDir]).map((p) => resolve(io.cwd, p));
    const json = args.values.json === true;
    // Print files as the user named them, not as resolved absolute paths.
    const shown = new Map(eventFiles.map((f, i) => [f, eventArgs[i]]));
    const out: Writable = io.stdout;
    // A closed pipe (`vigil hunt … | head`) ends the output quietly instead of crashing.
    let closed = false;
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed = true;
    });
    const bar = io.isTTY ? new cliProgress.SingleBar({ stream: io.stderr, format: 'hunt [{bar}] {percentage}% {value}/{total} MB', hideCursor: false }, cliProgress.Presets.shades_classic) : undefined;
    let barStarted = false;
    const summary = await runHunt({
      rulePaths,
      eventFiles,
      pipelinePaths,
      workers,
      onMatch: (m) => {
        if (closed) return;
        const file = shown.get(m.file) ?? m.file;
        if (json) {
          out.write(`${JSON.stringify({ rule_id: m.rule.id ?? null, rule_title: m.rule.title, level: m.rule.level ?? null, file, event_index: m.eventIndex })}\n`);
        } else {
          out.write(humanLine({ ...m, file }));
        }
      },
      onProblem: (p) => io.stderr.write(`vigil hunt: ${shown.get(p.file) ?? p.file}:${p.line}: ${p.reason}\n`),
      onProgress: (done, total) => {
        if (!bar) return;
        const mb = (n: number) => Math.round(n / 1e5) / 10;
        if (!barStarted) {
          bar.start(mb(total), 0);
          barStarted = true;
        }
        bar.update(mb(done));
      },
    });
    if (barStarted) bar?.stop();
    for (const p of summary.ruleProblems) io.stderr.write(`vigil hunt: rule skipped: ${p.error}\n`);
    if (summary.unconfigured.length > 0) {
      io.stderr.write(
        `vigil hunt: ${summary.unconfigured.length} rule(s) skipped until their |expand placeholders have values in rules/pipelines/placeholders.yml (see vigil rules validate)\n`,
      );
    }
    if (summary.ruleCount === 0 && summary.correlationCount === 0) {
      io.stderr.write(`vigil hunt: no usable rule under ${ruleArgs.join(', ')}\n`);
      return 1;
    }
    if (!json) {
      const rows = [['rule', 'level', 'count'], ...summary.perRule.map((r) => [r.rule.title, r.rule.level ?? '', String(r.count)])];
      out.write(`\n${summary.matches} matches in ${summary.events} events from ${summary.files} file(s); ${summary.ruleCount} rules, ${summary.correlationCount} correlations\n`);
      if (summary.perRule.length > 0) out.write(`${table(rows)}\n`);
    }
    return 0;
  },
};
