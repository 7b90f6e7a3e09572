import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/sms/providers/twilio.ts';
import { operatorActor } from '../../src/security/index.ts';
import { precompiledQuery } from '../../src/store/precompiled.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from '../api/helpers.ts';

/**
 * The statements of an inbound text are compiled once and run with fresh values
 * (src/store/precompiled.ts). A text sent through the signed webhook must leave exactly the rows
 * the Kysely-built statements left (read back here with Kysely), and the precompiled reads must
 * answer what Kysely reads answer, on both engines.
 */
const TOKEN = 'inbound-statements-auth-token';
const PUBLIC_URL = 'https://sparrow.example';
const SID = `AC${'0'.repeat(32)}`;

function signedWebhook(sid: string, from: string, body: string) {
  const params = { MessageSid: sid, AccountSid: SID, From: from, To: '+15005550006', Body: body };
  const map = new Map(Object.entries(params).map(([k, v]) => [k, [v]]));
  return {
    method: 'POST' as const,
    url: '/webhooks/sms/twilio',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(TOKEN, `${PUBLIC_URL}/webhooks/sms/twilio`, map),
    },
    payload: new URLSearchParams(params).toString(),
  };
}

describe.each(ENGINES)('precompiled statements of an inbound text on $label', ({ name, skip }) => {
  let h: ApiHarness;
  let texter: { id: string; e164: string };
  const followers: string[] = [];

  beforeAll(async () => {
    if (skip) return;
    h = await apiHarness(name, {
      SPARROW_PUBLIC_URL: PUBLIC_URL,
      SPARROW_SMS_PROVIDER: 'twilio',
      SPARROW_TWILIO_ACCOUNT_SID: SID,
      SPARROW_TWILIO_AUTH_TOKEN: TOKEN,
      SPARROW_TWILIO_FROM: '+15005550006',
      SPARROW_TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
      SPARROW_SMS_DISPATCH_IN_SERVE: 'false',
    });
    await h.ctx.sms.policy.setCountry(
      'KE',
      { posting: true, notifications: true },
      { actor: operatorActor('test'), reason: 'precompiled statements test' },
    );
    const account = await h.ctx.microblog.createAccount({ username: 'texter' });
    texter = { id: account.id, e164: '+254712300001' };
    await h.ctx.sms.store.bindPhone({
      accountId: account.id,
      e164: texter.e164,
      country: 'KE',
      verifiedAt: new Date(),
    });
    await h.ctx.sms.settings.update(account.id, { posting: true });
    for (let i = 0; i < 3; i += 1) {
      const follower = (await h.ctx.microblog.createAccount({ username: `reader${i}` })).id;
      followers.push(follower);
      await h.ctx.microblog.follow(follower, account.id);
      // Two of the three also asked for the texter's posts by SMS.
      if (i < 2) await h.ctx.sms.store.subscribe(follower, account.id, new Date());
    }
  }, 60_000);
  afterAll(async () => h?.close());

  it.skipIf(skip)('a posted text leaves the rows the Kysely statements left', async () => {
    const db = h.ctx.store.db;
    const response = await h.app.inject(signedWebhook('SM-precompiled-1', texter.e164, 'Rain came early today'));
    expect(response.statusCode).toBeLessThan(300);

    const inbound = await db
      .selectFrom('sms_inbound')
      .selectAll()
      .where('provider_message_id', '=', 'SM-precompiled-1')
      .execute();
    expect(inbound).toHaveLength(1);
    expect(inbound[0]).toMatchObject({
      provider: 'twilio',
      from_number: texter.e164,
      to_number: '+15005550006',
      text: 'Rain came early today',
      outcome: 'posted',
      account_id: texter.id,
    });
    const postId = inbound[0]!.post_id!;
    expect(postId).toBeTruthy();

    const post = await db.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirstOrThrow();
    expect(post).toMatchObject({
      account_id: texter.id,
      text: 'Rain came early today',
      spoiler_text: '',
      sensitive: 0,
      visibility: 'public',
      source: 'sms',
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      reblog_of_id: null,
      edited_at: null,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      uri: null,
    });
    // The post as the domain reads it (precompiled loads) is the row above.
    const read = await h.ctx.microblog.visiblePost(texter.id, postId);
    expect(read).toMatchObject({ id: postId, accountId: texter.id, text: post.text, source: 'sms', mentionIds: [] });

    // Fan-out: every follower's feed and the author's own, once each.
    const feeds = await db
      .selectFrom('home_feed')
      .select(['account_id', 'author_id'])
      .where('post_id', '=', postId)
      .execute();
    expect(feeds.map((f) => f.account_id).sort()).toEqual([...followers, texter.id].sort());
    expect(new Set(feeds.map((f) => f.author_id))).toEqual(new Set([texter.id]));

    const jobs = await db.selectFrom('sms_fanout_jobs').selectAll().where('post_id', '=', postId).execute();
    expect(jobs).toEqual([
      expect.objectContaining({ author_id: texter.id, after_account_id: null, status: 'pending', lease_until: null }),
    ]);
    const notices = await db
      .selectFrom('account_security_events')
      .selectAll()
      .where('account_id', '=', texter.id)
      .where('kind', '=', 'sms_post')
      .execute();
    expect(notices).toHaveLength(1);
    expect(JSON.parse(notices[0]!.details)).toMatchObject({ postId });
    expect(notices[0]!.read_at).toBeNull();

    // The counters the post moved (an UPDATE still built by Kysely: the entity cache reads its ids).
    const author = await db.selectFrom('accounts').selectAll().where('id', '=', texter.id).executeTakeFirstOrThrow();
    expect(author.statuses_count).toBe(1);
    expect((await h.ctx.microblog.account(texter.id)).statusesCount).toBe(1);
  });

  it.skipIf(skip)('a retried webhook is a duplicate: no second post', async () => {
    const db = h.ctx.store.db;
    await h.app.inject(signedWebhook('SM-precompiled-2', texter.e164, 'Only once, please'));
    await h.app.inject(signedWebhook('SM-precompiled-2', texter.e164, 'Only once, please'));
    const posts = await db.selectFrom('posts').select('id').where('text', '=', 'Only once, please').execute();
    expect(posts).toHaveLength(1);
    expect(
      await db.selectFrom('sms_inbound').select('id').where('provider_message_id', '=', 'SM-precompiled-2').execute(),
    ).toHaveLength(1);
  });

  it.skipIf(skip)('the precompiled reads answer what Kysely reads answer', async () => {
    const db = h.ctx.store.db;
    const store = h.ctx.sms.store;
    const phone = await store.phoneByNumber(texter.e164);
    const row = await db.selectFrom('sms_phones').selectAll().where('e164', '=', texter.e164).executeTakeFirstOrThrow();
    expect(phone).toEqual({
      accountId: row.account_id,
      e164: row.e164,
      country: row.country,
      verifiedAt: new Date(row.verified_at),
    });
    expect(await store.phoneByNumber('+254712399999')).toBeNull();

    const { settings, security } = await store.gateState(texter.id);
    const settingsRow = await db
      .selectFrom('sms_settings')
      .selectAll()
      .where('account_id', '=', texter.id)
      .executeTakeFirstOrThrow();
    expect(settings).toEqual({ posting: settingsRow.posting === 1, notifications: settingsRow.notifications === 1 });
    expect(security.pinFailures).toBe(settingsRow.pin_failures);

    const now = Date.now();
    const since = [new Date(now - 60_000), new Date(now - 24 * 3600_000), new Date(now + 60_000)];
    const counted = await store.inboundCountsSince(texter.e164, since);
    const rows = await db
      .selectFrom('sms_inbound')
      .select('received_at')
      .where('from_number', '=', texter.e164)
      .where('outcome', 'in', ['posted', 'command', 'held', 'received'])
      .execute();
    expect(counted).toEqual(since.map((at) => rows.filter((r) => r.received_at >= at.toISOString()).length));
    expect(counted[0]).toBeGreaterThanOrEqual(2);
    expect(await store.inboundCountsSince('+254712399999', since.slice(0, 1))).toEqual([0]);

    expect(await store.hasSubscribers(texter.id)).toBe(true);
    expect(await store.hasSubscribers(followers[0]!)).toBe(false);

    const accounts = await h.ctx.microblog.accounts([texter.id, ...followers, 'no-such-account']);
    const accountRows = await db
      .selectFrom('accounts')
      .select(['id', 'username'])
      .where('id', 'in', [texter.id, ...followers])
      .execute();
    expect([...accounts.keys()].sort()).toEqual(accountRows.map((a) => a.id).sort());
    for (const a of accountRows) expect(accounts.get(a.id)?.username).toBe(a.username);
  });

  it.skipIf(skip)('a new post as the store tells it after writing is the post read back', async () => {
    const plain = await h.ctx.microblog.post(texter.id, { text: 'No mention here', source: 'sms' });
    const mention = await h.ctx.microblog.post(texter.id, { text: 'Hello @reader0', source: 'web' });
    // Replied to, so its counts move after: not compared.
    const target = await h.ctx.microblog.post(texter.id, { text: 'Ask me anything', source: 'sms' });
    const reply = await h.ctx.microblog.post(followers[1]!, {
      text: 'Replying',
      source: 'web',
      inReplyToId: target.id,
      visibility: 'unlisted',
      sensitive: true,
      spoilerText: 'cw',
      language: 'sw',
    });
    expect(mention.mentionIds).toEqual([followers[0]]);
    for (const written of [plain, mention, reply]) {
      expect(await h.ctx.microblog.visiblePost(texter.id, written.id)).toEqual(written);
    }
  });

  it.skipIf(skip)('a precompiled write of accounts or posts by id is never served stale from the cache', async () => {
    const db = h.ctx.store.db;
    // The tree holds placeholders: the entity cache reads which records it drops from the parameters.
    const rename = precompiledQuery((name: string, id: string) =>
      db.updateTable('accounts').set({ display_name: name }).where('id', '=', id),
    );
    const renameMany = precompiledQuery((name: string, ids: readonly string[]) =>
      db.updateTable('accounts').set({ display_name: name }).where('id', 'in', ids),
    );
    const retext = precompiledQuery((text: string, id: string) =>
      db.updateTable('posts').set({ text }).where('id', '=', id),
    );
    const [one, two, three] = [followers[0]!, followers[1]!, followers[2]!];
    const post = await h.ctx.microblog.post(texter.id, { text: 'Before the precompiled edit', source: 'sms' });
    for (let round = 0; round < 2; round += 1) {
      // Kept in the cache first, then written by id with fresh values each round.
      await h.ctx.microblog.accounts([one, two, three]);
      await h.ctx.microblog.visiblePost(texter.id, post.id);
      await db.executeQuery(rename(`Renamed ${round}`, one));
      await db.executeQuery(renameMany(`Both ${round}`, [two, three]));
      await db.executeQuery(retext(`Edited ${round}`, post.id));
      const accounts = await h.ctx.microblog.accounts([one, two, three]);
      expect(accounts.get(one)?.displayName).toBe(`Renamed ${round}`);
      expect(accounts.get(two)?.displayName).toBe(`Both ${round}`);
      expect(accounts.get(three)?.displayName).toBe(`Both ${round}`);
      expect((await h.ctx.microblog.visiblePost(texter.id, post.id)).text).toBe(`Edited ${round}`);
    }
  });
});
