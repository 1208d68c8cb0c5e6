// Routing from raw JSON text without parsing it, for flat events (NXLog-style Windows events): when
// the text holds exactly one object and its routing facts are plain top-level keys, the route is
// the one the parsed event would get. Anything else returns undefined and the caller parses.
import { FACT_PATHS, type EventRoute, type Router } from './router.ts';

/** Flat-event keys the raw path reads, per fact. */
const RAW_KEYS: Readonly<Record<string, readonly string[]>> = {
  channel: ['Channel'],
  provider: ['SourceName'],
  event_id: ['EventID'],
};

export type RawRouter = (text: string) => EventRoute | undefined;

export function createRawRouter(router: Router): RawRouter {
  // In a single flat object a dotted fact path can only be a literal dotted key ("event.code"), so
  // any other key a fact could be read from, written out whole, disqualifies the fast path.
  const blockers = new Set<string>();
  for (const [fact, paths] of Object.entries(FACT_PATHS)) {
    for (const p of paths) if (!RAW_KEYS[fact]?.includes(p)) blockers.add(p);
  }
  for (const name of router.factNames) blockers.add(name);
  const blockerRe = new RegExp(`"(?:${[...blockers].map(escapeRe).join('|')})"`);
  const keyRes = Object.entries(RAW_KEYS).map(([fact, keys]) => [fact, keys.map((k) => new RegExp(`"${escapeRe(k)}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|-?\\d+(?:\\.\\d+)?|true|false|null)`, 'g'))] as const);
  // An unescaped `{` followed by `"` or `}` starts an object; inside strings quotes are escaped.
  const objectStart = /\{\s*["}]/g;

  return (text) => {
    objectStart.lastIndex = 0;
    let objects = 0;
    while (objectStart.exec(text) !== null) if (++objects > 1) return undefined;
    if (objects !== 1 || blockerRe.test(text)) return undefined;
    const facts: Record<string, string | undefined> = {};
    for (const [fact, res] of keyRes) {
      for (const re of res) {
        re.lastIndex = 0;
        const m = re.exec(text);
        if (!m) continue;
        // A key given twice: JSON.parse keeps the last one; leave such events to it.
        if (re.exec(text) !== null) return undefined;
        const v: unknown = JSON.parse(m[1]);
        const t = typeof v === 'string' ? (v.length > 0 ? v.toLowerCase() : undefined) : v === null ? undefined : String(v);
        if (t !== undefined) {
          facts[fact] = t;
          break;
        }
      }
    }
    return router.routeFacts(facts);
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
