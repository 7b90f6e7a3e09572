import { createServer, type Server } from 'node:http';
import { randomUUID, type webcrypto } from 'node:crypto';
import { createFederation, generateCryptoKeyPair, InProcessMessageQueue, MemoryKvStore } from '@fedify/fedify';
import { Accept, Follow, Person, type Activity } from '@fedify/fedify/vocab';
import { freePort } from './server.ts';

/**
 * Another ActivityPub server for tests, built on Fedify alone (not Sparrow): actors the test
 * defines (with `alsoKnownAs` aliases, which Sparrow's own actors do not carry), that accept
 * every Follow and send whatever activity the test builds, signed with their keys. Actors live
 * at `/@name`, so their profile URL is their id and WebFinger answers for it.
 */
export interface FedifyPeer {
  url: string;
  domain: string;
  actorUri(name: string): URL;
  addActor(name: string, aliases?: readonly URL[]): void;
  send(from: string, to: { id: URL; inbox: URL }, activity: Activity): Promise<void>;
  close(): Promise<void>;
}

export async function startFedifyPeer(): Promise<FedifyPeer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const actors = new Map<string, readonly URL[]>();
  // One key pair per actor, made on first use. The promise is kept, not the pair: two activities
  // signed at once as a new actor (two Accepts) once made two pairs, one of which the actor
  // document then did not show, and the receiving server rightly refused that activity.
  const keys = new Map<string, Promise<webcrypto.CryptoKeyPair>>();
  const federation = createFederation<void>({
    kv: new MemoryKvStore(),
    queue: new InProcessMessageQueue(),
    origin: url,
    allowPrivateAddress: true,
  });
  federation
    .setActorDispatcher('/@{identifier}', async (ctx, identifier) => {
      const aliases = actors.get(identifier);
      if (!aliases) return null;
      const pairs = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: identifier,
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        aliases: [...aliases],
        publicKey: pairs[0]?.cryptographicKey ?? null,
      });
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      if (!actors.has(identifier)) return [];
      let pair = keys.get(identifier);
      if (!pair) keys.set(identifier, (pair = generateCryptoKeyPair('RSASSA-PKCS1-v1_5')));
      return [await pair];
    });
  federation.setInboxListeners('/@{identifier}/inbox', '/inbox').on(Follow, async (ctx, follow) => {
    const target = follow.objectId ? ctx.parseUri(follow.objectId) : null;
    if (target?.type !== 'actor' || !follow.id) return;
    const follower = await follow.getActor(ctx);
    if (!follower) return;
    await ctx.sendActivity(
      { identifier: target.identifier },
      follower,
      new Accept({
        // Unique per Follow: two Follows answered in the same millisecond once got one id, and the
        // receiving server rightly took the second Accept for a repeat of the first and dropped it.
        id: new URL(`${follow.objectId!.href}#accepts/${randomUUID()}`),
        actor: follow.objectId,
        object: follow,
      }),
    );
  });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const body = req.method === 'POST' ? Buffer.concat(chunks) : undefined;
      void federation
        .fetch(new Request(new URL(req.url ?? '/', url), { method: req.method, headers, body }), {
          contextData: undefined,
        })
        .then(async (response) => {
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  const ctx = () => federation.createContext(new URL(url), undefined);
  return {
    url,
    domain: `127.0.0.1:${port}`,
    actorUri: (name) => ctx().getActorUri(name),
    addActor: (name, aliases = []) => void actors.set(name, aliases),
    send: (from, to, activity) => ctx().sendActivity({ identifier: from }, { id: to.id, inboxId: to.inbox }, activity),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
