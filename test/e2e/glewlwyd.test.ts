// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// A REAL third-party OpenID Connect server, glewlwyd 2.7.5 from Debian (test/support/glewlwyd.ts),
// with the built CLI and Debian's Chromium: glewlwyd compares redirect URIs as exact strings, so
// the browser flow works only with the fixed port of `provider add --redirect-port`; the device
// flow, rolling one-use refresh tokens, and revocation, which glewlwyd grants to confidential
// clients only (OIDC.md, "Token introspection and revocation": HTTP Basic with the client's
// credentials, or an access token with an admin scope).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chromiumForFile } from '../support/chromium.js';
import { enterUserCode, freePort, glewlwydInstalled, loginAndGrant, startGlewlwyd, type Glewlwyd } from '../support/glewlwyd.js';
import { deviceCodeFrom, expectOneErrorLine, lastLine, makeWorld, WAIT_MS, type CliWorld } from './provider-harness.js';

// Each test is a whole user story (add, sign in, whoami, token, refresh, sign out): a dozen CLI
// runs, more than the default minute on a busy two-core machine.
vi.setConfig({ testTimeout: 180_000 });

// glewlwyd is in .ci/run's package list: a machine without it is a broken set-up, not a skip.
if (!glewlwydInstalled) throw new Error('glewlwyd is not installed (apt-get install glewlwyd)');

const { newPage } = chromiumForFile({
  timeoutMs: WAIT_MS,
  // glewlwyd's pages are all on the loopback server; anything else is refused, never fetched.
  prepare: (page) => page.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort()),
});

let glew: Glewlwyd;
let w: CliWorld;
beforeEach(async () => {
  glew = await startGlewlwyd({ redirectPort: await freePort() });
  w = makeWorld();
  // A new glewlwyd each test: its database, then its admin API's set-up, on a busy machine.
}, 180_000);
afterEach(async () => {
  await w.close();
  await glew.close();
});

async function add(name: string, extra: string[], input?: string): Promise<void> {
  const res = await w.cli(['provider', 'add', name, '--issuer', glew.issuer, ...extra], input === undefined ? {} : { input });
  expect(res.code, res.stderr).toBe(0);
}

/** `login NAME --web`, with Chromium signing in on glewlwyd's pages. */
async function browserLogin(name: string): Promise<string> {
  writeFileSync(w.openedFile, ''); // the stand-in browser's record of earlier logins
  const cli = w.start(['login', name, '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
  const url = await w.openedUrl(cli);
  const page = await newPage();
  await page.goto(url);
  await loginAndGrant(page, glew.user);
  const res = await cli.exited;
  expect(res.code, `${res.stderr}\n${glew.log()}`).toBe(0);
  return url;
}

async function tokenGrant(params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${glew.issuer}/token`, { method: 'POST', body: new URLSearchParams(params) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('glewlwyd, public client, browser flow with a fixed redirect port', () => {
  it('signs in, whoami, token, refresh (the old refresh token stops working), revoke refused honestly (exit 1), logout forgets', async () => {
    await add('glew', ['--client-id', glew.publicClient.clientId, '--redirect-port', String(glew.redirectPort)]);
    const settings = w.config().providers.glew!;
    expect(settings.redirectUri).toBe(glew.redirectUri);
    // glewlwyd's scopes_supported has no offline_access: it is not asked for.
    expect(settings.offlineAccess).toBe(false);

    const url = new URL(await browserLogin('glew'));
    expect(url.searchParams.get('redirect_uri')).toBe(glew.redirectUri);
    expect(url.searchParams.get('scope')).toBe('openid profile email');
    expect(url.searchParams.has('prompt')).toBe(false);

    const who = await w.cli(['whoami', 'glew', '--json']);
    expect(who.code, who.stderr).toBe(0);
    const profile = JSON.parse(who.stdout) as Record<string, unknown>;
    expect(profile).toMatchObject({ provider: 'glew', host: glew.host, name: glew.user.name, email: glew.user.email });
    const key = Object.keys(w.config().accounts)[0]!;
    const before = (await w.stored(key))!;
    expect(before.refreshToken).toEqual(expect.any(String));

    const token = await w.cli(['token', 'glew']);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toBe(before.accessToken);
    expect(await glew.accessTokenWorks(before.accessToken)).toBe(true);

    const refresh = await w.cli(['refresh', 'glew']);
    expect(refresh.code, refresh.stderr).toBe(0);
    const after = (await w.stored(key))!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toEqual(expect.any(String));
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await glew.accessTokenWorks(after.accessToken)).toBe(true);

    // glewlwyd answers 401 to a public client's revocation: nothing is revoked, and the CLI says so.
    const revoke = await w.cli(['revoke', 'glew']);
    expect(revoke.code).toBe(1);
    expectOneErrorLine(revoke, /nothing was revoked: .*revokes tokens only for clients that authenticate.*oauthcli logout glew forgets its tokens.*the access token stays valid until \d{4}-/);
    expect(revoke.stderr).not.toMatch(/✓ Revoked/);
    expect(await glew.accessTokenWorks(after.accessToken)).toBe(true);
    expect(Object.keys(w.config().accounts)).toEqual([key]);

    const logout = await w.cli(['logout', 'glew']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toMatch(/Signed out of/);
    expect(logout.stderr).toMatch(/The token was not revoked: .*revokes tokens only for clients that authenticate.* The tokens are forgotten here; the access token stays valid until \d{4}-/);
    expect(w.config().accounts).toEqual({});
    expect(await w.stored(key)).toBeUndefined();

    // One-use refresh tokens: the one spent no longer works. Last: replaying a spent refresh token
    // breaks glewlwyd's chain, so nothing may come after it.
    const replay = await tokenGrant({ grant_type: 'refresh_token', refresh_token: before.refreshToken!, client_id: glew.publicClient.clientId });
    expect(replay.status).toBe(400);
  });

  it('without the fixed port glewlwyd refuses the redirect URI; the timeout names the likely causes, with the exact URI and the setting', async () => {
    await add('glew', ['--client-id', glew.publicClient.clientId]);
    const cli = w.start(['login', 'glew', '--web', '--timeout', '3s'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const url = await w.openedUrl(cli);
    const sent = new URL(url).searchParams.get('redirect_uri')!;
    expect(sent).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(sent).not.toBe(glew.redirectUri);
    // What the browser gets: glewlwyd refuses an unregistered redirect URI (no login page, no callback).
    const refused = await fetch(url, { redirect: 'manual' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    await refused.arrayBuffer();
    const res = await cli.exited;
    expect(res.code).toBe(1);
    expectOneErrorLine(res, /^oauthcli: no answer from the browser within 3 s/);
    const port = new URL(sent).port;
    expect(res.stderr).toContain(`The browser never came back to ${sent}. Likely causes:`);
    expect(res.stderr).toContain(`refused the redirect URI (an error page in the browser): servers that compare it exactly need a fixed port (oauthcli provider set glew --redirect-port ${port}), then register exactly ${sent} for the client ${glew.publicClient.clientId}`);
    expect(res.stderr).toMatch(/- the browser page was closed, or the sign-in there was not finished/);

    // The advice works: with that setting (and the URI registered) the same port is used.
    const set = await w.cli(['provider', 'set', 'glew', '--redirect-port', String(glew.redirectPort)]);
    expect(set.code, set.stderr).toBe(0);
    await browserLogin('glew');
  });

  it('the fixed port in use by another program: one clear line, exit 1, before any browser opens', async () => {
    await add('glew', ['--client-id', glew.publicClient.clientId, '--redirect-port', String(glew.redirectPort)]);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(glew.redirectPort, '127.0.0.1', resolve));
    try {
      const res = await w.cli(['login', 'glew', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
      expect(res.code).toBe(1);
      expectOneErrorLine(res, new RegExp(`port ${glew.redirectPort} on 127\\.0\\.0\\.1, which the redirect URI ${glew.redirectUri.replace(/\./g, '\\.')} needs, is in use by another program: close that program, or choose another port \\(oauthcli provider set glew --redirect-port \\d+\\)`));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});

describe('glewlwyd, confidential client', () => {
  it('device flow (the user code entered in Chromium), whoami, token, refresh, revoke that glewlwyd confirms', async () => {
    await add('glewc', ['--client-id', glew.confidentialClient.clientId, '--client-secret-stdin', '--redirect-port', String(glew.redirectPort)], glew.confidentialClient.clientSecret);
    const cli = w.start(['login', 'glewc', '--device', '--no-browser']);
    const { userCode, verificationUri } = await deviceCodeFrom(cli);
    await enterUserCode(await newPage(), verificationUri, userCode, glew.user);
    const res = await cli.exited;
    expect(res.code, `${res.stderr}\n${glew.log()}`).toBe(0);

    const who = await w.cli(['whoami', 'glewc', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'glewc', email: glew.user.email, name: glew.user.name });
    const key = Object.keys(w.config().accounts)[0]!;
    const first = (await w.stored(key))!;
    const token = await w.cli(['token', 'glewc']);
    expect(token.stdout.trim()).toBe(first.accessToken);

    const refresh = await w.cli(['refresh', 'glewc']);
    expect(refresh.code, refresh.stderr).toBe(0);
    const second = (await w.stored(key))!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await glew.isActive(first.refreshToken!, 'refresh_token')).toBe(false);

    const revoke = await w.cli(['revoke', 'glewc']);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(lastLine(revoke)).toMatch(/✓ Revoked the token at glewc/);
    expect(await glew.isActive(second.accessToken)).toBe(false);
    expect(await glew.isActive(second.refreshToken!, 'refresh_token')).toBe(false);
    expect(w.config().accounts).toEqual({});
  });

  it('browser flow with the fixed port, then logout revokes at glewlwyd', async () => {
    await add('glewc', ['--client-id', glew.confidentialClient.clientId, '--client-secret-stdin', '--redirect-port', String(glew.redirectPort)], glew.confidentialClient.clientSecret);
    await browserLogin('glewc');
    const key = Object.keys(w.config().accounts)[0]!;
    const tokens = (await w.stored(key))!;
    const logout = await w.cli(['logout', 'glewc']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toMatch(/✓ The token was revoked at glewc/);
    expect(await glew.isActive(tokens.accessToken)).toBe(false);
    expect(await glew.accessTokenWorks(tokens.accessToken)).toBe(false);
  });
});
