import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account } from '../core/model.ts';
import { CHOOSABLE_PURPOSES, maskContact, type ContactPointView, type Purpose } from '../privacy/index.ts';
import { DomainError } from '../shared/errors.ts';
import { isWellFormedId } from '../shared/ids.ts';
import { html, type SafeHtml } from './html.ts';
import { link, rich } from './rich-text.ts';
import { button, errorBox, failure, field, form, sendPage, viewFor, when, type Failure, type View } from './layout.ts';
import { settingsLayout, signedInFor } from './settings-pages.ts';

const purposeName = (view: View, purpose: string) => view.t('web.privacy.purpose', { purpose });
const purposeHelp = (view: View, purpose: Purpose) => view.t('web.privacy.purposeHelp', { purpose });

/** The purposes a contact point can be given: an SMS channel only makes sense for a phone. */
function choosable(point: ContactPointView): readonly Purpose[] {
  return CHOOSABLE_PURPOSES.filter((p) => p !== 'sms_channel' || point.kind === 'phone');
}

function label(view: View, point: ContactPointView): SafeHtml {
  return html`<strong>${maskContact(point.kind, point.value)}</strong> <span class="note">${rich(
    view,
    'web.privacy.pointKind',
    {
      kind: point.kind,
      verified: point.verifiedAt !== null,
      when: point.verifiedAt ? when(view, point.verifiedAt) : '',
    },
  )}</span>`;
}

function purposeState(view: View, point: ContactPointView, purpose: Purpose): SafeHtml {
  const since = point.purposes[purpose];
  return since ? rich(view, 'web.privacy.onSince', { since: when(view, since) }) : html`${view.t('web.privacy.off')}`;
}

function contactCard(view: View, point: ContactPointView): SafeHtml {
  const uses = Object.values(point.useCounts).reduce((a, b) => a + b, 0);
  return html`<section class="card" id="cp-${point.id}"><h2>${label(view, point)}</h2>
<ul>
<li><strong>${purposeName(view, 'authentication')}</strong>: ${purposeState(view, point, 'authentication')}<br><span class="note">${purposeHelp(view, 'authentication')}</span></li>
${choosable(point).map((p) => html`<li><strong>${purposeName(view, p)}</strong>: ${purposeState(view, point, p)}</li>`)}
</ul>
${form(
  view,
  `/settings/privacy/${point.id}`,
  html`<fieldset><legend>${view.t('web.privacy.whatFor')}</legend>
<p><label><input type="checkbox" checked disabled> ${view.t('web.privacy.always', { purpose: purposeName(view, 'authentication') })}</label></p>
${choosable(point).map((p) => html`<p><label><input type="checkbox" name="${p}" value="on"${point.purposes[p] ? html` checked` : ''}> ${purposeName(view, p)}</label><br><span class="note">${purposeHelp(view, p)}</span></p>`)}
<p><button>${view.t('web.settings.save')}</button></p></fieldset>`,
)}
<p><a href="/settings/privacy/${point.id}/history">${view.t('web.privacy.historyLink', { count: uses })}</a></p></section>`;
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
          view.t('web.settings.section.privacy'),
          html`${errorBox(error?.message)}
<p>${view.t('web.privacy.intro')}</p>
<div id="contact-points">${
            points.length === 0
              ? html`<p class="note">${rich(view, 'web.privacy.none', {}, { a: link('/settings/phone') })}</p>`
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
        if (!isWellFormedId(id)) throw new DomainError('not_found', 'Record not found').coded('not_found');
        const point = (await ctx.privacy.contactPoints.list(me.id)).find((p) => p.id === id);
        if (!point) throw new DomainError('not_found', 'Record not found').coded('not_found');
        const changes: Partial<Record<Purpose, boolean>> = {};
        for (const purpose of choosable(point)) changes[purpose] = field(request, purpose) === 'on';
        try {
          await ctx.privacy.contactPoints.setPurposes(me.id, id, changes, { ip: request.ip });
          return reply.redirect(`/settings/privacy?notice=saved#cp-${id}`, 303);
        } catch (error) {
          return privacyPage(request, reply, me, failure(error, await viewFor(ctx, request, reply)));
        }
      }),
    );

    app.get(
      '/settings/privacy/:id/history',
      signedIn(async (request, reply, me) => {
        const id = (request.params as { id: string }).id;
        if (!isWellFormedId(id)) throw new DomainError('not_found', 'Record not found').coded('not_found');
        const view = await viewFor(ctx, request, reply);
        const t = view.t;
        const { point, consents, uses } = await ctx.privacy.contactPoints.history(me.id, id);
        return sendPage(
          reply,
          settingsLayout(
            view,
            request,
            t('web.privacy.historyTitle'),
            html`<p>${label(view, point)}</p>
<p><a href="/settings/privacy#cp-${point.id}">${t('web.privacy.back')}</a></p>
<h2>${t('web.privacy.purposesNow')}</h2>
<ul>${(['authentication', ...choosable(point)] as Purpose[]).map((p) => html`<li>${purposeName(view, p)}: ${purposeState(view, point, p)}</li>`)}</ul>
<h2>${t('web.privacy.consents')}</h2>
${
  consents.length === 0
    ? html`<p class="note">${t('web.privacy.noneRecorded')}</p>`
    : html`<table tabindex="0" aria-label="${t('web.privacy.consentsTable')}"><thead><tr><th scope="col">${t('web.privacy.when')}</th><th scope="col">${t('web.privacy.purposeColumn')}</th><th scope="col">${t('web.privacy.decision')}</th><th scope="col">${t('web.privacy.by')}</th></tr></thead><tbody>${consents.map(
        (c) =>
          html`<tr><td>${when(view, c.createdAt)}</td><td>${purposeName(view, c.purpose)}</td><td>${t('web.privacy.action', { action: c.action })}</td><td>${t('web.privacy.source', { source: c.source })}</td></tr>`,
      )}</tbody></table>`
}
<h2>${t('web.privacy.uses')}</h2>
${
  uses.length === 0
    ? html`<p class="note">${t('web.privacy.noUses')}</p>`
    : html`<table tabindex="0" aria-label="${t('web.privacy.usesTable')}"><thead><tr><th scope="col">${t('web.privacy.when')}</th><th scope="col">${t('web.privacy.purposeColumn')}</th><th scope="col">${t('web.privacy.what')}</th><th scope="col">${t('web.privacy.detail')}</th></tr></thead><tbody>${uses.map(
        (u) =>
          html`<tr><td>${when(view, u.createdAt)}</td><td>${purposeName(view, u.purpose)}</td><td>${t('web.privacy.use', { kind: u.kind })}</td><td>${u.detail ?? ''}</td></tr>`,
      )}</tbody></table>`
}
${button(view, `/settings/privacy/${point.id}`, t('web.privacy.allOff'), '', 'inline danger')}`,
          ),
        );
      }),
    );
  };
}
