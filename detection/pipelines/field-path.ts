// Compiled event-path readers: `a.b.c` split once, literal dotted keys ({"source.ip": …}) and
// arrays along the path handled, evtx_dump's {"#text": …} wrappers unwrapped. Hot path of matching.
import { isPlainObject } from '../../core/ecs.ts';

export type PathReader = (doc: Record<string, unknown>) => unknown;

/** Compiles `path` into a reader; no allocation per call on the common (found / absent) paths. */
export function compilePath(path: string): PathReader {
  const parts = path.split('.');
  if (parts.length === 1) return (doc) => unwrap(ownValue(doc, path));
  // joined[i] = literal dotted keys that could start at part i, longest first (the whole path at
  // i = 0 is tried up front).
  const joined: Array<Array<[string, number]>> = parts.map((_, i) => {
    const out: Array<[string, number]> = [];
    for (let j = parts.length; j > i + 1; j--) if (!(i === 0 && j === parts.length)) out.push([parts.slice(i, j).join('.'), j]);
    return out;
  });
  const walk = (cur: unknown, i: number): unknown => {
    for (; i < parts.length; i++) {
      if (Array.isArray(cur)) return walkArray(cur, i);
      if (!isPlainObject(cur)) return undefined;
      const v = ownValue(cur, parts[i]);
      if (v !== undefined) {
        cur = v;
        continue;
      }
      for (const [key, j] of joined[i]) {
        const lit = ownValue(cur, key);
        if (lit !== undefined) return walk(lit, j);
      }
      return undefined;
    }
    return unwrap(cur);
  };
  const walkArray = (arr: unknown[], i: number): unknown => {
    const out: unknown[] = [];
    for (const el of arr) {
      const v = walk(el, i);
      if (Array.isArray(v)) out.push(...v);
      else if (v !== undefined) out.push(v);
    }
    return out.length > 0 ? out : undefined;
  };
  return (doc) => {
    const whole = ownValue(doc, path);
    return whole !== undefined ? unwrap(whole) : walk(doc, 0);
  };
}

function ownValue(o: Record<string, unknown>, key: string): unknown {
  const v = o[key];
  // Inherited members (constructor, toString) are not event fields.
  return typeof v === 'function' ? undefined : v;
}

/** evtx_dump writes elements with attributes as {"#attributes": {…}, "#text": value}. */
function unwrap(v: unknown): unknown {
  if (isPlainObject(v) && '#text' in v) return v['#text'];
  return v;
}
