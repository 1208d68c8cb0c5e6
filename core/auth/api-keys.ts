// API keys: generated once, shown once, stored as a SHA-256 hash; resolves a bearer token to an actor.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { VigilError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { ApiKeyRecord, ApiKeyStore, Role } from '../storage/types.ts';

export interface Actor {
  /** 'key:<id>' for API keys, 'system' for Vigil itself. */
  id: string;
  name: string;
  role: Role;
}

export const systemActor: Actor = { id: 'system', name: 'system', role: 'admin' };

const KEY_PREFIX = 'vgl_';
/** Minimum length of a caller-supplied bootstrap key, so a guessable value is refused. */
export const MIN_KEY_LENGTH = 24;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(30).toString('base64url');
}

/** The public view of a key record: never the hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  createdBy?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

export function keyView(rec: ApiKeyRecord): ApiKeyView {
  const { hash: _hash, ...view } = rec;
  return view;
}

export class ApiKeyService {
  /** Last time each key's lastUsedAt was written, so authentication doesn't write on every request. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: { name: string; role: Role; createdBy?: string; key?: string }): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = input.key ?? generateKey();
    if (key.length < MIN_KEY_LENGTH) {
      throw new VigilError('REQUEST_INVALID', `API key for "${input.name}": must be at least ${MIN_KEY_LENGTH} characters`);
    }
    const record: ApiKeyRecord = {
      id: newId(),
      name: input.name,
      role: input.role,
      hash: hashKey(key),
      prefix: key.slice(0, 10),
      createdAt: this.now().toISOString(),
    };
    if (input.createdBy) record.createdBy = input.createdBy;
    await this.store.create(record);
    return { record, key };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const rec = await this.store.revoke(id, this.now().toISOString());
    if (!rec) throw new VigilError('NOT_FOUND', `API key ${id}: no such key`, { source: 'params', path: '/id' });
    return rec;
  }

  /**
   * On first start with no keys, creates the admin key (the given bootstrap key or a new one).
   * Returns the key when one was created, so the caller can print it once.
   */
  async bootstrap(bootstrapKey?: string): Promise<{ key: string; generated: boolean } | undefined> {
    if ((await this.store.count()) > 0) return undefined;
    const { key } = await this.create({ name: 'bootstrap-admin', role: 'admin', createdBy: 'system', key: bootstrapKey });
    return { key, generated: bootstrapKey === undefined };
  }

  /** Resolves `Authorization: Bearer <key>`; throws AUTH_MISSING / AUTH_INVALID. */
  async authenticate(authorization: string | undefined): Promise<Actor> {
    if (!authorization) {
      throw new VigilError('AUTH_MISSING', 'authentication required: send "Authorization: Bearer <api key>"', { source: 'headers', path: 'authorization' });
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) {
      throw new VigilError('AUTH_INVALID', 'Authorization header: expected "Bearer <api key>"', { source: 'headers', path: 'authorization' });
    }
    const hash = hashKey(m[1]);
    const rec = await this.store.findByHash(hash);
    if (!rec || rec.revokedAt || !timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex'))) {
      throw new VigilError('AUTH_INVALID', 'API key is unknown or revoked', { source: 'headers', path: 'authorization' });
    }
    const nowMs = this.now().getTime();
    if ((this.touched.get(rec.id) ?? 0) < nowMs - 60_000) {
      this.touched.set(rec.id, nowMs);
      await this.store.touch(rec.id, new Date(nowMs).toISOString());
    }
    return { id: `key:${rec.id}`, name: rec.name, role: rec.role };
  }
}
