import type { Account, Page, Post, PostView } from '../../src/core/index.ts';
import type { PostInput } from '../../src/core/microblog.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { DomainError, type DomainErrorKind } from '../../src/shared/errors.ts';
import { testContext, type EngineName, type TestContext } from '../helpers/context.ts';

/**
 * A fresh store on one engine with a manual clock, plus the few shortcuts the core suites
 * share. Usernames are unique per context, so tests in one suite never see each other's
 * accounts in their own timelines.
 */
export interface CoreHarness {
  ctx: TestContext;
  clock: ManualClock;
  account(prefix?: string): Promise<Account>;
  post(author: Account | string, text: string, extra?: Partial<PostInput>): Promise<Post>;
  page(extra?: Partial<Page>): Page;
  /** Moves the clock past the 30 s cache of accounts merged into home timelines at read time. */
  refreshCelebrities(): void;
}

export async function coreHarness(engine: EngineName, env: Record<string, string> = {}): Promise<CoreHarness> {
  const clock = new ManualClock(new Date('2026-11-25T08:00:00Z'));
  const ctx = await testContext(engine, env, { clock });
  let n = 0;
  return {
    ctx,
    clock,
    account: (prefix = 'user') => ctx.microblog.createAccount({ username: `${prefix}${(n += 1)}` }),
    post: (author, text, extra = {}) => {
      clock.advance(1);
      return ctx.microblog.post(typeof author === 'string' ? author : author.id, { text, source: 'web', ...extra });
    },
    page: (extra = {}) => ({ limit: 20, ...extra }),
    refreshCelebrities: () => clock.advance(31_000),
  };
}

export const ids = (views: readonly { post: { id: string } }[]) => views.map((v) => v.post.id);
export const texts = (views: readonly PostView[]) => views.map((v) => v.post.text);

/** Resolves to the DomainError a promise rejected with, failing if it did not reject with one. */
export async function domainError(promise: Promise<unknown>, kind: DomainErrorKind): Promise<DomainError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof DomainError))
    throw new Error(`expected a DomainError (${kind}), got ${caught === undefined ? 'success' : String(caught)}`);
  if (caught.kind !== kind)
    throw new Error(`expected a DomainError of kind ${kind}, got ${caught.kind}: ${caught.message}`);
  return caught;
}

/**
 * Walks a timeline backwards with max_id until an empty page, as a client following
 * `Link: rel="next"` does, failing if it loops.
 */
export async function pageBackwards(
  fetch: (page: Page) => Promise<readonly { post: { id: string } }[]>,
  limit: number,
): Promise<string[]> {
  const seen: string[] = [];
  let maxId: string | undefined;
  for (let guard = 0; guard < 1000; guard += 1) {
    const batch = await fetch({ limit, maxId });
    if (batch.length === 0) return seen;
    seen.push(...ids(batch));
    maxId = batch.at(-1)!.post.id;
  }
  throw new Error('paging did not end');
}

/** Walks a timeline forwards with min_id from a starting cursor, as a client catching up does. */
export async function pageForwards(
  fetch: (page: Page) => Promise<readonly { post: { id: string } }[]>,
  limit: number,
  from: string,
): Promise<string[]> {
  const seen: string[] = [];
  let minId = from;
  for (let guard = 0; guard < 1000; guard += 1) {
    const batch = await fetch({ limit, minId });
    if (batch.length === 0) return seen;
    // Each page is newest first; the next cursor is its newest item.
    seen.unshift(...ids(batch));
    minId = batch[0]!.post.id;
  }
  throw new Error('paging did not end');
}
