import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { CHARACTERS_RESERVED_PER_URL } from '../../core/index.ts';
import { requireUser } from '../auth.ts';
import { renderRule } from './safety.ts';

/** The Mastodon API version Sparrow's subset follows; clients use it for feature detection. */
const MASTODON_COMPATIBLE_VERSION = '4.3.0';
export const SPARROW_VERSION = '0.1.0';

const statusesConfiguration = (maxCharacters: number) => ({
  max_characters: maxCharacters,
  max_media_attachments: 0,
  characters_reserved_per_url: CHARACTERS_RESERVED_PER_URL,
});
const mediaConfiguration = {
  supported_mime_types: [],
  image_size_limit: 0,
  image_matrix_limit: 0,
  video_size_limit: 0,
  video_frame_rate_limit: 0,
  video_matrix_limit: 0,
};
const pollsConfiguration = { max_options: 0, max_characters_per_option: 0, min_expiration: 0, max_expiration: 0 };

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
        languages: ['en'],
        registrations: ctx.signUps.mode !== 'closed',
        approval_required: ctx.signUps.approvalRequired,
        invites_enabled: false,
        configuration: {
          accounts: { max_featured_tags: 0 },
          statuses: statusesConfiguration(config.maxPostLength),
          media_attachments: mediaConfiguration,
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
        languages: ['en'],
        configuration: {
          urls: { streaming: config.publicUrl.replace(/^http/, 'ws'), status: null },
          vapid: { public_key: await ctx.push.vapidPublicKey() },
          accounts: { max_featured_tags: 0, max_pinned_statuses: 0 },
          statuses: statusesConfiguration(config.maxPostLength),
          media_attachments: mediaConfiguration,
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
    app.get('/api/v1/trends/statuses', async () => []);
    app.get('/api/v1/trends/tags', async () => []);

    // Endpoints that popular clients call on start-up. Sparrow has no lists, filters
    // or announcements yet, so each answers with an honest empty result
    // instead of a 404 that some clients treat as a broken server.
    for (const [path, scope] of [
      ['/api/v1/lists', 'read:lists'],
      ['/api/v1/filters', 'read:filters'],
      ['/api/v2/filters', 'read:filters'],
      ['/api/v1/announcements', 'read'],
      ['/api/v1/followed_tags', 'read:follows'],
      ['/api/v1/conversations', 'read:statuses'],
    ] as const) {
      app.get(path, async (request) => {
        requireUser(request, scope);
        return [];
      });
    }

    app.get('/api/v1/preferences', async (request) => {
      requireUser(request, 'read:accounts');
      return {
        'posting:default:visibility': 'public',
        'posting:default:sensitive': false,
        'posting:default:language': null,
        'reading:expand:media': 'default',
        'reading:expand:spoilers': false,
      };
    });

    app.get('/api/v1/markers', async (request) => {
      requireUser(request, 'read:statuses');
      return {};
    });
  };
}
