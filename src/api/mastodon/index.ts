import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { accountRoutes } from './accounts.ts';
import { discoveryRoutes } from './discovery.ts';
import { filterRoutes } from './filters.ts';
import { listRoutes } from './lists.ts';
import { readingRoutes } from './reading.ts';
import { instanceRoutes } from './instance.ts';
import { postExtrasRoutes } from './post-extras.ts';
import { searchRoutes } from './search.ts';
import { mediaRoutes } from './media.ts';
import { pushRoutes } from './push.ts';
import { safetyRoutes } from './safety.ts';
import { statusRoutes } from './statuses.ts';
import { tagRoutes } from './tags.ts';
import { timelineRoutes } from './timelines.ts';

/** The Mastodon client API subset of SPEC 3.2. */
export function mastodonRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    await app.register(instanceRoutes(ctx));
    await app.register(accountRoutes(ctx));
    await app.register(statusRoutes(ctx));
    await app.register(postExtrasRoutes(ctx));
    await app.register(timelineRoutes(ctx));
    await app.register(discoveryRoutes(ctx));
    await app.register(listRoutes(ctx));
    await app.register(filterRoutes(ctx));
    await app.register(readingRoutes(ctx));
    await app.register(searchRoutes(ctx));
    await app.register(tagRoutes(ctx));
    await app.register(mediaRoutes(ctx));
    await app.register(pushRoutes(ctx));
    await app.register(safetyRoutes(ctx));
  };
}
