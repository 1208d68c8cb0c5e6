// The rule set a detection process runs: Sigma rules compiled with the pipelines' field mapping
// (through the hunt loader, so `vigil hunt` and streaming detection read rules identically) and the
// correlations over them. Problems are collected, not thrown: one bad rule never stops the rest.
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { type HuntRules, loadHuntRules, type RuleProblem } from '../hunt/index.ts';
import type { CompiledRule } from '../matcher/index.ts';
import { bundledPipelineDir, loadPipelines, type Pipeline } from '../pipelines/index.ts';
import type { SigmaCorrelation } from '../sigma/index.ts';

export interface DetectionRuleSet {
  readonly compiled: readonly CompiledRule[];
  readonly correlations: readonly SigmaCorrelation[];
  readonly pipelines: readonly Pipeline[];
  readonly problems: readonly RuleProblem[];
}

export interface LoadDetectionRulesOptions {
  /** Rule files and folders (Sigma YAML). */
  rulePaths: readonly string[];
  /** Pipeline files and folders. @default [bundledPipelineDir] */
  pipelinePaths?: readonly string[];
}

/** Loads pipelines and rules; a pipeline that cannot be read is an error (rules would silently mismatch). */
export function loadDetectionRules(opts: LoadDetectionRulesOptions): DetectionRuleSet {
  const { pipelines, errors } = loadPipelines(opts.pipelinePaths ?? [bundledPipelineDir]);
  if (errors.length > 0) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `detection pipelines: ${errors.map((e) => e.message).join('; ')}`, errors[0].location, { cause: errors[0] });
  }
  const loaded: HuntRules = loadHuntRules(opts.rulePaths, pipelines);
  return { compiled: loaded.compiled, correlations: loaded.correlations, pipelines, problems: loaded.problems };
}
