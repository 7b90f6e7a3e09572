import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { coreHarness, ids, type CoreHarness } from './helpers.ts';

/** Filter matching as Mastodon does it, and expiry, through the domain on both engines. */
describe.each(ENGINES)('filters in the domain on $label', ({ name, skip }) => {
  let h: CoreHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await coreHarness(name);
  });
  afterAll(async () => h?.ctx.dispose());

  it.skipIf(skip)('whole words, phrases, punctuation, case, spoilers; expiry by the clock', async () => {
    const me = await h.account('fm');
    const author = await h.account('fa');
    await h.ctx.microblog.follow(me.id, author.id);
    const filter = await h.ctx.filters.create(me.id, {
      title: 'Words',
      context: ['home', 'account'],
      action: 'warn',
      keywords: [
        { keyword: 'cat', wholeWord: true },
        { keyword: 'c++', wholeWord: true },
        { keyword: '#tea', wholeWord: true },
        { keyword: 'dog', wholeWord: false },
        { keyword: 'New York', wholeWord: true },
      ],
    });
    const cases: [string, string[]][] = [
      ['my cat.', ['cat']],
      ['Cat!', ['cat']],
      ['concatenate', []],
      ['cats', []],
      ['I write C++ daily', ['c++']],
      ['#tea time', ['#tea']],
      ['#teatime', []],
      ['hotdogs', ['dog']],
      ['new york city', ['New York']],
      ['newyork', []],
      ['émile catégorie', []],
    ];
    const posts: { id: string }[] = [];
    for (const [text] of cases) posts.push(await h.post(author, text));
    const withSpoiler = await h.post(author, 'nothing here', { spoilerText: 'about my cat' });
    const profile = await h.ctx.microblog.accountTimeline(me.id, author.id, h.page({ limit: 40 }));
    const matched = new Map(profile.map((v) => [v.post.id, v.filtered?.[0]?.keywordMatches ?? []]));
    cases.forEach(([text, expected], i) => expect([text, matched.get(posts[i]!.id)]).toEqual([text, expected]));
    expect(matched.get(withSpoiler.id)).toEqual(['cat']);

    // Expiry follows the clock: a filter that expires stops applying.
    await h.ctx.filters.update(me.id, filter.id, { action: 'hide', expiresIn: 60 });
    expect(ids(await h.ctx.microblog.homeTimeline(me.id, h.page({ limit: 40 })))).not.toContain(posts[0]!.id);
    h.clock.advance(61_000);
    expect(ids(await h.ctx.microblog.homeTimeline(me.id, h.page({ limit: 40 })))).toContain(posts[0]!.id);
    // Someone else's filter id is not found.
    const other = await h.account('fo');
    await expect(h.ctx.filters.get(other.id, filter.id)).rejects.toMatchObject({ kind: 'not_found' });
  });
});
