// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Microsoft Entra ID, end to end through the built CLI against the fake Entra
// (test/support/entra-server.ts, Microsoft's documented behaviour), reached with
// --hostname 127.0.0.1:PORT: the browser flow in a real Chromium and the device flow, the
// templated multi-tenant issuer, identity from the ID token for a token of another API,
// refresh replacing the ID token, `api /me` against Graph, and honest sign-out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chromiumForFile } from '../support/chromium.js';
import { filesContaining } from '../support/cli.js';
import { ARM_SCOPE, DEFAULT_TENANT, startFakeEntra, type FakeEntra } from '../support/entra-server.js';
import { expectOneErrorLine, makeWorld, WAIT_MS, type CliWorld } from './provider-harness.js';

const { newPage } = chromiumForFile({ timeoutMs: WAIT_MS });

let server: FakeEntra;
let w: CliWorld;
beforeEach(async () => {
  server = await startFakeEntra();
  w = makeWorld({ OAUTHCLI_ENTRA_CLIENT_ID: server.options.clientId });
});
afterEach(async () => {
  await w.close();
  await server.close();
});

const USER = { sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', tid: DEFAULT_TENANT, login: 'meganb@contoso.onmicrosoft.com', name: 'Megan Bowen' };
const key = () => `entra:${server.host}:${USER.tid}/${USER.sub}`;

/** `login entra --web`: Chromium opens the URL the CLI gave the stand-in browser and accepts on the fake's consent page. */
async function webLogin(extra: string[] = []) {
  const cli = w.start(['login', 'entra', '--web', '--hostname', server.host, ...extra], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
  const url = await w.openedUrl(cli);
  const redirectUri = new URL(url).searchParams.get('redirect_uri')!;
  const page = await newPage();
  await page.goto(url);
  await page.locator('#authorize').waitFor();
  await Promise.all([page.waitForURL((u) => u.href.startsWith(`${redirectUri}?`), { waitUntil: 'load' }), page.click('#authorize')]);
  await page.getByText('You may close this tab').waitFor();
  return { res: await cli.exited, url };
}

/** `login entra --device`: the user approves on the fake's page while the CLI polls. */
async function deviceLogin(extra: string[] = []) {
  const cli = w.start(['login', 'entra', '--device', '--no-browser', '--hostname', server.host, ...extra]);
  const [, userCode] = await cli.waitForStderr(/one-time code: (\S+)/, WAIT_MS);
  server.approveDevice(undefined, userCode);
  return cli.exited;
}

describe('login entra --web (Chromium)', () => {
  it('public client with PKCE, no secret, no forced consent; the ID token goes to the keychain only; whoami and api /me use Graph', async () => {
    const { res, url } = await webLogin();
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Signed in to ${server.host} as ${USER.login}`);
    expect(url.startsWith(`${server.url}/organizations/oauth2/v2.0/authorize?`)).toBe(true);
    const ar = server.authorizeRequests[0]!;
    expect(ar).toMatchObject({ tenant: 'organizations', scope: 'openid profile email offline_access User.Read', code_challenge_method: 'S256' });
    expect(ar.prompt).toBeUndefined();
    expect(ar.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const grant = server.grants[0]!;
    expect(grant).toMatchObject({ grant_type: 'authorization_code', pkce: true, client_secret_sent: false, resource: 'https://graph.microsoft.com' });

    const set = await w.stored(key());
    expect(set).toMatchObject({ accessToken: grant.access_token, refreshToken: grant.refresh_token, idToken: grant.id_token });
    for (const secret of [grant.access_token, grant.refresh_token!, grant.id_token!]) {
      expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
      expect(res.stderr).not.toContain(secret);
    }
    expect(w.config().accounts[key()]).toMatchObject({ provider: 'entra', host: server.host, login: USER.login, id: USER.sub, tenant: USER.tid });

    const who = await w.cli(['whoami', 'entra', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'entra', login: USER.login, id: USER.sub, name: USER.name, email: 'meganb@contoso.com', tenant: USER.tid });

    const me = await w.cli(['api', 'entra', '/me']);
    expect(me.code, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ displayName: USER.name, userPrincipalName: USER.login });
  });

  it('an ID token whose iss names another tenant than its tid is refused: exit 1, one line, nothing stored', async () => {
    server.setOptions({ forgeIdToken: 'iss-other-tenant' });
    const { res } = await webLogin();
    expect(res.code).toBe(1);
    expectOneErrorLine(res, /the ID token from .* is not valid: it comes from another issuer \(iss\)/);
    expect(await w.stored(key())).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });
});

describe('login entra --device, a token for Azure Resource Manager', () => {
  it('asks for ARM without Graph\'s User.Read; whoami takes who signed in from the ID token, since Graph\'s userinfo serves Graph tokens only; token prints it', async () => {
    const res = await deviceLogin(['-s', ARM_SCOPE]);
    expect(res.code, res.stderr).toBe(0);
    const poll = server.requests.find((r) => r.path === '/organizations/oauth2/v2.0/devicecode')!;
    expect(poll.body.scope).toBe(`openid profile email offline_access ${ARM_SCOPE}`);
    expect(server.grants[0]).toMatchObject({ grant_type: 'device_code', resource: 'https://management.azure.com' });

    const who = await w.cli(['whoami', 'entra', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ login: USER.login, id: USER.sub, name: USER.name, tenant: USER.tid });
    // Graph's userinfo (which answers 401 to an ARM token) is not asked.
    expect(server.requestCount('/oidc/userinfo')).toBe(0);
    const status = await w.cli(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([{ provider: 'entra', login: USER.login, valid: null }]);

    const token = await w.cli(['token', 'entra']);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toBe(server.grants[0]!.access_token);
  });

  it('scopes of two APIs in one request: Entra\'s AADSTS28000, explained in one line (exit 1)', async () => {
    const res = await w.cli(['login', 'entra', '--device', '--no-browser', '--hostname', server.host, '-s', `User.Read,${ARM_SCOPE}`]);
    expect(res.code).toBe(1);
    expectOneErrorLine(res, /more than one resource \(AADSTS28000\)\. An access token is for one API; sign in once per API/);
  });

  it('--tenant takes a tenant id or domain: anything else is a usage error before any request', async () => {
    const res = await w.cli(['login', 'entra', '--device', '--hostname', server.host, '--tenant', '../evil']);
    expect(res.code).toBe(2);
    expectOneErrorLine(res, /invalid --tenant '\.\.\/evil'/);
    expect(server.requests).toEqual([]);
  });
});

describe('refresh and sign-out', () => {
  it('a token close to expiry is refreshed: the rotated refresh token and the new, validated ID token replace the old ones', async () => {
    // Access tokens that expire within the 5-minute margin: every use refreshes first.
    server.setOptions({ tokenLifetime: 120 });
    expect((await deviceLogin()).code).toBe(0);
    const first = (await w.stored(key()))!;
    const token = await w.cli(['token', 'entra']);
    expect(token.code, token.stderr).toBe(0);
    const refresh = server.grants.at(-1)!;
    expect(refresh.grant_type).toBe('refresh_token');
    expect(token.stdout.trim()).toBe(refresh.access_token);
    const after = (await w.stored(key()))!;
    expect(after).toMatchObject({ accessToken: refresh.access_token, refreshToken: refresh.refresh_token, idToken: refresh.id_token });
    expect(after.idToken).not.toBe(first.idToken);
    expect(after.refreshToken).not.toBe(first.refreshToken);
    expect(filesContaining(w.sandbox.root, refresh.id_token!)).toEqual([]);
  });

  it('revoke exits 1 saying Entra has no revocation endpoint and where sessions end; logout forgets locally and says the same', async () => {
    expect((await deviceLogin()).code).toBe(0);
    const revoke = await w.cli(['revoke', 'entra']);
    expect(revoke.code).toBe(1);
    expectOneErrorLine(revoke, /no revocation endpoint.*https:\/\/myaccount\.microsoft\.com.*Revoke-MgUserSignInSession/);
    expect(await w.stored(key())).toBeDefined();

    const logout = await w.cli(['logout', 'entra']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toContain(`Signed out of ${server.host} as ${USER.login}`);
    expect(logout.stderr).toMatch(/not revoked: .*no revocation endpoint.*https:\/\/myaccount\.microsoft\.com/);
    expect(await w.stored(key())).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });
});
