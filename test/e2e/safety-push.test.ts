import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { startPushReceiver, type PushReceiver } from '../helpers/push-receiver.ts';

/**
 * Web Push, the safety lists, reports, people discovery and profile fields (issue 12),
 * through masto.js and raw HTTP against a real server, on both engines. Pushes go to a local
 * push service that checks the VAPID signature and decrypts the payload.
 */

interface Person {
  id: string;
  token: string;
  rest: mastodon.rest.Client;
}

describe.each(ENGINES)('push, safety lists, reports and discovery on $label', ({ name, skip }) => {
  let server: RunningServer;
  let receiver: PushReceiver;
  let work: { stop(): Promise<void> };
  let counter = 0;

  const person = async (
    base: string,
    options: { role?: 'user' | 'moderator' | 'admin'; scopes?: string[]; discoverable?: boolean } = {},
  ): Promise<Person> => {
    const account = await server.ctx.microblog.createAccount({
      username: `${base}${++counter}`,
      ...(options.role ? { role: options.role } : {}),
    });
    if (options.discoverable) await server.ctx.microblog.updateProfile(account.id, { discoverable: true });
    const issued = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: account.id,
      scopes: options.scopes ?? ['read', 'write', 'follow', 'push', 'admin:read', 'admin:write'],
    });
    return {
      id: account.id,
      token: issued.accessToken,
      rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }),
    };
  };
  const call = (method: string, path: string, token: string | null, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    if (skip) return;
    receiver = await startPushReceiver();
    server = await startServer(name, { SPARROW_PUSH_ALLOW_INSECURE_ENDPOINTS: 'true' });
    work = await server.ctx.startBackgroundWork({ inProcessWithWeb: false });
  });
  afterAll(async () => {
    await work?.stop();
    await server?.close();
    await receiver?.close();
  });

  it.skipIf(skip)('subscribes, updates and delivers an encrypted, VAPID-signed push per notification', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const device = receiver.subscription(`/device-${alice.id}`);
    const created = await alice.rest.v1.push.subscription.create({
      subscription: device,
      data: { alerts: { mention: true, follow: true, favourite: false } },
      policy: 'all',
    });
    const instance = await alice.rest.v2.instance.fetch();
    expect(created.serverKey).toBe(instance.configuration.vapid.publicKey);
    expect(created.serverKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(created.endpoint).toBe(device.endpoint);
    expect(created.alerts).toMatchObject({ mention: true, follow: true, favourite: false, reblog: false });
    expect(created.policy).toBe('all');
    const v1 = (await (await call('GET', '/api/v1/instance', null)).json()) as { vapid_key: string };
    expect(v1.vapid_key).toBe(created.serverKey);

    expect((await alice.rest.v1.push.subscription.fetch()).id).toBe(created.id);
    const updated = await alice.rest.v1.push.subscription.update({ data: { alerts: { favourite: true } } });
    expect(updated.alerts).toMatchObject({ mention: true, favourite: true });

    const before = receiver.received.length;
    const post = await bob.rest.v1.statuses.create({
      status: `hello @${(await alice.rest.v1.accounts.verifyCredentials()).username} from bob`,
    });
    const pushes = (await receiver.waitFor(before + 1)).slice(before);
    expect(pushes).toHaveLength(1);
    const push = pushes[0]!;
    expect(push.payload.error).toBeUndefined();
    expect(push.path).toBe(`/device-${alice.id}`);
    expect(push.vapid.publicKey).toBe(created.serverKey);
    expect(push.vapid.expiresAt * 1000).toBeGreaterThan(Date.now());
    expect(push.payload).toMatchObject({
      access_token: alice.token,
      preferred_locale: 'en',
      notification_type: 'mention',
      title: expect.stringContaining('bob'),
      body: expect.stringContaining('from bob'),
    });
    expect(typeof push.payload.icon).toBe('string');
    const notifications = await alice.rest.v1.notifications.list();
    expect(push.payload.notification_id).toBe(notifications[0]!.id);
    expect(JSON.stringify(push.payload)).not.toMatch(/@example|\+\d{6,}/);

    // An alert that is off sends nothing; the favourite (on since the update) does.
    await alice.rest.v1.push.subscription.update({ data: { alerts: { favourite: false } } });
    await bob.rest.v1.accounts.$select(alice.id).follow();
    await receiver.waitFor(before + 2);
    expect(receiver.received.slice(before).map((p) => p.payload.notification_type)).toEqual(['mention', 'follow']);
    const alicePost = await alice.rest.v1.statuses.create({ status: 'like me' });
    await bob.rest.v1.statuses.$select(alicePost.id).favourite();
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.slice(before)).toHaveLength(2);
    void post;

    await alice.rest.v1.push.subscription.remove();
    expect((await call('GET', '/api/v1/push/subscription', alice.token)).status).toBe(404);
  });

  it.skipIf(skip)('keeps subscriptions to their token, and drops them when revoked or gone', async () => {
    const carol = await person('carol');
    const dave = await person('dave');
    const device = receiver.subscription(`/device-${carol.id}`);
    const subscribed = await call('POST', '/api/v1/push/subscription', carol.token, {
      subscription: device,
      data: { alerts: { mention: true } },
    });
    expect(subscribed.status).toBe(200);
    // Someone else's token (and even another token of the same account) sees no subscription.
    expect((await call('GET', '/api/v1/push/subscription', dave.token)).status).toBe(404);
    const second = await server.ctx.oauth.issueToken({ appId: null, accountId: carol.id, scopes: ['push'] });
    expect((await call('GET', '/api/v1/push/subscription', second.accessToken)).status).toBe(404);
    expect((await call('DELETE', '/api/v1/push/subscription', dave.token)).status).toBe(200);
    expect((await call('GET', '/api/v1/push/subscription', carol.token)).status).toBe(200);
    // Without the push scope: refused.
    const readOnly = await server.ctx.oauth.issueToken({ appId: null, accountId: carol.id, scopes: ['read'] });
    expect((await call('GET', '/api/v1/push/subscription', readOnly.accessToken)).status).toBe(403);
    // Bad keys are refused with the field named.
    const bad = await call('POST', '/api/v1/push/subscription', dave.token, {
      subscription: { endpoint: device.endpoint, keys: { p256dh: 'abc', auth: device.keys.auth } },
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toContain('p256dh');

    // The push service says the device is gone: the subscription goes.
    receiver.gone.add(`/device-${carol.id}`);
    const carolName = (await carol.rest.v1.accounts.verifyCredentials()).username;
    await dave.rest.v1.statuses.create({ status: `ping @${carolName}` });
    for (let i = 0; i < 50; i += 1) {
      if ((await call('GET', '/api/v1/push/subscription', carol.token)).status === 404) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await call('GET', '/api/v1/push/subscription', carol.token)).status).toBe(404);

    // Revoking the token ends its subscription: nothing more is pushed.
    const erin = await person('erin');
    const erinDevice = receiver.subscription(`/device-${erin.id}`);
    await erin.rest.v1.push.subscription.create({
      subscription: erinDevice,
      data: { alerts: { mention: true } },
      policy: 'all',
    });
    await server.ctx.oauth.revokeAllSessions(erin.id);
    const before = receiver.received.length;
    const erinName = (await server.ctx.microblog.account(erin.id)).username;
    await dave.rest.v1.statuses.create({ status: `ping @${erinName}` });
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.slice(before).filter((p) => p.path === `/device-${erin.id}`)).toHaveLength(0);
  });

  it.skipIf(skip)('pushes only from the accounts the policy names', async () => {
    const henry = await person('henry');
    const friend = await person('friend');
    const stranger = await person('stranger');
    await henry.rest.v1.accounts.$select(friend.id).follow();
    const device = receiver.subscription(`/device-${henry.id}`);
    await henry.rest.v1.push.subscription.create({
      subscription: device,
      data: { alerts: { mention: true } },
      policy: 'followed',
    });
    const name = (await server.ctx.microblog.account(henry.id)).username;
    const before = receiver.received.length;
    await stranger.rest.v1.statuses.create({ status: `@${name} from a stranger` });
    await friend.rest.v1.statuses.create({ status: `@${name} from a friend` });
    await receiver.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 1500));
    const mine = receiver.received.slice(before).filter((p) => p.path === `/device-${henry.id}`);
    expect(mine.map((p) => p.payload.body)).toEqual([expect.stringContaining('from a friend')]);
  });

  it.skipIf(skip)('sends each push once when several instances dispatch', async () => {
    // A second dispatcher on the same database, as a second instance would run.
    const second = await server.ctx.startBackgroundWork({ inProcessWithWeb: false });
    try {
      const frank = await person('frank');
      const grace = await person('grace');
      const device = receiver.subscription(`/device-${frank.id}`);
      await frank.rest.v1.push.subscription.create({
        subscription: device,
        data: { alerts: { follow: true, mention: true } },
        policy: 'all',
      });
      const before = receiver.received.length;
      const name = (await server.ctx.microblog.account(frank.id)).username;
      for (let i = 0; i < 8; i += 1) await grace.rest.v1.statuses.create({ status: `@${name} number ${i}` });
      await receiver.waitFor(before + 8);
      await new Promise((r) => setTimeout(r, 1500));
      const mine = receiver.received.slice(before).filter((p) => p.path === `/device-${frank.id}`);
      expect(mine).toHaveLength(8);
      expect(new Set(mine.map((p) => p.payload.notification_id)).size).toBe(8);
    } finally {
      await second.stop();
    }
  });

  it.skipIf(skip)('lists blocks, mutes (with expiry) and domain blocks, paged', async () => {
    const me = await person('lists');
    const others = await Promise.all([1, 2, 3].map(() => person('other')));
    for (const o of others) await me.rest.v1.accounts.$select(o.id).block();
    const blocked = await me.rest.v1.blocks.list({ limit: 2 });
    expect(blocked.map((a) => a.id)).toEqual([others[2]!.id, others[1]!.id]);
    const page = await call('GET', '/api/v1/blocks?limit=2', me.token);
    const next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const rest = (await (await fetch(next!, { headers: { authorization: `Bearer ${me.token}` } })).json()) as {
      id: string;
    }[];
    expect(rest.map((a) => a.id)).toEqual([others[0]!.id]);

    const [m1, m2] = await Promise.all([person('muted'), person('muted')]);
    await me.rest.v1.accounts.$select(m1!.id).mute({ notifications: false });
    await me.rest.v1.accounts.$select(m2!.id).mute({ duration: 3600 });
    const mutes = await me.rest.v1.mutes.list();
    expect(mutes.map((a) => a.id)).toEqual([m2!.id, m1!.id]);
    const raw = (await (await call('GET', '/api/v1/mutes', me.token)).json()) as {
      id: string;
      mute_expires_at: string | null;
    }[];
    expect(raw[0]!.mute_expires_at).not.toBeNull();
    expect(Date.parse(raw[0]!.mute_expires_at!) - Date.now()).toBeGreaterThan(3500_000);
    expect(raw[1]!.mute_expires_at).toBeNull();
    const [rel] = await me.rest.v1.accounts.relationships.fetch({ id: [m1!.id] });
    expect(rel!.mutingNotifications).toBe(false);
    // A timed mute ends by itself: the account shows again and leaves the list.
    const brief = await person('brief');
    await me.rest.v1.accounts.$select(brief.id).mute({ duration: 1 });
    expect((await me.rest.v1.accounts.relationships.fetch({ id: [brief.id] }))[0]!.muting).toBe(true);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await me.rest.v1.accounts.relationships.fetch({ id: [brief.id] }))[0]!.muting).toBe(false);
    expect((await me.rest.v1.mutes.list()).map((a) => a.id)).not.toContain(brief.id);
    expect((await server.ctx.maintenance()).mutesExpired).toBeGreaterThanOrEqual(1);

    await me.rest.v1.domainBlocks.create({ domain: 'spam.example' });
    await me.rest.v1.domainBlocks.create({ domain: 'HTTPS://Other.Example/' });
    expect(await me.rest.v1.domainBlocks.list()).toEqual(['other.example', 'spam.example']);
    await me.rest.v1.domainBlocks.remove({ domain: 'spam.example' });
    expect(await me.rest.v1.domainBlocks.list()).toEqual(['other.example']);
    const own = await call('POST', '/api/v1/domain_blocks', me.token, { domain: new URL(server.url).hostname });
    expect(own.status).toBe(422);
    expect((await call('POST', '/api/v1/domain_blocks', me.token, { domain: 'not a domain' })).status).toBe(422);
  });

  it.skipIf(skip)('files reports that staff see, resolve and reopen; reporters see only theirs', async () => {
    const rule = await server.ctx.safety.addRule({ kind: 'operator', name: 'test' }, 'No spam', 'Unsolicited ads');
    expect((await (await call('GET', '/api/v1/instance/rules', null)).json()) as unknown[]).toContainEqual({
      id: rule.id,
      text: 'No spam',
      hint: 'Unsolicited ads',
    });
    const moderator = await person('mod', { role: 'moderator' });
    const reporter = await person('reporter');
    const spammer = await person('spammer');
    const bystander = await person('bystander');
    const spam = await spammer.rest.v1.statuses.create({ status: 'buy now' });
    const other = await bystander.rest.v1.statuses.create({ status: 'innocent' });

    const report = await reporter.rest.v1.reports.create({
      accountId: spammer.id,
      statusIds: [spam.id],
      comment: 'ads everywhere',
      category: 'violation',
      ruleIds: [rule.id],
    });
    expect(report).toMatchObject({ actionTaken: false, category: 'violation', comment: 'ads everywhere' });
    expect(report.statusIds).toEqual([spam.id]);
    expect(report.targetAccount.id).toBe(spammer.id);

    // A post of another account cannot be slipped into the report.
    const smuggled = await call('POST', '/api/v1/reports', reporter.token, {
      account_id: spammer.id,
      status_ids: [other.id],
    });
    expect(smuggled.status).toBe(422);
    expect(((await smuggled.json()) as { error: string }).error).toContain('status_ids');
    const long = await call('POST', '/api/v1/reports', reporter.token, {
      account_id: spammer.id,
      comment: 'x'.repeat(1001),
    });
    expect(long.status).toBe(422);

    // Staff were notified.
    const staffNotifications = await moderator.rest.v1.notifications.list();
    const notice = staffNotifications.find(
      (n) => (n.type as string) === 'admin.report' && n.account.id === reporter.id,
    );
    expect(notice?.report?.id).toBe(report.id);
    expect(notice?.report?.targetAccount.id).toBe(spammer.id);
    // Nobody else hears of it.
    for (const other of [reporter, spammer, bystander])
      expect((await other.rest.v1.notifications.list()).some((n) => (n.type as string) === 'admin.report')).toBe(false);

    // Non-staff can read no report, not even their own through the admin API.
    expect((await call('GET', '/api/v1/admin/reports', reporter.token)).status).toBe(403);
    expect((await call('GET', `/api/v1/admin/reports/${report.id}`, spammer.token)).status).toBe(403);
    expect((await call('POST', `/api/v1/admin/reports/${report.id}/resolve`, reporter.token)).status).toBe(403);

    const open = await moderator.rest.v1.admin.reports.list();
    const listed = open.find((r) => r.id === report.id)!;
    expect(listed.targetAccount.id).toBe(spammer.id);
    expect(listed.account.id).toBe(reporter.id);
    expect(listed.statuses.map((s) => s.id)).toEqual([spam.id]);
    expect(listed.rules.map((r) => r.id)).toEqual([rule.id]);
    const assigned = await moderator.rest.v1.admin.reports.$select(report.id).assignToSelf();
    expect(assigned.assignedAccount?.id).toBe(moderator.id);
    const resolved = await moderator.rest.v1.admin.reports.$select(report.id).resolve();
    expect(resolved.actionTaken).toBe(true);
    expect((await moderator.rest.v1.admin.reports.list()).some((r) => r.id === report.id)).toBe(false);
    expect((await moderator.rest.v1.admin.reports.list({ resolved: true })).some((r) => r.id === report.id)).toBe(true);
    const reopened = await moderator.rest.v1.admin.reports.$select(report.id).reopen();
    expect(reopened.actionTaken).toBe(false);
    const audit = await server.ctx.audit.recent({ kind: 'operator', name: 'test' }, 20);
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['report.resolve', 'report.reopen', 'report.assign']),
    );
  });

  it.skipIf(skip)('suggests, lists and explains people without leaking undiscoverable ones', async () => {
    const viewer = await person('viewer', { discoverable: true });
    const friend = await person('friend', { discoverable: true });
    const fof = await person('fof', { discoverable: true });
    const hidden = await person('hidden');
    const blocked = await person('blocked', { discoverable: true });
    await viewer.rest.v1.accounts.$select(friend.id).follow();
    await friend.rest.v1.accounts.$select(fof.id).follow();
    await friend.rest.v1.accounts.$select(hidden.id).follow();
    await friend.rest.v1.accounts.$select(blocked.id).follow();
    await viewer.rest.v1.accounts.$select(blocked.id).block();

    const suggestions = await viewer.rest.v2.suggestions.list({ limit: 80 });
    const ids = suggestions.map((s) => s.account.id);
    expect(ids[0]).toBe(fof.id);
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(blocked.id);
    expect(ids).not.toContain(friend.id);
    expect(ids).not.toContain(viewer.id);
    const raw = (await (await call('GET', '/api/v2/suggestions?limit=80', viewer.token)).json()) as {
      account: { id: string; discoverable: boolean };
    }[];
    expect(raw.every((s) => s.account.discoverable)).toBe(true);
    expect((await call('DELETE', `/api/v1/suggestions/${fof.id}`, viewer.token)).status).toBe(200);
    expect((await viewer.rest.v2.suggestions.list({ limit: 80 })).map((s) => s.account.id)).not.toContain(fof.id);

    const directory = await viewer.rest.v1.directory.list({ order: 'new', limit: 80 });
    const listed = directory.map((a) => a.id);
    expect(listed).toContain(fof.id);
    expect(listed).not.toContain(hidden.id);
    expect(listed).not.toContain(blocked.id);
    const anonymous = (await (await call('GET', '/api/v1/directory?limit=80', null)).json()) as { id: string }[];
    expect(anonymous.map((a) => a.id)).not.toContain(hidden.id);

    const familiar = await viewer.rest.v1.accounts.familiarFollowers.fetch([fof.id, hidden.id]);
    expect(familiar.find((f) => f.id === fof.id)!.accounts.map((a) => a.id)).toEqual([friend.id]);
    // Someone the viewer does not follow is never a familiar follower.
    const stranger = await person('stranger');
    await stranger.rest.v1.accounts.$select(fof.id).follow();
    const again = await viewer.rest.v1.accounts.familiarFollowers.fetch([fof.id]);
    expect(again[0]!.accounts.map((a) => a.id)).toEqual([friend.id]);
  });

  it.skipIf(skip)('keeps profile fields, note, discoverable, locked and bot', async () => {
    const me = await person('profile');
    const updated = await me.rest.v1.accounts.updateCredentials({
      note: 'Bird watcher',
      discoverable: true,
      bot: true,
      locked: true,
      fieldsAttributes: [
        { name: 'Website', value: 'https://example.org/me' },
        { name: '<b>Pronouns</b>', value: 'she/her <script>x</script>' },
      ],
    });
    expect(updated.fields.map((f) => f.name)).toEqual(['Website', '&lt;b&gt;Pronouns&lt;/b&gt;']);
    expect(updated.fields[0]!.value).toContain('<a href="https://example.org/me"');
    expect(updated.fields[1]!.value).toBe('she/her &lt;script&gt;x&lt;/script&gt;');
    expect(updated.fields[0]!.verifiedAt).toBeNull();
    const me2 = await me.rest.v1.accounts.verifyCredentials();
    expect(me2.source.fields).toEqual(
      [
        { name: 'Website', value: 'https://example.org/me', verified_at: null, verifiedAt: null },
        { name: '<b>Pronouns</b>', value: 'she/her <script>x</script>', verified_at: null, verifiedAt: null },
      ].map(({ name, value, verifiedAt }) => ({ name, value, verifiedAt })),
    );
    expect(me2).toMatchObject({ discoverable: true, bot: true, locked: true });
    expect(me2.source.note).toBe('Bird watcher');
    expect((await me.rest.v1.accounts.$select(me.id).fetch()).fields).toHaveLength(2);

    // Form spelling, as many apps send it; an empty set clears them.
    const form = new URLSearchParams({
      'fields_attributes[0][name]': 'Only',
      'fields_attributes[0][value]': 'one',
      discoverable: 'false',
    });
    const formed = await fetch(`${server.url}/api/v1/accounts/update_credentials`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${me.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(formed.status).toBe(200);
    const body = (await formed.json()) as { fields: { name: string }[]; discoverable: boolean };
    expect(body.fields.map((f) => f.name)).toEqual(['Only']);
    expect(body.discoverable).toBe(false);
    const five = await call('PATCH', '/api/v1/accounts/update_credentials', me.token, {
      fields_attributes: [1, 2, 3, 4, 5].map((i) => ({ name: `n${i}`, value: 'v' })),
    });
    expect(five.status).toBe(422);
  });
});
