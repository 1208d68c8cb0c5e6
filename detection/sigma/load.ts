// Reads Sigma files and folders from disk and parses them, collecting errors per file.
import type { VigilError } from '../../core/errors.ts';
import type { SigmaDocument } from './model.ts';

/** Files and folders (recursive *.yml / *.yaml), sorted. */
export function loadSigmaPaths(paths: string[]): { documents: SigmaDocument[]; errors: VigilError[]; files: number } {
  void paths;
  return { documents: [], errors: [], files: 0 };
}
