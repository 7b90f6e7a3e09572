import type { Kysely } from 'kysely';
import { isNoticeKind, type AccountNotice, type NoticeStore } from '../notices/index.ts';
import { untilUnitEnds } from './group-commit.ts';
import { precompiledQuery } from './precompiled.ts';
import type { Database } from './schema.ts';

/** Account notices live in `account_security_events` (table name kept from migration 0003). */
export class KyselyNoticeStore implements NoticeStore {
  private readonly db: Kysely<Database>;
  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  // Every text posted by SMS adds a notice: built and compiled once.
  private readonly addNoticeQuery = precompiledQuery(
    (id: string, accountId: string, kind: string, details: string, createdAt: string) =>
      this.db
        .insertInto('account_security_events')
        .values({ id, account_id: accountId, kind, details, created_at: createdAt, read_at: null }),
  );

  async addNotice(notice: AccountNotice): Promise<void> {
    // Nothing reads a notice back in the unit that adds it (a text): it may wait for the unit's end.
    await this.db.executeQuery(
      untilUnitEnds(
        this.addNoticeQuery(
          notice.id,
          notice.accountId,
          notice.kind,
          JSON.stringify(notice.details),
          notice.createdAt.toISOString(),
        ),
      ),
    );
  }

  async notices(accountId: string, limit: number): Promise<AccountNotice[]> {
    const rows = await this.db
      .selectFrom('account_security_events')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.flatMap((r) =>
      // A kind this version no longer knows is not shown rather than mis-described.
      isNoticeKind(r.kind)
        ? [
            {
              id: r.id,
              accountId: r.account_id,
              kind: r.kind,
              details: JSON.parse(r.details) as Record<string, unknown>,
              createdAt: new Date(r.created_at),
              readAt: r.read_at ? new Date(r.read_at) : null,
            },
          ]
        : [],
    );
  }

  async unreadNotices(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('account_security_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async markNoticesRead(accountId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('account_security_events')
      .set({ read_at: now.toISOString() })
      .where('account_id', '=', accountId)
      .where('read_at', 'is', null)
      .execute();
  }
}
