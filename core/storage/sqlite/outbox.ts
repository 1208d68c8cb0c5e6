// The webhook outbox on SQLite. Deliveries that share an ordering key go out one at a time in
// creation order: only the oldest pending delivery of a key (its head) can be claimed, and only
// when it is due and not leased. Dead deliveries are no longer pending, so they stop blocking
// their key. Claims run in one IMMEDIATE transaction (the database write lock), so two processes
// never lease the same delivery.
//
// `attempts` counts claims: it goes up when a delivery is leased for sending, so a process that
// dies mid-send still used up an attempt. redeliver() resets it to 0 (a fresh retry budget).
import type Database from 'better-sqlite3';
import type { ErrorRecord } from '../../errors.ts';
import { ErrorCode, VigilError } from '../../errors.ts';
import type { OutboxDelivery, Page, PageRequest, WebhookOutbox } from '../types.ts';
import { inList, keyset, pageLimit, toPage, whereSql } from './paging.ts';
import { isoToMs, msToIso } from './times.ts';

interface OutboxRow {
  seq: number;
  id: string;
  subscription_id: string;
  event_type: string;
  ordering_key: string;
  payload: string;
  status: OutboxDelivery['status'];
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

const columns =
  'seq, id, subscription_id, event_type, ordering_key, payload, status, attempts, next_attempt_at, created_at, delivered_at, last_status, last_error';

function toDelivery(r: OutboxRow): OutboxDelivery {
  const d: OutboxDelivery = {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventType: r.event_type,
    orderingKey: r.ordering_key,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: msToIso(r.next_attempt_at),
    createdAt: msToIso(r.created_at),
  };
  if (r.delivered_at !== null) d.deliveredAt = msToIso(r.delivered_at);
  if (r.last_status !== null) d.lastStatus = r.last_status;
  if (r.last_error !== null) d.lastError = JSON.parse(r.last_error) as ErrorRecord;
  return d;
}

export class SqliteWebhookOutbox implements WebhookOutbox {
  private readonly enqueueAll: (rows: unknown[][]) => void;
  private readonly claim: (now: number, limit: number, leaseMs: number) => OutboxRow[];
  private readonly byId: Database.Statement<[string], OutboxRow>;
  private readonly delivered: Database.Statement<unknown[]>;
  private readonly failed: Database.Statement<unknown[]>;
  private readonly reset: Database.Statement<unknown[]>;

  constructor(private readonly db: Database.Database) {
    const insert = db.prepare(
      `INSERT OR IGNORE INTO outbox (id, subscription_id, event_type, ordering_key, payload, status, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
    );
    this.enqueueAll = db.transaction((rows: unknown[][]) => {
      for (const r of rows) insert.run(r);
    });
    const heads = db.prepare<[number, number, number], OutboxRow>(
      `SELECT ${columns} FROM outbox o
       WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND (o.leased_until IS NULL OR o.leased_until <= ?)
         AND NOT EXISTS (
           SELECT 1 FROM outbox p
           WHERE p.ordering_key = o.ordering_key AND p.status = 'pending' AND (p.created_at, p.seq) < (o.created_at, o.seq))
       ORDER BY o.next_attempt_at, o.created_at, o.seq
       LIMIT ?`,
    );
    const lease = db.prepare('UPDATE outbox SET leased_until = ?, attempts = attempts + 1 WHERE seq = ?');
    const claimTx = db.transaction((now: number, limit: number, leaseMs: number) => {
      const rows = heads.all(now, now, limit);
      for (const r of rows) {
        lease.run(now + leaseMs, r.seq);
        r.attempts += 1;
      }
      return rows;
    });
    this.claim = (now, limit, leaseMs) => claimTx.immediate(now, limit, leaseMs);
    this.byId = db.prepare(`SELECT ${columns} FROM outbox WHERE id = ?`);
    this.delivered = db.prepare(
      `UPDATE outbox SET status = 'delivered', delivered_at = ?, last_status = ?, leased_until = NULL WHERE id = ?`,
    );
    this.failed = db.prepare(
      `UPDATE outbox SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), last_status = ?, last_error = ?,
         leased_until = NULL WHERE id = ?`,
    );
    this.reset = db.prepare(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, leased_until = NULL, delivered_at = NULL
       WHERE id = ?`,
    );
  }

  /** An id already in the outbox is skipped, so re-enqueueing after a crash does not send twice. */
  async enqueue(deliveries: ReadonlyArray<Omit<OutboxDelivery, 'status' | 'attempts'>>): Promise<void> {
    const rows = deliveries.map((d, i) => [
      d.id,
      d.subscriptionId,
      d.eventType,
      d.orderingKey,
      d.payload,
      isoToMs(d.nextAttemptAt, `deliveries[${i}].nextAttemptAt`, 'outbox'),
      isoToMs(d.createdAt, `deliveries[${i}].createdAt`, 'outbox'),
    ]);
    if (rows.length) this.enqueueAll(rows);
  }

  async claimDue(now: string, limit: number, leaseMs: number): Promise<OutboxDelivery[]> {
    const ms = isoToMs(now, 'now', 'outbox');
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `leaseMs: ${leaseMs} must be a positive number of milliseconds`, {
        source: 'outbox',
        path: 'leaseMs',
      });
    }
    return this.claim(ms, Math.max(1, Math.trunc(limit)), Math.trunc(leaseMs)).map(toDelivery);
  }

  async markDelivered(id: string, status: number, at: string): Promise<void> {
    const res = this.delivered.run(isoToMs(at, 'at', 'outbox'), status, id);
    if (res.changes === 0) throw notFound(id);
  }

  async markFailed(
    id: string,
    error: ErrorRecord,
    status: number | undefined,
    nextAttemptAt: string | undefined,
  ): Promise<void> {
    const next = nextAttemptAt !== undefined ? isoToMs(nextAttemptAt, 'nextAttemptAt', 'outbox') : null;
    const res = this.failed.run(next === null ? 'dead' : 'pending', next, status ?? null, JSON.stringify(error), id);
    if (res.changes === 0) throw notFound(id);
  }

  async get(id: string): Promise<OutboxDelivery | undefined> {
    const r = this.byId.get(id);
    return r ? toDelivery(r) : undefined;
  }

  /** Newest first. */
  async list(
    filter: { subscriptionId?: string; status?: OutboxDelivery['status'][] },
    page: PageRequest,
  ): Promise<Page<OutboxDelivery>> {
    const limit = pageLimit(page);
    const tag = 'outbox:createdAt:desc';
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.subscriptionId !== undefined) {
      where.push('subscription_id = ?');
      params.push(filter.subscriptionId);
    }
    if (filter.status?.length) inList('status', filter.status, where, params);
    const ks = keyset(['created_at', 'seq'], 'desc', page, tag);
    if (ks.where) {
      where.push(ks.where);
      params.push(...ks.params);
    }
    const rows = this.db
      .prepare<unknown[], OutboxRow>(`SELECT ${columns} FROM outbox ${whereSql(where)} ORDER BY ${ks.orderBy} LIMIT ?`)
      .all(...params, limit + 1);
    return toPage(rows, limit, tag, (r) => [r.created_at, r.seq], toDelivery);
  }

  /**
   * Back to pending, due at `now`, with a fresh attempt budget. It keeps its place in its key's
   * order, so an old redelivered message goes out before newer pending ones of the same key.
   */
  async redeliver(id: string, now: string): Promise<OutboxDelivery> {
    const apply = this.db.transaction(() => {
      const res = this.reset.run(isoToMs(now, 'now', 'outbox'), id);
      if (res.changes === 0) throw notFound(id);
      return toDelivery(this.byId.get(id)!);
    });
    return apply.immediate();
  }
}

function notFound(id: string): VigilError {
  return new VigilError(ErrorCode.NOT_FOUND, `delivery ${id}: not found in the outbox`, { source: 'outbox', path: id });
}
