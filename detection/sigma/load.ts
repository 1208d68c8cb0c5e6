// Reads Sigma files and folders from disk and parses them, collecting errors per file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { SigmaDocument } from './model.ts';
import { parseSigmaText } from './parse.ts';

const SIGMA_FILE = /\.ya?ml$/i;

function collectFiles(path: string, out: string[], errors: VigilError[]): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (err) {
    errors.push(new VigilError(ErrorCode.SIGMA_PARSE, `${path}: cannot read: ${(err as Error).message}`, { source: path }, { cause: err }));
    return;
  }
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) {
      const child = join(path, entry);
      if (SIGMA_FILE.test(entry) || statSync(child).isDirectory()) collectFiles(child, out, errors);
    }
  } else out.push(path);
}

/** Files and folders (recursive *.yml / *.yaml), sorted. */
export function loadSigmaPaths(paths: string[]): { documents: SigmaDocument[]; errors: VigilError[]; files: number } {
  const errors: VigilError[] = [];
  const files: string[] = [];
  for (const p of paths) collectFiles(p, files, errors);
  const unique = [...new Set(files)].sort();
  const documents: SigmaDocument[] = [];
  for (const file of unique) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push(new VigilError(ErrorCode.SIGMA_PARSE, `${file}: cannot read: ${(err as Error).message}`, { source: file }, { cause: err }));
      continue;
    }
    const r = parseSigmaText(text, file);
    documents.push(...r.documents);
    errors.push(...r.errors);
  }
  return { documents, errors, files: unique.length };
}
