// The per-event detection path shared by the single-threaded hunt and its worker threads: parse,
// route, take the indexed candidate rules of that route, run only those whose required literals
// occur in the raw text (one small Aho–Corasick automaton per route), then their predicates.
import type { EcsEvent } from '../../core/ecs.ts';
import { isPlainObject } from '../../core/ecs.ts';
import { createLiteralPrefilter, createRuleIndex, type LiteralPrefilter, type Literals, requiredLiterals, type RuleIndex } from '../index/index.ts';
import type { CompiledRule } from '../matcher/index.ts';
import type { Pipeline } from '../pipelines/index.ts';
import { createRouter, type EventRoute, type Router } from '../routing/index.ts';
import type { SigmaRule } from '../sigma/index.ts';
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

interface RouteRules {
  /** Candidate rule positions for the route. */
  readonly positions: Int32Array;
  /** Prefilter over exactly those rules (index k ↔ positions[k]). */
  readonly prefilter: LiteralPrefilter;
}

/** `correlated`: positions of rules whose matches feed correlations (their events are returned). */
export function createDetector(compiled: readonly CompiledRule[], pipelines: readonly Pipeline[], correlated: ReadonlySet<number>): Detector {
  const router = createRouter(pipelines);
  const index = createRuleIndex(compiled);
  const position = new Map<CompiledRule, number>();
  for (const [i, c] of compiled.entries()) position.set(c, i);
  const literals = new Map<SigmaRule, Literals>();
  const literalsOf = (rule: SigmaRule): Literals => {
    if (!literals.has(rule)) literals.set(rule, requiredLiterals(rule));
    return literals.get(rule);
  };
  // Per route key (a handful in practice): candidates as an array and their own small automaton.
  const byRoute = new Map<string, RouteRules>();
  const routeRules = (route: EventRoute): RouteRules => {
    let r = byRoute.get(route.key);
    if (!r) {
      const cands = index.candidates(route);
      r = { positions: Int32Array.from(cands, (c) => position.get(c)!), prefilter: createLiteralPrefilter(cands.map((c) => c.rule), literalsOf) };
      byRoute.set(route.key, r);
    }
    return r;
  };

  const matchEvent = (event: EcsEvent): number[] => {
    const out: number[] = [];
    const { positions } = routeRules(router.route(event));
    for (let i = 0; i < positions.length; i++) if (compiled[positions[i]].match(event)) out.push(positions[i]);
    return out;
  };
  const matchText = (event: EcsEvent, text: string): number[] => {
    const out: number[] = [];
    const { positions, prefilter } = routeRules(router.route(event));
    if (positions.length === 0) return out;
    prefilter.scan(text);
    for (let k = 0; k < positions.length; k++) if (prefilter.possible(k) && compiled[positions[k]].match(event)) out.push(positions[k]);
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
