import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { solvedSignupFields } from '../helpers/sign-up-puzzle.ts';

/** A browser without JavaScript: keeps cookies, reads form tokens from pages, posts forms. */
export class FormClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  private readonly app: FastifyInstance;
  constructor(app: FastifyInstance) {
    this.app = app;
  }

  private keep(res: LightMyRequestResponse): void {
    const raw = res.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair, ...attrs] = line.split(';');
      const [key, ...rest] = pair!.split('=');
      const value = rest.join('=');
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(key!.trim());
      else this.cookies.set(key!.trim(), value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: this.cookieHeader() });
    this.keep(res);
    return res;
  }

  /** Posts a form; `_csrf` is added unless given (pass `_csrf: null` to leave it out). */
  async post(url: string, fields: Record<string, string | null> = {}): Promise<LightMyRequestResponse> {
    const form = new URLSearchParams();
    const withToken = { _csrf: this.csrf, ...fields };
    for (const [k, v] of Object.entries(withToken)) if (v !== null) form.set(k, v);
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: form.toString(),
      headers: { ...this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    this.keep(res);
    return res;
  }

  /** The newest code e-mailed to an address, read from the dev mailbox page (console provider only). */
  async mailCode(address: string, subject = /code: (\d{6})/, previous = 0): Promise<string> {
    for (let i = 0; i < 100; i += 1) {
      const res = await this.app.inject({ method: 'GET', url: `/dev/mail?to=${encodeURIComponent(address)}` });
      const codes = [...res.body.matchAll(new RegExp(subject, 'g'))].map((m) => m[1]!);
      if (codes.length > previous) return codes[0]!;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no code e-mailed to ${address}`);
  }

  /** Sign-up as a person does it: e-mail, code from the mailbox, username and password. */
  async signUp(username: string, password = 'correct horse battery staple'): Promise<void> {
    const email = `${username}@example.test`;
    // A browser with scripts on: the page's script solves the sign-up puzzle before the form goes.
    const page = await this.get('/signup');
    const first = await this.post('/signup', { email, ...solvedSignupFields(page.body) });
    if (first.statusCode !== 200) throw new Error(`signup failed: ${first.statusCode} ${first.body.slice(0, 400)}`);
    const flowId = flowIdOf(first.body);
    const code = await this.mailCode(email);
    const res = await this.post('/signup/finish', { flow_id: flowId, email, code, username, password });
    if (res.statusCode !== 303) throw new Error(`signup failed: ${res.statusCode} ${res.body.slice(0, 400)}`);
    await this.get('/home');
  }

  async logIn(login: string, password = 'correct horse battery staple'): Promise<LightMyRequestResponse> {
    await this.get('/login');
    const res = await this.post('/login', { login, password, next: '/home' });
    await this.get('/home');
    return res;
  }
}

/** The flow id a multi-step page carries in its hidden field. */
export function flowIdOf(body: string): string {
  const id = /name="flow_id" value="([^"]+)"/.exec(body)?.[1];
  if (!id) throw new Error(`no flow id on the page: ${body.slice(0, 300)}`);
  return id;
}

const LIMIT = 30 * 1024;

/** The rules every page keeps: small, strict CSP, no inline script or style, CSRF in every form, labels. */
export function expectGoodPage(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  url: string,
): void {
  expect(res.statusCode, url).toBe(200);
  expect(res.headers['content-type'], url).toMatch(/^text\/html/);
  expect(Buffer.byteLength(res.body), `${url} weighs ${Buffer.byteLength(res.body)} bytes`).toBeLessThan(LIMIT);
  const csp = String(res.headers['content-security-policy']);
  expect(csp, url).toContain("script-src 'self'");
  expect(csp, url).toContain("frame-ancestors 'none'");
  expect(csp, url).not.toContain('unsafe-inline');
  expect(res.headers['x-frame-options'], url).toBe('DENY');
  expect(res.headers['referrer-policy'], url).toBeDefined();
  expect(res.body, url).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  // No inline script and no inline event handlers: the page works with scripts off.
  expect(res.body, url).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(res.body, url).not.toMatch(/\son[a-z]+=/i);
  expect(res.body, url).not.toMatch(/\sstyle=/i);
  // Every state-changing form carries the CSRF token.
  for (const formTag of res.body.match(/<form method="post"[^>]*>(?:(?!<\/form>)[\s\S])*<\/form>/g) ?? []) {
    // The simulator plays an anonymous phone; the OAuth consent form is for someone not signed in here.
    if (formTag.includes('action="/dev/phone"') || formTag.includes('action="/oauth/authorize"')) continue;
    expect(formTag, url).toContain('name="_csrf"');
  }
  // Every visible input has a label.
  for (const id of [
    ...res.body.matchAll(/<(?:input|textarea|select)(?![^>]*type="(?:hidden|checkbox)")[^>]*\bid="([^"]+)"/g),
  ].map((m) => m[1])) {
    expect(res.body, `${url}: label for #${id}`).toContain(`for="${id}"`);
  }
}
