import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { privacyHarness, sha256, type PrivacyHarness, type PrivacyUser } from './helpers.ts';

const consentedNumber = (i: number) => `+2547220${String(10000 + i).slice(1)}`;
const securityOnlyNumber = (i: number) => `+2547440${String(10000 + i).slice(1)}`;

describe.each(ENGINES)('tailored audiences and promoted posts on $label', ({ name, skip }) => {
  let h: PrivacyHarness;
  let admin: PrivacyUser;
  let shop: PrivacyUser;
  const members: PrivacyUser[] = [];
  const securityOnly: PrivacyUser[] = [];
  let outsider: PrivacyUser;

  beforeAll(async () => {
    if (skip) return;
    h = await privacyHarness(name);
    admin = await h.user('root', { role: 'admin', scopes: 'read write follow admin:read admin:write' });
    shop = await h.user('shop');
    // 105 people allowed advertising on their phone, as real customers do: accounts opened
    // days apart, consent given one at a time over weeks (docs/privacy.md §3: accounts made or
    // consenting in bulk do not count). 20 have a phone for security (2FA) only.
    for (let i = 0; i < 105; i += 1) {
      const user = await h.user(`member${i}`, { phone: consentedNumber(i), ageDays: 60 + i * 2 });
      await h.allow(user, 'phone', { advertising: true });
      members.push(user);
      h.clock.advance(9 * 3600 * 1000);
    }
    for (let i = 0; i < 20; i += 1) securityOnly.push(await h.user(`secure${i}`, { phone: securityOnlyNumber(i) }));
    outsider = await h.user('outsider', { phone: '+254755000001' });
    await h.allow(outsider, 'phone', { advertising: true });
  }, 120_000);
  afterAll(async () => h?.close());

  const createAudience = (user: PrivacyUser, payload: unknown) =>
    h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/ads/audiences',
      headers: user.auth,
      payload: payload as object,
    });
  const home = async (user: PrivacyUser) => {
    const res = await h.app.inject({ url: '/api/v1/timelines/home', headers: user.auth });
    expect(res.statusCode).toBe(200);
    return res.json() as { id: string; sparrow_promoted?: boolean; content: string }[];
  };

  it.skipIf(skip)('only administrators make an account an advertiser; others cannot upload audiences', async () => {
    expect((await createAudience(shop, { name: 'x', hashes: [] })).statusCode).toBe(403);
    expect(
      (await h.app.inject({ method: 'PUT', url: `/api/v1/admin/sparrow/advertisers/${shop.id}`, headers: shop.auth }))
        .statusCode,
    ).toBe(403);
    const granted = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/admin/sparrow/advertisers/${shop.id}`,
      headers: admin.auth,
      payload: { reason: 'contract signed' },
    });
    expect(granted.json()).toEqual({ account_id: shop.id, advertiser: true });
    expect((await createAudience(shop, { name: 'bad', hashes: ['not-a-hash'] })).statusCode).toBe(422);
  });

  it.skipIf(skip)('an audience of 2FA-only contacts matches nobody: only advertising consent counts', async () => {
    const hashes = securityOnly.map((_, i) => sha256(securityOnlyNumber(i)));
    const res = await createAudience(shop, { name: '2FA numbers', hashes });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ usable: false, size: null, uploaded: 20 });
    // 100 consented + 20 security-only: exactly 100, so the security-only contacts contributed nothing.
    const mixed = await createAudience(shop, {
      name: 'mixed',
      hashes: [...hashes, ...members.slice(0, 100).map((_, i) => sha256(consentedNumber(i)))],
    });
    expect(mixed.json()).toMatchObject({ usable: true, size: 100 });
    // Nothing about the upload shows up for the security-only owners.
    const points = await h.app.inject({ url: '/api/v1/sparrow/contact_points', headers: securityOnly[0]!.auth });
    expect(points.json()[0].uses.audience_match).toBeUndefined();
  });

  it.skipIf(skip)('keeps audiences under 100 unusable and their size undisclosed', async () => {
    // A second advertiser, so that the answer is a fresh one: the shop's own 99-person subset of its
    // earlier 100-person list would get that earlier answer back (differencing defence, ads-padding.test.ts).
    const bakery = await h.user('bakery');
    await h.app.inject({
      method: 'PUT',
      url: `/api/v1/admin/sparrow/advertisers/${bakery.id}`,
      headers: admin.auth,
      payload: { reason: 'contract signed' },
    });
    const small = await createAudience(bakery, {
      name: 'small',
      hashes: members.slice(0, 99).map((_, i) => sha256(consentedNumber(i))),
    });
    expect(small.json()).toMatchObject({ usable: false, size: null });
    const post = await h.ctx.microblog.post(bakery.id, { text: 'Buy our bread', visibility: 'public', source: 'web' });
    const refused = await h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/ads/campaigns',
      headers: bakery.auth,
      payload: { audience_id: small.json().id, status_id: post.id },
    });
    expect(refused.statusCode).toBe(422);
  });

  it.skipIf(skip)(
    'promotes a post into matched home timelines within the frequency cap; withdrawing consent or stopping takes effect at once',
    async () => {
      const audience = await createAudience(shop, {
        name: 'customers',
        hashes: [...members.map((_, i) => sha256(consentedNumber(i))), sha256('+254799999999')],
      });
      // Sizes are the lower bound of a bucket (100 = 100–999), fixed when the list is uploaded.
      expect(audience.json()).toMatchObject({ usable: true, size: 100 });
      const post = await h.ctx.microblog.post(shop.id, {
        text: 'Fresh bread daily',
        visibility: 'public',
        source: 'web',
      });
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/v1/sparrow/ads/campaigns',
        headers: shop.auth,
        payload: { audience_id: audience.json().id, status_id: post.id, frequency_cap: 2 },
      });
      expect(created.statusCode).toBe(200);
      const campaign = created.json() as { id: string; status: string };
      expect(campaign.status).toBe('active');

      const viewer = members[0]!;
      const first = await home(viewer);
      expect(first.filter((s) => s.sparrow_promoted)).toEqual([
        expect.objectContaining({ id: post.id, sparrow_promoted: true }),
      ]);
      expect((await home(viewer)).some((s) => s.sparrow_promoted)).toBe(true);
      // Frequency cap of 2 per day reached; back the next day.
      expect((await home(viewer)).some((s) => s.sparrow_promoted)).toBe(false);
      h.clock.advance(24 * 3600 * 1000);
      expect((await home(viewer)).some((s) => s.sparrow_promoted)).toBe(true);
      // People outside the audience never see it.
      expect((await home(outsider)).some((s) => s.sparrow_promoted)).toBe(false);
      expect((await home(securityOnly[0]!)).some((s) => s.sparrow_promoted)).toBe(false);

      // The viewer can see why: the audience match and each showing are on their contact point.
      const points = await h.app.inject({ url: '/api/v1/sparrow/contact_points', headers: viewer.auth });
      expect(points.json()[0].uses).toMatchObject({ promoted_post_shown: 3 });
      expect(points.json()[0].uses.audience_match).toBeGreaterThanOrEqual(1);

      // Withdrawing consent removes the member from every audience immediately.
      const leaver = members[1]!;
      const leaverPoint = (
        await h.app.inject({ url: '/api/v1/sparrow/contact_points', headers: leaver.auth })
      ).json()[0];
      await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/contact_points',
        headers: leaver.auth,
        payload: { id: leaverPoint.id, purposes: { advertising: false } },
      });
      expect((await home(leaver)).some((s) => s.sparrow_promoted)).toBe(false);
      const size = await h.app.inject({
        url: `/api/v1/sparrow/ads/audiences/${audience.json().id}`,
        headers: shop.auth,
      });
      // The advertiser's view does not move: consent changes cannot be watched through it.
      expect(size.json()).toMatchObject({ usable: true, size: 100 });
      // The SHA-256 of the withdrawn contact is gone from storage, not just filtered.
      const stored = await h.ctx.store.db
        .selectFrom('contact_points')
        .select('ad_hash')
        .where('account_id', '=', leaver.id)
        .executeTakeFirstOrThrow();
      expect(stored.ad_hash).toBeNull();

      // The web home timeline shows it too, labelled.
      const webViewer = members[3]!;
      const session = await h.ctx.oauth.issueToken({
        appId: null,
        accountId: webViewer.id,
        scopes: ['read', 'write', 'follow', 'push'],
        session: { kind: 'web' },
      });
      const webHome = () => h.app.inject({ url: '/home', cookies: { sparrow_session: session.accessToken } });
      const page = await webHome();
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<strong>Promoted</strong>');
      expect(page.body).toContain('Fresh bread daily');
      // One frequency cap across interfaces: the web showing counted, so one more in the app reaches the cap of 2.
      expect((await home(webViewer)).some((s) => s.sparrow_promoted)).toBe(true);
      expect((await home(webViewer)).some((s) => s.sparrow_promoted)).toBe(false);
      expect((await webHome()).body).not.toContain('<strong>Promoted</strong>');
      // Only on the newest page: paging back shows none, in the app and on the web alike.
      const pager = members[4]!;
      const older = `max_id=${post.id}`;
      const olderApi = await h.app.inject({ url: `/api/v1/timelines/home?${older}`, headers: pager.auth });
      expect((olderApi.json() as { sparrow_promoted?: boolean }[]).some((s) => s.sparrow_promoted)).toBe(false);
      const pagerSession = await h.ctx.oauth.issueToken({
        appId: null,
        accountId: pager.id,
        scopes: ['read', 'write', 'follow', 'push'],
        session: { kind: 'web' },
      });
      const pagerHome = (query: string) =>
        h.app.inject({ url: `/home${query}`, cookies: { sparrow_session: pagerSession.accessToken } });
      expect((await pagerHome(`?${older}`)).body).not.toContain('<strong>Promoted</strong>');
      expect((await pagerHome('')).body).toContain('<strong>Promoted</strong>');
      expect((await home(pager)).some((s) => s.sparrow_promoted)).toBe(true);

      // Stopping the campaign stops it for everyone.
      const other = members[2]!;
      expect((await home(other)).some((s) => s.sparrow_promoted)).toBe(true);
      const stopped = await h.app.inject({
        method: 'POST',
        url: `/api/v1/sparrow/ads/campaigns/${campaign.id}/stop`,
        headers: shop.auth,
      });
      expect(stopped.json()).toMatchObject({ status: 'stopped' });
      expect((await home(other)).some((s) => s.sparrow_promoted)).toBe(false);
      expect((await webHome()).body).not.toContain('<strong>Promoted</strong>');
      const list = await h.app.inject({ url: '/api/v1/sparrow/ads/campaigns', headers: shop.auth });
      expect(list.json().map((c: { id: string }) => c.id)).toContain(campaign.id);
      // Another advertiser cannot see or stop it.
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: `/api/v1/sparrow/ads/campaigns/${campaign.id}/stop`,
            headers: admin.auth,
          })
        ).statusCode,
      ).toBe(403);
    },
  );
});
