import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusesBytes, statusesJson } from '../../src/api/mastodon/status-json.ts';
import { ENGINES } from '../helpers/context.ts';
import { apiHarness, type ApiHarness } from './helpers.ts';

/**
 * The home page is written as bytes from kept pieces (src/api/mastodon/status-json.ts): each
 * status in it must be the very JSON the single status answers, text outside ASCII included,
 * for a plain post, a boost, a mention, a favourited post, one behind a warn filter, a pinned and
 * bookmarked one and a poll.
 */
describe.each(ENGINES)('home timeline JSON on $label', ({ name, skip }) => {
  let h: ApiHarness;
  beforeAll(async () => {
    if (!skip) h = await apiHarness(name);
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('each status of the page is the single status, byte for byte in meaning', async () => {
    const reader = await h.user('hjreader');
    const writer = await h.user('hjwriter');
    const booster = await h.user('hjbooster');
    const stranger = await h.user('hjstranger');
    const post = async (user: { auth: Record<string, string> }, payload: Record<string, unknown>) =>
      (await h.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: user.auth, payload })).json()
        .id as string;
    for (const target of [writer, booster])
      await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${target.id}/follow`, headers: reader.auth });
    await h.app.inject({
      method: 'POST',
      url: '/api/v2/filters',
      headers: reader.auth,
      payload: { title: 'Pies', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'pie' }] },
    });
    await post(writer, { status: 'Grüße aus Köln 🐦 — 東京 ✓ “quoted”' });
    const mention = await post(writer, { status: '@hjreader ça va? 👋🏽' });
    const pie = await post(writer, { status: 'apple pie 🥧' });
    await post(writer, { status: 'liked one ★' }).then((id) =>
      h.app.inject({ method: 'POST', url: `/api/v1/statuses/${id}/favourite`, headers: reader.auth }),
    );
    const boosted = await post(stranger, { status: 'from afar: 東京 ✓' });
    await h.app.inject({ method: 'POST', url: `/api/v1/statuses/${boosted}/reblog`, headers: booster.auth });
    // The reader's own post, pinned and bookmarked, and a poll: other flags and tails.
    const own = await post(reader, { status: 'mine, kept 📌' });
    await h.app.inject({ method: 'POST', url: `/api/v1/statuses/${own}/pin`, headers: reader.auth });
    await h.app.inject({ method: 'POST', url: `/api/v1/statuses/${own}/bookmark`, headers: reader.auth });
    await post(writer, { status: 'which one?', poll: { options: ['this', 'that'], expires_in: 3600 } });

    const response = await h.app.inject({ method: 'GET', url: '/api/v1/timelines/home', headers: reader.auth });
    expect(response.statusCode).toBe(200);
    const page = JSON.parse(response.rawPayload.toString('utf8')) as { id: string; [key: string]: unknown }[];
    expect(page.length).toBe(7);
    expect(response.headers['content-length']).toBe(String(response.rawPayload.byteLength));
    for (const status of page) {
      const single = await h.app.inject({ method: 'GET', url: `/api/v1/statuses/${status.id}`, headers: reader.auth });
      const { filtered: _filtered, ...rest } = single.json() as Record<string, unknown>;
      // The single status is read outside any filter context; home carries its warn matches.
      const { filtered, ...homeRest } = status;
      expect(homeRest).toEqual(rest);
      if (status.id === pie) expect((filtered as { filter: { title: string } }[])[0]?.filter.title).toBe('Pies');
      else expect(filtered).toEqual([]);
    }
    expect(page.find((s) => s.id === own)).toMatchObject({ pinned: true, bookmarked: true, favourited: false });
    expect(page.find((s) => s.poll)).toBeDefined();
    // Bytes and text agree for every combination of the viewer's flags, with and without a
    // poll, a boost or an extra (tails made once per combination must never be mixed up).
    const views = await Promise.all(page.map((status) => h.ctx.microblog.postView(reader.id, status.id, 'home')));
    const varied = views.flatMap((view, at) =>
      Array.from({ length: 32 }, (_, bits) => {
        const flagged = {
          ...view,
          favourited: (bits & 1) !== 0,
          reblogged: (bits & 2) !== 0,
          muted: (bits & 4) !== 0,
          bookmarked: (bits & 8) !== 0,
          pinned: (bits & 16) !== 0,
        };
        return (bits + at) % 3 === 0 ? { view: flagged, extra: ',"sparrow_promoted":true' } : flagged;
      }),
    );
    const text = `[${varied
      .map((item) => {
        const json = statusesJson(['view' in item ? item.view : item], h.ctx.config).slice(1, -1);
        return 'view' in item ? `${json.slice(0, -1)}${item.extra}}` : json;
      })
      .join(',')}]`;
    expect(statusesBytes(varied, h.ctx.config).toString('utf8')).toBe(text);
    expect(page.find((s) => s.id === mention)?.content).toContain('ça va? 👋🏽');
    expect((page.find((s) => s.reblog) as unknown as { reblog: { content: string } }).reblog.content).toContain(
      '東京 ✓',
    );
  });
});
