import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { FIELD_LIMITS } from '../../shared/field-limits.ts';
import { HttpError } from '../errors.ts';
import { SPARROW_VERSION } from './instance.ts';

const NODEINFO_SCHEMAS = ['2.0', '2.1'] as const;
const nodeinfoSchema = (version: string) => `http://nodeinfo.diaspora.software/ns/schema/${version}`;

/** The handle a WebFinger `resource` names: `acct:user@host`, `user@host`, or the profile URL. */
function handleOf(resource: string, publicUrl: string): string | null {
  if (resource.startsWith('acct:')) return resource.slice('acct:'.length);
  const profilePrefix = `${publicUrl}/@`;
  if (resource.startsWith(profilePrefix)) return resource.slice(profilePrefix.length);
  if (/^[^:/@\s]+@[^/@\s]+$/.test(resource)) return resource;
  return null;
}

/**
 * Discovery documents: host-meta (which points at WebFinger), WebFinger for local accounts,
 * and NodeInfo 2.0/2.1 with the instance's real usage. With federation on they advertise the
 * ActivityPub actor and protocol; with it off (an island) they never do, so no server tries
 * to talk a protocol Sparrow would then refuse.
 */
export function discoveryRoutes(ctx: AppContext) {
  const { config } = ctx;
  return async (app: FastifyInstance) => {
    const webfingerTemplate = `${config.publicUrl}/.well-known/webfinger?resource={uri}`;
    app.get('/.well-known/host-meta', async (_request, reply) =>
      reply
        .type('application/xrd+xml; charset=utf-8')
        .send(
          `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${webfingerTemplate.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"/>\n</XRD>\n`,
        ),
    );
    app.get('/.well-known/host-meta.json', async () => ({ links: [{ rel: 'lrdd', template: webfingerTemplate }] }));

    app.get('/.well-known/webfinger', async (request: FastifyRequest, reply) => {
      const resource = (request.query as Record<string, unknown>).resource;
      if (typeof resource !== 'string' || resource.trim() === '' || resource.length > FIELD_LIMITS.acct)
        throw new HttpError(400, 'The resource parameter must name one account, as acct:user@host');
      const handle = handleOf(resource.trim(), config.publicUrl);
      if (handle === null) throw new HttpError(400, 'The resource parameter must name one account, as acct:user@host');
      const account = await ctx.microblog.lookup(handle);
      // Only accounts of this server: one known from another server is not ours to describe.
      if (!account || account.domain !== null) throw new HttpError(404, 'No such account on this server');
      const profile = `${config.publicUrl}/@${account.username}`;
      return reply.type('application/jrd+json; charset=utf-8').send({
        subject: `acct:${account.username}@${config.domain}`,
        aliases: [profile],
        links: [
          ...(ctx.federation
            ? [
                {
                  rel: 'self',
                  type: 'application/activity+json',
                  href: `${config.publicUrl}/users/${account.username}`,
                },
              ]
            : []),
          { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: profile },
          // The Mastodon API's record of the account.
          {
            rel: 'alternate',
            type: 'application/json',
            href: `${config.publicUrl}/api/v1/accounts/${account.id}`,
          },
          {
            rel: 'http://webfinger.net/rel/avatar',
            type: 'image/png',
            href: `${config.publicUrl}/avatars/original/missing.png`,
          },
        ],
      });
    });

    app.get('/.well-known/nodeinfo', async () => ({
      links: NODEINFO_SCHEMAS.map((version) => ({
        rel: nodeinfoSchema(version),
        href: `${config.publicUrl}/nodeinfo/${version}`,
      })),
    }));

    for (const version of NODEINFO_SCHEMAS) {
      app.get(`/nodeinfo/${version}`, async (_request, reply) => {
        const stats = await ctx.microblog.instanceStatistics();
        return reply.type(`application/json; profile="${nodeinfoSchema(version)}#"`).send({
          version,
          software: {
            name: 'sparrow',
            version: SPARROW_VERSION,
            ...(version === '2.1' ? { homepage: config.publicUrl } : {}),
          },
          // Claimed only when on: other servers try to federate with whoever lists a protocol.
          protocols: ctx.federation ? ['activitypub'] : [],
          services: { inbound: [], outbound: [] },
          usage: { users: { total: stats.accounts, activeMonth: stats.activeMonth }, localPosts: stats.posts },
          // As Mastodon: open unless closed (with approval, anyone may still apply).
          openRegistrations: ctx.signUps.mode !== 'closed',
          metadata: {
            nodeName: config.instanceName,
            registrationsMode: ctx.signUps.mode,
            clientApi: 'mastodon',
          },
        });
      });
    }
  };
}
