// key=value splitting shared by formats that carry their fields that way (auditd, iptables,
// firewalls, generic kv): quoted values may hold spaces and escaped quotes.

export interface KeyValueOptions {
  /** Character(s) between key and value. @default '=' */
  separator?: string;
  /** Keep the quotes around quoted values (auditd uses them to tell text from hex). @default false */
  keepQuotes?: boolean;
  /** A word without a separator continues the previous unquoted value ('op=adding user id=5'). @default false */
  joinBareWords?: boolean;
}

/**
 * Parses `a=1 b="two words" c='x'` into pairs, in order. Words without a separator are skipped.
 * A repeated key keeps its first value in the record; `pairs` has every occurrence.
 */
export function parseKeyValues(text: string, opts: KeyValueOptions = {}): { record: Record<string, string>; pairs: [string, string][] } {
  const sep = opts.separator ?? '=';
  const pairs: [string, string][] = [];
  const record: Record<string, string> = {};
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    const keyStart = i;
    while (i < n && !/\s/.test(text[i]) && !text.startsWith(sep, i)) i++;
    const key = text.slice(keyStart, i);
    if (!text.startsWith(sep, i)) {
      const last = pairs[pairs.length - 1];
      if (opts.joinBareWords && last && key !== '' && !/^['"]/.test(last[1])) last[1] += ` ${key}`;
      continue;
    }
    i += sep.length;
    let value: string;
    const q = text[i];
    if (q === '"' || q === "'") {
      let j = i + 1;
      let out = '';
      while (j < n && text[j] !== q) {
        if (text[j] === '\\' && j + 1 < n && (text[j + 1] === q || text[j + 1] === '\\')) {
          out += text[j + 1];
          j += 2;
        } else {
          out += text[j++];
        }
      }
      value = opts.keepQuotes ? `${q}${out}${q}` : out;
      i = j + 1;
    } else {
      const start = i;
      while (i < n && !/\s/.test(text[i])) i++;
      value = text.slice(start, i);
    }
    if (key === '') continue;
    pairs.push([key, value]);
  }
  for (const [k, v] of pairs) if (!Object.hasOwn(record, k)) record[k] = v;
  return { record, pairs };
}
