// The console's only way to the server: the public API under /api/v1 with the key from session
// storage as a bearer token. Errors come back as ApiError with the server's code and message,
// and `errorText` turns them into a sentence a person understands.
import { type MessageKey, t } from './i18n.ts';

const KEY_STORE = 'vigil.apiKey';

export type Role = 'admin' | 'analyst' | 'responder' | 'compliance' | 'ingest';

export interface Me {
  id: string;
  name: string;
  role: Role;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORE);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORE);
  else sessionStorage.setItem(KEY_STORE, key);
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Called when the server says the key is no longer good, so the app can ask for a new one. */
let onUnauthorised: () => void = () => {};
export function setUnauthorisedHandler(fn: () => void): void {
  onUnauthorised = fn;
}

async function send(method: string, path: string, opts: { query?: Query; body?: unknown; key?: string } = {}): Promise<Response> {
  const key = opts.key ?? storedKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}${queryString(opts.query)}`, { method, headers, body, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  if (!res.ok) {
    let code = 'other';
    let message = res.statusText;
    try {
      const j = (await res.json()) as { code?: string; message?: string };
      code = j.code ?? code;
      message = j.message ?? message;
    } catch {
      // not JSON: keep the status text
    }
    if ((code === 'AUTH_INVALID' || code === 'AUTH_MISSING') && !opts.key) onUnauthorised();
    throw new ApiError(res.status, code, message, path);
  }
  return res;
}

export async function api<T>(method: string, path: string, opts: { query?: Query; body?: unknown; key?: string } = {}): Promise<T> {
  const res = await send(method, path, opts);
  return (await res.json()) as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, { query });
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, { body });
export const del = <T>(path: string) => api<T>('DELETE', path);

/** A download (report export): the body as a blob with the file name the server suggests. */
export async function download(path: string, query: Query, fallbackName: string): Promise<{ blob: Blob; name: string; headers: Headers }> {
  const res = await send('GET', path, { query });
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  return { blob: await res.blob(), name: m ? decodeURIComponent(m[1]) : fallbackName, headers: res.headers };
}

const known: ReadonlySet<string> = new Set([
  'AUTH_MISSING',
  'AUTH_INVALID',
  'AUTH_FORBIDDEN',
  'REQUEST_INVALID',
  'NOT_FOUND',
  'RATE_LIMITED',
  'STORE_VERSION_CONFLICT',
  'STORE_UNAVAILABLE',
  'INCIDENT_INVALID_TRANSITION',
  'QUERY_SYNTAX',
  'INTERNAL',
  'network',
]);

/** A sentence for people, then the server's own message (it names the field and the reason). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const key = (known.has(err.code) ? `err.${err.code}` : 'err.other') as MessageKey;
    const sentence = t(key);
    return err.code === 'network' || err.message === sentence ? sentence : `${sentence} (${err.message})`;
  }
  return `${t('err.other')} (${err instanceof Error ? err.message : String(err)})`;
}
