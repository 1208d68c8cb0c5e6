// Every bundled SigmaHQ rule (rules/sigma/**) converts to every target or names why not. The
// refusals are documented per target in unsupported.json (and the README); a new refusal, or one
// without a reason naming the rule and its file, fails the test.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../../core/errors.ts';
import { correlationRefusal, createTarget, ruleLabel, type TargetName, targetNames } from '../../../detection/compilers/targets/index.ts';
import { loadRuleDocuments, type RuleDocuments } from '../../../detection/hunt/index.ts';
import { bundledPipelineDir, bundledRuleDir, loadPipelines, type Pipeline } from '../../../detection/pipelines/index.ts';

const documented = JSON.parse(readFileSync(fileURLToPath(new URL('./unsupported.json', import.meta.url)), 'utf8')) as Record<TargetName, Record<string, string>>;

interface Failure {
  file: string;
  id: string;
  code: string;
  message: string;
}

let docs: RuleDocuments;
let pipelines: Pipeline[];

beforeAll(() => {
  pipelines = loadPipelines([bundledPipelineDir]).pipelines;
  docs = loadRuleDocuments([bundledRuleDir]);
}, 60_000);

/** The reason after the rule, file and YAML path, with rule-specific text cut, for grouping. */
function reasonOf(message: string, file: string): string {
  const at = message.indexOf(file);
  return message
    .slice(at + file.length)
    .replace(/^(?::\d+:\d+)?:? /, '')
    .replace(/^detection\.\S*: /, '')
    .replace(/regex ".*?":/, 'regex:')
    .replace(/\/.*\/ nests/, '/…/ nests')
    .replace(/placeholder %[^%]+%/, 'placeholder %…%')
    .replace(/\(its base rules .*\)$/, '')
    .replace(/^(es-dsl|lucene|esql|sql): [^ :]+: /, '$1: ')
    .replace(/^(es-dsl|lucene|esql|sql): \S+ = \S+: /, '$1: ')
    .slice(0, 110);
}

describe('bundled SigmaHQ rules through every conversion target', () => {
  it('loads the corpus without parse problems', () => {
    expect(docs.problems).toEqual([]);
    expect(docs.rules.length).toBeGreaterThan(3000);
  });

  it.each(targetNames.map((t) => [t]))('%s: every rule converts or names why not, within the documented refusals', (name) => {
    const target = createTarget(name, { pipelines });
    const failures: Failure[] = [];
    let converted = 0;
    for (const rule of docs.rules) {
      try {
        const out = target.render(target.compile(rule));
        expect(out.length).toBeGreaterThan(0);
        converted++;
      } catch (err) {
        if (!(err instanceof VigilError)) throw err;
        failures.push({ file: relative(bundledRuleDir, rule.source), id: ruleLabel(rule), code: err.code, message: err.message });
      }
    }
    for (const c of docs.correlations) {
      const err = correlationRefusal(c);
      failures.push({ file: relative(bundledRuleDir, c.source), id: c.id ?? c.title, code: err.code, message: err.message });
    }
    const groups = new Map<string, number>();
    for (const f of failures) {
      const key = `${f.code} ${reasonOf(f.message, f.file)}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    console.log(
      `${name}: ${converted} of ${docs.rules.length + docs.correlations.length} rule documents converted, ${failures.length} refused\n${[...groups]
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `  ${String(n).padStart(3)}  ${r}`)
        .join('\n')}`,
    );
    // Every refusal names the rule and its file, and gives a reason after them.
    for (const f of failures) {
      expect(f.message.startsWith(`${f.id}: `), f.message).toBe(true);
      expect(f.message, f.message).toContain(f.file);
      expect(reasonOf(f.message, f.file).length, f.message).toBeGreaterThan(10);
    }
    const undocumented = failures.filter((f) => documented[name][f.file] === undefined).map((f) => `${f.file}: ${f.message}`);
    expect(undocumented).toEqual([]);
    expect(failures.length).toBeLessThanOrEqual(Object.keys(documented[name]).length);
  }, 300_000);
});
