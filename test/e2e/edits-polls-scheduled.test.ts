import { createRestAPIClient, type mastodon } from 'masto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/**
 * Status edits (history, source, notifications, streaming), polls (create, vote, hide totals,
 * end) and scheduled posts (create, list, reschedule, publish once), through masto.js and
 * raw HTTP against a real server, on both engines. The server's clock is a manual one, so
 * polls end and scheduled posts come due when the test says.
 */

interface Person {
  id: string;
  username: string;
  token: string;
  rest: mastodon.rest.Client;
}

async function collect<T>(paginator: AsyncIterable<T[]>, maxPages = 20): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const page of paginator) {
    pages.push(page);
    if (pages.length >= maxPages) break;
  }
  return pages;
}

interface SseEvent {
  event: string;
  data: string;
}

/** Reads a server-sent event stream in the background, collecting its events. */
async function listen(url: string, token: string | null) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  void (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data !== undefined) events.push({ event, data });
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    events,
    async waitFor(predicate: (e: SseEvent) => boolean): Promise<SseEvent> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => controller.abort(),
  };
}

describe.each(ENGINES)('edits, polls and scheduled posts on $label', ({ name, skip }) => {
  let server: RunningServer;
  let counter = 0;
  const clock = new ManualClock(new Date());

  const person = async (base: string): Promise<Person> => {
    const username = `${base}${++counter}`;
    const account = await server.ctx.microblog.createAccount({ username });
    const issued = await server.ctx.oauth.issueToken({
      appId: null,
      accountId: account.id,
      scopes: ['read', 'write', 'follow'],
    });
    return {
      id: account.id,
      username,
      token: issued.accessToken,
      rest: createRestAPIClient({ url: server.url, accessToken: issued.accessToken }),
    };
  };
  const call = async (method: string, path: string, who: Person | null, body?: unknown, form = false) => {
    const headers: Record<string, string> = who ? { authorization: `Bearer ${who.token}` } : {};
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
      payload = form ? String(body) : JSON.stringify(body);
    }
    const response = await fetch(`${server.url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const notificationsOf = async (who: Person, type: string) =>
    (await who.rest.v1.notifications.list({ types: [type as mastodon.v1.NotificationType] })).filter(
      (n) => n.type === type,
    );

  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name, {}, { clock });
  });
  afterAll(async () => server?.close());

  describe('edits', () => {
    it.skipIf(skip)('edits a post: new content everywhere, history oldest first, raw source', async () => {
      const author = await person('author');
      const reader = await person('reader');
      await reader.rest.v1.accounts.$select(author.id).follow();
      const created = await author.rest.v1.statuses.create({ status: 'first <b>draft</b>', language: 'en' });
      expect(created.editedAt).toBeNull();
      clock.advance(60_000);
      const edited = await author.rest.v1.statuses.$select(created.id).update({
        status: 'second draft\n\nwith more',
        spoilerText: 'spoilers',
        sensitive: true,
      });
      expect(edited.id).toBe(created.id);
      expect(edited.editedAt).not.toBeNull();
      expect(edited.content).toBe('<p>second draft</p><p>with more</p>');
      expect([edited.spoilerText, edited.sensitive, edited.language]).toEqual(['spoilers', true, 'en']);
      expect(edited.createdAt).toBe(created.createdAt);

      // Every later read sees the edit.
      const home = await reader.rest.v1.timelines.home.list();
      expect(home.find((s) => s.id === created.id)?.content).toBe('<p>second draft</p><p>with more</p>');
      expect((await reader.rest.v1.statuses.$select(created.id).fetch()).editedAt).toBe(edited.editedAt);

      clock.advance(60_000);
      await author.rest.v1.statuses.$select(created.id).update({ status: 'third' });
      const history = await reader.rest.v1.statuses.$select(created.id).history.list();
      expect(history.map((h) => h.content)).toEqual([
        '<p>first &lt;b&gt;draft&lt;/b&gt;</p>',
        '<p>second draft</p><p>with more</p>',
        '<p>third</p>',
      ]);
      expect(history.map((h) => h.spoilerText)).toEqual(['', 'spoilers', '']);
      expect(history[0]!.createdAt).toBe(created.createdAt);
      expect(history[0]!.account.id).toBe(author.id);
      const times = history.map((h) => Date.parse(h.createdAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      const source = await author.rest.v1.statuses.$select(created.id).source.fetch();
      expect(source).toEqual({ id: created.id, text: 'third', spoilerText: '' });

      // A post never edited has a history of one: itself.
      const plain = await author.rest.v1.statuses.create({ status: 'never touched' });
      const single = await reader.rest.v1.statuses.$select(plain.id).history.list();
      expect(single.map((h) => h.content)).toEqual(['<p>never touched</p>']);
    });

    it.skipIf(skip)('only the author edits; visibility stays; limits as on create', async () => {
      const author = await person('owner');
      const other = await person('other');
      const post = await author.rest.v1.statuses.create({ status: 'mine', visibility: 'unlisted' });
      const secret = await author.rest.v1.statuses.create({ status: 'followers only', visibility: 'private' });

      const attempt = await call('PUT', `/api/v1/statuses/${post.id}`, other, { status: 'hijacked' });
      expect(attempt.status).toBe(404);
      expect((await call('PUT', `/api/v1/statuses/${secret.id}`, other, { status: 'x' })).status).toBe(404);
      expect((await call('PUT', `/api/v1/statuses/${post.id}`, null, { status: 'x' })).status).toBe(401);
      expect((await author.rest.v1.statuses.$select(post.id).fetch()).content).toBe('<p>mine</p>');
      // Nor can the stranger read the followers-only post's history or source.
      expect((await call('GET', `/api/v1/statuses/${secret.id}/history`, other)).status).toBe(404);
      expect((await call('GET', `/api/v1/statuses/${secret.id}/source`, other)).status).toBe(404);

      const changed = await call('PUT', `/api/v1/statuses/${post.id}`, author, {
        status: 'mine, edited',
        visibility: 'public',
      });
      expect(changed.status).toBe(200);
      expect(changed.body!.visibility).toBe('unlisted');

      const tooLong = await call('PUT', `/api/v1/statuses/${post.id}`, author, { status: 'x'.repeat(501) });
      expect(tooLong.status).toBe(422);
      const blank = await call('PUT', `/api/v1/statuses/${post.id}`, author, { status: '  ' });
      expect(blank.status).toBe(422);

      // A boost is not editable, even by its booster.
      const boost = await other.rest.v1.statuses.$select(post.id).reblog();
      expect((await call('PUT', `/api/v1/statuses/${boost.id}`, other, { status: 'x' })).status).toBe(404);
    });

    it.skipIf(skip)('notifies boosters (update) and newly mentioned people, never twice', async () => {
      const author = await person('poster');
      const booster = await person('booster');
      const early = await person('early');
      const late = await person('late');
      const post = await author.rest.v1.statuses.create({ status: `hello @${early.username}` });
      await booster.rest.v1.statuses.$select(post.id).reblog();

      clock.advance(1000);
      await author.rest.v1.statuses
        .$select(post.id)
        .update({ status: `hello @${early.username} and @${late.username}` });
      clock.advance(1000);
      await author.rest.v1.statuses.$select(post.id).update({ status: `bye @${early.username} and @${late.username}` });

      expect((await notificationsOf(early, 'mention')).length).toBe(1);
      const lateMentions = await notificationsOf(late, 'mention');
      expect(lateMentions.length).toBe(1);
      expect(lateMentions[0]!.status?.content).toContain('bye');
      const updates = await notificationsOf(booster, 'update');
      expect(updates.length).toBe(2);
      expect(updates[0]!.status?.id).toBe(post.id);
      expect(updates[0]!.status?.content).toContain('bye');
      // The author is not told about their own edit.
      expect((await notificationsOf(author, 'update')).length).toBe(0);
    });

    it.skipIf(skip)('a direct message edited to name someone new reaches them; nobody loses it', async () => {
      const author = await person('dmer');
      const first = await person('firstdm');
      const added = await person('addeddm');
      const dm = await author.rest.v1.statuses.create({ status: `psst @${first.username}`, visibility: 'direct' });
      expect((await call('GET', `/api/v1/statuses/${dm.id}`, added)).status).toBe(404);
      await author.rest.v1.statuses.$select(dm.id).update({ status: `psst @${added.username}` });
      expect((await added.rest.v1.timelines.home.list()).map((s) => s.id)).toContain(dm.id);
      expect((await notificationsOf(added, 'mention')).map((n) => n.status?.id)).toEqual([dm.id]);
      // The first recipient keeps the message (and is not notified again).
      expect((await first.rest.v1.statuses.$select(dm.id).fetch()).content).toContain('psst');
      expect((await notificationsOf(first, 'mention')).length).toBe(1);
      expect((await call('GET', `/api/v1/statuses/${dm.id}`, await person('outsider'))).status).toBe(404);
    });

    it.skipIf(skip)('streams the edit as status.update on the user and public streams', async () => {
      const author = await person('streamer');
      const follower = await person('watcher');
      await follower.rest.v1.accounts.$select(author.id).follow();
      const post = await author.rest.v1.statuses.create({ status: 'live before' });
      const user = await listen(`${server.url}/api/v1/streaming/user`, follower.token);
      const pub = await listen(`${server.url}/api/v1/streaming/public`, null);
      try {
        await new Promise((r) => setTimeout(r, 100));
        await author.rest.v1.statuses.$select(post.id).update({ status: 'live after' });
        for (const stream of [user, pub]) {
          const event = await stream.waitFor((e) => e.event === 'status.update');
          const status = JSON.parse(event.data) as { id: string; content: string; edited_at: string | null };
          expect([status.id, status.content]).toEqual([post.id, '<p>live after</p>']);
          expect(status.edited_at).not.toBeNull();
        }
        // An edit is not a new post: no `update` event for it.
        expect(user.events.filter((e) => e.event === 'update').length).toBe(0);
      } finally {
        user.close();
        pub.close();
      }
    });
  });

  describe('polls', () => {
    it.skipIf(skip)('creates a poll, votes once, counts, and reports voted and own_votes', async () => {
      const author = await person('pollster');
      const voter = await person('voter');
      const second = await person('second');
      const status = await author.rest.v1.statuses.create({
        status: 'Tea or coffee?',
        poll: { options: ['Tea', 'Coffee', 'Water'], expiresIn: 3600, multiple: true },
      });
      const poll = status.poll!;
      expect(poll.options.map((o) => o.title)).toEqual(['Tea', 'Coffee', 'Water']);
      expect([poll.multiple, poll.expired, poll.votesCount, poll.votersCount]).toEqual([true, false, 0, 0]);
      expect(Date.parse(poll.expiresAt!) - Date.parse(status.createdAt)).toBeGreaterThanOrEqual(3599_000);
      expect((poll as unknown as { emojis: unknown }).emojis).toEqual([]);
      expect(poll.voted).toBe(true); // the author counts as having voted, as on Mastodon

      const after = await voter.rest.v1.polls.$select(poll.id).votes.create({ choices: [0, 2] });
      expect(after.voted).toBe(true);
      expect(after.ownVotes).toEqual([0, 2]);
      expect(after.options.map((o) => o.votesCount)).toEqual([1, 0, 1]);
      expect([after.votesCount, after.votersCount]).toEqual([2, 1]);
      await second.rest.v1.polls.$select(poll.id).votes.create({ choices: [1] });

      const again = await call('POST', `/api/v1/polls/${poll.id}/votes`, voter, { choices: [1] });
      expect(again.status).toBe(422);
      const own = await call('POST', `/api/v1/polls/${poll.id}/votes`, author, { choices: [1] });
      expect(own.status).toBe(422);
      const outOfRange = await call('POST', `/api/v1/polls/${poll.id}/votes`, await person('x'), { choices: [3] });
      expect(outOfRange.status).toBe(422);

      const seen = await voter.rest.v1.polls.$select(poll.id).fetch();
      expect([seen.votesCount, seen.votersCount, seen.ownVotes]).toEqual([3, 2, [0, 2]]);
      const anonymous = await call('GET', `/api/v1/polls/${poll.id}`, null);
      expect(anonymous.status).toBe(200);
      expect(anonymous.body!.voted).toBeUndefined();
      const inStatus = await second.rest.v1.statuses.$select(status.id).fetch();
      expect(inStatus.poll?.ownVotes).toEqual([1]);
    });

    it.skipIf(skip)(
      'refuses a second vote sent concurrently, and several choices on a single-choice poll',
      async () => {
        const author = await person('single');
        const voter = await person('racer');
        const { poll } = await author.rest.v1.statuses.create({
          status: 'One only',
          poll: { options: ['a', 'b'], expiresIn: 600 },
        });
        const many = await call('POST', `/api/v1/polls/${poll!.id}/votes`, voter, { choices: [0, 1] });
        expect(many.status).toBe(422);
        const tries = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            call('POST', `/api/v1/polls/${poll!.id}/votes`, voter, { choices: [i % 2] }),
          ),
        );
        expect(tries.filter((t) => t.status === 200).length).toBe(1);
        expect(tries.filter((t) => t.status === 422).length).toBe(5);
        const final = await voter.rest.v1.polls.$select(poll!.id).fetch();
        expect([final.votesCount, final.votersCount, final.ownVotes!.length]).toEqual([1, 1, 1]);
      },
    );

    it.skipIf(skip)('accepts the form spelling and refuses polls outside the limits', async () => {
      const author = await person('former');
      const form = new URLSearchParams();
      form.append('status', 'Form poll');
      form.append('poll[options][]', 'yes');
      form.append('poll[options][]', 'no');
      form.append('poll[expires_in]', '300');
      form.append('poll[hide_totals]', 'true');
      const made = await call('POST', '/api/v1/statuses', author, form.toString(), true);
      expect(made.status).toBe(200);
      expect((made.body!.poll as { options: unknown }).options).toEqual([
        { title: 'yes', votes_count: null },
        { title: 'no', votes_count: null },
      ]);
      const bad = async (poll: unknown) =>
        (await call('POST', '/api/v1/statuses', author, { status: 'p', poll })).status;
      expect(await bad({ options: ['only'], expires_in: 600 })).toBe(422);
      expect(await bad({ options: ['a', 'b', 'c', 'd', 'e'], expires_in: 600 })).toBe(422);
      expect(await bad({ options: ['a', 'x'.repeat(51)], expires_in: 600 })).toBe(422);
      expect(await bad({ options: ['a', 'b'], expires_in: 299 })).toBe(422);
      expect(await bad({ options: ['a', 'b'], expires_in: 31 * 24 * 3600 })).toBe(422);
      expect(await bad({ options: ['a', 'a'], expires_in: 600 })).toBe(422);
      expect(await bad({ options: 'a', expires_in: 600 })).toBe(422);

      const instance = await author.rest.v2.instance.fetch();
      expect(instance.configuration.polls).toEqual({
        maxOptions: 4,
        maxCharactersPerOption: 50,
        minExpiration: 300,
        maxExpiration: 2_629_746,
      });
    });

    it.skipIf(skip)('keeps a followers-only poll from strangers', async () => {
      const author = await person('private');
      const follower = await person('follower');
      const stranger = await person('stranger');
      await follower.rest.v1.accounts.$select(author.id).follow();
      const { poll } = await author.rest.v1.statuses.create({
        status: 'Followers decide',
        visibility: 'private',
        poll: { options: ['a', 'b'], expiresIn: 600 },
      });
      expect((await call('GET', `/api/v1/polls/${poll!.id}`, stranger)).status).toBe(404);
      expect((await call('GET', `/api/v1/polls/${poll!.id}`, null)).status).toBe(404);
      expect((await call('POST', `/api/v1/polls/${poll!.id}/votes`, stranger, { choices: [0] })).status).toBe(404);
      expect((await follower.rest.v1.polls.$select(poll!.id).votes.create({ choices: [0] })).votesCount).toBe(1);
      expect((await call('GET', '/api/v1/polls/123456789012345678', follower)).status).toBe(404);
      // Someone the author blocked can neither read nor vote in a public poll.
      const blocked = await person('blocked');
      const open = await author.rest.v1.statuses.create({
        status: 'Everyone but you',
        poll: { options: ['a', 'b'], expiresIn: 600 },
      });
      await author.rest.v1.accounts.$select(blocked.id).block();
      expect((await call('GET', `/api/v1/polls/${open.poll!.id}`, blocked)).status).toBe(404);
      expect((await call('POST', `/api/v1/polls/${open.poll!.id}/votes`, blocked, { choices: [0] })).status).toBe(404);
    });

    it.skipIf(skip)('hides totals until the end, then notifies the author and voters once', async () => {
      const author = await person('ender');
      const voter = await person('endvoter');
      const { poll, id: statusId } = await author.rest.v1.statuses.create({
        status: 'Secret ballot',
        poll: { options: ['a', 'b'], expiresIn: 300, hideTotals: true },
      });
      const voted = await voter.rest.v1.polls.$select(poll!.id).votes.create({ choices: [1] });
      expect(voted.options.map((o) => o.votesCount)).toEqual([null, null]);
      expect(voted.votesCount).toBe(1);

      clock.advance(301_000);
      const late = await call('POST', `/api/v1/polls/${poll!.id}/votes`, await person('late'), { choices: [0] });
      expect(late.status).toBe(422);
      const ended = await voter.rest.v1.polls.$select(poll!.id).fetch();
      expect(ended.expired).toBe(true);
      expect(ended.options.map((o) => o.votesCount)).toEqual([0, 1]);

      const stream = await listen(`${server.url}/api/v1/streaming/user/notification`, voter.token);
      await new Promise((r) => setTimeout(r, 100));
      let handled = 0;
      while ((await server.ctx.polls.runOnce()) > 0) handled += 1;
      const streamed = await stream.waitFor((e) => e.event === 'notification');
      stream.close();
      expect((JSON.parse(streamed.data) as { type: string }).type).toBe('poll');
      expect(handled).toBeGreaterThanOrEqual(1);
      expect(await server.ctx.polls.runOnce()).toBe(0);
      for (const who of [author, voter]) {
        const notes = await notificationsOf(who, 'poll');
        expect(notes.length).toBe(1);
        expect(notes[0]!.status?.id).toBe(statusId);
        expect(notes[0]!.status?.poll?.expired).toBe(true);
      }
    });

    it.skipIf(skip)('editing the options starts the poll again; leaving the poll out removes it', async () => {
      const author = await person('editor');
      const voter = await person('edvoter');
      const status = await author.rest.v1.statuses.create({
        status: 'Lunch?',
        poll: { options: ['pizza', 'salad'], expiresIn: 3600 },
      });
      await voter.rest.v1.polls.$select(status.poll!.id).votes.create({ choices: [0] });
      // Same options: votes stay.
      const same = await author.rest.v1.statuses.$select(status.id).update({
        status: 'Lunch today?',
        poll: { options: ['pizza', 'salad'], expiresIn: 3600 },
      });
      expect(same.poll?.votesCount).toBe(1);
      const changed = await author.rest.v1.statuses.$select(status.id).update({
        status: 'Lunch today?',
        poll: { options: ['pizza', 'salad', 'soup'], expiresIn: 3600 },
      });
      expect(changed.poll?.options.map((o) => o.title)).toEqual(['pizza', 'salad', 'soup']);
      expect([changed.poll?.votesCount, changed.poll?.votersCount]).toEqual([0, 0]);
      const mine = await voter.rest.v1.statuses.$select(status.id).fetch();
      expect([mine.poll?.voted, mine.poll?.ownVotes]).toEqual([false, []]);
      // masto.js does not type StatusEdit.poll: read the history as JSON.
      const history = (await call('GET', `/api/v1/statuses/${status.id}/history`, voter)).body as unknown as {
        poll: { options: { title: string }[] } | null;
      }[];
      expect(history.map((h) => h.poll?.options.map((o) => o.title))).toEqual([
        ['pizza', 'salad'],
        ['pizza', 'salad'],
        ['pizza', 'salad', 'soup'],
      ]);
      const removed = await author.rest.v1.statuses.$select(status.id).update({ status: 'No poll after all' });
      expect(removed.poll).toBeNull();
      // A post with edits and a poll (and votes) deletes cleanly, its poll with it.
      const other = await author.rest.v1.statuses.create({
        status: 'Short-lived',
        poll: { options: ['x', 'y'], expiresIn: 600 },
      });
      await voter.rest.v1.polls.$select(other.poll!.id).votes.create({ choices: [1] });
      await author.rest.v1.statuses
        .$select(other.id)
        .update({ status: 'Short-lived!', poll: { options: ['x', 'y'], expiresIn: 600 } });
      expect((await call('DELETE', `/api/v1/statuses/${other.id}`, author)).status).toBe(200);
      expect((await call('GET', `/api/v1/polls/${other.poll!.id}`, voter)).status).toBe(404);
      expect((await call('GET', `/api/v1/statuses/${other.id}/history`, voter)).status).toBe(404);
    });
  });

  describe('scheduled posts', () => {
    it.skipIf(skip)('schedules, lists, reschedules, cancels, and publishes exactly once when due', async () => {
      const author = await person('planner');
      const follower = await person('planfollower');
      const other = await person('snoop');
      await follower.rest.v1.accounts.$select(author.id).follow();
      const soon = new Date(clock.now().getTime() + 10 * 60_000);

      const scheduled = (await author.rest.v1.statuses.create({
        status: 'From the past',
        scheduledAt: soon.toISOString(),
        poll: { options: ['a', 'b'], expiresIn: 600 },
      })) as unknown as mastodon.v1.ScheduledStatus;
      expect(scheduled.scheduledAt).toBe(soon.toISOString());
      expect(scheduled.params.text).toBe('From the past');
      expect((scheduled.params as unknown as { poll: { options: string[] } }).poll.options).toEqual(['a', 'b']);
      expect(scheduled.mediaAttachments).toEqual([]);

      const tooSoon = await call('POST', '/api/v1/statuses', author, {
        status: 'now-ish',
        scheduled_at: new Date(clock.now().getTime() + 60_000).toISOString(),
      });
      expect(tooSoon.status).toBe(422);
      const invalidPost = await call('POST', '/api/v1/statuses', author, {
        status: 'x'.repeat(600),
        scheduled_at: soon.toISOString(),
      });
      expect(invalidPost.status).toBe(422);

      const second = (await author.rest.v1.statuses.create({
        status: 'Later still',
        scheduledAt: new Date(soon.getTime() + 3600_000).toISOString(),
      })) as unknown as mastodon.v1.ScheduledStatus;
      const third = (await author.rest.v1.statuses.create({
        status: 'Never',
        scheduledAt: new Date(soon.getTime() + 7200_000).toISOString(),
      })) as unknown as mastodon.v1.ScheduledStatus;

      const pages = await collect(author.rest.v1.scheduledStatuses.list({ limit: 2 }));
      expect(pages.flat().map((s) => s.id)).toEqual([third.id, second.id, scheduled.id]);
      expect((await author.rest.v1.scheduledStatuses.$select(second.id).fetch()).params.text).toBe('Later still');
      expect((await call('GET', `/api/v1/scheduled_statuses/${second.id}`, other)).status).toBe(404);
      expect((await call('DELETE', `/api/v1/scheduled_statuses/${second.id}`, other)).status).toBe(404);
      expect((await call('PUT', `/api/v1/scheduled_statuses/${second.id}`, other, { scheduled_at: soon })).status).toBe(
        404,
      );
      expect((await other.rest.v1.scheduledStatuses.list()).length).toBe(0);

      const moved = await author.rest.v1.scheduledStatuses.$select(second.id).update({
        scheduledAt: new Date(soon.getTime() + 60_000).toISOString(),
      });
      expect(moved.scheduledAt).toBe(new Date(soon.getTime() + 60_000).toISOString());
      await author.rest.v1.scheduledStatuses.$select(third.id).remove();
      expect((await call('GET', `/api/v1/scheduled_statuses/${third.id}`, author)).status).toBe(404);

      // Not due yet: nothing happens.
      expect(await server.ctx.scheduledPosts.runOnce()).toBe(0);
      clock.advance(12 * 60_000);
      const results = await Promise.all([
        server.ctx.scheduledPosts.runOnce(),
        server.ctx.scheduledPosts.runOnce(),
        server.ctx.scheduledPosts.runOnce(),
      ]);
      expect(results.reduce((a, b) => a + b, 0)).toBe(2);
      expect(await server.ctx.scheduledPosts.runOnce()).toBe(0);

      const mine = await author.rest.v1.accounts.$select(author.id).statuses.list();
      expect(mine.map((s) => s.content).sort()).toEqual(['<p>From the past</p>', '<p>Later still</p>']);
      const published = mine.find((s) => s.content === '<p>From the past</p>')!;
      expect(published.poll?.options.map((o) => o.title)).toEqual(['a', 'b']);
      expect(Date.parse(published.poll!.expiresAt!) - Date.parse(published.createdAt)).toBe(600_000);
      const home = await follower.rest.v1.timelines.home.list();
      expect(home.map((s) => s.id)).toContain(published.id);
      expect((await author.rest.v1.scheduledStatuses.list()).length).toBe(0);
    });
  });
});
