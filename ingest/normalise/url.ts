// ECS url.* from a request target as logged ('/a/b.php?x=1', 'http://host:8080/p', 'host:443'),
// the way Elastic's uri_parts processor splits it: original kept, path/query percent-decoded.
import { type EcsEvent, setPath } from '../../core/ecs.ts';
import { setIfDefined, toInt } from './ecs-build.ts';

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Malformed escapes stay as logged rather than failing the event.
    return text;
  }
}

/** Sets url.original and, when they exist, url.scheme/domain/port/path/query/fragment/extension. */
export function setUrlFields(doc: EcsEvent, original: string | undefined): void {
  if (!original || original === '-') return;
  setPath(doc, 'url.original', original);
  let rest = original;
  const abs = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d+))?/.exec(rest);
  if (abs) {
    setPath(doc, 'url.scheme', abs[1].toLowerCase());
    if (abs[2]) setUrlUser(doc, abs[2]);
    setIfDefined(doc, 'url.domain', abs[3].replace(/^\[|\]$/g, ''));
    setIfDefined(doc, 'url.port', toInt(abs[4]));
    rest = rest.slice(abs[0].length);
  } else if (!rest.startsWith('/') && /^[A-Za-z0-9.-]+:\d+$/.test(rest)) {
    // CONNECT targets are authority-form: 'host:port'.
    const [host, port] = rest.split(':');
    setPath(doc, 'url.domain', host);
    setIfDefined(doc, 'url.port', toInt(port));
    return;
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    setIfDefined(doc, 'url.fragment', rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  if (q >= 0) setIfDefined(doc, 'url.query', decode(rest.slice(q + 1)));
  if (path !== '') {
    setPath(doc, 'url.path', decode(path));
    const last = path.slice(path.lastIndexOf('/') + 1);
    const dot = last.lastIndexOf('.');
    if (dot > 0 && dot < last.length - 1) setPath(doc, 'url.extension', decode(last.slice(dot + 1)).toLowerCase());
  }
}

function setUrlUser(doc: EcsEvent, userinfo: string): void {
  const colon = userinfo.indexOf(':');
  setIfDefined(doc, 'url.username', decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo));
}

/**
 * Splits an HTTP request line ('GET /x HTTP/1.1') into http.request.method, url.* and
 * http.version. Returns false when the text is not a request line (garbage sent to the port).
 */
export function setRequestLine(doc: EcsEvent, line: string | undefined): boolean {
  if (!line || line === '-') return false;
  const m = /^([A-Za-z][A-Za-z_-]*) (\S+)(?: HTTP\/(\d+(?:\.\d+)?))?$/.exec(line);
  if (!m) return false;
  setPath(doc, 'http.request.method', m[1].toUpperCase());
  setUrlFields(doc, m[2]);
  setIfDefined(doc, 'http.version', m[3]);
  return true;
}

/** event.outcome from an HTTP status: failure from 400 up, as Elastic's web pipelines do. */
export function httpOutcome(status: number | undefined): 'success' | 'failure' | undefined {
  if (status === undefined) return undefined;
  return status >= 400 ? 'failure' : 'success';
}
