import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/context.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/** host-meta, WebFinger and NodeInfo through real HTTP, as apps and other servers read them. */
describe.each(ENGINES)('discovery documents on $label', ({ name, skip }) => {
  let server: RunningServer;
  let host: string;
  beforeAll(async () => {
    if (skip) return;
    server = await startServer(name, { SPARROW_REGISTRATIONS_MODE: 'approval', SPARROW_INSTANCE_NAME: 'Nest' });
    host = new URL(server.url).host;
  });
  afterAll(async () => server?.close());

  const get = (path: string) => fetch(`${server.url}${path}`);

  it.skipIf(skip)('host-meta points at WebFinger, as XRD and as JSON', async () => {
    const xrd = await get('/.well-known/host-meta');
    expect(xrd.status).toBe(200);
    expect(xrd.headers.get('content-type')).toMatch(/^application\/xrd\+xml/);
    const body = await xrd.text();
    expect(body).toContain('<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">');
    expect(body).toContain(`<Link rel="lrdd" template="${server.url}/.well-known/webfinger?resource={uri}"/>`);
    const json = await get('/.well-known/host-meta.json');
    expect(await json.json()).toEqual({
      links: [{ rel: 'lrdd', template: `${server.url}/.well-known/webfinger?resource={uri}` }],
    });
  });

  it.skipIf(skip)('WebFinger finds local accounts by handle or profile URL; 404 unknown, 400 malformed', async () => {
    const ada = await server.ctx.microblog.createAccount({ username: 'ada_wf' });
    for (const resource of [`acct:ada_wf@${host}`, `ada_wf@${host}`, `acct:ADA_WF@${host}`, `${server.url}/@ada_wf`]) {
      const response = await get(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);
      expect(response.status, resource).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/jrd\+json/);
      const jrd = (await response.json()) as { subject: string; links: { rel: string; href: string; type: string }[] };
      expect(jrd.subject).toBe(`acct:ada_wf@${host}`);
      const profile = jrd.links.find((l) => l.rel === 'http://webfinger.net/rel/profile-page');
      expect(profile).toEqual({
        rel: 'http://webfinger.net/rel/profile-page',
        type: 'text/html',
        href: `${server.url}/@ada_wf`,
      });
      const api = jrd.links.find((l) => l.rel === 'alternate' && l.type === 'application/json')!;
      const actor = jrd.links.find((l) => l.rel === 'self')!;
      expect(actor.type).toBe('application/activity+json');
      // Every link leads somewhere real: the profile page, the API record and the actor all answer.
      expect((await fetch(profile!.href)).status).toBe(200);
      const record = await fetch(api.href);
      expect(record.status).toBe(200);
      expect(((await record.json()) as { id: string }).id).toBe(ada.id);
      const person = await fetch(actor.href, { headers: { accept: 'application/activity+json' } });
      expect(person.status).toBe(200);
      expect(((await person.json()) as { id: string; preferredUsername: string }).preferredUsername).toBe('ada_wf');
    }

    for (const resource of [`acct:nobody_here@${host}`, `acct:ada_wf@elsewhere.example`, 'acct:ada_wf@']) {
      const response = await get(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);
      expect(response.status, resource).toBe(404);
    }
    await server.ctx.microblog.setSuspended(ada.id, true);
    expect((await get(`/.well-known/webfinger?resource=acct:ada_wf@${host}`)).status).toBe(404);
    await server.ctx.microblog.setSuspended(ada.id, false);

    for (const query of [
      '',
      '?resource=',
      '?resource=https://elsewhere.example/profile',
      `?resource=${'a'.repeat(400)}@${host}`,
    ]) {
      const response = await get(`/.well-known/webfinger${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toHaveProperty('error');
    }
  });

  it.skipIf(skip)('NodeInfo 2.0 and 2.1 report the real usage and registrations, and claim no federation', async () => {
    const index = (await (await get('/.well-known/nodeinfo')).json()) as { links: { rel: string; href: string }[] };
    expect(index.links).toEqual([
      { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${server.url}/nodeinfo/2.0` },
      { rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `${server.url}/nodeinfo/2.1` },
    ]);

    type NodeInfo = {
      version: string;
      software: { name: string };
      protocols: string[];
      usage: { users: { total: number; activeMonth: number }; localPosts: number };
      openRegistrations: boolean;
      metadata: { nodeName: string };
    };
    const read = async (version: string) => {
      const response = await fetch(index.links.find((l) => l.href.endsWith(version))!.href);
      expect(response.headers.get('content-type')).toContain(`schema/${version}#`);
      return (await response.json()) as NodeInfo;
    };
    const before = await read('2.0');
    const writer = await server.ctx.microblog.createAccount({ username: 'nodeinfo_writer' });
    await server.ctx.microblog.createAccount({ username: 'nodeinfo_reader' });
    await server.ctx.microblog.post(writer.id, { text: 'counted', source: 'web' });
    for (const version of ['2.0', '2.1']) {
      const after = await read(version);
      expect(after.version).toBe(version);
      expect(after.software.name).toBe('sparrow');
      expect(after.protocols).toEqual(['activitypub']);
      expect(after.usage.users.total).toBe(before.usage.users.total + 2);
      expect(after.usage.localPosts).toBe(before.usage.localPosts + 1);
      // Approval mode still takes applications, as Mastodon reports it.
      expect(after.openRegistrations).toBe(true);
      expect(after.metadata.nodeName).toBe('Nest');
      const instance = (await (await get('/api/v1/instance')).json()) as {
        stats: { user_count: number; status_count: number };
      };
      expect([after.usage.users.total, after.usage.localPosts]).toEqual([
        instance.stats.user_count,
        instance.stats.status_count,
      ]);
    }
  });
});

describe('NodeInfo with registrations closed', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer('sqlite', { SPARROW_REGISTRATIONS_MODE: 'closed' });
  });
  afterAll(async () => server?.close());

  it('reports registrations closed', async () => {
    const info = (await (await fetch(`${server.url}/nodeinfo/2.1`)).json()) as { openRegistrations: boolean };
    expect(info.openRegistrations).toBe(false);
  });
});
