// `oauthcli app create github` in process (the command through the test world, its flow in
// src/signin/create-app.ts) against the fake GitHub's app manifest flow over real HTTP, with a
// cookie-less stand-in for the browser; then a sign-in with the new app and its refresh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { create } from '../../src/cli/commands/app.js';
import { github } from '../../src/providers/github.js';
import { openSession } from '../../src/session/open-session.js';
import { createGitHubApp } from '../../src/signin/create-app.js';
import { signIn } from '../../src/signin/sign-in.js';
import type { SignInUi } from '../../src/signin/ui.js';
import { appSecretKey } from '../../src/store/app-secrets.js';
import { expectExpiresIn } from '../support/expiry.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-server.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

let server: FakeGitHub;
const worlds: TestWorld[] = [];
beforeEach(async () => {
  server = await startFakeGitHub();
});
afterEach(async () => {
  for (const w of worlds.splice(0)) w.cleanup();
  await server.close();
});

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The browser's part: load the local start page, post its form as the page's script would, click
 * "Create GitHub App", and follow GitHub's redirect back to the loopback listener (unless `before`
 * says otherwise). Returns the redirect's URL and the listener's answer.
 */
async function createInBrowser(startUrl: string, before?: (location: string) => Promise<void> | void): Promise<{ location: string; status: number }> {
  const start = await fetch(startUrl);
  expect(start.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[^']+'; form-action http:\/\/127\.0\.0\.1:\d+$/);
  const html = await start.text();
  const action = unescape(/<form id="form" method="post" action="([^"]+)"/.exec(html)![1]!);
  const manifest = unescape(/name="manifest" value="([^"]*)"/.exec(html)![1]!);
  const page = await (await fetch(action, { method: 'POST', body: new URLSearchParams({ manifest }) })).text();
  const registration = /name="registration" value="([^"]+)"/.exec(page)?.[1];
  if (!registration) throw new Error(`no registration form: ${page}`);
  const created = await fetch(`${server.url}/settings/apps/new/create`, { method: 'POST', body: new URLSearchParams({ registration }), redirect: 'manual' });
  const location = created.headers.get('location')!;
  await before?.(location);
  const back = await fetch(location);
  await back.text();
  return { location, status: back.status };
}

function worldDrivingBrowser(env: NodeJS.ProcessEnv = {}): TestWorld {
  const w = testWorld({
    env,
    openBrowser: async (url) => {
      void createInBrowser(url).catch(() => undefined);
      return true;
    },
  });
  worlds.push(w);
  return w;
}

describe('app create github', () => {
  it('posts the manifest with our state, keeps the client id in the config and the secret in the keychain only, and says what is left to click', async () => {
    const w = worldDrivingBrowser();
    const code = await create(w.world, 'github', { hostname: server.host, browser: true, timeout: '1m' });
    expect(code).toBe(0);

    const [post] = server.manifestPosts;
    expect(post!.path).toBe('/settings/apps/new');
    expect(post!.state).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const manifest = post!.manifest!;
    expect(manifest.name).toMatch(/^oauthcli-[a-z0-9]{8}$/);
    expect(manifest).toMatchObject({
      public: false,
      hook_attributes: { active: false },
      callback_urls: ['http://127.0.0.1/callback'],
      request_oauth_on_install: false,
      default_permissions: { contents: 'write', metadata: 'read', email_addresses: 'read' },
    });
    expect(manifest.redirect_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const app = server.apps[0]!;
    expect(w.world.accounts.providerSettings('github').apps?.[server.host]?.clientId).toBe(app.clientId);
    const entry = await w.world.secrets('keychain').get(appSecretKey('github', server.host, app.clientId));
    expect(entry?.clientSecret).toBe(app.clientSecret);
    // Only the client secret is kept: no private key, no webhook secret, anywhere.
    expect([...w.keyring.entries.keys()].filter((k) => !k.startsWith('__oauthcli_probe__'))).toEqual([appSecretKey('github', server.host, app.clientId)]);
    const config = readFileSync(join(w.configDir, 'config.json'), 'utf8');
    for (const secret of [app.clientSecret, app.pem.split('\n')[1]!]) {
      expect(config).not.toContain(secret);
      expect(w.stderr()).not.toContain(secret);
    }
    expect(w.stdout()).toBe('');
    expect(w.stderr()).toContain(`${server.url}/apps/${app.slug}/installations/new`);
    expect(w.stderr()).toContain(`${server.url}/settings/apps/${app.slug}`);
    expect(w.stderr()).toContain('Enable Device Flow');
    expect(w.stderr()).toContain(`oauthcli login github --hostname ${server.host}`);
  });

  it('--org: the manifest goes to the organization\'s page, and the settings URL is the organization\'s', async () => {
    const w = worldDrivingBrowser();
    expect(await create(w.world, 'github', { hostname: server.host, org: 'acme', browser: true, timeout: '1m' })).toBe(0);
    expect(server.manifestPosts[0]!.path).toBe('/organizations/acme/settings/apps/new');
    expect(server.apps[0]!.owner).toEqual({ login: 'acme', type: 'Organization' });
    expect(w.stderr()).toContain(`${server.url}/organizations/acme/settings/apps/${server.apps[0]!.slug}`);
  });

  it('a redirect with another state is refused and the wait goes on; a code over an hour old is an error and nothing is kept', async () => {
    const w = testWorld();
    worlds.push(w);
    const result = createGitHubApp(
      w.world,
      {
        showStartPage: async (url) => {
          void createInBrowser(url, async (location) => {
            const forged = new URL(location);
            forged.searchParams.set('state', 'not-ours');
            expect((await fetch(forged)).status).toBe(400);
            server.expireManifestCodes();
          }).catch(() => undefined);
          return true;
        },
        waiting: () => ({ update() {}, stop() {} }),
      },
      { host: server.host, name: 'oauthcli-test', timeoutMs: 60_000 },
    );
    await expect(result).rejects.toThrow(/over an hour old/);
    expect(w.world.accounts.providerSettings('github').apps).toBeUndefined();
    expect([...w.keyring.entries.keys()].filter((k) => !k.startsWith('__oauthcli_probe__'))).toEqual([]);
  });

  it('afterwards, login needs no environment variable: the device flow, chosen and not enabled for a new app, gives way to the browser flow with the app and its secret; its expiring tokens refresh', async () => {
    const w = worldDrivingBrowser();
    expect(await create(w.world, 'github', { hostname: server.host, browser: true, timeout: '1m' })).toBe(0);
    const app = server.apps[0]!;
    const notes: string[] = [];
    const ui: SignInUi = {
      note: (line) => void notes.push(line),
      showDeviceCode: async () => () => undefined,
      async showAuthorizationUrl(url) {
        expect(new URL(url).searchParams.get('client_id')).toBe(app.clientId);
        void server.simulateBrowser(url).catch(() => undefined);
        return true;
      },
      acceptPastedRedirect: () => () => undefined,
      waiting: () => ({ update() {}, stop() {} }),
    };
    const { account } = await signIn(w.world, ui, {
      provider: github,
      host: server.host,
      scopes: github.defaultScopes,
      openBrowser: true,
      storage: 'keychain',
      timeoutMs: 30_000,
      terminal: { platform: 'linux', stdinIsTTY: true, stderrIsTTY: true },
    });
    expect(account.clientId).toBe(app.clientId);
    expect(notes.join('\n')).toMatch(/Enable Device Flow.*; using the browser flow instead\./);
    const grant = server.grants.find((g) => g.grant_type === 'authorization_code')!;
    expect(grant.client_secret_sent).toBe(true);
    // A GitHub App's user token: eight hours, with a refresh token.
    const tokens = (await w.world.secrets('keychain').get(account.key))!;
    expect(tokens.refreshToken).toBeTruthy();
    expectExpiresIn(tokens.expiresAt, 8 * 3600, grant.time);

    await w.world.secrets('keychain').set(account.key, { ...tokens, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const session = await openSession(w.world, w.world.accounts.get(account.key)!);
    expect(server.isTokenValid(session.tokens.accessToken)).toBe(true);
    const refresh = server.requests.find((r) => r.body.grant_type === 'refresh_token')!;
    expect(refresh.body).toMatchObject({ client_id: app.clientId, client_secret: app.clientSecret });
  });

  it('a second app for the same host takes over new sign-ins; the first one\'s secret entry is removed', async () => {
    const w = worldDrivingBrowser();
    expect(await create(w.world, 'github', { hostname: server.host, browser: true, timeout: '1m' })).toBe(0);
    expect(await create(w.world, 'github', { hostname: server.host, browser: true, timeout: '1m' })).toBe(0);
    const [first, second] = server.apps;
    expect(w.world.accounts.providerSettings('github').apps?.[server.host]?.clientId).toBe(second!.clientId);
    expect(w.keyring.entries.has(appSecretKey('github', server.host, first!.clientId))).toBe(false);
    expect(w.keyring.entries.has(appSecretKey('github', server.host, second!.clientId))).toBe(true);
  });

  it('once "Enable Device Flow" is ticked, login --device signs in with the app (no secret needed for the device flow)', async () => {
    const w = worldDrivingBrowser();
    expect(await create(w.world, 'github', { hostname: server.host, browser: true, timeout: '1m' })).toBe(0);
    const app = server.apps[0]!;
    app.deviceFlow = true;
    server.setDevice({ pendingPolls: 0 });
    const { account } = await signIn(w.world, { note: () => undefined, showDeviceCode: async () => () => undefined, showAuthorizationUrl: async () => false, acceptPastedRedirect: () => () => undefined, waiting: () => ({ update() {}, stop() {} }) }, {
      provider: github,
      host: server.host,
      flow: 'device',
      scopes: github.defaultScopes,
      openBrowser: false,
      storage: 'keychain',
      timeoutMs: 30_000,
      terminal: { platform: 'linux', stdinIsTTY: false, stderrIsTTY: false },
    });
    expect(account.clientId).toBe(app.clientId);
    expect(server.grants.map((g) => g.grant_type)).toEqual(['device_code']);
  });

  it('the start page is served only while the flow waits', async () => {
    const w = testWorld();
    worlds.push(w);
    let startUrl = '';
    const result = createGitHubApp(
      w.world,
      {
        showStartPage: async (url) => {
          startUrl = url;
          void createInBrowser(url).catch(() => undefined);
          return true;
        },
        waiting: () => ({ update() {}, stop() {} }),
      },
      { host: server.host, name: 'oauthcli-once', timeoutMs: 60_000 },
    );
    await result;
    await expect(fetch(startUrl)).rejects.toThrow();
  });

  it('is for GitHub only', async () => {
    const w = testWorld();
    worlds.push(w);
    await expect(create(w.world, 'gitlab', { browser: false, timeout: '1m' })).rejects.toMatchObject({ kind: 'usage' });
  });
});

describe('--debug', () => {
  it('the conversion answer in a trace shows none of the client secret, webhook secret or private key', async () => {
    const { redactText } = await import('../../src/http/redact.js');
    const body = JSON.stringify({ id: 1, client_id: 'Iv23liabc', client_secret: 'cs-123456', webhook_secret: 'wh-123456', pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\n' });
    const traced = redactText(body);
    for (const secret of ['cs-123456', 'wh-123456', 'MIIabc']) expect(traced).not.toContain(secret);
    expect(traced).toContain('Iv23liabc');
  });
});
