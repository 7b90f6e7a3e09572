import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../shared/errors.ts';
import { OAuthError } from '../security/index.ts';
import { httpStatusOf } from '../http/error-status.ts';
import { describeValidation } from './input.ts';

/** Thrown by route code for HTTP-only failures (missing token, wrong scope). */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly extra: Record<string, string>;
  constructor(statusCode: number, message: string, extra: Record<string, string> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.extra = extra;
  }
}

/**
 * Every error leaves as `{"error": "..."}` (Mastodon's shape) with the matching status;
 * OAuth endpoints add RFC 6749's `error_description`. Unexpected errors are logged and
 * answered without internals.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof OAuthError) {
    const status = error.code === 'invalid_client' ? 401 : 400;
    void reply.status(status).send({ error: error.code, error_description: error.message });
    return;
  }
  if (error instanceof DomainError) {
    // A refusal that says when to try again (wrong codes in a row) tells clients in the standard header.
    const retryAfter = error.details?.retryAfterSeconds;
    if (error.kind === 'rate_limited' && typeof retryAfter === 'number')
      void reply.header('retry-after', String(retryAfter));
    void reply.status(httpStatusOf(error)).send({ error: error.message });
    return;
  }
  if (error instanceof HttpError) {
    void reply.status(error.statusCode).send({ error: error.message, ...error.extra });
    return;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    void reply.status(422).send({ error: describeValidation(fastifyError.validation) });
    return;
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    const message =
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
        ? 'Request body is not valid JSON'
        : fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'Request body is too large'
          : fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'Unsupported content type'
            : fastifyError.message;
    void reply.status(status).send({ error: message });
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.status(500).send({ error: 'Internal server error' });
}
