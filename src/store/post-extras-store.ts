import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import type { Page, PostSource } from '../core/model.ts';
import type { NewNotification } from '../core/ports.ts';
import type {
  NewPoll,
  Poll,
  PollState,
  PostEdit,
  PostExtrasStore,
  PostVersion,
  ScheduledParams,
  ScheduledPost,
} from '../core/post-extras.ts';
import { timeOfId } from '../shared/ids.ts';
import type { Engine } from './database.ts';
import { applyPage, chunks, newestFirst } from './paging.ts';
import type { Database, PollsTable, PostEditsTable, ScheduledPostsTable } from './schema.ts';
import type { EntityCache } from './entity-cache.ts';

type Db = Kysely<Database> | Transaction<Database>;

const iso = (d: Date) => d.toISOString();

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

function toPoll(row: Selectable<PollsTable>): Poll {
  return {
    id: row.id,
    postId: row.post_id,
    accountId: row.account_id,
    options: JSON.parse(row.options) as string[],
    multiple: row.multiple === 1,
    hideTotals: row.hide_totals === 1,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
}

function toVersion(row: Selectable<PostEditsTable>): PostVersion {
  return {
    id: row.id,
    postId: row.post_id,
    text: row.text,
    spoilerText: row.spoiler_text,
    sensitive: row.sensitive === 1,
    language: row.language,
    pollOptions: row.poll_options === null ? null : (JSON.parse(row.poll_options) as string[]),
    createdAt: new Date(row.created_at),
  };
}

function toScheduled(row: Selectable<ScheduledPostsTable>): ScheduledPost {
  return {
    id: row.id,
    accountId: row.account_id,
    scheduledAt: new Date(row.scheduled_at),
    params: JSON.parse(row.params) as ScheduledParams,
    source: row.source as PostSource,
    createdAt: new Date(row.created_at),
  };
}

/** Writes a new post's poll; called by `publish` inside the post's own transaction. */
export async function insertPoll(tx: Db, poll: NewPoll): Promise<void> {
  await tx
    .insertInto('polls')
    .values({
      id: poll.id,
      post_id: poll.postId,
      account_id: poll.accountId,
      options: JSON.stringify(poll.options),
      multiple: poll.multiple ? 1 : 0,
      hide_totals: poll.hideTotals ? 1 : 0,
      expires_at: iso(poll.expiresAt),
      expiry_notified_at: null,
      created_at: iso(poll.createdAt),
    })
    .execute();
}

async function insertNotifications(tx: Db, notifications: readonly NewNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  await tx
    .insertInto('notifications')
    .values(
      notifications.map((n) => ({
        id: n.id,
        account_id: n.accountId,
        type: n.type,
        from_account_id: n.fromAccountId,
        post_id: n.postId,
        created_at: iso(timeOfId(n.id)),
      })),
    )
    .execute();
}

/** Edits, polls and scheduled posts over Kysely, on SQLite and PostgreSQL. */
export class KyselyPostExtrasStore implements PostExtrasStore {
  private readonly db: Kysely<Database>;
  private readonly engine: Engine;
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, engine: Engine, cache: EntityCache | null = null) {
    this.db = db;
    this.engine = engine;
    this.cache = cache;
  }

  /** Which posts carry a poll, kept per post (and per reader) until polls change: most posts have none. */
  private async pollsOf(postIds: readonly string[], reader: string | null): Promise<Poll[]> {
    const load = async (ids: readonly string[]) => {
      const found = new Map<string, Poll>();
      for (const chunk of chunks([...new Set(ids)]))
        for (const row of await this.db.selectFrom('polls').selectAll().where('post_id', 'in', chunk).execute()) {
          const poll = toPoll(row);
          found.set(poll.postId, poll);
        }
      return found;
    };
    return [
      ...(this.cache
        ? await this.cache.memoManyFor(reader, 'poll', postIds, ['polls'], load)
        : await load(postIds)
      ).values(),
    ];
  }

  // ── Polls ───────────────────────────────────────────────────────────────────

  async pollStates(postIds: readonly string[], viewerId: string | null): Promise<Map<string, PollState>> {
    const result = new Map<string, PollState>();
    const all = await this.pollsOf(postIds, viewerId);
    for (let at = 0; at < all.length; at += 300) {
      const polls = all.slice(at, at + 300);
      const pollIds = polls.map((p) => p.id);
      const [tallies, voters, own] = await Promise.all([
        this.db
          .selectFrom('poll_votes')
          .select(['poll_id', 'choice', (eb) => eb.fn.countAll<string | number>().as('n')])
          .where('poll_id', 'in', pollIds)
          .groupBy(['poll_id', 'choice'])
          .execute(),
        this.db
          .selectFrom('poll_voters')
          .select(['poll_id', (eb) => eb.fn.countAll<string | number>().as('n')])
          .where('poll_id', 'in', pollIds)
          .groupBy('poll_id')
          .execute(),
        viewerId
          ? this.db
              .selectFrom('poll_votes')
              .select(['poll_id', 'choice'])
              .where('poll_id', 'in', pollIds)
              .where('account_id', '=', viewerId)
              .execute()
          : Promise.resolve([]),
      ]);
      for (const poll of polls) {
        const optionVotes = poll.options.map(() => 0);
        for (const t of tallies)
          if (t.poll_id === poll.id && t.choice < optionVotes.length) optionVotes[t.choice] = Number(t.n);
        result.set(poll.postId, {
          poll,
          optionVotes,
          votersCount: Number(voters.find((v) => v.poll_id === poll.id)?.n ?? 0),
          ownVotes: viewerId
            ? own
                .filter((o) => o.poll_id === poll.id)
                .map((o) => o.choice)
                .sort((a, b) => a - b)
            : null,
        });
      }
    }
    return result;
  }

  async pollById(id: string): Promise<Poll | null> {
    const row = await this.db.selectFrom('polls').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPoll(row) : null;
  }

  async vote(input: {
    pollId: string;
    accountId: string;
    choices: { id: string; choice: number }[];
    at: Date;
  }): Promise<'voted' | 'already'> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        // The voter row's primary key is the one-vote rule: a second try (even a concurrent one) fails here.
        await tx
          .insertInto('poll_voters')
          .values({ poll_id: input.pollId, account_id: input.accountId, created_at: iso(input.at) })
          .execute();
        await tx
          .insertInto('poll_votes')
          .values(
            input.choices.map((c) => ({
              id: c.id,
              poll_id: input.pollId,
              account_id: input.accountId,
              choice: c.choice,
              created_at: iso(input.at),
            })),
          )
          .execute();
        return 'voted' as const;
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'already';
      throw error;
    }
  }

  async claimEndedPoll(
    now: Date,
    plan: (poll: Poll, voterIds: string[]) => NewNotification[],
  ): Promise<{ poll: Poll; notifications: NewNotification[] } | null> {
    return this.db.transaction().execute(async (tx) => {
      const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
      // The claim re-checks `expiry_notified_at` on the row it updates, so two instances that
      // picked the same poll cannot both claim it (PostgreSQL re-evaluates the condition on the
      // row the winner changed; SQLite has one writer at a time).
      const claimed = await sql<{ id: string }>`
        update polls set expiry_notified_at = ${iso(now)}
         where expiry_notified_at is null and id = (
           select id from polls
            where expiry_notified_at is null and expires_at <= ${iso(now)}
            order by expires_at limit 1 ${lock})
        returning id`.execute(tx);
      const id = claimed.rows[0]?.id;
      if (!id) return null;
      const row = await tx.selectFrom('polls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const poll = toPoll(row);
      const voters = await tx.selectFrom('poll_voters').select('account_id').where('poll_id', '=', id).execute();
      const notifications = plan(
        poll,
        voters.map((v) => v.account_id),
      );
      await insertNotifications(tx, notifications);
      return { poll, notifications };
    });
  }

  // ── Edits ───────────────────────────────────────────────────────────────────

  async postVersions(postId: string): Promise<PostVersion[]> {
    const rows = await this.db
      .selectFrom('post_edits')
      .selectAll()
      .where('post_id', '=', postId)
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toVersion);
  }

  async boostersOf(postId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('posts').select('account_id').where('reblog_of_id', '=', postId).execute();
    return rows.map((r) => r.account_id);
  }

  async applyEdit(edit: PostEdit): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('posts')
        .set({
          text: edit.text,
          spoiler_text: edit.spoilerText,
          sensitive: edit.sensitive ? 1 : 0,
          language: edit.language,
          edited_at: iso(edit.editedAt),
          ...(edit.remoteHtml !== undefined ? { remote_html: edit.remoteHtml } : {}),
        })
        .where('id', '=', edit.postId)
        .execute();
      await tx.deleteFrom('mentions').where('post_id', '=', edit.postId).execute();
      if (edit.mentionIds.length > 0)
        await tx
          .insertInto('mentions')
          .values(edit.mentionIds.map((accountId) => ({ post_id: edit.postId, account_id: accountId })))
          .execute();
      const change = edit.poll;
      if (change.kind === 'remove' || change.kind === 'replace')
        await tx.deleteFrom('polls').where('post_id', '=', edit.postId).execute();
      if (change.kind === 'replace') await insertPoll(tx, change.poll);
      if (change.kind === 'update')
        await tx
          .updateTable('polls')
          .set({
            hide_totals: change.hideTotals ? 1 : 0,
            expires_at: iso(change.expiresAt),
            // A poll reopened by the edit is announced again when it ends.
            ...(change.expiresAt.getTime() > edit.editedAt.getTime() ? { expiry_notified_at: null } : {}),
          })
          .where('id', '=', change.pollId)
          .execute();
      await tx
        .insertInto('post_edits')
        .values(
          edit.versions.map((v) => ({
            id: v.id,
            post_id: v.postId,
            text: v.text,
            spoiler_text: v.spoilerText,
            sensitive: v.sensitive ? 1 : 0,
            language: v.language,
            poll_options: v.pollOptions === null ? null : JSON.stringify(v.pollOptions),
            created_at: iso(v.createdAt),
          })),
        )
        .execute();
      if (edit.deliverTo.length > 0)
        await tx
          .insertInto('home_feed')
          .values(
            edit.deliverTo.map((accountId) => ({
              account_id: accountId,
              post_id: edit.postId,
              author_id: edit.authorId,
            })),
          )
          .onConflict((oc) => oc.columns(['account_id', 'post_id']).doNothing())
          .execute();
      await insertNotifications(tx, edit.notifications);
    });
  }

  // ── Scheduled posts ────────────────────────────────────────────────────────

  async addScheduled(post: ScheduledPost): Promise<void> {
    await this.db
      .insertInto('scheduled_posts')
      .values({
        id: post.id,
        account_id: post.accountId,
        scheduled_at: iso(post.scheduledAt),
        params: JSON.stringify(post.params),
        source: post.source,
        lease_until: null,
        created_at: iso(post.createdAt),
      })
      .execute();
  }

  async scheduledById(accountId: string, id: string): Promise<ScheduledPost | null> {
    const row = await this.db
      .selectFrom('scheduled_posts')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? toScheduled(row) : null;
  }

  async scheduledList(accountId: string, page: Page): Promise<ScheduledPost[]> {
    const rows = await applyPage(
      this.db.selectFrom('scheduled_posts').selectAll().where('account_id', '=', accountId),
      'id',
      page,
    ).execute();
    return newestFirst(rows, page).map(toScheduled);
  }

  async scheduledCounts(accountId: string, day: Date): Promise<{ total: number; sameDay: number }> {
    const start = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
    const end = new Date(start.getTime() + 24 * 3600_000);
    const [total, sameDay] = await Promise.all([
      this.db
        .selectFrom('scheduled_posts')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('scheduled_posts')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('account_id', '=', accountId)
        .where('scheduled_at', '>=', iso(start))
        .where('scheduled_at', '<', iso(end))
        .executeTakeFirstOrThrow(),
    ]);
    return { total: Number(total.n), sameDay: Number(sameDay.n) };
  }

  async reschedule(accountId: string, id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('scheduled_posts')
      .set({ scheduled_at: iso(at) })
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async removeScheduled(accountId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('scheduled_posts')
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async claimDueScheduled(now: Date, leaseUntil: Date): Promise<ScheduledPost | null> {
    const lock = this.engine === 'postgres' ? sql`for update skip locked` : sql``;
    const free = sql`(lease_until is null or lease_until < ${iso(now)})`;
    const result = await sql<{ id: string }>`
      update scheduled_posts set lease_until = ${iso(leaseUntil)}
       where ${free} and id = (
         select id from scheduled_posts
          where scheduled_at <= ${iso(now)} and ${free}
          order by scheduled_at limit 1 ${lock})
      returning id`.execute(this.db);
    const id = result.rows[0]?.id;
    if (!id) return null;
    const row = await this.db.selectFrom('scheduled_posts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toScheduled(row) : null;
  }
}
