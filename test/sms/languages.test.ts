import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { smsHarness, type SmsHarness } from './helpers.ts';

const FR = '+2250712345678'; // Côte d'Ivoire
const KE_UNLINKED = '+254711222333';
const CI_UNLINKED = '+2250799988877';

describe.each(ENGINES)('SMS in the sender’s language on $label', ({ name, skip }) => {
  let h: SmsHarness;
  beforeAll(async () => {
    if (skip) return;
    h = await smsHarness(name);
  });
  afterAll(async () => h?.close());

  const last = async (number: string) => (await h.inbox(number)).at(-1)?.text;

  it.skipIf(skip)(
    'a user texting in French gets French replies; the account setting wins over the number',
    async () => {
      const aya = await h.smsUser('aya', FR, 'CI');
      await h.user('kofi');
      // The verification code went out before anyone knew a language: English.
      expect((await h.inbox(FR))[0]?.text).toMatch(/^Your Sparrow code is \d{6}/);

      expect((await h.text(FR, 'SUIVRE @kofi')).outcome).toBe('command');
      expect(await last(FR)).toBe('Vous suivez @kofi. Ses posts arriveront par texto. DESACTIVER @kofi pour arreter.');
      expect((await h.text(FR, 'Bonjour tout le monde, je suis au marché')).outcome).toBe('posted');
      expect((await h.text(FR, 'VOIR @personne')).outcome).toBe('rejected');
      expect(await last(FR)).toBe('Aucun compte @personne.');
      // Plain English commands still work, answered in the number's language.
      await h.text(FR, 'UNFOLLOW @kofi');
      expect(await last(FR)).toBe('Vous ne suivez plus @kofi.');
      // HELP lists the French words.
      await h.text(FR, 'AIDE');
      expect(await last(FR)).toMatch(/^Sparrow: un texto = un post\. SUIVRE @nom/);

      // The owner picks Swahili in their app: every reply follows, whatever the number first spoke.
      const patched = await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/accounts/update_credentials',
        headers: aya.auth,
        payload: { source: { language: 'sw' } },
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json().source.language).toBe('sw');
      const prefs = await h.app.inject({ url: '/api/v1/preferences', headers: aya.auth });
      expect(prefs.json()['posting:default:language']).toBe('sw');
      await h.text(FR, 'SUIVRE @kofi');
      expect(await last(FR)).toBe('Unamfuata @kofi. Machapisho yake yatakuja kwa SMS. ZIMA @kofi kusimamisha.');

      const bad = await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/accounts/update_credentials',
        headers: aya.auth,
        payload: { 'source[language]': 'xx' },
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.body).toMatch(/Language must be one of en, fr, sw, pt, ha, ar/);
      // Cleared: back to the number's own language.
      await h.app.inject({
        method: 'PATCH',
        url: '/api/v1/accounts/update_credentials',
        headers: aya.auth,
        payload: { 'source[language]': '' },
      });
      await h.text(FR, 'UNFOLLOW @kofi');
      expect(await last(FR)).toBe('Vous ne suivez plus @kofi.');
    },
  );

  it.skipIf(skip)('an unknown number is answered in the language of its first text, which it keeps', async () => {
    await h.text(CI_UNLINKED, "Bonjour, je voudrais de l'aide pour publier");
    expect(await last(CI_UNLINKED)).toMatch(/^Ce numéro n'est lié à aucun compte Sparrow/);

    await h.text(KE_UNLINKED, 'MSAADA');
    expect(await last(KE_UNLINKED)).toMatch(/^Sparrow: tuma ujumbe kuchapisha\./);
    // A later text in another language does not change it.
    h.clock.advance(2 * 3600_000);
    await h.text(KE_UNLINKED, 'AIDE');
    expect(await last(KE_UNLINKED)).toMatch(/^Sparrow: tuma ujumbe kuchapisha\./);
    await h.text(KE_UNLINKED, 'SIMAMA');
    expect(await last(KE_UNLINKED)).toBe('Hutapokea tena ujumbe kutoka Sparrow. Jibu ANZA kuendelea.');
  });

  it.skipIf(skip)('e-mails about SMS events come in the owner’s language', async () => {
    const account = await h.ctx.identity.register({
      username: 'nadia',
      email: 'nadia@example.test',
      password: 'correct horse battery staple',
    });
    await h.ctx.sms.languages.setForAccount(account.id, 'fr');
    await h.ctx.notices.notify(account.id, 'sms_message_held', { reason: 'rate_limit' });
    await h.ctx.notices.notify(account.id, 'sim_swap_detected', {});
    await h.ctx.background.idle();
    const mails = h.ctx.devMailbox!.messagesTo('nadia@example.test');
    const held = mails.find((m) => m.subject === 'Sparrow: Un texto vous attend');
    expect(held?.text).toMatch(/^Un texto de votre numéro a été retenu \(rate limit\)\. Libérez-le/);
    expect(held?.text).toContain('Nous ne demandons jamais de code ni de mot de passe');
    expect(mails.some((m) => m.subject.startsWith('Sparrow: Publication par SMS gelée'))).toBe(true);

    // In English the wording is unchanged.
    await h.ctx.sms.languages.setForAccount(account.id, null);
    await h.ctx.notices.notify(account.id, 'sms_message_held', { reason: 'rate_limit' });
    await h.ctx.background.idle();
    expect(
      h.ctx
        .devMailbox!.messagesTo('nadia@example.test')
        .some((m) => m.text.startsWith('A text from your number was held (rate limit). Release or discard it at')),
    ).toBe(true);
  });
});
