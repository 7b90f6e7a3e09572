import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { FILTER_ACTIONS, type FilterChanges } from '../../core/index.ts';
import { FIELD_LIMITS } from '../../shared/field-limits.ts';
import { isWellFormedId } from '../../shared/ids.ts';
import { requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { pathId } from '../params.ts';
import { flag, id, input, list, oneOf, text } from '../input.ts';
import { renderFilter, renderFilterKeyword, renderFilterStatus, renderV1Filter } from './filter-entities.ts';

const filterFields = {
  title: text('title'),
  context: list('filter_context', 5),
  filter_action: oneOf(FILTER_ACTIONS),
};
const createInput = input(filterFields, ['title', 'context']);
const updateInput = input(filterFields);
const keywordInput = input({ keyword: text('keyword'), whole_word: flag }, ['keyword']);
const keywordUpdateInput = input({ keyword: text('keyword'), whole_word: flag });
const statusInput = input({ status_id: id }, ['status_id']);

const TRUE = new Set<unknown>([true, 'true', '1', 1, 'on']);
const FALSE = new Set<unknown>([false, 'false', '0', 0, 'off', '']);
const MAX_KEYWORD_ATTRIBUTES = 100;

function rawParams(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  const query = (request.query ?? {}) as Record<string, unknown>;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? { ...query, ...(body as Record<string, unknown>) }
    : { ...query };
}

/**
 * `expires_in` in seconds: absent = unchanged (undefined); `null` or an empty value = never
 * expires; otherwise a whole number of seconds.
 */
function expiresIn(params: Record<string, unknown>): number | null | undefined {
  if (!('expires_in' in params)) return undefined;
  const value = params.expires_in;
  if (value === null || value === '') return null;
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]{1,12}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number)) throw new HttpError(422, 'expires_in must be a number of seconds');
  return number;
}

function bool(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new HttpError(422, `${field} must be true or false`);
}

/**
 * Mastodon's `keywords_attributes[]`, in every spelling clients send: a JSON array of objects, a
 * JSON object keyed by position, or form fields `keywords_attributes[][keyword]` /
 * `keywords_attributes[0][keyword]` (a repeated field starts the next keyword).
 */
function keywordAttributes(params: Record<string, unknown>): NonNullable<FilterChanges['keywords']> {
  let items: unknown[] = [];
  const direct = params.keywords_attributes ?? params['keywords_attributes[]'];
  if (Array.isArray(direct)) items = direct;
  else if (typeof direct === 'object' && direct !== null) items = Object.values(direct);
  else if (direct !== undefined) throw new HttpError(422, 'keywords_attributes must be a list of keywords');
  else {
    // With `[]` (no index) the form parser has gathered each field's values in order: the
    // n-th value of every field belongs to the n-th keyword, as Rails reads them.
    const byIndex = new Map<string, Record<string, unknown>>();
    for (const [key, value] of Object.entries(params)) {
      const match = /^keywords_attributes\[([0-9]{0,4})\]\[(keyword|whole_word|id|_destroy)\]$/.exec(key);
      if (!match) continue;
      const index = match[1] ?? '';
      const field = match[2] ?? '';
      const values = Array.isArray(value) ? value : [value];
      values.slice(0, MAX_KEYWORD_ATTRIBUTES + 1).forEach((v, position) => {
        const slot = index === '' ? `_${position}` : index;
        const item = byIndex.get(slot) ?? {};
        item[field] = v;
        byIndex.set(slot, item);
      });
    }
    items = [...byIndex.values()];
  }
  if (items.length > MAX_KEYWORD_ATTRIBUTES)
    throw new HttpError(422, `keywords_attributes has too many items (at most ${MAX_KEYWORD_ATTRIBUTES})`);
  return items.map((item) => {
    if (typeof item !== 'object' || item === null)
      throw new HttpError(422, 'keywords_attributes must be a list of keywords');
    const fields = item as Record<string, unknown>;
    const keyword = fields.keyword;
    if (keyword !== undefined && (typeof keyword !== 'string' || keyword.length > FIELD_LIMITS.keyword))
      throw new HttpError(422, 'keywords_attributes keyword must be a text of at most 1000 characters');
    const keywordId = typeof fields.id === 'number' ? String(fields.id) : fields.id;
    if (keywordId !== undefined && keywordId !== '' && !isWellFormedId(keywordId))
      throw new HttpError(422, 'keywords_attributes id is not a valid id');
    return {
      id: keywordId === '' ? undefined : (keywordId as string | undefined),
      keyword: keyword as string | undefined,
      wholeWord: bool(fields.whole_word, 'whole_word'),
      destroy: bool(fields._destroy, '_destroy') ?? false,
    };
  });
}

/** Filters v2 (`/api/v2/filters`, keywords, statuses) and a read-only v1 view (`/api/v1/filters`). */
export function filterRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/v2/filters', async (request) => {
      const { accountId } = requireUser(request, 'read:filters');
      return (await ctx.filters.list(accountId)).map(renderFilter);
    });

    app.post('/api/v2/filters', async (request) => {
      const { accountId } = requireUser(request, 'write:filters');
      const params = createInput.read(request);
      const raw = rawParams(request);
      const keywords = keywordAttributes(raw).filter((k) => !k.destroy);
      return renderFilter(
        await ctx.filters.create(accountId, {
          title: params.title,
          context: params.context,
          action: params.filter_action,
          expiresIn: expiresIn(raw) ?? null,
          keywords: keywords.map((k) => ({ keyword: k.keyword ?? '', wholeWord: k.wholeWord ?? true })),
        }),
      );
    });

    app.get('/api/v2/filters/:id', async (request) => {
      const { accountId } = requireUser(request, 'read:filters');
      return renderFilter(await ctx.filters.get(accountId, pathId(request)));
    });

    app.put('/api/v2/filters/:id', async (request) => {
      const { accountId } = requireUser(request, 'write:filters');
      const id = pathId(request);
      const params = updateInput.read(request);
      const raw = rawParams(request);
      return renderFilter(
        await ctx.filters.update(accountId, id, {
          title: params.title,
          context: params.context,
          action: params.filter_action,
          expiresIn: expiresIn(raw),
          keywords: keywordAttributes(raw),
        }),
      );
    });

    app.delete('/api/v2/filters/:id', async (request) => {
      const { accountId } = requireUser(request, 'write:filters');
      await ctx.filters.remove(accountId, pathId(request));
      return {};
    });

    app.get('/api/v2/filters/:id/keywords', async (request) => {
      const { accountId } = requireUser(request, 'read:filters');
      return (await ctx.filters.get(accountId, pathId(request))).keywords.map(renderFilterKeyword);
    });

    app.post('/api/v2/filters/:id/keywords', async (request) => {
      const { accountId } = requireUser(request, 'write:filters');
      const id = pathId(request);
      const params = keywordInput.read(request);
      return renderFilterKeyword(
        await ctx.filters.addKeyword(accountId, id, { keyword: params.keyword, wholeWord: params.whole_word ?? true }),
      );
    });

    // Mastodon's paths are /api/v2/filters/keywords/:id; /api/v2/filter_keywords/:id is accepted too.
    for (const prefix of ['/api/v2/filters/keywords', '/api/v2/filter_keywords']) {
      app.get(`${prefix}/:id`, async (request) => {
        const { accountId } = requireUser(request, 'read:filters');
        return renderFilterKeyword(await ctx.filters.getKeyword(accountId, pathId(request)));
      });

      app.put(`${prefix}/:id`, async (request) => {
        const { accountId } = requireUser(request, 'write:filters');
        const id = pathId(request);
        const params = keywordUpdateInput.read(request);
        return renderFilterKeyword(
          await ctx.filters.updateKeyword(accountId, id, { keyword: params.keyword, wholeWord: params.whole_word }),
        );
      });

      app.delete(`${prefix}/:id`, async (request) => {
        const { accountId } = requireUser(request, 'write:filters');
        await ctx.filters.removeKeyword(accountId, pathId(request));
        return {};
      });
    }

    app.get('/api/v2/filters/:id/statuses', async (request) => {
      const { accountId } = requireUser(request, 'read:filters');
      return (await ctx.filters.get(accountId, pathId(request))).statuses.map(renderFilterStatus);
    });

    app.post('/api/v2/filters/:id/statuses', async (request) => {
      const { accountId } = requireUser(request, 'write:filters');
      const id = pathId(request);
      const { status_id: statusId } = statusInput.read(request);
      await ctx.filters.get(accountId, id);
      // Only a post the account may see can be filtered (anything else does not exist for it).
      const post = await ctx.microblog.visiblePost(accountId, statusId);
      return renderFilterStatus(await ctx.filters.addStatus(accountId, id, post.id));
    });

    for (const prefix of ['/api/v2/filters/statuses', '/api/v2/filter_statuses']) {
      app.get(`${prefix}/:id`, async (request) => {
        const { accountId } = requireUser(request, 'read:filters');
        return renderFilterStatus(await ctx.filters.getStatus(accountId, pathId(request)));
      });

      app.delete(`${prefix}/:id`, async (request) => {
        const { accountId } = requireUser(request, 'write:filters');
        await ctx.filters.removeStatus(accountId, pathId(request));
        return {};
      });
    }

    // v1 filters, read only: each keyword of a v2 filter is one v1 filter.
    app.get('/api/v1/filters', async (request) => {
      const { accountId } = requireUser(request, 'read:filters');
      return (await ctx.filters.list(accountId)).flatMap((f) => f.keywords.map((k) => renderV1Filter(f, k)));
    });

    app.get('/api/v1/filters/:id', async (request) => {
      const { accountId } = requireUser(request, 'read:filters');
      const keyword = await ctx.filters.getKeyword(accountId, pathId(request));
      return renderV1Filter(await ctx.filters.get(accountId, keyword.filterId), keyword);
    });
  };
}
