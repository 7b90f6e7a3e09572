import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SegmentedMessage } from 'sms-segments-calculator';
import { describe, expect, it } from 'vitest';
import { LOCALES, errorText, messageIds, t } from '../../src/i18n/index.ts';
import { checkPasswordStrength } from '../../src/security/identity.ts';
import { DomainError, forbidden, invalid, notFound } from '../../src/shared/errors.ts';
import { html } from '../../src/web/html.ts';
import { rich } from '../../src/web/rich-text.ts';

/** Every TypeScript file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Values of ordinary length for the placeholders domain failures carry. */
const VALUES = {
  length: 312,
  max: 500,
  field: 'client_id',
  scopes: 'read:everything',
  id: '113456789012345678',
  size: '16 MB',
  min: 2,
  minutes: 5,
  purpose: 'authentication',
  username: 'amina_wanjiku',
  country: 'XX',
  days: 30,
  seconds: 45,
};

describe('domain failures in the catalogues', () => {
  it('names only codes the catalogues have, so every coded failure reads in every language', () => {
    const used = new Set<string>(['not_found', 'forbidden']);
    for (const file of sources('src')) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\.coded\(\s*'([a-z_.]+)'/g)) used.add(match[1]!);
      for (const match of readFileSync(file, 'utf8').matchAll(/code: '([a-z_]+\.[a-z_]+)'/g)) used.add(match[1]!);
    }
    const ids = new Set<string>(messageIds());
    for (const code of used) expect(ids.has(`error.${code}`), `error.${code}`).toBe(true);
    expect(used.size).toBeGreaterThan(40);
  });

  it('reads a coded failure in the person’s language, an uncoded one in English, and never loses its values', () => {
    const tooLong = invalid('Text is too long: 312 characters, at most 280').coded('post.too_long', {
      length: 312,
      max: 280,
    });
    expect(errorText('en', tooLong)).toBe('Text is too long: 312 characters, at most 280');
    expect(errorText('fr', tooLong)).toBe('Texte trop long : 312 caractères, 280 au maximum');
    expect(errorText('sw', tooLong)).toBe('Maandishi ni marefu mno: herufi 312, kikomo ni 280');
    // Arabic counts with its own plural forms: 3 → few, 11 → many, 2 → two.
    const ar = (length: number) => errorText('ar', invalid('x').coded('post.too_long', { length, max: 280 }));
    expect(ar(3)).toContain('3 أحرف');
    expect(ar(11)).toContain('11 حرفاً');
    expect(ar(2)).toContain('حرفان');
    expect(errorText('fr', notFound())).toBe('Introuvable');
    expect(errorText('ha', forbidden())).toBe('Ba a yarda da wannan aikin ba');
    // Not yet coded: the English message rather than nothing.
    expect(errorText('fr', new DomainError('conflict', 'Something new'))).toBe('Something new');
    // An unknown code falls back the same way.
    expect(errorText('fr', invalid('Plain English').coded('no.such.code'))).toBe('Plain English');
    // The English stays what the API answers: the domain's own message.
    for (const id of messageIds().filter((m) => m.startsWith('error.'))) {
      for (const locale of LOCALES) expect(t(locale, id, VALUES).length, `${locale} ${id}`).toBeGreaterThan(0);
    }
  });

  it('reads a real domain refusal with its count in each language, the English message unchanged', () => {
    let caught: unknown;
    try {
      checkPasswordStrength('short');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const weak = caught as DomainError;
    expect(weak.message).toBe('Password must be at least 8 characters');
    expect(errorText('en', weak)).toBe('Password must be at least 8 characters');
    expect(errorText('fr', weak)).toBe('Le mot de passe doit compter au moins 8 caractères');
    expect(errorText('sw', weak)).toBe('Nenosiri lazima liwe na angalau herufi 8');
    expect(errorText('ar', weak)).toContain('8 أحرف');
  });

  it.each(LOCALES)('refusals fit an SMS reply in %s (“Not posted: …”, one segment, two in Arabic)', (locale) => {
    for (const id of messageIds().filter((m) => m.startsWith('error.') && !m.startsWith('error.oauth.'))) {
      const why = t(locale, id, VALUES, 'phone');
      const text = t(locale, 'sms.notPosted', { why }, 'phone');
      const message = new SegmentedMessage(text);
      if (locale === 'ar') {
        expect(message.segmentsCount, `${id}: ${text}`).toBeLessThanOrEqual(2);
      } else {
        expect(message.encodingName, `${locale} ${id}: ${text}`).toBe('GSM-7');
        expect(message.segmentsCount, `${locale} ${id}: ${text}`).toBe(1);
      }
    }
  });

  it('puts markup where the translation places it, and escapes the rest', () => {
    const link = html`<a href="/admin/users?q=amina">@amina</a>`;
    const fr = rich({ locale: 'fr' }, 'web.admin.audit.suspend', { actor: link, subject: '<b>x</b>' });
    expect(fr.value).toBe('<a href="/admin/users?q=amina">@amina</a> a suspendu &lt;b&gt;x&lt;/b&gt;');
    // Arabic puts the verb first: the link moves with the translation, not with English word order.
    const ar = rich({ locale: 'ar' }, 'web.admin.audit.suspend', { actor: link, subject: 'bob' });
    expect(ar.value).toBe('علّق <a href="/admin/users?q=amina">@amina</a> bob');
  });
});
