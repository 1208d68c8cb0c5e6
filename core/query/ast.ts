// The store-neutral query tree. Analysts' query strings (core/query/parse.ts) and Sigma rules
// (detection's store target) both compile to it; each storage engine compiles it to its own
// language (parameterised SQL on SQLite, Query DSL on Elasticsearch).

export type QueryValue = string | number | boolean;

export type QueryNode =
  | { kind: 'and' | 'or'; args: QueryNode[] }
  | { kind: 'not'; arg: QueryNode }
  | { kind: 'match_all' }
  /** Equality. Strings compare case-insensitively unless caseSensitive; numbers as numbers. */
  | { kind: 'term'; field: string; value: QueryValue | null; caseSensitive?: boolean }
  /** `*` any run, `?` one character, backslash escapes them. */
  | { kind: 'wildcard'; field: string; pattern: string; caseSensitive?: boolean }
  /** Text containing the phrase; with no field, anywhere in the event. */
  | { kind: 'phrase'; field?: string; text: string }
  | { kind: 'range'; field: string; gt?: QueryValue; gte?: QueryValue; lt?: QueryValue; lte?: QueryValue }
  | { kind: 'exists'; field: string }
  /** Flags: i, m, s. */
  | { kind: 'regex'; field: string; pattern: string; flags?: string }
  | { kind: 'cidr'; field: string; cidr: string }
  /** The two fields hold equal values. */
  | { kind: 'fieldref'; field: string; other: string };

export type QueryKind = QueryNode['kind'];
