import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import generator, { type Entity, type MegalodonInterface } from 'megalodon';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * megalodon against the areas issue 12 added (media, search and hashtags, edits and polls,
 * lists, markers and conversations, filters, safety lists and reports, push), on both engines:
 * a second, independent client library besides masto.js (test/e2e/*.test.ts per area).
 */
describe.each(ENGINES)('megalodon on the newer API areas, on $label', ({ name, skip }) => {
  let server: RunningServer;
  let ada: MegalodonInterface;
  let bob: MegalodonInterface;
  let bobId: string;

  const clientFor = async (username: string) => {
    const account = await server.ctx.microblog.createAccount({ username });
    const token = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: account.id,
      scopes: ['read', 'write', 'follow', 'push'],
    });
    return { id: account.id, client: generator('mastodon', server.url, token.accessToken) };
  };

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name);
    ({ client: ada } = await clientFor('ada_meg'));
    ({ id: bobId, client: bob } = await clientFor('bob_meg'));
    await ada.followAccount(bobId);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(skip)('uploads an image and posts it with alt text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparrow-meg-'));
    const file = join(dir, 'square.png');
    writeFileSync(
      file,
      await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer(),
    );
    const uploaded = (await ada.uploadMedia(createReadStream(file), { description: 'A blue rectangle' }))
      .data as Entity.Attachment;
    expect(uploaded.type).toBe('image');
    const media = (await ada.getMedia(uploaded.id)).data;
    expect(media.description).toBe('A blue rectangle');
    const posted = (await ada.postStatus('with a picture', { media_ids: [uploaded.id] })).data as Entity.Status;
    expect(posted.media_attachments.map((m) => m.id)).toEqual([uploaded.id]);
    // Someone else's upload cannot be attached.
    await expect(bob.postStatus('stolen', { media_ids: [uploaded.id] })).rejects.toThrow();
  });

  it.skipIf(skip)('searches people and tags, follows a tag and reads its timeline', async () => {
    await bob.postStatus('Birds at dawn #birdsong', { visibility: 'public' });
    const people = (await ada.search('bob_meg', { type: 'accounts' })).data;
    expect(people.accounts.map((a) => a.id)).toContain(bobId);
    const tags = (await ada.search('birdso', { type: 'hashtags' })).data;
    expect(tags.hashtags.map((t) => t.name.toLowerCase())).toContain('birdsong');
    const followed = (await ada.followTag('birdsong')).data;
    expect(followed.following).toBe(true);
    expect((await ada.getFollowedTags()).data.map((t) => t.name.toLowerCase())).toContain('birdsong');
    const timeline = (await ada.getTagTimeline('birdsong')).data;
    expect(timeline.some((s) => s.content.includes('Birds at dawn'))).toBe(true);
  });

  it.skipIf(skip)('edits a post (source and new text) and votes on a poll', async () => {
    const posted = (await ada.postStatus('first words', {})).data as Entity.Status;
    const edited = (await ada.editStatus(posted.id, { status: 'second words' })).data;
    expect(edited.content).toContain('second words');
    expect(edited.edited_at).not.toBeNull();
    expect((await ada.getStatusSource(posted.id)).data.text).toBe('second words');
    // Bob may not edit it.
    await expect(bob.editStatus(posted.id, { status: 'hijacked' })).rejects.toThrow();

    const withPoll = (
      await bob.postStatus('tea or coffee?', { poll: { options: ['tea', 'coffee'], expires_in: 3600 } })
    ).data as Entity.Status;
    const voted = (await ada.votePoll(withPoll.poll!.id, [0])).data;
    expect(voted.voted).toBe(true);
    expect(voted.votes_count).toBe(1);
    await expect(ada.votePoll(withPoll.poll!.id, [1])).rejects.toThrow();
  });

  it.skipIf(skip)('lists, markers and conversations', async () => {
    const list = (await ada.createList('Close friends')).data;
    await ada.addAccountsToList(list.id, [bobId]);
    await bob.postStatus('for the list', { visibility: 'public' });
    const timeline = (await ada.getListTimeline(list.id)).data;
    expect(timeline.some((s) => s.content.includes('for the list'))).toBe(true);
    expect((await ada.getLists()).data.map((l) => l.title)).toContain('Close friends');
    // Bob cannot read ada's list.
    await expect(bob.getListTimeline(list.id)).rejects.toThrow();

    const last = timeline[0]!.id;
    await ada.saveMarkers({ home: { last_read_id: last } });
    const markers = (await ada.getMarkers(['home'])).data as { home?: { last_read_id: string } };
    expect(markers.home?.last_read_id).toBe(last);

    await bob.postStatus('@ada_meg just between us', { visibility: 'direct' });
    const conversations = (await ada.getConversationTimeline()).data;
    expect(conversations.some((c) => c.last_status?.content.includes('just between us'))).toBe(true);
  });

  it.skipIf(skip)('blocks and mutes lists, and a report', async () => {
    const { id: troll } = await clientFor('troll_meg');
    const { id: noisy } = await clientFor('noisy_meg');
    await ada.blockAccount(troll);
    await ada.muteAccount(noisy, true);
    expect((await ada.getBlocks()).data.map((a) => a.id)).toContain(troll);
    expect((await ada.getMutes()).data.map((a) => a.id)).toContain(noisy);
    const report = (await ada.report(troll, { comment: 'spam in my mentions', category: 'spam' })).data;
    expect(report.category).toBe('spam');
  });
});
