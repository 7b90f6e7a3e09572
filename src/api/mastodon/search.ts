import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { optionalUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { pageOf } from '../params.ts';
import { flag, id, input, oneOf, paging, text } from '../input.ts';
import { accountSchema, renderAccount, renderStatus, statusSchema } from './entities.ts';
import { renderTag, tagSchema } from './tags.ts';

const offset = { type: 'string', maxLength: 10, pattern: '^[0-9]+$' } as const;
const searchInput = input(
  {
    ...paging,
    q: text('q'),
    type: oneOf(['accounts', 'statuses', 'hashtags'] as const),
    resolve: flag,
    following: flag,
    account_id: id,
    exclude_unreviewed: flag,
    offset,
  },
  ['q'],
);
const accountSearchInput = input({ q: text('q'), limit: paging.limit, offset, resolve: flag, following: flag }, ['q']);

/**
 * `GET /api/v2/search` and `GET /api/v1/accounts/search` (src/core/search.ts decides what each
 * viewer may find). As Mastodon: without a token only accounts and hashtags are searched, and
 * `resolve` or `offset` need one (401). `exclude_unreviewed` changes nothing: hashtags here
 * are not reviewed, only listed once used in a public or unlisted post.
 */
export function searchRoutes(ctx: AppContext) {
  const urls = ctx.config;
  return async (app: FastifyInstance) => {
    app.get(
      '/api/v2/search',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: {
                accounts: { type: 'array', items: accountSchema },
                statuses: { type: 'array', items: statusSchema },
                hashtags: { type: 'array', items: tagSchema },
              },
            },
          },
        },
      },
      async (request) => {
        const viewer = optionalUser(request, 'read:search');
        const params = searchInput.read(request);
        const offsetValue = Number(params.offset ?? 0);
        if (!viewer && params.resolve)
          throw new HttpError(
            401,
            'Search queries that resolve remote resources are not supported without authentication',
          );
        if (!viewer && offsetValue > 0)
          throw new HttpError(401, 'Search queries with offset are not supported without authentication');
        const results = await ctx.search.search(viewer?.accountId ?? null, {
          query: params.q,
          type: params.type ?? null,
          resolve: params.resolve ?? false,
          following: params.following ?? false,
          accountId: params.account_id ?? null,
          page: pageOf(params, 20, 40),
          offset: Math.min(offsetValue, 10_000),
        });
        return {
          accounts: results.accounts.map((a) => renderAccount(a, urls)),
          statuses: results.statuses.map((v) => renderStatus(v, urls)),
          hashtags: results.hashtags.map((t) => renderTag(t, urls)),
        };
      },
    );

    app.get(
      '/api/v1/accounts/search',
      { schema: { response: { 200: { type: 'array', items: accountSchema } } } },
      async (request) => {
        const viewer = optionalUser(request, 'read:accounts');
        const params = accountSearchInput.read(request);
        const offsetValue = Number(params.offset ?? 0);
        if (!viewer && params.resolve)
          throw new HttpError(
            401,
            'Search queries that resolve remote resources are not supported without authentication',
          );
        if (!viewer && params.following) throw new HttpError(401, 'This method requires an authenticated user');
        const accounts = await ctx.search.accounts(viewer?.accountId ?? null, params.q, {
          following: params.following ?? false,
          page: pageOf(params, 40, 80),
          offset: Math.min(offsetValue, 10_000),
        });
        return accounts.map((a) => renderAccount(a, urls));
      },
    );
  };
}
