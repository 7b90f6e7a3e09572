import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from './helpers.ts';

const KE = '+254712345000';

/** Hashtags in posts sent by text message: the same tokenizer as every other channel. */
describe.each(ENGINES)('hashtags in SMS posts, on $label', ({ name, skip }) => {
  let h: SmsHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('a post texted with a hashtag is in the tag timeline, with the tag in its status', async () => {
    const texter = await h.smsUser('texter', KE, 'KE');
    const result = await h.text(KE, 'Rain in Nairobi today #KenyaWeather');
    expect(result.post_id).not.toBeNull();
    const timeline = await h.app.inject({ url: '/api/v1/timelines/tag/kenyaweather' });
    expect(timeline.statusCode).toBe(200);
    const statuses = timeline.json() as {
      id: string;
      tags: { name: string }[];
      content: string;
      account: { id: string };
    }[];
    expect(statuses.map((s) => s.id)).toEqual([result.post_id]);
    expect(statuses[0]!.account.id).toBe(texter.id);
    expect(statuses[0]!.tags.map((t) => t.name)).toEqual(['KenyaWeather']);
    expect(statuses[0]!.content).toContain('href="https://sparrow.example/tags/KenyaWeather" class="mention hashtag"');
    const page = await h.app.inject({ url: '/tags/kenyaweather' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Rain in Nairobi today');
  });
});
