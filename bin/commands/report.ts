// `vigil report`: writes the signed incident report for a period (and `<file>.p7s` beside it);
// `vigil report verify`: checks a report against its detached signature and the instance CA.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import forge from 'node-forge';
import { loadConfig } from '../../core/config.ts';
import type { VigilError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { checkDataDir } from '../../core/services/check.ts';
import { createStorageEngine } from '../../core/storage/index.ts';
import { parseRange } from '../../dashboards/metrics/period.ts';
import { loadCategoryLabels } from '../../dashboards/reports/category-labels.ts';
import { type ReportFormat, ReportService, reportFormats, writeSignedReport } from '../../dashboards/reports/report-service.ts';
import { verifyReportSignature } from '../../dashboards/reports/signature.ts';
import { instanceCa } from '../../dashboards/reports/signing-key.ts';
import type { Command } from './types.ts';

const configOption = { config: { type: 'string', description: 'YAML configuration file (VIGIL_CONFIG)', valueName: 'FILE' } } as const;

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'Write the signed incident report for a period (PDF, CSV or JSON, with <out>.p7s)',
  usage: 'report --from <date> --to <date> --format pdf|csv|json --out <file>',
  options: {
    from: { type: 'string', description: 'Start of the period (ISO time or YYYY-MM-DD, inclusive)', valueName: 'DATE' },
    to: { type: 'string', description: 'End of the period (ISO time or YYYY-MM-DD, exclusive)', valueName: 'DATE' },
    format: { type: 'string', description: 'pdf, csv or json (default: from the --out extension, else pdf)', valueName: 'F' },
    out: { type: 'string', description: 'Report file to write; the signature goes to <file>.p7s', valueName: 'FILE' },
    ...configOption,
  },
  positionals: 'none',
  async run(args, io) {
    const from = args.values.from as string | undefined;
    const to = args.values.to as string | undefined;
    const out = args.values.out as string | undefined;
    if (!from || !to || !out) {
      io.stderr.write(`vigil report: --from, --to and --out are required (missing: ${[!from && '--from', !to && '--to', !out && '--out'].filter(Boolean).join(', ')})\n`);
      return 2;
    }
    const ext = /\.(pdf|csv|json)$/i.exec(out)?.[1]?.toLowerCase();
    const format = ((args.values.format as string | undefined) ?? ext ?? 'pdf').toLowerCase();
    if (!(reportFormats as readonly string[]).includes(format)) {
      io.stderr.write(`vigil report: --format must be one of ${reportFormats.join(', ')} (got "${format}")\n`);
      return 2;
    }
    let range: { from?: string; to?: string };
    try {
      range = parseRange(from, to, 'argv');
    } catch (err) {
      // The message starts with the option's name ('from: …').
      io.stderr.write(`vigil report: --${(err as VigilError).message}\n`);
      return 2;
    }
    const config = loadConfig({ env: io.env, file: args.values.config as string | undefined });
    checkDataDir(config);
    const dataDir = resolve(io.cwd, config.dataDir);
    const store = createStorageEngine({ kind: config.store, dataDir, logger: createLogger({ level: 'warn', destination: undefined }) });
    try {
      const actor = cliActor();
      const service = new ReportService({ store, dataDir, labels: loadCategoryLabels() });
      const signed = await service.generate({ from: range.from as string, to: range.to as string, format: format as ReportFormat, generatedBy: actor });
      const files = writeSignedReport(signed, resolve(io.cwd, out));
      await store.audit.append({
        actor,
        action: 'report.generate',
        target: `report:${signed.id}`,
        after: { from: range.from, to: range.to, format, sha256: signed.sha256, incidents: signed.report.incidents.length, file: files.report },
      });
      io.stdout.write(
        `Wrote ${files.report} (${format}, ${signed.report.incidents.length} incidents, ${signed.report.audit.length} audit entries, sha256 ${signed.sha256})\nSignature: ${files.signature}\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};

export const reportVerifyCommand: Command = {
  name: 'report verify',
  summary: "Check a report's detached signature (exit 0 valid, 1 not)",
  usage: 'report verify <report> [<signature>] [--ca <ca.pem>]',
  options: {
    ca: { type: 'string', description: 'CA certificate the signer must chain to (default: <dataDir>/tls/ca.pem when present)', valueName: 'FILE' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
    ...configOption,
  },
  positionals: 'some',
  async run(args, io) {
    const [reportArg, sigArg, ...extra] = args.positionals;
    if (!reportArg || extra.length) {
      io.stderr.write('vigil report verify: give the report file and, optionally, its signature file (default <report>.p7s)\n');
      return 2;
    }
    const reportFile = resolve(io.cwd, reportArg);
    const sigFile = resolve(io.cwd, sigArg ?? `${reportArg}.p7s`);
    for (const f of [reportFile, sigFile]) {
      if (!existsSync(f)) {
        io.stderr.write(`vigil report verify: ${f}: no such file${f === sigFile && !sigArg ? ' (the signature defaults to <report>.p7s)' : ''}\n`);
        return 1;
      }
    }
    let ca: forge.pki.Certificate | undefined;
    let caSource = 'none (chain not checked)';
    if (args.values.ca) {
      const caFile = resolve(io.cwd, args.values.ca as string);
      try {
        ca = forge.pki.certificateFromPem(readFileSync(caFile, 'utf8'));
      } catch (err) {
        io.stderr.write(`vigil report verify: --ca ${caFile}: not a PEM certificate (${(err as Error).message})\n`);
        return 2;
      }
      caSource = caFile;
    } else {
      const config = loadConfig({ env: io.env, file: args.values.config as string | undefined });
      const dataDir = resolve(io.cwd, config.dataDir);
      ca = instanceCa(dataDir);
      if (ca) caSource = resolve(dataDir, 'tls', 'ca.pem');
    }
    const result = verifyReportSignature(readFileSync(reportFile), readFileSync(sigFile), ca);
    if (args.values.json) io.stdout.write(`${JSON.stringify({ report: reportFile, signature: sigFile, ca: caSource, ...result })}\n`);
    else {
      const lines = [
        `${result.valid ? 'VALID' : 'INVALID'}: ${reportFile}`,
        `  signature:    ${sigFile}`,
        `  signer:       ${result.signer ?? 'unknown'}`,
        `  issuer:       ${result.issuer ?? 'unknown'}`,
        `  signing time: ${result.signingTime ?? 'unknown'}`,
        `  sha256:       ${result.sha256}`,
        `  chain:        ${result.chain} (CA: ${caSource})`,
        ...result.problems.map((p) => `  problem: ${p}`),
      ];
      (result.valid ? io.stdout : io.stderr).write(`${lines.join('\n')}\n`);
    }
    return result.valid ? 0 : 1;
  },
};
