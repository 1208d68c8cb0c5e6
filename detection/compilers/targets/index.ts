// Conversion targets for `vigil rules convert`: Sigma → es-dsl, lucene, esql, sql.
import type { DslQuery } from '../../../core/storage/elasticsearch/query-dsl.ts';
import { createEsDslTarget } from './es-dsl.ts';
import { createEsqlTarget } from './esql.ts';
import { createLuceneTarget } from './lucene.ts';
import { createSqlTarget, type SqlStatement } from './sql.ts';
import { assertNever } from '../../../core/errors.ts';
import { type CompileTarget, TargetName, type TargetOptions } from './target.ts';

export { compileEsqlCondition, esqlField, esqlString } from './esql.ts';
export { forElasticsearch } from './es-dsl.ts';
export { bothCases, compileLucene, escapeLucene } from './lucene.ts';
export type { SqlStatement } from './sql.ts';
export { type CompileTarget, correlationRefusal, ruleLabel, TargetName, type TargetOptions } from './target.ts';
export { createEsDslTarget, createEsqlTarget, createLuceneTarget, createSqlTarget };

export interface TargetOutputs {
  'es-dsl': DslQuery;
  lucene: string;
  esql: string;
  sql: SqlStatement;
}

export const targetNames: readonly TargetName[] = Object.values(TargetName);

export function isTargetName(name: string): name is TargetName {
  return (targetNames as readonly string[]).includes(name);
}

/** The target registered under `name`. */
export function createTarget<N extends TargetName>(name: N, opts: TargetOptions): CompileTarget<TargetOutputs[N]>;
export function createTarget(name: TargetName, opts: TargetOptions): CompileTarget<TargetOutputs[TargetName]> {
  switch (name) {
    case TargetName.esDsl:
      return createEsDslTarget(opts);
    case TargetName.lucene:
      return createLuceneTarget(opts);
    case TargetName.esql:
      return createEsqlTarget(opts);
    case TargetName.sql:
      return createSqlTarget(opts);
    default:
      return assertNever(name, 'conversion target');
  }
}
