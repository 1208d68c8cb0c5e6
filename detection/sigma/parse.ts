// Sigma YAML text → typed documents (rules, correlations, filters), collecting every error.
import type { VigilError } from '../../core/errors.ts';
import type { SigmaDocument } from './model.ts';

/**
 * Parses one YAML text (may hold several documents). Collects errors instead of throwing;
 * each error's location has source = file and path = YAML path, and its message starts with
 * the rule id when known.
 */
export function parseSigmaText(text: string, source: string): { documents: SigmaDocument[]; errors: VigilError[] } {
  void text;
  void source;
  return { documents: [], errors: [] };
}
