// Outbound webhook subscriptions, kept as documents (collection 'webhook-subscriptions'): where to
// send, which notice types, an optional filter, the payload format and the signing secrets. A
// rotation keeps the old secret valid for a grace period, so deliveries carry both signatures
// until receivers have switched.
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { type NoticeType, NoticeType as NoticeTypes } from '../../core/messages.ts';
import { type DocumentStore, type Severity, severityRank } from '../../core/storage/types.ts';
import { generateSecret, secretBytes } from './signature.ts';

export const subscriptionCollection = 'webhook-subscriptions';

export const PayloadFormat = { vigil: 'vigil', ecs: 'ecs', ocsf: 'ocsf' } as const;
export type PayloadFormat = (typeof PayloadFormat)[keyof typeof PayloadFormat];
export const payloadFormats: readonly PayloadFormat[] = Object.values(PayloadFormat);

export const subscribableEvents: readonly NoticeType[] = Object.values(NoticeTypes);

export interface SubscriptionFilter {
  minSeverity?: Severity;
  /** GB/T 20986 category keys; an incident must have one of them. */
  category?: string[];
}

export interface SubscriptionSecret {
  secret: string;
  createdAt: string;
  /** Set on the old secret by a rotation: it stops signing after this time. */
  expiresAt?: string;
}

export interface Subscription {
  id: string;
  url: string;
  events: NoticeType[];
  format: PayloadFormat;
  filter?: SubscriptionFilter;
  description?: string;
  secrets: SubscriptionSecret[];
  createdAt: string;
  createdBy: string;
  rotatedAt?: string;
}

/** What the API shows: never the secrets. */
export interface SubscriptionView {
  id: string;
  url: string;
  events: NoticeType[];
  format: PayloadFormat;
  filter?: SubscriptionFilter;
  description?: string;
  createdAt: string;
  createdBy: string;
  rotatedAt?: string;
  /** Secrets that sign deliveries right now (2 during a rotation's grace period). */
  activeSecrets: number;
}

export interface NewSubscription {
  url: string;
  events: string[];
  secret: string;
  format?: string;
  filter?: SubscriptionFilter;
  description?: string;
}

export interface SubscriptionServiceOptions {
  docs: DocumentStore;
  /** @default Date.now */
  now?: () => number;
  /** How long the previous secret keeps signing after a rotation. @default 24 h */
  rotationGraceMs?: number;
}

function bad(path: string, message: string): VigilError {
  return new VigilError(ErrorCode.REQUEST_INVALID, `${path.slice(1)}: ${message}`, { source: 'body', path });
}

/** http(s) only: a webhook URL is fetched by the server, so file:, data: and friends are refused. */
export function checkWebhookUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('/url', `'${url}' is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw bad('/url', `scheme '${parsed.protocol.replace(':', '')}' is not allowed (http, https)`);
  }
  if (parsed.username || parsed.password) throw bad('/url', 'credentials in the URL are not allowed; receivers check the signature instead');
  return parsed.toString();
}

export class SubscriptionService {
  private readonly docs: DocumentStore;
  private readonly now: () => number;
  private readonly graceMs: number;

  constructor(opts: SubscriptionServiceOptions) {
    this.docs = opts.docs;
    this.now = opts.now ?? Date.now;
    this.graceMs = opts.rotationGraceMs ?? 24 * 3600_000;
  }

  async create(input: NewSubscription, createdBy: string): Promise<Subscription> {
    const url = checkWebhookUrl(input.url);
    if (input.events.length === 0) throw bad('/events', `at least one event type is needed (${subscribableEvents.join(', ')})`);
    input.events.forEach((e, i) => {
      if (!(subscribableEvents as readonly string[]).includes(e)) {
        throw bad(`/events/${i}`, `'${e}' is not an event type (${subscribableEvents.join(', ')})`);
      }
    });
    const format = input.format ?? 'vigil';
    if (!(payloadFormats as readonly string[]).includes(format)) throw bad('/format', `'${format}' is not a format (${payloadFormats.join(', ')})`);
    secretBytes(input.secret, 'secret');
    const at = new Date(this.now()).toISOString();
    const sub: Subscription = {
      id: newId(this.now()),
      url,
      events: [...new Set(input.events)] as NoticeType[],
      format: format as PayloadFormat,
      secrets: [{ secret: input.secret, createdAt: at }],
      createdAt: at,
      createdBy,
    };
    if (input.filter && Object.keys(input.filter).length > 0) sub.filter = input.filter;
    if (input.description) sub.description = input.description;
    await this.docs.put(subscriptionCollection, sub.id, sub, 0);
    return sub;
  }

  async list(): Promise<Subscription[]> {
    return (await this.docs.list<Subscription>(subscriptionCollection)).map((d) => d.body);
  }

  async get(id: string): Promise<Subscription | undefined> {
    return (await this.docs.get<Subscription>(subscriptionCollection, id))?.body;
  }

  async require(id: string): Promise<Subscription> {
    const sub = await this.get(id);
    if (!sub) throw new VigilError(ErrorCode.NOT_FOUND, `webhook subscription ${id}: not found`, { source: 'params', path: '/id' });
    return sub;
  }

  async delete(id: string): Promise<Subscription> {
    const sub = await this.require(id);
    await this.docs.delete(subscriptionCollection, id);
    return sub;
  }

  /**
   * A new secret (given, or generated and returned once); the current ones stay valid until
   * now + grace, so receivers can switch without losing deliveries.
   */
  async rotate(id: string, newSecret?: string): Promise<{ subscription: Subscription; secret: string; previousValidUntil: string }> {
    const secret = newSecret ?? generateSecret();
    secretBytes(secret, 'secret');
    const doc = await this.docs.get<Subscription>(subscriptionCollection, id);
    if (!doc) throw new VigilError(ErrorCode.NOT_FOUND, `webhook subscription ${id}: not found`, { source: 'params', path: '/id' });
    const nowMs = this.now();
    const at = new Date(nowMs).toISOString();
    const until = new Date(nowMs + this.graceMs).toISOString();
    const kept = this.activeSecrets(doc.body, nowMs).map((s) => ({ ...s, expiresAt: s.expiresAt && s.expiresAt < until ? s.expiresAt : until }));
    const subscription: Subscription = { ...doc.body, secrets: [...kept.filter((s) => s.secret !== secret), { secret, createdAt: at }], rotatedAt: at };
    // The version check makes two concurrent rotations fail one instead of losing a secret.
    await this.docs.put(subscriptionCollection, id, subscription, doc.version);
    return { subscription, secret, previousValidUntil: until };
  }

  /** The secrets that sign a delivery sent at nowMs: the newest first. */
  activeSecrets(sub: Subscription, nowMs: number = this.now()): SubscriptionSecret[] {
    const at = new Date(nowMs).toISOString();
    return sub.secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > at).reverse();
  }

  view(sub: Subscription): SubscriptionView {
    const v: SubscriptionView = {
      id: sub.id,
      url: sub.url,
      events: sub.events,
      format: sub.format,
      createdAt: sub.createdAt,
      createdBy: sub.createdBy,
      activeSecrets: this.activeSecrets(sub).length,
    };
    if (sub.filter) v.filter = sub.filter;
    if (sub.description) v.description = sub.description;
    if (sub.rotatedAt) v.rotatedAt = sub.rotatedAt;
    return v;
  }
}

/** What a subscription's filter is checked against. */
export interface FilterSubject {
  severity?: Severity;
  category?: string;
}

export function subscriptionMatches(sub: Subscription, type: NoticeType, subject: FilterSubject): boolean {
  if (!sub.events.includes(type)) return false;
  const f = sub.filter;
  if (!f) return true;
  if (f.minSeverity && (subject.severity === undefined || severityRank[subject.severity] < severityRank[f.minSeverity])) return false;
  if (f.category?.length && (subject.category === undefined || !f.category.includes(subject.category))) return false;
  return true;
}
