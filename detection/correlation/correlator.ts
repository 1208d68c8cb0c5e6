// Sigma correlation rules (event_count, value_count, temporal, temporal_ordered) evaluated over the
// stream of rule matches. Window state lives in SharedState (in-memory or Redis), so several workers
// feeding the same correlation share one window per group and a window fires once (setIfAbsent).
import { randomUUID } from 'node:crypto';
import { type EcsEvent, getPath } from '../../core/ecs.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { SharedState } from '../../core/queue/types.ts';
import type { FieldResolver } from '../matcher/index.ts';
import type { ConditionNode, CorrelationOperator, SigmaCorrelation, SigmaRule } from '../sigma/index.ts';

export interface CorrelationMatch {
  rule: SigmaRule;
  event: EcsEvent;
  /** Event time in epoch milliseconds. */
  timestamp: number;
  /** The event's id, returned in the hit's `eventIds` (a random one is used when absent). */
  eventId?: string;
}

export interface CorrelationHit {
  correlation: SigmaCorrelation;
  /** group-by field (alias) → value, in group-by order. */
  group: Record<string, string>;
  /** The aggregate that met the condition: events, distinct values, or distinct rules in the window. */
  value: number;
  /** First and last event time (ms) in the window that fired. */
  windowStart: number;
  windowEnd: number;
  /** Ids of the events in the window that fired (those given in `observe`, else generated ones). */
  eventIds: string[];
}

export interface CorrelatorOptions {
  correlations: readonly SigmaCorrelation[];
  state: SharedState;
  /** Clock used for matches whose timestamp is not a finite number. @default Date.now */
  now?: () => number;
  /** Reads group-by and value fields with the same field mapping as the rules. @default getPath */
  resolveField?: FieldResolver;
  /** Key prefix in the shared state. @default 'corr' */
  namespace?: string;
}

export interface Correlator {
  observe(match: CorrelationMatch): Promise<CorrelationHit[]>;
  /** True when the rule is referenced only by correlations with `generate: false` (no own alerts). */
  suppresses(rule: SigmaRule): boolean;
  /** True when some correlation references the rule. */
  references(rule: SigmaRule): boolean;
}

interface Binding {
  correlation: SigmaCorrelation;
  key: string;
  /** Position of the rule in correlation.rules (for temporal_ordered). */
  position: number;
  /** The reference as written (id or name), used for aliases and expression conditions. */
  ref: string;
}

/** Creates a correlator; throws SIGMA_INVALID for correlation types it cannot evaluate. */
export function createCorrelator(opts: CorrelatorOptions): Correlator {
  const { state } = opts;
  const now = opts.now ?? Date.now;
  const ns = opts.namespace ?? 'corr';
  const byRef = new Map<string, Binding[]>();
  for (const c of opts.correlations) {
    const type = c.correlation.type;
    if (type !== 'event_count' && type !== 'value_count' && type !== 'temporal' && type !== 'temporal_ordered') {
      throw new VigilError(
        ErrorCode.SIGMA_UNSUPPORTED,
        `${c.id ?? c.title}: correlation type '${type}' is not evaluated (supported: event_count, value_count, temporal, temporal_ordered)`,
        { source: c.source, path: 'correlation.type' },
      );
    }
    const key = `${ns}:${c.id ?? c.name ?? c.title}`;
    c.correlation.rules.forEach((ref, position) => {
      const list = byRef.get(ref) ?? [];
      list.push({ correlation: c, key, position, ref });
      byRef.set(ref, list);
    });
  }

  const bindingsOf = (rule: SigmaRule): Binding[] => {
    const out: Binding[] = [];
    // Sigma resolves a reference as an id first, then as a name; a rule may be referenced either way.
    for (const ref of [rule.id, rule.name]) {
      if (ref === undefined) continue;
      for (const b of byRef.get(ref) ?? []) if (!out.some((o) => o.correlation === b.correlation && o.position === b.position)) out.push(b);
    }
    return out;
  };

  const readField = (field: string, rule: SigmaRule, event: EcsEvent): unknown =>
    opts.resolveField ? opts.resolveField(field, rule)(event) : getPath(event, field);

  return {
    references: (rule) => bindingsOf(rule).length > 0,
    suppresses: (rule) => {
      const bs = bindingsOf(rule);
      return bs.length > 0 && bs.every((b) => !b.correlation.correlation.generate);
    },
    async observe(match) {
      const ts = Number.isFinite(match.timestamp) ? match.timestamp : now();
      const hits: CorrelationHit[] = [];
      for (const b of bindingsOf(match.rule)) {
        const hit = await observeOne(b, match, ts);
        if (hit) hits.push(hit);
      }
      return hits;
    },
  };

  async function observeOne(b: Binding, match: CorrelationMatch, ts: number): Promise<CorrelationHit | undefined> {
    const spec = b.correlation.correlation;
    const group: Record<string, string> = {};
    for (const g of spec.groupBy) {
      const field = aliasField(spec.aliases, g, match.rule) ?? g;
      const v = groupText(readField(field, match.rule, match.event));
      // An event without a group-by value belongs to no group: counting it would merge unrelated events.
      if (v === undefined) return undefined;
      group[g] = v;
    }
    const span = spec.timespanSeconds * 1000;
    const ttl = 2 * span + 60_000;
    const key = `${b.key}:${JSON.stringify(spec.groupBy.map((g) => group[g]))}`;
    const from = ts - span;
    const evKey = `${key}:events`;
    const eventId = match.eventId ?? `${ts}:${randomUUID()}`;
    await state.zremRangeByScore(key, Number.NEGATIVE_INFINITY, from - 1);

    let value: number;
    let holds: boolean;
    switch (spec.type) {
      case 'event_count': {
        await state.zadd(key, ts, eventId, ttl);
        if (spec.condition.kind === 'threshold' && (spec.condition.operator === 'gt' || spec.condition.operator === 'gte')) {
          // Events arrive out of order (a claimed batch of a dead worker, a slow shipper): a late
          // event can complete a window that ends after it, so every window containing it counts.
          const win = busiestWindow(await state.zrangeByScore(key, from, ts + span), ts, span);
          value = win.count;
          holds = thresholdHolds(spec.condition, value);
          if (holds) return fire(b, key, evKey, spec, group, value, win.members, win.end, ttl);
          break;
        }
        value = await state.zcount(key, from, ts);
        holds = thresholdHolds(spec.condition, value);
        break;
      }
      case 'value_count': {
        const field = spec.condition.kind === 'threshold' ? spec.condition.field : undefined;
        if (!field) return undefined;
        const v = groupText(readField(aliasField(spec.aliases, field, match.rule) ?? field, match.rule, match.event));
        if (v === undefined) return undefined;
        await state.zadd(key, ts, v, ttl);
        await state.zadd(evKey, ts, eventId, ttl);
        value = await state.zcount(key, from, ts);
        holds = thresholdHolds(spec.condition, value);
        break;
      }
      case 'temporal': {
        await state.zadd(key, ts, b.ref, ttl);
        await state.zadd(evKey, ts, eventId, ttl);
        const present = new Set((await state.zrangeByScore(key, from, ts)).map((m) => m.member));
        value = present.size;
        holds =
          spec.condition.kind === 'expression'
            ? evalExpression(spec.condition.condition, present, spec.rules)
            : thresholdHolds(spec.condition, value);
        break;
      }
      case 'temporal_ordered': {
        await state.zadd(key, ts, `${b.position}:${eventId}`, ttl);
        const members = await state.zrangeByScore(key, from, ts);
        value = orderedPrefix(members.map((m) => Number(m.member.slice(0, m.member.indexOf(':')))));
        const needed = spec.rules.length;
        holds = value >= needed && (spec.condition.kind === 'expression' || thresholdHolds(spec.condition, value));
        break;
      }
      default:
        return undefined;
    }
    if (spec.type !== 'event_count') await state.zremRangeByScore(evKey, Number.NEGATIVE_INFINITY, from - 1);
    if (!holds) return undefined;
    return fire(b, key, evKey, spec, group, value, await state.zrangeByScore(key, from, ts), ts, ttl);
  }

  async function fire(
    b: Binding,
    key: string,
    evKey: string,
    spec: SigmaCorrelation['correlation'],
    group: Record<string, string>,
    value: number,
    inWindow: Array<{ member: string; score: number }>,
    ts: number,
    ttl: number,
  ): Promise<CorrelationHit | undefined> {
    const from = ts - spec.timespanSeconds * 1000;
    const windowStart = inWindow.length > 0 ? inWindow[0].score : ts;
    // Workers that see the same window agree on its first event, so exactly one of them fires it.
    const won = await state.setIfAbsent(`${key}:fired:${windowStart}`, String(ts), ttl);
    if (!won) return undefined;
    let eventIds: string[];
    if (spec.type === 'event_count') eventIds = inWindow.map((m) => m.member);
    else if (spec.type === 'temporal_ordered') eventIds = inWindow.map((m) => m.member.slice(m.member.indexOf(':') + 1));
    else eventIds = (await state.zrangeByScore(evKey, from, ts)).map((m) => m.member);
    // The events that fired are consumed: the next hit for this group needs a fresh set of events.
    await state.zremRangeByScore(key, Number.NEGATIVE_INFINITY, ts);
    if (spec.type !== 'event_count') await state.zremRangeByScore(evKey, Number.NEGATIVE_INFINITY, ts);
    return { correlation: b.correlation, group, value, windowStart, windowEnd: ts, eventIds };
  }
}

function aliasField(aliases: SigmaCorrelation['correlation']['aliases'], name: string, rule: SigmaRule): string | undefined {
  const a = aliases[name];
  if (!a) return undefined;
  return (rule.id !== undefined ? a[rule.id] : undefined) ?? (rule.name !== undefined ? a[rule.name] : undefined);
}

function groupText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function thresholdHolds(cond: SigmaCorrelation['correlation']['condition'], value: number): boolean {
  if (cond.kind !== 'threshold') return false;
  return compare(cond.operator, value, cond.value);
}

function compare(op: CorrelationOperator, a: number, b: number): boolean {
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'eq':
      return a === b;
    case 'neq':
      return a !== b;
  }
}

/**
 * Among the windows of length `span` that contain `ts`, the one with the most events: for each
 * event at or after `ts` (as a window end), the events at most `span` before it. `members` are
 * sorted by score and lie within [ts - span, ts + span].
 */
function busiestWindow(
  members: Array<{ member: string; score: number }>,
  ts: number,
  span: number,
): { count: number; end: number; members: Array<{ member: string; score: number }> } {
  let best = { count: 0, end: ts, members: [] as Array<{ member: string; score: number }> };
  let start = 0;
  for (let end = 0; end < members.length; end++) {
    const endScore = members[end].score;
    while (members[start].score < endScore - span) start++;
    if (endScore < ts || members[start].score > ts) continue;
    const count = end - start + 1;
    if (count > best.count) best = { count, end: endScore, members: members.slice(start, end + 1) };
  }
  return best;
}

/** Length of the longest prefix 0,1,2,… of rule positions found in order in `seq` (greedy is optimal). */
function orderedPrefix(seq: readonly number[]): number {
  let next = 0;
  for (const p of seq) if (p === next) next++;
  return next;
}

/** pySigma's expression conditions for temporal types: refs are rule names seen in the window. */
function evalExpression(node: ConditionNode, present: ReadonlySet<string>, all: readonly string[]): boolean {
  switch (node.kind) {
    case 'and':
      return node.args.every((a) => evalExpression(a, present, all));
    case 'or':
      return node.args.some((a) => evalExpression(a, present, all));
    case 'not':
      return !evalExpression(node.arg, present, all);
    case 'ref':
      return present.has(node.name);
    case 'of': {
      const re = new RegExp(`^${node.pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      const names = all.filter((n) => node.pattern === 'them' || re.test(n));
      return node.quantifier === 'all' ? names.length > 0 && names.every((n) => present.has(n)) : names.some((n) => present.has(n));
    }
  }
}
