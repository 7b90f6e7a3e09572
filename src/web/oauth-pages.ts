import { escapeHtml } from '../core/post-html.ts';

export interface ConsentPage {
  appName: string;
  scopes: string[];
  hidden: Record<string, string>;
  error?: string;
  login?: string;
}

const SCOPE_WORDS: Record<string, string> = {
  read: 'read your posts, timelines, notifications and account details',
  write: 'post, delete, like and boost for you, and change your profile',
  follow: 'follow, unfollow, block and mute accounts for you',
  push: 'receive push notifications for you',
  profile: 'see your basic profile',
};

const STYLE = `body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:26rem;padding:1rem;color:#1a1a1a}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #888;border-radius:4px}
button{margin-top:1rem;padding:.6rem 1rem;font-size:1rem;border-radius:4px;border:1px solid #235;background:#235;color:#fff}
button.secondary{background:#fff;color:#235}.error{background:#fde;border:1px solid #c33;padding:.5rem;border-radius:4px}
ul{padding-left:1.2rem}code{word-break:break-all;font-size:1.1rem}`;

function layout(title: string, body: string, scripts: string[] = []): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Sparrow</title><style>${STYLE}</style>${scripts.map((src) => `<script src="${escapeHtml(src)}" defer></script>`).join('')}</head><body>${body}</body></html>`;
}

/** Sign-in and consent in one plain form: works without JavaScript on any browser. */
export function renderConsentPage(page: ConsentPage): string {
  const hidden = Object.entries(page.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const scopes = page.scopes.map((s) => `<li>${escapeHtml(SCOPE_WORDS[s] ?? s)}</li>`).join('');
  return layout(
    'Authorize',
    `<h1>Sign in to authorize ${escapeHtml(page.appName)}</h1>
${page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : ''}
<p><strong>${escapeHtml(page.appName)}</strong> asks to:</p><ul>${scopes}</ul>
<form method="post" action="/oauth/authorize">${hidden}
<label for="login">E-mail or username</label><input type="text" id="login" name="login" autocomplete="username" required value="${escapeHtml(page.login ?? '')}">
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" name="decision" value="approve">Sign in and authorize</button>
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>
</form>`,
  );
}

export interface SecondFactorPage {
  appName: string;
  hidden: Record<string, string>;
  flowId: string;
  methods: string[];
  error?: string;
  notice?: string;
}

const METHOD_LABELS: Record<string, string> = {
  totp: 'Code from your authenticator app',
  recovery_code: 'One of your recovery codes',
  sms: 'Code sent by SMS (the weakest option)',
  password: 'Your password',
};

/** The second sign-in step inside the authorization flow, one small form per method. */
export function renderSecondFactorPage(page: SecondFactorPage): string {
  const hidden = Object.entries({ ...page.hidden, flow_id: page.flowId, decision: 'approve' })
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const forms = page.methods
    .filter((m) => m in METHOD_LABELS)
    .map((method) => {
      const id = `code_${method}`;
      const input =
        method === 'password'
          ? `<input type="password" id="${id}" name="password" autocomplete="current-password" required>`
          : `<input type="text" id="${id}" name="code" autocomplete="one-time-code" inputmode="${method === 'recovery_code' ? 'text' : 'numeric'}" required maxlength="20">`;
      const send =
        method === 'sms'
          ? `<button type="submit" name="send_sms" value="1" class="secondary" formnovalidate>Text me a code</button>`
          : '';
      return `<form method="post" action="/oauth/authorize">${hidden}<input type="hidden" name="method" value="${method}">
<label for="${id}">${escapeHtml(METHOD_LABELS[method]!)}</label>${input}<button type="submit">Continue</button>${send}</form>`;
    })
    .join('');
  // The passkey form needs JavaScript (the browser's WebAuthn API): the shared script fills in
  // the assertion and shows the button; without it a note says so.
  const passkey = page.methods.includes('passkey')
    ? `<form method="post" action="/oauth/authorize" data-passkey="sign-in">${hidden}<input type="hidden" name="method" value="passkey"><input type="hidden" name="credential" value="">
<button type="submit" hidden>Use a passkey</button><p data-passkey-nojs>Passkeys need JavaScript; use another method here.</p></form>`
    : '';
  return layout(
    'Second step',
    `<h1>Confirm it's you</h1>
${page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : ''}${page.notice ? `<p role="status">${escapeHtml(page.notice)}</p>` : ''}
<p>Your account asks for a second step before <strong>${escapeHtml(page.appName)}</strong> gets access.</p>${passkey}${forms}`,
    page.methods.includes('passkey') ? ['/static/passkey.js'] : [],
  );
}

export function renderCodePage(code: string): string {
  return layout(
    'Authorization code',
    `<h1>Authorization code</h1><p>Copy this code and paste it into the app:</p><p><code>${escapeHtml(code)}</code></p>`,
  );
}

export function renderErrorPage(message: string): string {
  return layout('Authorization failed', `<h1>Authorization failed</h1><p class="error">${escapeHtml(message)}</p>`);
}
