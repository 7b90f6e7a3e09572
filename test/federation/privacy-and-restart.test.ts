import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { databaseFor, eventually, startNode, type FederationNode } from '../helpers/federation-nodes.ts';
import { freePort } from '../helpers/server.ts';

/**
 * What survives a restart (issue 13): a delivery to a server that is down arrives once it is
 * back. (What leaves the server — never a phone number, e-mail or SMS setting — is checked for
 * every activity and federation document in privacy.test.ts.)
 */
describe.each(ENGINES)('federation durability on $label', ({ name, skip }) => {
  let a: FederationNode;
  let b: FederationNode;
  let bPort: number;
  let bDatabase: { url: string; schema?: string };

  beforeAll(async () => {
    if (skip) return;
    a = await startNode(await freePort(), await databaseFor(name));
    bPort = await freePort();
    bDatabase = await databaseFor(name);
    b = await startNode(bPort, bDatabase);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it.skipIf(skip)(
    'a delivery to a server that is down arrives after it restarts',
    async () => {
      const kim = await a.ctx.microblog.createAccount({ username: 'kim' });
      const lee = await b.ctx.microblog.createAccount({ username: 'lee' });
      const leeOnA = (await a.ctx.microblog.resolve(`lee@${b.host}`))!;
      await a.ctx.microblog.follow(kim.id, leeOnA.id);
      const kimOnB = (await b.ctx.microblog.resolve(`kim@${a.host}`))!;
      await b.ctx.microblog.follow(lee.id, kimOnB.id);
      await eventually('the follow', async () => (await b.ctx.microblog.relationship(lee.id, kimOnB.id)).following);

      await b.stop();
      const post = await a.ctx.microblog.post(kim.id, { text: 'sent while B was down', source: 'web' });
      await new Promise((r) => setTimeout(r, 1500));
      b = await startNode(bPort, bDatabase);
      await eventually(
        'the post after the restart',
        async () => (await b.ctx.microblog.postByUri(`${a.url}/users/kim/statuses/${post.id}`)) !== null,
      );
      const views = await b.ctx.microblog.homeTimeline(lee.id, { limit: 10 });
      expect(views.filter((v) => v.post.text === 'sent while B was down')).toHaveLength(1);
    },
    90_000,
  );
});
