// The event shape every stage shares: an ECS document in nested form, with path helpers
// that also understand literal dotted keys (`{"source.ip": ...}`) as sent by some shippers.

export type EcsEvent = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `a.b.c` from nested objects, falling back to literal dotted keys at any level. */
export function getPath(doc: Record<string, unknown>, path: string): unknown {
  if (path in doc) return doc[path];
  let cur: unknown = doc;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (!isPlainObject(cur)) return undefined;
    const key = parts[i];
    if (key in cur) {
      cur = cur[key];
      continue;
    }
    // A literal dotted key such as {"process": {"parent.name": ...}} covers several parts at once.
    for (let j = parts.length; j > i + 1; j--) {
      const joined = parts.slice(i, j).join('.');
      if (joined in cur) return getPath({ [joined]: cur[joined] }, [joined, ...parts.slice(j)].join('.'));
    }
    return undefined;
  }
  return cur;
}

/** Writes `a.b.c` into nested objects, creating them as needed. */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (isPlainObject(next)) {
      cur = next;
    } else {
      const created: Record<string, unknown> = {};
      cur[parts[i]] = created;
      cur = created;
    }
  }
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
