import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** A browser without JavaScript: keeps cookies, reads form tokens from pages, posts forms. */
export class FormClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(private readonly app: FastifyInstance) {}

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
      method: 'POST', url, payload: form.toString(),
      headers: { ...this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    this.keep(res);
    return res;
  }

  async signUp(username: string, password = 'correct horse battery staple'): Promise<void> {
    await this.get('/signup');
    const res = await this.post('/signup', { username, email: `${username}@example.test`, password });
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
