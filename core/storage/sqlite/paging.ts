// Keyset (cursor) paging shared by the SQLite stores: a cursor is base64url JSON of the last row's
// sort key, so a page continues exactly after it however many rows arrive meanwhile.
import { ErrorCode, VigilError } from '../../errors.ts';
import type { Page, PageRequest, SortOrder } from '../types.ts';

/** Largest page any list returns; bigger requests are clamped so one call cannot load a whole table. */
export const maxPageSize = 10_000;

export type SortValue = string | number;

export function encodeCursor(key: readonly SortValue[], tag: string): string {
  return Buffer.from(JSON.stringify([tag, ...key])).toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor with the same `tag` (the sort it was made for) and key
 * arity; anything else is the caller's mistake, reported as REQUEST_INVALID on `cursor`.
 */
export function decodeCursor(cursor: string, tag: string, arity: number): SortValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity + 1 ||
    !parsed.slice(1).every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `cursor: '${cursor.slice(0, 40)}' is not a cursor from this list`, {
      source: 'query',
      path: 'cursor',
    });
  }
  if (parsed[0] !== tag) {
    throw new VigilError(
      ErrorCode.REQUEST_INVALID,
      `cursor: made for sort '${String(parsed[0])}', but this request sorts by '${tag}'; start again without a cursor`,
      { source: 'query', path: 'cursor' },
    );
  }
  return parsed.slice(1) as SortValue[];
}

export function pageLimit(page: PageRequest): number {
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new VigilError(ErrorCode.REQUEST_INVALID, `limit: ${String(limit)} is not a positive integer`, {
      source: 'query',
      path: 'limit',
    });
  }
  return Math.min(limit, maxPageSize);
}

/**
 * The ORDER BY and the "after the cursor" condition for sort columns (all in one direction; the
 * last column must be unique so the order is total). Row-value comparison keeps it one predicate.
 */
export function keyset(
  columns: readonly string[],
  order: SortOrder,
  page: PageRequest,
  tag: string,
): { where?: string; params: SortValue[]; orderBy: string } {
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const orderBy = columns.map((c) => `${c} ${dir}`).join(', ');
  if (!page.cursor) return { params: [], orderBy };
  const key = decodeCursor(page.cursor, tag, columns.length);
  const op = order === 'asc' ? '>' : '<';
  return {
    where: `(${columns.join(', ')}) ${op} (${columns.map(() => '?').join(', ')})`,
    params: key,
    orderBy,
  };
}

/** Cuts the limit+1 rows fetched into a page, with a cursor when the extra row proved there is more. */
export function toPage<R, T>(rows: R[], limit: number, tag: string, keyOf: (r: R) => SortValue[], map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const page: Page<T> = { items: kept.map(map) };
  if (more) page.nextCursor = encodeCursor(keyOf(kept[kept.length - 1]), tag);
  return page;
}

export function whereSql(where: readonly string[]): string {
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** `column IN (…)` for a list bound as one JSON parameter, so list length never hits SQLite's variable limit. */
export function inList(column: string, values: readonly string[], where: string[], params: unknown[]): void {
  where.push(`${column} IN (SELECT value FROM json_each(?))`);
  params.push(JSON.stringify(values));
}
