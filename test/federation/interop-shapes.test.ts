import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

/**
 * What other implementations need from Sparrow's documents, found by federating with Hollo
 * built from source (docs/federation.md, "Tested with other servers"): a Note's links are
 * absolute (the receiving server shows the content under its own origin, so `/tags/x`
 * pointed at the receiver) and its hashtags are tagged as Mastodon tags them (`Hashtag`
 * objects), so the receiver indexes and links them; and a post received from another server
 * is indexed under its hashtags here as a local post is (tag timelines found nothing); and an
 * `Undo(Follow)` names the very Follow that was sent (Hollo, like Sparrow, matches the Follow
 * by its id: a Follow re-made with another id leaves the follow in place there).
 */
const FEDERATION_ENV = {
  SPARROW_FEDERATION: 'on',
  SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  SPARROW_LOG_LEVEL: 'silent',
};

describe.each(ENGINES)('the Note as other servers read it on $label', ({ name, skip }) => {
  let server: RunningServer;
  let other: RunningServer;
  const stops: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name, FEDERATION_ENV);
    other = await startServer(name, FEDERATION_ENV);
    stops.push(await server.ctx.startBackgroundWork({ inProcessWithWeb: true }));
    stops.push(await other.ctx.startBackgroundWork({ inProcessWithWeb: true }));
  }, 60_000);

  afterAll(async () => {
    for (const s of stops) await s.stop();
    await server?.close();
    await other?.close();
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

  it.skipIf(skip)(
    'a post from another server is found under its hashtags',
    async () => {
      const reader = await server.ctx.microblog.createAccount({ username: 'reader' });
      const writer = await other.ctx.microblog.createAccount({ username: 'writer' });
      const writerHere = await server.ctx.microblog.resolve(`writer@${new URL(other.url).host}`);
      await server.ctx.microblog.follow(reader.id, writerHere!.id);
      await until(
        'the Accept',
        async () => (await server.ctx.microblog.relationship(reader.id, writerHere!.id)).following,
      );

      await other.ctx.microblog.post(writer.id, { text: 'Harvest news from #Machakos', source: 'web' });
      await until('the post here', async () =>
        (await server.ctx.microblog.homeTimeline(reader.id, { limit: 20 })).some((v) =>
          v.post.text.includes('Harvest'),
        ),
      );
      const res = await fetch(`${server.url}/api/v1/timelines/tag/machakos`);
      expect(res.status).toBe(200);
      const statuses = (await res.json()) as { uri: string; account: { acct: string } }[];
      expect(statuses.map((s) => s.account.acct)).toEqual([`writer@${new URL(other.url).host}`]);
    },
    60_000,
  );

  it.skipIf(skip)(
    'an unfollow undoes the Follow by the id it was sent with',
    async () => {
      const realFetch = globalThis.fetch;
      const activities: { type: string; id: string; object: unknown }[] = [];
      globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
        const request = new Request(input, init);
        if (request.method === 'POST' && request.url.startsWith(other.url)) {
          const body = (await request
            .clone()
            .json()
            .catch(() => null)) as (typeof activities)[number] | null;
          if (body?.type === 'Follow' || body?.type === 'Undo') activities.push(body);
        }
        return realFetch(request);
      };
      try {
        const fan = await server.ctx.microblog.createAccount({ username: 'fan' });
        const star = await other.ctx.microblog.createAccount({ username: 'star' });
        const starHere = await server.ctx.microblog.resolve(`star@${new URL(other.url).host}`);
        await server.ctx.microblog.follow(fan.id, starHere!.id);
        await until(
          'the Accept',
          async () => (await server.ctx.microblog.relationship(fan.id, starHere!.id)).following,
        );
        await server.ctx.microblog.unfollow(fan.id, starHere!.id);
        const fanThere = await other.ctx.microblog.resolve(`fan@${new URL(server.url).host}`);
        await until(
          'the Undo there',
          async () => !(await other.ctx.microblog.relationship(star.id, fanThere!.id)).followedBy,
        );
        const follow = activities.find((a) => a.type === 'Follow');
        const undo = activities.find((a) => a.type === 'Undo');
        expect(follow?.id).toBeTruthy();
        const undone = undo?.object as string | { id?: string } | undefined;
        expect(typeof undone === 'string' ? undone : undone?.id).toBe(follow!.id);
      } finally {
        globalThis.fetch = realFetch;
      }
    },
    60_000,
  );
});
