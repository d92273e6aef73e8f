// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Google, end to end against a local fake with Google's documented shapes (discovery, the
// "Desktop app" client that needs its secret, access_type=offline, non-rotating refresh tokens,
// HTTP 428 authorization_pending, verification_url, 400 invalid_grant / invalid_token), reached
// with --hostname 127.0.0.1:PORT. ID tokens are checked: forged ones are refused.
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pkceChallenge, startFakeGoogle, type FakeGoogle, type ForgeIdToken } from '../support/google-server.js';
import { filesContaining, type CliResult } from '../support/cli.js';
import { until } from '../support/until.js';
import { expectOneErrorLine, makeWorld, WAIT_MS, type CliWorld } from './provider-harness.js';

let server: FakeGoogle;
let w: CliWorld;
beforeEach(async () => {
  server = await startFakeGoogle();
  w = makeWorld({ OAUTHCLI_GOOGLE_CLIENT_ID: server.options.clientId, OAUTHCLI_GOOGLE_CLIENT_SECRET: server.options.clientSecret });
});
afterEach(async () => {
  await w.close();
  await server.close();
});

const USER = { sub: '110248495921238986420', email: 'alice@example.com', name: 'Alice Example' };
// OpenID Connect accounts are keyed by the issuer's subject (OIDC Core §5.7), not the e-mail.
const key = () => `google:${server.host}:${USER.sub}`;
const GRANTED_SCOPES = ['https://www.googleapis.com/auth/userinfo.email', 'https://www.googleapis.com/auth/userinfo.profile', 'openid'];

/** `login google --web`: the stand-in browser records the URL, the fake's consent page is "clicked" with fetch. */
async function webLogin(): Promise<{ res: CliResult; url: string }> {
  const cli = w.start(['login', 'google', '--web', '--hostname', server.host], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
  const url = await w.openedUrl(cli);
  await server.simulateBrowser(url);
  return { res: await cli.exited, url };
}

async function expectNothingStored(): Promise<void> {
  expect(await w.stored(key())).toBeUndefined();
  expect(w.config().accounts).toEqual({});
}

describe('login google --web', () => {
  it('asks for offline access with a nonce, PKCE S256 and the default scopes; whoami comes from the ID token and userinfo', async () => {
    const { res, url } = await webLogin();
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`Signed in to ${server.host} as ${USER.email}`);

    // The authorization request, as Google saw it.
    expect(url.startsWith(`${server.url}/o/oauth2/v2/auth?`)).toBe(true);
    expect(server.authorizeRequests).toHaveLength(1);
    const ar = server.authorizeRequests[0]!;
    expect(ar).toMatchObject({ client_id: server.options.clientId, response_type: 'code', access_type: 'offline', code_challenge_method: 'S256' });
    expect(ar.scope).toBe('openid email profile');
    expect(ar.nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(ar.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ar.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    // The exchange: the desktop client's secret, the PKCE verifier; a refresh token came back.
    expect(server.grants).toHaveLength(1);
    const grant = server.grants[0]!;
    expect(grant).toMatchObject({ grant_type: 'authorization_code', pkce: true, client_secret_sent: true, email: USER.email });
    const exchange = server.requests.find((r) => r.path === '/token')!;
    expect(pkceChallenge(exchange.body.code_verifier!)).toBe(ar.code_challenge);
    expect(grant.refresh_token).toEqual(expect.any(String));
    // The ID token was checked against the issuer's keys.
    expect(server.requestCount('/oauth2/v3/certs', 'GET')).toBe(1);

    const set = (await w.stored(key()))!;
    expect(set).toMatchObject({ accessToken: grant.access_token, refreshToken: grant.refresh_token, tokenType: 'bearer', scopes: GRANTED_SCOPES });
    for (const secret of [grant.access_token, grant.refresh_token!, grant.id_token!, server.options.clientSecret]) {
      expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
      expect(res.stderr).not.toContain(secret);
    }
    expect(w.config().accounts[key()]).toMatchObject({ provider: 'google', host: server.host, login: USER.email, id: USER.sub, storage: 'keychain' });

    const who = await w.cli(['whoami', 'google', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toEqual({
      provider: 'google',
      host: server.host,
      login: USER.email,
      id: USER.sub,
      name: USER.name,
      email: USER.email,
      url: null,
      scopes: GRANTED_SCOPES,
      expiresAt: set.expiresAt,
    });
    expect(server.requestCount('/v1/userinfo')).toBe(2);
    const text = await w.cli(['whoami']);
    expect(text.stdout).toMatch(/^Login:\s+alice@example\.com$/m);
    expect(text.stdout).toMatch(/^Host:\s+127\.0\.0\.1:\d+ \(Google\)$/m);
  });

  it('without a client secret, --web is a usage error (exit 2) that names the variable', async () => {
    const res = await w.cli(['login', 'google', '--web', '--hostname', server.host], { env: { OAUTHCLI_GOOGLE_CLIENT_SECRET: '' } });
    expect(res.code).toBe(2);
    expectOneErrorLine(res, /OAUTHCLI_GOOGLE_CLIENT_SECRET/);
    expect(server.requests).toEqual([]);
  });

  it.each<[ForgeIdToken, RegExp]>([
    ['wrong-aud', /another client \(aud\)/],
    ['bad-signature', /signature/],
    ['expired', /expired/],
    ['wrong-nonce', /nonce/],
  ])('refuses an ID token with %s: exit 1, one line about the ID token, nothing stored', async (forge, reason) => {
    server.setOptions({ forgeIdToken: forge });
    const { res } = await webLogin();
    expect(res.code).toBe(1);
    // Named by the issuer the user asked for, not by a list of the spellings Google may sign with.
    expectOneErrorLine(res, new RegExp(`^oauthcli: the ID token from ${server.url.replace(/\./g, '\\.')} is not valid: `));
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(reason);
    expect(res.stderr).not.toContain('Signed in');
    // The token exchange did happen; nothing of it was kept.
    expect(server.grants).toHaveLength(1);
    for (const secret of [server.grants[0]!.access_token, server.grants[0]!.refresh_token!, server.grants[0]!.id_token!]) {
      expect(res.stderr).not.toContain(secret);
      expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
    }
    await expectNothingStored();
  });
});

describe('login google --device', () => {
  it('reads verification_url, polls through HTTP 428 authorization_pending at the interval, exit 0', async () => {
    server.setDevice({ outcome: 'manual' });
    // Google's device flow takes a client of its own type ("TVs and Limited Input devices").
    const cli = w.start(['login', 'google', '--device', '--no-browser', '--hostname', server.host], {
      env: { OAUTHCLI_GOOGLE_DEVICE_CLIENT_ID: server.options.deviceClientId, OAUTHCLI_GOOGLE_DEVICE_CLIENT_SECRET: server.options.deviceClientSecret },
    });
    const [, userCode] = await cli.waitForStderr(/one-time code: (\S+)/, WAIT_MS);
    // Google's device response names it verification_url (not RFC 8628's verification_uri).
    await cli.waitForStderr(new RegExp(`Open this URL to continue in your web browser: ${server.url}/device\\s`), WAIT_MS);
    // The user approves on Google's page while the CLI polls.
    const code = server.deviceCodes[0]!;
    expect(code.user_code).toBe(userCode);
    await until(() => code.polls.length >= 1, 'the first device poll', WAIT_MS);
    server.approveDevice(undefined, userCode);

    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Signed in to ${server.host} as ${USER.email}`);
    expect(code.polls[0]!.result).toBe('authorization_pending');
    expect(code.polls.at(-1)!.result).toBe('success');
    expect(server.earlyPolls).toEqual([]);
    // Desktop-type clients send their secret on every token request.
    const deviceReq = server.requests.find((r) => r.path === '/device/code')!;
    expect(deviceReq.body).toMatchObject({ client_id: server.options.deviceClientId, scope: 'openid email profile' });
    expect(server.grants).toHaveLength(1);
    expect(server.grants[0]).toMatchObject({ grant_type: 'device_code', client_secret_sent: true });
    // The device grant's ID token was checked too.
    expect(server.requestCount('/oauth2/v3/certs', 'GET')).toBe(1);

    const set = (await w.stored(key()))!;
    expect(set.accessToken).toBe(server.grants[0]!.access_token);
    const who = await w.cli(['whoami', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'google', login: USER.email, id: USER.sub });
  });
});

describe("Google's two kinds of client (issue: decide before showing a code)", () => {
  it('--device without a "TVs and Limited Input devices" client: exit 2 at once, one line saying what Google needs, no code shown', async () => {
    const res = await w.cli(['login', 'google', '--device', '--no-browser', '--hostname', server.host]);
    expect(res.code).toBe(2);
    expectOneErrorLine(res, /device flow needs an OAuth client of type "TVs and Limited Input devices".*OAUTHCLI_GOOGLE_DEVICE_CLIENT_ID/);
    expect(res.stderr).not.toMatch(/one-time code/);
    expect(server.requestCount('/device/code')).toBe(0);
  });

  it('over SSH with only the desktop client, the automatic choice is the browser flow (pasted back), never a code that cannot work', async () => {
    const cli = w.start(['login', 'google', '--hostname', server.host], { env: { SSH_CONNECTION: '10.0.0.1 5555 10.0.0.2 22' } });
    const [, url] = await cli.waitForStderr(/Open this URL in your browser to sign in: (\S+)/, WAIT_MS);
    expect(cli.stderr()).toMatch(/Using the browser flow: the provider offers no device flow/);
    const landed = await server.simulateBrowser(url!, { followRedirect: false });
    cli.write(`${landed.location}\n`);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(server.requestCount('/device/code')).toBe(0);
  });

  it('an account signed in with the device client refreshes with that client', async () => {
    const env = { OAUTHCLI_GOOGLE_DEVICE_CLIENT_ID: server.options.deviceClientId, OAUTHCLI_GOOGLE_DEVICE_CLIENT_SECRET: server.options.deviceClientSecret };
    server.setDevice({ pendingPolls: 0 });
    const login = await w.cli(['login', 'google', '--device', '--no-browser', '--hostname', server.host], { env });
    expect(login.code, login.stderr).toBe(0);
    expect(w.config().accounts[key()]).toMatchObject({ client: 'device' });
    const res = await w.cli(['refresh', 'google'], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(server.grants.at(-1)).toMatchObject({ grant_type: 'refresh_token', client_id: server.options.deviceClientId });
  });
});

describe('consent only when needed (prompt=consent mints a new refresh token every time; Google keeps only so many)', () => {
  it('a desktop client gets a refresh token without prompt=consent, every time', async () => {
    for (let i = 0; i < 2; i++) {
      const { res } = await webLogin();
      expect(res.code, res.stderr).toBe(0);
      rmSync(w.openedFile, { force: true });
    }
    expect(server.authorizeRequests.map((a) => a.prompt)).toEqual([undefined, undefined]);
    expect(server.grants.every((g) => typeof g.refresh_token === 'string')).toBe(true);
  });

  it('a client that got no refresh token (authorized before) asks once more, with the consent screen', async () => {
    server.setOptions({ clientType: 'web' });
    expect((await webLogin()).res.code).toBe(0);
    rmSync(w.openedFile, { force: true });
    // The second sign-in of the same user: Google sends no refresh token without consent.
    const cli = w.start(['login', 'google', '--web', '--hostname', server.host], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const first = await w.openedUrl(cli);
    await server.simulateBrowser(first);
    await cli.waitForStderr(/sent no refresh token .*asking again with the consent screen/, WAIT_MS);
    await until(() => w.openedUrls().length >= 2, 'a second URL opened', WAIT_MS);
    const urls = w.openedUrls();
    await server.simulateBrowser(urls[1]!);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(server.authorizeRequests.map((a) => a.prompt)).toEqual([undefined, undefined, 'consent']);
    expect((await w.stored(key()))!.refreshToken).toEqual(server.grants.at(-1)!.refresh_token);
  });
});

describe('Google tokens', () => {
  it('refresh: a new access token, the same refresh token (Google does not rotate), which still works', async () => {
    expect((await webLogin()).res.code).toBe(0);
    const before = (await w.stored(key()))!;
    const res = await w.cli(['refresh', 'google']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Refreshed the token for alice@example\.com on 127\.0\.0\.1:\d+: expires in/);

    const refreshes = server.grants.filter((g) => g.grant_type === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.client_secret_sent).toBe(true);
    const after = (await w.stored(key()))!;
    expect(after.accessToken).toBe(refreshes[0]!.access_token);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
    expect(after.scopes).toEqual(GRANTED_SCOPES);
    expect(server.isRefreshTokenValid(after.refreshToken!)).toBe(true);
    expect(server.isTokenValid(after.accessToken)).toBe(true);

    // And it keeps working.
    expect((await w.cli(['refresh', 'google'])).code).toBe(0);
    expect(server.grants.filter((g) => g.grant_type === 'refresh_token')).toHaveLength(2);
    expect((await w.stored(key()))!.refreshToken).toBe(before.refreshToken);
    const token = await w.cli(['token']);
    expect(token.stdout).toBe(`${server.grants.at(-1)!.access_token}\n`);
  });

  it("revoke: at Google's revoke endpoint, then forgotten here", async () => {
    expect((await webLogin()).res.code).toBe(0);
    const set = (await w.stored(key()))!;
    const res = await w.cli(['revoke', 'google']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Revoked the token at Google and signed out of ${server.host} as ${USER.email}`);
    // The refresh token first, which ends the whole grant; Google then answers the access token's
    // revocation with 400 invalid_token, which for us means revoked too.
    const revokeRequests = server.requests.filter((r) => r.path === '/revoke');
    expect(revokeRequests.map((r) => r.body.token)).toEqual([set.refreshToken, set.accessToken]);
    expect(server.revocations.map((r) => [r.via, r.token])).toEqual([['api', set.refreshToken]]);
    expect(server.isRefreshTokenValid(set.refreshToken!)).toBe(false);
    expect(server.isTokenValid(set.accessToken)).toBe(false);
    expect(await w.stored(key())).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });

  it('a refresh token Google revoked: invalid_grant → exit 4, the account is marked needsLogin, nothing overwritten', async () => {
    expect((await webLogin()).res.code).toBe(0);
    const before = (await w.stored(key()))!;
    // The user removed the app at myaccount.google.com/connections.
    server.revokeToken(before.refreshToken!);

    const res = await w.cli(['refresh', 'google']);
    expect(res.code).toBe(4);
    expectOneErrorLine(res, new RegExp(`^oauthcli: .*expired.*oauthcli login google --hostname ${server.host.replace(/\./g, '\\.')}$`));
    expect(server.requests.filter((r) => r.path === '/token').at(-1)!.body.grant_type).toBe('refresh_token');
    expect(w.config().accounts[key()]!.needsLogin).toBe(true);
    expect(await w.stored(key())).toEqual(before);

    // Every later command says so at once, without asking Google again.
    const tokenRequests = server.requestCount('/token');
    const token = await w.cli(['token', 'google']);
    expect(token.code).toBe(4);
    expect(server.requestCount('/token')).toBe(tokenRequests);
    const status = JSON.parse((await w.cli(['status', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(status[0]).toMatchObject({ provider: 'google', needsLogin: true });
  });
});

describe("Google's error answers", () => {
  it('userinfo answers 401 "Invalid Credentials" for a token Google revoked: whoami exits 4 and says to sign in again', async () => {
    expect((await webLogin()).res.code).toBe(0);
    const set = (await w.stored(key()))!;
    server.revokeToken(set.accessToken);
    const res = await w.cli(['whoami', 'google']);
    expect(res.code).toBe(4);
    expectOneErrorLine(res, new RegExp(`^oauthcli: ${server.host.replace(/\./g, '\\.')} no longer accepts the stored token\\. Run: oauthcli login google --hostname ${server.host.replace(/\./g, '\\.')}$`));
    expect(res.stderr).not.toContain(set.accessToken);
  });
});
