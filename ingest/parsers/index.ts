// Registry of raw-format parsers by dataset name. Each group adds its parsers at its marker.
import type { Parser } from './types.ts';

const parsers: Parser[] = [
  // --- group A (syslog family) ---
  // --- group B (network, cloud, windows, generic) ---
];

export const parserRegistry: ReadonlyMap<string, Parser> = new Map(parsers.map((p) => [p.dataset, p]));

export function getParser(dataset: string): Parser | undefined {
  return parserRegistry.get(dataset);
}
