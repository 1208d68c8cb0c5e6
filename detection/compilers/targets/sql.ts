// Target 'sql': what the embedded SQLite store runs for a rule, i.e. the compileQuerySql fragment
// (core/storage/sqlite/query-sql.ts) over the `events` table, with the same column options the
// event store passes. Values and JSON paths are bound parameters, never spliced into the text:
// the printed statement lists them after it in the order the `?`s bind them.
import { compileQuerySql, type SqlParam } from '../../../core/storage/sqlite/query-sql.ts';
import type { SigmaRule } from '../../sigma/index.ts';
import { compileSigmaQuery } from '../query.ts';
import { type CompileTarget, refusal, TargetName, type TargetOptions } from './target.ts';

export interface SqlStatement {
  /** A complete SELECT over the store's `events` table; `?`s bind `params` in order. */
  sql: string;
  params: SqlParam[];
}

export function createSqlTarget(opts: TargetOptions): CompileTarget<SqlStatement> {
  return {
    name: TargetName.sql,
    description: 'SQLite SQL with bound parameters, what the embedded event store runs',
    pipelines: opts.pipelines,
    compile(rule: SigmaRule): SqlStatement {
      const node = compileSigmaQuery(rule, { pipelines: opts.pipelines, logsource: opts.logsource ?? true });
      try {
        // Column names as the event store's search uses them (doc JSON, ts epoch ms).
        const where = compileQuerySql(node, { docColumn: 'doc', tsColumn: 'ts' });
        return { sql: `SELECT id, doc FROM events WHERE ${where.sql}`, params: where.params };
      } catch (err) {
        throw refusal(TargetName.sql, rule, err);
      }
    },
    render(out: SqlStatement): string {
      return [
        '-- The embedded store runs this with the parameters below bound to the ?s in order',
        '-- (vigil_regexp and vigil_cidr are functions the store registers on its connection).',
        out.sql,
        `-- params: ${JSON.stringify(out.params)}`,
      ].join('\n');
    },
  };
}
