// Finds the line and column of a YAML path such as `detection.sel.Image|endswith` in the rule
// text, so semantic errors can point at `file:line:column` like syntax errors do. js-yaml keeps
// no node positions, so this follows the keys through the indentation of the source lines.

const KEY_LINE = /^(\s*)(?:-\s+)?(?:'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)"|([^\s#'"][^#]*?))\s*:(?:\s|$)/;

interface KeyLine {
  readonly key: string;
  readonly indent: number;
  readonly column: number;
}

function readKey(line: string): KeyLine | undefined {
  const m = KEY_LINE.exec(line);
  if (!m) return undefined;
  const key = m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3] !== undefined ? m[3] : m[4];
  const column = line.length - line.trimStart().replace(/^-\s+/, '').length;
  return { key, indent: m[1].length, column };
}

/** 0-based first line of each YAML document in `text` (split at `---` lines). */
export function documentStarts(lines: readonly string[]): number[] {
  const starts = [0];
  lines.forEach((line, i) => {
    if (/^---(\s|$)/.test(line)) {
      if (i === 0 || lines.slice(starts[starts.length - 1], i).every((l) => /^\s*(#.*)?$/.test(l))) starts[starts.length - 1] = i + 1;
      else starts.push(i + 1);
    }
  });
  return starts;
}

/** A key line of a document, read once so many paths can be located cheaply. */
export interface IndexedKey extends KeyLine {
  /** 0-based line index. */
  readonly index: number;
}

/** Every `key:` line between `from` and `to` (line indices). */
export function indexKeys(lines: readonly string[], from: number, to: number): IndexedKey[] {
  const out: IndexedKey[] = [];
  for (let i = from; i < to && i < lines.length; i++) {
    const k = readKey(lines[i]);
    if (k) out.push({ ...k, index: i });
  }
  return out;
}

/**
 * 1-based line/column of the deepest key of `path`. Keys may contain dots, so each step takes
 * the longest key that prefixes the rest of the path, searching inside the previous key's block.
 */
export function locatePath(keys: readonly IndexedKey[], path: string): { line: number; column: number } | undefined {
  let rest = path.replace(/\[\d+\]/g, '');
  let start = 0;
  let parentIndent = -1;
  let found: { line: number; column: number } | undefined;
  while (rest !== '') {
    let hit: { at: number; key: IndexedKey } | undefined;
    for (let i = start; i < keys.length; i++) {
      const k = keys[i];
      if (k.indent <= parentIndent && i > start) break;
      if (rest === k.key || rest.startsWith(`${k.key}.`)) {
        if (!hit || k.key.length > hit.key.key.length) hit = { at: i, key: k };
        if (rest === k.key) break;
      }
    }
    if (!hit) break;
    found = { line: hit.key.index + 1, column: hit.key.column + 1 };
    rest = rest.slice(hit.key.key.length + 1);
    start = hit.at + 1;
    parentIndent = hit.key.indent;
  }
  return found;
}
