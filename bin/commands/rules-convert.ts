// `vigil rules convert --target es-dsl|lucene|esql|sql <rule>...`: print each Sigma rule as a query
// in the target language, through the same field mapping as the streaming engine. A rule that
// cannot be converted is named on stderr with its file, id and reason; the exit code is then 1.
import { relative, resolve, sep } from 'node:path';
import { VigilError } from '../../core/errors.ts';
import { correlationRefusal, createTarget, isTargetName, ruleLabel, targetNames } from '../../detection/compilers/targets/index.ts';
import { loadRuleDocuments } from '../../detection/hunt/index.ts';
import { bundledPipelineDir, loadPipelines } from '../../detection/pipelines/index.ts';
import type { Command } from './types.ts';

export const rulesConvertCommand: Command = {
  name: 'rules convert',
  summary: 'Convert Sigma rules to Elasticsearch Query DSL, Lucene, ES|QL or the embedded store’s SQL',
  usage: `rules convert --target ${targetNames.join('|')} <path>... [--json]`,
  positionals: 'some',
  options: {
    target: { type: 'string', short: 't', valueName: 'name', description: `Query language: ${targetNames.join(', ')}` },
    json: { type: 'boolean', description: 'One JSON line per rule {"file","id","title","target","query"}; failures as JSON lines on stderr' },
    pipelines: { type: 'string', multiple: true, valueName: 'path', description: 'Field mapping files or folders (default: rules/pipelines)' },
    logsource: {
      type: 'string',
      valueName: 'include|omit',
      description: "Add the rule's logsource as a filter (default: include for es-dsl and sql, omit for lucene and esql)",
    },
    'all-paths': { type: 'boolean', description: 'lucene/esql: also search the raw-name fallback fields the streaming engine reads' },
    index: { type: 'string', valueName: 'pattern', description: 'esql: the FROM index pattern (default: logs-*)' },
  },
  async run(args, io) {
    // Usage errors exit 2 (types.ts), with the usage line, instead of going through the error path.
    const usage = (message: string): number => {
      io.stderr.write(`vigil rules convert: ${message}\nUsage: vigil ${rulesConvertCommand.usage}\n`);
      return 2;
    };
    const target = args.values.target;
    if (typeof target !== 'string' || !isTargetName(target)) {
      return usage(`--target must be one of ${targetNames.join(', ')}${typeof target === 'string' ? ` (got '${target}')` : ''}`);
    }
    if (args.positionals.length === 0) {
      return usage('give at least one rule file or folder (e.g. rules/sigma/rules/windows)');
    }
    const logsource = args.values.logsource;
    if (logsource !== undefined && logsource !== 'include' && logsource !== 'omit') {
      return usage(`--logsource must be include or omit (got '${String(logsource)}')`);
    }
    const index = args.values.index;
    if (index !== undefined && (typeof index !== 'string' || !/^[A-Za-z0-9_.*,:-]+$/.test(index))) {
      return usage(`--index ${JSON.stringify(index)}: letters, digits and _ . * , : - only`);
    }
    const pipelinePaths = ((args.values.pipelines as string[] | undefined) ?? [bundledPipelineDir]).map((p) => resolve(io.cwd, p));
    const { pipelines, errors } = loadPipelines(pipelinePaths);
    if (errors.length > 0) throw errors[0];
    const converter = createTarget(target, {
      pipelines,
      ...(logsource === undefined ? {} : { logsource: logsource === 'include' }),
      allPaths: args.values['all-paths'] === true,
      ...(typeof index === 'string' ? { index } : {}),
    });

    const docs = loadRuleDocuments(args.positionals.map((p) => resolve(io.cwd, p)));
    const shown = (f: string) => (f.startsWith(`${io.cwd}${sep}`) ? relative(io.cwd, f) : f);
    const json = args.values.json === true;
    let converted = 0;
    let failed = 0;
    const fail = (file: string, id: string, code: string | undefined, message: string): void => {
      failed++;
      if (json) io.stderr.write(`${JSON.stringify({ file: shown(file), id, code: code ?? null, error: message })}\n`);
      else io.stderr.write(`FAIL ${shown(file)}${id ? ` [${id}]` : ''}\n     ${code ? `${code}: ` : ''}${message}\n`);
    };

    for (const p of docs.problems) fail(p.file, p.id, undefined, p.error);
    for (const rule of docs.rules) {
      let query: ReturnType<typeof converter.compile>;
      try {
        query = converter.compile(rule);
      } catch (err) {
        if (!(err instanceof VigilError)) throw err;
        fail(rule.source, ruleLabel(rule), err.code, err.message);
        continue;
      }
      converted++;
      if (json) {
        io.stdout.write(`${JSON.stringify({ file: shown(rule.source), id: rule.id ?? null, title: rule.title, target, query })}\n`);
      } else {
        io.stdout.write(`# ${rule.title}${rule.id ? ` [${rule.id}]` : ''} ${shown(rule.source)}\n${converter.render(query)}\n\n`);
      }
    }
    for (const c of docs.correlations) {
      const err = correlationRefusal(c);
      fail(c.source, c.id ?? c.title, err.code, err.message);
    }
    if (!json) io.stderr.write(`${converted} of ${converted + failed} rule documents converted to ${target}; ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  },
};
