import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

/** The search page and hashtag pages, driven as a browser without JavaScript. */
describe.each(ENGINES)('search and hashtag pages ($label)', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let alice: FormClient;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    alice = new FormClient(h.app);
    await alice.signUp('webalice');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('finds a person by name from the header link and follows them from the result', async () => {
    const bob = await h.ctx.microblog.createAccount({ username: 'webbob', displayName: 'Robert Warbler' });
    const home = await alice.get('/home');
    expect(home.body).toContain('href="/search"');
    const page = await alice.get('/search?q=warbler');
    expectGoodPage(page, '/search?q=warbler');
    expect(page.body).toContain('@webbob');
    expect(page.body).toContain('action="/users/webbob/follow"');
    const followed = await alice.post('/users/webbob/follow');
    expect(followed.statusCode).toBe(303);
    expect(await h.ctx.microblog.isFollowing((await h.ctx.microblog.lookup('webalice'))!.id, bob.id)).toBe(true);
    const again = await alice.get('/search?q=%40webbob&type=accounts');
    expect(again.body).toContain('Following');
    expect(again.body).not.toContain('action="/users/webbob/follow"');
  });

  it.skipIf(skip)('searches posts only signed in, and never shows a followers-only post to a stranger', async () => {
    const carol = await h.ctx.microblog.createAccount({ username: 'webcarol' });
    await h.ctx.microblog.post(carol.id, { text: 'kumquat season is here', source: 'web' });
    await h.ctx.microblog.post(carol.id, { text: 'kumquat secret', source: 'web', visibility: 'private' });
    const signedIn = await alice.get('/search?q=kumquat&type=statuses');
    expectGoodPage(signedIn, '/search (posts)');
    expect(signedIn.body).toContain('kumquat season is here');
    expect(signedIn.body).not.toContain('kumquat secret');
    const anonymous = await new FormClient(h.app).get('/search?q=kumquat');
    expectGoodPage(anonymous, '/search anonymous');
    expect(anonymous.body).not.toContain('kumquat season');
    expect(anonymous.body).toContain('to search posts');
  });

  it.skipIf(skip)('hashtag pages list public posts, link from posts, and follow the tag', async () => {
    const dave = await h.ctx.microblog.createAccount({ username: 'webdave' });
    await h.ctx.microblog.post(dave.id, { text: 'Sunset over the lake #Photography', source: 'web' });
    await h.ctx.microblog.post(dave.id, { text: 'only friends #photography', source: 'web', visibility: 'private' });
    const profile = await alice.get('/@webdave');
    expect(profile.body).toContain(
      '<a href="/tags/Photography" class="mention hashtag" rel="tag">#<span>Photography</span></a>',
    );
    const tag = await alice.get('/tags/photography');
    expectGoodPage(tag, '/tags/photography');
    expect(tag.body).toContain('<h1>#Photography</h1>');
    expect(tag.body).toContain('Sunset over the lake');
    expect(tag.body).not.toContain('only friends');
    expect(tag.body).toContain('action="/tags/Photography/follow"');
    const followed = await alice.post('/tags/Photography/follow');
    expect(followed.statusCode).toBe(303);
    const after = await alice.get('/tags/photography');
    expect(after.body).toContain('action="/tags/Photography/unfollow"');
    // A followed tag's public posts reach home.
    const home = await alice.get('/home');
    expect(home.body).toContain('Sunset over the lake');
    const search = await alice.get('/search?q=%23photo&type=hashtags');
    expectGoodPage(search, '/search hashtags');
    expect(search.body).toContain('href="/tags/Photography"');
    const anonymous = await new FormClient(h.app).get('/tags/Photography');
    expectGoodPage(anonymous, '/tags anonymous');
    expect(anonymous.body).toContain('to follow this hashtag');
    expect((await alice.get('/tags/%23%23')).statusCode).toBe(404);
    // A featured tag's link: one profile's public posts with the tag.
    const tagged = await alice.get('/@webdave/tagged/photography');
    expectGoodPage(tagged, '/@webdave/tagged/photography');
    expect(tagged.body).toContain('Sunset over the lake');
    expect(tagged.body).not.toContain('only friends');
    expect((await alice.get('/@webalice/tagged/photography')).body).not.toContain('Sunset over the lake');
  });
});
