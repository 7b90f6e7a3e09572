import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

type Group = {
  group_key: string;
  notifications_count: number;
  type: string;
  most_recent_notification_id: string;
  page_min_id: string;
  page_max_id: string;
  latest_page_notification_at: string;
  sample_account_ids: string[];
  status_id?: string;
};
type Results = {
  accounts: { id: string; username: string }[];
  statuses: { id: string }[];
  notification_groups: Group[];
};

const MINUTE = 60_000;

/**
 * Grouped notifications (`GET /api/v2/notifications`, Mastodon 4.3) through real HTTP, with
 * masto.js and raw requests: groups by type and post within a time window, paging over the
 * groups with Link headers in both directions, and the filters clients send.
 */
describe.each(ENGINES)('grouped notifications (v2) on $label', ({ name, skip }) => {
  let server: RunningServer;
  // Ids never go back in time within a process (src/shared/ids.ts): each engine's clock starts
  // after the previous one's ends.
  const clock = new ManualClock(new Date(name === 'sqlite' ? '2026-03-02T01:00:00Z' : '2026-04-02T01:00:00Z'));
  const people: Record<string, { id: string; token: string }> = {};
  let ada: mastodon.rest.Client;
  let liked: { id: string };
  let other: { id: string };
  /** Every notification ada has, as the v1 API lists them. */
  let total = 0;

  const step = () => clock.advance(MINUTE);
  const get = async (path: string, token = people.ada!.token) => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, link: response.headers.get('link'), body: (await response.json()) as Results };
  };

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name, {}, { clock });
    for (const username of ['ada', 'f1', 'f2', 'f3', 'f4', 'f5', 'quiet']) {
      const account = await server.ctx.microblog.createAccount({ username });
      const issued = await server.ctx.oauth.issueToken({
        appId: null,
        accountId: account.id,
        scopes: ['read', 'write', 'follow'],
      });
      people[username] = { id: account.id, token: issued.accessToken };
    }
    const mb = server.ctx.microblog;
    const id = (name: string) => people[name]!.id;
    await mb.mute(id('ada'), id('quiet'), true);
    liked = await mb.post(id('ada'), { text: 'like this', source: 'web' });
    other = await mb.post(id('ada'), { text: 'and this', source: 'web' });
    for (const fan of ['f1', 'f2', 'f3']) {
      step();
      await mb.favourite(id(fan), liked.id);
    }
    for (const fan of ['f1', 'f2']) {
      step();
      await mb.reblog(id(fan), liked.id, 'web');
    }
    for (const fan of ['f1', 'f2', 'f3', 'f4']) {
      step();
      await mb.follow(id(fan), id('ada'));
    }
    step();
    await mb.post(id('f5'), { text: '@ada first mention', source: 'web' });
    step();
    await mb.favourite(id('f4'), other.id);
    step();
    await mb.post(id('f5'), { text: '@ada second mention', source: 'web' });
    step();
    await mb.favourite(id('quiet'), liked.id);
    // A day later, another favourite of the same post starts a new group.
    clock.advance(24 * 60 * MINUTE);
    await mb.favourite(id('f5'), liked.id);
    total = (await mb.notifications(id('ada'), { limit: 80 })).length;
    ada = createRestAPIClient({ url: server.url, accessToken: people.ada!.token });
  });
  afterAll(async () => server?.close());

  it.skipIf(skip)('groups favourites and boosts by post and follows by time, as masto.js reads them', async () => {
    expect(total).toBe(13);
    const results = await ada.v2.notifications.list({ limit: 40 });
    const summary = results.notificationGroups.map((g) => [g.type, g.notificationsCount]);
    expect(summary).toEqual([
      ['favourite', 1], // f5, a day later
      ['mention', 1],
      ['favourite', 1], // f4 on the other post
      ['mention', 1],
      ['follow', 4],
      ['reblog', 2],
      ['favourite', 3],
    ]);
    const [late, secondMention, otherFavourite, , follows, boosts, favourites] = results.notificationGroups as [
      mastodon.v1.NotificationGroup,
      ...mastodon.v1.NotificationGroup[],
    ];
    const ids = (...names: string[]) => names.map((n) => people[n]!.id);
    expect(favourites!.sampleAccountIds).toEqual(ids('f3', 'f2', 'f1'));
    expect(follows!.sampleAccountIds).toEqual(ids('f4', 'f3', 'f2', 'f1'));
    expect(boosts!.sampleAccountIds).toEqual(ids('f2', 'f1'));
    // Favourites and boosts point at the post itself (a boost's group at the boosted post).
    expect([favourites, boosts, late].map((g) => (g as { statusId?: string }).statusId)).toEqual([
      liked.id,
      liked.id,
      liked.id,
    ]);
    expect((otherFavourite as { statusId?: string }).statusId).toBe(other.id);
    expect(favourites!.groupKey).not.toBe(late!.groupKey);
    expect((secondMention as { statusId?: string }).statusId).toBeTruthy();
    // Each status and account once; the muted account appears nowhere.
    const statusIds = results.statuses.map((s) => s.id);
    expect(new Set(statusIds).size).toBe(statusIds.length);
    expect(statusIds).toEqual(expect.arrayContaining([liked.id, other.id]));
    const usernames = results.accounts.map((a) => a.username).sort();
    expect(usernames).toEqual(['ada', 'f1', 'f2', 'f3', 'f4', 'f5']);
    const counted = results.notificationGroups.reduce((sum, g) => sum + g.notificationsCount, 0);
    expect(counted).toBe(total);
  });

  it.skipIf(skip)('agrees with v1: the same group keys, the newest notification of each group', async () => {
    const { body } = await get('/api/v2/notifications');
    const v1 = (await (
      await fetch(`${server.url}/api/v1/notifications?limit=80`, {
        headers: { authorization: `Bearer ${people.ada!.token}` },
      })
    ).json()) as { id: string; group_key: string }[];
    for (const group of body.notification_groups) {
      const members = v1.filter((n) => n.group_key === group.group_key);
      expect(members.length, group.group_key).toBe(group.notifications_count);
      expect(members[0]!.id).toBe(group.most_recent_notification_id);
      expect(group.page_max_id).toBe(group.most_recent_notification_id);
      expect(members.at(-1)!.id).toBe(group.page_min_id);
    }
    expect(v1.filter((n) => n.group_key.startsWith('ungrouped-')).length).toBe(2);
  });

  it.skipIf(skip)(
    'pages over groups with Link headers, down and back up, covering each notification once',
    async () => {
      const seen: Group[] = [];
      let url: string | null = '/api/v2/notifications?limit=2';
      let pages = 0;
      while (url && pages < 20) {
        const { body, link } = await get(url.replace(server.url, ''));
        if (body.notification_groups.length === 0) break;
        pages += 1;
        expect(body.notification_groups.length).toBeLessThanOrEqual(2);
        seen.push(...body.notification_groups);
        url = /<([^>]+)>; rel="next"/.exec(link ?? '')?.[1] ?? null;
      }
      // As in Mastodon, a full page's range ends at the newest notification of its last group:
      // the rest of that group comes with the next page, under the same key (clients merge them).
      expect(pages).toBe(5);
      expect(seen.reduce((sum, g) => sum + g.notifications_count, 0)).toBe(total);
      expect(seen.map((g) => [g.type, g.notifications_count])).toEqual([
        ['favourite', 1],
        ['mention', 1],
        ['favourite', 1],
        ['mention', 1],
        ['follow', 4],
        ['reblog', 1],
        ['reblog', 1],
        ['favourite', 1],
        ['favourite', 2],
      ]);
      const ranges = seen.map((g) => [BigInt(g.page_min_id), BigInt(g.page_max_id)] as const);
      for (let i = 1; i < ranges.length; i += 1) expect(ranges[i]![1] < ranges[i - 1]![0]).toBe(true);

      // From the oldest group, min_id walks back up, newest group of each page first.
      const oldest = seen.at(-1)!;
      const up = await get(`/api/v2/notifications?limit=2&min_id=${oldest.page_max_id}`);
      expect(up.body.notification_groups.map((g) => [g.type, g.notifications_count])).toEqual([
        ['reblog', 1],
        ['favourite', 1],
      ]);
      const prev = /<([^>]+)>; rel="prev"/.exec(up.link ?? '')?.[1];
      expect(prev).toContain('min_id=');
      const further = await get(prev!.replace(server.url, ''));
      expect(further.body.notification_groups.map((g) => [g.type, g.notifications_count])).toEqual([
        ['follow', 1],
        ['reblog', 1],
      ]);

      // masto.js follows the same links to the end, and meets every notification once.
      const viaMasto: mastodon.v1.NotificationGroup[] = [];
      let mastoPages = 0;
      for await (const page of ada.v2.notifications.list({ limit: 3 })) {
        if (page.notificationGroups.length === 0) break;
        mastoPages += 1;
        viaMasto.push(...page.notificationGroups);
        if (mastoPages > 20) break;
      }
      expect(viaMasto.reduce((sum, g) => sum + g.notificationsCount, 0)).toBe(total);
      expect(new Set(viaMasto.map((g) => g.groupKey))).toEqual(new Set(seen.map((g) => g.group_key)));
    },
  );

  it.skipIf(skip)('filters by types, excluded types, grouped types and sender', async () => {
    const mentions = await get('/api/v2/notifications?types[]=mention');
    expect(mentions.body.notification_groups.map((g) => g.type)).toEqual(['mention', 'mention']);
    const noFavourites = await get('/api/v2/notifications?exclude_types[]=favourite&exclude_types[]=mention');
    expect(noFavourites.body.notification_groups.map((g) => g.type)).toEqual(['follow', 'reblog']);
    // A client that groups only favourites gets each follow and boost on its own.
    const onlyFavourites = await ada.v2.notifications.list({ groupedTypes: ['favourite'] });
    expect(onlyFavourites.notificationGroups.filter((g) => g.type === 'follow').length).toBe(4);
    expect(onlyFavourites.notificationGroups.filter((g) => g.type === 'reblog').length).toBe(2);
    expect(onlyFavourites.notificationGroups.find((g) => g.type === 'favourite')!.notificationsCount).toBe(1);
    const fromF1 = await get(`/api/v2/notifications?account_id=${people.f1!.id}`);
    expect(fromF1.body.notification_groups.map((g) => [g.type, g.notifications_count])).toEqual([
      ['follow', 1],
      ['reblog', 1],
      ['favourite', 1],
    ]);
    expect((await get('/api/v2/notifications?types[]=poll')).body.notification_groups).toEqual([]);
    expect((await get('/api/v2/notifications?types[]=NOT%20A%20TYPE')).status).toBe(422);
  });

  it.skipIf(skip)('needs a signed-in token with read:notifications; others see only their own', async () => {
    expect((await fetch(`${server.url}/api/v2/notifications`)).status).toBe(401);
    const narrow = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: people.ada!.id,
      scopes: ['read:statuses'],
    });
    expect((await get('/api/v2/notifications', narrow.accessToken)).status).toBe(403);
    const f2 = await get('/api/v2/notifications', people.f2!.token);
    expect(f2.body.notification_groups).toEqual([]);
  });

  it.skipIf(skip)('the instance advertises the API version whose grouped notifications now answer', async () => {
    const instance = await ada.v2.instance.fetch();
    expect(Number(instance.apiVersions.mastodon)).toBe(2);
    expect((await get('/api/v2/notifications')).status).toBe(200);
  });

  it.skipIf(skip)('fetches one group whole, lists its accounts and dismisses it', async () => {
    const list = await ada.v2.notifications.list({ limit: 40 });
    const favourites = list.notificationGroups.at(-1)!;
    expect([favourites.type, favourites.notificationsCount]).toEqual(['favourite', 3]);
    // A group cut by a page boundary still comes whole on its own.
    const one = await ada.v2.notifications.$select(favourites.groupKey).fetch();
    expect(one.notificationGroups.map((g) => [g.groupKey, g.notificationsCount])).toEqual([[favourites.groupKey, 3]]);
    expect(one.statuses.map((s) => s.id)).toEqual([liked.id]);
    const accounts = await ada.v2.notifications.$select(favourites.groupKey).accounts.fetch();
    expect(accounts.map((a) => a.username)).toEqual(['f3', 'f2', 'f1']);
    const mention = list.notificationGroups.find((g) => g.type === 'mention')!;
    expect((await ada.v2.notifications.$select(mention.groupKey).fetch()).notificationGroups).toHaveLength(1);

    // Not ada's, not a key Sparrow issues, or a feature Sparrow lacks: 404 (unread_count is a real endpoint, test/e2e/lists-filters-markers.test.ts).
    expect((await get(`/api/v2/notifications/${favourites.groupKey}`, people.f1!.token)).status).toBe(404);
    for (const key of ['favourite-1-5', 'nonsense', 'policy', 'ungrouped-abc'])
      expect((await get(`/api/v2/notifications/${key}`)).status, key).toBe(404);

    // Someone else cannot dismiss ada's group.
    const foreign = await fetch(`${server.url}/api/v2/notifications/${favourites.groupKey}/dismiss`, {
      method: 'POST',
      headers: { authorization: `Bearer ${people.f1!.token}` },
    });
    expect(foreign.status).toBe(404);
    await ada.v2.notifications.$select(favourites.groupKey).dismiss();
    expect((await get(`/api/v2/notifications/${favourites.groupKey}`)).status).toBe(404);
    const after = await ada.v2.notifications.list({ limit: 40 });
    expect(after.notificationGroups.some((g) => g.groupKey === favourites.groupKey)).toBe(false);
    expect(after.notificationGroups.reduce((sum, g) => sum + g.notificationsCount, 0)).toBe(total - 3);
  });
});
