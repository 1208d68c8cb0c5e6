// Action connectors: named HTTP calls configured in YAML (rules/playbooks/connectors.yml) that the
// block_ip / disable_user / isolate_host / reset_password / notify / enrich steps go through.
// Each has a method, a URL template, headers, auth (bearer token or basic, secrets read from
// environment variables at call time, never stored), a body template and a success condition.
// `${NAME}` in url/headers is an environment variable, also read at call time.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { ConnectorCallOptions, ConnectorClient, HttpRequestSpec, HttpResult, SuccessCondition } from './model.ts';
import { collectTemplates, contextResolver, lookupPath, parsePath, renderValue, toText } from './template.ts';

export interface ConnectorAuth {
  type: 'bearer' | 'basic' | 'header';
  /** bearer: env var holding the token. */
  tokenEnv?: string;
  /** basic: user name (literal) or the env var holding it. */
  username?: string;
  usernameEnv?: string;
  passwordEnv?: string;
  /** header: header name and the env var holding its value (API-key style). */
  header?: string;
  valueEnv?: string;
}

export interface ConnectorConfig {
  name: string;
  method: string;
  /** Template; `{{ input.ip }}` and `${ENV}` allowed. */
  url: string;
  headers: Record<string, string>;
  auth?: ConnectorAuth;
  /** Template value (a map is sent as JSON, a string as text). */
  body?: unknown;
  success: SuccessCondition;
  description?: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Roots a connector template may use: the step's rendered input and who is calling. */
export const connectorTemplateRoots = ['input', 'incident', 'run', 'step'];
const MAX_BODY_CHARS = 64 * 1024;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function problem(file: string, path: string, reason: string): VigilError {
  return new VigilError(ErrorCode.PLAYBOOK_INVALID, `${file}: ${path}: ${reason}`, { source: file, path });
}

function parseSuccess(raw: unknown, file: string, path: string, errors: VigilError[]): SuccessCondition {
  if (raw === undefined) return {};
  if (!isObj(raw)) {
    errors.push(problem(file, path, 'expected a map { status: [200, 201], json_path?: result, equals?: ok }'));
    return {};
  }
  const out: SuccessCondition = {};
  if (raw.status !== undefined) {
    const list = Array.isArray(raw.status) ? raw.status : [raw.status];
    if (!list.every((s) => Number.isInteger(s) && (s as number) >= 100 && (s as number) <= 599)) {
      errors.push(problem(file, `${path}.status`, 'expected HTTP status codes such as [200, 201]'));
    } else out.status = list as number[];
  }
  if (raw.json_path !== undefined) {
    if (typeof raw.json_path !== 'string') errors.push(problem(file, `${path}.json_path`, 'expected a dotted path such as result.status'));
    else {
      out.jsonPath = raw.json_path;
      if (!('equals' in raw)) errors.push(problem(file, `${path}.equals`, 'required with json_path: the value the reply must hold there'));
      out.equals = raw.equals;
    }
  }
  for (const k of Object.keys(raw)) {
    if (!['status', 'json_path', 'equals'].includes(k)) errors.push(problem(file, `${path}.${k}`, 'unknown key (known: status, json_path, equals)'));
  }
  return out;
}

function parseAuth(raw: unknown, file: string, path: string, errors: VigilError[]): ConnectorAuth | undefined {
  if (raw === undefined) return undefined;
  if (!isObj(raw) || !['bearer', 'basic', 'header'].includes(String(raw.type))) {
    errors.push(problem(file, `${path}.type`, 'expected bearer, basic or header'));
    return undefined;
  }
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  const auth: ConnectorAuth = {
    type: raw.type as ConnectorAuth['type'],
    tokenEnv: str('token_env'),
    username: str('username'),
    usernameEnv: str('username_env'),
    passwordEnv: str('password_env'),
    header: str('header'),
    valueEnv: str('value_env'),
  };
  if (auth.type === 'bearer' && !auth.tokenEnv) errors.push(problem(file, `${path}.token_env`, 'required: the environment variable holding the token'));
  if (auth.type === 'basic' && !(auth.username || auth.usernameEnv)) errors.push(problem(file, `${path}.username`, 'required (or username_env)'));
  if (auth.type === 'basic' && !auth.passwordEnv) errors.push(problem(file, `${path}.password_env`, 'required: the environment variable holding the password'));
  if (auth.type === 'header' && (!auth.header || !auth.valueEnv)) errors.push(problem(file, `${path}.header`, 'header and value_env are required'));
  for (const k of Object.keys(raw)) {
    if (!['type', 'token_env', 'username', 'username_env', 'password_env', 'header', 'value_env'].includes(k)) {
      errors.push(problem(file, `${path}.${k}`, 'unknown key (secrets come from environment variables: token_env, password_env, value_env)'));
    }
  }
  return auth;
}

/** Parses a connectors document `{ connectors: { name: {...} } }`; collects every problem. */
export function parseConnectors(doc: unknown, file: string): { connectors: ConnectorConfig[]; errors: VigilError[] } {
  const errors: VigilError[] = [];
  const connectors: ConnectorConfig[] = [];
  const root = isObj(doc) && 'connectors' in doc ? doc.connectors : doc;
  if (!isObj(root)) {
    errors.push(problem(file, 'connectors', 'expected a map of connector name to { method, url, ... }'));
    return { connectors, errors };
  }
  for (const [name, raw] of Object.entries(root)) {
    const at = `connectors.${name}`;
    if (!/^[a-z][a-z0-9_]*$/.test(name)) errors.push(problem(file, at, 'connector names are snake_case'));
    if (!isObj(raw)) {
      errors.push(problem(file, at, 'expected a map { method, url, headers?, auth?, body?, success? }'));
      continue;
    }
    const before = errors.length;
    const method = String(raw.method ?? 'POST').toUpperCase();
    if (!METHODS.includes(method)) errors.push(problem(file, `${at}.method`, `'${raw.method}' is not allowed (allowed: ${METHODS.join(', ')})`));
    if (typeof raw.url !== 'string' || raw.url === '') errors.push(problem(file, `${at}.url`, 'required: the URL template'));
    const headers: Record<string, string> = {};
    if (raw.headers !== undefined) {
      if (!isObj(raw.headers)) errors.push(problem(file, `${at}.headers`, 'expected a map of header name to value'));
      else for (const [h, v] of Object.entries(raw.headers)) headers[h] = toText(v);
    }
    const auth = parseAuth(raw.auth, file, `${at}.auth`, errors);
    const success = parseSuccess(raw.success, file, `${at}.success`, errors);
    for (const t of collectTemplates({ url: raw.url, headers: raw.headers, body: raw.body }, '')) {
      if (t.error) errors.push(problem(file, `${at}.${t.path}`, t.error));
      for (const ref of t.template?.refs ?? []) {
        if (!connectorTemplateRoots.includes(String(ref.segments[0]))) {
          errors.push(problem(file, `${at}.${t.path}`, `unknown reference '${ref.text}' (a connector template reads ${connectorTemplateRoots.join(', ')})`));
        }
      }
    }
    for (const k of Object.keys(raw)) {
      if (!['method', 'url', 'headers', 'auth', 'body', 'success', 'description'].includes(k)) {
        errors.push(problem(file, `${at}.${k}`, 'unknown key (known: method, url, headers, auth, body, success, description)'));
      }
    }
    if (errors.length > before) continue;
    connectors.push({
      name,
      method,
      url: raw.url as string,
      headers,
      auth,
      body: raw.body,
      success,
      description: typeof raw.description === 'string' ? raw.description : undefined,
    });
  }
  return { connectors, errors };
}

export function loadConnectorsFile(file: string, label = file): { connectors: ConnectorConfig[]; errors: VigilError[] } {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'), { filename: label });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const e = new VigilError(ErrorCode.PLAYBOOK_INVALID, `${label}${mark ? `:${mark.line + 1}:${mark.column + 1}` : ''}: ${(err as Error).message.split('\n')[0]}`, {
      source: label,
      line: mark ? mark.line + 1 : undefined,
      column: mark ? mark.column + 1 : undefined,
    });
    return { connectors: [], errors: [e] };
  }
  return parseConnectors(doc, label);
}

// ---------------------------------------------------------------- the client

export interface ConnectorClientOptions {
  connectors: readonly ConnectorConfig[];
  /** Where `${NAME}` and auth secrets are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** `${NAME}` from the environment; `lenient` (dry-run) leaves unset names as written. */
function expandEnv(s: string, env: NodeJS.ProcessEnv, where: string, lenient = false): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') {
      if (lenient) return m;
      throw new VigilError(ErrorCode.CONFIG_INVALID, `${where}: environment variable ${name} is not set`, { source: where, path: name });
    }
    return v;
  });
}

function secret(env: NodeJS.ProcessEnv, name: string | undefined, where: string): string {
  const v = name ? env[name] : undefined;
  if (v === undefined || v === '') {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `${where}: auth secret environment variable ${name} is not set`, { source: where, path: name });
  }
  return v;
}

function isJsonBody(body: unknown): boolean {
  return body !== undefined && typeof body !== 'string';
}

function excerpt(body: unknown): string {
  const s = toText(body);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** 4xx other than 408 (timeout) and 429 (rate limit) mean the request itself is wrong: final. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export function createConnectorClient(opts: ConnectorClientOptions): ConnectorClient {
  const byName = new Map(opts.connectors.map((c) => [c.name, c]));
  const env = opts.env ?? process.env;
  const doFetch = opts.fetch ?? globalThis.fetch;

  function get(name: string): ConnectorConfig {
    const c = byName.get(name);
    if (!c) {
      throw new VigilError(ErrorCode.CONFIG_INVALID, `connector '${name}' is not configured (configured: ${[...byName.keys()].join(', ') || 'none'})`, {
        source: 'connectors',
        path: name,
      });
    }
    return c;
  }

  function build(c: ConnectorConfig, vars: Record<string, unknown>, withSecrets: boolean): HttpRequestSpec {
    const where = `connector ${c.name}`;
    const resolve = contextResolver(vars);
    const url = toText(renderValue(expandEnv(c.url, env, where, !withSecrets), resolve));
    const headers: Record<string, string> = {};
    for (const [h, v] of Object.entries(c.headers)) headers[h] = toText(renderValue(expandEnv(v, env, where, !withSecrets), resolve));
    if (withSecrets && c.auth) {
      const a = c.auth;
      if (a.type === 'bearer') headers.authorization = `Bearer ${secret(env, a.tokenEnv, where)}`;
      else if (a.type === 'basic') {
        const user = a.usernameEnv ? secret(env, a.usernameEnv, where) : (a.username ?? '');
        headers.authorization = `Basic ${Buffer.from(`${user}:${secret(env, a.passwordEnv, where)}`).toString('base64')}`;
      } else if (a.header) headers[a.header] = secret(env, a.valueEnv, where);
    }
    return { method: c.method, url, headers, body: c.body === undefined ? undefined : renderValue(c.body, resolve), success: c.success };
  }

  async function send(req: HttpRequestSpec, o: ConnectorCallOptions, where = 'http_request'): Promise<HttpResult> {
    const headers: Record<string, string> = { ...(req.headers ?? {}), 'idempotency-key': o.idempotencyKey };
    let body: string | undefined;
    if (req.body !== undefined && req.method !== 'GET') {
      if (isJsonBody(req.body)) {
        body = JSON.stringify(req.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      } else body = String(req.body);
    }
    const label = `${where}: ${req.method} ${req.url}`;
    let res: Response;
    try {
      res = await doFetch(req.url, { method: req.method, headers, body, signal: o.signal });
    } catch (err) {
      // An abort is the runner's timeout: let its reason through unchanged.
      if (o.signal.aborted) throw o.signal.reason;
      throw new VigilError(ErrorCode.ACTION_UNREACHABLE, `${label}: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`, { source: where }, { retryable: true, cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      throw new VigilError(ErrorCode.ACTION_UNREACHABLE, `${label}: reading the reply failed: ${(err as Error).message}`, { source: where }, { retryable: true });
    }
    if (text.length > MAX_BODY_CHARS) text = text.slice(0, MAX_BODY_CHARS);
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') || /^\s*[{[]/.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const success = req.success ?? {};
    const statusOk = success.status ? success.status.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!statusOk) {
      const retryable = isRetryableStatus(res.status);
      const allowed = success.status ? success.status.join(', ') : '2xx';
      throw new VigilError(
        retryable ? ErrorCode.ACTION_UNREACHABLE : ErrorCode.ACTION_REFUSED,
        `${label} answered ${res.status} (expected ${allowed})${retryable ? '' : ', not retried'}: ${excerpt(parsed)}`,
        { source: where },
        { retryable },
      );
    }
    if (success.jsonPath !== undefined) {
      const got = lookupPath(parsed, parsePath(success.jsonPath).segments);
      if (got !== success.equals) {
        throw new VigilError(
          ErrorCode.ACTION_REFUSED,
          `${label} answered ${res.status} but ${success.jsonPath} is ${JSON.stringify(got)} (expected ${JSON.stringify(success.equals)})`,
          { source: where, path: success.jsonPath },
        );
      }
    }
    return { status: res.status, body: parsed };
  }

  return {
    has: (name) => byName.has(name),
    names: () => [...byName.keys()],
    describe(name, vars) {
      const r = build(get(name), vars, false);
      return { method: r.method, url: r.url, body: r.body };
    },
    // async so that configuration errors arrive as rejections like every other failure
    async call(name, vars, o) {
      const c = get(name);
      return send(build(c, vars, true), o, `connector ${name}`);
    },
    send,
  };
}
