/**
 * The architecture, checked in CI (`npm run lint`). Domain folders hold the product's
 * rules and know nothing of HTTP, SQL or Redis; adapters (store, api, web, cli) depend
 * on the domain, never the other way round; the composition root (app) wires them.
 */
const DOMAIN = '^src/(core|security|sms|privacy|shared|audit|notices|i18n|media|safety|push)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-knows-no-infrastructure',
      comment:
        'Domain code must not import HTTP frameworks, SQL drivers, query builders or Redis clients; it talks to ports.',
      severity: 'error',
      from: { path: DOMAIN },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        path: 'node_modules/(fastify|@fastify|kysely|pg|better-sqlite3|ioredis|bullmq)/',
      },
    },
    {
      name: 'domain-knows-no-adapters',
      comment: 'Domain code must not import the store, API, web UI, CLI or composition root.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/(store|api|web|cli|app)/' },
    },
    {
      name: 'core-is-the-innermost-ring',
      comment: 'The microblog core must not depend on the product parts built around it.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(security|sms|privacy)/' },
    },
    {
      name: 'shared-depends-on-nothing',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/(?!shared/)' },
    },
    {
      name: 'interfaces-do-not-reach-into-storage',
      comment:
        'The API, web UI and CLI call domain services from the app context, never storage directly; the composition root (app) owns storage.',
      severity: 'error',
      from: { path: '^src/(api|web|cli|federation)/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'api-does-not-import-web',
      comment:
        'The API and the web UI are two interfaces side by side: what both need lives in src/http (HTTP plumbing) or the domain; src/app assembles the server from both.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/web/' },
    },
    {
      name: 'web-does-not-import-api',
      comment:
        'The web UI renders pages from domain services, never through the API modules; shared HTTP plumbing lives in src/http.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/api/' },
    },
    {
      name: 'ads-read-contacts-only-through-consent',
      comment:
        'SPEC 3.7: advertising reads contact data only through the consent-filtered source; importing contact storage breaks the build.',
      severity: 'error',
      from: { path: '^src/privacy/ads/' },
      // The permission policy is the one exception in security/: it decides who may manage advertisers.
      to: {
        path: [
          '^src/store/',
          '^src/privacy/contact-points/(?!consented-source)',
          '^src/security/(?!permissions\\.ts$)',
          '^src/sms/',
        ],
      },
    },
    {
      name: 'discovery-reads-contacts-only-through-contact-points',
      comment:
        'SPEC 3.6: contact matching sees only what contact points expose for `discovery`; it may reuse the pure normalisers, never the SMS or sign-in storage.',
      severity: 'error',
      from: { path: '^src/privacy/discovery/' },
      to: { path: ['^src/store/', '^src/sms/(?!phone\\.ts$)', '^src/security/(?!(identity|permissions)\\.ts$)'] },
    },
    {
      name: 'contact-storage-only-through-contact-points',
      comment:
        'SPEC 3.7: contact-point storage (its port and its Kysely store) is read only by src/privacy/contact-points; every other module goes through its purpose-bound services. The composition root only wires it.',
      severity: 'error',
      from: {
        pathNot: ['^src/privacy/contact-points/', '^src/app/context\\.ts$', '^src/store/(index|privacy-store)\\.ts$'],
      },
      to: { path: ['^src/privacy/contact-points/(ports|storage)\\.ts$', '^src/store/privacy-store\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code (type declaration files excepted).',
      severity: 'warn',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '^src/cli/main\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
