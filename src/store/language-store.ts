import { sql, type Kysely } from 'kysely';
import type { LanguageStore } from '../i18n/index.ts';
import { type EntityCache, keyedDependency, memoized } from './entity-cache.ts';
import { precompiled } from './precompiled.ts';
import type { Database } from './schema.ts';

/** Languages chosen per account and learnt per phone number (0019). */
export class KyselyLanguageStore implements LanguageStore {
  private readonly db: Kysely<Database>;
  /** Every inbound text asks for its sender's languages (and may learn one): kept per number and account. */
  private readonly cache: EntityCache | null;
  constructor(db: Kysely<Database>, cache: EntityCache | null = null) {
    this.db = db;
    this.cache = cache;
  }

  // Read for every inbound text (the language of its answer), built and compiled once.
  private readonly accountLanguageQuery = precompiled(
    () => this.db,
    (accountId: string) =>
      this.db.selectFrom('account_languages').select('language').where('account_id', '=', accountId),
  );
  private readonly numberLanguageQuery = precompiled(
    () => this.db,
    (e164: string) => this.db.selectFrom('number_languages').select('language').where('e164', '=', e164),
  );

  async accountLanguage(accountId: string): Promise<string | null> {
    const [row] = await this.accountLanguageQuery(accountId);
    return row?.language ?? null;
  }

  async setAccountLanguage(accountId: string, language: string | null, now: Date): Promise<void> {
    if (language === null) {
      await this.db.deleteFrom('account_languages').where('account_id', '=', accountId).execute();
      return;
    }
    await this.db
      .insertInto('account_languages')
      .values({ account_id: accountId, language, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ language, updated_at: now.toISOString() }))
      .execute();
  }

  numberLanguage(e164: string): Promise<string | null> {
    return memoized(this.cache, 'number-language', e164, [keyedDependency('number_language', e164)], async () => {
      const [row] = await this.numberLanguageQuery(e164);
      return row?.language ?? null;
    });
  }

  private numberLanguageRow(e164: string) {
    return this.db
      .selectFrom('number_languages')
      .select([sql<string>`'number'`.as('kind'), 'language'])
      .where('e164', '=', e164);
  }
  // Both languages of an inbound text's sender in one statement, built and compiled once.
  private readonly numberLanguagesQuery = precompiled(
    () => this.db,
    (e164: string) => this.numberLanguageRow(e164),
  );
  private readonly languagesQuery = precompiled(
    () => this.db,
    (e164: string, accountId: string) =>
      this.db
        .selectFrom('account_languages')
        .select([sql<string>`'account'`.as('kind'), 'language'])
        .where('account_id', '=', accountId)
        .unionAll(this.numberLanguageRow(e164)),
  );

  languagesOf(e164: string, accountId: string | null): Promise<{ account: string | null; number: string | null }> {
    const dependencies = [keyedDependency('number_language', e164)];
    if (accountId !== null) dependencies.push(keyedDependency('account_language', accountId));
    return memoized(this.cache, 'languages', `${e164} ${accountId ?? ''}`, dependencies, () =>
      this.readLanguagesOf(e164, accountId),
    );
  }

  private async readLanguagesOf(
    e164: string,
    accountId: string | null,
  ): Promise<{ account: string | null; number: string | null }> {
    const rows = await (accountId === null ? this.numberLanguagesQuery(e164) : this.languagesQuery(e164, accountId));
    const of = (kind: string) => rows.find((row) => row.kind === kind)?.language ?? null;
    return Object.freeze({ account: of('account'), number: of('number') });
  }

  async learnNumberLanguage(e164: string, language: string, now: Date): Promise<boolean> {
    // Most texts come from numbers that have one already: no write (which would drop what is kept) then.
    if ((await this.numberLanguage(e164)) !== null) return false;
    const result = await this.db
      .insertInto('number_languages')
      .values({ e164, language, updated_at: now.toISOString() })
      .onConflict((oc) => oc.column('e164').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
