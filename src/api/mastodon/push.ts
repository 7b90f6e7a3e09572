import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { PUSH_ALERTS, type PushSubscription } from '../../push/index.ts';
import { requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { flagAt, nestedParams, objectAt, textAt } from '../nested.ts';

const str = { type: 'string' } as const;
const webPushSubscriptionSchema = {
  type: 'object',
  properties: {
    id: str,
    endpoint: str,
    standard: { type: 'boolean' },
    server_key: str,
    policy: str,
    alerts: { type: 'object', properties: Object.fromEntries(PUSH_ALERTS.map((a) => [a, { type: 'boolean' }])) },
  },
} as const;
const one = { schema: { response: { 200: webPushSubscriptionSchema } } };

function render(subscription: PushSubscription, serverKey: string) {
  return {
    id: subscription.id,
    endpoint: subscription.endpoint,
    standard: true,
    alerts: subscription.alerts,
    policy: subscription.policy,
    server_key: serverKey,
  };
}

function rawToken(request: FastifyRequest): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(String(request.headers.authorization ?? ''));
  if (!match) throw new HttpError(401, 'This method requires an authenticated user');
  return match[1]!;
}

/** `data[alerts][…]` and `data[policy]`, as JSON or form fields. */
function readData(params: Record<string, unknown>) {
  const data = objectAt(params, 'data');
  const alertsIn = objectAt(data, 'alerts');
  const alerts: Record<string, boolean> = {};
  for (const name of PUSH_ALERTS) {
    const on = flagAt(alertsIn, name, `data[alerts][${name}]`);
    if (on !== undefined) alerts[name] = on;
  }
  // Mastodon reads `data[policy]`; some libraries (masto.js) send `policy` beside `data`.
  const policy = textAt(data, 'policy', 20, 'data[policy]') ?? textAt(params, 'policy', 20, 'policy');
  return { alerts, ...(policy !== undefined ? { policy } : {}) };
}

/** Web Push (Mastodon's `/api/v1/push/subscription`): one subscription per access token. */
export function pushRoutes(ctx: AppContext) {
  const subscriptions = ctx.push.subscriptions;
  return async (app: FastifyInstance) => {
    app.post('/api/v1/push/subscription', one, async (request) => {
      const user = requireUser(request, 'push');
      const params = nestedParams(request);
      const subscription = objectAt(params, 'subscription');
      const keys = objectAt(subscription, 'keys');
      const endpoint = textAt(subscription, 'endpoint', 2000, 'subscription[endpoint]');
      const p256dh = textAt(keys, 'p256dh', 200, 'subscription[keys][p256dh]');
      const auth = textAt(keys, 'auth', 100, 'subscription[keys][auth]');
      if (!endpoint) throw new HttpError(422, 'subscription[endpoint] is required');
      if (!p256dh) throw new HttpError(422, 'subscription[keys][p256dh] is required');
      if (!auth) throw new HttpError(422, 'subscription[keys][auth] is required');
      const created = await subscriptions.subscribe(
        { id: user.tokenId, accountId: user.accountId },
        rawToken(request),
        { endpoint, p256dh, auth, ...readData(params) },
      );
      return render(created, await ctx.push.vapidPublicKey());
    });

    app.get('/api/v1/push/subscription', one, async (request) => {
      const user = requireUser(request, 'push');
      return render(
        await subscriptions.get({ id: user.tokenId, accountId: user.accountId }),
        await ctx.push.vapidPublicKey(),
      );
    });

    app.put('/api/v1/push/subscription', one, async (request) => {
      const user = requireUser(request, 'push');
      const updated = await subscriptions.update(
        { id: user.tokenId, accountId: user.accountId },
        readData(nestedParams(request)),
      );
      return render(updated, await ctx.push.vapidPublicKey());
    });

    app.delete('/api/v1/push/subscription', async (request) => {
      const user = requireUser(request, 'push');
      await subscriptions.remove({ id: user.tokenId, accountId: user.accountId });
      return {};
    });
  };
}
