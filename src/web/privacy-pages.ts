import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account } from '../core/model.ts';
import { CHOOSABLE_PURPOSES, maskContact, type ContactPointView, type Purpose } from '../privacy/index.ts';
import { DomainError } from '../shared/errors.ts';
import { isWellFormedId } from '../shared/ids.ts';
import { html, type SafeHtml } from './html.ts';
import { button, errorBox, failure, field, form, sendPage, viewFor, when, type Failure, type View } from './layout.ts';
import { settingsLayout, signedInFor } from './settings-pages.ts';

const PURPOSE_NAME: Record<Purpose, string> = {
  authentication: 'Sign-in and security',
  sms_channel: 'SMS channel',
  discovery: 'Let people find me by it',
  advertising: 'Advertising',
};

const PURPOSE_HELP: Record<Purpose, string> = {
  authentication:
    'Always on while the contact is on your account: sign-in codes, two-factor codes, password reset and security alerts. Remove the phone or e-mail to stop it.',
  sms_channel: 'Post and receive notifications by text message through this number.',
  discovery: 'People who have it in their contacts can find your account. Off by default.',
  advertising:
    'Advertisers who already have it can show you their promoted posts (they upload it hashed; small audiences are refused). Off by default.',
};

const USE_TEXT: Record<string, string> = {
  verification_code_sent: 'Verification code sent',
  security_message_sent: 'Security message sent',
  sms_sent: 'Text message sent',
  discovery_match: 'Matched in someone’s contacts',
  audience_match: 'Matched an advertiser’s audience',
  promoted_post_shown: 'Promoted post shown',
};

/** The purposes a contact point can be given: an SMS channel only makes sense for a phone. */
function choosable(point: ContactPointView): readonly Purpose[] {
  return CHOOSABLE_PURPOSES.filter((p) => p !== 'sms_channel' || point.kind === 'phone');
}

function label(view: View, point: ContactPointView): SafeHtml {
  return html`<strong>${maskContact(point.kind, point.value)}</strong> <span class="note">${point.kind === 'phone' ? 'phone' : 'e-mail'} · ${
    point.verifiedAt ? html`verified ${when(view, point.verifiedAt)}` : 'not verified'
  }</span>`;
}

function purposeState(view: View, point: ContactPointView, purpose: Purpose): SafeHtml {
  const since = point.purposes[purpose];
  return since ? html`on since ${when(view, since)}` : html`off`;
}

function contactCard(view: View, point: ContactPointView): SafeHtml {
  const uses = Object.values(point.useCounts).reduce((a, b) => a + b, 0);
  return html`<section class="card" id="cp-${point.id}"><h2>${label(view, point)}</h2>
<ul>
<li><strong>${PURPOSE_NAME.authentication}</strong>: ${purposeState(view, point, 'authentication')}<br><span class="note">${PURPOSE_HELP.authentication}</span></li>
${choosable(point).map((p) => html`<li><strong>${PURPOSE_NAME[p]}</strong>: ${purposeState(view, point, p)}</li>`)}
</ul>
${form(
  view,
  `/settings/privacy/${point.id}`,
  html`<fieldset><legend>What may this be used for?</legend>
<p><label><input type="checkbox" checked disabled> ${PURPOSE_NAME.authentication} (always)</label></p>
${choosable(point).map((p) => html`<p><label><input type="checkbox" name="${p}" value="on"${point.purposes[p] ? html` checked` : ''}> ${PURPOSE_NAME[p]}</label><br><span class="note">${PURPOSE_HELP[p]}</span></p>`)}
<p><button>Save</button></p></fieldset>`,
)}
<p><a href="/settings/privacy/${point.id}/history">History: consents and ${uses} recorded use(s)</a></p></section>`;
}

/** Contact points and their purposes (SPEC 3.7): the owner sees and chooses what each is used for. */
export function privacyPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const signedIn = signedInFor(ctx);

    async function privacyPage(
      request: FastifyRequest,
      reply: FastifyReply,
      me: Account,
      error?: Failure,
    ): Promise<FastifyReply> {
      const view = await viewFor(ctx, request, reply);
      const points = await ctx.privacy.contactPoints.list(me.id);
      return sendPage(
        reply,
        settingsLayout(
          view,
          request,
          'Privacy',
          html`${errorBox(error?.message)}
<p>Each phone number and e-mail address on your account, and what it may be used for. Using it for sign-in and security comes with adding it; everything else is your choice and can be turned off at any time.</p>
<div id="contact-points">${
            points.length === 0
              ? html`<p class="note">No contact points yet. Your e-mail appears here, and a phone once you <a href="/settings/phone">link one</a>.</p>`
              : points.map((p) => contactCard(view, p))
          }</div>`,
        ),
        error?.status ?? 200,
      );
    }

    app.get(
      '/settings/privacy',
      signedIn((request, reply, me) => privacyPage(request, reply, me)),
    );

    app.post(
      '/settings/privacy/:id',
      signedIn(async (request, reply, me) => {
        const id = (request.params as { id: string }).id;
        if (!isWellFormedId(id)) throw new DomainError('not_found', 'Record not found');
        const point = (await ctx.privacy.contactPoints.list(me.id)).find((p) => p.id === id);
        if (!point) throw new DomainError('not_found', 'Record not found');
        const changes: Partial<Record<Purpose, boolean>> = {};
        for (const purpose of choosable(point)) changes[purpose] = field(request, purpose) === 'on';
        try {
          await ctx.privacy.contactPoints.setPurposes(me.id, id, changes, { ip: request.ip });
          return reply.redirect(`/settings/privacy?notice=saved#cp-${id}`, 303);
        } catch (error) {
          return privacyPage(request, reply, me, failure(error));
        }
      }),
    );

    app.get(
      '/settings/privacy/:id/history',
      signedIn(async (request, reply, me) => {
        const id = (request.params as { id: string }).id;
        if (!isWellFormedId(id)) throw new DomainError('not_found', 'Record not found');
        const view = await viewFor(ctx, request, reply);
        const { point, consents, uses } = await ctx.privacy.contactPoints.history(me.id, id);
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            'Your data: one contact point',
            html`<p>${label(view, point)}</p>
<p><a href="/settings/privacy#cp-${point.id}">Back to privacy settings</a></p>
<h2>Purposes now</h2>
<ul>${(['authentication', ...choosable(point)] as Purpose[]).map((p) => html`<li>${PURPOSE_NAME[p]}: ${purposeState(view, point, p)}</li>`)}</ul>
<h2>Consent decisions</h2>
${
  consents.length === 0
    ? html`<p class="note">None recorded.</p>`
    : html`<table tabindex="0" aria-label="Consent decisions (scrolls sideways on narrow screens)"><thead><tr><th scope="col">When</th><th scope="col">Purpose</th><th scope="col">Decision</th><th scope="col">By</th></tr></thead><tbody>${consents.map(
        (c) =>
          html`<tr><td>${when(view, c.createdAt)}</td><td>${PURPOSE_NAME[c.purpose] ?? c.purpose}</td><td>${c.action === 'grant' ? 'turned on' : 'turned off'}</td><td>${
            c.source === 'owner' ? 'you' : c.source === 'implied' ? 'added for security' : 'moderation'
          }</td></tr>`,
      )}</tbody></table>`
}
<h2>Uses</h2>
${
  uses.length === 0
    ? html`<p class="note">No uses recorded.</p>`
    : html`<table tabindex="0" aria-label="Uses (scrolls sideways on narrow screens)"><thead><tr><th scope="col">When</th><th scope="col">Purpose</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead><tbody>${uses.map(
        (u) =>
          html`<tr><td>${when(view, u.createdAt)}</td><td>${PURPOSE_NAME[u.purpose] ?? u.purpose}</td><td>${USE_TEXT[u.kind] ?? u.kind}</td><td>${u.detail ?? ''}</td></tr>`,
      )}</tbody></table>`
}
${button(view, `/settings/privacy/${point.id}`, 'Turn off every optional use', '', 'inline danger')}`,
          ),
        );
      }),
    );
  };
}
