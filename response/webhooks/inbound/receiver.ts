// Receives one inbound webhook: checks the source's signature over the raw body first (a bad or
// missing one is refused before anything is parsed or stored), maps the payload, deduplicates each
// item on (source, sender id) with a document putIfAbsent, and hands new items on: alerts to the
// alerts queue (the same path detection's alerts take), events to the ingest sink.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EcsEvent } from '../../../core/ecs.ts';
import { getPath } from '../../../core/ecs.ts';
import { ErrorCode, VigilError } from '../../../core/errors.ts';
import { stableId } from '../../../core/ids.ts';
import type { WorkQueue } from '../../../core/queue/types.ts';
import type { Alert, AlertEntities, DocumentStore } from '../../../core/storage/types.ts';
import { verifyWebhook } from '../signature.ts';
import { applyMapping, type MappedItem } from './mappings.ts';
import type { InboundSource } from './sources.ts';

export const inboundDedupCollection = 'inbound-dedup';

export interface InboundDedupRecord {
  source: string;
  senderId: string;
  receivedAt: string;
  /** The alert id it became, or 'event'. */
  as: string;
}

export interface InboundWebhookOptions {
  sources: readonly InboundSource[];
  docs: DocumentStore;
  alerts: WorkQueue<Alert>;
  /** Where `as: event` items go (the ingest pipeline's push). Without it such sources answer 400. */
  pushEvents?: (events: EcsEvent[]) => Promise<void>;
  now?: () => number;
}

export interface InboundResult {
  source: string;
  /** Items taken in by this request. */
  accepted: number;
  /** Items seen before (replays), not processed again. */
  duplicates: number;
  /** Every item was a replay. */
  duplicate: boolean;
  alertIds: string[];
  events: number;
}

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws AUTH_INVALID (401) unless the request carries the source's valid signature. */
export function checkSignature(src: InboundSource, headers: Headers, raw: Buffer, nowMs: number): void {
  const refuse = (why: string) =>
    new VigilError(ErrorCode.AUTH_INVALID, `webhook source '${src.name}': ${why}; nothing was stored`, { source: `webhook ${src.name}`, path: 'headers' });
  const sig = src.signature;
  switch (sig.scheme) {
    case 'standard-webhooks': {
      const r = verifyWebhook(headers, raw, [src.secret], { toleranceSec: sig.toleranceSec, now: nowMs });
      if (!r.ok) throw refuse(r.reason);
      return;
    }
    case 'hmac-sha256': {
      const got = header(headers, sig.header);
      if (!got) throw refuse(`header ${sig.header} is missing`);
      if (!got.startsWith(sig.prefix)) throw refuse(`header ${sig.header} does not start with '${sig.prefix}'`);
      const mac = createHmac('sha256', src.secret).update(raw).digest();
      const offered = Buffer.from(got.slice(sig.prefix.length).trim(), sig.encoding);
      if (!safeEqual(offered, mac)) throw refuse(`the ${sig.header} signature does not match`);
      return;
    }
    case 'token': {
      const got = header(headers, sig.header);
      if (!got) throw refuse(`header ${sig.header} is missing`);
      if (!safeEqual(Buffer.from(got), Buffer.from(src.secret))) throw refuse(`the ${sig.header} token does not match`);
      return;
    }
  }
}

function scalars(v: unknown): string[] {
  if (typeof v === 'string' && v !== '') return [v];
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(scalars);
  return [];
}

function entitiesOf(doc: EcsEvent): AlertEntities {
  const pick = (...paths: string[]) => [...new Set(paths.flatMap((p) => scalars(getPath(doc, p))))];
  return {
    hosts: pick('host.name', 'host.hostname').slice(0, 1),
    users: pick('user.name', 'user.target.name'),
    sourceIps: pick('source.ip', 'client.ip'),
    destinationIps: pick('destination.ip', 'server.ip'),
    processes: pick('process.executable', 'process.name').slice(0, 1),
    hashes: pick('file.hash.sha256', 'file.hash.sha1', 'file.hash.md5', 'process.hash.sha256'),
  };
}

const riskBase = { informational: 10, low: 21, medium: 47, high: 73, critical: 99 } as const;

/** The Alert for a mapped item: its id is deterministic from source and sender id. */
export function inboundAlert(source: string, item: Extract<MappedItem, { as: 'alert' }>, receivedAt: string): Alert {
  const f = item.alert;
  const entities = entitiesOf(item.event);
  // Group like detection does for host activity: same rule on the same machine (else user, source).
  const entity = entities.hosts[0] ? `host=${entities.hosts[0]}` : entities.users[0] ? `user=${entities.users[0]}` : entities.sourceIps[0] ? `source.ip=${entities.sourceIps[0]}` : '';
  const alert: Alert = {
    id: stableId('webhook-alert', source, item.senderId),
    ruleId: f.ruleId,
    ruleTitle: f.ruleTitle,
    ruleLevel: f.severity,
    ruleTags: f.tags,
    tactics: f.tactics,
    techniques: f.techniques,
    severity: f.severity,
    riskScore: f.riskScore ?? riskBase[f.severity],
    eventIds: [],
    events: [item.event],
    entities,
    eventTime: f.eventTime ?? receivedAt,
    detectedAt: receivedAt,
    origin: 'webhook',
    groupKey: entity ? `${f.ruleId}|${entity.toLowerCase()}` : f.ruleId,
    status: 'open',
    data: { ...f.data, webhook: { source, senderId: item.senderId, receivedAt } },
  };
  if (f.author) alert.ruleAuthor = f.author;
  return alert;
}

export class InboundWebhooks {
  private readonly byName: Map<string, InboundSource>;
  private readonly now: () => number;

  constructor(private readonly opts: InboundWebhookOptions) {
    this.byName = new Map(opts.sources.map((s) => [s.name, s]));
    this.now = opts.now ?? Date.now;
  }

  source(name: string): InboundSource {
    const src = this.byName.get(name);
    if (!src) {
      throw new VigilError(ErrorCode.NOT_FOUND, `webhook source '${name}' is not configured (rules/webhooks/sources.yml)`, { source: 'params', path: '/source' });
    }
    return src;
  }

  /** Signature first: throws AUTH_INVALID without reading the body as JSON. */
  verify(name: string, headers: Headers, raw: Buffer): InboundSource {
    const src = this.source(name);
    checkSignature(src, headers, raw, this.now());
    return src;
  }

  /** Maps, deduplicates and hands on an already verified payload. */
  async accept(src: InboundSource, payload: unknown): Promise<InboundResult> {
    const items = applyMapping(src.mapping, payload, src.name);
    const receivedAt = new Date(this.now()).toISOString();
    if (items.some((i) => i.as === 'event') && !this.opts.pushEvents) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `webhook source '${src.name}': its mapping makes events, but no ingest pipeline is attached`, { source: `webhook ${src.name}` });
    }
    const result: InboundResult = { source: src.name, accepted: 0, duplicates: 0, duplicate: false, alertIds: [], events: 0 };
    const alerts: Alert[] = [];
    const events: EcsEvent[] = [];
    const claimed: string[] = [];
    for (const item of items) {
      const key = stableId(src.name, item.senderId);
      const alert = item.as === 'alert' ? inboundAlert(src.name, item, receivedAt) : undefined;
      const fresh = await this.opts.docs.putIfAbsent<InboundDedupRecord>(inboundDedupCollection, key, {
        source: src.name,
        senderId: item.senderId,
        receivedAt,
        as: alert?.id ?? 'event',
      });
      if (!fresh) {
        result.duplicates++;
        continue;
      }
      claimed.push(key);
      if (alert) alerts.push(alert);
      else {
        const labels = { ...((item.event.labels as Record<string, unknown> | undefined) ?? {}), webhook_source: src.name, webhook_sender_id: item.senderId };
        events.push({ ...item.event, labels });
      }
    }
    try {
      if (alerts.length) await this.opts.alerts.publishBatch(alerts);
      if (events.length) await this.opts.pushEvents?.(events);
    } catch (err) {
      // Handing on failed: forget the dedup keys so the sender's retry is taken, not called a replay.
      await Promise.all(claimed.map((k) => this.opts.docs.delete(inboundDedupCollection, k)));
      throw err;
    }
    result.accepted = alerts.length + events.length;
    result.alertIds = alerts.map((a) => a.id);
    result.events = events.length;
    result.duplicate = result.accepted === 0 && result.duplicates > 0;
    return result;
  }
}
