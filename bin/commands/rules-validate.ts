// `vigil rules validate <path>...`: parse and compile every Sigma rule under the paths with the
// bundled field mapping, and list each rule that does not compile with its file, id and reason.
import { relative, resolve, sep } from 'node:path';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { loadHuntRules } from '../../detection/hunt/index.ts';
import { bundledPipelineDir, loadPipelines } from '../../detection/pipelines/index.ts';
import type { Command } from './types.ts';

export const rulesValidateCommand: Command = {
  name: 'rules validate',
  summary: 'Parse and compile Sigma rules; list every rule that fails and why',
  usage: 'rules validate <path>... [--json] [--pipelines <path>...]',
  positionals: 'some',
  options: {
    json: { type: 'boolean', description: 'Print one JSON object {"total","ok","failed":[{file,id,error}]}' },
    pipelines: { type: 'string', multiple: true, valueName: 'path', description: 'Field mapping files or folders (default: rules/pipelines)' },
  },
  async run(args, io) {
    if (args.positionals.length === 0) {
      throw new VigilError(ErrorCode.CLI_USAGE, 'rules validate: give at least one rule file or folder (e.g. rules/sigma)');
    }
    const paths = args.positionals.map((p) => resolve(io.cwd, p));
    const pipelinePaths = ((args.values.pipelines as string[] | undefined) ?? [bundledPipelineDir]).map((p) => resolve(io.cwd, p));
    const { pipelines, errors } = loadPipelines(pipelinePaths);
    if (errors.length > 0) throw errors[0];
    const rules = loadHuntRules(paths, pipelines, { mode: 'validate' });
    const shown = (f: string) => (f.startsWith(`${io.cwd}${sep}`) ? relative(io.cwd, f) : f);
    const failed = rules.problems.map((p) => ({ file: shown(p.file), id: p.id, error: p.error }));
    const failedDocs = new Set(failed.map((f) => `${f.file}\u0000${f.id || f.error}`)).size;
    const ok = rules.total - failedDocs;
    if (args.values.json) {
      io.stdout.write(`${JSON.stringify({ total: rules.total, ok, failed })}\n`);
    } else {
      for (const f of failed) io.stdout.write(`FAIL ${f.file}${f.id ? ` [${f.id}]` : ''}\n     ${f.error}\n`);
      io.stdout.write(`${ok} of ${rules.total} rule documents in ${rules.files} files compile; ${failedDocs} failed\n`);
      if (rules.unconfigured.length > 0) {
        io.stdout.write(
          `${rules.unconfigured.length} of them use |expand placeholders that have no values yet (rules/pipelines/placeholders.yml); hunt skips them until they do\n`,
        );
      }
    }
    return failed.length === 0 ? 0 : 1;
  },
};
