// Streaming detection: consumes stored events from the events queue (consumer group 'detection'),
// runs the compiled rules and the correlations, publishes alerts, and only then acknowledges
// (at-least-once; alert ids are deterministic, so a redelivered event gives the same alert id).
// Messages left pending by a dead worker are claimed after `claimIdleMs`.
import type { Logger } from 'pino';
import type { EcsEvent } from '../../core/ecs.ts';
import { toErrorRecord, VigilError } from '../../core/errors.ts';
import { type EventMessage, QueueName } from '../../core/messages.ts';
import type { QueueBackend, QueueMessage, SharedState, WorkQueue } from '../../core/queue/types.ts';
import type { Alert } from '../../core/storage/types.ts';
import { buildAlert, entityKindOfPath, type GroupValue, keyFieldCopy, type MatchedEvent, ruleIdOf } from '../alerts/index.ts';
import { type CorrelationHit, type Correlator, createCorrelator } from '../correlation/index.ts';
import { createDetector, type Detector, eventTimestamp } from '../hunt/index.ts';
import type { FieldResolver } from '../matcher/index.ts';
import { candidatePaths, createFieldResolver } from '../pipelines/index.ts';
import { ruleSchedule } from '../scheduled/schedule.ts';
import type { SigmaCorrelation, SigmaRule } from '../sigma/index.ts';
import type { DetectionRuleSet } from './rules.ts';

export interface StreamDetectorOptions {
  queues: QueueBackend;
  rules: DetectionRuleSet;
  /** Stable per worker (hostname + index): pending messages are tracked per consumer. */
  consumer: string;
  /** @default 'detection' */
  group?: string;
  /** Messages per batch. @default 100 */
  batchSize?: number;
  /** How long a consume waits for new events; bounds how long stop() takes. @default 1000 */
  blockMs?: number;
  /** A message pending this long belongs to a dead worker and is claimed. @default 60000 */
  claimIdleMs?: number;
  /** How often to look for stale messages. @default 30000 */
  claimEveryMs?: number;
  /** Whether a rule (or correlation) raises alerts; read per event, so changes apply at once. @default all enabled */
  isEnabled?: (ruleId: string) => boolean;
  /** Rules with their own schedule (custom.vigil.schedule) run as scheduled searches only. @default false */
  includeScheduled?: boolean;
  /** @default Date.now */
  now?: () => number;
  logger?: Logger;
  /** Wait after a failed batch before trying again. @default 1000 */
  retryDelayMs?: number;
}

export interface BatchOutcome {
  /** Messages handled (and acknowledged). */
  messages: number;
  /** Alerts published. */
  alerts: Alert[];
  /** Messages claimed from dead workers in this pass. */
  claimed: number;
}

export interface StreamDetector {
  /** Starts the consume loop in the background. */
  start(): void;
  /** Stops after the batch in hand is published and acknowledged. */
  stop(): Promise<void>;
  /** One pass: claims stale messages when due, else consumes one batch; processes, publishes, acks. */
  poll(): Promise<BatchOutcome>;
  readonly running: boolean;
}

/** Copies of the events a correlation window has seen, kept beside the correlator's counts. */
const EVENTS_NS = 'corr-events';
/** Correlation alerts raised by an event, kept for a redelivery of that event. */
const HITS_NS = 'corr-hits';
const HITS_TTL_MS = 24 * 3_600_000;
/** Marks (rule, event) pairs the correlator has counted, for redeliveries. */
const SEEN_NS = 'corr-seen';

export function createStreamDetector(opts: StreamDetectorOptions): StreamDetector {
  const group = opts.group ?? 'detection';
  const batchSize = opts.batchSize ?? 100;
  const blockMs = opts.blockMs ?? 1000;
  const claimIdleMs = opts.claimIdleMs ?? 60_000;
  const claimEveryMs = opts.claimEveryMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const isEnabled = opts.isEnabled ?? (() => true);
  const { logger } = opts;
  const events: WorkQueue<EventMessage> = opts.queues.queue<EventMessage>(QueueName.events);
  const alertsQueue: WorkQueue<Alert> = opts.queues.queue<Alert>(QueueName.alerts);
  const state: SharedState = opts.queues.state;

  const compiled = opts.rules.compiled;
  const pipelines = opts.rules.pipelines;
  const correlations = opts.rules.correlations;
  const resolveField: FieldResolver = createFieldResolver(pipelines);
  const correlator: Correlator = createCorrelator({ correlations, state, now, resolveField });
  const correlated = new Set<number>();
  const scheduledOnly = new Set<number>();
  compiled.forEach((c, i) => {
    if (correlator.references(c.rule)) correlated.add(i);
    if (!opts.includeScheduled && ruleSchedule(c.rule) !== undefined) scheduledOnly.add(i);
  });
  const detector: Detector = createDetector(compiled, pipelines, correlated);
  // A redelivery comes after claimIdleMs; the mark must outlive that and the longest window.
  const seenTtl = Math.max(HITS_TTL_MS, ...correlations.map((c) => 2 * c.correlation.timespanSeconds * 1000));

  let lastClaim = Number.NEGATIVE_INFINITY;
  let stopping = false;
  let loop: Promise<void> | undefined;

  const groupValues = (c: SigmaCorrelation, rule: SigmaRule, doc: EcsEvent): string[] | undefined => {
    const out: string[] = [];
    for (const g of c.correlation.groupBy) {
      const v = groupText(resolveField(aliasField(c, g, rule) ?? g, rule)(doc));
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  };
  const eventsKey = (c: SigmaCorrelation, values: readonly string[]): string => `${EVENTS_NS}:${ruleIdOf(c)}:${JSON.stringify(values)}`;

  /** Remembers the event under each correlation group it feeds, so a hit can name its events. */
  async function recordForCorrelations(rule: SigmaRule, msg: EventMessage, ts: number): Promise<void> {
    for (const c of correlations) {
      if (!referencesRule(c, rule)) continue;
      const values = groupValues(c, rule, msg.doc);
      if (!values) continue;
      const span = c.correlation.timespanSeconds * 1000;
      const key = eventsKey(c, values);
      // Events older than the timespan can no longer be in a window that fires (the correlator
      // drops them the same way); without this a busy group's set would only grow.
      await state.zremRangeByScore(key, Number.NEGATIVE_INFINITY, ts - span - 1);
      // The id inside the member makes a redelivered event the same member, not a second one.
      await state.zadd(key, ts, JSON.stringify({ id: msg.id, doc: keyFieldCopy(msg.doc) }), 2 * span + 60_000);
    }
  }

  async function correlationAlert(hit: CorrelationHit, rule: SigmaRule, detectedAt: number): Promise<Alert> {
    const c = hit.correlation;
    const values = c.correlation.groupBy.map((g) => hit.group[g]);
    const key = eventsKey(c, values);
    const members = await state.zrangeByScore(key, hit.windowStart, hit.windowEnd);
    await state.zremRangeByScore(key, Number.NEGATIVE_INFINITY, hit.windowEnd);
    const matched: MatchedEvent[] = members.map((m) => JSON.parse(m.member) as MatchedEvent);
    const group: GroupValue[] = c.correlation.groupBy.map((g) => {
      const field = aliasField(c, g, rule) ?? g;
      const entity = candidatePaths(pipelines, rule.logsource, field).map(entityKindOfPath).find((k) => k !== undefined);
      const gv: GroupValue = { field: g, value: hit.group[g] };
      if (entity) gv.entity = entity;
      return gv;
    });
    return buildAlert({
      rule: c,
      events: matched,
      detectedAt,
      origin: 'correlation',
      group,
      data: {
        correlation: {
          type: c.correlation.type,
          value: hit.value,
          timespan: c.correlation.timespan,
          windowStart: new Date(hit.windowStart).toISOString(),
          windowEnd: new Date(hit.windowEnd).toISOString(),
          group: hit.group,
          rules: [...c.correlation.rules],
        },
      },
    });
  }

  async function detect(msg: QueueMessage<EventMessage>, out: Alert[]): Promise<void> {
    const { body } = msg;
    const detectedAt = now();
    // A correlation fires once (its window is consumed), so an event redelivered after a crash
    // between firing and publishing would lose the alert: its hits are kept until acknowledged.
    if (msg.deliveries > 1 && correlations.length > 0) {
      const kept = await state.get(`${HITS_NS}:${body.id}`);
      if (kept) out.push(...(JSON.parse(kept) as Alert[]));
    }
    const hits: Alert[] = [];
    for (const pos of detector.matchEvent(body.doc)) {
      const rule = compiled[pos].rule;
      if (correlated.has(pos)) {
        const raw = eventTimestamp(body.doc);
        const ts = Number.isFinite(raw) ? raw : detectedAt;
        const seenKey = `${SEEN_NS}:${ruleIdOf(rule)}:${body.id}`;
        // A redelivered event the correlator already counted must not count twice (a false
        // threshold crossing); its hits, if any, were re-raised above.
        const counted = msg.deliveries > 1 && (await state.get(seenKey)) !== undefined;
        if (!counted) {
          await recordForCorrelations(rule, body, ts);
          for (const hit of await correlator.observe({ rule, event: body.doc, timestamp: ts, eventId: body.id })) {
            if (isEnabled(ruleIdOf(hit.correlation))) hits.push(await correlationAlert(hit, rule, detectedAt));
          }
          await state.set(seenKey, '1', seenTtl);
        }
        if (correlator.suppresses(rule)) continue;
      }
      // Scheduled-only rules still feed correlations; their own alerts come from the scheduler.
      if (scheduledOnly.has(pos) || !isEnabled(ruleIdOf(rule))) continue;
      out.push(buildAlert({ rule, events: [{ id: body.id, doc: body.doc }], detectedAt, origin: 'stream' }));
    }
    if (hits.length > 0) {
      await state.set(`${HITS_NS}:${body.id}`, JSON.stringify(hits), HITS_TTL_MS);
      out.push(...hits);
    }
  }

  async function handle(batch: readonly QueueMessage<EventMessage>[]): Promise<Alert[]> {
    const alerts: Alert[] = [];
    for (const m of batch) {
      try {
        await detect(m, alerts);
      } catch (err) {
        // State errors (Redis down) must leave the batch pending; anything else is this event's fault.
        if (isRetryable(err)) throw err;
        logger?.error({ err: toErrorRecord(err), messageId: m.id, eventId: m.body?.id }, 'detection failed on an event; skipped');
      }
    }
    // Publish before acknowledging: a crash in between redelivers the events, never loses alerts.
    const unique = [...new Map(alerts.map((a) => [a.id, a])).values()];
    if (unique.length > 0) await alertsQueue.publishBatch(unique);
    if (batch.length > 0) await events.ack(group, batch.map((m) => m.id));
    return unique;
  }

  async function poll(): Promise<BatchOutcome> {
    let claimed: QueueMessage<EventMessage>[] = [];
    if (now() - lastClaim >= claimEveryMs) {
      lastClaim = now();
      claimed = await events.claimStale(group, opts.consumer, claimIdleMs, batchSize);
      if (claimed.length > 0) logger?.warn({ count: claimed.length, consumer: opts.consumer }, 'claimed events left pending by another detection worker');
    }
    const batch = claimed.length > 0 ? claimed : await events.consume(group, opts.consumer, { count: batchSize, blockMs: stopping ? 0 : blockMs });
    const alerts = await handle(batch);
    return { messages: batch.length, alerts, claimed: claimed.length };
  }

  async function run(): Promise<void> {
    while (!stopping) {
      try {
        await poll();
      } catch (err) {
        if (stopping) break;
        logger?.error({ err: toErrorRecord(err), consumer: opts.consumer }, 'detection batch failed; retrying (events stay pending)');
        await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 1000));
      }
    }
  }

  return {
    get running() {
      return loop !== undefined;
    },
    start() {
      if (loop) return;
      stopping = false;
      loop = run().finally(() => {
        loop = undefined;
      });
    },
    async stop() {
      stopping = true;
      await loop;
    },
    poll,
  };
}

function referencesRule(c: SigmaCorrelation, rule: SigmaRule): boolean {
  return c.correlation.rules.some((r) => r === rule.id || r === rule.name);
}

function aliasField(c: SigmaCorrelation, name: string, rule: SigmaRule): string | undefined {
  const a = c.correlation.aliases[name];
  if (!a) return undefined;
  return (rule.id !== undefined ? a[rule.id] : undefined) ?? (rule.name !== undefined ? a[rule.name] : undefined);
}

/** The correlator's text form of a group-by value, so both sides name a group alike. */
function groupText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function isRetryable(err: unknown): boolean {
  return err instanceof VigilError && err.retryable;
}
