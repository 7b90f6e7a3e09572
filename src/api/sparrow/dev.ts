import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { normalisePhone } from '../../sms/index.ts';
import { HttpError } from '../errors.ts';
import { input, text } from '../input.ts';

const outboxInput = input({ number: text('number') }, ['number']);
const inboundInput = input({ from: text('number'), text: text('message') }, ['from', 'text']);

/**
 * The phone simulator's endpoints. Registered only with the `console` provider: they let
 * anyone text the server as any number, which is the point in development and would be
 * the end of the trust model anywhere else.
 */
export function devSmsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    if (ctx.config.smsProvider !== 'console') return;

    app.get('/api/v1/sparrow/dev/sms', async (request) => {
      const { number } = outboxInput.read(request);
      const phone = normalisePhone(number);
      if (!phone) throw new HttpError(422, 'number is not a valid phone number');
      const messages = await ctx.sms.outbox.sentTo(phone.e164);
      return messages.map((m) => ({
        id: m.id,
        to: m.to,
        text: m.text,
        status: m.status,
        class: m.messageClass,
        purpose: m.purpose,
        encoding: m.encoding,
        segments: m.segments,
        created_at: m.createdAt.toISOString(),
        error: m.lastError,
      }));
    });

    app.post('/api/v1/sparrow/dev/sms', async (request, reply) => {
      const { from, text: message } = inboundInput.read(request);
      if (!normalisePhone(from)) throw new HttpError(422, 'from is not a valid phone number');
      const result = await ctx.sms.channel.receive('console', {
        providerMessageId: `dev-${randomUUID()}`,
        from,
        to: 'sparrow',
        text: message,
      });
      return reply.status(202).send({ outcome: result.outcome, post_id: result.postId });
    });
  };
}
