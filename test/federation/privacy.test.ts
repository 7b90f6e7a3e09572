import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { freePort } from '../helpers/server.ts';
import { eventually } from '../helpers/federation-nodes.ts';
import { smsHarness, type SmsHarness, type SmsUser } from '../sms/helpers.ts';

/**
 * The privacy guarantee (issue 13): phone numbers, e-mail addresses and SMS-only settings never
 * leave the server. An account with a verified phone, an e-mail, SMS posting and notifications
 * on, a posting PIN and posts written by text does everything that federates — follow, post,
 * followers-only and direct posts, reply, like, boost, edit, delete, block, profile update,
 * unfollow, a forwarded report — and every request body either server sends and every
 * document served on the federation routes (actor, outbox, collections, notes, WebFinger,
 * NodeInfo, the instance actor) is grepped for them.
 */
const EMAIL = 'ines.private@example.org';
const PHONE = '+254733123456';
const PHONE_FORMS = [
  '+254733123456',
  '254733123456',
  '0733123456',
  '0733 123 456',
  '733123456',
  '733 123 456',
  '733-123-456',
];
const PIN = '58213947';

async function federatedHarness(engine: 'sqlite' | 'postgres'): Promise<SmsHarness & { url: string; host: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const harness = await smsHarness(engine, {
    PORT: String(port),
    SPARROW_PUBLIC_URL: url,
    SPARROW_FEDERATION: 'on',
    SPARROW_FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'true',
  });
  await harness.app.listen({ host: '127.0.0.1', port });
  return Object.assign(harness, { url, host: `127.0.0.1:${port}` });
}

describe.each(ENGINES)('nothing private leaves the server, on $label', ({ name, skip }) => {
  let a: SmsHarness & { url: string; host: string };
  let b: SmsHarness & { url: string; host: string };
  const stop = new AbortController();
  const realFetch = globalThis.fetch;
  /** Every request body sent and every response body received over HTTP by either server. */
  const seen: { what: string; body: string }[] = [];

  beforeAll(async () => {
    if (skip) return;
    a = await federatedHarness(name);
    b = await federatedHarness(name);
    void a.ctx.federation!.startQueue(stop.signal);
    void b.ctx.federation!.startQueue(stop.signal);
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.method === 'POST') seen.push({ what: `POST ${request.url}`, body: await request.clone().text() });
      const response = await realFetch(request);
      seen.push({
        what: `answer to ${request.method} ${request.url}`,
        body: await response
          .clone()
          .text()
          .catch(() => ''),
      });
      return response;
    };
  }, 60_000);

  afterAll(async () => {
    globalThis.fetch = realFetch;
    stop.abort();
    await a?.close();
    await b?.close();
  });

  it.skipIf(skip)(
    'every activity and every federation document, checked for phone, e-mail, PIN and SMS settings',
    async () => {
      // Ines: e-mail, verified phone (by code, as a person does it), SMS posting and notifications, a PIN.
      const registered = await a.ctx.identity.register({
        username: 'ines',
        email: EMAIL,
        password: 'a long private password',
      });
      const app = await a.ctx.oauth.registerApp({
        name: 'Privacy',
        redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
        scopes: 'read write follow',
      });
      const token = await a.ctx.oauth.issueToken({
        appId: app.app.id,
        accountId: registered.id,
        scopes: ['read', 'write', 'follow'],
      });
      const ines: SmsUser = {
        id: registered.id,
        username: 'ines',
        token: token.accessToken,
        auth: { authorization: `Bearer ${token.accessToken}` },
      };
      await a.enableCountry('KE');
      await a.linkPhone(ines, PHONE);
      const settings = await a.app.inject({
        method: 'PATCH',
        url: '/api/v1/sparrow/sms_settings',
        headers: ines.auth,
        payload: { posting: true, notifications: true, pin: PIN },
      });
      expect(settings.statusCode).toBe(200);
      await a.ctx.microblog.updateProfile(ines.id, { displayName: 'Ines', note: 'I text from Machakos' });

      const jon = await b.ctx.microblog.createAccount({ username: 'jon' });
      const jonOnA = (await a.ctx.microblog.resolve(`jon@${b.host}`))!;
      const inesOnB = (await b.ctx.microblog.resolve(`ines@${a.host}`))!;
      // Follow both ways.
      await a.ctx.microblog.follow(ines.id, jonOnA.id);
      await b.ctx.microblog.follow(jon.id, inesOnB.id);
      await eventually('both follows', async () => {
        const one = await a.ctx.microblog.relationship(ines.id, jonOnA.id);
        const two = await b.ctx.microblog.relationship(jon.id, inesOnB.id);
        return one.following && two.following;
      });

      // A post written by text, with the PIN, from the verified phone.
      const texted = await a.text(PHONE, `${PIN} Hello from my phone in Machakos`);
      expect(texted.post_id).not.toBeNull();
      const byText = await a.ctx.microblog.post(ines.id, { text: `hi @jon@${b.host}`, source: 'sms' });
      const followersOnly = await a.ctx.microblog.post(ines.id, {
        text: 'for followers',
        source: 'web',
        visibility: 'private',
      });
      await a.ctx.microblog.post(ines.id, { text: `just us @jon@${b.host}`, source: 'web', visibility: 'direct' });
      // Jon posts; Ines replies, likes and boosts it.
      const jonsPost = await b.ctx.microblog.post(jon.id, { text: 'a post by jon', source: 'web' });
      const jonsUri = `${b.url}/users/jon/statuses/${jonsPost.id}`;
      await eventually('jon’s post on A', async () => (await a.ctx.microblog.postByUri(jonsUri)) !== null);
      const jonsOnA = (await a.ctx.microblog.postByUri(jonsUri))!;
      const reply = await a.ctx.microblog.post(ines.id, { text: 'a reply', source: 'web', inReplyToId: jonsOnA.id });
      await a.ctx.microblog.favourite(ines.id, jonsOnA.id);
      await a.ctx.microblog.reblog(ines.id, jonsOnA.id, 'web');
      // Edit, delete, profile update, undo like and boost.
      await a.ctx.microblog.edit(ines.id, reply.id, { text: 'a reply, edited' });
      await a.ctx.microblog.updateProfile(ines.id, { displayName: 'Ines W.', note: 'Still texting from Machakos' });
      await a.ctx.microblog.unfavourite(ines.id, jonsOnA.id);
      await a.ctx.microblog.unreblog(ines.id, jonsOnA.id);
      await a.ctx.microblog.deletePost(ines.id, byText.id);
      await eventually('the followers-only post and the reply on B', async () => {
        const uris = [followersOnly, reply].map((p) => `${a.url}/users/ines/statuses/${p.id}`);
        return (await Promise.all(uris.map((u) => b.ctx.microblog.postByUri(u)))).every((p) => p !== null);
      });
      // A forwarded report, then a block and an unfollow.
      await a.ctx.safety.report(ines.id, {
        accountId: jonOnA.id,
        statusIds: [jonsOnA.id],
        comment: 'testing',
        forward: true,
      });
      await a.ctx.microblog.block(ines.id, jonOnA.id);
      await eventually('the queue drained', async () => (await a.ctx.federation!.queueDepth()).queued === 0);

      // Every document of the federation routes, as any server may fetch them.
      const documents = [
        '/users/ines',
        '/users/ines/outbox',
        '/users/ines/followers',
        '/users/ines/following',
        '/users/sparrow.instance',
        ...[texted.post_id!, followersOnly.id, reply.id].map((id) => `/users/ines/statuses/${id}`),
        `/.well-known/webfinger?resource=acct:ines@${a.host}`,
        `/.well-known/webfinger?resource=${encodeURIComponent(`${a.url}/@ines`)}`,
        '/.well-known/nodeinfo',
        '/nodeinfo/2.0',
        '/nodeinfo/2.1',
        '/.well-known/host-meta',
      ];
      for (const path of documents) {
        const res = await realFetch(`${a.url}${path}`, { headers: { accept: 'application/activity+json' } });
        seen.push({ what: `GET ${path}`, body: await res.text() });
      }
      const actor = seen.find((s) => s.what === 'GET /users/ines')!.body;
      expect(actor).toContain('Still texting from Machakos');

      const everything = seen.map((s) => s.body).join('\n');
      // What should have crossed did: the text-written post, the activity types.
      expect(everything).toContain('Hello from my phone in Machakos');
      for (const type of ['"Follow"', '"Accept"', '"Create"', '"Like"', '"Announce"', '"Undo"', '"Delete"', '"Flag"'])
        expect(everything).toContain(type);
      // What must never cross, in any shape.
      for (const { what, body } of seen) {
        const lower = body.toLowerCase();
        for (const form of [EMAIL, 'ines.private', ...PHONE_FORMS, PIN])
          expect(lower.includes(form.toLowerCase()), `${what} contains ${form}`).toBe(false);
        expect(body, `${what} names an SMS, phone or e-mail setting`).not.toMatch(
          /"[^"]*(phone|e-?mail|sms|posting_?pin|pin_?hash)[^"]*"\s*:/i,
        );
        expect(body, `${what} mentions SMS`).not.toMatch(/\bsms\b/i);
      }
    },
    120_000,
  );
});
