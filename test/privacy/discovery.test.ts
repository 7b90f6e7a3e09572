import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { privacyHarness, type PrivacyHarness, type PrivacyUser } from './helpers.ts';

/** +254712000000 … +254712002999: a sequential range of valid Kenyan mobile numbers. */
const RANGE_START = 254712000000;
const RANGE_SIZE = 3000;
const inRange = (i: number) => `+${RANGE_START + i}`;

/** Deterministic shuffle (mulberry32), so the replay is the same on every run. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Replay {
  foundDiscoverable: number;
  foundHidden: number;
  discoverable: number;
  hidden: number;
  requests: number;
  answered: number;
  looked: number;
  stillAlive: number;
  attackers: { user: PrivacyUser; ip: string }[];
}

/**
 * A fake-account network (20 accounts with verified SIMs behind 2 IPs) against a range
 * holding 40 accounts, half of them discoverable: first a naive sweep, then shuffled
 * small batches rotated through every account until all are blocked or the range is done.
 */
async function replayEnumeration(
  h: PrivacyHarness,
  label: string,
  attackerAgeDays: number,
  prefix: string,
): Promise<Replay> {
  const discoverable = new Set<string>();
  const hiddenInRange = new Set<string>();
  for (let i = 0; i < 40; i += 1) {
    const user = await h.user(`${prefix}target${i}`, { phone: inRange(37 + i * 73) });
    if (i % 2 === 0) {
      await h.allow(user, 'phone', { discovery: true });
      discoverable.add(user.id);
    } else {
      hiddenInRange.add(user.id);
    }
  }
  const attackers: { user: PrivacyUser; ip: string }[] = [];
  for (let i = 0; i < 20; i += 1) {
    attackers.push({
      user: await h.user(`${prefix}bot${i}`, {
        phone: `+2547330${String(10000 + i).slice(1)}`,
        ageDays: attackerAgeDays,
      }),
      ip: i < 10 ? '10.66.0.1' : '10.66.0.2',
    });
  }
  const match = (user: PrivacyUser, phones: string[], ip: string) =>
    h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/contacts/match',
      headers: user.auth,
      payload: { phones },
      remoteAddress: ip,
    });

  const found = new Set<string>();
  const statuses: number[] = [];
  let looked = 0;
  const sweep = await match(
    attackers[0]!.user,
    Array.from({ length: 100 }, (_, i) => inRange(i)),
    attackers[0]!.ip,
  );
  statuses.push(sweep.statusCode);
  looked += 100;
  for (const account of sweep.statusCode === 200 ? (sweep.json().accounts as { id: string }[]) : [])
    found.add(account.id);
  const order = shuffled(
    Array.from({ length: RANGE_SIZE }, (_, i) => inRange(i)),
    42,
  );
  const alive = new Set(attackers.map((_, i) => i).filter((i) => i > 0 || sweep.statusCode === 200));
  let cursor = 0;
  // A rate-limited account waits for the next day (the clock moves on once every live account waits); a 403 ends it.
  const waiting = new Set<number>();
  while (alive.size > 0 && cursor < order.length) {
    if (waiting.size === alive.size) {
      h.clock.advance(25 * 3600 * 1000);
      waiting.clear();
    }
    for (const index of [...alive]) {
      if (waiting.has(index)) continue;
      const batch = order.slice(cursor, cursor + 10);
      if (batch.length === 0) break;
      cursor += batch.length;
      const res = await match(attackers[index]!.user, batch, attackers[index]!.ip);
      statuses.push(res.statusCode);
      looked += batch.length;
      if (res.statusCode === 429) {
        waiting.add(index);
        continue;
      }
      if (res.statusCode !== 200) {
        alive.delete(index);
        continue;
      }
      for (const account of res.json().accounts as { id: string }[]) found.add(account.id);
    }
  }
  const result: Replay = {
    foundDiscoverable: [...found].filter((id) => discoverable.has(id)).length,
    foundHidden: [...found].filter((id) => hiddenInRange.has(id)).length,
    discoverable: discoverable.size,
    hidden: hiddenInRange.size,
    requests: statuses.length,
    answered: statuses.filter((c) => c === 200).length,
    looked,
    stillAlive: alive.size,
    attackers,
  };
  console.log(
    `[${label}] enumeration replay (fake accounts ${attackerAgeDays} days old): ${result.requests} requests, ${looked} numbers sent of ${RANGE_SIZE}, ` +
      `${result.answered} answered; found ${result.foundDiscoverable}/${result.discoverable} discoverable ` +
      `(yield ${((result.foundDiscoverable / result.discoverable) * 100).toFixed(1)}%), ${result.foundHidden}/${result.hidden} hidden`,
  );
  return result;
}

describe.each(ENGINES)('contact discovery on $label', ({ name, skip }) => {
  let h: PrivacyHarness;
  let friend: PrivacyUser;
  let hidden: PrivacyUser;
  let mailFriend: PrivacyUser;
  let seeker: PrivacyUser;
  let stranger: PrivacyUser;

  beforeAll(async () => {
    if (skip) return;
    h = await privacyHarness(name);
    friend = await h.user('friend', { phone: '+254700100200' });
    hidden = await h.user('hidden', { phone: '+254700100300' });
    mailFriend = await h.user('mailfriend', { email: 'Mail.Friend@example.org' });
    stranger = await h.user('stranger', { phone: '+254700100400' });
    await h.allow(friend, 'phone', { discovery: true });
    await h.allow(mailFriend, 'email', { discovery: true });
    await h.allow(stranger, 'phone', { discovery: true });
    seeker = await h.user('seeker', { phone: '+254700999000', ageDays: 90 });
    // Discoverability is mutual: the friend's own address book holds the seeker's number …
    expect((await match(friend, { phones: ['+254700999000'] }, '192.0.2.20')).statusCode).toBe(200);
    // … and the mail friend and the seeker follow each other. The stranger is connected to nobody.
    for (const [a, b] of [
      [seeker, mailFriend],
      [mailFriend, seeker],
    ] as const)
      await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${b.id}/follow`, headers: a.auth });
  }, 60_000);
  afterAll(async () => h?.close());

  const match = (user: PrivacyUser, payload: { phones?: string[]; emails?: string[] }, ip = '192.0.2.10') =>
    h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/contacts/match',
      headers: user.auth,
      payload,
      remoteAddress: ip,
    });

  it.skipIf(skip)('finds only connected accounts that allowed discovery, by phone or e-mail', async () => {
    const res = await match(seeker, {
      phones: ['+254 700 100 200', '+254700100300', '+254700100400'],
      emails: ['  mail.friend@EXAMPLE.org'],
    });
    expect(res.statusCode).toBe(200);
    const ids = (res.json().accounts as { id: string; username: string }[]).map((a) => a.id).sort();
    expect(ids).toEqual([friend.id, mailFriend.id].sort());
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(stranger.id);
  });

  it.skipIf(skip)('answers "not registered" and "not discoverable" byte for byte the same', async () => {
    const notRegistered = await match(seeker, { phones: ['+254700100999'] });
    const notDiscoverable = await match(seeker, { phones: ['+254700100300'] });
    const notConnected = await match(seeker, { phones: ['+254700100400'] });
    expect(notConnected.body).toBe(notRegistered.body);
    expect(notConnected.headers['content-length']).toBe(notRegistered.headers['content-length']);
    expect(notRegistered.statusCode).toBe(200);
    expect(notDiscoverable.statusCode).toBe(notRegistered.statusCode);
    expect(notDiscoverable.body).toBe(notRegistered.body);
    expect(notDiscoverable.headers['content-length']).toBe(notRegistered.headers['content-length']);
    expect(notRegistered.body).toBe('{"accounts":[]}');
  });

  it.skipIf(skip)('stops matching at once when the owner withdraws discovery', async () => {
    const friendPoint = (await h.ctx.privacy.contactPoints.ensure(friend.id)).find((p) => p.kind === 'phone')!;
    await h.app.inject({
      method: 'PATCH',
      url: '/api/v1/sparrow/contact_points',
      headers: friend.auth,
      payload: { id: friendPoint.id, purposes: { discovery: false } },
    });
    expect((await match(seeker, { phones: ['+254700100200'] })).body).toBe('{"accounts":[]}');
    await h.allow(friend, 'phone', { discovery: true });
    // The friend sees that discovery matched them, not by whom.
    const points = await h.app.inject({ url: '/api/v1/sparrow/contact_points', headers: friend.auth });
    expect(points.json()[0].uses.discovery_match).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(skip)('refuses new and unverified accounts with a clear 403', async () => {
    const fresh = await h.user('fresh', { phone: '+254700555001', ageDays: 2 });
    const young = await match(fresh, { phones: ['+254700100200'] }, '198.51.100.1');
    expect(young.statusCode).toBe(403);
    expect(young.json().error).toMatch(/older than 7 days/);
    const unverified = await h.user('unverified', { email: 'u@example.org', ageDays: 60 });
    const res = await match(unverified, { phones: ['+254700100200'] }, '198.51.100.2');
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/verified phone number or e-mail/);
    const verifiedByMail = await h.user('verifiedmail', { email: 'v@example.org', emailVerified: true, ageDays: 60 });
    expect((await match(verifiedByMail, { emails: ['mail.friend@example.org'] }, '198.51.100.3')).statusCode).toBe(200);
  });

  it.skipIf(skip)('looking up phone numbers needs a phone held long enough; e-mail lookups do not', async () => {
    const newPhone = await h.user('newphone', { phone: '+254700555100', ageDays: 60, phoneAgeDays: 3 });
    const res = await match(newPhone, { phones: ['+254700100200'] }, '198.51.100.20');
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatch(/phone number verified on this account at least 14 days ago/);
    expect((await match(newPhone, { emails: ['mail.friend@example.org'] }, '198.51.100.20')).statusCode).toBe(200);
    const mailOnly = await h.user('mailonly', { email: 'only@example.org', emailVerified: true, ageDays: 60 });
    expect((await match(mailOnly, { phones: ['+254700100200'] }, '198.51.100.21')).statusCode).toBe(403);
  });

  it.skipIf(skip)(
    'an instance-wide daily budget bounds all accounts together and tells moderators who spent it',
    async () => {
      const small = await privacyHarness(name, { SPARROW_DISCOVERY_INSTANCE_DAILY_LIMIT: '30' });
      try {
        const users = [
          await small.user('u1', { phone: '+254711000001' }),
          await small.user('u2', { phone: '+254722000002' }),
          await small.user('u3', { phone: '+254733000003' }),
        ];
        // Address-book-like numbers: every one in its own block.
        const book = (u: number) =>
          Array.from(
            { length: 12 },
            (_, n) => `+2547${String(10 + u * 20 + n).padStart(2, '0')}${String(123457 + n * 1111)}`,
          );
        const call = (u: number, phones: string[]) =>
          small.app.inject({
            method: 'POST',
            url: '/api/v1/sparrow/contacts/match',
            headers: users[u]!.auth,
            payload: { phones },
            remoteAddress: `203.0.113.${u + 1}`,
          });
        expect((await call(0, book(0))).statusCode).toBe(200);
        expect((await call(1, book(1))).statusCode).toBe(200);
        const over = await call(2, book(2));
        expect(over.statusCode).toBe(429);
        expect(over.json().error).toMatch(/budget for today is used up/);
        expect((await call(2, book(2).slice(0, 8))).statusCode).toBe(429);
        // Re-syncs of known contacts still work.
        expect((await call(0, book(0))).statusCode).toBe(200);
        const moderator = await small.user('mod', { role: 'moderator', scopes: 'read write admin:read admin:write' });
        const reports = (
          await small.app.inject({ url: '/api/v1/admin/sparrow/reports', headers: moderator.auth })
        ).json() as { account_ids: string[]; details: { signals: { signal: string }[] } }[];
        const budget = reports.filter((r) => r.details.signals.some((x) => x.signal === 'instance_budget_exhausted'));
        expect(budget).toHaveLength(1);
        expect(budget[0]!.account_ids.sort()).toEqual([users[0]!.id, users[1]!.id].sort());
        // The budget is not a block: the next day the third account is answered.
        small.clock.advance(25 * 3600 * 1000);
        expect((await call(2, book(2))).statusCode).toBe(200);
      } finally {
        await small.close();
      }
    },
    60_000,
  );

  it.skipIf(skip)('limits new contacts per account per day (repeats of known contacts are free)', async () => {
    const limited = await privacyHarness(name, { SPARROW_DISCOVERY_DAILY_LIMIT: '5' });
    try {
      const user = await limited.user('limited', { phone: '+254700200001' });
      const book = ['+254711000101', '+254722000202', '+254733000303', '+254744000404', '+254755000505'];
      const ip = '203.0.113.9';
      const call = (phones: string[]) =>
        limited.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/contacts/match',
          headers: user.auth,
          payload: { phones },
          remoteAddress: ip,
        });
      expect((await call(book)).statusCode).toBe(200);
      expect((await call(book)).statusCode).toBe(200);
      const over = await call(['+254766000606']);
      expect(over.statusCode).toBe(429);
      limited.clock.advance(25 * 3600 * 1000);
      expect((await call(['+254766000606'])).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it.skipIf(skip)(
    'replays a fake-account network enumerating a number range: it learns nothing about hidden accounts, little about discoverable ones, and is blocked and reported',
    async () => {
      // 20 days old, so their phones pass the phone-age requirement (14 days) and the signals are what stops them.
      const replay = await replayEnumeration(h, name, 20, '');
      expect(replay.foundHidden).toBe(0);
      expect(replay.foundDiscoverable).toBe(0);
      expect(replay.stillAlive).toBe(0);
      const attackers = replay.attackers;
      // Every fake account is blocked from matching now, even with a harmless request.
      for (const { user, ip } of attackers)
        expect((await match(user, { phones: ['+254700100200'] }, ip)).statusCode).toBe(403);
      // A legitimate user elsewhere is unaffected.
      expect((await match(seeker, { phones: ['+254700100200'] })).statusCode).toBe(200);

      // Moderators see the reports; ordinary users cannot.
      const moderator = await h.user('mod', { role: 'moderator', scopes: 'read write admin:read admin:write' });
      const reports = await h.app.inject({ url: '/api/v1/admin/sparrow/reports', headers: moderator.auth });
      expect(reports.statusCode).toBe(200);
      const list = reports.json() as {
        id: string;
        kind: string;
        account_ids: string[];
        details: { signals: { signal: string }[] };
      }[];
      const signals = new Set(list.flatMap((r) => r.details.signals.map((s) => s.signal)));
      expect(signals.has('sequential_numbers')).toBe(true);
      const reported = new Set(list.flatMap((r) => r.account_ids));
      for (const { user } of attackers) expect(reported.has(user.id)).toBe(true);
      expect(reported.has(seeker.id)).toBe(false);
      expect((await h.app.inject({ url: '/api/v1/admin/sparrow/reports', headers: seeker.auth })).statusCode).toBe(403);

      // Lookups are stored as keyed hashes only: no number from the range appears in the table.
      const rows = await h.ctx.store.db.selectFrom('discovery_lookups').selectAll().execute();
      expect(rows.length).toBeGreaterThan(0);
      const dump = JSON.stringify(rows);
      expect(dump.includes(String(RANGE_START).slice(0, 9)), 'a raw number prefix is stored').toBe(false);
      expect(dump.includes('10.66.0.'), 'a raw IP is stored').toBe(false);

      // A moderator can lift the block after review.
      const first = list.find((r) => r.account_ids.includes(attackers[0]!.user.id))!;
      const resolved = await h.app.inject({
        method: 'POST',
        url: `/api/v1/admin/sparrow/reports/${first.id}/resolve`,
        headers: moderator.auth,
        payload: { unblock: true, reason: 'reviewed: a family sharing contacts' },
      });
      expect(resolved.json()).toMatchObject({ status: 'resolved', resolved_by: moderator.id });
    },
    120_000,
  );

  it.skipIf(skip)(
    'replays the same attack with aged fake accounts: it finds nobody, and range signals stop it without keying on IPs',
    async () => {
      const aged = await privacyHarness(name);
      try {
        const replay = await replayEnumeration(aged, `${name}, aged`, 45, 'a');
        expect(replay.foundHidden).toBe(0);
        expect(replay.foundDiscoverable / replay.discoverable).toBeLessThanOrEqual(0.1);
        expect(replay.stillAlive).toBe(0);
        // Discoverability is mutual: however many numbers the network is answered, it finds no stranger.
        expect(replay.foundDiscoverable).toBe(0);
      } finally {
        await aged.close();
      }
    },
    120_000,
  );
});
