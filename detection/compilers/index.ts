// Compile targets beyond the in-memory matcher: Sigma → the store-neutral query tree.
export { compileSigmaQuery, logsourceQuery, type QueryCompileOptions } from './query.ts';
