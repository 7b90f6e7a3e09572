import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from '../sms/helpers.ts';
import { FormClient, expectGoodPage } from './helpers.ts';

/** The reports console at /admin/reports: staff see, resolve and reopen reports; others are refused. */
describe.each(ENGINES)('the reports console on $label', ({ name: engine, skip }) => {
  let h: SmsHarness;
  let moderator: FormClient;
  let user: FormClient;

  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(engine);
    moderator = new FormClient(h.app);
    user = new FormClient(h.app);
    for (const [username, role] of [
      ['mod', 'moderator'],
      ['plain', 'user'],
    ] as const)
      await h.ctx.identity.register({
        username,
        email: `${username}@example.test`,
        password: 'correct horse battery staple',
        role,
      });
    await moderator.logIn('mod');
    await user.logIn('plain');
  });
  afterAll(async () => h?.close());

  it.skipIf(skip)('lists a report with its posts and links, resolves and reopens it, audited', async () => {
    const reporter = await h.ctx.microblog.createAccount({ username: 'reporter' });
    const troll = await h.ctx.microblog.createAccount({ username: 'troll' });
    const post = await h.ctx.microblog.post(troll.id, { text: 'a <b>nasty</b> thing', source: 'web' });
    const report = await h.ctx.safety.report(reporter.id, {
      accountId: troll.id,
      statusIds: [post.id],
      comment: 'harassing me',
      category: 'other',
    });

    const page = await moderator.get('/admin/reports');
    expectGoodPage(page, '/admin/reports');
    expect(page.body).toContain(`#${report.id}`);
    expect(page.body).toContain('harassing me');
    expect(page.body).toContain('a &lt;b&gt;nasty&lt;/b&gt; thing');
    expect(page.body).toContain('href="/admin/users?q=troll"');
    expect(page.body).toContain(`action="/admin/reports/${report.id}/resolve"`);

    // A user who is not staff sees nothing and changes nothing.
    expect((await user.get('/admin/reports')).statusCode).toBe(403);
    expect((await user.post(`/admin/reports/${report.id}/resolve`)).statusCode).toBe(403);

    const taken = await moderator.post(`/admin/reports/${report.id}/assign`);
    expect(taken.statusCode).toBe(303);
    const resolved = await moderator.post(`/admin/reports/${report.id}/resolve`);
    expect(resolved.statusCode).toBe(303);
    expect(resolved.headers.location).toBe('/admin/reports?notice=report_resolved');
    const open = await moderator.get('/admin/reports');
    expect(open.body).not.toContain(`#${report.id}`);
    const closed = await moderator.get('/admin/reports?resolved=1');
    expectGoodPage(closed, '/admin/reports?resolved=1');
    expect(closed.body).toContain(`#${report.id}`);
    expect(closed.body).toContain('by <a href="/admin/users?q=mod">@mod</a>');
    expect((await moderator.post(`/admin/reports/${report.id}/reopen`)).statusCode).toBe(303);
    expect((await moderator.get('/admin/reports')).body).toContain(`#${report.id}`);
    // Without the form token nothing changes.
    expect((await moderator.post(`/admin/reports/${report.id}/resolve`, { _csrf: null })).statusCode).toBe(403);
    expect((await moderator.post('/admin/reports/12/resolve')).statusCode).toBe(404);

    const audit = await moderator.get('/admin/audit');
    expect(audit.body).toContain('resolved report');
    expect(audit.body).toContain('reopened report');
  });

  it.skipIf(skip)('edits profile fields, discoverability and bot on the settings page', async () => {
    const page = await user.get('/settings/profile');
    expectGoodPage(page, '/settings/profile');
    expect(page.body).toContain('name="field_3_value"');
    const saved = await user.post('/settings/profile', {
      display_name: 'Plain',
      note: 'hello',
      field_0_name: 'Site',
      field_0_value: 'https://example.org',
      field_1_name: '<i>Pronouns</i>',
      field_1_value: 'they/them',
      discoverable: 'on',
    });
    expect(saved.statusCode).toBe(303);
    const me = (await h.ctx.microblog.lookup('plain'))!;
    expect(me.fields).toEqual([
      { name: 'Site', value: 'https://example.org' },
      { name: '<i>Pronouns</i>', value: 'they/them' },
    ]);
    expect(me.discoverable).toBe(true);
    expect(me.bot).toBe(false);
    const profile = await user.get('/@plain');
    expectGoodPage(profile, '/@plain');
    expect(profile.body).toContain('<dt>&lt;i&gt;Pronouns&lt;/i&gt;</dt>');
    expect(profile.body).toContain('<a href="https://example.org" rel="nofollow noopener me">');
    // A label without content is refused, and the form keeps what was typed.
    const refused = await user.post('/settings/profile', {
      display_name: 'Plain',
      note: 'hello',
      field_0_name: '',
      field_0_value: 'orphan value',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('orphan value');
  });
});
