import { LOCALES } from '../../i18n/index.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import {
  CHARACTERS_RESERVED_PER_URL,
  MAX_FEATURED_TAGS,
  MAX_MEDIA_ATTACHMENTS,
  POLL_LIMITS,
} from '../../core/index.ts';
import { DESCRIPTION_LIMIT, IMAGE_MATRIX_LIMIT, SUPPORTED_IMAGE_TYPES } from '../../media/index.ts';
import { requireUser } from '../auth.ts';
import { renderRule } from './safety.ts';

/** The Mastodon API version Sparrow's subset follows; clients use it for feature detection. */
const MASTODON_COMPATIBLE_VERSION = '4.3.0';
export const SPARROW_VERSION = '0.1.0';

const statusesConfiguration = (maxCharacters: number) => ({
  max_characters: maxCharacters,
  max_media_attachments: MAX_MEDIA_ATTACHMENTS,
  characters_reserved_per_url: CHARACTERS_RESERVED_PER_URL,
});
/** Images only: there is no video or audio processing (no ffmpeg), so the video limits are 0. */
const mediaConfiguration = (imageSizeLimit: number) => ({
  supported_mime_types: [...SUPPORTED_IMAGE_TYPES],
  image_size_limit: imageSizeLimit,
  image_matrix_limit: IMAGE_MATRIX_LIMIT,
  video_size_limit: 0,
  video_frame_rate_limit: 0,
  video_matrix_limit: 0,
  description_limit: DESCRIPTION_LIMIT,
});
const pollsConfiguration = {
  max_options: POLL_LIMITS.maxOptions,
  max_characters_per_option: POLL_LIMITS.maxCharactersPerOption,
  min_expiration: POLL_LIMITS.minExpirationSeconds,
  max_expiration: POLL_LIMITS.maxExpirationSeconds,
};

export function instanceRoutes(ctx: AppContext) {
  const { config } = ctx;
  const version = `${MASTODON_COMPATIBLE_VERSION} (compatible; Sparrow ${SPARROW_VERSION})`;
  const description = 'A Sparrow server: microblogging by web, app or plain text message.';
  const registrationsInfo = () => {
    const enabled = ctx.signUps.mode !== 'closed';
    const approvalRequired = ctx.signUps.approvalRequired;
    return {
      enabled,
      approval_required: approvalRequired,
      reason_required: false,
      message: !enabled
        ? null
        : approvalRequired
          ? 'Sign up on the website: we send a code to your e-mail first, then a moderator approves new accounts.'
          : 'Sign up on the website: we send a code to your e-mail first.',
      url: enabled ? `${config.publicUrl}/signup` : null,
    };
  };
  return async (app: FastifyInstance) => {
    app.get('/api/v1/instance', async () => {
      const stats = await ctx.microblog.instanceStatistics();
      const rules = (await ctx.safety.rules()).map(renderRule);
      return {
        uri: config.domain,
        title: config.instanceName,
        short_description: description,
        description,
        email: '',
        version,
        urls: { streaming_api: config.publicUrl.replace(/^http/, 'ws') },
        stats: { user_count: stats.accounts, status_count: stats.posts, domain_count: 0 },
        thumbnail: null,
        languages: [...LOCALES],
        registrations: ctx.signUps.mode !== 'closed',
        approval_required: ctx.signUps.approvalRequired,
        invites_enabled: false,
        configuration: {
          accounts: { max_featured_tags: MAX_FEATURED_TAGS },
          statuses: statusesConfiguration(config.maxPostLength),
          media_attachments: mediaConfiguration(config.media.imageSizeLimit),
          polls: pollsConfiguration,
        },
        contact_account: null,
        rules,
        vapid_key: await ctx.push.vapidPublicKey(),
      };
    });

    app.get('/api/v2/instance', async () => {
      const stats = await ctx.microblog.instanceStatistics();
      const rules = (await ctx.safety.rules()).map(renderRule);
      return {
        domain: config.domain,
        title: config.instanceName,
        version,
        source_url: config.publicUrl,
        description,
        usage: { users: { active_month: stats.activeMonth } },
        thumbnail: { url: `${config.publicUrl}/avatars/original/missing.png` },
        icon: [],
        languages: [...LOCALES],
        configuration: {
          urls: { streaming: config.publicUrl.replace(/^http/, 'ws'), status: null },
          vapid: { public_key: await ctx.push.vapidPublicKey() },
          accounts: { max_featured_tags: MAX_FEATURED_TAGS, max_pinned_statuses: 0 },
          statuses: statusesConfiguration(config.maxPostLength),
          media_attachments: mediaConfiguration(config.media.imageSizeLimit),
          polls: pollsConfiguration,
          translation: { enabled: false },
        },
        // Sign-up proves the e-mail before the account exists (SPEC 3.5), so apps send people to the web page.
        registrations: registrationsInfo(),
        api_versions: { mastodon: 2 },
        contact: { email: '', account: null },
        rules,
      };
    });

    app.get('/api/v1/instance/rules', async () => (await ctx.safety.rules()).map(renderRule));
    app.get('/api/v1/instance/peers', async () => []);
    app.get('/api/v1/instance/activity', async () => []);
    app.get('/api/v1/custom_emojis', async () => []);

    // Endpoints that popular clients call on start-up. Sparrow has no announcements
    // yet, so each answers with an honest empty result
    // instead of a 404 that some clients treat as a broken server.
    for (const [path, scope] of [['/api/v1/announcements', 'read']] as const) {
      app.get(path, async (request) => {
        requireUser(request, scope);
        return [];
      });
    }

    app.get('/api/v1/preferences', async (request) => {
      const { accountId } = requireUser(request, 'read:accounts');
      return {
        'posting:default:visibility': 'public',
        'posting:default:sensitive': false,
        'posting:default:language': await ctx.sms.languages.ofAccount(accountId),
        'reading:expand:media': 'default',
        'reading:expand:spoilers': false,
      };
    });
  };
}
