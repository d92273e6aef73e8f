import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.ts';
import { GOOGLE_EMAIL_SCOPE, GOOGLE_PROFILE_SCOPE, pkceChallenge, startFakeGoogle } from '../support/google-server.js';
import type { FakeGoogle, FakeGoogleOptions } from '../support/google-server.js';

type Json = Record<string, unknown>;
const servers: FakeGoogle[] = [];
async function start(opts: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const s = await startFakeGoogle(opts);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

const REDIRECT = 'http://127.0.0.1:43210/';
function authUrl(s: FakeGoogle, o: { verifier?: string; access_type?: string; prompt?: string; nonce?: string; scope?: string } = {}): string {
  const u = new URL(`${s.url}/o/oauth2/v2/auth`);
  u.searchParams.set('client_id', s.options.clientId);
  u.searchParams.set('redirect_uri', REDIRECT);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('scope', o.scope ?? 'openid email profile');
  u.searchParams.set('state', 'st8');
  if (o.verifier) {
    u.searchParams.set('code_challenge', pkceChallenge(o.verifier));
    u.searchParams.set('code_challenge_method', 'S256');
  }
  if (o.access_type) u.searchParams.set('access_type', o.access_type);
  if (o.prompt) u.searchParams.set('prompt', o.prompt);
  if (o.nonce) u.searchParams.set('nonce', o.nonce);
  return u.toString();
}

async function codeFlow(s: FakeGoogle, o: { access_type?: string; prompt?: string; nonce?: string } = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const { location } = await s.simulateBrowser(authUrl(s, { verifier, ...o }), { followRedirect: false });
  const code = new URL(location).searchParams.get('code')!;
  return post(`${s.url}/token`, {
    grant_type: 'authorization_code',
    code,
    client_id: s.options.clientId,
    client_secret: s.options.clientSecret,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
}

describe('fake Google', () => {
  it('serves a Google-shaped discovery document and JWKS', async () => {
    const s = await start();
    const d = (await (await fetch(`${s.url}/.well-known/openid-configuration`)).json()) as Json;
    expect(d).toMatchObject({
      issuer: s.url,
      authorization_endpoint: `${s.url}/o/oauth2/v2/auth`,
      device_authorization_endpoint: `${s.url}/device/code`,
      token_endpoint: `${s.url}/token`,
      userinfo_endpoint: `${s.url}/v1/userinfo`,
      revocation_endpoint: `${s.url}/revoke`,
      jwks_uri: `${s.url}/oauth2/v3/certs`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['plain', 'S256'],
    });
    expect(d.grant_types_supported).toContain(DEVICE_CODE_GRANT);
    const jwks = (await (await fetch(String(d.jwks_uri))).json()) as { keys: Json[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
  });

  it('web flow: redirect params, tokens, ID token, userinfo; a web client gets a refresh token only on first offline consent', async () => {
    const s = await start({ clientType: 'web' });
    const verifier = randomBytes(32).toString('base64url');
    const { location, callback } = await s.simulateBrowser(authUrl(s, { verifier, access_type: 'offline', nonce: 'n-1' }), { followRedirect: false });
    expect(callback).toBeUndefined();
    const cb = new URL(location);
    expect(cb.origin + cb.pathname).toBe(REDIRECT.replace(/\/$/, '/'));
    expect(cb.searchParams.get('state')).toBe('st8');
    expect(cb.searchParams.get('code')).toMatch(/^4\/0A/);
    expect(cb.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['email', 'profile', 'openid', GOOGLE_EMAIL_SCOPE, GOOGLE_PROFILE_SCOPE]));
    expect(cb.searchParams.get('authuser')).toBe('0');
    expect(cb.searchParams.get('prompt')).toBe('consent');
    expect(s.authorizeRequests.at(-1)).toMatchObject({ access_type: 'offline', nonce: 'n-1' });

    const base = { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, client_id: s.options.clientId, redirect_uri: REDIRECT };
    const noSecret = await post(`${s.url}/token`, { ...base, code_verifier: verifier });
    expect(noSecret.status).toBe(400);
    const badSecret = await post(`${s.url}/token`, { ...base, client_secret: 'nope', code_verifier: verifier });
    expect(badSecret).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } });
    const badVerifier = await post(`${s.url}/token`, { ...base, client_secret: s.options.clientSecret, code_verifier: 'x'.repeat(43) });
    expect(badVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const wrongRedirect = await post(`${s.url}/token`, { ...base, client_secret: s.options.clientSecret, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:1/' });
    expect(wrongRedirect.status).toBe(400);

    // client_secret_basic works too.
    const basic = `Basic ${Buffer.from(`${s.options.clientId}:${s.options.clientSecret}`).toString('base64')}`;
    const ok = await post(`${s.url}/token`, { grant_type: 'authorization_code', code: base.code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ expires_in: 3599, token_type: 'Bearer', scope: `${GOOGLE_EMAIL_SCOPE} ${GOOGLE_PROFILE_SCOPE} openid` });
    expect(ok.body.access_token).toMatch(/^ya29\./);
    expect(ok.body.refresh_token).toMatch(/^1\/\//);
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'authorization_code', client_auth: 'client_secret_basic', pkce: true });

    const { payload, protectedHeader } = await jwtVerify(String(ok.body.id_token), createLocalJWKSet(s.jwks), { issuer: s.url, audience: s.options.clientId });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: '110248495921238986420', email: 'alice@example.com', email_verified: true, name: 'Alice Example', nonce: 'n-1', azp: s.options.clientId });
    expect(payload.at_hash).toEqual(expect.any(String));
    expect(payload.picture).toEqual(expect.any(String));

    // Code reuse → invalid_grant "Bad Request"
    const reuse = await post(`${s.url}/token`, { ...base, client_secret: s.options.clientSecret, code_verifier: verifier });
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } });

    const ui = await fetch(`${s.url}/v1/userinfo`, { headers: { authorization: `Bearer ${String(ok.body.access_token)}` } });
    expect(await ui.json()).toEqual({
      sub: '110248495921238986420',
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      picture: expect.any(String),
      email: 'alice@example.com',
      email_verified: true,
    });
    const bad = await fetch(`${s.url}/v1/userinfo`, { headers: { authorization: 'Bearer ya29.bogus' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer /);

    // Second offline authorization without prompt=consent: no new refresh token (Google quirk).
    const again = await codeFlow(s, { access_type: 'offline' });
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).toBeUndefined();
    const consent = await codeFlow(s, { access_type: 'offline', prompt: 'consent' });
    expect(consent.body.refresh_token).toMatch(/^1\/\//);
    const online = await codeFlow(s, {});
    expect(online.body.refresh_token).toBeUndefined();
  });

  it('requires PKCE S256, rejects unknown clients/redirects, and reports deny as access_denied', async () => {
    const s = await start();
    const noPkce = await s.simulateBrowser(authUrl(s), { followRedirect: false });
    expect(new URL(noPkce.location).searchParams.get('error')).toBe('invalid_request');
    const denied = await s.simulateBrowser(authUrl(s, { verifier: 'v'.repeat(43) }), { decision: 'deny', followRedirect: false });
    const u = new URL(denied.location);
    expect(u.searchParams.get('error')).toBe('access_denied');
    expect(u.searchParams.get('state')).toBe('st8');
    const page = await fetch(authUrl(s, { verifier: 'v'.repeat(43) }));
    const html = await page.text();
    expect(html).toContain('id="authorize"');
    expect(html).toContain('id="deny"');
    const badClient = await fetch(authUrl(s).replace(encodeURIComponent(s.options.clientId), 'other'));
    expect(badClient.status).toBe(401);
    const badRedirect = await fetch(authUrl(s).replace(encodeURIComponent(REDIRECT), encodeURIComponent('https://evil.example/')));
    expect(badRedirect.status).toBe(400);
  });

  it('refresh: new access token + id_token, no rotation; revoke kills the grant', async () => {
    const s = await start();
    const t = await s.issueTokens();
    const r1 = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: s.options.clientId, client_secret: s.options.clientSecret });
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ expires_in: 3599, token_type: 'Bearer' });
    expect(r1.body).not.toHaveProperty('refresh_token');
    expect(r1.body.id_token).toEqual(expect.any(String));
    const r2 = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: s.options.clientId, client_secret: s.options.clientSecret });
    expect(r2.status).toBe(200);
    expect(s.isTokenValid(String(r1.body.access_token))).toBe(true);

    // Revoke via query string (?token=), like Google's documented curl.
    const rev = await fetch(`${s.url}/revoke?token=${encodeURIComponent(t.refresh_token!)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(rev.status).toBe(200);
    expect(await rev.json()).toEqual({});
    expect(s.isTokenValid(String(r1.body.access_token))).toBe(false);
    expect(s.isTokenValid(t.access_token)).toBe(false);
    expect(s.revocations.at(-1)).toMatchObject({ kind: 'refresh', via: 'api' });
    expect(s.revocations.at(-1)!.access_tokens).toHaveLength(3);
    const again = await post(`${s.url}/revoke`, { token: t.refresh_token! });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_token', error_description: 'Token expired or revoked' } });
    const dead = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: s.options.clientId, client_secret: s.options.clientSecret });
    expect(dead).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    // Revoking an access token also revokes its refresh token.
    const t2 = await s.issueTokens();
    expect((await post(`${s.url}/revoke`, { token: t2.access_token })).status).toBe(200);
    expect(s.isRefreshTokenValid(t2.refresh_token!)).toBe(false);
  });

  it('device flow: verification_url, 428 pending, 403 slow_down, approval; denial and expiry codes', async () => {
    // The fake's poll interval is checked on performance.now(): a fake clock moved by the test,
    // so a quick poll is early and a later one on time however fast this machine runs.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => void vi.useRealTimers());
    const s = await start({ device: { interval: 0.05, pendingPolls: 1 } });
    // Only the "TVs and Limited Input devices" client may use it.
    const tv = { client_id: s.options.deviceClientId, client_secret: s.options.deviceClientSecret };
    const dc = await post(`${s.url}/device/code`, { client_id: tv.client_id, scope: 'openid email' });
    expect(dc.status).toBe(200);
    expect(dc.body).toMatchObject({ verification_url: `${s.url}/device`, expires_in: 1800, interval: 0.05, user_code: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/) });
    expect(dc.body).not.toHaveProperty('verification_uri');
    const poll = (extra: Record<string, string> = {}) =>
      post(`${s.url}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: String(dc.body.device_code), ...tv, ...extra });
    expect(await poll()).toMatchObject({ status: 428, body: { error: 'authorization_pending' } });
    expect(await poll()).toMatchObject({ status: 403, body: { error: 'slow_down' } }); // too early
    expect(s.earlyPolls).toHaveLength(1);
    vi.advanceTimersByTime(80);
    const noSecret = await post(`${s.url}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: String(dc.body.device_code), client_id: tv.client_id });
    expect(noSecret.status).toBe(400);
    vi.advanceTimersByTime(80);
    const ok = await poll();
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toMatch(/^1\/\//);
    expect(decodeJwt(String(ok.body.id_token)).email).toBe('alice@example.com');
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'device_code' });

    s.setDevice({ outcome: 'access_denied', pendingPolls: 0 });
    const dc2 = await post(`${s.url}/device/code`, { client_id: tv.client_id, scope: 'openid' });
    const denied = await post(`${s.url}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: String(dc2.body.device_code), ...tv });
    expect(denied).toMatchObject({ status: 403, body: { error: 'access_denied' } });

    s.setDevice({ outcome: 'approve', expiresIn: 0 });
    const dc3 = await post(`${s.url}/device/code`, { client_id: tv.client_id, scope: 'openid' });
    const expired = await post(`${s.url}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: String(dc3.body.device_code), ...tv });
    expect(expired).toMatchObject({ status: 400, body: { error: 'expired_token' } });

    // Manual approval through the device page.
    s.setDevice({ outcome: 'manual', expiresIn: 1800 });
    const dc4 = await post(`${s.url}/device/code`, { client_id: tv.client_id, scope: 'openid' });
    const form = await fetch(`${s.url}/device`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ user_code: String(dc4.body.user_code), decision: 'authorize' }) });
    expect(await form.text()).toContain('id="result"');
    expect(s.deviceCodes.at(-1)!.status).toBe('approved');
    const bad = await post(`${s.url}/device/code`, { client_id: tv.client_id, scope: 'https://www.googleapis.com/auth/gmail.readonly' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('forgeIdToken produces each kind of invalid ID token', async () => {
    const s = await start();
    const jwks = createLocalJWKSet(s.jwks);
    const verify = (t: string) => jwtVerify(t, jwks, { issuer: s.url, audience: s.options.clientId });
    const good = await s.issueTokens(undefined, { nonce: 'abc' });
    await expect(verify(good.id_token!)).resolves.toBeTruthy();
    s.setOptions({ forgeIdToken: 'wrong-aud' });
    await expect(verify((await s.issueTokens()).id_token!)).rejects.toThrow(/aud/);
    s.setOptions({ forgeIdToken: 'bad-signature' });
    await expect(verify((await s.issueTokens()).id_token!)).rejects.toThrow(/signature/);
    s.setOptions({ forgeIdToken: 'expired' });
    await expect(verify((await s.issueTokens()).id_token!)).rejects.toThrow(/exp/);
    s.setOptions({ forgeIdToken: 'wrong-iss' });
    await expect(verify((await s.issueTokens()).id_token!)).rejects.toThrow(/iss/);
    s.setOptions({ forgeIdToken: 'wrong-nonce' });
    const { payload } = await verify((await s.issueTokens(undefined, { nonce: 'abc' })).id_token!);
    expect(payload.nonce).not.toBe('abc');
    s.setOptions({ forgeIdToken: undefined });
    await expect(verify((await s.issueTokens()).id_token!)).resolves.toBeTruthy();
  });

  it('fault injection and request recording', async () => {
    const s = await start();
    s.fail('/token', { status: 503, body: { error: 'temporarily_unavailable' }, times: 1 });
    const t = await s.issueTokens();
    const failed = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: s.options.clientId, client_secret: s.options.clientSecret });
    expect(failed.status).toBe(503);
    const ok = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: s.options.clientId, client_secret: s.options.clientSecret });
    expect(ok.status).toBe(200);
    expect(s.requestCount('/token', 'POST')).toBe(2);
    expect(s.requests[0]).toMatchObject({ fault: true, body: { grant_type: 'refresh_token' } });
    const ti = await fetch(`${s.url}/tokeninfo?access_token=${String(ok.body.access_token)}`);
    expect(await ti.json()).toMatchObject({ aud: s.options.clientId, access_type: 'offline', email: 'alice@example.com' });
  });
});

describe('fake Google: client types and refresh tokens, as documented', () => {
  it('the device flow refuses a desktop client (401 invalid_client) and a poll without the secret (400)', async () => {
    const s = await start({ device: { interval: 0, pendingPolls: 0 } });
    const desktop = await post(`${s.url}/device/code`, { client_id: s.options.clientId, scope: 'openid email' });
    expect(desktop).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'Invalid client type.' } });
    const unknown = await post(`${s.url}/device/code`, { client_id: 'nope.apps.googleusercontent.com', scope: 'openid' });
    expect(unknown).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const dc = await post(`${s.url}/device/code`, { client_id: s.options.deviceClientId, scope: 'openid email' });
    const poll = (form: Record<string, string>) => post(`${s.url}/token`, { grant_type: DEVICE_CODE_GRANT, device_code: String(dc.body.device_code), ...form });
    expect(await poll({ client_id: s.options.deviceClientId })).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'client_secret is missing.' } });
    expect(await poll({ client_id: s.options.clientId, client_secret: s.options.clientSecret })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const ok = await poll({ client_id: s.options.deviceClientId, client_secret: s.options.deviceClientSecret });
    expect(ok.status).toBe(200);
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'device_code', client_id: s.options.deviceClientId, client_secret_sent: true });
    // Refreshing, a device client's secret is optional; the desktop client's is not.
    const r = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: String(ok.body.refresh_token), client_id: s.options.deviceClientId });
    expect(r.status).toBe(200);
    const t = await s.issueTokens();
    const noSecret = await post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token!, client_id: s.options.clientId });
    expect(noSecret).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('a desktop (installed) client always gets a refresh token; prompt and access_type are recorded', async () => {
    const s = await start();
    expect(s.options.clientType).toBe('desktop');
    for (const o of [{}, { access_type: 'offline' }, { access_type: 'offline' }, { access_type: 'online', prompt: 'consent' }]) {
      const r = await codeFlow(s, o);
      expect(r.status).toBe(200);
      expect(r.body.refresh_token).toMatch(/^1\/\//);
    }
    expect(s.authorizeRequests.map((a) => [a.access_type, a.prompt])).toEqual([
      [undefined, undefined],
      ['offline', undefined],
      ['offline', undefined],
      ['online', 'consent'],
    ]);
  });

  it('past refreshTokenLimit live refresh tokens per user and client, the oldest stops working', async () => {
    const s = await start({ refreshTokenLimit: 2 });
    const first = await s.issueTokens();
    const second = await s.issueTokens();
    const refresh = (rt: string) => post(`${s.url}/token`, { grant_type: 'refresh_token', refresh_token: rt, client_id: s.options.clientId, client_secret: s.options.clientSecret });
    expect((await refresh(first.refresh_token!)).status).toBe(200);
    const third = (await codeFlow(s)).body;
    expect(third.refresh_token).toMatch(/^1\/\//);
    expect(await refresh(first.refresh_token!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(s.isRefreshTokenValid(first.refresh_token!)).toBe(false);
    expect(s.revocations).toEqual([expect.objectContaining({ token: first.refresh_token, via: 'limit', access_tokens: [] })]);
    expect((await refresh(second.refresh_token!)).status).toBe(200);
    expect((await refresh(String(third.refresh_token))).status).toBe(200);
    // Another client's tokens do not count.
    const tv = await s.issueTokens(undefined, { clientId: s.options.deviceClientId });
    expect(s.isRefreshTokenValid(tv.refresh_token!)).toBe(true);
    expect(s.isRefreshTokenValid(second.refresh_token!)).toBe(true);
  });
});

describe('fake Google under a public host name', () => {
  it('names itself by it: issuer, endpoints, verification_url, ID tokens; simulateBrowser still reaches it', async () => {
    const s = await start({ publicHost: (port) => `accounts.corp.test:${port}` });
    expect(s.url).toBe(`http://accounts.corp.test:${s.port}`);
    expect(s.issuer).toBe(s.url);
    const d = (await (await fetch(`${s.loopbackUrl}/.well-known/openid-configuration`)).json()) as Json;
    expect(d).toMatchObject({ issuer: s.url, token_endpoint: `${s.url}/token`, jwks_uri: `${s.url}/oauth2/v3/certs` });
    const dc = await post(`${s.loopbackUrl}/device/code`, { client_id: s.options.deviceClientId, scope: 'openid' });
    expect(dc.body.verification_url).toBe(`${s.url}/device`);
    const verifier = randomBytes(32).toString('base64url');
    const { location } = await s.simulateBrowser(authUrl(s, { verifier }), { followRedirect: false });
    const code = new URL(location).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, client_id: s.options.clientId, client_secret: s.options.clientSecret, redirect_uri: REDIRECT, code_verifier: verifier };
    const ok = await post(`${s.loopbackUrl}/token`, form);
    expect(decodeJwt(String(ok.body.id_token)).iss).toBe(s.url);
  });
});
