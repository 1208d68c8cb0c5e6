// Field mapping pipelines: load rules/pipelines/*.yml and turn them into the matcher's FieldResolver.
import { fileURLToPath } from 'node:url';

export { compilePath, type PathReader } from './field-path.ts';
export { type LoadedPipelines, loadPipelines, parsePipeline } from './load.ts';
export type { FieldMapping, Pipeline, Route, RouteCondition, RouteLogsource } from './model.ts';
export { candidatePaths, createFieldResolver, logsourceCovers, placeholderValues } from './resolver.ts';

/** The bundled pipeline folder, rules/pipelines. */
export const bundledPipelineDir = fileURLToPath(new URL('../../rules/pipelines/', import.meta.url));
/** The bundled Sigma rule folder, rules/sigma. */
export const bundledRuleDir = fileURLToPath(new URL('../../rules/sigma/', import.meta.url));
