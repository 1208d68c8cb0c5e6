// The per-event detection path shared by the single-threaded hunt and its worker threads: parse,
// route, take the indexed candidate rules, run their compiled predicates.
import type { EcsEvent } from '../../core/ecs.ts';
import { isPlainObject } from '../../core/ecs.ts';
import { createLiteralPrefilter, createRuleIndex, type LiteralPrefilter, type RuleIndex } from '../index/index.ts';
import type { CompiledRule } from '../matcher/index.ts';
import type { Pipeline } from '../pipelines/index.ts';
import { createRawRouter, createRouter, type EventRoute, type Router } from '../routing/index.ts';
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
  readonly prefilter: LiteralPrefilter;
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
  const prefilter = createLiteralPrefilter(compiled.map((c) => c.rule));
  const position = new Map<CompiledRule, number>();
  for (const [i, c] of compiled.entries()) position.set(c, i);
  // Candidate positions per route key, so the hot loop indexes arrays instead of a Map.
  const positions = new Map<string, Int32Array>();
  const rawRoute = createRawRouter(router);
  const candidatesOf = (event: EcsEvent): Int32Array => routeCandidates(router.route(event));
  const routeCandidates = (route: EventRoute): Int32Array => {
    let p = positions.get(route.key);
    if (!p) {
      p = Int32Array.from(index.candidates(route), (c) => position.get(c)!);
      positions.set(route.key, p);
    }
    return p;
  };

  const matchEvent = (event: EcsEvent): number[] => {
    const out: number[] = [];
    const cands = candidatesOf(event);
    for (let i = 0; i < cands.length; i++) if (compiled[cands[i]].match(event)) out.push(cands[i]);
    return out;
  };
  const matchText = (event: EcsEvent, text: string): number[] => {
    prefilter.scan(text);
    return matchScanned(event);
  };
  const matchScanned = (event: EcsEvent, route?: EventRoute): number[] => {
    const out: number[] = [];
    const cands = route ? routeCandidates(route) : candidatesOf(event);
    for (let i = 0; i < cands.length; i++) {
      const r = cands[i];
      if (prefilter.possible(r) && compiled[r].match(event)) out.push(r);
    }
    return out;
  };

  const framed = (text: string): boolean => {
    let end = text.length - 1;
    while (end > 0 && text.charCodeAt(end) <= 32) end--;
    return text.charCodeAt(end) === 125 /* } */;
  };
  const anyPossible = (cands: Int32Array): boolean => {
    for (let i = 0; i < cands.length; i++) if (prefilter.possible(cands[i])) return true;
    return false;
  };

  return {
    router,
    index,
    prefilter,
    matchEvent,
    matchText,
    processBatch(batch) {
      const matches: BatchMatch[] = [];
      const problems: BatchResult['problems'] = [];
      for (let i = 0; i < batch.texts.length; i++) {
        prefilter.scan(batch.texts[i]);
        // Most events of a flat shape can be routed from their text; when none of that route's
        // rules survives the prefilter, the event cannot match and is never parsed.
        const route = rawRoute(batch.texts[i]);
        // Only well-framed objects are skipped, so truncated lines still get parsed and reported.
        if (route && !anyPossible(routeCandidates(route)) && framed(batch.texts[i])) continue;
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
        // The raw route equals the parsed event's route (see raw-route.ts), so it is reused.
        for (const rule of matchScanned(event, route)) {
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
