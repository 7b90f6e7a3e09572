import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const depcruise = resolve(root, 'node_modules/.bin/depcruise');
const config = resolve(root, '.dependency-cruiser.cjs');

async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', '--config', config, '--output-type', 'err'], { cwd });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, output: failed.stdout ?? '' };
  }
}

describe('architecture rules (dependency-cruiser, also run by npm run lint)', () => {
  it('hold for the source tree', async () => {
    const result = await cruise(root);
    expect(result.output).not.toMatch(/error /);
    expect(result.code).toBe(0);
  }, 60_000);

  it('refuse domain code importing storage or SQL, interfaces reaching storage, ads importing contact storage, and api and web importing each other', async () => {
    const result = await cruise(resolve(root, 'test/fixtures/architecture'));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/domain-knows-no-infrastructure: src\/core\/sql\.ts → .*kysely/);
    expect(result.output).toMatch(/domain-knows-no-adapters: src\/core\/leaky\.ts → src\/store\/tables\.ts/);
    expect(result.output).toMatch(
      /ads-read-contacts-only-through-consent: src\/privacy\/ads\/audience\.ts → src\/privacy\/contact-points\/storage\.ts/,
    );
    // Contact-point storage is private to src/privacy/contact-points: any other module importing it fails.
    expect(result.output).toMatch(
      /contact-storage-only-through-contact-points: src\/sms\/contact-peek\.ts → src\/privacy\/contact-points\/storage\.ts/,
    );
    // Contact matching may not read storage (or SMS and sign-in data) around contact points.
    expect(result.output).toMatch(
      /discovery-reads-contacts-only-through-contact-points: src\/privacy\/discovery\/matcher\.ts → src\/store\/tables\.ts/,
    );
    // API, web and CLI call services; none of them may import storage.
    expect(result.output).toMatch(
      /interfaces-do-not-reach-into-storage: src\/api\/health\.ts → src\/store\/tables\.ts/,
    );
    expect(result.output).toMatch(
      /interfaces-do-not-reach-into-storage: src\/web\/subscriptions\.ts → src\/store\/tables\.ts/,
    );
    expect(result.output).toMatch(
      /interfaces-do-not-reach-into-storage: src\/cli\/migrate\.ts → src\/store\/tables\.ts/,
    );
    // The API and the web UI never import each other; src/app assembles the server from both.
    expect(result.output).toMatch(/api-does-not-import-web: src\/api\/renders-pages\.ts → src\/web\/shell\.ts/);
    expect(result.output).toMatch(/web-does-not-import-api: src\/web\/uses-api-params\.ts → src\/api\/params\.ts/);
    // The consent-filtered source is the one allowed way in.
    expect(result.output).not.toMatch(/consented-source/);
  }, 60_000);
});
