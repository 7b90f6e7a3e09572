import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * What other implementations need from Sparrow's documents, found by federating with Hollo
 * built from source (docs/federation.md, "Tested with other servers"): a Note's links are
 * absolute (the receiving server shows the content under its own origin, so `/tags/x`
 * pointed at the receiver) and its hashtags are tagged as Mastodon tags them (`Hashtag`
 * objects), so the receiver indexes and links them.
 */
describe.each(ENGINES)('the Note as other servers read it on $label', ({ name, skip }) => {
  let server: RunningServer;

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name, {
      SPARROW_FEDERATION: 'on',
      SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
      SPARROW_LOG_LEVEL: 'silent',
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(skip)('hashtag links are absolute and each hashtag is a Hashtag tag', async () => {
    const ada = await server.ctx.microblog.createAccount({ username: 'ada' });
    await server.ctx.microblog.createAccount({ username: 'grace' });
    const post = await server.ctx.microblog.post(ada.id, {
      text: 'Rain in #Kitui and #kitui again, #MaendeleoYetu @grace https://example.org/#notatag',
      source: 'web',
    });
    const res = await fetch(`${server.url}/users/ada/statuses/${post.id}`, {
      headers: { accept: 'application/activity+json' },
    });
    expect(res.status).toBe(200);
    const note = (await res.json()) as { content: string; tag: { type: string; href: string; name: string }[] };

    const hrefs = [...note.content.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThanOrEqual(4);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\//);
    expect(note.content).toContain(`href="${server.url}/tags/Kitui"`);

    const hashtags = note.tag.filter((t) => t.type === 'Hashtag');
    // One per tag (#Kitui and #kitui are one), as first written; a link's fragment is no tag.
    expect(hashtags).toEqual([
      { type: 'Hashtag', href: `${server.url}/tags/Kitui`, name: '#Kitui' },
      { type: 'Hashtag', href: `${server.url}/tags/MaendeleoYetu`, name: '#MaendeleoYetu' },
    ]);
    expect(note.tag.filter((t) => t.type === 'Mention').map((t) => t.name)).toEqual([
      `@grace@${new URL(server.url).host}`,
    ]);
  });
});
