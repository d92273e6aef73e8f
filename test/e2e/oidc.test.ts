// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Any OpenID Connect issuer added with `oauthcli provider add`, end to end against a REAL
// authorization server (oidc-provider): discovery, the browser flow in a real Chromium (Debian's,
// never a downloaded one), the device flow, the automatic choice, refresh with rotation, RFC 7009
// revocation, and the provider commands themselves.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { chromiumForFile } from '../support/chromium.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.js';
import { blockExternalRequests, completeLoginAndConsent, enterDeviceCode, startOidcProvider, type OidcServer } from '../support/oidc-server.js';
import { filesContaining } from '../support/cli.js';
import { expectExpiresIn } from '../support/expiry.js';
import { deviceCodeFrom, expectOneErrorLine, makeWorld, WAIT_MS, type CliWorld } from './provider-harness.js';

const { newPage } = chromiumForFile({
  timeoutMs: WAIT_MS,
  // oidc-provider's pages import a web font: nothing leaves the machine.
  prepare: blockExternalRequests,
});

let server: OidcServer;
let w: CliWorld;
beforeEach(async () => {
  server = await startOidcProvider();
  w = makeWorld();
});
afterEach(async () => {
  await w.close();
  await server.close();
});

const keyFor = (login: string) => `corp:${server.host}:${login}`;

async function addCorp(extra: string[] = []): Promise<void> {
  const res = await w.cli(['provider', 'add', 'corp', '--issuer', server.issuer, '--client-id', server.clientId, ...extra]);
  expect(res.code, res.stderr).toBe(0);
}

/** A quick browser-flow sign-in for tests about what comes after it (fetch, no Chromium). */
async function signInQuickly(login = 'alice'): Promise<void> {
  const cli = w.start(['login', 'corp', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
  const url = await w.openedUrl(cli);
  await server.simulateBrowser(url, { login });
  const res = await cli.exited;
  expect(res.code, res.stderr).toBe(0);
}

/** A direct refresh-token grant, as an attacker holding an old refresh token would try. */
async function refreshDirectly(refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: server.clientId }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('login to an added OpenID Connect provider', () => {
  it('--web in Chromium: login and consent pages, exit 0, whoami and status show the user, the token is in the keychain only', async () => {
    await addCorp();
    const cli = w.start(['login', 'corp', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const url = await w.openedUrl(cli);

    // Discovery gave the authorize endpoint; the request is PKCE S256 with a nonce.
    const authorize = new URL(url);
    expect(authorize.origin).toBe(server.issuer);
    const q = authorize.searchParams;
    expect(q.get('client_id')).toBe(server.clientId);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const page = await newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await completeLoginAndConsent(page, 'alice', { timeoutMs: WAIT_MS });
    // Back on the CLI's loopback listener, which says so.
    await page.getByText('You may close this tab').waitFor();

    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`Signed in to ${server.host} as alice`);
    expect(server.grants.authorization_code).toBe(1);
    expect(server.serverErrors).toEqual([]);

    // The tokens: in the keychain, live at the server, and nowhere else.
    const set = (await w.stored(keyFor('alice')))!;
    expect(set).toBeDefined();
    expect(set.tokenType).toBe('bearer');
    expect(set.refreshToken).toEqual(expect.any(String));
    const introspection = await server.introspect(set.accessToken);
    expect(introspection).toMatchObject({ active: true, sub: 'alice', client_id: server.clientId });
    for (const secret of [set.accessToken, set.refreshToken!]) {
      expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
      expect(res.stderr).not.toContain(secret);
    }
    expect(w.config().accounts[keyFor('alice')]).toMatchObject({ provider: 'corp', host: server.host, login: 'alice', id: 'alice', storage: 'keychain' });

    // whoami: preferred_username and the other claims, fetched live (userinfo).
    const userinfoBefore = server.requestCount('/me');
    const who = await w.cli(['whoami', 'corp', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stderr).toBe('');
    expect(JSON.parse(who.stdout)).toEqual({
      provider: 'corp',
      host: server.host,
      login: 'alice',
      id: 'alice',
      name: 'User alice',
      email: 'alice@example.com',
      url: null,
      scopes: expect.arrayContaining(['openid']),
      expiresAt: set.expiresAt,
    });
    expect(server.requestCount('/me')).toBe(userinfoBefore + 1);

    const status = await w.cli(['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([
      expect.objectContaining({ provider: 'corp', host: server.host, login: 'alice', active: true, storage: 'keychain', expiresAt: set.expiresAt }),
    ]);
  });

  it('--device --no-browser: the code and URL on stderr, Chromium enters the code, exit 0', async () => {
    await addCorp();
    const cli = w.start(['login', 'corp', '--device', '--no-browser'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const { userCode, verificationUri } = await deviceCodeFrom(cli);
    expect(verificationUri).toBe(`${server.issuer}/device`);

    const page = await newPage();
    await enterDeviceCode(page, verificationUri, userCode, 'bob', { timeoutMs: WAIT_MS });

    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`Signed in to ${server.host} as bob`);
    expect(server.grants[DEVICE_CODE_GRANT]).toBe(1);
    // --no-browser: nothing was opened.
    expect(existsSync(w.openedFile)).toBe(false);

    const set = (await w.stored(keyFor('bob')))!;
    expect((await server.introspect(set.accessToken)).active).toBe(true);
    const who = await w.cli(['whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'corp', login: 'bob', email: 'bob@example.com' });
  });

  it('plain `login corp` over SSH chooses the device flow, because the issuer advertises one', async () => {
    await addCorp();
    const cli = w.start(['login', 'corp'], { env: { SSH_CONNECTION: '192.0.2.10 50000 192.0.2.20 22', OAUTHCLI_BROWSER: w.browserCommand } });
    await cli.waitForStderr(/Using the device flow: this is an SSH session/, WAIT_MS);
    const { userCode } = await deviceCodeFrom(cli);
    // The browser gets the complete verification URI, which carries the code.
    const opened = await w.openedUrl(cli);
    expect(new URL(opened).searchParams.get('user_code')).toBe(userCode);

    const page = await newPage();
    await enterDeviceCode(page, opened, userCode, 'carol', { timeoutMs: WAIT_MS });
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(server.grants[DEVICE_CODE_GRANT]).toBe(1);
    expect(server.grants.authorization_code).toBeUndefined();
    expect(w.config().accounts[keyFor('carol')]).toBeDefined();
  });
});

describe('tokens of an OpenID Connect provider', () => {
  it('refresh rotates: new access and refresh tokens stored, the old refresh token is dead, `token` prints the new one', async () => {
    await addCorp();
    await signInQuickly();
    const before = (await w.stored(keyFor('alice')))!;
    expect(before.refreshToken).toEqual(expect.any(String));

    const sent = Date.now();
    const res = await w.cli(['refresh', 'corp']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^Refreshed the token for alice on ${server.host.replace(/\./g, '\\.')}: expires in`));
    expect(server.grants.refresh_token).toBe(1);

    const after = (await w.stored(keyFor('alice')))!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toEqual(expect.any(String));
    expect(after.refreshToken).not.toBe(before.refreshToken);
    // An hour (the provider's access token lifetime), counted in whole seconds from its own clock.
    expectExpiresIn(after.expiresAt, 3600, sent - 1000);
    for (const secret of [before.accessToken, after.accessToken, after.refreshToken!]) {
      expect(res.stdout + res.stderr).not.toContain(secret);
      expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
    }

    // At the server: the old refresh token is spent, the new tokens are live.
    expect((await server.introspect(before.refreshToken!, 'refresh_token')).active).toBe(false);
    expect(await server.introspect(after.accessToken)).toMatchObject({ active: true, sub: 'alice' });
    expect((await server.introspect(after.refreshToken!, 'refresh_token')).active).toBe(true);

    const token = await w.cli(['token', 'corp']);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe(`${after.accessToken}\n`);
    expect(token.stderr).toBe('');
    expect(server.grants.refresh_token).toBe(1);

    // Last, because oidc-provider answers a replayed refresh token by revoking the whole grant.
    const replay = await refreshDirectly(before.refreshToken!);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it("with oidc-provider's own refresh-token policy (offline_access needs prompt=consent), --prompt consent gets the browser login a refresh token; no prompt is sent unless asked", async () => {
    // OpenID Connect Core §11: without prompt=consent such an issuer drops offline_access and
    // issues no refresh token. Forcing consent for every issuer is wrong too (Entra's non-admins
    // get "Need admin approval"), so the prompt is a setting: provider add/set --prompt.
    const strict = await startOidcProvider({ alwaysIssueRefreshToken: false });
    try {
      const res0 = await w.cli(['provider', 'add', 'strict', '--issuer', strict.issuer, '--client-id', strict.clientId]);
      expect(res0.code, res0.stderr).toBe(0);
      const plain = w.start(['login', 'strict', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
      const plainUrl = new URL(await w.openedUrl(plain));
      expect(plainUrl.searchParams.get('scope')!.split(' ')).toContain('offline_access'); // oidc-provider lists it in scopes_supported
      expect(plainUrl.searchParams.has('prompt')).toBe(false);
      plain.kill('SIGINT');
      await plain.exited;

      const set0 = await w.cli(['provider', 'set', 'strict', '--prompt', 'consent']);
      expect(set0.code, set0.stderr).toBe(0);
      writeFileSync(w.openedFile, ''); // the stand-in browser's record of the first login
      const cli = w.start(['login', 'strict', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
      const url = await w.openedUrl(cli);
      const q = new URL(url).searchParams;
      expect(q.get('scope')!.split(' ')).toContain('offline_access');
      expect(q.get('prompt')).toBe('consent');
      await strict.simulateBrowser(url, { login: 'dave' });
      const res = await cli.exited;
      expect(res.code, res.stderr).toBe(0);

      const key = `strict:${strict.host}:dave`;
      const set = (await w.stored(key))!;
      expect(set.scopes).toContain('offline_access');
      expect(set.refreshToken).toEqual(expect.any(String));
      const refresh = await w.cli(['refresh', 'strict']);
      expect(refresh.code, refresh.stderr).toBe(0);
      expect(strict.grants.refresh_token).toBe(1);
      expect((await w.stored(key))!.refreshToken).not.toBe(set.refreshToken);
    } finally {
      await strict.close();
    }
  });

  it('revoke: exit 0, the tokens introspect inactive, the account is gone here', async () => {
    await addCorp();
    await signInQuickly();
    const set = (await w.stored(keyFor('alice')))!;

    const res = await w.cli(['revoke', 'corp']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Revoked the token at corp and signed out of ${server.host} as alice`);
    expect(server.requestCount('/token/revocation', 'POST')).toBeGreaterThanOrEqual(1);
    expect((await server.introspect(set.accessToken)).active).toBe(false);
    expect((await server.introspect(set.refreshToken!, 'refresh_token')).active).toBe(false);

    expect(await w.stored(keyFor('alice'))).toBeUndefined();
    expect(w.config().accounts).toEqual({});
    expect(JSON.parse((await w.cli(['status', '--json'])).stdout)).toEqual([]);
    const token = await w.cli(['token', 'corp']);
    expect(token.code).toBe(4);
  });
});

describe('a confidential client (client_secret_basic only)', () => {
  it('authenticates with HTTP Basic on the device, token, refresh and revocation endpoints, never with the secret in the body', async () => {
    const conf = server.confidentialClient!;
    const add = await w.cli(['provider', 'add', 'corp', '--issuer', server.issuer, '--client-id', conf.clientId, '--client-secret', conf.clientSecret]);
    expect(add.code, add.stderr).toBe(0);
    const cli = w.start(['login', 'corp', '--device', '--no-browser']);
    const { userCode } = await deviceCodeFrom(cli);
    await server.approveDevice(userCode, 'carol');
    const login = await cli.exited;
    expect(login.code, login.stderr).toBe(0);
    const stored = (await w.stored(keyFor('carol')))!;
    expect(await server.introspect(stored.accessToken)).toMatchObject({ active: true, client_id: conf.clientId });

    expect((await w.cli(['refresh', 'corp'])).code).toBe(0);
    const refreshed = (await w.stored(keyFor('carol')))!;
    expect(refreshed.accessToken).not.toBe(stored.accessToken);
    const revoke = await w.cli(['revoke', 'corp']);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect((await server.introspect(refreshed.accessToken)).active).toBe(false);

    const basic = `Basic ${Buffer.from(`${conf.clientId}:${conf.clientSecret}`).toString('base64')}`;
    const authenticated = server.requests.filter((r) => ['/device/auth', '/token', '/token/revocation'].includes(r.path) && r.authorization === basic);
    expect(new Set(authenticated.map((r) => r.path))).toEqual(new Set(['/device/auth', '/token', '/token/revocation']));
    for (const secret of [conf.clientSecret, stored.accessToken]) expect(login.stderr + revoke.stderr).not.toContain(secret);
    expect(filesContaining(w.sandbox.configDir, stored.accessToken)).toEqual([]);
  });
});

describe('provider add, list, remove', () => {
  it('refuses a plain-http issuer that is not loopback (exit 2), lists corp, and removes it only once no account uses it', async () => {
    const insecure = await w.cli(['provider', 'add', 'evil', '--issuer', 'http://idp.example.com', '--client-id', 'x']);
    expect(insecure.code).toBe(2);
    expectOneErrorLine(insecure, /^oauthcli: .*https.*http:\/\/idp\.example\.com/);
    expect(w.config().providers).toEqual({});

    await addCorp();
    const list = await w.cli(['provider', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^corp\\s+openid-connect\\s+${server.issuer.replace(/\./g, '\\.')}$`, 'm'));
    expect(list.stdout).not.toMatch(/evil/);
    const listJson = JSON.parse((await w.cli(['provider', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(listJson).toContainEqual({ name: 'corp', kind: 'openid-connect', issuer: server.issuer, clientId: server.clientId });
    expect(listJson.map((p) => p.name)).toEqual(['github', 'google', 'gitlab', 'entra', 'corp']);

    await signInQuickly();
    const refused = await w.cli(['provider', 'remove', 'corp']);
    expect(refused.code).toBe(2);
    expectOneErrorLine(refused, /^oauthcli: .*corp.*oauthcli logout corp/);
    expect(w.config().providers.corp).toBeDefined();

    const set = (await w.stored(keyFor('alice')))!;
    const logout = await w.cli(['logout', 'corp']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toMatch(/revoked at corp/);
    expect((await server.introspect(set.accessToken)).active).toBe(false);

    const removed = await w.cli(['provider', 'remove', 'corp']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(w.config().providers.corp).toBeUndefined();
    expect((await w.cli(['provider', 'list'])).stdout).not.toMatch(/^corp/m);
    const login = await w.cli(['login', 'corp', '--device', '--no-browser']);
    expect(login.code).toBe(2);
    expectOneErrorLine(login, /unknown provider 'corp'/);
  });
});

describe('issuers as their specifications say they are', () => {
  it('an issuer whose identifier ends in "/" (Auth0, Authentik) can be added and signed in to; discovery compares it exactly', async () => {
    const slashed = await startOidcProvider({ trailingSlash: true });
    try {
      expect(slashed.issuer).toMatch(/\/$/);
      const add = await w.cli(['provider', 'add', 'tenant', '--issuer', slashed.issuer, '--client-id', slashed.clientId]);
      expect(add.code, add.stderr).toBe(0);
      expect(w.config().providers.tenant).toMatchObject({ issuer: slashed.issuer });
      // The same issuer without its "/" is another identifier: refused, with the one to use.
      const bare = await w.cli(['provider', 'add', 'other', '--issuer', slashed.issuer.slice(0, -1), '--client-id', 'x']);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toContain(`names another issuer (${slashed.issuer}); if that is the issuer you mean, use --issuer ${slashed.issuer}`);
      const cli = w.start(['login', 'tenant', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
      await slashed.simulateBrowser(await w.openedUrl(cli), { login: 'alice' });
      const res = await cli.exited;
      expect(res.code, res.stderr).toBe(0);
      const who = await w.cli(['whoami', 'tenant', '--json']);
      expect(JSON.parse(who.stdout)).toMatchObject({ login: 'alice', id: 'alice' });
    } finally {
      await slashed.close();
    }
  });

  it('RFC 9207: the issuer advertises authorization_response_iss_parameter_supported, so a callback without iss is refused (400) and the CLI keeps waiting', async () => {
    await addCorp();
    const cli = w.start(['login', 'corp', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const { location } = await server.simulateBrowser(await w.openedUrl(cli), { login: 'alice', followRedirect: false });
    const real = new URL(location);
    expect(real.searchParams.get('iss')).toBe(server.issuer);
    const stripped = new URL(real);
    stripped.searchParams.delete('iss');
    const refused = await fetch(stripped);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('another authorization server');
    expect(cli.child.exitCode).toBeNull();
    // The real callback, with iss, still signs in.
    expect((await fetch(real)).status).toBe(200);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
  });

  it('accounts are keyed by the issuer\'s subject (OIDC Core §5.7): a renamed preferred_username signs in to the same account', async () => {
    let username = 'alice';
    const renamable = await startOidcProvider({ claimsFor: () => ({ preferred_username: username, email: `${username}@example.com` }) });
    try {
      const add = await w.cli(['provider', 'add', 'corp2', '--issuer', renamable.issuer, '--client-id', renamable.clientId]);
      expect(add.code, add.stderr).toBe(0);
      for (const name of ['alice', 'alice-renamed']) {
        username = name;
        const cli = w.start(['login', 'corp2', '--web'], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
        await renamable.simulateBrowser(await w.openedUrl(cli), { login: 'subject-42' });
        const res = await cli.exited;
        expect(res.code, res.stderr).toBe(0);
        expect(res.stderr).toContain(`as ${name}`);
        rmSync(w.openedFile, { force: true });
      }
      const accounts = Object.values(w.config().accounts).filter((a) => a.provider === 'corp2');
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({ key: `corp2:${renamable.host}:subject-42`, login: 'alice-renamed', id: 'subject-42' });
      expect(await w.stored(`corp2:${renamable.host}:subject-42`)).toBeDefined();
    } finally {
      await renamable.close();
    }
  });
});
