import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { chromiumForFile } from '../support/chromium.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.ts';
import {
  completeLoginAndConsent,
  enterDeviceCode,
  pkcePair,
  startOidcProvider,
} from '../support/oidc-server.js';
import type { OidcServer, OidcServerOptions } from '../support/oidc-server.js';

type Json = Record<string, unknown>;
const servers: OidcServer[] = [];
async function start(opts: OidcServerOptions = {}): Promise<OidcServer> {
  const s = await startOidcProvider(opts);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function discovery(s: OidcServer): Promise<Json> {
  const res = await fetch(`${s.issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

function authorizeUrl(s: OidcServer, o: { challenge?: string; redirect?: string; scope?: string; state?: string; nonce?: string } = {}): string {
  const u = new URL(`${s.issuer}/auth`);
  u.searchParams.set('client_id', s.clientId);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('redirect_uri', o.redirect ?? 'http://127.0.0.1:45678/callback');
  u.searchParams.set('scope', o.scope ?? 'openid profile email offline_access');
  u.searchParams.set('state', o.state ?? 'st4te');
  if (o.nonce) u.searchParams.set('nonce', o.nonce);
  if (o.challenge) {
    u.searchParams.set('code_challenge', o.challenge);
    u.searchParams.set('code_challenge_method', 'S256');
  }
  return u.toString();
}

describe('oidc-provider test server (fetch only)', () => {
  it('serves a discovery document with every endpoint the CLI needs', async () => {
    const s = await start();
    expect(s.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const d = await discovery(s);
    expect(d.issuer).toBe(s.issuer);
    for (const k of [
      'authorization_endpoint',
      'token_endpoint',
      'device_authorization_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'end_session_endpoint',
    ]) {
      expect(d[k], k).toEqual(expect.stringMatching(new RegExp(`^${s.issuer}/`)));
    }
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', DEVICE_CODE_GRANT]));
    expect(d.id_token_signing_alg_values_supported).toEqual(['RS256']);
    const jwks = (await (await fetch(String(d.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('requires PKCE and accepts any loopback port (RFC 8252)', async () => {
    const s = await start();
    // No code_challenge → error redirect to the client.
    const noPkce = await s.simulateBrowser(authorizeUrl(s), { followRedirect: false });
    const u = new URL(noPkce.location);
    expect(u.searchParams.get('error')).toBe('invalid_request');
    expect(u.searchParams.get('error_description')).toMatch(/PKCE/);
    // Two different ports both work.
    for (const port of [40001, 51234]) {
      const { challenge } = pkcePair();
      const r = await s.simulateBrowser(authorizeUrl(s, { challenge, redirect: `http://127.0.0.1:${port}/callback` }), { followRedirect: false });
      expect(r.location.startsWith(`http://127.0.0.1:${port}/callback?`)).toBe(true);
      expect(new URL(r.location).searchParams.get('code')).toBeTruthy();
    }
    // …but the path must match the registered one (error page, no redirect).
    const { challenge } = pkcePair();
    await expect(s.simulateBrowser(authorizeUrl(s, { challenge, redirect: 'http://127.0.0.1:40001/other' }))).rejects.toThrow(/redirect_uri/);
  });

  it('authorization code + PKCE → tokens; refresh rotates; ID token verifies; deny → access_denied', async () => {
    const s = await start();
    const d = await discovery(s);
    const { verifier, challenge } = pkcePair();
    const redirect = 'http://127.0.0.1:45678/callback';
    const r = await s.simulateBrowser(authorizeUrl(s, { challenge, redirect, nonce: 'n0nce', scope: 'openid profile email' }), {
      login: 'dana',
      followRedirect: false,
    });
    const cb = new URL(r.location);
    expect(cb.searchParams.get('state')).toBe('st4te');
    expect(cb.searchParams.get('iss')).toBe(s.issuer);
    const code = cb.searchParams.get('code')!;

    // Wrong verifier → invalid_grant
    const bad = await post(String(d.token_endpoint), { grant_type: 'authorization_code', code, client_id: s.clientId, redirect_uri: redirect, code_verifier: 'x'.repeat(43) });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_grant');

    // Use a fresh code so the result doesn't depend on whether a failed PKCE check consumed the first one.
    const r2 = await s.simulateBrowser(authorizeUrl(s, { challenge, redirect, nonce: 'n0nce', scope: 'openid profile email' }), { login: 'dana', followRedirect: false });
    const code2 = new URL(r2.location).searchParams.get('code')!;
    const tok = await post(String(d.token_endpoint), { grant_type: 'authorization_code', code: code2, client_id: s.clientId, redirect_uri: redirect, code_verifier: verifier });
    expect(tok.status).toBe(200);
    expect(tok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' });
    expect(tok.body.refresh_token).toEqual(expect.any(String)); // even without offline_access

    const { payload } = await jwtVerify(String(tok.body.id_token), createRemoteJWKSet(new URL(String(d.jwks_uri))), {
      issuer: s.issuer,
      audience: s.clientId,
    });
    expect(payload).toMatchObject({ sub: 'dana', nonce: 'n0nce', email: 'dana@example.com', name: 'User dana', preferred_username: 'dana', email_verified: true });

    const ui = await fetch(String(d.userinfo_endpoint), { headers: { authorization: `Bearer ${String(tok.body.access_token)}` } });
    expect(ui.status).toBe(200);
    expect(await ui.json()).toEqual({ sub: 'dana', name: 'User dana', preferred_username: 'dana', email: 'dana@example.com', email_verified: true });

    const rt1 = String(tok.body.refresh_token);
    const ref = await post(String(d.token_endpoint), { grant_type: 'refresh_token', refresh_token: rt1, client_id: s.clientId });
    expect(ref.status).toBe(200);
    expect(ref.body.refresh_token).toEqual(expect.any(String));
    expect(ref.body.refresh_token).not.toBe(rt1);
    // Old refresh token is dead (reuse → invalid_grant, and oidc-provider revokes the grant).
    const reuse = await post(String(d.token_endpoint), { grant_type: 'refresh_token', refresh_token: rt1, client_id: s.clientId });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect(s.grants).toMatchObject({ authorization_code: 1, refresh_token: 1 });
    expect(s.grantEvents.filter((e) => !e.ok).map((e) => e.error)).toEqual(['invalid_grant', 'invalid_grant']);

    const denied = await s.simulateBrowser(authorizeUrl(s, { challenge }), { decision: 'deny', followRedirect: false });
    expect(new URL(denied.location).searchParams.get('error')).toBe('access_denied');
  });

  it('device flow: authorization_pending until approved through the /device pages with fetch', async () => {
    const s = await start({ accessTokenTtl: 120 });
    const d = await discovery(s);
    const da = await post(String(d.device_authorization_endpoint), { client_id: s.clientId, scope: 'openid profile offline_access' });
    expect(da.status).toBe(200);
    expect(da.body).toMatchObject({
      verification_uri: `${s.issuer}/device`,
      verification_uri_complete: expect.stringContaining('/device?user_code='),
      expires_in: 600,
      interval: 1,
    });
    const poll = () => post(String(d.token_endpoint), { grant_type: DEVICE_CODE_GRANT, device_code: String(da.body.device_code), client_id: s.clientId });
    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(pending.body.error).toBe('authorization_pending');

    await s.approveDevice(String(da.body.user_code), 'erin');
    const ok = await poll();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 120 });
    expect(ok.body.refresh_token).toEqual(expect.any(String));
    expect(await s.introspect(String(ok.body.access_token))).toMatchObject({ active: true, sub: 'erin', client_id: s.clientId });
    expect(s.grants[DEVICE_CODE_GRANT]).toBe(1);

    // Denied device code → access_denied
    const da2 = await post(String(d.device_authorization_endpoint), { client_id: s.clientId, scope: 'openid' });
    await s.approveDevice(String(da2.body.user_code), 'erin', { deny: true });
    const denied = await post(String(d.token_endpoint), { grant_type: DEVICE_CODE_GRANT, device_code: String(da2.body.device_code), client_id: s.clientId });
    expect(denied.status).toBe(400);
    expect(denied.body.error).toBe('access_denied');
  });

  it('introspection of a bogus token is inactive; revocation kills refresh + access tokens', async () => {
    const s = await start();
    expect(await s.introspect('definitely-not-a-token')).toEqual({ active: false });
    const d = await discovery(s);
    const da = await post(String(d.device_authorization_endpoint), { client_id: s.clientId, scope: 'openid' });
    await s.approveDevice(String(da.body.user_code), 'frank');
    const tok = await post(String(d.token_endpoint), { grant_type: DEVICE_CODE_GRANT, device_code: String(da.body.device_code), client_id: s.clientId });
    const at = String(tok.body.access_token);
    const rt = String(tok.body.refresh_token);
    expect((await s.introspect(rt, 'refresh_token')).active).toBe(true);
    const rev = await post(String(d.revocation_endpoint), { token: rt, token_type_hint: 'refresh_token', client_id: s.clientId });
    expect(rev.status).toBe(200);
    expect((await s.introspect(rt)).active).toBe(false);
    expect((await s.introspect(at)).active).toBe(false);
    // Confidential client: client_secret_basic required.
    const cc = s.confidentialClient!;
    const unauth = await post(String(d.device_authorization_endpoint), { client_id: cc.clientId, scope: 'openid' });
    expect(unauth.status).toBe(401);
    expect(unauth.body.error).toBe('invalid_client');
    const basic = `Basic ${Buffer.from(`${cc.clientId}:${cc.clientSecret}`).toString('base64')}`;
    const authed = await post(String(d.device_authorization_endpoint), { scope: 'openid' }, { authorization: basic });
    expect(authed.status).toBe(200);
    expect(s.requestCount('/token/revocation', 'POST')).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Real browser: exercises the Playwright helpers the CLI's e2e tests rely on.
// ---------------------------------------------------------------------------------------------

describe('oidc-provider test server with Chromium', () => {
  // Playwright's own default wait.
  const { newPage } = chromiumForFile({ timeoutMs: 30_000 });
  let loopback: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (loopback ? loopback.close(() => r()) : r()));
    loopback?.closeAllConnections();
    loopback = undefined;
  });

  /** A loopback redirect receiver like the CLI's. */
  async function receiver(): Promise<{ port: number; params: Promise<URLSearchParams> }> {
    let resolve!: (p: URLSearchParams) => void;
    const params = new Promise<URLSearchParams>((r) => (resolve = r));
    loopback = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Signed in. You can close this window.</h1>');
      if (u.pathname === '/callback') resolve(u.searchParams);
    });
    await new Promise<void>((r) => loopback!.listen(0, '127.0.0.1', () => r()));
    return { port: (loopback.address() as AddressInfo).port, params };
  }

  it('authorize → login → consent → code+PKCE → token → refresh rotation → revocation → inactive', async () => {
    const s = await start({ accessTokenTtl: 300 });
    const d = await discovery(s);
    const { port, params } = await receiver();
    const redirect = `http://127.0.0.1:${port}/callback`;
    const { verifier, challenge } = pkcePair();
    const page = await newPage();
    await page.goto(authorizeUrl(s, { challenge, redirect }), { waitUntil: 'domcontentloaded' });
    await completeLoginAndConsent(page, 'grace');
    const cb = await params;
    expect(cb.get('state')).toBe('st4te');
    expect(page.url()).toContain(`127.0.0.1:${port}/callback`);
    await expect(page.locator('h1').innerText()).resolves.toContain('Signed in');

    const tok = await post(String(d.token_endpoint), {
      grant_type: 'authorization_code',
      code: cb.get('code')!,
      client_id: s.clientId,
      redirect_uri: redirect,
      code_verifier: verifier,
    });
    expect(tok.status).toBe(200);
    expect(tok.body.expires_in).toBe(300);
    const at1 = String(tok.body.access_token);
    const rt1 = String(tok.body.refresh_token);
    expect((await s.introspect(at1)).sub).toBe('grace');

    const ref = await post(String(d.token_endpoint), { grant_type: 'refresh_token', refresh_token: rt1, client_id: s.clientId });
    expect(ref.status).toBe(200);
    const rt2 = String(ref.body.refresh_token);
    expect(rt2).not.toBe(rt1);
    expect((await s.introspect(rt1)).active).toBe(false);
    expect((await s.introspect(rt2)).active).toBe(true);

    const rev = await post(String(d.revocation_endpoint), { token: rt2, client_id: s.clientId });
    expect(rev.status).toBe(200);
    expect((await s.introspect(rt2)).active).toBe(false);
    expect((await s.introspect(String(ref.body.access_token))).active).toBe(false);

    // Second sign-in in the same browser: session + grant exist, no pages to click.
    const second = await signInAgain(page, s, challenge);
    expect(second).toBe(true);
  });

  async function signInAgain(page: import('playwright-core').Page, s: OidcServer, challenge: string): Promise<boolean> {
    const target = 'http://127.0.0.1:9/callback'; // nothing listens: Chromium shows an error page
    await page.goto(authorizeUrl(s, { challenge, redirect: target }), { waitUntil: 'domcontentloaded' }).catch(() => undefined);
    await completeLoginAndConsent(page, 'grace');
    return !page.url().startsWith(s.issuer);
  }

  it('device flow through enterDeviceCode (verification_uri and verification_uri_complete)', async () => {
    const s = await start();
    const d = await discovery(s);
    const page = await newPage();
    for (const complete of [false, true]) {
      const da = await post(String(d.device_authorization_endpoint), { client_id: s.clientId, scope: 'openid email' });
      const uri = String(complete ? da.body.verification_uri_complete : da.body.verification_uri);
      await enterDeviceCode(page, uri, String(da.body.user_code), 'heidi');
      const tok = await post(String(d.token_endpoint), { grant_type: DEVICE_CODE_GRANT, device_code: String(da.body.device_code), client_id: s.clientId });
      expect(tok.status).toBe(200);
      expect((await s.introspect(String(tok.body.access_token))).sub).toBe('heidi');
    }
    const da = await post(String(d.device_authorization_endpoint), { client_id: s.clientId, scope: 'openid' });
    await enterDeviceCode(page, String(da.body.verification_uri), String(da.body.user_code), 'heidi', { decision: 'deny' });
    const denied = await post(String(d.token_endpoint), { grant_type: DEVICE_CODE_GRANT, device_code: String(da.body.device_code), client_id: s.clientId });
    expect(denied.body.error).toBe('access_denied');
    await expect(enterDeviceCode(page, String(da.body.verification_uri), 'BCDF-GHJK', 'heidi', { timeoutMs: 5000 })).rejects.toThrow(/rejected/);
  });
});
