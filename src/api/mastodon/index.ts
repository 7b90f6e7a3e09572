import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { accountRoutes } from './accounts.ts';
import { discoveryRoutes } from './discovery.ts';
import { instanceRoutes } from './instance.ts';
import { pushRoutes } from './push.ts';
import { safetyRoutes } from './safety.ts';
import { statusRoutes } from './statuses.ts';
import { timelineRoutes } from './timelines.ts';

/** The Mastodon client API subset of SPEC 3.2. */
export function mastodonRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    await app.register(instanceRoutes(ctx));
    await app.register(accountRoutes(ctx));
    await app.register(statusRoutes(ctx));
    await app.register(timelineRoutes(ctx));
    await app.register(discoveryRoutes(ctx));
    await app.register(pushRoutes(ctx));
    await app.register(safetyRoutes(ctx));
  };
}
