// The per-event detection path shared by the single-threaded hunt and its worker threads.
//
// NDJSON events arrive as UTF-8 bytes. For each one the top-level keys are found without parsing
// (raw-json.ts), the event is routed from the few members the routing tables read, and the route's
// candidate rules are narrowed by their required literals, looked for (one Aho–Corasick pass) only
// in the values of the members those rules can read. The event is decoded and parsed only when a
// rule is still possible; most events are decided without it. Events that arrive as text (arrays,
// pretty-printed objects) and objects the structural reading does not understand take the plain
// path: parse, route, prefilter the whole text, match.
import type { EcsEvent } from '../../core/ecs.ts';
import { isPlainObject } from '../../core/ecs.ts';
import { createLiteralPrefilter, createRuleIndex, type LiteralPrefilter, type RuleIndex } from '../index/index.ts';
import type { CompiledRule } from '../matcher/index.ts';
import { candidatePaths, type Pipeline } from '../pipelines/index.ts';
import { createRouter, type EventRoute, FACT_PATHS, type Router } from '../routing/index.ts';
import type { Detection, DetectionItem, SigmaRule } from '../sigma/index.ts';
import { KeyTable, topLevelMembers } from './raw-json.ts';
import { eventTimestamp } from './timestamp.ts';

export interface EventBatch {
  file: string;
  /** Per event: 0-based index in the file and 1-based line. */
  indices: number[];
  lines: number[];
  /** Events as JSON text. */
  texts?: string[];
  /** Or as UTF-8 bytes: event i is bytes[starts[i], ends[i]) (transferable to a worker as is). */
  bytes?: Uint8Array;
  starts?: Int32Array;
  ends?: Int32Array;
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
  /** Events that had to be parsed (the rest were decided from their bytes). */
  parsed: number;
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

/** Candidate rules of one route with their prefilter, built on first use and shared by routes with the same candidates. */
interface Plan {
  readonly positions: Int32Array;
  /** Over the candidates that only test fields: fed the members those rules read. */
  readonly fields: LiteralPrefilter | undefined;
  /** Over the candidates with keyword (field-less) searches, which look everywhere: fed the whole event. */
  readonly keywords: LiteralPrefilter | undefined;
  /** Per candidate: its position in `fields` (≥ 0) or the complement of its position in `keywords`. */
  readonly slot: Int32Array;
  /** Event paths the field-testing candidates read. */
  readonly paths: readonly string[];
  /** Per key id: 1 when a candidate can read under that top-level key, 0 when not, -1 not yet known. */
  relevant: Int8Array;
}

/** Most top-level members a byte-path event may have; a larger object takes the plain path. */
const MAX_MEMBERS = 1024;
/** Routes remembered by a hash of their routing members' bytes; cleared when full. */
const ROUTE_CACHE_LIMIT = 50_000;
/** Routing members longer than this in all (a whole nested `winlog` object, say): the event takes the plain path. */
const ROUTE_KEY_LIMIT = 512;

/**
 * `correlated`: positions of rules whose matches feed correlations (their events are returned).
 * The rules must have been compiled with the field mapping of these `pipelines` (as `loadHuntRules`
 * does): the byte path reads only the members that mapping lets a rule read.
 */
export function createDetector(compiled: readonly CompiledRule[], pipelines: readonly Pipeline[], correlated: ReadonlySet<number>): Detector {
  const router = createRouter(pipelines);
  const index = createRuleIndex(compiled);
  const position = new Map<CompiledRule, number>();
  for (const [i, c] of compiled.entries()) position.set(c, i);

  const plansByRoute = new Map<string, Plan>();
  const plansByCandidates = new Map<string, Plan>();
  const planFor = (route: EventRoute): Plan => {
    let plan = plansByRoute.get(route.key);
    if (plan) return plan;
    const positions = Int32Array.from(index.candidates(route), (c) => position.get(c)!);
    const signature = positions.join(',');
    plan = plansByCandidates.get(signature);
    if (!plan) {
      const fieldRules: SigmaRule[] = [];
      const keywordRules: SigmaRule[] = [];
      const slot = new Int32Array(positions.length);
      const paths = new Set<string>();
      positions.forEach((p, k) => {
        const c = compiled[p];
        if (searchesKeywords(c.rule)) {
          slot[k] = ~keywordRules.length;
          keywordRules.push(c.rule);
          return;
        }
        slot[k] = fieldRules.length;
        fieldRules.push(c.rule);
        for (const f of c.fields) for (const path of candidatePaths(pipelines, c.rule.logsource, f)) paths.add(path);
      });
      plan = {
        positions,
        fields: fieldRules.length > 0 ? createLiteralPrefilter(fieldRules) : undefined,
        keywords: keywordRules.length > 0 ? createLiteralPrefilter(keywordRules) : undefined,
        slot,
        paths: [...paths],
        relevant: new Int8Array(64).fill(-1),
      };
      plansByCandidates.set(signature, plan);
    }
    plansByRoute.set(route.key, plan);
    return plan;
  };

  // Routing reads these paths only, so an object holding just the top-level members that lead to
  // them routes exactly like the whole event.
  const factPaths = [...new Set([...Object.values(FACT_PATHS).flat(), ...router.factNames])];
  const keys = new KeyTable();
  let touchesFact: Int8Array = new Int8Array(64).fill(-1);
  const leadsTo = (key: string, paths: readonly string[]): boolean => {
    for (const p of paths) if (p === key || (p.length > key.length && p.startsWith(key) && p.charCodeAt(key.length) === 46)) return true;
    return false;
  };
  const isFactKey = (id: number): boolean => {
    if (id >= touchesFact.length) touchesFact = grow(touchesFact, id);
    if (touchesFact[id] < 0) touchesFact[id] = leadsTo(keys.entries[id].name, factPaths) ? 1 : 0;
    return touchesFact[id] === 1;
  };
  const isRelevant = (plan: Plan, id: number): boolean => {
    if (id >= plan.relevant.length) plan.relevant = grow(plan.relevant, id);
    if (plan.relevant[id] < 0) plan.relevant[id] = leadsTo(keys.entries[id].name, plan.paths) ? 1 : 0;
    return plan.relevant[id] === 1;
  };
  /** Routes by the hash of their routing members' raw bytes (ids and values are kept to rule out collisions). */
  const routeCache = new Map<number, { ids: Int32Array; values: Uint8Array[]; route: EventRoute }>();
  /** Whether candidate k of the plan is still possible after the last scan. */
  const possible = (plan: Plan, k: number): boolean => {
    const at = plan.slot[k];
    return at >= 0 ? plan.fields!.possible(at) : plan.keywords!.possible(~at);
  };

  const matchEvent = (event: EcsEvent): number[] => {
    const out: number[] = [];
    const positions = planFor(router.route(event)).positions;
    for (let i = 0; i < positions.length; i++) if (compiled[positions[i]].match(event)) out.push(positions[i]);
    return out;
  };
  const matchText = (event: EcsEvent, text: string): number[] => {
    const out: number[] = [];
    const plan = planFor(router.route(event));
    const { positions } = plan;
    plan.fields?.scan(text);
    plan.keywords?.scan(text);
    for (let k = 0; k < positions.length; k++) if (possible(plan, k) && compiled[positions[k]].match(event)) out.push(positions[k]);
    return out;
  };

  const members = new Int32Array(MAX_MEMBERS * 4);
  const ids = new Int32Array(MAX_MEMBERS);
  const factMembers = new Int32Array(MAX_MEMBERS);
  let scratch = new Uint8Array(1 << 16);
  /** Members of the last event read on the byte path (their key ids are still in `ids`). */
  let lastMembers = 0;
  let currentBytes: Uint8Array = new Uint8Array(0);
  const sameFacts = (known: { ids: Int32Array; values: Uint8Array[] }, facts: number): boolean => {
    if (known.ids.length !== facts) return false;
    for (let f = 0; f < facts; f++) {
      const m = factMembers[f];
      if (known.ids[f] !== ids[m]) return false;
      const v = known.values[f];
      const from = members[m * 4 + 2];
      if (v.length !== members[m * 4 + 3] - from) return false;
      for (let j = 0; j < v.length; j++) if (v[j] !== currentBytes[from + j]) return false;
    }
    return true;
  };

  return {
    router,
    index,
    matchEvent,
    matchText,
    processBatch(batch) {
      const matches: BatchMatch[] = [];
      const problems: BatchResult['problems'] = [];
      let parsed = 0;
      const record = (i: number, text: string, rules: number[], event: EcsEvent): void => {
        for (const rule of rules) {
          const m: BatchMatch = { eventIndex: batch.indices[i], rule };
          if (correlated.has(rule)) {
            m.timestamp = eventTimestamp(event);
            m.text = text;
          }
          matches.push(m);
        }
      };
      /** The plain path: parse, route, prefilter the whole text, match. */
      const plain = (i: number, text: string): void => {
        parsed++;
        let event: unknown;
        try {
          event = JSON.parse(text);
        } catch (err) {
          problems.push({ line: batch.lines[i], index: batch.indices[i], reason: `invalid JSON: ${(err as Error).message}` });
          return;
        }
        if (!isPlainObject(event)) {
          problems.push({ line: batch.lines[i], index: batch.indices[i], reason: 'an event must be a JSON object' });
          return;
        }
        record(i, text, matchText(event, text), event);
      };

      if (batch.texts !== undefined) {
        for (let i = 0; i < batch.texts.length; i++) plain(i, batch.texts[i]);
        return { matches, problems, events: batch.texts.length, parsed };
      }
      const bytes = batch.bytes!;
      const starts = batch.starts!;
      const ends = batch.ends!;
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      currentBytes = bytes;
      events: for (let i = 0; i < starts.length; i++) {
        const s = starts[i];
        const e = ends[i];
        const n = topLevelMembers(bytes, s, e, members);
        if (n < 0) {
          plain(i, buf.toString('utf8', s, e));
          continue;
        }
        // Route from the members routing reads, remembered by a hash of their raw bytes. Events of
        // one source share their key order, so each key is first compared with the key the last
        // event had in that place.
        let facts = 0;
        let hash = 0x811c9dc5;
        let factBytes = 0;
        for (let m = 0; m < n; m++) {
          const ks = members[m * 4];
          const ke = members[m * 4 + 1];
          let id = m < lastMembers ? ids[m] : -1;
          if (id < 0 || !keys.holds(id, bytes, ks, ke)) {
            const entry = keys.intern(bytes, ks, ke);
            if (entry === undefined) {
              lastMembers = 0;
              plain(i, buf.toString('utf8', s, e));
              continue events;
            }
            id = entry.id;
          }
          ids[m] = id;
          if (isFactKey(id)) {
            factMembers[facts++] = m;
            hash = Math.imul(hash ^ id, 0x01000193);
            for (let j = members[m * 4 + 2]; j < members[m * 4 + 3]; j++) hash = Math.imul(hash ^ bytes[j], 0x01000193);
            factBytes += members[m * 4 + 3] - members[m * 4 + 2];
          }
        }
        lastMembers = n;
        // Routing that reads large members (a Winlogbeat `winlog` object, evtx_dump's `Event`)
        // would parse most of the event only to parse it again for the rules: parse it once.
        if (factBytes > ROUTE_KEY_LIMIT) {
          plain(i, buf.toString('utf8', s, e));
          continue;
        }
        let route: EventRoute | undefined;
        const known = routeCache.get(hash);
        if (known !== undefined && sameFacts(known, facts)) route = known.route;
        if (route === undefined) {
          const routing: Record<string, unknown> = {};
          try {
            for (let f = 0; f < facts; f++) {
              const m = factMembers[f];
              routing[keys.entries[ids[m]].name] = JSON.parse(buf.toString('utf8', members[m * 4 + 2], members[m * 4 + 3]));
            }
          } catch {
            plain(i, buf.toString('utf8', s, e));
            continue;
          }
          route = router.route(routing);
          if (routeCache.size >= ROUTE_CACHE_LIMIT) routeCache.clear();
          const factIds = new Int32Array(facts);
          const values: Uint8Array[] = [];
          for (let f = 0; f < facts; f++) {
            const m = factMembers[f];
            factIds[f] = ids[m];
            values.push(bytes.slice(members[m * 4 + 2], members[m * 4 + 3]));
          }
          routeCache.set(hash, { ids: factIds, values, route });
        }
        const plan = planFor(route);
        const { positions, fields } = plan;
        if (positions.length === 0) continue;
        if (fields !== undefined) {
          fields.begin();
          for (let m = 0; m < n; m++) if (isRelevant(plan, ids[m])) fields.feed(bytes, members[m * 4 + 2], members[m * 4 + 3]);
        }
        plan.keywords?.scanBytes(bytes, s, e);
        let any = false;
        for (let k = 0; k < positions.length; k++) {
          if (possible(plan, k)) {
            any = true;
            break;
          }
        }
        if (!any) continue;
        parsed++;
        // Rules read only the members the plan marks relevant, so unless a rule looks everywhere
        // (keywords) or a correlation needs the whole event, only those members are parsed.
        let whole = false;
        for (let k = 0; k < positions.length && !whole; k++) if (possible(plan, k) && (plan.slot[k] < 0 || correlated.has(positions[k]))) whole = true;
        let text: string;
        if (whole) text = buf.toString('utf8', s, e);
        else {
          let len = 1;
          for (let m = 0; m < n; m++) if (plan.relevant[ids[m]] === 1) len += members[m * 4 + 3] - members[m * 4] + 2;
          if (len + 1 > scratch.length) scratch = new Uint8Array(Math.max(scratch.length * 2, len + 1));
          let w = 0;
          scratch[w++] = 123;
          for (let m = 0; m < n; m++) {
            if (plan.relevant[ids[m]] !== 1) continue;
            if (w > 1) scratch[w++] = 44;
            // From the key's opening quote to the end of its value.
            scratch.set(bytes.subarray(members[m * 4] - 1, members[m * 4 + 3]), w);
            w += members[m * 4 + 3] - members[m * 4] + 1;
          }
          scratch[w++] = 125;
          text = Buffer.from(scratch.buffer, 0, w).toString('utf8');
        }
        let event: EcsEvent;
        try {
          event = JSON.parse(text) as EcsEvent;
        } catch (err) {
          // Report what the whole line says, not the excerpt.
          const line = whole ? text : buf.toString('utf8', s, e);
          let reason = (err as Error).message;
          try {
            JSON.parse(line);
          } catch (full) {
            reason = (full as Error).message;
          }
          problems.push({ line: batch.lines[i], index: batch.indices[i], reason: `invalid JSON: ${reason}` });
          continue;
        }
        const out: number[] = [];
        for (let k = 0; k < positions.length; k++) if (possible(plan, k) && compiled[positions[k]].match(event)) out.push(positions[k]);
        if (out.length > 0 && !whole) {
          // An event that raises a match is read whole once, so a broken one is reported, not matched.
          try {
            JSON.parse(buf.toString('utf8', s, e));
          } catch (err) {
            problems.push({ line: batch.lines[i], index: batch.indices[i], reason: `invalid JSON: ${(err as Error).message}` });
            continue;
          }
        }
        record(i, text, out, event);
      }
      return { matches, problems, events: starts.length, parsed };
    },
  };
}

function grow(a: Int8Array, id: number): Int8Array {
  const b = new Int8Array(Math.max(id + 1, a.length * 2)).fill(-1);
  b.set(a);
  return b;
}

/** Whether a rule has a keyword (field-less) search, which looks at every value of an event. */
function searchesKeywords(rule: SigmaRule): boolean {
  const walk = (d: Detection | DetectionItem): boolean => (d.kind === 'item' ? d.field === null : d.parts.some(walk));
  return Object.values(rule.detection.searches).some(walk);
}
