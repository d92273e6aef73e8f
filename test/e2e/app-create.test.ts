// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `oauthcli app create github` end to end: the built CLI, Debian's Chromium (driven by
// playwright-core) loading the loopback start page, which posts the manifest to the fake GitHub;
// Chromium clicks "Create GitHub App" and is sent back to the listener. Then `login github --web`
// with no client id in the environment signs in with the new app, and whoami works.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chromiumForFile } from '../support/chromium.js';
import { clearKeychainAccount, filesContaining, keychainEntries, type Env, type RunningCli } from '../support/cli.js';
import { expectExpiresIn } from '../support/expiry.js';
import { standInBrowser } from '../support/stand-in-browser.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

const WAIT_MS = 20_000;
const NO_CLIENT: Env = { OAUTHCLI_GITHUB_CLIENT_ID: undefined, OAUTHCLI_GITHUB_CLIENT_SECRET: undefined };

const { newPage } = chromiumForFile({ timeoutMs: WAIT_MS });

let w: GitHubLab;
const running: RunningCli[] = [];
beforeEach(async () => {
  w = await setUp();
});
afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.kill('SIGKILL');
      await cli.exited;
    }
  }
  // The apps' secrets are not accounts: the sandbox does not know to forget them.
  for (const app of w.server.apps) await clearKeychainAccount(`app:github:${w.host}:${app.clientId}`).catch(() => undefined);
  await w.close();
});

/** A stand-in for the system browser (test/support/stand-in-browser.ts), as OAUTHCLI_BROWSER. */
function fakeBrowser(name: string): { env: Env; next(cli: RunningCli): Promise<string> } {
  const browser = standInBrowser(w.sandbox.root, name);
  return { env: { OAUTHCLI_BROWSER: browser.command }, next: (cli) => browser.first(cli, WAIT_MS) };
}

describe('app create github in Chromium, then login --web with the new app', () => {
  it('creates the app in one round trip, keeps only its client id (config) and secret (keychain), and login, whoami and refresh work with no environment variable', async () => {
    const create = fakeBrowser('create');
    const cli = w.start(['app', 'create', 'github', '--hostname', w.host], { env: { ...NO_CLIENT, ...create.env }, timeoutMs: 45_000 });
    running.push(cli);
    const startUrl = await create.next(cli);
    expect(startUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/);

    // The start page posts the manifest by itself; GitHub's page shows "Create GitHub App".
    const page = await newPage();
    await page.goto(startUrl);
    await page.locator('#create').waitFor();
    expect(page.url()).toBe(`${w.server.url}/settings/apps/new?state=${w.server.manifestPosts[0]!.state}`);
    await Promise.all([page.waitForURL((u) => u.href.startsWith('http://127.0.0.1:') && u.pathname === '/callback', { waitUntil: 'load' }), page.click('#create')]);
    await page.getByText('You may close this tab').waitFor();

    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    const app = w.server.apps[0]!;
    expect(res.stderr).toContain(`${w.server.url}/apps/${app.slug}/installations/new`);
    expect(res.stderr).toContain(`${w.server.url}/settings/apps/${app.slug}`);
    expect(w.config()).toMatchObject({ providers: { github: { apps: { [w.host]: { clientId: app.clientId } } } } });
    // The secret is in the keychain only; the private key and webhook secret nowhere.
    const entries = await keychainEntries();
    expect(JSON.parse(entries.find((e) => e.account === `app:github:${w.host}:${app.clientId}`)!.secret).clientSecret).toBe(app.clientSecret);
    const pemBody = app.pem.split('\n')[1]!;
    expect(filesContaining(w.sandbox.root, app.clientSecret)).toEqual([]);
    expect(filesContaining(w.sandbox.root, pemBody)).toEqual([]);
    expect(entries.some((e) => e.secret.includes(pemBody))).toBe(false);
    for (const secret of [app.clientSecret, pemBody]) expect(res.stderr).not.toContain(secret);

    // login --web: no OAUTHCLI_GITHUB_CLIENT_ID, the app's client and its secret from the keychain.
    const signIn = fakeBrowser('login');
    const login = w.start(['login', 'github', '--web', '--hostname', w.host], { env: { ...NO_CLIENT, ...signIn.env }, timeoutMs: 45_000 });
    running.push(login);
    const authorizeUrl = await signIn.next(login);
    expect(new URL(authorizeUrl).searchParams.get('client_id')).toBe(app.clientId);
    const consent = await newPage();
    await consent.goto(authorizeUrl);
    await consent.locator('#authorize').waitFor();
    await Promise.all([consent.waitForURL((u) => u.pathname === '/callback', { waitUntil: 'load' }), consent.click('#authorize')]);
    const signedIn = await login.exited;
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(signedIn.stderr).toContain('Signed in to');
    expect(signedIn.stderr).not.toContain(app.clientSecret);
    expect(w.config().accounts[accountKeyFor(w)]).toMatchObject({ clientId: app.clientId });

    // A GitHub App's user token expires (8 hours) and comes with a refresh token.
    const stored = JSON.parse((await keychainEntries()).find((e) => e.account === accountKeyFor(w))!.secret);
    expect(stored.refreshToken).toMatch(/^ghr_/);
    expectExpiresIn(stored.expiresAt, 8 * 3600, w.server.grants.at(-1)!.time);

    const whoami = await w.cli(['whoami', '--json', '--hostname', w.host], { env: NO_CLIENT });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ login: 'octocat', host: w.host });
    const refresh = await w.cli(['refresh', 'github', '--hostname', w.host], { env: NO_CLIENT });
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(w.server.grants.filter((g) => g.grant_type === 'refresh_token')).toMatchObject([{ client_secret_sent: true }]);
    expect(filesContaining(w.sandbox.root, app.clientSecret)).toEqual([]);
  });
});
