import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

/**
 * Lists on the web, as a browser without JavaScript uses them: create, rename, add and remove
 * people one follows, read the list's timeline; someone else's list is not found.
 */
describe.each(ENGINES)('lists on the web ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let owner: FormClient;
  let friend: FormClient;
  let stranger: FormClient;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    owner = new FormClient(h.app);
    friend = new FormClient(h.app);
    stranger = new FormClient(h.app);
    await owner.signUp('lister');
    await friend.signUp('friendly');
    await stranger.signUp('strange');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('creates a list, adds someone followed, reads its timeline, renames and deletes it', async () => {
    await owner.post('/users/friendly/follow');
    await friend.post('/posts', { status: 'hello from a friend', visibility: 'public' });
    await stranger.post('/posts', { status: 'hello from a stranger', visibility: 'public' });

    const index = await owner.get('/lists');
    expectGoodPage(index, '/lists');
    expect(index.body).toContain('No lists yet');
    const created = await owner.post('/lists', { title: 'Good people', replies_policy: 'list' });
    expect(created.statusCode).toBe(303);
    const path = /^\/lists\/(\d+)\?notice=list_created$/.exec(String(created.headers.location));
    expect(path).not.toBeNull();
    const listUrl = `/lists/${path![1]}`;

    let page = await owner.get(listUrl);
    expectGoodPage(page, listUrl);
    expect(page.body).toContain('Good people');
    // Offered: the people one follows.
    expect(page.body).toContain('@friendly');
    expect(page.body).not.toContain('@strange');

    // Only people one follows can be added.
    const refused = await owner.post(`${listUrl}/members`, { username: 'strange' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('only add accounts you follow');
    const added = await owner.post(`${listUrl}/members`, { username: 'friendly' });
    expect(added.headers.location).toBe(`${listUrl}?notice=member_added#people`);
    page = await owner.get(listUrl);
    expectGoodPage(page, listUrl);
    expect(page.body).toContain('hello from a friend');
    expect(page.body).not.toContain('hello from a stranger');
    expect(page.body).toContain('People in this list (1)');

    const renamed = await owner.post(listUrl, { title: 'Best people', replies_policy: 'none', exclusive: '1' });
    expect(renamed.headers.location).toBe(`${listUrl}?notice=list_saved`);
    const list = (await h.ctx.lists.lists((await h.ctx.microblog.lookup('lister'))!.id))[0]!;
    expect([list.title, list.repliesPolicy, list.exclusive]).toEqual(['Best people', 'none', true]);
    // Exclusive: the friend's post left Home.
    expect((await owner.get('/home')).body).not.toContain('hello from a friend');

    // Someone else's list does not exist for them, whatever they try.
    expect((await stranger.get(listUrl)).statusCode).toBe(404);
    expect((await stranger.post(listUrl, { title: 'mine' })).statusCode).toBe(404);
    expect((await stranger.post(`${listUrl}/delete`)).statusCode).toBe(404);
    expect((await stranger.get('/lists')).body).not.toContain('Best people');

    const friendId = (await h.ctx.microblog.lookup('friendly'))!.id;
    const removed = await owner.post(`${listUrl}/members/${friendId}/remove`);
    expect(removed.headers.location).toBe(`${listUrl}?notice=member_removed#people`);
    expect((await owner.get(listUrl)).body).toContain('People in this list (0)');

    expect((await owner.post('/lists', { title: '' })).statusCode).toBe(422);
    const deleted = await owner.post(`${listUrl}/delete`);
    expect(deleted.headers.location).toBe('/lists?notice=list_deleted');
    expect((await owner.get(listUrl)).statusCode).toBe(404);
  });

  it.skipIf(skip)(
    'messages list conversations with unread marks; opening one reads it; nobody else sees it',
    async () => {
      expect((await friend.post('/messages', { to: 'lister', text: 'psst, lister' })).statusCode).toBe(303);
      let inbox = await owner.get('/messages');
      expectGoodPage(inbox, '/messages');
      expect(inbox.body).toMatch(
        /<a href="\/messages\/friendly"><strong>@friendly<\/strong><\/a> · <strong>new<\/strong>/,
      );
      expect(inbox.body).toContain('psst, lister');
      expectGoodPage(await owner.get('/messages/friendly'), '/messages/friendly');
      inbox = await owner.get('/messages');
      expect(inbox.body).toContain('psst, lister');
      expect(inbox.body).not.toContain('<strong>new</strong>');
      expect((await stranger.get('/messages')).body).not.toContain('psst');
    },
  );
});
