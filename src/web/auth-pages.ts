import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.ts';
import type { Account } from '../core/model.ts';
import { html } from './html.ts';
import { errorBox, field, form, layout, notice, queryString, sendPage, userMessage, viewFor, type View } from './layout.ts';
import { currentAccount, signIn, signOut } from './session.ts';

/** Only local paths: never redirect to another site after sign-in. */
export function safeNext(value: string): string {
  return /^\/(?![/\\])[\w\-./@?=&%]*$/.test(value) ? value : '/home';
}

/**
 * Called once the password is right. Today it starts the session; a second factor (SMS
 * code, TOTP, passkey) slots in here by redirecting to its own step instead, and calling
 * `signIn` when that step succeeds.
 */
export async function passwordAccepted(ctx: AppContext, reply: FastifyReply, account: Account, next: string): Promise<FastifyReply> {
  await signIn(ctx, reply, account.id);
  return reply.redirect(safeNext(next), 303);
}

/** Sends signed-out visitors to the login page, coming back here afterwards. */
export async function requireViewer(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<Account | null> {
  const account = await currentAccount(ctx, request);
  if (!account) {
    void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    return null;
  }
  return account;
}

function loginPage(view: View, values: { login?: string; next?: string; error?: string } = {}) {
  return layout(view, 'Log in', html`<h1>Log in</h1>${errorBox(values.error)}
${form(view, '/login', html`<input type="hidden" name="next" value="${values.next ?? '/home'}">
<p><label for="login">Username or e-mail</label><br><input id="login" name="login" autocomplete="username" required maxlength="320" value="${values.login ?? ''}"></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>
<p><button>Log in</button></p>`)}
<p class="note">No account yet? <a href="/signup">Sign up</a>.</p>`);
}

function signupPage(view: View, values: { username?: string; email?: string; error?: string } = {}) {
  return layout(view, 'Sign up', html`<h1>Create your account</h1>${errorBox(values.error)}
${form(view, '/signup', html`<p><label for="username">Username</label><br><input id="username" name="username" autocomplete="username" required maxlength="30" pattern="[A-Za-z0-9_]+" value="${values.username ?? ''}"><br><small class="note">Letters, digits and _; people will find you as @name.</small></p>
<p><label for="email">E-mail</label><br><input id="email" name="email" type="email" autocomplete="email" required maxlength="320" value="${values.email ?? ''}"></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></p>
<p><button>Sign up</button></p>`)}
<p class="note">Already have an account? <a href="/login">Log in</a>.</p>`);
}

export function authPages(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.get('/', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return sendPage(reply, layout(view, 'Welcome', html`<h1>Sparrow</h1>${notice(request)}
<p>Short posts for everyone: on the web, in any Mastodon app, or by plain text message from any phone.</p>
<p><a href="/signup">Create an account</a> or <a href="/login">log in</a>.</p>`));
    });

    app.get('/login', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return sendPage(reply, loginPage(view, { next: safeNext(queryString(request, 'next', 500) || '/home') }));
    });

    app.post('/login', async (request, reply) => {
      const login = field(request, 'login', 320).trim();
      const next = safeNext(field(request, 'next', 500));
      const account = login ? await ctx.identity.authenticate(login, field(request, 'password', 2048)) : null;
      if (!account) {
        const view = await viewFor(ctx, request, reply);
        // Same answer whether the account exists or not.
        return sendPage(reply, loginPage(view, { login, next, error: 'That username or e-mail and password do not match.' }), 401);
      }
      return passwordAccepted(ctx, reply, account, next);
    });

    app.get('/signup', async (request, reply) => {
      const view = await viewFor(ctx, request, reply);
      if (view.viewer) return reply.redirect('/home', 303);
      return sendPage(reply, signupPage(view));
    });

    app.post('/signup', async (request, reply) => {
      const username = field(request, 'username', 60).trim();
      const email = field(request, 'email', 320).trim();
      try {
        const account = await ctx.identity.register({ username, email, password: field(request, 'password', 2048) });
        await signIn(ctx, reply, account.id);
        return reply.redirect('/home?notice=welcome', 303);
      } catch (error) {
        const view = await viewFor(ctx, request, reply);
        return sendPage(reply, signupPage(view, { username, email, error: userMessage(error) }), 422);
      }
    });

    app.post('/logout', async (_request, reply) => {
      signOut(ctx, reply);
      return reply.redirect('/', 303);
    });
  };
}
