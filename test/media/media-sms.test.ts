import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from '../sms/helpers.ts';
import { png } from './images.ts';

const KE_1 = '+254712300101';

/**
 * SMS users get posts with images as text: how many images, their alt text, and always the
 * link to see them. Posting by SMS stays text only.
 */
describe.each(ENGINES)('posts with images by SMS on $label', ({ name, skip }) => {
  let h: SmsHarness;
  let bob: SmsUser;
  let dataDir: string;

  beforeAll(async () => {
    if (skip) return;
    dataDir = await mkdtemp(join(tmpdir(), 'sparrow-media-sms-'));
    h = await smsHarness(name, { SPARROW_DATA_DIR: dataDir });
    await h.smsUser('alice', KE_1, 'KE');
    bob = await h.user('bob');
    await h.text(KE_1, 'FOLLOW @bob');
  });
  afterAll(async () => {
    await h?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const upload = async (description?: string) =>
    (await h.ctx.media.upload(bob.id, { data: await png(), description }, 'wait')).id;
  const post = async (payload: Record<string, unknown>) => {
    const answer = await h.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: bob.auth, payload });
    expect(answer.statusCode).toBe(200);
    await h.drain();
    return answer.json() as { id: string };
  };
  const lastText = async () => (await h.inbox(KE_1)).at(-1)?.text ?? null;

  it.skipIf(skip)('says a post has images, with their alt text and the link', async () => {
    const one = await post({ status: 'The kite flew', media_ids: [await upload('A red kite over a field')] });
    expect(await lastText()).toBe(
      `@bob: The kite flew [photo: A red kite over a field] https://sparrow.example/@bob/${one.id}`,
    );
    const two = await post({ status: '', media_ids: [await upload(), await upload()] });
    expect(await lastText()).toBe(`@bob: [2 photos] https://sparrow.example/@bob/${two.id}`);
  });

  it.skipIf(skip)('cuts a long post with images and keeps the link', async () => {
    const long = 'Market day. '.repeat(22).trim();
    const posted = await post({ status: long, media_ids: [await upload('x'.repeat(1000))] });
    const text = (await lastText())!;
    expect(text.startsWith('@bob: Market day.')).toBe(true);
    expect(text.endsWith(` https://sparrow.example/@bob/${posted.id}`)).toBe(true);
    expect(text.length).toBeLessThanOrEqual(3 * 153);
  });

  it.skipIf(skip)('keeps texting in a post text only', async () => {
    const result = await h.text(KE_1, 'Just words from my phone');
    expect(result.outcome).toBe('posted');
    const status = await h.app.inject({ url: `/api/v1/statuses/${result.post_id}` });
    expect(status.json().media_attachments).toEqual([]);
  });
});
