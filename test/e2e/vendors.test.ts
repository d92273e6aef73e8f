// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Auth0 and Amazon Cognito as their documentation describes them (test/support/vendor-oidc.ts),
// with the built CLI and the README's provider recipes: sign in, whoami,
// a token for the resource asked for, refresh, sign out.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeAuth0, startFakeCognito, type VendorFake } from '../support/vendor-oidc.js';
import { deviceCodeFrom, expectOneErrorLine, lastLine, makeWorld, type CliWorld } from './provider-harness.js';

// Each test is a whole user story (add, sign in, whoami, token, refresh, sign out): a dozen CLI
// runs, more than the default minute on a busy two-core machine.
vi.setConfig({ testTimeout: 180_000 });

const API_AUDIENCE = 'https://api.example.com';

let w: CliWorld;
let fake: VendorFake | undefined;
let api: Server | undefined;
beforeEach(() => {
  w = makeWorld();
});
afterEach(async () => {
  await w.close();
  await fake?.close();
  fake = undefined;
  await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
  api = undefined;
});

async function add(name: string, extra: string[]): Promise<void> {
  const res = await w.cli(['provider', 'add', name, '--issuer', fake!.issuer, '--client-id', fake!.clientId, ...extra]);
  expect(res.code, res.stderr).toBe(0);
}

/** `login NAME --web`, the fake standing in for the browser. */
async function webLogin(name: string, args: string[] = []): Promise<{ url: URL; code: number; stderr: string }> {
  const cli = w.start(['login', name, '--web', ...args], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
  const url = new URL(await w.openedUrl(cli));
  await fake!.browse(url.toString());
  const res = await cli.exited;
  return { url, code: res.code ?? -1, stderr: res.stderr };
}

const onlyKey = () => Object.keys(w.config().accounts)[0]!;

/** A company API behind Auth0: it takes only JWTs signed by the tenant for its audience. */
async function startApi(): Promise<string> {
  const jwks = (await (await fetch(`${fake!.issuer}.well-known/jwks.json`)).json()) as JSONWebKeySet;
  api = createServer((req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    jwtVerify(token, createLocalJWKSet(jwks), { issuer: fake!.issuer, audience: API_AUDIENCE }).then(
      ({ payload }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url, sub: payload.sub }));
      },
      () => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'a token for this API is needed' }));
      },
    );
  });
  await new Promise<void>((resolve) => api!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}

describe('Auth0', () => {
  beforeEach(async () => {
    fake = await startFakeAuth0();
  });

  it('with --param audience: a JWT for the API (oauthcli api reaches it through --api-base), whoami, refresh with rotation, logout revokes', async () => {
    const apiBase = await startApi();
    await add('auth0', ['--param', `audience=${API_AUDIENCE}`, '--api-base', apiBase]);
    // Auth0's discovery lists offline_access: it is asked for, and no prompt=consent with it.
    expect(w.config().providers.auth0).toMatchObject({ offlineAccess: true, params: { audience: API_AUDIENCE }, apiBase });

    const login = await webLogin('auth0');
    expect(login.code, login.stderr).toBe(0);
    expect(login.url.searchParams.get('audience')).toBe(API_AUDIENCE);
    expect(login.url.searchParams.get('scope')).toBe('openid profile email offline_access');
    expect(login.url.searchParams.has('prompt')).toBe(false);
    expect(login.url.origin + login.url.pathname).toBe(`${new URL(fake!.issuer).origin}/authorize`);

    const who = await w.cli(['whoami', 'auth0', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'auth0', login: 'alice', id: fake!.user.sub, email: fake!.user.email, name: fake!.user.name });

    const token = await w.cli(['token', 'auth0']);
    expect(token.code, token.stderr).toBe(0);
    const claims = decodeJwt(token.stdout.trim());
    expect(claims.aud).toEqual([API_AUDIENCE, `${fake!.issuer}userinfo`]);

    const call = await w.cli(['api', 'auth0', '/orders']);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toEqual({ path: '/orders', sub: fake!.user.sub });

    const before = (await w.stored(onlyKey()))!;
    const refresh = await w.cli(['refresh', 'auth0']);
    expect(refresh.code, refresh.stderr).toBe(0);
    const after = (await w.stored(onlyKey()))!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(decodeJwt(after.accessToken).aud).toEqual([API_AUDIENCE, `${fake!.issuer}userinfo`]);

    const logout = await w.cli(['logout', 'auth0']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).toMatch(/✓ The token was revoked at auth0/);
    expect(fake!.revocations[0]).toMatchObject({ form: { token: after.refreshToken, token_type_hint: 'refresh_token', client_id: fake!.clientId }, status: 200 });
    expect(w.config().accounts).toEqual({});
  });

  it('without audience the access token is opaque (userinfo only), and the API refuses it', async () => {
    const apiBase = await startApi();
    await add('auth0', ['--api-base', apiBase]);
    const login = await webLogin('auth0');
    expect(login.code, login.stderr).toBe(0);
    expect(login.url.searchParams.has('audience')).toBe(false);
    const token = (await w.cli(['token', 'auth0'])).stdout.trim();
    expect(token.split('.')).toHaveLength(1);
    const call = await w.cli(['api', 'auth0', '/orders']);
    expect(call.code).toBe(4);
    expect(lastLine(call)).toMatch(/^oauthcli: 127\.0\.0\.1:\d+ answered HTTP 401: a token for this API is needed/);
    // The API's refusal says nothing about the sign-in: the account still works where the token is good.
    expect((await w.cli(['whoami', 'auth0'])).code).toBe(0);
  });

  it('the device flow sends the audience too', async () => {
    await add('auth0', ['--param', `audience=${API_AUDIENCE}`]);
    const cli = w.start(['login', 'auth0', '--device', '--no-browser']);
    const { userCode } = await deviceCodeFrom(cli);
    expect(fake!.deviceRequests[0]).toMatchObject({ audience: API_AUDIENCE, client_id: fake!.clientId, scope: 'openid profile email offline_access' });
    fake!.approveDevice(userCode);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(decodeJwt((await w.stored(onlyKey()))!.accessToken).aud).toEqual([API_AUDIENCE, `${fake!.issuer}userinfo`]);
  });
});

describe('Amazon Cognito', () => {
  beforeEach(async () => {
    fake = await startFakeCognito();
  });

  it('no offline_access (Cognito refuses it), a refresh token all the same; whoami, token, refresh, logout revokes', async () => {
    await add('cognito', []);
    expect(w.config().providers.cognito).toMatchObject({ offlineAccess: false });

    const login = await webLogin('cognito');
    expect(login.code, login.stderr).toBe(0);
    expect(login.url.searchParams.get('scope')).toBe('openid profile email');
    expect(login.url.searchParams.has('prompt')).toBe(false);
    const first = (await w.stored(onlyKey()))!;
    expect(first.refreshToken).toEqual(expect.any(String));

    const who = await w.cli(['whoami', 'cognito', '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'cognito', login: 'alice', id: fake!.user.sub, email: fake!.user.email });

    const token = await w.cli(['token', 'cognito']);
    expect(token.stdout.trim()).toBe(first.accessToken);
    expect(decodeJwt(first.accessToken)).toMatchObject({ token_use: 'access', client_id: fake!.clientId, scope: 'openid profile email' });

    const refresh = await w.cli(['refresh', 'cognito']);
    expect(refresh.code, refresh.stderr).toBe(0);
    const second = (await w.stored(onlyKey()))!;
    expect(second.accessToken).not.toBe(first.accessToken);
    // Cognito's refresh answers without a refresh token: the one held is kept.
    expect(second.refreshToken).toBe(first.refreshToken);

    const logout = await w.cli(['logout', 'cognito']);
    expect(logout.code, logout.stderr).toBe(0);
    // The refresh token is revoked (with it, the access tokens it made); the access token itself is
    // refused as unsupported_token_type, which is not a failure after that.
    expect(logout.stderr).toMatch(/✓ The token was revoked at cognito/);
    expect(fake!.revocations.map((r) => [r.form.token_type_hint, r.status])).toEqual([
      ['refresh_token', 200],
      ['access_token', 400],
    ]);
    expect(fake!.accessTokenWorks(second.accessToken)).toBe(false);
    expect(w.config().accounts).toEqual({});
  });

  it('asking for offline_access anyway: Cognito answers invalid_scope, and the CLI says so in one line', async () => {
    await add('cognito', ['--scopes', 'openid,email,offline_access']);
    const login = await webLogin('cognito');
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/oauthcli: the provider answered the sign-in with invalid_scope: Invalid scope: offline_access/);
  });

  it('no device flow: --device says so', async () => {
    await add('cognito', []);
    const res = await w.cli(['login', 'cognito', '--device']);
    expect(res.code).not.toBe(0);
    expectOneErrorLine(res, /offers no device flow; use --web/);
  });
});
