// Scheduled searches: a rule with a schedule and a look-back runs as a store query over consecutive
// windows. The last covered `to` is checkpointed per rule in the docs store, so after downtime the
// scheduler catches up window by window (bounded), and the alert ids it already published for
// events still inside a look-back are remembered there too, so overlapping windows (and restarts)
// never publish one alert twice.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, toErrorRecord, VigilError } from '../../core/errors.ts';
import { QueueName } from '../../core/messages.ts';
import type { QueryNode } from '../../core/query/ast.ts';
import type { QueueBackend } from '../../core/queue/types.ts';
import type { Alert, DocumentStore, EventStore } from '../../core/storage/types.ts';
import { buildAlert, ruleIdOf } from '../alerts/index.ts';
import { compileSigmaQuery } from '../compilers/index.ts';
import type { SigmaCorrelation, SigmaRule } from '../sigma/index.ts';
import type { DetectionRuleSet } from '../stream/rules.ts';
import { configSchedule, ruleSchedule, type Schedule, type ScheduledSearchConfig } from './schedule.ts';

export const CHECKPOINT_COLLECTION = 'scheduled-checkpoints';

export interface Checkpoint {
  /** End (exclusive, epoch ms as ISO) of the last window searched. */
  to: string;
  /** Alert ids published for events the next windows can still see: [alert id, event time ms]. */
  recent: Array<[string, number]>;
}

export interface ScheduledSearch {
  readonly ruleId: string;
  readonly rule: SigmaRule;
  readonly query: QueryNode;
  readonly schedule: Schedule;
  /** Where the schedule came from. */
  readonly from: 'rule' | 'config';
}

export interface ScheduleProblem {
  /** The rule id, or the config entry's `rule` text. */
  rule: string;
  /** 'config' or the rule file. */
  source: string;
  error: string;
}

export interface WindowRun {
  ruleId: string;
  from: string;
  to: string;
  events: number;
  /** Alerts published from this window (ids already published earlier are not counted). */
  alerts: number;
  /** More events matched than `maxAlertsPerWindow`. */
  truncated: boolean;
}

export interface TickResult {
  windows: WindowRun[];
  /** Ranges not searched because the catch-up bound was reached. */
  skipped: Array<{ ruleId: string; from: string; to: string }>;
  /** Searches that failed this tick (they retry from their checkpoint next tick). */
  failed: Array<{ ruleId: string; error: string }>;
}

export interface SchedulerOptions {
  store: { events: EventStore; docs: DocumentStore };
  queues: QueueBackend;
  rules: DetectionRuleSet;
  /** Config list: schedules for rules by id, name or file path (overrides a rule's own schedule). */
  scheduled?: readonly ScheduledSearchConfig[];
  /** @default Date.now */
  now?: () => number;
  logger?: Logger;
  /** Most windows one search runs per tick after downtime; older ones are skipped and reported. @default 12 */
  maxCatchUpWindows?: number;
  /** @default 1000 */
  maxAlertsPerWindow?: number;
  /** Whether a rule runs; read each tick. @default all enabled */
  isEnabled?: (ruleId: string) => boolean;
  /** How often start()'s loop calls tick(). @default 10000 */
  tickEveryMs?: number;
  /** Remembered alert ids per rule, at most. @default 10000 */
  maxRemembered?: number;
}

export interface Scheduler {
  readonly searches: readonly ScheduledSearch[];
  readonly problems: readonly ScheduleProblem[];
  /** Runs every window that is due at `now` (the injected clock by default). */
  tick(now?: number): Promise<TickResult>;
  start(): void;
  /** Waits for the tick in progress. */
  stop(): Promise<void>;
}

const PAGE = 500;
/** Bigger queries overflow SQLite's 32,766 bound values per statement (a few values per condition). */
const MAX_CONDITIONS = 10_000;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const now = opts.now ?? Date.now;
  const maxCatchUp = opts.maxCatchUpWindows ?? 12;
  const maxAlerts = opts.maxAlertsPerWindow ?? 1000;
  const maxRemembered = opts.maxRemembered ?? 10_000;
  const isEnabled = opts.isEnabled ?? (() => true);
  const { logger, store } = opts;
  const alertsQueue = opts.queues.queue<Alert>(QueueName.alerts);
  const { searches, problems } = planSearches(opts.rules, opts.scheduled ?? []);
  for (const p of problems) logger?.error({ rule: p.rule, source: p.source, error: p.error }, 'scheduled search not runnable');

  async function runSearch(s: ScheduledSearch, at: number, result: TickResult): Promise<void> {
    const { everyMs, lookbackMs } = s.schedule;
    // One process runs a search at a time; the others see the checkpoint it leaves.
    const lock = await opts.queues.state.lock(`scheduled:${s.ruleId}`, Math.max(60_000, 2 * everyMs));
    if (!lock) return;
    try {
      const stored = await store.docs.get<Checkpoint>(CHECKPOINT_COLLECTION, s.ruleId);
      let version = stored?.version ?? 0;
      let prevTo = stored ? Date.parse(stored.body.to) : undefined;
      let ends: number[];
      if (prevTo === undefined) {
        ends = [at];
      } else {
        const due = Math.floor((at - prevTo) / everyMs);
        if (due <= 0) return;
        ends = [];
        for (let i = Math.max(1, due - maxCatchUp + 1); i <= due; i++) ends.push(prevTo + i * everyMs);
        if (due > maxCatchUp) {
          const gapTo = ends[0] - everyMs;
          result.skipped.push({ ruleId: s.ruleId, from: iso(prevTo), to: iso(gapTo) });
          logger?.warn({ rule: s.ruleId, from: iso(prevTo), to: iso(gapTo), windows: due - maxCatchUp }, 'scheduled search skipped windows beyond the catch-up bound');
          prevTo = gapTo;
        }
      }
      const recent = new Map<string, number>(stored?.body.recent ?? []);
      for (const to of ends) {
        // The look-back re-reads late-arriving events; never start after the last covered end.
        const from = Math.min(to - lookbackMs, prevTo ?? to - lookbackMs);
        const run = await searchWindow(s, from, to, at, recent);
        result.windows.push(run);
        // Ids for events before the next window's start can never be seen again.
        const nextFrom = Math.min(to + everyMs - lookbackMs, to);
        for (const [id, t] of recent) if (t < nextFrom) recent.delete(id);
        const kept = [...recent.entries()].slice(-maxRemembered);
        const saved = await store.docs.put<Checkpoint>(CHECKPOINT_COLLECTION, s.ruleId, { to: iso(to), recent: kept }, version);
        version = saved.version;
        prevTo = to;
        if (!(await lock.extend(Math.max(60_000, 2 * everyMs)))) return;
      }
    } finally {
      await lock.release();
    }
  }

  async function searchWindow(s: ScheduledSearch, from: number, to: number, detectedAt: number, recent: Map<string, number>): Promise<WindowRun> {
    const fresh: Alert[] = [];
    let events = 0;
    let truncated = false;
    let cursor: string | undefined;
    do {
      const page = await store.events.search({ query: s.query, range: { from: iso(from), to: iso(to) } }, cursor ? { limit: PAGE, cursor } : { limit: PAGE }, 'asc');
      for (const e of page.items) {
        events++;
        if (events > maxAlerts) {
          truncated = true;
          break;
        }
        const alert = buildAlert({
          rule: s.rule,
          events: [{ id: e.id, doc: e.doc }],
          detectedAt,
          origin: 'scheduled',
          data: { scheduled: { from: iso(from), to: iso(to) } },
        });
        if (recent.has(alert.id)) continue;
        fresh.push(alert);
        recent.set(alert.id, Date.parse(e.timestamp));
      }
      cursor = truncated ? undefined : page.nextCursor;
    } while (cursor);
    if (truncated) logger?.warn({ rule: s.ruleId, from: iso(from), to: iso(to), max: maxAlerts }, 'scheduled search window matched more events than maxAlertsPerWindow');
    // Published before the checkpoint moves: a crash in between re-runs the window with the same ids.
    if (fresh.length > 0) await alertsQueue.publishBatch(fresh);
    return { ruleId: s.ruleId, from: iso(from), to: iso(to), events: Math.min(events, maxAlerts), alerts: fresh.length, truncated };
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  const tick = async (at: number = now()): Promise<TickResult> => {
    const result: TickResult = { windows: [], skipped: [], failed: [] };
    for (const s of searches) {
      if (!isEnabled(s.ruleId)) continue;
      try {
        await runSearch(s, at, result);
      } catch (err) {
        result.failed.push({ ruleId: s.ruleId, error: err instanceof Error ? err.message : String(err) });
        logger?.error({ rule: s.ruleId, err: toErrorRecord(err) }, 'scheduled search failed; retrying from its checkpoint next tick');
      }
    }
    return result;
  };

  return {
    searches,
    problems,
    tick,
    start() {
      if (timer) return;
      const loop = (): void => {
        running = tick().finally(() => {
          running = undefined;
          if (timer) timer = setTimeout(loop, opts.tickEveryMs ?? 10_000);
        });
      };
      timer = setTimeout(loop, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Pairs each schedule (rule extension or config entry) with its rule and compiled query. */
export function planSearches(rules: DetectionRuleSet, config: readonly ScheduledSearchConfig[]): { searches: ScheduledSearch[]; problems: ScheduleProblem[] } {
  const problems: ScheduleProblem[] = [];
  const byRule = new Map<string, { rule: SigmaRule; schedule: Schedule; from: 'rule' | 'config' }>();
  for (const c of rules.compiled) {
    try {
      const schedule = ruleSchedule(c.rule);
      if (schedule) byRule.set(ruleIdOf(c.rule), { rule: c.rule, schedule, from: 'rule' });
    } catch (err) {
      problems.push({ rule: ruleIdOf(c.rule), source: c.rule.source, error: (err as Error).message });
    }
  }
  config.forEach((entry, i) => {
    let schedule: Schedule;
    try {
      schedule = configSchedule(entry, i);
    } catch (err) {
      problems.push({ rule: String(entry.rule), source: 'config', error: (err as Error).message });
      return;
    }
    const rule = findRule(rules.compiled.map((c) => c.rule), entry.rule);
    if (!rule) {
      const corr = findRule(rules.correlations, entry.rule);
      const error = corr
        ? new VigilError(ErrorCode.SIGMA_UNSUPPORTED, `config scheduled[${i}].rule: '${entry.rule}' is a correlation rule; correlations run on the event stream, not as scheduled searches`, { source: 'config', path: `scheduled[${i}].rule` })
        : new VigilError(ErrorCode.CONFIG_INVALID, `config scheduled[${i}].rule: no loaded rule has the id, name or file '${entry.rule}'`, { source: 'config', path: `scheduled[${i}].rule` });
      problems.push({ rule: String(entry.rule), source: 'config', error: error.message });
      return;
    }
    byRule.set(ruleIdOf(rule), { rule, schedule, from: 'config' });
  });
  const searches: ScheduledSearch[] = [];
  for (const [ruleId, { rule, schedule, from }] of byRule) {
    try {
      searches.push({ ruleId, rule, schedule, from, query: compileSigmaQuery(rule, { pipelines: rules.pipelines, maxConditions: MAX_CONDITIONS }) });
    } catch (err) {
      problems.push({ rule: ruleId, source: rule.source, error: (err as Error).message });
    }
  }
  return { searches, problems };
}

function findRule<T extends SigmaRule | SigmaCorrelation>(list: readonly T[], ref: string): T | undefined {
  return (
    list.find((r) => r.id === ref) ??
    list.find((r) => r.name === ref) ??
    list.find((r) => r.source === ref || resolve(r.source) === resolve(ref))
  );
}
