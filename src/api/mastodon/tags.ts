import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { FeaturedTagView, TagView, TrendingLink } from '../../core/index.ts';
import { optionalUser, requireUser } from '../auth.ts';
import { cursorsOf, linkHeader, pageOf, pathId } from '../params.ts';
import { flag, input, list, paging, text } from '../input.ts';
import { type Urls, renderStatus, statusSchema } from './entities.ts';

const str = { type: 'string' } as const;
const historySchema = {
  type: 'array',
  items: { type: 'object', properties: { day: str, uses: str, accounts: str } },
} as const;
export const tagSchema = {
  type: 'object',
  properties: { name: str, url: str, history: historySchema, following: { type: 'boolean' } },
} as const;
const featuredTagSchema = {
  type: 'object',
  properties: {
    id: str,
    name: str,
    url: str,
    statuses_count: { type: 'integer' },
    last_status_at: { type: ['string', 'null'] },
  },
} as const;
const linkSchema = {
  type: 'object',
  properties: {
    url: str,
    title: str,
    description: str,
    type: str,
    author_name: str,
    author_url: str,
    provider_name: str,
    provider_url: str,
    html: str,
    width: { type: 'integer' },
    height: { type: 'integer' },
    image: { type: 'null' },
    image_description: str,
    embed_url: str,
    blurhash: { type: 'null' },
    published_at: { type: 'null' },
    authors: { type: 'array' },
    history: historySchema,
  },
} as const;

/** Mastodon's Tag entity: history days as UNIX seconds of UTC midnight, counts as strings, newest day first. */
export function renderTag(view: TagView, urls: Urls) {
  return {
    name: view.name,
    url: `${urls.publicUrl}/tags/${encodeURIComponent(view.name)}`,
    history: renderHistory(view.history),
    ...(view.following === null ? {} : { following: view.following }),
  };
}

function renderHistory(history: TagView['history']) {
  return history.map((h) => ({
    day: String(Math.floor(h.day.getTime() / 1000)),
    uses: String(h.uses),
    accounts: String(h.accounts),
  }));
}

function renderFeaturedTag(tag: FeaturedTagView, username: string, urls: Urls) {
  return {
    id: tag.id,
    name: tag.name,
    url: `${urls.publicUrl}/@${username}/tagged/${encodeURIComponent(tag.name)}`,
    statuses_count: tag.statusesCount,
    last_status_at: tag.lastStatusAt ? tag.lastStatusAt.toISOString().slice(0, 10) : null,
  };
}

/**
 * A link trend as Mastodon's PreviewCard (with `history`). Sparrow does not fetch linked
 * pages (see src/core/trends.ts), so the title is the link itself and the provider its host.
 */
function renderLink(link: TrendingLink) {
  return {
    url: link.url,
    title: link.url,
    description: '',
    type: 'link',
    author_name: '',
    author_url: '',
    provider_name: link.host,
    provider_url: '',
    html: '',
    width: 0,
    height: 0,
    image: null,
    image_description: '',
    embed_url: '',
    blurhash: null,
    published_at: null,
    authors: [],
    history: renderHistory(link.history),
  };
}

const tagTimelineInput = input({
  ...paging,
  any: list('hashtag', 10),
  all: list('hashtag', 10),
  none: list('hashtag', 10),
  local: flag,
  remote: flag,
  only_media: flag,
});
const followedTagsInput = input(paging);
const featureInput = input({ name: text('hashtag') }, ['name']);
const trendsInput = input({
  limit: { type: 'string', maxLength: 10, pattern: '^[0-9]+$' },
  offset: { type: 'string', maxLength: 10, pattern: '^[0-9]+$' },
});

/**
 * The signed-in viewer for public endpoints (a tag, trends), when the token may read what the
 * answer adds for them; a narrower token gets the public answer instead of 403, as on Mastodon.
 */
function viewerIf(request: FastifyRequest, scope: string): string | null {
  try {
    return optionalUser(request, scope)?.accountId ?? null;
  } catch {
    return null;
  }
}

const tagName = (request: FastifyRequest, key = 'name') => (request.params as Record<string, string>)[key] ?? '';

function limitOffset(params: { limit?: string; offset?: string }, defaultLimit: number, maxLimit: number) {
  const limit = params.limit === undefined ? defaultLimit : Math.min(Math.max(Number(params.limit), 1), maxLimit);
  return { limit, offset: params.offset === undefined ? 0 : Math.min(Number(params.offset), 10_000) };
}

/** Hashtags (tag pages, follows, tag timelines, featured tags) and trends. */
export function tagRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.get('/api/v1/tags/:name', { schema: { response: { 200: tagSchema } } }, async (request) => {
      return renderTag(await ctx.hashtags.tag(viewerIf(request, 'read:follows'), tagName(request)), urls);
    });

    for (const action of ['follow', 'unfollow'] as const) {
      app.post(`/api/v1/tags/:name/${action}`, { schema: { response: { 200: tagSchema } } }, async (request) => {
        const { accountId } = requireUser(request, 'write:follows');
        const view =
          action === 'follow'
            ? await ctx.hashtags.follow(accountId, tagName(request))
            : await ctx.hashtags.unfollow(accountId, tagName(request));
        return renderTag(view, urls);
      });
    }

    app.get(
      '/api/v1/followed_tags',
      { schema: { response: { 200: { type: 'array', items: tagSchema } } } },
      async (request, reply) => {
        const { accountId } = requireUser(request, 'read:follows');
        const params = followedTagsInput.read(request);
        const rows = await ctx.hashtags.followedTags(accountId, pageOf(params, 100, 200));
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(rows, (r) => r.cursor),
          { limit: params.limit },
        );
        if (link) void reply.header('Link', link);
        return rows.map((r) => renderTag(r.view, urls));
      },
    );

    app.get(
      '/api/v1/timelines/tag/:hashtag',
      { schema: { response: { 200: { type: 'array', items: statusSchema } } } },
      async (request, reply) => {
        const viewer = optionalUser(request, 'read:statuses');
        const params = tagTimelineInput.read(request);
        // Every account here is local and Sparrow has no media yet: remote-only and media-only are empty.
        if (params.remote || params.only_media) return [];
        const views = await ctx.hashtags.timeline(
          viewer?.accountId ?? null,
          { tag: tagName(request, 'hashtag'), any: params.any, all: params.all, none: params.none },
          pageOf(params),
        );
        const link = linkHeader(
          urls.publicUrl,
          request,
          cursorsOf(views, (v) => v.post.id),
          { limit: params.limit, any: params.any, all: params.all, none: params.none, local: params.local },
        );
        if (link) void reply.header('Link', link);
        return views.map((v) => renderStatus(v, urls));
      },
    );

    // ── Featured tags ──────────────────────────────────────────────────────────
    const featuredList = { response: { 200: { type: 'array', items: featuredTagSchema } } };
    app.get('/api/v1/featured_tags', { schema: featuredList }, async (request) => {
      const { accountId } = requireUser(request, 'read:accounts');
      const me = await ctx.microblog.account(accountId);
      return (await ctx.hashtags.featuredTags(accountId)).map((t) => renderFeaturedTag(t, me.username, urls));
    });

    app.post('/api/v1/featured_tags', { schema: { response: { 200: featuredTagSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write:accounts');
      const { name } = featureInput.read(request);
      const me = await ctx.microblog.account(accountId);
      return renderFeaturedTag(await ctx.hashtags.feature(accountId, name), me.username, urls);
    });

    app.delete('/api/v1/featured_tags/:id', async (request) => {
      const { accountId } = requireUser(request, 'write:accounts');
      await ctx.hashtags.unfeature(accountId, pathId(request));
      return {};
    });

    app.get(
      '/api/v1/featured_tags/suggestions',
      { schema: { response: { 200: { type: 'array', items: tagSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        return (await ctx.hashtags.featureSuggestions(accountId)).map((t) => renderTag(t, urls));
      },
    );

    app.get('/api/v1/accounts/:id/featured_tags', { schema: featuredList }, async (request) => {
      optionalUser(request, 'read:accounts');
      const account = await ctx.microblog.account(pathId(request));
      return (await ctx.hashtags.featuredTags(account.id)).map((t) => renderFeaturedTag(t, account.username, urls));
    });

    // ── Trends ─────────────────────────────────────────────────────────────────
    const tagList = { response: { 200: { type: 'array', items: tagSchema } } };
    const trendingTags = async (request: FastifyRequest) => {
      const { limit, offset } = limitOffset(trendsInput.read(request), 10, 20);
      return (await ctx.trends.tags(viewerIf(request, 'read:follows'), limit, offset)).map((t) => renderTag(t, urls));
    };
    app.get('/api/v1/trends', { schema: tagList }, trendingTags);
    app.get('/api/v1/trends/tags', { schema: tagList }, trendingTags);

    app.get(
      '/api/v1/trends/statuses',
      { schema: { response: { 200: { type: 'array', items: statusSchema } } } },
      async (request) => {
        const { limit, offset } = limitOffset(trendsInput.read(request), 20, 40);
        return (await ctx.trends.statuses(viewerIf(request, 'read:statuses'), limit, offset)).map((v) =>
          renderStatus(v, urls),
        );
      },
    );

    app.get(
      '/api/v1/trends/links',
      { schema: { response: { 200: { type: 'array', items: linkSchema } } } },
      async (request) => {
        const { limit, offset } = limitOffset(trendsInput.read(request), 10, 20);
        return (await ctx.trends.links(limit, offset)).map(renderLink);
      },
    );
  };
}
