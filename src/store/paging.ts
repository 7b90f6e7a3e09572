import type { SelectQueryBuilder } from 'kysely';
import type { Page } from '../core/model.ts';

/**
 * Applies Mastodon cursor semantics to a query ordered by a time-ordered id column.
 * With `minId` the query runs oldest-first (the page just above the cursor) and the
 * caller reverses the rows with `newestFirst`.
 */
export function applyPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  column: string,
  page: Page,
): SelectQueryBuilder<DB, TB, O> {
  // Column names here are constants from this codebase, never user input.
  const ref = column as never;
  let q = query;
  if (page.maxId) q = q.where(ref, '<', page.maxId as never);
  if (page.minId) {
    q = q.where(ref, '>', page.minId as never).orderBy(ref, 'asc');
  } else {
    if (page.sinceId) q = q.where(ref, '>', page.sinceId as never);
    q = q.orderBy(ref, 'desc');
  }
  return q.limit(page.limit);
}

export function newestFirst<T>(rows: T[], page: Page): T[] {
  return page.minId ? rows.reverse() : rows;
}

/** Splits long IN lists so no engine hits its bound-parameter limit. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
