// `vigil playbooks validate <path>...`: load playbook files or folders (with the connectors.yml
// found beside them, or --connectors) and list every problem with its file and YAML path.
import { resolve } from 'node:path';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { loadPlaybooks } from '../../response/playbooks/index.ts';
import type { Command } from './types.ts';

export const playbooksValidateCommand: Command = {
  name: 'playbooks validate',
  summary: 'Check playbooks (structure, step inputs, templates, connectors, approval gates); list every problem',
  usage: 'playbooks validate <path>... [--json] [--connectors <file>...]',
  positionals: 'some',
  options: {
    json: { type: 'boolean', description: 'Print one JSON object {"files","playbooks":[{id,title,version,source,steps}],"errors":[{message,location}]}' },
    connectors: { type: 'string', multiple: true, valueName: 'file', description: 'Connector files (default: connectors.yml inside the given folders)' },
  },
  async run(args, io) {
    if (args.positionals.length === 0) {
      throw new VigilError(ErrorCode.CLI_USAGE, 'give at least one playbook file or folder (e.g. rules/playbooks)');
    }
    const paths = args.positionals.map((p) => resolve(io.cwd, p));
    const connectorFiles = ((args.values.connectors as string[] | undefined) ?? []).map((p) => resolve(io.cwd, p));
    const r = loadPlaybooks({ paths, connectorFiles });
    if (args.values.json) {
      io.stdout.write(
        `${JSON.stringify({
          files: r.files.length,
          playbooks: r.playbooks.map((p) => ({ id: p.id, title: p.title, version: p.version, source: p.source, steps: p.steps.length })),
          connectors: r.connectors.map((c) => c.name),
          errors: r.errors.map((e) => ({ code: e.code, message: e.message, location: e.location })),
        })}\n`,
      );
    } else {
      for (const e of r.errors) io.stdout.write(`FAIL ${e.message}\n`);
      for (const p of r.playbooks) io.stdout.write(`ok   ${p.source} [${p.id}] ${p.steps.length} steps, version ${p.version}\n`);
      io.stdout.write(`${r.playbooks.length} playbooks valid in ${r.files.length} files; ${r.errors.length} problems\n`);
    }
    return r.errors.length === 0 ? 0 : 1;
  },
};
