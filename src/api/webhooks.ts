import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { WebhookPayloadError, WebhookSignatureError, type WebhookKind, type WebhookRequest } from '../sms/index.ts';

const WEBHOOK_BODY_LIMIT = 64 * 1024;

/**
 * Provider webhooks (SPEC 3.3): the adapter proves the request authentic from the exact
 * bytes received before anything is parsed or stored; unsigned or wrongly signed requests
 * get 403 and leave no trace but a log line and a counter.
 */
export function webhookRoutes(ctx: AppContext) {
  const provider = ctx.sms.provider;
  const received = ctx.metrics.counter(
    'sparrow_sms_webhooks_total',
    'SMS provider webhooks by provider, kind and result.',
  );
  /** The request exactly as received, for the adapter to prove (the caller's address after SPARROW_TRUST_PROXY). */
  const asReceived = (request: FastifyRequest): WebhookRequest => ({
    url: `${ctx.config.publicUrl}${request.url}`,
    method: request.method,
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]),
    ),
    rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    remoteAddress: request.ip,
  });
  return async (app: FastifyInstance) => {
    // Signatures cover the body as sent, so this scope keeps it as raw bytes.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );

    const handle =
      (kind: WebhookKind) =>
      async (request: FastifyRequest<{ Params: { provider: string; secret?: string } }>, reply: FastifyReply) => {
        const name = request.params.provider;
        // Providers that sign nothing (Africa's Talking) carry a secret in the URL; the others have none.
        const secretShapeFits = (request.params.secret !== undefined) === (provider.secretInPath === true);
        if (name !== provider.name || !provider.parseWebhook || (!secretShapeFits && !provider.secretInPath)) {
          return reply.status(404).send({ error: 'No such webhook' });
        }
        let result;
        try {
          result = provider.parseWebhook(asReceived(request), kind);
        } catch (error) {
          if (error instanceof WebhookSignatureError) {
            received.inc({ provider: name, kind, result: 'bad_signature' });
            request.log.warn({ provider: name, reason: error.message }, 'webhook signature rejected');
            return reply.status(403).send({ error: 'Signature verification failed' });
          }
          if (error instanceof WebhookPayloadError) {
            received.inc({ provider: name, kind, result: 'bad_payload' });
            return reply.status(400).send({ error: error.message });
          }
          throw error;
        }
        if (result.kind === 'inbound') {
          for (const message of result.messages) await ctx.sms.channel.receive(provider.name, message);
        } else if (result.kind === 'receipts') {
          for (const receipt of result.receipts) await ctx.sms.outbox.applyReceipt(provider.name, receipt);
        }
        received.inc({ provider: name, kind, result: result.kind });
        const answer = provider.webhookReply?.(kind);
        if (!answer) return reply.status(204).send();
        return reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
      };

    app.post('/webhooks/sms/:provider', handle('inbound'));
    app.post('/webhooks/sms/:provider/status', handle('status'));
    // Vonage can be set to call with GET and the fields in the query string.
    app.get('/webhooks/sms/:provider', handle('inbound'));
    app.get('/webhooks/sms/:provider/status', handle('status'));
    app.post('/webhooks/sms/:provider/:secret', handle('inbound'));

    /**
     * USSD sessions: the provider proves the request (for Africa's Talking, the URL secret and
     * the source allowlist) and the menu answers `CON …` (more to come) or `END …` as plain text.
     * A replayed step is answered without acting twice (see UssdMenu).
     */
    app.post(
      '/webhooks/ussd/:provider/:secret',
      async (request: FastifyRequest<{ Params: { provider: string; secret: string } }>, reply: FastifyReply) => {
        const name = request.params.provider;
        if (name !== provider.name || !provider.parseUssd) return reply.status(404).send({ error: 'No such webhook' });
        let ussd;
        try {
          ussd = provider.parseUssd(asReceived(request));
        } catch (error) {
          if (error instanceof WebhookSignatureError) {
            received.inc({ provider: name, kind: 'ussd', result: 'bad_signature' });
            request.log.warn({ provider: name, reason: error.message }, 'USSD callback rejected');
            return reply.status(403).send({ error: 'Signature verification failed' });
          }
          if (error instanceof WebhookPayloadError) {
            received.inc({ provider: name, kind: 'ussd', result: 'bad_payload' });
            return reply.status(400).send({ error: error.message });
          }
          throw error;
        }
        const answer = await ctx.sms.ussd.answer(ussd);
        received.inc({ provider: name, kind: 'ussd', result: answer.end ? 'end' : 'continue' });
        return reply
          .status(200)
          .header('content-type', 'text/plain; charset=utf-8')
          .send(`${answer.end ? 'END' : 'CON'} ${answer.text}`);
      },
    );
    app.post('/webhooks/sms/:provider/:secret/status', handle('status'));
  };
}
