// The event shape every stage shares: an ECS document in nested form, with path helpers
// that also understand literal dotted keys (`{"source.ip": ...}`) as sent by some shippers.

export type EcsEvent = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const splitCache = new Map<string, readonly string[]>();

/** `a.b.c` → ['a', 'b', 'c'], cached: the same few hundred field paths are read for every event. */
function pathParts(path: string): readonly string[] {
  let parts = splitCache.get(path);
  if (parts === undefined) {
    parts = path.split('.');
    if (splitCache.size < 50_000) splitCache.set(path, parts);
  }
  return parts;
}

/** Reads `a.b.c` from nested objects, falling back to literal dotted keys at any level. */
export function getPath(doc: Record<string, unknown>, path: string): unknown {
  const direct = doc[path];
  if (direct !== undefined) return direct;
  const parts = pathParts(path);
  if (parts.length === 1) return undefined;
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    const obj = cur as Record<string, unknown>;
    const next = obj[parts[i]];
    if (next !== undefined) {
      cur = next;
      continue;
    }
    if (i === parts.length - 1) return undefined;
    return dottedKeyLookup(obj, path, parts, i);
  }
  return cur;
}

/**
 * The rest of `path` (from part `i`) under a literal dotted key of `obj`, such as
 * {"process": {"parent.name": ...}} covering several parts at once. Most objects have no dotted
 * key, so the rest of the path is only cut out once one is seen.
 */
function dottedKeyLookup(obj: Record<string, unknown>, path: string, parts: readonly string[], i: number): unknown {
  let rest: string | undefined;
  for (const key in obj) {
    if (!key.includes('.')) continue;
    if (rest === undefined) {
      let offset = 0;
      for (let j = 0; j < i; j++) offset += parts[j].length + 1;
      rest = path.slice(offset);
    }
    if (rest === key) return obj[key];
    if (rest.startsWith(key) && rest.charCodeAt(key.length) === 46 /* . */) {
      const value = obj[key];
      if (isPlainObject(value)) return getPath(value, rest.slice(key.length + 1));
    }
  }
  return undefined;
}

/**
 * getPath(doc, `${parent}.${child}`) for a two-part path, without getPath's search of every key for
 * literal dotted ones when `doc[parent]` is missing (for two parts the only such key is the whole
 * path, read first). `path` is that joined path, passed in so the hot callers build no string.
 */
export function getPath2(doc: Record<string, unknown>, parent: string, child: string, path: string): unknown {
  const direct = doc[path];
  if (direct !== undefined) return direct;
  const inner = doc[parent];
  return isPlainObject(inner) ? inner[child] : undefined;
}

/**
 * Reads fields of one document with getPath's answers, for code that reads many of them at once
 * (related.*). getPath searches an object's keys for literal dotted ones on every miss; here each
 * object is searched at most once per reader, and an object without dotted keys (the usual case)
 * makes a miss plain `undefined`. Valid while the document changes only through setPath (which
 * never writes dotted keys).
 */
export function pathReader(doc: Record<string, unknown>): (path: string) => unknown {
  const searched = new Map<object, boolean>();
  return (path) => {
    const parts = pathParts(path);
    // A dotted key at the top could hold the whole path: leave such documents to getPath.
    if (parts.length > 1 && hasDottedKey(searched, doc)) return getPath(doc, path);
    let cur: unknown = doc;
    for (let i = 0; i < parts.length; i++) {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
      const obj = cur as Record<string, unknown>;
      const next = obj[parts[i]];
      if (next !== undefined) {
        cur = next;
        continue;
      }
      // getPath would search this object's dotted keys for the rest of the path.
      return i < parts.length - 1 && hasDottedKey(searched, obj) ? getPath(doc, path) : undefined;
    }
    return cur;
  };
}

/** Whether `obj` has a literal dotted key, searched once per reader (`searched` remembers the answers). */
function hasDottedKey(searched: Map<object, boolean>, obj: Record<string, unknown>): boolean {
  let found = searched.get(obj);
  if (found === undefined) {
    found = false;
    for (const key in obj) {
      if (key.includes('.')) {
        found = true;
        break;
      }
    }
    searched.set(obj, found);
  }
  return found;
}

/** The object at `parent[key]`, created (replacing a non-object) when there is none. */
export function objectAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = parent[key];
  if (isPlainObject(v)) return v;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

/** Writes `a.b.c` into nested objects, creating them as needed. */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) cur = objectAt(cur, parts[i]);
  cur[parts[parts.length - 1]] = value;
}

/** Turns literal dotted keys into nested objects (`{"a.b": 1}` → `{a: {b: 1}}`), recursively. */
export function expandDotted(doc: Record<string, unknown>): EcsEvent {
  const out: EcsEvent = {};
  for (const [k, v] of Object.entries(doc)) {
    const value = isPlainObject(v) ? expandDotted(v) : v;
    if (k.includes('.')) {
      const existing = getPath(out, k);
      if (isPlainObject(existing) && isPlainObject(value)) Object.assign(existing, value);
      else setPath(out, k, value);
    } else if (isPlainObject(out[k]) && isPlainObject(value)) {
      Object.assign(out[k] as Record<string, unknown>, value);
    } else {
      out[k] = value;
    }
  }
  return out;
}
