import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from './helpers.ts';

const KE = '+254712345001';

/**
 * Polls and scheduled posts reach SMS followers like any post: a poll as its text with the
 * options numbered and the link to vote on the web; a scheduled post when it is published.
 */
describe.each(ENGINES)('polls and scheduled posts by SMS on $label', ({ name, skip }) => {
  let h: SmsHarness;
  let reader: SmsUser;
  let author: SmsUser;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
    reader = await h.smsUser('smsreader', KE, 'KE');
    author = await h.user('smspoller');
    await h.text(KE, 'FOLLOW @smspoller');
  });
  afterAll(async () => h?.close());

  const lastText = async () => (await h.inbox(KE)).at(-1)?.text ?? null;

  it.skipIf(skip)('sends a poll as text, numbered options and a link to vote', async () => {
    const posted = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: author.auth,
      payload: { status: 'Market day?', poll: { options: ['Monday', 'Friday'], expires_in: 86400 } },
    });
    expect(posted.statusCode).toBe(200);
    await h.drain();
    expect(await lastText()).toBe(
      `@smspoller: Market day?\n1) Monday\n2) Friday\nVote: https://sparrow.example/@smspoller/${posted.json().id}`,
    );
    expect(reader.id).toBeDefined();
  });

  it.skipIf(skip)('sends a scheduled post when it is published, once', async () => {
    const at = new Date(h.clock.now().getTime() + 15 * 60_000);
    const scheduled = await h.app.inject({
      method: 'POST',
      url: '/api/v1/statuses',
      headers: author.auth,
      payload: { status: 'Written yesterday', scheduled_at: at.toISOString() },
    });
    expect(scheduled.statusCode).toBe(200);
    expect(scheduled.json().scheduled_at).toBe(at.toISOString());
    await h.drain();
    expect(await lastText()).not.toBe('@smspoller: Written yesterday');
    h.clock.advance(16 * 60_000);
    expect(await h.ctx.scheduledPosts.runOnce()).toBe(1);
    expect(await h.ctx.scheduledPosts.runOnce()).toBe(0);
    await h.drain();
    const texts = (await h.inbox(KE)).map((m) => m.text);
    expect(texts.filter((t) => t === '@smspoller: Written yesterday')).toHaveLength(1);
  });
});
