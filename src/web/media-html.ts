import type { Account, PostView } from '../core/model.ts';
import { attachmentUrls, profileImageUrl } from '../http/media-urls.ts';
import { SUPPORTED_IMAGE_TYPES } from '../media/index.ts';
import { DESCRIPTION_CHARACTERS } from '../shared/field-limits.ts';
import { html, type SafeHtml } from './html.ts';
import type { Translate } from '../i18n/index.ts';

type Urls = { publicUrl: string; media: { baseUrl: string } };

/**
 * A post's images on the web: each preview (at most 640×360, scaled to the screen by the
 * stylesheet, so a 320 px phone loads small files) with its alt text and size, loaded lazily,
 * linking to the full-size file. Sensitive posts fold them away behind a summary.
 */
export function postImages(urls: Urls, item: PostView, t: Translate): SafeHtml {
  // Images only (another server's video or audio is a link); theirs come through the media proxy.
  const ready = item.media.flatMap((m) => {
    const shown = attachmentUrls(urls, m);
    return shown ? [{ m, shown }] : [];
  });
  if (ready.length === 0) return html``;
  const images = html`<div class="media">${ready.map(({ m, shown }) =>
    shown.previewUrl
      ? html`<a href="${shown.url}"><img src="${shown.previewUrl}" alt="${m.description ?? ''}"${m.meta ? html` width="${m.meta.small.width}" height="${m.meta.small.height}"` : ''} loading="lazy" decoding="async"></a>`
      : html`<a href="${shown.url}" rel="nofollow noopener">${t(m.type === 'audio' ? 'web.media.audio' : 'web.media.video')}${m.description ? html`: ${m.description}` : ''}</a>`,
  )}</div>`;
  return item.post.sensitive
    ? html`<details><summary>${t('web.media.sensitive', { count: ready.length })}</summary>${images}</details>`
    : images;
}

/** The compose form's image field and its alt text (a multipart form; works without script). */
export function imageInputs(t: Translate): SafeHtml {
  return html`<p><label for="image">${t('web.media.image')}</label><br><input id="image" name="image" type="file" accept="${SUPPORTED_IMAGE_TYPES.join(',')}"><br>
<label for="image_description">${t('web.media.describe')}</label><br><input id="image_description" name="image_description" maxlength="${DESCRIPTION_CHARACTERS}"></p>`;
}

/** An account's avatar, small, beside its name on the profile page. */
export function avatarImage(urls: Urls, account: Account, size = 48): SafeHtml {
  const src = profileImageUrl(urls, account, 'avatar');
  return src ? html`<img class="avatar" src="${src}" alt="" width="${size}" height="${size}">` : html``;
}

/** The header banner of a profile, when it has one. */
export function headerImage(urls: Urls, account: Account): SafeHtml {
  const src = profileImageUrl(urls, account, 'header');
  return src ? html`<img class="banner" src="${src}" alt="" width="1500" height="500">` : html``;
}
