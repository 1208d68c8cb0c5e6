// Decides which logsource(s) an event belongs to, from the routing tables in rules/pipelines. The
// facts (channel, provider, event id, ECS event.* fields) are read from every supported event shape;
// an event that states none of them gets no logsource and so meets every rule.
import type { EcsEvent } from '../../core/ecs.ts';
import { compilePath, type PathReader } from '../pipelines/field-path.ts';
import type { Pipeline, Route } from '../pipelines/model.ts';
import type { SigmaLogsource } from '../sigma/index.ts';

/** Where each routing fact is read from: ECS (winlogbeat), flat NXLog, evtx_dump, Winlogbeat 6. */
export const FACT_PATHS: Readonly<Record<string, readonly string[]>> = {
  channel: ['winlog.channel', 'Channel', 'Event.System.Channel', 'log_name'],
  provider: ['winlog.provider_name', 'SourceName', 'Event.System.Provider.#attributes.Name', 'source_name'],
  event_id: ['event.code', 'winlog.event_id', 'EventID', 'Event.System.EventID', 'event_id'],
};

export interface EventLogsource {
  readonly product: ReadonlySet<string>;
  readonly service: ReadonlySet<string>;
  readonly category: ReadonlySet<string>;
}

export interface EventRoute {
  /** Same key ⇔ same logsource and event id: the rule index caches candidates by it. */
  readonly key: string;
  /** Undefined when the event says nothing about its source. */
  readonly logsource: EventLogsource | undefined;
  /** Lower-cased event id (EventID / event.code) when the event has one. */
  readonly eventId: string | undefined;
}

export interface Router {
  route(event: EcsEvent): EventRoute;
  /** Routes from already-extracted facts (lower-cased values), e.g. from a cheap scan of raw JSON. */
  routeFacts(facts: Readonly<Record<string, string | undefined>>): EventRoute;
  /** The fact names the routing tables use, besides channel/provider/event_id. */
  readonly factNames: readonly string[];
}

/** True when the rule's logsource is compatible with what the event says about itself. */
export function logsourceMeets(rule: SigmaLogsource, event: EventLogsource | undefined): boolean {
  if (!event) return true;
  if (rule.product !== undefined && !event.product.has(rule.product.toLowerCase())) return false;
  if (rule.service !== undefined && !event.service.has(rule.service.toLowerCase())) return false;
  if (rule.category !== undefined && !event.category.has(rule.category.toLowerCase())) return false;
  return true;
}

export function createRouter(pipelines: readonly Pipeline[]): Router {
  const routes: Route[] = pipelines.flatMap((p) => p.routes);
  const names = new Set<string>(Object.keys(FACT_PATHS));
  for (const r of routes) for (const k of Object.keys(r.when)) names.add(k);
  const factNames = [...names];
  const readers: Array<[string, PathReader[]]> = factNames.map((n) => [n, (FACT_PATHS[n] ?? [n]).map(compilePath)]);
  const cache = new Map<string, EventRoute>();

  const routeFacts = (facts: Readonly<Record<string, string | undefined>>): EventRoute => {
    let key = '';
    for (const n of factNames) key += `${facts[n] ?? ''}\u0001`;
    let hit = cache.get(key);
    if (hit) return hit;
    hit = { key, logsource: decide(routes, facts), eventId: facts.event_id };
    cache.set(key, hit);
    return hit;
  };

  return {
    factNames: factNames.filter((n) => !(n in FACT_PATHS)),
    routeFacts,
    route(event) {
      const facts: Record<string, string | undefined> = {};
      for (const [name, rs] of readers) {
        for (const r of rs) {
          const v = factText(r(event));
          if (v !== undefined) {
            facts[name] = v;
            break;
          }
        }
      }
      return routeFacts(facts);
    },
  };
}

function decide(routes: readonly Route[], facts: Readonly<Record<string, string | undefined>>): EventLogsource | undefined {
  const product = new Set<string>();
  const service = new Set<string>();
  const category = new Set<string>();
  let matched = false;
  for (const r of routes) {
    if (!whenHolds(r.when, facts)) continue;
    matched = true;
    for (const p of r.logsource.product) product.add(p.toLowerCase());
    for (const s of r.logsource.service) service.add(s.toLowerCase());
    for (const c of r.logsource.category) category.add(c.toLowerCase());
    const byId = facts.event_id !== undefined ? r.categories[facts.event_id] : undefined;
    if (byId) for (const c of byId) category.add(c.toLowerCase());
  }
  return matched ? { product, service, category } : undefined;
}

function whenHolds(when: Route['when'], facts: Readonly<Record<string, string | undefined>>): boolean {
  for (const [k, wanted] of Object.entries(when)) {
    const have = facts[k];
    if (have === undefined) return false;
    // Multi-valued facts (event.category: [process, file]) are joined with \u0002 by factText.
    const values = have.includes('\u0002') ? have.split('\u0002') : [have];
    if (!wanted.some((w) => w === '*' || values.includes(w))) return false;
  }
  return true;
}

/** A fact as lower-case text; arrays become \u0002-joined lists; objects are not facts. */
function factText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.length > 0 ? v.toLowerCase() : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const parts = v.map(factText).filter((x): x is string => x !== undefined);
    return parts.length > 0 ? parts.join('\u0002') : undefined;
  }
  return undefined;
}
