// Shared test helpers: parse inline Sigma YAML into rules/correlations, load the bundled pipelines.
import { bundledPipelineDir, loadPipelines, type Pipeline } from '../../detection/pipelines/index.ts';
import { parseSigmaText, type SigmaCorrelation, type SigmaRule } from '../../detection/sigma/index.ts';

export function bundledPipelines(): Pipeline[] {
  const { pipelines, errors } = loadPipelines([bundledPipelineDir]);
  if (errors.length > 0) throw errors[0];
  return pipelines;
}

export function parseDocs(text: string, source = 'inline.yml'): { rules: SigmaRule[]; correlations: SigmaCorrelation[] } {
  const { documents, errors } = parseSigmaText(text, source);
  if (errors.length > 0) throw errors[0];
  const rules: SigmaRule[] = [];
  const correlations: SigmaCorrelation[] = [];
  for (const d of documents) {
    if (d.type === 'rule') rules.push(d);
    else if (d.type === 'correlation') correlations.push(d);
  }
  return { rules, correlations };
}

export function parseRule(text: string): SigmaRule {
  const { rules } = parseDocs(text);
  if (rules.length !== 1) throw new Error(`expected one rule, got ${rules.length}`);
  return rules[0];
}
