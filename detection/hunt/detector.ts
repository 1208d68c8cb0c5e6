// The per-event detection path shared by the single-threaded hunt and its worker threads: parse,
// route, take the indexed candidate rules of that route, run only those whose required literals
// occur in the raw text (one Aho–Corasick pass), then their predicates.
import type { EcsEvent } from '../../core/ecs.ts';
import { isPlainObject } from '../../core/ecs.ts';
import { createLiteralPrefilter, createRuleIndex, type RuleIndex } from '../index/index.ts';
import type { CompiledRule } from '../matcher/index.ts';
import type { Pipeline } from '../pipelines/index.ts';
import { createRouter, type EventRoute, type Router } from '../routing/index.ts';
import { eventTimestamp } from './timestamp.ts';

export interface EventBatch {
  file: string;
  /** Per event: 0-based index in the file, 1-based line, JSON text. */
  indices: number[];
  lines: number[];
  texts: string[];
}

export interface BatchMatch {
  eventIndex: number;
  /** Position of the rule in the compiled rule list. */
  rule: number;
  /** Event time (ms) and text, only for rules a correlation references. */
  timestamp?: number;
  text?: string;
}

export interface BatchResult {
  matches: BatchMatch[];
  problems: Array<{ line: number; index: number; reason: string }>;
  events: number;
}

export interface Detector {
  readonly router: Router;
  readonly index: RuleIndex;
  /** Positions (in the compiled list) of the rules the event matches. */
  matchEvent(event: EcsEvent): number[];
  /** Same, for an event parsed from `text`: the literal prefilter skips rules the text rules out. */
  matchText(event: EcsEvent, text: string): number[];
  processBatch(batch: EventBatch): BatchResult;
}

/** `correlated`: positions of rules whose matches feed correlations (their events are returned). */
export function createDetector(compiled: readonly CompiledRule[], pipelines: readonly Pipeline[], correlated: ReadonlySet<number>): Detector {
  const router = createRouter(pipelines);
  const index = createRuleIndex(compiled);
  const position = new Map<CompiledRule, number>();
  for (const [i, c] of compiled.entries()) position.set(c, i);
  // One automaton over every rule's literals: per-logsource automata were measured no faster and
  // cost more memory.
  const prefilter = createLiteralPrefilter(compiled.map((c) => c.rule));
  // Candidate positions per route key, so the hot loop indexes arrays instead of a Map.
  const byRoute = new Map<string, Int32Array>();
  const candidates = (route: EventRoute): Int32Array => {
    let p = byRoute.get(route.key);
    if (!p) {
      p = Int32Array.from(index.candidates(route), (c) => position.get(c)!);
      byRoute.set(route.key, p);
    }
    return p;
  };

  const matchEvent = (event: EcsEvent): number[] => {
    const out: number[] = [];
    const positions = candidates(router.route(event));
    for (let i = 0; i < positions.length; i++) if (compiled[positions[i]].match(event)) out.push(positions[i]);
    return out;
  };
  const matchText = (event: EcsEvent, text: string): number[] => {
    const out: number[] = [];
    const positions = candidates(router.route(event));
    if (positions.length === 0) return out;
    prefilter.scan(text);
    for (let k = 0; k < positions.length; k++) if (prefilter.possible(positions[k]) && compiled[positions[k]].match(event)) out.push(positions[k]);
    return out;
  };

  return {
    router,
    index,
    matchEvent,
    matchText,
    processBatch(batch) {
      const matches: BatchMatch[] = [];
      const problems: BatchResult['problems'] = [];
      for (let i = 0; i < batch.texts.length; i++) {
        let event: unknown;
        try {
          event = JSON.parse(batch.texts[i]);
        } catch (err) {
          problems.push({ line: batch.lines[i], index: batch.indices[i], reason: `invalid JSON: ${(err as Error).message}` });
          continue;
        }
        if (!isPlainObject(event)) {
          problems.push({ line: batch.lines[i], index: batch.indices[i], reason: 'an event must be a JSON object' });
          continue;
        }
        for (const rule of matchText(event, batch.texts[i])) {
          const m: BatchMatch = { eventIndex: batch.indices[i], rule };
          if (correlated.has(rule)) {
            m.timestamp = eventTimestamp(event);
            m.text = batch.texts[i];
          }
          matches.push(m);
        }
      }
      return { matches, problems, events: batch.texts.length };
    },
  };
}
