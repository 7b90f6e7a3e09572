import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import {
  CHOOSABLE_PURPOSES,
  PURPOSES,
  maskContact,
  type AudienceView,
  type Campaign,
  type ConsentRecord,
  type ContactPointView,
  type ContactUse,
  type ModerationReport,
  type Purpose,
} from '../../privacy/index.ts';
import { isWellFormedId } from '../../shared/ids.ts';
import { actingAccount, requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { accountSchema, renderAccount } from '../mastodon/entities.ts';
import { pathId, type Params } from '../params.ts';
import { count, flag, id, input, list, object, oneOf, text } from '../input.ts';

/**
 * Purpose-bound contact points, contact matching, advertising and the moderator reports
 * they raise (SPEC 3.6, 3.7; docs/privacy.md). Response schemas are field allowlists.
 */

const purposeState = {
  type: 'object',
  properties: { enabled: { type: 'boolean' }, since: { type: ['string', 'null'] } },
} as const;

const contactPointSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    value: { type: 'string' },
    masked: { type: 'string' },
    verified: { type: 'boolean' },
    verified_at: { type: ['string', 'null'] },
    created_at: { type: 'string' },
    purposes: { type: 'object', properties: Object.fromEntries(PURPOSES.map((p) => [p, purposeState])) },
    uses: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

const historySchema = {
  type: 'object',
  properties: {
    contact_point: contactPointSchema,
    consents: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          purpose: { type: 'string' },
          action: { type: 'string' },
          source: { type: 'string' },
          created_at: { type: 'string' },
        },
      },
    },
    uses: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          purpose: { type: 'string' },
          kind: { type: 'string' },
          detail: { type: ['string', 'null'] },
          created_at: { type: 'string' },
        },
      },
    },
  },
} as const;

const audienceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    usable: { type: 'boolean' },
    size: { type: ['integer', 'null'] },
    uploaded: { type: 'integer' },
    created_at: { type: 'string' },
  },
} as const;

const campaignSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    audience_id: { type: 'string' },
    status_id: { type: 'string' },
    frequency_cap: { type: 'integer' },
    status: { type: 'string' },
    created_at: { type: 'string' },
    stopped_at: { type: ['string', 'null'] },
  },
} as const;

const reportSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    summary: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
    account_ids: { type: 'array', items: { type: 'string' } },
    status: { type: 'string' },
    created_at: { type: 'string' },
    resolved_at: { type: ['string', 'null'] },
    resolved_by: { type: ['string', 'null'] },
  },
} as const;

function renderContactPoint(point: ContactPointView) {
  return {
    id: point.id,
    kind: point.kind,
    // Only the owner ever receives this; the masked form is for screens shown in public places.
    value: point.value,
    masked: maskContact(point.kind, point.value),
    verified: point.verifiedAt !== null,
    verified_at: point.verifiedAt?.toISOString() ?? null,
    created_at: point.createdAt.toISOString(),
    purposes: Object.fromEntries(
      PURPOSES.map((p) => [
        p,
        { enabled: point.purposes[p] !== undefined, since: point.purposes[p]?.toISOString() ?? null },
      ]),
    ),
    uses: point.useCounts,
  };
}

const renderConsent = (c: ConsentRecord) => ({
  purpose: c.purpose,
  action: c.action,
  source: c.source,
  created_at: c.createdAt.toISOString(),
});
const renderUse = (u: ContactUse) => ({
  purpose: u.purpose,
  kind: u.kind,
  detail: u.detail,
  created_at: u.createdAt.toISOString(),
});

function renderAudience(view: AudienceView) {
  return {
    id: view.audience.id,
    name: view.audience.name,
    usable: view.usable,
    size: view.size,
    uploaded: view.audience.hashCount,
    created_at: view.audience.createdAt.toISOString(),
  };
}

function renderCampaign(c: Campaign) {
  return {
    id: c.id,
    audience_id: c.audienceId,
    status_id: c.postId,
    frequency_cap: c.frequencyCap,
    status: c.status,
    created_at: c.createdAt.toISOString(),
    stopped_at: c.stoppedAt?.toISOString() ?? null,
  };
}

function renderReport(r: ModerationReport) {
  return {
    id: r.id,
    kind: r.kind,
    summary: r.summary,
    details: r.details,
    account_ids: r.accountIds,
    status: r.status,
    created_at: r.createdAt.toISOString(),
    resolved_at: r.resolvedAt?.toISOString() ?? null,
    resolved_by: r.resolvedBy,
  };
}

function objectBody(request: FastifyRequest): Params {
  const body = request.body;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(422, 'Request body must be a JSON object');
  return body as Params;
}

// Closed: a misspelt field must be refused rather than look accepted. An id that is not ours
// cannot exist (404, as in a path).
const contactPointInput = input({ id: text('id'), purposes: object }, ['id', 'purposes'], { closed: true });

/** `{ "discovery": true, "advertising": false }`: only known purposes, only booleans. */
function purposeChanges(value: Record<string, unknown>): Partial<Record<Purpose, boolean>> {
  const changes: Partial<Record<Purpose, boolean>> = {};
  for (const [key, on] of Object.entries(value)) {
    if (!(PURPOSES as readonly string[]).includes(key))
      throw new HttpError(422, `Unknown purpose: ${key.slice(0, 40)} (one of ${PURPOSES.join(', ')})`);
    if (typeof on !== 'boolean') throw new HttpError(422, `purposes.${key} must be true or false`);
    changes[key as Purpose] = on;
  }
  return changes;
}

/**
 * The audit reason of a staff request, from the body or the query (`DELETE` has no body):
 * bounded here, required and trimmed by the permission policy.
 */
const staffInput = input({ reason: text('reason') });
const reportsInput = input({ status: oneOf(['open', 'resolved', 'all']) });
const resolveInput = input({ unblock: flag, reason: text('reason') });

function reasonOf(request: FastifyRequest): string {
  return staffInput.read(request).reason ?? '';
}

function hashList(params: Params): unknown[] {
  const hashes = params.hashes;
  if (!Array.isArray(hashes)) throw new HttpError(422, 'hashes must be a list of SHA-256 hex digests');
  return hashes;
}

const audienceInput = input({ name: text('name') }, ['name']);
// The cap's own bounds are the advertising domain's rule; the edge checks only that it is a number.
const campaignInput = input({ audience_id: id, status_id: id, frequency_cap: count(-1_000_000, 1_000_000) }, [
  'audience_id',
  'status_id',
]);

export function privacyRoutes(ctx: AppContext) {
  const privacy = ctx.privacy;
  const urls = ctx.config;
  const max = ctx.config.privacy.discovery.maxPerRequest;
  const matchInput = input({ phones: list('number', max), emails: list('email', max) });
  return async (app: FastifyInstance) => {
    // ── Contact points and their purposes ────────────────────────────────────
    app.get(
      '/api/v1/sparrow/contact_points',
      { schema: { response: { 200: { type: 'array', items: contactPointSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        return (await privacy.contactPoints.list(accountId)).map(renderContactPoint);
      },
    );

    app.patch(
      '/api/v1/sparrow/contact_points',
      { schema: { response: { 200: contactPointSchema } } },
      async (request) => {
        const { accountId } = requireUser(request, 'write:accounts');
        const { id, purposes } = contactPointInput.read(request);
        if (!isWellFormedId(id)) throw new HttpError(404, 'Record not found');
        const changes = purposeChanges(purposes);
        if (Object.keys(changes).length === 0)
          throw new HttpError(422, `purposes must name at least one of ${CHOOSABLE_PURPOSES.join(', ')}`);
        return renderContactPoint(await privacy.contactPoints.setPurposes(accountId, id, changes, { ip: request.ip }));
      },
    );

    app.get(
      '/api/v1/sparrow/contact_points/:id/uses',
      { schema: { response: { 200: historySchema } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        const history = await privacy.contactPoints.history(accountId, pathId(request));
        return {
          contact_point: renderContactPoint(history.point),
          consents: history.consents.map(renderConsent),
          uses: history.uses.map(renderUse),
        };
      },
    );

    // ── Contact matching ─────────────────────────────────────────────────────
    app.post(
      '/api/v1/sparrow/contacts/match',
      {
        schema: {
          response: { 200: { type: 'object', properties: { accounts: { type: 'array', items: accountSchema } } } },
        },
      },
      async (request) => {
        const { accountId } = requireUser(request, 'read:accounts');
        objectBody(request);
        const { phones = [], emails = [] } = matchInput.read(request);
        const accounts = await privacy.match(accountId, request.ip, { phones, emails });
        return { accounts: accounts.map((a) => renderAccount(a, urls)) };
      },
    );

    // ── Advertising ──────────────────────────────────────────────────────────
    app.post('/api/v1/sparrow/ads/audiences', { schema: { response: { 200: audienceSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write');
      const body = objectBody(request);
      return renderAudience(
        await privacy.ads.createAudience(accountId, audienceInput.read(request).name, hashList(body), {
          ip: request.ip,
        }),
      );
    });

    app.get(
      '/api/v1/sparrow/ads/audiences',
      { schema: { response: { 200: { type: 'array', items: audienceSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read');
        return (await privacy.ads.audiences(accountId)).map(renderAudience);
      },
    );

    app.get('/api/v1/sparrow/ads/audiences/:id', { schema: { response: { 200: audienceSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'read');
      return renderAudience(await privacy.ads.audience(accountId, pathId(request)));
    });

    app.post(
      '/api/v1/sparrow/ads/audiences/:id/hashes',
      { schema: { response: { 200: audienceSchema } } },
      async (request) => {
        const { accountId } = requireUser(request, 'write');
        return renderAudience(
          await privacy.ads.addToAudience(accountId, pathId(request), hashList(objectBody(request)), {
            ip: request.ip,
          }),
        );
      },
    );

    app.post('/api/v1/sparrow/ads/campaigns', { schema: { response: { 200: campaignSchema } } }, async (request) => {
      const { accountId } = requireUser(request, 'write');
      objectBody(request);
      const { audience_id: audienceId, status_id: postId, frequency_cap: capRaw } = campaignInput.read(request);
      return renderCampaign(
        await privacy.ads.createCampaign(
          accountId,
          { audienceId, postId, ...(capRaw !== undefined ? { frequencyCap: capRaw } : {}) },
          { ip: request.ip },
        ),
      );
    });

    app.get(
      '/api/v1/sparrow/ads/campaigns',
      { schema: { response: { 200: { type: 'array', items: campaignSchema } } } },
      async (request) => {
        const { accountId } = requireUser(request, 'read');
        return (await privacy.ads.campaigns(accountId)).map(renderCampaign);
      },
    );

    app.post(
      '/api/v1/sparrow/ads/campaigns/:id/stop',
      { schema: { response: { 200: campaignSchema } } },
      async (request) => {
        const { accountId } = requireUser(request, 'write');
        return renderCampaign(await privacy.ads.stopCampaign(accountId, pathId(request)));
      },
    );

    // ── Administration ───────────────────────────────────────────────────────
    app.put('/api/v1/admin/sparrow/advertisers/:id', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write');
      const target = await ctx.microblog.account(pathId(request));
      await privacy.ads.setAdvertiser(target.id, true, { actor, reason: reasonOf(request) });
      return { account_id: target.id, advertiser: true };
    });

    app.delete('/api/v1/admin/sparrow/advertisers/:id', async (request) => {
      const { actor } = await actingAccount(ctx.microblog, request, 'admin:write');
      const target = await ctx.microblog.account(pathId(request));
      await privacy.ads.setAdvertiser(target.id, false, { actor, reason: reasonOf(request) });
      return { account_id: target.id, advertiser: false };
    });

    app.get(
      '/api/v1/admin/sparrow/reports',
      { schema: { response: { 200: { type: 'array', items: reportSchema } } } },
      async (request) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:read');
        const { status = 'open' } = reportsInput.read(request);
        return (await privacy.discovery.reportList(actor, status === 'all' ? null : status, 200)).map(renderReport);
      },
    );

    app.post(
      '/api/v1/admin/sparrow/reports/:id/resolve',
      { schema: { response: { 200: reportSchema } } },
      async (request) => {
        const { actor } = await actingAccount(ctx.microblog, request, 'admin:write');
        const reportId = pathId(request);
        const { unblock = false, reason = '' } = resolveInput.read(request);
        const report = await privacy.discovery.resolveReport(reportId, unblock, { actor, reason });
        if (!report) throw new HttpError(404, 'Record not found');
        return renderReport(report);
      },
    );
  };
}
