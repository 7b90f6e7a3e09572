import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilUnitEnds } from '../../src/store/group-commit.ts';
import { precompiledQuery } from '../../src/store/precompiled.ts';
import { ENGINES, redisUrl, type TestContext, testContext } from '../helpers/context.ts';

/**
 * Writes whose results nobody reads (a text's fan-out job, its notice, its outcome) may wait, in
 * a unit of a group commit on PostgreSQL, for the unit's next statement or its end, and go as one
 * statement (src/store/group-commit.ts `untilUnitEnds`). Each must still land exactly as if it had
 * been sent at once: seen by what its unit sends next, failing its unit when it fails, and never
 * leaving the entity cache serving what it changed.
 */
describe.each(ENGINES)('writes that wait for the end of their unit on $label', ({ name, skip }) => {
  let ctx: TestContext;
  const accounts: string[] = [];

  beforeAll(async () => {
    if (skip) return;
    // The entity cache runs on PostgreSQL only with a channel to other instances.
    ctx = await testContext(name, redisUrl ? { SPARROW_REDIS_URL: redisUrl } : {});
    for (let i = 0; i < 4; i += 1) accounts.push((await ctx.microblog.createAccount({ username: `deferred${i}` })).id);
  }, 60_000);
  afterAll(async () => ctx?.dispose());

  const optOut = (e164: string) =>
    untilUnitEnds(
      ctx.store.db.insertInto('sms_opt_outs').values({ e164, opted_out_at: new Date().toISOString() }).compile(),
    );
  const optedOut = async (prefix: string) =>
    (
      await ctx.store.db
        .selectFrom('sms_opt_outs')
        .select('e164')
        .where('e164', 'like', `${prefix}%`)
        .orderBy('e164')
        .execute()
    ).map((r) => r.e164);

  /** The statements node-postgres sends while `work` runs (none on SQLite). */
  async function statementsDuring<T>(work: () => Promise<T>): Promise<{ value: T; sent: string[] }> {
    const sent: string[] = [];
    type Submit = (this: pg.Query & { text?: string }, ...args: unknown[]) => unknown;
    const prototype = pg.Query.prototype as unknown as { submit: Submit };
    const original = prototype.submit;
    prototype.submit = function (...args) {
      if (this.text) sent.push(this.text);
      return original.apply(this, args);
    };
    try {
      return { value: await work(), sent };
    } finally {
      prototype.submit = original;
    }
  }

  it.skipIf(skip)(
    'are written with their unit, before its caller hears back, in one statement on PostgreSQL',
    async () => {
      const group = ctx.store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
      const unit = (i: number) => async () => {
        await ctx.store.db.executeQuery(optOut(`+1110000000${i}1`));
        await ctx.store.db.executeQuery(optOut(`+1110000000${i}2`));
        await ctx.store.db.executeQuery(optOut(`+1110000000${i}3`));
        return i;
      };
      const { value, sent } = await statementsDuring(() => Promise.all([group.run(unit(1)), group.run(unit(2))]));
      expect(value).toEqual([1, 2]);
      expect(await optedOut('+111')).toEqual([
        '+11100000001' + '1',
        '+11100000001' + '2',
        '+11100000001' + '3',
        '+11100000002' + '1',
        '+11100000002' + '2',
        '+11100000002' + '3',
      ]);
      if (name === 'postgres') {
        const writes = sent.filter((text) => /sms_opt_outs/.test(text));
        expect(writes).toHaveLength(2);
        for (const text of writes) expect(text).toMatch(/^with "deferred_0" as \(insert into "sms_opt_outs"/);
      }
    },
  );

  it.skipIf(skip)('are sent before anything else their unit sends: a read after one sees it', async () => {
    const group = ctx.store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
    const seen = await group.run(async () => {
      await ctx.store.db.executeQuery(optOut('+11200000001'));
      const before = await optedOut('+112');
      await ctx.store.db.executeQuery(optOut('+11200000002'));
      return before;
    });
    expect(seen).toEqual(['+11200000001']);
    expect(await optedOut('+112')).toEqual(['+11200000001', '+11200000002']);
  });

  it.skipIf(skip)('fail their unit when they fail, at its end: nothing of it is kept, the others commit', async () => {
    const group = ctx.store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
    await ctx.store.db.executeQuery(optOut('+11300000009'));
    const fine = (e164: string) => async () => {
      await ctx.store.db.executeQuery(optOut(e164));
      return e164;
    };
    const duplicate = async () => {
      await ctx.store.db.executeQuery(optOut('+11300000002'));
      // The same number again: a primary key violation, sent only with the unit's end.
      await ctx.store.db.executeQuery(optOut('+11300000009'));
      return 'told success too early';
    };
    const results = await Promise.allSettled([
      group.run(fine('+11300000001')),
      group.run(duplicate),
      group.run(fine('+11300000003')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/unique|UNIQUE|duplicate/);
    expect(await optedOut('+113')).toEqual(['+11300000001', '+11300000003', '+11300000009']);
  });

  it.skipIf(skip)('run at once outside a batch', async () => {
    await ctx.store.db.executeQuery(optOut('+11400000001'));
    expect(await optedOut('+114')).toEqual(['+11400000001']);
  });

  it.skipIf(skip)('never leave the entity cache serving an account one of them changed', async () => {
    const group = ctx.store.groupCommit({ maxBatch: 10, windowMs: 5, unitTimeoutMs: 2_000 });
    // Precompiled: the trees hold placeholders, and two of the same shape in one unit cannot be
    // told apart in one statement, so they are never combined.
    const rename = precompiledQuery((displayName: string, id: string) =>
      ctx.store.db.updateTable('accounts').set({ display_name: displayName }).where('id', '=', id),
    );
    const note = precompiledQuery((bio: string, id: string) =>
      ctx.store.db.updateTable('accounts').set({ note: bio }).where('id', '=', id),
    );
    for (let round = 0; round < 3; round += 1) {
      await ctx.microblog.accounts(accounts);
      await group.run(async () => {
        await ctx.store.db.executeQuery(untilUnitEnds(rename(`first ${round}`, accounts[0]!)));
        await ctx.store.db.executeQuery(untilUnitEnds(note(`bio ${round}`, accounts[1]!)));
        await ctx.store.db.executeQuery(untilUnitEnds(rename(`third ${round}`, accounts[2]!)));
        await ctx.store.db.executeQuery(optOut(`+1150000000${round}`));
      });
      const after = await ctx.microblog.accounts(accounts);
      expect(after.get(accounts[0]!)?.displayName).toBe(`first ${round}`);
      expect(after.get(accounts[1]!)?.note).toContain(`bio ${round}`);
      expect(after.get(accounts[2]!)?.displayName).toBe(`third ${round}`);
      expect(after.get(accounts[3]!)?.displayName).toBe('deferred3');
    }
  });
});
