import { describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { privacyHarness, type PrivacyHarness, type PrivacyUser } from './helpers.ts';

/**
 * Replays of the enumeration attacks from issue 11, through the public HTTP API, over five
 * simulated days: a range of 100,000 valid Kenyan mobile numbers (+254712000000 …) holds 60
 * owners who turned `discovery` on and 60 who did not; attacker accounts look up numbers in
 * it, each from its own IP, and the replay measures what they learn and what moderators see.
 */
const RANGE_START = 254712000000;
const RANGE_SIZE = 100_000;
const OWNERS = 60;
const DAYS = 5;
const DAY = 24 * 3600 * 1000;
const numberAt = (i: number) => `+${RANGE_START + i}`;
/** The attacker accounts' own phones: spread out, so that uploading each other's numbers is not a sequential run. */
const botPhone = (k: number) => `+254733${String(100000 + k * 7919).padStart(6, '0')}`;

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], seed: number): T[] {
  const next = random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Range {
  discoverable: Map<string, number>;
  hidden: Map<string, number>;
  /** Range positions of every owner, discoverable first. */
  positions: number[];
}

async function populate(h: PrivacyHarness, seed: number): Promise<Range> {
  const positions = shuffle(
    Array.from({ length: RANGE_SIZE }, (_, i) => i),
    seed,
  ).slice(0, OWNERS * 2);
  const discoverable = new Map<string, number>();
  const hidden = new Map<string, number>();
  for (const [n, position] of positions.entries()) {
    const owner = await h.user(`owner${n}`, { phone: numberAt(position) });
    if (n < OWNERS) {
      await h.allow(owner, 'phone', { discovery: true });
      discoverable.set(owner.id, position);
    } else {
      hidden.set(owner.id, position);
    }
  }
  return { discoverable, hidden, positions };
}

interface Attacker {
  user: PrivacyUser;
  ip: string;
  /** The next batch of range positions this account looks up (empty when its plan is done for the day). */
  next: (day: number, size: number) => number[];
}

/**
 * Random, non-consecutive numbers from the account's own slice of a shuffled range, at
 * most 19 from any block of 1,000 (below the dense-range threshold).
 */
function randomPicker(order: readonly number[], offset: number): (day: number, size: number) => number[] {
  let cursor = offset;
  const perBlock = new Map<number, number>();
  const taken = new Set<number>();
  return (_day, size) => {
    const out: number[] = [];
    while (out.length < size && cursor < order.length) {
      const i = order[cursor++]!;
      const block = Math.floor(i / 1000);
      if ((perBlock.get(block) ?? 0) >= 19 || taken.has(i - 1) || taken.has(i + 1)) continue;
      perBlock.set(block, (perBlock.get(block) ?? 0) + 1);
      taken.add(i);
      out.push(i);
    }
    return out;
  };
}

interface ShapeOptions {
  accounts: number;
  ageDays: number;
  /** Attacker accounts hold a verified phone (else only a verified e-mail). */
  phone: boolean;
  /** Request sizes, in order, each day. */
  daily: number[];
  picker: (order: readonly number[], account: number, accounts: number) => (day: number, size: number) => number[];
  /** Before the sweep, the accounts follow each other, turn discovery on and upload each other's numbers. */
  befriend?: boolean;
}

interface Outcome {
  foundDiscoverable: number;
  foundHidden: number;
  foundByDay: number[];
  requests: number;
  answered: number;
  numbersAnswered: number;
  /** Attacker accounts named in a moderation report, and the day (1-based) each was first named. */
  named: Map<string, number>;
  accounts: number;
}

async function attack(h: PrivacyHarness, range: Range, label: string, shape: ShapeOptions): Promise<Outcome> {
  const order = shuffle(
    Array.from({ length: RANGE_SIZE }, (_, i) => i),
    7,
  );
  const attackers: Attacker[] = [];
  for (let k = 0; k < shape.accounts; k += 1) {
    const user = await h.user(
      `bot${k}`,
      shape.phone
        ? { phone: botPhone(k), ageDays: shape.ageDays }
        : { email: `bot${k}@mail.example`, emailVerified: true, ageDays: shape.ageDays },
    );
    attackers.push({ user, ip: `10.${k >> 8}.${k & 255}.9`, next: shape.picker(order, k, shape.accounts) });
  }
  const moderator = await h.user('moderator', { role: 'moderator', scopes: 'read write admin:read admin:write' });
  const match = (a: Attacker, phones: string[]) =>
    h.app.inject({
      method: 'POST',
      url: '/api/v1/sparrow/contacts/match',
      headers: a.user.auth,
      payload: { phones },
      remoteAddress: a.ip,
    });

  if (shape.befriend) {
    for (const a of attackers) {
      for (const b of attackers)
        if (a !== b)
          await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${b.user.id}/follow`, headers: a.user.auth });
      await h.allow(a.user, 'phone', { discovery: true });
    }
    const phones = attackers.map((_, k) => botPhone(k));
    for (const a of attackers) await match(a, phones);
  }

  const found = new Set<string>();
  const foundByDay: number[] = [];
  const named = new Map<string, number>();
  const signals = new Set<string>();
  let requests = 0;
  let answered = 0;
  let numbersAnswered = 0;
  for (let day = 0; day < DAYS; day += 1) {
    const stoppedToday = new Set<Attacker>();
    for (const size of shape.daily) {
      for (const a of attackers) {
        if (stoppedToday.has(a)) continue;
        const batch = a.next(day, size);
        if (batch.length === 0) continue;
        const res = await match(
          a,
          batch.map((i) => numberAt(i)),
        );
        requests += 1;
        // A bot keeps to its plan; a 429 ends its day, a 403 is simply retried tomorrow.
        if (res.statusCode !== 200) {
          stoppedToday.add(a);
          continue;
        }
        answered += 1;
        numbersAnswered += batch.length;
        for (const account of res.json().accounts as { id: string }[]) found.add(account.id);
      }
    }
    foundByDay.push([...found].filter((id) => range.discoverable.has(id)).length);
    const reports = await h.app.inject({ url: '/api/v1/admin/sparrow/reports?status=all', headers: moderator.auth });
    expect(reports.statusCode).toBe(200);
    for (const report of reports.json() as { account_ids: string[]; details: { signals: { signal: string }[] } }[]) {
      for (const id of report.account_ids) if (!named.has(id)) named.set(id, day + 1);
      for (const s of report.details.signals) signals.add(s.signal);
    }
    // The next day's run starts a little later than today's, so rolling 24-hour limits have renewed.
    h.clock.advance(DAY + 3600 * 1000);
  }
  const attackerIds = new Set(attackers.map((a) => a.user.id));
  for (const id of named.keys()) if (!attackerIds.has(id)) named.delete(id);
  const outcome: Outcome = {
    foundDiscoverable: [...found].filter((id) => range.discoverable.has(id)).length,
    foundHidden: [...found].filter((id) => range.hidden.has(id)).length,
    foundByDay,
    requests,
    answered,
    numbersAnswered,
    named,
    accounts: shape.accounts,
  };
  const firstNamed = named.size > 0 ? Math.min(...named.values()) : null;
  console.log(
    `[${label}] ${shape.accounts} accounts × ${DAYS} days: ${requests} requests, ${answered} answered, ` +
      `${outcome.numbersAnswered} numbers answered (${((outcome.numbersAnswered / RANGE_SIZE) * 100).toFixed(1)}% of the range); ` +
      `found ${outcome.foundDiscoverable}/${OWNERS} discoverable (cumulative by day ${foundByDay.join(',')}; ` +
      `${(outcome.foundDiscoverable / shape.accounts).toFixed(2)} per account, ${(outcome.foundDiscoverable / shape.accounts / DAYS).toFixed(3)} per account-day), ` +
      `${outcome.foundHidden}/${OWNERS} hidden; ${named.size}/${shape.accounts} accounts named in reports` +
      (firstNamed ? ` (first on day ${firstNamed}; signals ${[...signals].join(', ')})` : ''),
  );
  return outcome;
}

const SHAPES: Record<string, ShapeOptions> = {
  // (a) The shape: e-mail-verified accounts, one IP each, ~200 random numbers a day, below every per-account limit.
  a: {
    accounts: 10,
    ageDays: 8,
    phone: false,
    daily: [50, 50, 50, 49],
    picker: (order, k, n) => randomPicker(order, k * Math.floor(order.length / n)),
  },
  // (b) The same, each account holding a verified phone (verified when the account was made, 8 days ago).
  b: {
    accounts: 10,
    ageDays: 8,
    phone: true,
    daily: [50, 50, 50, 49],
    picker: (order, k, n) => randomPicker(order, k * Math.floor(order.length / n)),
  },
  // (c1) Aged accounts with aged phones that first befriend each other (follows, mutual uploads, discovery on).
  befriended: {
    accounts: 10,
    ageDays: 45,
    phone: true,
    befriend: true,
    daily: [50, 50, 50, 49],
    picker: (order, k, n) => randomPicker(order, k * Math.floor(order.length / n)),
  },
  // (c2) Slow and low over more aged accounts: 60 numbers a day each.
  slow: {
    accounts: 30,
    ageDays: 45,
    phone: true,
    daily: [30, 30],
    picker: (order, k, n) => randomPicker(order, k * Math.floor(order.length / n)),
  },
  // (c3) A sequential sweep: runs of consecutive numbers, each account its own stretch of the range.
  sequential: {
    accounts: 10,
    ageDays: 45,
    phone: true,
    daily: [50, 50, 50, 49],
    picker: (_order, k, n) => {
      let cursor = k * Math.floor(RANGE_SIZE / n);
      return (_day, size) => Array.from({ length: size }, () => cursor++);
    },
  },
};

describe.each(ENGINES)('contact discovery replays on $label', ({ name, skip }) => {
  for (const [shapeName, shape] of Object.entries(SHAPES)) {
    it.skipIf(skip)(
      `shape ${shapeName}: finds at most 1 discoverable owner, no hidden owner, and is reported within ${DAYS} days`,
      async () => {
        const h = await privacyHarness(name);
        try {
          const range = await populate(h, 11);
          const outcome = await attack(h, range, `${name}, ${shapeName}`, shape);
          expect(outcome.foundHidden).toBe(0);
          expect(outcome.foundDiscoverable).toBeLessThanOrEqual(1);
          // The sweep is visible to moderators: reports name most of the accounts.
          expect(outcome.named.size).toBeGreaterThanOrEqual(Math.ceil(shape.accounts * 0.8));
        } finally {
          await h.close();
        }
      },
      300_000,
    );
  }

  it.skipIf(skip)(
    'shape targeted: accounts holding a list of the owners’ numbers learn nothing about them',
    async () => {
      const h = await privacyHarness(name);
      try {
        const range = await populate(h, 11);
        const list = range.positions.map((i) => numberAt(i));
        let foundDiscoverable = 0;
        let foundHidden = 0;
        let answered = 0;
        for (let k = 0; k < 10; k += 1) {
          const bot = await h.user(`listbot${k}`, { phone: botPhone(100 + k), ageDays: 45 });
          const res = await h.app.inject({
            method: 'POST',
            url: '/api/v1/sparrow/contacts/match',
            headers: bot.auth,
            payload: { phones: shuffle(list, k) },
            remoteAddress: `10.9.0.${k}`,
          });
          if (res.statusCode === 200) answered += list.length;
          const ids = res.statusCode === 200 ? (res.json().accounts as { id: string }[]).map((a) => a.id) : [];
          foundDiscoverable += ids.filter((id) => range.discoverable.has(id)).length;
          foundHidden += ids.filter((id) => range.hidden.has(id)).length;
        }
        console.log(
          `[${name}, targeted] 10 accounts each looking up the ${list.length} owners' numbers: ${answered} numbers answered, found ${foundDiscoverable} discoverable, ${foundHidden} hidden`,
        );
        expect(foundHidden).toBe(0);
        expect(foundDiscoverable).toBe(0);
      } finally {
        await h.close();
      }
    },
    300_000,
  );

  it.skipIf(skip)(
    'a real user with an old enough phone finds the contacts who are connected to them and opted in, and no one else',
    async () => {
      const h = await privacyHarness(name);
      try {
        const alicePhone = '+254722500017';
        const alice = await h.user('alice', { phone: alicePhone, ageDays: 120 });
        // An address book: numbers spread over many operators' blocks, as real ones are.
        const contact = (n: number) =>
          `+2547${String(10 + (n % 80)).padStart(2, '0')}${String(100000 + n * 7753).slice(-6)}`;
        const book = Array.from({ length: 40 }, (_, n) => contact(n));
        const expected = new Set<string>();
        const notExpected = new Set<string>();
        const owner = async (n: number, discoverable: boolean) => {
          const u = await h.user(`contact${n}`, { phone: book[n]!, ageDays: 30 + n });
          if (discoverable) await h.allow(u, 'phone', { discovery: true });
          return u;
        };
        const syncs = async (u: PrivacyUser, phones: string[]) =>
          expect(
            (
              await h.app.inject({
                method: 'POST',
                url: '/api/v1/sparrow/contacts/match',
                headers: u.auth,
                payload: { phones },
                remoteAddress: '198.51.100.77',
              })
            ).statusCode,
          ).toBe(200);
        // 8 opted in and hold Alice's number in their own address books.
        for (let n = 0; n < 8; n += 1) {
          const u = await owner(n, true);
          await syncs(u, [alicePhone, contact(100 + n)]);
          expected.add(u.id);
        }
        // 3 opted in and follow Alice, who follows them back.
        for (let n = 8; n < 11; n += 1) {
          const u = await owner(n, true);
          for (const [a, b] of [
            [u, alice],
            [alice, u],
          ] as const)
            await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${b.id}/follow`, headers: a.auth });
          expected.add(u.id);
        }
        // 5 opted in but are not connected to Alice (one only follows her: a one-way follow is not a connection).
        let lateSyncer: PrivacyUser | undefined;
        for (let n = 11; n < 16; n += 1) {
          const u = await owner(n, true);
          if (n === 12) lateSyncer = u;
          if (n === 11)
            await h.app.inject({ method: 'POST', url: `/api/v1/accounts/${alice.id}/follow`, headers: u.auth });
          notExpected.add(u.id);
        }
        // 4 hold Alice's number but never opted in.
        for (let n = 16; n < 20; n += 1) {
          const u = await owner(n, false);
          await syncs(u, [alicePhone]);
          notExpected.add(u.id);
        }
        // The other 20 numbers are not registered.
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/contacts/match',
          headers: alice.auth,
          payload: { phones: book },
          remoteAddress: '203.0.113.50',
        });
        expect(res.statusCode).toBe(200);
        const ids = new Set((res.json().accounts as { id: string }[]).map((a) => a.id));
        expect([...ids].sort()).toEqual([...expected].sort());
        console.log(
          `[${name}, legitimate] ${book.length} contacts: found ${ids.size} of ${expected.size} connected and opted in`,
        );

        // An opted-in contact who syncs Alice's number later is found on Alice's next re-sync (repeats are free).
        await syncs(lateSyncer!, [alicePhone]);
        const again = await h.app.inject({
          method: 'POST',
          url: '/api/v1/sparrow/contacts/match',
          headers: alice.auth,
          payload: { phones: book },
          remoteAddress: '203.0.113.50',
        });
        expect(again.statusCode).toBe(200);
        expect((again.json().accounts as { id: string }[]).map((x) => x.id).sort()).toEqual(
          [...expected, lateSyncer!.id].sort(),
        );
        // Nothing about Alice was reported.
        const moderator = await h.user('moderator', { role: 'moderator', scopes: 'read write admin:read admin:write' });
        const reports = await h.app.inject({
          url: '/api/v1/admin/sparrow/reports?status=all',
          headers: moderator.auth,
        });
        expect((reports.json() as { account_ids: string[] }[]).flatMap((r) => r.account_ids)).not.toContain(alice.id);
      } finally {
        await h.close();
      }
    },
    120_000,
  );
});
