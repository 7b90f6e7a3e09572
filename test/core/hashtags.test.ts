import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPostHtml } from '../../src/core/post-html.ts';
import { extractHashtags, hashtagKey, normaliseHashtag } from '../../src/core/text.ts';
import { ENGINES, testContext, type TestContext } from '../helpers/context.ts';

describe('hashtag tokenizer', () => {
  it('finds Unicode tags as Mastodon does, not in links, entities, or after letters', () => {
    expect(extractHashtags('#hello #Élan #日本語 #café_au_lait #çok·güzel')).toEqual([
      'hello',
      'Élan',
      '日本語',
      'café_au_lait',
      'çok·güzel',
    ]);
    expect(extractHashtags('mail#no https://x.org/#frag https://x.org/?a=#b &#39; (#yes) #2024 #a1')).toEqual([
      'yes',
      'a1',
    ]);
    // One tag per identity, first spelling kept.
    expect(extractHashtags('#Cats #cats #CATS')).toEqual(['Cats']);
    expect(hashtagKey('Ｃａｔｓ')).toBe(hashtagKey('cats'));
    expect(normaliseHashtag('#ok·')).toBe('ok');
    expect(normaliseHashtag('##')).toBeNull();
    expect(normaliseHashtag('x'.repeat(101))).toBeNull();
  });

  it('links tags in post HTML with escaping, leaving links and their fragments alone', () => {
    const out = renderPostHtml('#One <b> https://e.org/#two end#three #four.', [], 'https://s.example');
    expect(out).toBe(
      '<p><a href="https://s.example/tags/One" class="mention hashtag" rel="tag">#<span>One</span></a> &lt;b&gt; ' +
        '<a href="https://e.org/#two" rel="nofollow noopener noreferrer" target="_blank">https://e.org/#two</a> end#three ' +
        '<a href="https://s.example/tags/four" class="mention hashtag" rel="tag">#<span>four</span></a>.</p>',
    );
  });
});

describe.each(ENGINES)('reindexing a post after its text changes, on $label', ({ name, skip }) => {
  let ctx: TestContext;
  beforeAll(async () => {
    if (!skip) ctx = await testContext(name);
  });
  afterAll(async () => ctx?.dispose());

  it.skipIf(skip)('the edit path calls one method and tags and search follow the new text', async () => {
    const author = await ctx.microblog.createAccount({ username: 'editor' });
    const post = await ctx.microblog.post(author.id, { text: 'first #draft words apricot', source: 'web' });
    // What an edit does to the row; then the edit path asks for a reindex.
    await ctx.store.db
      .updateTable('posts')
      .set({ text: 'second #final words blueberry' })
      .where('id', '=', post.id)
      .execute();
    await ctx.microblog.reindexPost(post.id);
    const page = { limit: 20 };
    expect((await ctx.hashtags.timeline(null, { tag: 'draft' }, page)).map((v) => v.post.id)).toEqual([]);
    expect((await ctx.hashtags.timeline(null, { tag: 'final' }, page)).map((v) => v.post.id)).toEqual([post.id]);
    const find = async (q: string) =>
      (
        await ctx.search.search(author.id, {
          query: q,
          type: 'statuses',
          resolve: false,
          following: false,
          accountId: null,
          page,
          offset: 0,
        })
      ).statuses.map((v) => v.post.id);
    expect(await find('apricot')).toEqual([]);
    expect(await find('blueberry')).toEqual([post.id]);
  });
});
