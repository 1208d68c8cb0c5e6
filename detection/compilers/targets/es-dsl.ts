// Target 'es-dsl': Sigma → QueryNode (detection/compilers/query.ts) → Elasticsearch Query DSL
// (core/storage/elasticsearch/query-dsl.ts, the Elasticsearch event store's own compiler). Before
// handing the tree over (forElasticsearch, exported so the store can apply it to scheduled
// searches too: without it about 120 bundled rules fail there), Sigma strings that query.ts spelled
// as anchored regexes go back to case-insensitive wildcards where Elasticsearch can run them (it
// folds Unicode case itself), and `[\s\S]` becomes `.` under the dot-all flag, which Lucene's
// regex dialect can express. On text fields (`message`) a Sigma string without inner wildcards is
// a phrase (words in order), the way Elasticsearch indexes text; the SQLite store matches the
// whole value there, so the two stores can differ on text fields.
import { ecsFieldClass } from '../../../core/ecs-fields.ts';
import type { QueryNode } from '../../../core/query/ast.ts';
import { compileQueryDsl, type DslQuery } from '../../../core/storage/elasticsearch/query-dsl.ts';
import type { SigmaRule } from '../../sigma/index.ts';
import { compileSigmaQuery } from '../query.ts';
import { sigmaStringOfRegex, wildcardOf } from './sigma-pattern.ts';
import { type CompileTarget, refusal, TargetName, type TargetOptions } from './target.ts';

export function createEsDslTarget(opts: TargetOptions): CompileTarget<DslQuery> {
  return {
    name: TargetName.esDsl,
    description: 'Elasticsearch Query DSL (JSON), what the Elasticsearch event store runs',
    pipelines: opts.pipelines,
    compile(rule: SigmaRule): DslQuery {
      const node = compileSigmaQuery(rule, { pipelines: opts.pipelines, logsource: opts.logsource ?? true });
      try {
        return compileQueryDsl(forElasticsearch(node));
      } catch (err) {
        throw refusal(TargetName.esDsl, rule, err);
      }
    },
    render(out: DslQuery): string {
      return JSON.stringify({ query: out }, null, 2);
    },
  };
}

/** The same tree with regexes rewritten into forms the Elasticsearch compiler accepts. */
export function forElasticsearch(node: QueryNode): QueryNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, args: node.args.map(forElasticsearch) };
    case 'not':
      return { kind: 'not', arg: forElasticsearch(node.arg) };
    case 'regex':
      return regexForElasticsearch(node);
    default:
      return node;
  }
}

function regexForElasticsearch(node: Extract<QueryNode, { kind: 'regex' }>): QueryNode {
  const cls = ecsFieldClass(node.field);
  const parts = sigmaStringOfRegex(node.pattern);
  const flags = node.flags ?? '';
  // Keyword fields: a wildcard query with case_insensitive is the exact Sigma meaning.
  if (parts !== undefined && (cls === undefined || cls === 'keyword' || cls === 'other')) {
    const wildcard: QueryNode = { kind: 'wildcard', field: node.field, pattern: wildcardOf(parts) };
    if (!flags.includes('i')) wildcard.caseSensitive = true;
    return wildcard;
  }
  // Text fields (`message`) are searched by words: `*a b*` and `a b` become the phrase "a b".
  if (parts !== undefined && cls === 'text' && flags.includes('i')) {
    const inner = parts.slice(parts[0] === '*' ? 1 : 0, parts[parts.length - 1] === '*' ? -1 : undefined);
    if (inner.length === 1 && typeof inner[0] === 'object') return { kind: 'phrase', field: node.field, text: inner[0].literal };
  }
  const dotAll = dotAllForm(node.pattern, flags);
  if (dotAll === undefined) return node;
  return { kind: 'regex', field: node.field, pattern: dotAll, flags: [...new Set([...flags, 's'])].sort().join('') };
}

/**
 * `[\s\S]` written as `.` with the `s` flag, when that changes nothing else: the pattern has no
 * other bare `.` (or already has `s`). Undefined when there is nothing to rewrite or it would not be safe.
 */
function dotAllForm(pattern: string, flags: string): string | undefined {
  if (!pattern.includes('[\\s\\S]')) return undefined;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (!inClass && pattern.startsWith('[\\s\\S]', i)) {
      out += '.';
      i += '[\\s\\S]'.length - 1;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === ']') inClass = false;
    else if (ch === '.' && !inClass && !flags.includes('s')) return undefined;
    out += ch;
  }
  return out;
}
