/**
 * Prints every client-facing route the HTTP server registers: the Mastodon client API,
 * OAuth and the discovery documents (`/api/`, `/oauth/`, `/.well-known/`, `/nodeinfo`),
 * grouped by area, one `METHOD /path` a line, and their count. It builds the real server
 * on an in-memory SQLite store, so the list is what the code registers, not what a document
 * remembers; docs/api.md is regenerated from it.
 *
 *   scripts/node24 node scripts/api-routes.ts             # the grouped list and the count
 *   scripts/node24 node scripts/api-routes.ts --markdown  # the same as the tables in docs/api.md
 *   scripts/node24 node scripts/api-routes.ts --all       # every route, web pages included
 *   scripts/node24 node scripts/api-routes.ts --write docs/api.md  # refresh the generated section
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from '../src/app/http-server.ts';
import { createContext } from '../src/app/context.ts';
import { configFor } from '../src/config/config.ts';

const CLIENT_PREFIXES = ['/api/', '/oauth/', '/.well-known/', '/nodeinfo'];

const SPARROW_OWN = "Sparrow's own (SMS, phone, security, privacy, ads, moderation)";

/** The area a client-facing path belongs to, for grouping (first match wins). */
const AREAS: [string, RegExp][] = [
  ['OAuth and apps', /^\/(oauth\/|api\/v1\/apps)/],
  ['Discovery (well-known, nodeinfo)', /^\/(\.well-known\/|nodeinfo)/],
  ['Instance', /^\/api\/v[12]\/instance/],
  ['Streaming', /^\/api\/v1\/streaming/],
  ['Accounts', /^\/api\/v[12]\/accounts/],
  ['Statuses', /^\/api\/v1\/statuses/],
  ['Media', /^\/api\/v[12]\/media/],
  ['Timelines', /^\/api\/v1\/timelines/],
  ['Notifications', /^\/api\/v[12]\/notifications/],
  ['Search', /^\/api\/v[12]\/search/],
  ['Hashtags and trends', /^\/api\/v1\/(tags|followed_tags|featured_tags|trends)/],
  ['Lists', /^\/api\/v1\/lists/],
  ['Filters', /^\/api\/v[12]\/filters/],
  ['Markers and conversations', /^\/api\/v1\/(markers|conversations)/],
  ['Polls and scheduled posts', /^\/api\/v1\/(polls|scheduled_statuses)/],
  ['Push', /^\/api\/v1\/push/],
  [
    'Relationships and safety',
    /^\/api\/v1\/(follow_requests|blocks|mutes|domain_blocks|reports|bookmarks|favourites|endorsements)/,
  ],
  ['Discovery for people', /^\/api\/v[12]\/(suggestions|directory|custom_emojis|announcements|preferences)/],
  [SPARROW_OWN, /^\/api\/v1\/(admin\/)?sparrow\//],
  ['Admin', /^\/api\/v[12]\/admin\//],
  ['Provider webhooks', /^\/api\/(webhooks|sms)/],
];

function areaOf(path: string): string {
  for (const [name, pattern] of AREAS) if (pattern.test(path)) return name;
  return 'Other';
}

/** Full `METHOD path` pairs from Fastify's route tree (`printRoutes`), HEAD left out. */
function routesFromTree(tree: string): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split('\n')) {
    const branch = line.search(/[├└]── /);
    if (branch === -1) continue;
    const depth = branch / 4;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(branch + 4));
    if (!match) continue;
    const path = (prefixes[depth - 1] ?? '') + (match[1] ?? '');
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    for (const method of (match[2] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') found.push({ method, path });
    }
  }
  return found;
}

function isClientRoute(path: string): boolean {
  return CLIENT_PREFIXES.some((prefix) => path.startsWith(prefix));
}

const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function sorted(routes: { method: string; path: string }[]) {
  const unique = new Map(routes.map((route) => [`${route.method} ${route.path}`, route]));
  return [...unique.values()].sort(
    (a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
}

function grouped(routes: { method: string; path: string }[]): Map<string, { method: string; path: string }[]> {
  const groups = new Map<string, { method: string; path: string }[]>();
  for (const [name] of AREAS) groups.set(name, []);
  groups.set('Other', []);
  for (const route of routes) groups.get(areaOf(route.path))?.push(route);
  for (const [name, list] of groups) if (list.length === 0) groups.delete(name);
  return groups;
}

function summary(routes: { method: string; path: string }[]): string {
  const own = routes.filter((route) => areaOf(route.path) === SPARROW_OWN).length;
  return `${routes.length} client-facing endpoints (distinct method and path): ${routes.length - own} of the Mastodon API, OAuth and discovery, ${own} of Sparrow's own`;
}

function markdown(routes: { method: string; path: string }[]): string {
  const out = [`${summary(routes)}.`, ''];
  for (const [name, list] of grouped(routes)) {
    out.push(`### ${name} (${list.length})`, '', '| method | path |', '| ------ | ---- |');
    for (const route of list) out.push(`| ${route.method} | \`${route.path}\` |`);
    out.push('');
  }
  return out.join('\n');
}

const START = '<!-- routes:start (generated by scripts/api-routes.ts --write docs/api.md) -->';
const END = '<!-- routes:end -->';

const args = process.argv.slice(2);
const context = await createContext(
  configFor({ SPARROW_DATABASE_URL: 'sqlite::memory:', SPARROW_LOG_LEVEL: 'silent' }),
);
const app = await buildServer(context);
await app.ready();
const all = sorted(routesFromTree(app.printRoutes({ commonPrefix: false })));
await app.close();
await context.close();

const client = all.filter((route) => isClientRoute(route.path));
const writeIndex = args.indexOf('--write');
if (writeIndex !== -1) {
  const file = args[writeIndex + 1];
  if (!file) throw new Error('--write needs a file, e.g. docs/api.md');
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to < from) throw new Error(`${file} has no ${START} … ${END} section`);
  writeFileSync(file, `${text.slice(0, from + START.length)}\n\n${markdown(client)}\n${text.slice(to)}`);
  // Aligned as the repository's formatter wants it, so `npm run lint` stays green.
  execFileSync(join('node_modules', '.bin', 'biome'), ['format', '--write', file], { stdio: 'ignore' });
  process.stdout.write(`${file}: ${summary(client)}\n`);
} else if (args.includes('--markdown')) {
  process.stdout.write(markdown(client));
} else {
  const shown = args.includes('--all') ? all : client;
  for (const [name, list] of args.includes('--all') ? new Map([['All routes', shown]]) : grouped(shown)) {
    process.stdout.write(`\n${name} (${list.length})\n`);
    for (const route of list) process.stdout.write(`  ${route.method.padEnd(7)}${route.path}\n`);
  }
  process.stdout.write(`\n${args.includes('--all') ? `${shown.length} routes` : summary(shown)}\n`);
}
