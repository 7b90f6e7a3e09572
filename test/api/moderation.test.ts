import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness, type SmsUser } from '../sms/helpers.ts';

describe.each(ENGINES)('account moderation on $label', ({ name, skip }) => {
  let h: SmsHarness;
  let moderator: SmsUser;
  let admin: SmsUser;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
    moderator = await h.user('mod', 'read write admin:read admin:write');
    admin = await h.user('boss', 'read write admin:read admin:write');
    await h.ctx.store.db.updateTable('accounts').set({ role: 'moderator' }).where('id', '=', moderator.id).execute();
    await h.ctx.store.db.updateTable('accounts').set({ role: 'admin' }).where('id', '=', admin.id).execute();
  });
  afterAll(async () => h?.close());

  const act = (who: SmsUser, id: string, payload: Record<string, unknown>) =>
    h.app.inject({ method: 'POST', url: `/api/v1/admin/accounts/${id}/action`, headers: who.auth, payload });

  it.skipIf(skip)(
    'suspends: the account disappears, its sessions end, its texts do nothing; unsuspending restores it',
    async () => {
      const spammer = await h.smsUser('spammer', '+254712345001', 'KE');
      const post = await h.app.inject({
        method: 'POST',
        url: '/api/v1/statuses',
        headers: spammer.auth,
        payload: { status: 'buy now' },
      });
      expect(post.statusCode).toBe(200);

      const bystander = await h.user('bystander');
      expect((await act(bystander, spammer.id, { type: 'suspend' })).statusCode).toBe(403);
      expect((await act(moderator, spammer.id, { type: 'silence' })).statusCode).toBe(422);
      expect((await act(moderator, '999999999999999999', { type: 'suspend' })).statusCode).toBe(404);
      expect((await act(moderator, spammer.id, { type: 'suspend', text: 'spam run' })).statusCode).toBe(200);

      expect(
        (await h.app.inject({ method: 'GET', url: '/api/v1/accounts/verify_credentials', headers: spammer.auth }))
          .statusCode,
      ).toBe(401);
      expect((await h.app.inject({ method: 'GET', url: `/api/v1/accounts/${spammer.id}` })).statusCode).toBe(404);
      expect((await h.app.inject({ method: 'GET', url: `/api/v1/statuses/${post.json().id}` })).statusCode).toBe(404);
      const publicTimeline = (await h.app.inject({ method: 'GET', url: '/api/v1/timelines/public' })).json() as {
        id: string;
      }[];
      expect(publicTimeline.map((p) => p.id)).not.toContain(post.json().id);
      const texted = await h.text('+254712345001', 'still here?');
      expect(texted.post_id).toBeNull();

      const view = await h.app.inject({
        method: 'GET',
        url: `/api/v1/admin/accounts/${spammer.username}`,
        headers: moderator.auth,
      });
      expect(view.json()).toMatchObject({ username: 'spammer', suspended: true });
      const audit = (
        await h.app.inject({ method: 'GET', url: '/api/v1/admin/sparrow/audit_log', headers: admin.auth })
      ).json() as { action: string; subject: string; reason: string; actor: string }[];
      expect(audit.find((e) => e.action === 'account.suspend')).toMatchObject({
        subject: spammer.id,
        reason: 'spam run',
        actor: `account:${moderator.id}`,
      });

      const restored = await h.app.inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${spammer.id}/unsuspend`,
        headers: moderator.auth,
        payload: { text: 'appeal accepted' },
      });
      expect(restored.json()).toMatchObject({ suspended: false });
      expect((await h.app.inject({ method: 'GET', url: `/api/v1/statuses/${post.json().id}` })).statusCode).toBe(200);
      // Sessions ended by the suspension stay ended.
      expect(
        (await h.app.inject({ method: 'GET', url: '/api/v1/accounts/verify_credentials', headers: spammer.auth }))
          .statusCode,
      ).toBe(401);
    },
  );

  it.skipIf(skip)('a moderator cannot act on an administrator or on themselves', async () => {
    expect((await act(moderator, admin.id, { type: 'suspend', text: 'x' })).statusCode).toBe(403);
    // Acting on yourself is a refusal of the permission policy, like acting on staff.
    expect((await act(moderator, moderator.id, { type: 'suspend', text: 'x' })).statusCode).toBe(403);
  });
});
