import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, testContext, type TestContext } from './helpers/context.ts';

describe.each(ENGINES)('store on $label', ({ name, skip }) => {
  let ctx: TestContext;
  beforeAll(async () => {
    if (!skip) ctx = await testContext(name);
  });
  afterAll(async () => ctx?.dispose());

  it.skipIf(skip)('creates accounts and publishes a post into a follower home feed', async () => {
    const alice = await ctx.microblog.createAccount({ username: 'alice' });
    const bob = await ctx.microblog.createAccount({ username: 'bob' });
    await ctx.microblog.follow(bob.id, alice.id);
    const post = await ctx.microblog.post(alice.id, { text: 'hello @bob', source: 'web' });
    const home = await ctx.microblog.homeTimeline(bob.id, { limit: 20 });
    expect(home.map((v) => v.post.id)).toEqual([post.id]);
    expect(home[0]!.mentions.map((a) => a.username)).toEqual(['bob']);
    const notes = await ctx.microblog.notifications(bob.id, { limit: 20 });
    expect(notes.map((n) => n.notification.type).sort()).toEqual(['mention']);
    const aliceNotes = await ctx.microblog.notifications(alice.id, { limit: 20 });
    expect(aliceNotes.map((n) => n.notification.type)).toEqual(['follow']);
  });
});
