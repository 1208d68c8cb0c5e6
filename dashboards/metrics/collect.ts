// Walking every page of a store listing: dashboards aggregate what the store interfaces give
// (they have no group-by on entities or timeline fields), so they read whole periods page by page.
import type { Page, PageRequest } from '../../core/storage/types.ts';

const PAGE = 500;

export async function collectAll<T>(list: (page: PageRequest) => Promise<Page<T>>, max = 1_000_000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: PAGE, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}
