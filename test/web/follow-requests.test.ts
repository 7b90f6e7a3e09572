import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

/**
 * Finding 5 of issue 11 through the web pages, as a browser without JavaScript uses them:
 * locking in settings, asking to follow, answering requests, and what a pending requester sees.
 */
describe.each(ENGINES)('locked accounts on the web ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let owner: FormClient;
  let asker: FormClient;
  let other: FormClient;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    owner = new FormClient(h.app);
    asker = new FormClient(h.app);
    other = new FormClient(h.app);
    await owner.signUp('keeper');
    await asker.signUp('asker');
    await other.signUp('other');
  });
  afterAll(async () => h?.close());

  const postIdOf = (location: unknown) => /\/@keeper\/(\d+)/.exec(String(location))?.[1];

  it.skipIf(skip)(
    'locks in settings, turns a follow into a request the owner accepts, and shows nothing followers-only before',
    async () => {
      const settings = await owner.get('/settings/profile');
      expectGoodPage(settings, '/settings/profile');
      expect(settings.body).toContain('Approve followers by hand');
      const saved = await owner.post('/settings/profile', { display_name: 'Keeper', note: '', locked: 'on' });
      expect(saved.headers.location).toBe('/settings/profile?notice=saved');
      expect((await h.ctx.microblog.lookup('keeper'))!.locked).toBe(true);
      expect((await owner.get('/settings/profile')).body).toMatch(/name="locked" value="on" checked/);

      await owner.post('/posts', { status: 'an open thread', visibility: 'public' });
      const openerId = /href="\/@keeper\/(\d+)"/.exec((await owner.get('/@keeper')).body)?.[1];
      expect(openerId).toBeDefined();
      const reply = await owner.post('/posts', {
        status: 'secret reply for followers',
        visibility: 'private',
        in_reply_to_id: openerId!,
      });
      const secretId = postIdOf(reply.headers.location);
      expect(secretId).toBeDefined();
      await owner.post('/posts', { status: 'secret on the profile', visibility: 'private' });

      const profile = await asker.get('/@keeper');
      expectGoodPage(profile, '/@keeper');
      expect(profile.body).toContain('Request to follow');
      expect(profile.body).toContain('approves followers');
      const follow = await asker.post('/users/keeper/follow');
      expect(follow.statusCode).toBe(303);
      expect(follow.headers.location).toBe('/@keeper?notice=requested');

      // Pending: every page the requester can open shows nothing followers-only.
      const pending = await asker.get('/@keeper?notice=requested');
      expect(pending.body).toContain('Follow request sent');
      expect(pending.body).toContain('Requested');
      expect(pending.body).toContain('Cancel request');
      for (const url of ['/@keeper', '/home', `/@keeper/${openerId}`, '/notifications']) {
        const page = await asker.get(url);
        expect(page.statusCode, url).toBe(200);
        expect(page.body, url).not.toContain('secret');
      }
      expect((await asker.get(`/@keeper/${secretId}`)).statusCode).toBe(404);

      // The owner learns of it in notifications, with a way to answer.
      const notifications = await owner.get('/notifications');
      expectGoodPage(notifications, '/notifications');
      expect(notifications.body).toContain('asked to follow you');
      expect(notifications.body).toContain('href="/follow_requests"');
      const requests = await owner.get('/follow_requests');
      expectGoodPage(requests, '/follow_requests');
      expect(requests.body).toContain('@asker');
      const askerId = (await h.ctx.microblog.lookup('asker'))!.id;
      expect(requests.body).toContain(`action="/follow_requests/${askerId}/authorize"`);

      // Answering is a form like any other: without this browser's token it is refused.
      for (const csrf of [null, 'A'.repeat(43), asker.csrf]) {
        expect((await owner.post(`/follow_requests/${askerId}/authorize`, { _csrf: csrf })).statusCode).toBe(403);
      }
      // Nobody but the locked account can answer its requests.
      expect((await other.post(`/follow_requests/${askerId}/authorize`)).statusCode).toBe(404);
      expect((await asker.get('/@keeper')).body).toContain('Requested');

      const accepted = await owner.post(`/follow_requests/${askerId}/authorize`);
      expect(accepted.headers.location).toBe('/follow_requests?notice=request_accepted');
      expect((await owner.get('/follow_requests')).body).toContain('Nobody is waiting');
      const following = await asker.get('/@keeper');
      expect(following.body).toContain('Unfollow');
      expect(following.body).toContain('secret on the profile');
      expect((await asker.get('/home')).body).toContain('secret reply for followers');
      expect((await asker.get(`/@keeper/${openerId}`)).body).toContain('secret reply for followers');
    },
  );

  it.skipIf(skip)('a requester can withdraw, and a rejected one stays out', async () => {
    const ownerAccount = (await h.ctx.microblog.lookup('keeper'))!;
    expect(ownerAccount.locked).toBe(true);
    expect((await other.post('/users/keeper/follow')).headers.location).toBe('/@keeper?notice=requested');
    const withdrawn = await other.post('/users/keeper/unfollow');
    expect(withdrawn.headers.location).toBe('/@keeper?notice=request_withdrawn');
    expect((await other.get('/@keeper')).body).toContain('Request to follow');
    expect((await owner.get('/follow_requests')).body).not.toContain('@other');

    await other.post('/users/keeper/follow');
    const otherId = (await h.ctx.microblog.lookup('other'))!.id;
    const rejected = await owner.post(`/follow_requests/${otherId}/reject`);
    expect(rejected.headers.location).toBe('/follow_requests?notice=request_rejected');
    const page = await other.get('/@keeper');
    expect(page.body).toContain('Request to follow');
    expect(page.body).not.toContain('secret');
  });

  it.skipIf(skip)('unticking the setting opens the account and accepts whoever is waiting', async () => {
    await other.post('/users/keeper/follow');
    await owner.post('/settings/profile', { display_name: 'Keeper', note: '' });
    expect((await h.ctx.microblog.lookup('keeper'))!.locked).toBe(false);
    const page = await other.get('/@keeper');
    expect(page.body).toContain('Unfollow');
    expect(page.body).toContain('secret on the profile');
  });
});
