import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * Lists, filters v2, markers and conversations (issue 12), driven through masto.js and raw
 * HTTP against a real server on both engines, with the attacks that matter: someone else's
 * list, filter or conversation, accounts one does not follow, direct messages to others.
 */

interface Person {
  id: string;
  username: string;
  token: string;
  rest: mastodon.rest.Client;
}

describe.each(ENGINES)('lists, filters, markers and conversations on $label', ({ name, skip }) => {
  let server: RunningServer;
  let counter = 0;

  const person = async (base: string, scopes = ['read', 'write', 'follow']): Promise<Person> => {
    const username = `${base}${++counter}`;
    const account = await server.ctx.microblog.createAccount({ username });
    const issued = await server.ctx.oauth.issueToken({ appId: null, accountId: account.id, scopes });
    return {
      id: account.id,
      username,
      token: issued.accessToken,
      rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }),
    };
  };
  const call = (method: string, path: string, token: string, body?: unknown, form = false) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined
          ? {}
          : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
      },
      body: body === undefined ? undefined : form ? String(body) : JSON.stringify(body),
    });
  const ids = (statuses: readonly { id: string }[]) => statuses.map((s) => s.id);

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)('creates, renames and deletes lists, manages members it follows, pages them with Link', async () => {
    const owner = await person('lowner');
    const members = [await person('lm'), await person('lm'), await person('lm')];
    const stranger = await person('lstranger');
    for (const m of members) await owner.rest.v1.accounts.$select(m.id).follow();

    const list = await owner.rest.v1.lists.create({ title: 'Friends', exclusive: false });
    expect(list).toMatchObject({ title: 'Friends', repliesPolicy: 'list', exclusive: false });
    const renamed = await owner.rest.v1.lists.$select(list.id).update({ title: 'Close friends' });
    expect(renamed.title).toBe('Close friends');
    const policy = await call('PUT', `/api/v1/lists/${list.id}`, owner.token, { replies_policy: 'followed' });
    expect(((await policy.json()) as { replies_policy: string }).replies_policy).toBe('followed');
    expect(ids(await owner.rest.v1.lists.list())).toEqual([list.id]);
    expect((await owner.rest.v1.lists.$select(list.id).fetch()).title).toBe('Close friends');

    await owner.rest.v1.lists.$select(list.id).accounts.create({ accountIds: members.map((m) => m.id) });
    // Adding again changes nothing.
    await owner.rest.v1.lists.$select(list.id).accounts.create({ accountIds: [members[0]!.id] });
    const all = await owner.rest.v1.lists.$select(list.id).accounts.list({ limit: 2 });
    expect(all.length).toBe(2);
    const first = await call('GET', `/api/v1/lists/${list.id}/accounts?limit=2`, owner.token);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeTruthy();
    const rest = (await (await fetch(next!, { headers: { authorization: `Bearer ${owner.token}` } })).json()) as {
      id: string;
    }[];
    expect([...ids((await first.json()) as { id: string }[]), ...ids(rest)].sort()).toEqual(
      members.map((m) => m.id).sort(),
    );
    const everyone = (await (await call('GET', `/api/v1/lists/${list.id}/accounts?limit=0`, owner.token)).json()) as [];
    expect(everyone.length).toBe(3);
    expect(ids(await owner.rest.v1.accounts.$select(members[1]!.id).lists.list())).toEqual([list.id]);

    // Only accounts the owner follows; nothing is added when one of them is not.
    const notFollowed = await call('POST', `/api/v1/lists/${list.id}/accounts`, owner.token, {
      account_ids: [stranger.id],
    });
    expect(notFollowed.status).toBe(422);
    expect(((await notFollowed.json()) as { error: string }).error).toMatch(/follow/);

    await owner.rest.v1.lists.$select(list.id).accounts.remove({ accountIds: [members[2]!.id] });
    expect(ids(await owner.rest.v1.lists.$select(list.id).accounts.list()).sort()).toEqual(
      [members[0]!.id, members[1]!.id].sort(),
    );
    // Form spelling too.
    const form = await call('DELETE', `/api/v1/lists/${list.id}/accounts?account_ids[]=${members[1]!.id}`, owner.token);
    expect(form.status).toBe(200);

    // Unfollowing takes the account out of the owner's lists.
    await owner.rest.v1.accounts.$select(members[0]!.id).unfollow();
    expect(await owner.rest.v1.lists.$select(list.id).accounts.list()).toEqual([]);

    // Bad input is named.
    const empty = await call('POST', '/api/v1/lists', owner.token, { title: '' });
    expect(empty.status).toBe(422);
    const badPolicy = await call('POST', '/api/v1/lists', owner.token, { title: 'x', replies_policy: 'everyone' });
    expect(badPolicy.status).toBe(422);
    expect(((await badPolicy.json()) as { error: string }).error).toMatch(/replies_policy/);

    await owner.rest.v1.lists.$select(list.id).remove();
    expect(await owner.rest.v1.lists.list()).toEqual([]);
  });

  it.skipIf(skip)('someone else’s list does not exist for anyone but its owner', async () => {
    const owner = await person('powner');
    const intruder = await person('pintruder');
    const member = await person('pmember');
    await owner.rest.v1.accounts.$select(member.id).follow();
    await intruder.rest.v1.accounts.$select(member.id).follow();
    const list = await owner.rest.v1.lists.create({ title: 'Private' });
    await owner.rest.v1.lists.$select(list.id).accounts.create({ accountIds: [member.id] });
    await member.rest.v1.statuses.create({ status: 'in the list' });

    for (const [method, path, body] of [
      ['GET', `/api/v1/lists/${list.id}`],
      ['PUT', `/api/v1/lists/${list.id}`, { title: 'mine now' }],
      ['DELETE', `/api/v1/lists/${list.id}`],
      ['GET', `/api/v1/lists/${list.id}/accounts`],
      ['POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [member.id] }],
      ['DELETE', `/api/v1/lists/${list.id}/accounts`, { account_ids: [member.id] }],
      ['GET', `/api/v1/timelines/list/${list.id}`],
      ['GET', '/api/v1/timelines/list/not-an-id'],
    ] as const) {
      const response = await call(method, path, intruder.token, body);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    expect(await intruder.rest.v1.accounts.$select(member.id).lists.list()).toEqual([]);
    const still = await owner.rest.v1.lists.$select(list.id).fetch();
    expect(still.title).toBe('Private');
    expect(ids(await owner.rest.v1.lists.$select(list.id).accounts.list())).toEqual([member.id]);
    // Without the lists scope.
    const narrow = await person('pnarrow', ['read:statuses']);
    expect((await call('GET', '/api/v1/lists', narrow.token)).status).toBe(403);
  });

  it.skipIf(skip)(
    'a list timeline shows its members’ posts by replies policy, audience, blocks and mutes',
    async () => {
      const owner = await person('towner');
      const alice = await person('talice');
      const bob = await person('tbob');
      const carol = await person('tcarol'); // followed, not in the list
      const dave = await person('tdave'); // not followed
      for (const p of [alice, bob, carol]) await owner.rest.v1.accounts.$select(p.id).follow();
      const list = await owner.rest.v1.lists.create({ title: 'Team' });
      await owner.rest.v1.lists.$select(list.id).accounts.create({ accountIds: [alice.id, bob.id] });

      const a1 = await alice.rest.v1.statuses.create({ status: 'alice hello' });
      const c1 = await carol.rest.v1.statuses.create({ status: 'carol hello' });
      const d1 = await dave.rest.v1.statuses.create({ status: 'dave hello' });
      const toBob = await alice.rest.v1.statuses.create({
        status: `@${bob.username} reply`,
        inReplyToId: (await bob.rest.v1.statuses.create({ status: 'bob hello' })).id,
      });
      const toCarol = await alice.rest.v1.statuses.create({ status: 'to carol', inReplyToId: c1.id });
      const toDave = await alice.rest.v1.statuses.create({ status: 'to dave', inReplyToId: d1.id });
      const selfReply = await alice.rest.v1.statuses.create({ status: 'thread', inReplyToId: a1.id });
      const secret = await bob.rest.v1.statuses.create({ status: 'followers only', visibility: 'private' });
      const dm = await bob.rest.v1.statuses.create({ status: `@${carol.username} direct`, visibility: 'direct' });
      const boost = await bob.rest.v1.statuses.$select(c1.id).reblog();

      const timeline = () => owner.rest.v1.timelines.list.$select(list.id).list({ limit: 40 });
      // replies_policy "list": replies to members (and threads) only.
      let seen = ids(await timeline());
      expect(seen).toContain(a1.id);
      expect(seen).toContain(toBob.id);
      expect(seen).toContain(selfReply.id);
      expect(seen).toContain(secret.id);
      expect(seen).toContain(boost.id);
      expect(seen).not.toContain(toCarol.id);
      expect(seen).not.toContain(toDave.id);
      expect(seen).not.toContain(c1.id);
      expect(seen).not.toContain(dm.id);
      // "followed": replies to anyone the owner follows.
      await owner.rest.v1.lists.$select(list.id).update({ title: 'Team', repliesPolicy: 'followed' } as never);
      seen = ids(await timeline());
      expect(seen).toContain(toCarol.id);
      expect(seen).not.toContain(toDave.id);
      // "none": no replies to others, threads still.
      await call('PUT', `/api/v1/lists/${list.id}`, owner.token, { replies_policy: 'none' });
      seen = ids(await timeline());
      expect(seen).not.toContain(toBob.id);
      expect(seen).not.toContain(toCarol.id);
      expect(seen).toContain(selfReply.id);

      // Paging with Link: every post once, newest first.
      const pages: string[][] = [];
      for await (const page of owner.rest.v1.timelines.list.$select(list.id).list({ limit: 2 })) {
        pages.push(ids(page));
        if (pages.length > 10) break;
      }
      expect(pages.flat()).toEqual(seen);
      const since = await owner.rest.v1.timelines.list.$select(list.id).list({ minId: seen[2]! });
      expect(ids(since)).toEqual(seen.slice(0, 2));

      // A mute hides a member's posts; a block too; the audience is decided again at read time.
      await owner.rest.v1.accounts.$select(bob.id).mute();
      seen = ids(await timeline());
      expect(seen).not.toContain(secret.id);
      expect(seen).not.toContain(boost.id);
      await owner.rest.v1.accounts.$select(bob.id).unmute();
      await alice.rest.v1.accounts.$select(owner.id).block();
      seen = ids(await timeline());
      expect(seen.some((id) => [a1.id, selfReply.id].includes(id))).toBe(false);
      expect(seen).toContain(secret.id);
    },
  );

  it.skipIf(skip)('an exclusive list takes its members’ posts out of home; a plain one does not', async () => {
    const owner = await person('xowner');
    const loud = await person('xloud');
    const quiet = await person('xquiet');
    await owner.rest.v1.accounts.$select(loud.id).follow();
    await owner.rest.v1.accounts.$select(quiet.id).follow();
    const exclusive = await owner.rest.v1.lists.create({ title: 'Loud', exclusive: true });
    const plain = await owner.rest.v1.lists.create({ title: 'Quiet' });
    await owner.rest.v1.lists.$select(exclusive.id).accounts.create({ accountIds: [loud.id] });
    await owner.rest.v1.lists.$select(plain.id).accounts.create({ accountIds: [quiet.id] });
    const l = await loud.rest.v1.statuses.create({ status: 'loud post' });
    const q = await quiet.rest.v1.statuses.create({ status: 'quiet post' });
    const home = ids(await owner.rest.v1.timelines.home.list());
    expect(home).toContain(q.id);
    expect(home).not.toContain(l.id);
    expect(ids(await owner.rest.v1.timelines.list.$select(exclusive.id).list())).toEqual([l.id]);
    // No longer exclusive: back in home.
    await call('PUT', `/api/v1/lists/${exclusive.id}`, owner.token, { exclusive: false });
    expect(ids(await owner.rest.v1.timelines.home.list())).toContain(l.id);
  });

  it.skipIf(skip)('filters v2: CRUD through masto.js, keywords and statuses, v1 read view', async () => {
    const me = await person('fme');
    const other = await person('fother');
    const filter = await me.rest.v2.filters.create({
      title: 'Spoilers',
      context: ['home', 'public'],
      filterAction: 'warn',
      keywordsAttributes: [
        { keyword: 'finale', wholeWord: true },
        { keyword: 'plot twist', wholeWord: false },
      ],
    });
    expect(filter).toMatchObject({
      title: 'Spoilers',
      context: ['home', 'public'],
      filterAction: 'warn',
      expiresAt: null,
    });
    expect(filter.keywords.map((k) => [k.keyword, k.wholeWord])).toEqual([
      ['finale', true],
      ['plot twist', false],
    ]);
    expect(ids(await me.rest.v2.filters.list())).toEqual([filter.id]);

    const finale = filter.keywords.find((k) => k.keyword === 'finale')!;
    const updated = await me.rest.v2.filters.$select(filter.id).update({
      title: 'TV',
      filterAction: 'hide',
      expiresIn: 3600,
      keywordsAttributes: [
        { id: finale.id, _destroy: true },
        { keyword: 'episode', wholeWord: true },
      ],
    });
    expect(updated.title).toBe('TV');
    expect(updated.filterAction).toBe('hide');
    expect(new Date(updated.expiresAt!).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(updated.keywords.map((k) => k.keyword).sort()).toEqual(['episode', 'plot twist']);

    const added = await me.rest.v2.filters.$select(filter.id).keywords.create({ keyword: 'cliffhanger' });
    expect(added.wholeWord).toBe(true);
    expect((await me.rest.v2.filters.$select(filter.id).keywords.list()).length).toBe(3);
    const changed = await me.rest.v2.filters.keywords.$select(added.id).update({ keyword: 'cliff', wholeWord: false });
    expect([changed.keyword, changed.wholeWord]).toEqual(['cliff', false]);
    expect((await me.rest.v2.filters.keywords.$select(added.id).fetch()).keyword).toBe('cliff');
    await me.rest.v2.filters.keywords.$select(added.id).remove();
    expect((await call('GET', `/api/v2/filter_keywords/${added.id}`, me.token)).status).toBe(404);

    const post = await other.rest.v1.statuses.create({ status: 'nothing special' });
    const fs = await me.rest.v2.filters.$select(filter.id).statuses.create({ statusId: post.id });
    expect(fs.statusId).toBe(post.id);
    expect((await me.rest.v2.filters.$select(filter.id).statuses.list()).map((s) => s.statusId)).toEqual([post.id]);
    expect((await me.rest.v2.filters.statuses.$select(fs.id).fetch()).statusId).toBe(post.id);
    expect((await call('POST', `/api/v2/filters/${filter.id}/statuses`, me.token, { status_id: post.id })).status).toBe(
      422,
    );

    // v1 read view: one filter per keyword.
    const v1 = (await (await call('GET', '/api/v1/filters', me.token)).json()) as {
      phrase: string;
      irreversible: boolean;
    }[];
    expect(v1.map((f) => f.phrase).sort()).toEqual(['episode', 'plot twist']);
    expect(v1.every((f) => f.irreversible)).toBe(true);

    // Form spelling of keywords_attributes.
    const form = await call(
      'POST',
      '/api/v2/filters',
      me.token,
      'title=Form&context[]=thread&keywords_attributes[][keyword]=one&keywords_attributes[][whole_word]=false&keywords_attributes[][keyword]=two',
      true,
    );
    expect(form.status).toBe(200);
    const formFilter = (await form.json()) as {
      context: string[];
      keywords: { keyword: string; whole_word: boolean }[];
    };
    expect(formFilter.context).toEqual(['thread']);
    expect(formFilter.keywords.map((k) => [k.keyword, k.whole_word])).toEqual([
      ['one', false],
      ['two', true],
    ]);

    // Validation, and nobody else's filter.
    for (const body of [
      { title: 'x', context: [] },
      { title: 'x', context: ['everywhere'] },
      { title: 'x', context: ['home'], filter_action: 'explode' },
      { title: '', context: ['home'] },
      { title: 'x', context: ['home'], expires_in: 'soon' },
    ]) {
      expect([body, (await call('POST', '/api/v2/filters', me.token, body)).status]).toEqual([body, 422]);
    }
    for (const [method, path] of [
      ['GET', `/api/v2/filters/${filter.id}`],
      ['PUT', `/api/v2/filters/${filter.id}`],
      ['DELETE', `/api/v2/filters/${filter.id}`],
      ['GET', `/api/v2/filters/${filter.id}/keywords`],
      ['GET', `/api/v2/filter_statuses/${fs.id}`],
      ['DELETE', `/api/v2/filter_statuses/${fs.id}`],
      ['GET', `/api/v2/filter_keywords/${updated.keywords[0]!.id}`],
    ] as const) {
      expect([
        method,
        path,
        (await call(method, path, other.token, method === 'PUT' ? { title: 'y' } : undefined)).status,
      ]).toEqual([method, path, 404]);
    }
    await me.rest.v2.filters.statuses.$select(fs.id).remove();
    await me.rest.v2.filters.$select(filter.id).remove();
    expect((await call('GET', `/api/v2/filters/${filter.id}`, me.token)).status).toBe(404);
  });

  it.skipIf(skip)(
    'filters apply everywhere: warn marks, hide drops, whole words, expiry, own posts never',
    async () => {
      const me = await person('ame');
      const author = await person('aauthor');
      await me.rest.v1.accounts.$select(author.id).follow();
      const warn = await me.rest.v2.filters.create({
        title: 'Cats',
        context: ['home', 'public', 'thread', 'account', 'notifications'],
        filterAction: 'warn',
        keywordsAttributes: [{ keyword: 'cat', wholeWord: true }],
      });
      await me.rest.v2.filters.create({
        title: 'Politics',
        context: ['home', 'public', 'thread', 'account', 'notifications'],
        filterAction: 'hide',
        keywordsAttributes: [{ keyword: 'election', wholeWord: false }],
      });
      const root = await author.rest.v1.statuses.create({ status: 'a thread' });
      const cat = await author.rest.v1.statuses.create({ status: 'My CAT is <b>asleep</b>' });
      const catReply = await author.rest.v1.statuses.create({ status: 'the cat again', inReplyToId: root.id });
      const concat = await author.rest.v1.statuses.create({ status: 'concatenate strings' });
      const spoiler = await author.rest.v1.statuses.create({ status: 'hidden text', spoilerText: 'cat content' });
      const election = await author.rest.v1.statuses.create({ status: 'Re-elections today' });
      await author.rest.v1.statuses.create({ status: 'about the election', inReplyToId: root.id });
      const mention = await author.rest.v1.statuses.create({ status: `@${me.username} the elections!` });
      const boost = await (await person('abooster')).rest.v1.statuses.$select(cat.id).reblog();
      const mine = await me.rest.v1.statuses.create({ status: 'my own election cat' });

      const check = (statuses: mastodon.v1.Status[]) => {
        const byId = new Map(statuses.map((s) => [s.id, s]));
        expect(byId.has(election.id)).toBe(false);
        expect(byId.has(mention.id)).toBe(false);
        expect(byId.get(cat.id)?.filtered?.map((f) => [f.filter.id, f.keywordMatches])).toEqual([[warn.id, ['cat']]]);
        if (byId.has(concat.id)) expect(byId.get(concat.id)!.filtered).toEqual([]);
        if (byId.has(spoiler.id)) expect(byId.get(spoiler.id)!.filtered?.length).toBe(1);
        if (byId.has(mine.id)) expect(byId.get(mine.id)!.filtered).toEqual([]);
      };
      const home = await me.rest.v1.timelines.home.list({ limit: 40 });
      check(home);
      expect(ids(home)).toContain(concat.id);
      expect(ids(home)).toContain(mine.id);
      const publicTimeline = await me.rest.v1.timelines.public.list({ limit: 40 });
      expect(ids(publicTimeline)).toContain(cat.id);
      check(publicTimeline);
      check(await me.rest.v1.accounts.$select(author.id).statuses.list({ limit: 40 }));
      const context = await me.rest.v1.statuses.$select(root.id).context.fetch();
      expect(ids(context.descendants)).toEqual([catReply.id]);
      expect(context.descendants[0]!.filtered?.map((f) => f.filter.id)).toEqual([warn.id]);

      // Notifications: the hidden mention is gone, nothing else.
      const notifications = await me.rest.v1.notifications.list();
      expect(notifications.some((n) => n.status?.id === mention.id)).toBe(false);
      // Someone else sees everything unfiltered.
      const outsider = await person('aoutsider');
      const theirs = await outsider.rest.v1.timelines.public.list({ limit: 40 });
      expect(ids(theirs)).toContain(election.id);
      expect(theirs.every((s) => s.filtered?.length === 0)).toBe(true);

      // A boost carries the boosted post's match.
      await me.rest.v1.accounts.$select((await me.rest.v1.statuses.$select(boost.id).fetch()).account.id).follow();
      const boosted = (await me.rest.v1.timelines.home.list({ limit: 40 })).find((s) => s.id === boost.id);
      expect(boosted?.filtered?.length).toBe(1);
      expect(boosted?.reblog?.filtered?.length).toBe(1);

      // Contexts: a filter for notifications only leaves home alone.
      const narrow = await me.rest.v2.filters.create({
        title: 'Only notifications',
        context: ['notifications'],
        filterAction: 'hide',
        keywordsAttributes: [{ keyword: 'strings' }],
      });
      expect(ids(await me.rest.v1.timelines.home.list({ limit: 40 }))).toContain(concat.id);
      await me.rest.v2.filters.$select(narrow.id).remove();

      // Expiry: an expired filter stops applying.
      const brief = await me.rest.v2.filters.create({
        title: 'Brief',
        context: ['home'],
        filterAction: 'hide',
        expiresIn: 1,
        keywordsAttributes: [{ keyword: 'strings' }],
      });
      expect(ids(await me.rest.v1.timelines.home.list({ limit: 40 }))).not.toContain(concat.id);
      await new Promise((r) => setTimeout(r, 1100));
      expect(ids(await me.rest.v1.timelines.home.list({ limit: 40 }))).toContain(concat.id);
      await me.rest.v2.filters.$select(brief.id).remove();

      // A status filter.
      const statusFilter = await me.rest.v2.filters.create({
        title: 'This one',
        context: ['home'],
        filterAction: 'hide',
      });
      await me.rest.v2.filters.$select(statusFilter.id).statuses.create({ statusId: concat.id });
      expect(ids(await me.rest.v1.timelines.home.list({ limit: 40 }))).not.toContain(concat.id);
    },
  );

  it.skipIf(skip)(
    'markers: read and write in JSON and form spelling, versions grow; unread notifications count',
    async () => {
      const me = await person('mme');
      const fan = await person('mfan');
      expect(await me.rest.v1.markers.fetch({ timeline: ['home', 'notifications'] })).toEqual({});
      const post = await me.rest.v1.statuses.create({ status: 'like me' });
      for (let i = 0; i < 3; i++) {
        const p = await me.rest.v1.statuses.create({ status: `post ${i}` });
        await fan.rest.v1.statuses.$select(p.id).favourite();
      }
      await fan.rest.v1.statuses.$select(post.id).favourite();
      const unread = async (version = 'v1', limit = '') =>
        (
          (await (await call('GET', `/api/${version}/notifications/unread_count${limit}`, me.token)).json()) as {
            count: number;
          }
        ).count;
      expect(await unread()).toBe(4);
      expect(await unread('v2')).toBe(4);
      expect(await unread('v1', '?limit=2')).toBe(2);

      const notifications = await me.rest.v1.notifications.list();
      const saved = await me.rest.v1.markers.create({ notifications: { lastReadId: notifications[1]!.id } });
      expect(saved.notifications).toMatchObject({ lastReadId: notifications[1]!.id, version: 1 });
      expect(await unread()).toBe(1);

      const again = await call(
        'POST',
        '/api/v1/markers',
        me.token,
        `home[last_read_id]=${post.id}&notifications[last_read_id]=${notifications[0]!.id}`,
        true,
      );
      expect(again.status).toBe(200);
      const both = (await again.json()) as Record<
        string,
        { last_read_id: string; version: number; updated_at: string }
      >;
      expect(both.home).toMatchObject({ last_read_id: post.id, version: 1 });
      expect(both.notifications).toMatchObject({ last_read_id: notifications[0]!.id, version: 2 });
      expect(await unread()).toBe(0);
      const fetched = await me.rest.v1.markers.fetch({ timeline: ['home', 'notifications'] });
      expect(fetched.home?.lastReadId).toBe(post.id);
      expect(fetched.notifications?.version).toBe(2);
      expect(Object.keys(await me.rest.v1.markers.fetch({ timeline: ['home'] }))).toEqual(['home']);
      // Markers are per account.
      expect(await fan.rest.v1.markers.fetch({ timeline: ['home', 'notifications'] })).toEqual({});

      expect((await call('POST', '/api/v1/markers', me.token, { home: { last_read_id: 'abc' } })).status).toBe(422);
      expect((await call('POST', '/api/v1/markers', me.token, {})).status).toBe(422);
      expect((await call('GET', '/api/v1/notifications/unread_count?limit=zero', me.token)).status).toBe(422);
    },
  );

  it.skipIf(skip)('conversations from real direct messages: unread, read, remove, come back, never leak', async () => {
    const ann = await person('cann');
    const ben = await person('cben');
    const cat = await person('ccat');
    const eve = await person('ceve');
    const first = await ann.rest.v1.statuses.create({ status: `@${ben.username} hi Ben`, visibility: 'direct' });

    const bens = await ben.rest.v1.conversations.list();
    expect(bens.length).toBe(1);
    expect(bens[0]).toMatchObject({ unread: true, lastStatus: { id: first.id } });
    expect(bens[0]!.accounts.map((a) => a.id)).toEqual([ann.id]);
    const anns = await ann.rest.v1.conversations.list();
    expect(anns[0]).toMatchObject({ unread: false, lastStatus: { id: first.id } });
    expect(anns[0]!.accounts.map((a) => a.id)).toEqual([ben.id]);
    expect(await eve.rest.v1.conversations.list()).toEqual([]);

    const reply = await ben.rest.v1.statuses.create({
      status: `@${ann.username} hi Ann`,
      visibility: 'direct',
      inReplyToId: first.id,
    });
    expect((await ben.rest.v1.conversations.list()).map((c) => [c.id, c.lastStatus?.id, c.unread])).toEqual([
      [bens[0]!.id, reply.id, false],
    ]);
    expect((await ann.rest.v1.conversations.list())[0]).toMatchObject({ unread: true, lastStatus: { id: reply.id } });
    const read = await ann.rest.v1.conversations.$select(anns[0]!.id).read();
    expect(read.unread).toBe(false);
    expect((await ann.rest.v1.conversations.$select(anns[0]!.id).unread()).unread).toBe(true);
    await ann.rest.v1.conversations.$select(anns[0]!.id).read();

    // A reply that adds someone starts a conversation for the new set; Cat sees only that reply.
    const widened = await ann.rest.v1.statuses.create({
      status: `@${ben.username} @${cat.username} adding Cat`,
      visibility: 'direct',
      inReplyToId: reply.id,
    });
    const cats = await cat.rest.v1.conversations.list();
    expect(cats.map((c) => c.lastStatus?.id)).toEqual([widened.id]);
    expect(cats[0]!.accounts.map((a) => a.id).sort()).toEqual([ann.id, ben.id].sort());
    expect((await ben.rest.v1.conversations.list()).map((c) => c.lastStatus?.id)).toEqual([widened.id, reply.id]);
    expect(await eve.rest.v1.conversations.list()).toEqual([]);

    // Someone else's conversation id is not found.
    for (const [method, path] of [
      ['POST', `/api/v1/conversations/${anns[0]!.id}/read`],
      ['DELETE', `/api/v1/conversations/${anns[0]!.id}`],
    ] as const)
      expect((await call(method, path, eve.token)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/conversations/${anns[0]!.id}`, ben.token)).status).toBe(404);

    // Removing hides it from Ann only; a new message brings it back, unread.
    await ann.rest.v1.conversations.$select(anns[0]!.id).remove();
    expect((await ann.rest.v1.conversations.list()).map((c) => c.lastStatus?.id)).toEqual([widened.id]);
    expect((await ben.rest.v1.conversations.list()).length).toBe(2);
    const back = await ben.rest.v1.statuses.create({ status: `@${ann.username} still there?`, visibility: 'direct' });
    const annsNow = await ann.rest.v1.conversations.list();
    expect(annsNow.map((c) => [c.lastStatus?.id, c.unread])).toEqual([
      [back.id, true],
      [widened.id, false],
    ]);

    // Deleting the newest message falls back to the one before.
    await ben.rest.v1.statuses.$select(back.id).remove();
    expect((await ben.rest.v1.conversations.list()).map((c) => c.lastStatus?.id)).toEqual([widened.id, reply.id]);

    // A block keeps new messages out of the blocker's conversations.
    await eve.rest.v1.accounts.$select(ann.id).block();
    await ann.rest.v1.statuses.create({ status: `@${eve.username} you there?`, visibility: 'direct' });
    expect(await eve.rest.v1.conversations.list()).toEqual([]);

    // Paging by the newest post, with Link.
    const page = await call('GET', '/api/v1/conversations?limit=1', ben.token);
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    expect(new URL(next!).searchParams.get('max_id')).toBe(widened.id);
    const older = (await (await fetch(next!, { headers: { authorization: `Bearer ${ben.token}` } })).json()) as {
      last_status: { id: string };
    }[];
    expect(older.map((c) => c.last_status.id)).toEqual([reply.id]);
  });
});
