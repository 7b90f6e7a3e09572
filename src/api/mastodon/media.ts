import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { MediaAttachment } from '../../core/index.ts';
import { uploadedFile } from '../../http/multipart.ts';
import { requireUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { input, text } from '../input.ts';
import { pathId } from '../params.ts';
import { mediaAttachmentSchema, renderMediaAttachment } from './media-entity.ts';
import { credentialAccountSchema, renderCredentialAccount } from './entities.ts';

const uploadInput = input({ description: text('description'), focus: text('focus') });
const updateInput = input({ description: text('description'), focus: text('focus') });

const oneMedia = { response: { 200: mediaAttachmentSchema, 202: mediaAttachmentSchema, 206: mediaAttachmentSchema } };
/** What Mastodon answers for an upload whose processing failed. */
const PROCESSING_FAILED = 'Error processing thumbnail for uploaded media';

/**
 * Media uploads (images only: Sparrow has no video or audio processing). `POST /api/v2/media`
 * answers 200 once processed or 202 while processing continues; `POST /api/v1/media` waits.
 * `GET /api/v1/media/:id` answers 206 while processing. Another account's upload is 404.
 */
export function mediaRoutes(ctx: AppContext) {
  const urls = ctx.config;
  const upload = async (request: FastifyRequest, mode: 'wait' | 'may_finish_later'): Promise<MediaAttachment> => {
    const { accountId } = requireUser(request, 'write:media');
    const { description, focus } = uploadInput.read(request);
    const file = uploadedFile(request, 'file');
    if (!file) throw new HttpError(422, 'file is required: send the image as the multipart field "file"');
    const thumbnail = uploadedFile(request, 'thumbnail');
    const media = await ctx.media.upload(
      accountId,
      { data: file.data, thumbnail: thumbnail?.data, description, focus },
      mode,
    );
    if (media.state === 'failed') throw new HttpError(422, PROCESSING_FAILED);
    return media;
  };

  return async (app: FastifyInstance) => {
    app.post('/api/v2/media', { schema: oneMedia, config: { uploads: true } }, async (request, reply) => {
      const media = await upload(request, 'may_finish_later');
      if (media.state === 'processing') void reply.status(202);
      return renderMediaAttachment(media, urls);
    });

    app.post('/api/v1/media', { schema: oneMedia, config: { uploads: true } }, async (request) =>
      renderMediaAttachment(await upload(request, 'wait'), urls),
    );

    app.get('/api/v1/media/:id', { schema: oneMedia }, async (request, reply) => {
      const { accountId } = requireUser(request, 'write:media');
      const media = await ctx.media.get(accountId, pathId(request));
      if (media.state === 'failed') throw new HttpError(422, PROCESSING_FAILED);
      if (media.state === 'processing') void reply.status(206);
      return renderMediaAttachment(media, urls);
    });

    app.put('/api/v1/media/:id', { schema: oneMedia }, async (request) => {
      const { accountId } = requireUser(request, 'write:media');
      const id = pathId(request);
      const { description, focus } = updateInput.read(request);
      return renderMediaAttachment(await ctx.media.update(accountId, id, { description, focus }), urls);
    });

    // Mastodon 4.2's way back to the default avatar or header.
    for (const kind of ['avatar', 'header'] as const) {
      app.delete(
        `/api/v1/profile/${kind}`,
        { schema: { response: { 200: credentialAccountSchema } } },
        async (request) => {
          const { accountId } = requireUser(request, 'write:accounts');
          await ctx.media.removeProfileImage(accountId, kind);
          return renderCredentialAccount(
            await ctx.microblog.account(accountId),
            urls,
            await ctx.microblog.followRequestCount(accountId),
          );
        },
      );
    }

    app.delete('/api/v1/media/:id', { schema: oneMedia }, async (request) => {
      const { accountId } = requireUser(request, 'write:media');
      return renderMediaAttachment(await ctx.media.delete(accountId, pathId(request)), urls);
    });
  };
}
