import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { DEVICE_CODE_GRANT as DEVICE_GRANT } from '../../src/oauth/device-grant.ts';
import { htmlErrorFault, rateLimitFault, startFakeGitHub } from '../support/github-server.js';
import type { FakeGitHub, FakeGitHubOptions } from '../support/github-server.js';
const servers: FakeGitHub[] = [];

async function start(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const s = await startFakeGitHub(opts);
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

type Json = Record<string, unknown>;

async function postJson(url: string, params: Record<string, string>): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

async function postForm(url: string, params: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function deviceCode(s: FakeGitHub, scope = 'repo read:org'): Promise<Json> {
  const r = await postJson(`${s.url}/login/device/code`, { client_id: 'test-client-id', scope });
  expect(r.status).toBe(200);
  return r.body;
}

function poll(s: FakeGitHub, code: string, extra: Record<string, string> = {}) {
  return postJson(`${s.url}/login/oauth/access_token`, {
    client_id: 'test-client-id',
    device_code: code,
    grant_type: DEVICE_GRANT,
    ...extra,
  });
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

async function webCode(
  s: FakeGitHub,
  opts: { verifier?: string; state?: string; redirect?: string; decision?: 'authorize' | 'deny' } = {},
) {
  const redirect = opts.redirect ?? 'http://127.0.0.1:45678/callback';
  const u = new URL(`${s.url}/login/oauth/authorize`);
  u.searchParams.set('client_id', 'test-client-id');
  u.searchParams.set('redirect_uri', redirect);
  u.searchParams.set('scope', 'repo gist');
  u.searchParams.set('state', opts.state ?? 'st4te');
  if (opts.verifier) {
    u.searchParams.set('code_challenge', s256(opts.verifier));
    u.searchParams.set('code_challenge_method', 'S256');
  }
  const { location } = await s.simulateBrowser(u.toString(), { decision: opts.decision ?? 'authorize', followRedirect: false });
  return new URL(location);
}

function exchange(s: FakeGitHub, code: string, extra: Record<string, string> = {}) {
  return postJson(`${s.url}/login/oauth/access_token`, {
    client_id: 'test-client-id',
    client_secret: 'test-client-secret',
    code,
    redirect_uri: 'http://127.0.0.1:45678/callback',
    grant_type: 'authorization_code',
    ...extra,
  });
}

describe('device flow', () => {
  it('goes pending → success with JSON negotiation and the token works on /user', async () => {
    const s = await start({ device: { interval: 0, pendingPolls: 2 } });
    const dc = await deviceCode(s);
    expect(dc).toMatchObject({ expires_in: 900, interval: 0, verification_uri: `${s.url}/login/device` });
    expect(dc.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(dc.device_code).toMatch(/^[0-9a-f]{40}$/);

    for (let i = 0; i < 2; i++) {
      const p = await poll(s, String(dc.device_code));
      expect(p.status).toBe(200);
      expect(p.body).toMatchObject({ error: 'authorization_pending' });
      expect(p.body.error_uri).toContain('docs.github.com');
    }
    const ok = await poll(s, String(dc.device_code));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(ok.body).sort()).toEqual(['access_token', 'scope', 'token_type']);
    expect(ok.body).toMatchObject({ token_type: 'bearer', scope: 'read:org,repo' });
    const token = String(ok.body.access_token);
    expect(token).toMatch(/^gho_[A-Za-z0-9]{36}$/);
    expect(s.isTokenValid(token)).toBe(true);
    expect(s.grants).toEqual([
      expect.objectContaining({ grant_type: 'device_code', login: 'octocat', client_secret_sent: false, access_token: token }),
    ]);

    // reuse of a consumed device code
    expect((await poll(s, String(dc.device_code))).body.error).toBe('incorrect_device_code');

    const user = await fetch(`${s.url}/api/v3/user`, { headers: { authorization: `Bearer ${token}` } });
    expect(user.status).toBe(200);
    expect(user.headers.get('x-oauth-scopes')).toBe('read:org, repo');
    expect(user.headers.get('x-accepted-oauth-scopes')).toBe('');
    expect(user.headers.get('x-github-api-version-selected')).toBe('2022-11-28');
    const body = (await user.json()) as Json;
    expect(body).toMatchObject({
      login: 'octocat',
      id: 583231,
      node_id: 'MDQ6VXNlcjU4MzIzMQ==',
      name: 'The Octocat',
      email: 'octocat@example.com',
      type: 'User',
      html_url: `${s.url}/octocat`,
    });
    // `token` scheme is accepted too, and the raw header is recorded
    const u2 = await fetch(`${s.url}/api/v3/user`, { headers: { authorization: `token ${token}` } });
    expect(u2.status).toBe(200);
    expect(s.requests.at(-1)?.authorization).toBe(`token ${token}`);
  });

  it('answers form-encoded by default (GitHub default negotiation)', async () => {
    const s = await start({ device: { interval: 0, pendingPolls: 1 } });
    const r = await postForm(`${s.url}/login/device/code`, { client_id: 'test-client-id', scope: 'repo' });
    expect(r.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const dc = new URLSearchParams(r.text);
    expect(dc.get('verification_uri')).toBe(`${s.url}/login/device`);
    expect(dc.get('interval')).toBe('0');
    const params = { client_id: 'test-client-id', device_code: dc.get('device_code')!, grant_type: DEVICE_GRANT };
    const pending = await postForm(`${s.url}/login/oauth/access_token`, params);
    expect(pending.status).toBe(200);
    expect(pending.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(new URLSearchParams(pending.text).get('error')).toBe('authorization_pending');
    const ok = new URLSearchParams((await postForm(`${s.url}/login/oauth/access_token`, params)).text);
    expect(ok.get('access_token')).toMatch(/^gho_/);
    expect(ok.get('token_type')).toBe('bearer');
    expect(ok.get('scope')).toBe('repo');
  });

  it('detects early polls (0 tolerance) and answers slow_down with the new interval', async () => {
    // The fake's poll interval is checked on performance.now(): a fake clock moved by the test,
    // so a quick poll is early and a later one on time however fast this machine runs.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => void vi.useRealTimers());
    const s = await start({ device: { interval: 1, pendingPolls: 5 } });
    const dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body.error).toBe('authorization_pending');
    const early = await poll(s, String(dc.device_code));
    expect(early.body).toMatchObject({ error: 'slow_down', interval: 2 });
    expect(s.earlyPolls).toHaveLength(1);
    expect(s.earlyPolls[0]).toMatchObject({ device_code: dc.device_code, requiredMs: 1000 });

    // an on-time poll is not early
    const dc2 = await deviceCode(s);
    await poll(s, String(dc2.device_code));
    vi.advanceTimersByTime(1010);
    expect((await poll(s, String(dc2.device_code))).body.error).toBe('authorization_pending');
    expect(s.earlyPolls).toHaveLength(1);
  });

  it('optionally checks the first poll against issuance time', async () => {
    const s = await start({ device: { interval: 1, checkFirstPoll: true } });
    const dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body).toMatchObject({ error: 'slow_down', interval: 2 });
    expect(s.earlyPolls).toHaveLength(1);
  });

  it('sends slow_down on the configured poll and then enforces the larger interval', async () => {
    const s = await start({ device: { interval: 0, slowDownOnPoll: 2, slowDownIncrement: 5, pendingPolls: 3 } });
    const dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body.error).toBe('authorization_pending');
    expect((await poll(s, String(dc.device_code))).body).toMatchObject({ error: 'slow_down', interval: 5 });
    expect((await poll(s, String(dc.device_code))).body).toMatchObject({ error: 'slow_down', interval: 10 });
    expect(s.earlyPolls).toHaveLength(1);
    expect(s.deviceCodes[0]!.polls.map((p) => p.result)).toEqual(['authorization_pending', 'slow_down', 'slow_down']);
  });

  it('can disable interval enforcement', async () => {
    const s = await start({ device: { interval: 5, enforceInterval: false, pendingPolls: 1 } });
    const dc = await deviceCode(s);
    await poll(s, String(dc.device_code));
    expect((await poll(s, String(dc.device_code))).body.access_token).toBeDefined();
    expect(s.earlyPolls).toHaveLength(0);
  });

  it('reports denial, expiry and bad credentials', async () => {
    const s = await start({ device: { interval: 0, pendingPolls: 0, outcome: 'access_denied' } });
    let dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body.error).toBe('access_denied');
    expect((await poll(s, String(dc.device_code))).body.error).toBe('access_denied');

    s.setDevice({ outcome: 'expired_token' });
    dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body.error).toBe('expired_token');

    s.setDevice({ outcome: 'approve', expiresIn: 0 });
    dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body.error).toBe('expired_token');

    s.setDevice({ expiresIn: 900 });
    dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code), { client_id: 'nope' })).body.error).toBe('incorrect_client_credentials');
    expect((await poll(s, 'f'.repeat(40))).body.error).toBe('incorrect_device_code');
    const bad = await postJson(`${s.url}/login/oauth/access_token`, { client_id: 'test-client-id', grant_type: 'password' });
    expect(bad.body.error).toBe('unsupported_grant_type');

    const unknownClient = await postJson(`${s.url}/login/device/code`, { client_id: 'nope' });
    expect(unknownClient.status).toBe(404);
    s.setDevice({ deviceFlowDisabled: true });
    const disabled = await postJson(`${s.url}/login/device/code`, { client_id: 'test-client-id' });
    expect(disabled.status).toBe(400);
    expect(disabled.body.error).toBe('device_flow_disabled');
  });

  it('supports manual approval, denial and which user approves', async () => {
    const s = await start({ device: { interval: 0, outcome: 'manual' } });
    s.addUser({ login: 'hubot', id: 2, name: 'Hubot', email: null });
    const dc = await deviceCode(s);
    expect((await poll(s, String(dc.device_code))).body.error).toBe('authorization_pending');
    expect((await poll(s, String(dc.device_code))).body.error).toBe('authorization_pending');
    s.approveDevice('hubot');
    const ok = await poll(s, String(dc.device_code));
    expect(s.grants.at(-1)?.login).toBe('hubot');
    const me = await fetch(`${s.url}/api/v3/user`, { headers: { authorization: `Bearer ${String(ok.body.access_token)}` } });
    expect(((await me.json()) as Json).login).toBe('hubot');

    const dc2 = await deviceCode(s);
    s.denyDevice(String(dc2.user_code));
    expect((await poll(s, String(dc2.device_code))).body.error).toBe('access_denied');
  });

  it('issues expiring tokens with refresh tokens when tokenLifetime is set', async () => {
    const s = await start({ device: { interval: 0, pendingPolls: 0 }, tokenLifetime: 28800 });
    const dc = await deviceCode(s);
    const ok = await poll(s, String(dc.device_code));
    expect(ok.body).toMatchObject({ expires_in: 28800, refresh_token_expires_in: 15897600, token_type: 'bearer' });
    expect(String(ok.body.access_token)).toMatch(/^ghu_/);
    expect(String(ok.body.refresh_token)).toMatch(/^ghr_[A-Za-z0-9]{76}$/);
  });
});

describe('web flow (authorization code + PKCE)', () => {
  it('exchanges a code with the right verifier, rejects reuse', async () => {
    const s = await start({ issParam: 'https://github.com/login/oauth' });
    const verifier = randomBytes(32).toString('base64url');
    const cb = await webCode(s, { verifier, state: 'abc' });
    expect(cb.origin + cb.pathname).toBe('http://127.0.0.1:45678/callback');
    expect(cb.searchParams.get('state')).toBe('abc');
    expect(cb.searchParams.get('iss')).toBe('https://github.com/login/oauth');
    const code = cb.searchParams.get('code')!;
    expect(code).toMatch(/^[0-9a-f]{20}$/);

    const ok = await exchange(s, code, { code_verifier: verifier });
    expect(ok.body).toMatchObject({ token_type: 'bearer', scope: 'gist,repo' });
    expect(s.isTokenValid(String(ok.body.access_token))).toBe(true);
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'authorization_code', client_secret_sent: true, pkce: true });

    expect((await exchange(s, code, { code_verifier: verifier })).body.error).toBe('bad_verification_code');
    expect((await exchange(s, 'deadbeef', { code_verifier: verifier })).body.error).toBe('bad_verification_code');
  });

  it('rejects a wrong verifier, wrong secret and redirect_uri mismatch', async () => {
    const s = await start();
    const verifier = randomBytes(32).toString('base64url');
    let code = (await webCode(s, { verifier })).searchParams.get('code')!;
    expect((await exchange(s, code, { client_secret: 'wrong', code_verifier: verifier })).body.error).toBe('incorrect_client_credentials');
    expect((await exchange(s, code, { redirect_uri: 'http://127.0.0.1:1/other', code_verifier: verifier })).body.error).toBe(
      'redirect_uri_mismatch',
    );
    expect((await exchange(s, code, { code_verifier: 'x'.repeat(43) })).body.error).toBe('bad_verification_code');

    code = (await webCode(s, { verifier })).searchParams.get('code')!;
    expect((await exchange(s, code)).body.error).toBe('bad_verification_code'); // verifier missing
  });

  it('redirects with access_denied when the user clicks Deny', async () => {
    const s = await start();
    const cb = await webCode(s, { decision: 'deny', state: 'xyz' });
    expect(Object.fromEntries(cb.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user has denied your application access.',
      error_uri: expect.stringContaining('docs.github.com'),
      state: 'xyz',
    });
    expect(cb.search).toContain('error_description=The+user+has+denied+your+application+access.');
  });

  it('serves a consent page with the two buttons and validates the request', async () => {
    const s = await start();
    const page = await fetch(
      `${s.url}/login/oauth/authorize?client_id=test-client-id&redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&scope=repo&state=s`,
    );
    const html = await page.text();
    expect(html).toContain('<button id="authorize" type="submit">Authorize</button>');
    expect(html).toContain('<button id="deny" type="submit">Deny</button>');
    expect(html).toContain('action="/login/oauth/authorize/decision"');

    expect((await fetch(`${s.url}/login/oauth/authorize?client_id=nope&redirect_uri=http://127.0.0.1:5000/cb`)).status).toBe(404);
    expect(
      (await fetch(`${s.url}/login/oauth/authorize?client_id=test-client-id&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`))
        .status,
    ).toBe(400);
    const plain = await fetch(
      `${s.url}/login/oauth/authorize?client_id=test-client-id&redirect_uri=http://127.0.0.1:5000/cb&code_challenge=${'a'.repeat(43)}&code_challenge_method=plain`,
      { redirect: 'manual' },
    );
    expect(plain.status).toBe(302);
    expect(plain.headers.get('location')).toContain('error=invalid_request');
  });

  it('simulateBrowser follows the redirect to the loopback callback', async () => {
    const s = await start();
    let seen = '';
    const loop = createServer((req, res) => {
      seen = req.url ?? '';
      res.end('You can close this tab.');
    });
    await new Promise<void>((r) => loop.listen(0, '127.0.0.1', r));
    const port = (loop.address() as AddressInfo).port;
    try {
      const u = `${s.url}/login/oauth/authorize?client_id=test-client-id&redirect_uri=${encodeURIComponent(`http://127.0.0.1:${port}/callback`)}&state=q`;
      const r = await s.simulateBrowser(u);
      expect(r.callback).toEqual({ status: 200, body: 'You can close this tab.' });
      expect(seen).toMatch(/^\/callback\?code=[0-9a-f]{20}&state=q$/);
    } finally {
      await new Promise<void>((r) => loop.close(() => r()));
    }
  });
});

describe('refresh tokens', () => {
  it('rotates, and revokes the whole family when a used refresh token is replayed', async () => {
    const s = await start({ tokenLifetime: 3600 });
    const first = s.issueToken('octocat');
    expect(first.refresh_token).toMatch(/^ghr_/);
    const refresh = (rt: string, extra: Record<string, string> = {}) =>
      postJson(`${s.url}/login/oauth/access_token`, { client_id: 'test-client-id', grant_type: 'refresh_token', refresh_token: rt, ...extra });

    const r1 = await refresh(first.refresh_token!);
    expect(r1.body).toMatchObject({ expires_in: 3600, token_type: 'bearer' });
    const second = { access: String(r1.body.access_token), refresh: String(r1.body.refresh_token) };
    expect(second.refresh).not.toBe(first.refresh_token);
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'refresh_token', client_secret_sent: false });
    // "Once you use a refresh token, that refresh token and the old user access token will no longer work."
    expect(s.isTokenValid(first.access_token)).toBe(false);
    expect(s.isTokenValid(second.access)).toBe(true);
    expect(s.revocations).toEqual([expect.objectContaining({ access_token: first.access_token, via: 'refresh' })]);

    const r2 = await refresh(second.refresh, { client_secret: 'test-client-secret' });
    const third = String(r2.body.access_token);
    expect(s.grants.at(-1)?.client_secret_sent).toBe(true);
    expect(s.isTokenValid(third)).toBe(true);

    // replay of an already-used refresh token
    expect((await refresh(first.refresh_token!)).body.error).toBe('bad_refresh_token');
    expect(s.isTokenValid(first.access_token)).toBe(false);
    expect(s.isTokenValid(second.access)).toBe(false);
    expect(s.isTokenValid(third)).toBe(false);
    // The first two access tokens were already revoked by the refreshes that replaced them.
    expect(s.revocations.map((r) => [r.via, r.access_token])).toEqual([
      ['refresh', first.access_token],
      ['refresh', second.access],
      ['family', third],
    ]);
    expect((await refresh(String(r2.body.refresh_token))).body.error).toBe('bad_refresh_token');

    // unknown, wrong secret, expired
    expect((await refresh('ghr_unknown')).body.error).toBe('bad_refresh_token');
    const t = s.issueToken('octocat');
    expect((await refresh(t.refresh_token!, { client_secret: 'wrong' })).body.error).toBe('incorrect_client_credentials');
    s.expireRefreshToken(t.refresh_token!);
    expect((await refresh(t.refresh_token!)).body.error).toBe('bad_refresh_token');
  });

  it('needs the client secret to refresh web-flow tokens, not device-flow ones (documented)', async () => {
    const s = await start({ tokenLifetime: 3600 });
    const refresh = (rt: string, extra: Record<string, string> = {}) =>
      postJson(`${s.url}/login/oauth/access_token`, { client_id: 'test-client-id', grant_type: 'refresh_token', refresh_token: rt, ...extra });
    const web = s.issueToken('octocat', { flow: 'authorization_code' });
    expect((await refresh(web.refresh_token!)).body.error).toBe('incorrect_client_credentials');
    expect(s.isTokenValid(web.access_token)).toBe(true);
    expect((await refresh(web.refresh_token!, { client_secret: 'test-client-secret' })).body.access_token).toMatch(/^ghu_/);
    s.setOptions({ requireClientSecretForRefresh: true });
    const device = s.issueToken('octocat');
    expect((await refresh(device.refresh_token!)).body.error).toBe('incorrect_client_credentials');
  });
});

describe('REST API', () => {
  it('answers 401 Bad credentials for unknown, expired and revoked tokens', async () => {
    const s = await start();
    const get = (auth?: string) => fetch(`${s.url}/api/v3/user`, { headers: auth ? { authorization: auth } : {} });
    const bad = await get('Bearer gho_nope');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    expect((await get()).status).toBe(401);
    const expired = s.issueToken('octocat', { expired: true });
    expect(expired.expires_at).toBeLessThan(Date.now());
    expect((await get(`Bearer ${expired.access_token}`)).status).toBe(401);
    const t = s.issueToken('octocat', { scopes: 'repo' });
    expect(t.refresh_token).toBeUndefined();
    expect((await get(`Bearer ${t.access_token}`)).status).toBe(200);
    s.revokeToken(t.access_token);
    expect((await get(`Bearer ${t.access_token}`)).status).toBe(401);
    const unsupported = await fetch(`${s.url}/api/v3/user`, {
      headers: { authorization: `Bearer ${s.issueToken('octocat').access_token}`, 'x-github-api-version': '1999-01-01' },
    });
    expect(unsupported.status).toBe(400);
    const other = await fetch(`${s.url}/api/v3/nothing`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as Json).message).toBe('Not Found');
  });

  it('revokes tokens via DELETE /applications/:client_id/token', async () => {
    const s = await start({ tokenLifetime: 3600 });
    const t = s.issueToken('octocat');
    const del = (token: unknown, basic = 'test-client-id:test-client-secret') =>
      fetch(`${s.url}/api/v3/applications/test-client-id/token`, {
        method: 'DELETE',
        headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify(token === undefined ? {} : { access_token: token }),
      });
    expect((await del(t.access_token, 'test-client-id:wrong')).status).toBe(401);
    expect((await del(undefined)).status).toBe(422);
    const ok = await del(t.access_token);
    expect(ok.status).toBe(204);
    expect(s.isTokenValid(t.access_token)).toBe(false);
    expect(s.revocations).toEqual([expect.objectContaining({ access_token: t.access_token, via: 'api', login: 'octocat' })]);
    // its refresh token died with it
    const r = await postJson(`${s.url}/login/oauth/access_token`, {
      client_id: 'test-client-id',
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token!,
    });
    expect(r.body.error).toBe('bad_refresh_token');
    expect((await del(t.access_token)).status).toBe(404);
    expect((await del('gho_unknown')).status).toBe(404);
  });

  it('paginates /user/repos with Link headers and fixture-shaped repos', async () => {
    const s = await start();
    s.setRepos('octocat', 250);
    const { access_token } = s.issueToken('octocat');
    const headers = { authorization: `Bearer ${access_token}` };
    const pages: Json[][] = [];
    let next: string | undefined = `${s.url}/api/v3/user/repos?per_page=100&sort=full_name`;
    const links: string[] = [];
    while (next) {
      const res = await fetch(next, { headers });
      expect(res.status).toBe(200);
      const link = res.headers.get('link') ?? '';
      links.push(link);
      pages.push((await res.json()) as Json[]);
      next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(links[0]).toBe(
      `<${s.url}/api/v3/user/repos?per_page=100&sort=full_name&page=2>; rel="next", <${s.url}/api/v3/user/repos?per_page=100&sort=full_name&page=3>; rel="last"`,
    );
    expect(links[1]).toContain('rel="prev"');
    expect(links[1]).toContain('rel="first"');
    expect(links[2]).not.toContain('rel="next"');
    expect(s.requestCount('/api/v3/user/repos')).toBe(3);

    const all = pages.flat();
    expect(new Set(all.map((r) => r.id)).size).toBe(250);
    const r1 = all[0]!;
    expect(r1).toMatchObject({
      name: 'repo-0001',
      full_name: 'octocat/repo-0001',
      html_url: `${s.url}/octocat/repo-0001`,
      url: `${s.url}/api/v3/repos/octocat/repo-0001`,
      owner: expect.objectContaining({ login: 'octocat', type: 'User' }),
      permissions: expect.any(Object),
    });
    const size = JSON.stringify(r1).length;
    expect(size).toBeGreaterThan(4500);
    expect(size).toBeLessThan(8000);

    // per_page is capped at 100, visibility filters, omitLastLink
    const capped = await fetch(`${s.url}/api/v3/user/repos?per_page=500`, { headers });
    expect(((await capped.json()) as Json[]).length).toBe(100);
    const priv = (await (await fetch(`${s.url}/api/v3/user/repos?per_page=100&visibility=private`, { headers })).json()) as Json[];
    expect(priv.length).toBe(83);
    expect(priv.every((r) => r.private === true && r.visibility === 'private')).toBe(true);
    s.setOptions({ omitLastLink: true });
    const noLast = await fetch(`${s.url}/api/v3/user/repos?per_page=100&page=2`, { headers });
    expect(noLast.headers.get('link')).toMatch(/rel="prev", <[^>]+page=3>; rel="next"$/);
    // no repos → [] and no Link
    s.setRepos('octocat', 0);
    const empty = await fetch(`${s.url}/api/v3/user/repos`, { headers });
    expect(await empty.json()).toEqual([]);
    expect(empty.headers.get('link')).toBeNull();
  });

  it('applies pageDelay and latency (on a fake clock: an answer comes when its delay has passed, not before)', async () => {
    const s = await start({ pageDelay: (p) => (p === 1 ? 300 : 0) });
    s.setRepos('octocat', 3);
    const { access_token } = s.issueToken('octocat');
    const headers = { authorization: `Bearer ${access_token}` };
    // Resolves once the fake has recorded `n` requests (sockets are real; only timers are fake).
    const recorded = async (n: number) => {
      for (let turns = 0; s.requests.length < n; turns++) {
        if (turns > 1_000_000) throw new Error(`the fake never recorded ${n} requests`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      // Page 2 has no delay: it is answered while the clock stands still.
      expect(await (await fetch(`${s.url}/api/v3/user/repos?per_page=1&page=2`, { headers })).json()).toHaveLength(1);
      // Page 1 waits its 300 ms, and the answer comes once they have passed.
      let settled = false;
      const first = fetch(`${s.url}/api/v3/user/repos?per_page=1&page=1`, { headers }).then(async (r) => {
        settled = true;
        return r.json();
      });
      await recorded(2);
      await vi.advanceTimersByTimeAsync(299);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await first).toHaveLength(1);
      // Latency delays every answer.
      s.setOptions({ latencyMs: 150 });
      settled = false;
      const user = fetch(`${s.url}/api/v3/user`, { headers }).then(async (r) => {
        settled = true;
        return r.json();
      });
      await recorded(3);
      await vi.advanceTimersByTimeAsync(149);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await user).toMatchObject({ login: 'octocat' });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('fault injection and recording', () => {
  it('fails the next N requests to a path, then recovers', async () => {
    const s = await start();
    const { access_token } = s.issueToken('octocat');
    const headers = { authorization: `Bearer ${access_token}` };
    s.fail('/api/v3/user', { ...htmlErrorFault(502, 2), exact: true });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${s.url}/api/v3/user`, { headers });
      expect(r.status).toBe(502);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await r.text()).toContain('Unicorn');
    }
    expect((await fetch(`${s.url}/api/v3/user`, { headers })).status).toBe(200);

    s.fail('/api/v3/user/repos', rateLimitFault({ resetInSeconds: 30 }));
    const rl = await fetch(`${s.url}/api/v3/user/repos`, { headers });
    expect(rl.status).toBe(403);
    expect(rl.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(rl.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);

    s.fail('/api/v3/user', rateLimitFault({ kind: 'secondary', status: 429, retryAfter: 2 }));
    const sec = await fetch(`${s.url}/api/v3/user`, { headers });
    expect(sec.status).toBe(429);
    expect(sec.headers.get('retry-after')).toBe('2');

    s.fail('/login/oauth/access_token', { status: 500, body: { message: 'boom' }, method: 'POST' });
    expect((await postJson(`${s.url}/login/oauth/access_token`, {})).status).toBe(500);

    s.fail('/api/v3/user', { destroySocket: true });
    await expect(fetch(`${s.url}/api/v3/user`, { headers })).rejects.toThrow();
    expect((await fetch(`${s.url}/api/v3/user`, { headers })).status).toBe(200);
    expect(s.requests.filter((r) => r.fault)).toHaveLength(6);
  });

  it('records requests with query, headers and parsed body', async () => {
    const s = await start();
    await postForm(`${s.url}/login/device/code?x=1`, { client_id: 'test-client-id', scope: 'repo' });
    const r = s.requests[0]!;
    expect(r).toMatchObject({
      method: 'POST',
      path: '/login/device/code',
      query: { x: '1' },
      body: { client_id: 'test-client-id', scope: 'repo' },
    });
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(typeof r.time).toBe('number');
    expect(s.requestCount('/login/')).toBe(1);
  });

  it('close() destroys keep-alive sockets and requests still waiting for their answer', async () => {
    // Without destroying them, server.close() would wait for the idle socket's keep-alive timeout
    // and for ever for the held request.
    const s = await startFakeGitHub({ pageDelay: () => new Promise(() => undefined) });
    s.setRepos('octocat', 1);
    const { access_token } = s.issueToken('octocat');
    await (await fetch(`${s.url}/api/v3/user`)).text();
    const held = fetch(`${s.url}/api/v3/user/repos`, { headers: { authorization: `Bearer ${access_token}` } }).then(
      () => 'answered',
      () => 'cut off',
    );
    while (s.requestCount('/api/v3/user/repos') === 0) await new Promise((resolve) => setImmediate(resolve));
    await s.close();
    expect(await held).toBe('cut off');
  });
});

describe('scopes and authorize parameters as documented', () => {
  it('parses space- and comma-delimited scopes and records the raw parameter', async () => {
    const s = await start({ device: { interval: 0, pendingPolls: 0 } });
    await deviceCode(s, 'repo read:org');
    await deviceCode(s, 'repo,read:org');
    expect(s.deviceCodes.map((d) => [d.scope, d.scopes])).toEqual([
      ['repo read:org', ['read:org', 'repo']],
      ['repo,read:org', ['read:org', 'repo']],
    ]);
    const u = `${s.url}/login/oauth/authorize?client_id=test-client-id&redirect_uri=${encodeURIComponent('http://127.0.0.1:5000/cb')}&scope=${encodeURIComponent('repo gist')}&prompt=select_account&login=hubot&state=s`;
    const page = await (await fetch(u)).text();
    expect(page).toContain('<li class="scope">gist</li><li class="scope">repo</li>');
    expect(s.authorizeRequests).toEqual([expect.objectContaining({ scope: 'repo gist', prompt: 'select_account', login: 'hubot', state: 's' })]);
  });

  it('offers a secondary rate limit without retry-after (wait at least a minute)', async () => {
    const s = await start();
    const { access_token } = s.issueToken('octocat');
    s.fail('/api/v3/user', rateLimitFault({ kind: 'secondary', retryAfter: null }));
    const r = await fetch(`${s.url}/api/v3/user`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(r.status).toBe(403);
    expect(r.headers.get('retry-after')).toBeNull();
    expect(Number(r.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    expect(((await r.json()) as Json).message).toMatch(/secondary rate limit/);
  });
});

describe('TLS, public host names and Host-based routing', () => {
  let dir: string;
  let cert: { key: string; cert: string };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-github-tls-'));
    const names = ['ghe.corp.test', 'acme.ghe.com', 'api.acme.ghe.com'].map((n) => `DNS:${n}`).join(',');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=x', '-addext', `subjectAltName=${names}`, '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An HTTPS request to the fake's port under `host` (SNI and Host), trusting only the test certificate. */
  function httpsRequest(port: number, host: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = httpsRequestRaw(
        { host: '127.0.0.1', port, servername: host, ca: cert.cert, method: init.method ?? 'GET', path, headers: { host: `${host}:${port}`, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}), ...init.headers } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  it('GHES under a public host: https, URLs on that host, the API under /api/v3', async () => {
    const s = await start({ tls: cert, publicHost: { name: 'ghe.corp.test' }, device: { interval: 0, pendingPolls: 0 } });
    expect(s.url).toBe(`https://ghe.corp.test:${s.port}`);
    expect(s.host).toBe(`ghe.corp.test:${s.port}`);
    expect(s.loopbackUrl).toBe(`https://127.0.0.1:${s.port}`);
    const json = { accept: 'application/json', 'content-type': 'application/json' };
    const dc = await httpsRequest(s.port, 'ghe.corp.test', '/login/device/code', { method: 'POST', headers: json, body: JSON.stringify({ client_id: 'test-client-id', scope: 'repo' }) });
    expect(JSON.parse(dc.body)).toMatchObject({ verification_uri: `https://ghe.corp.test:${s.port}/login/device` });
    const { access_token } = s.issueToken('octocat');
    const me = await httpsRequest(s.port, 'ghe.corp.test', '/api/v3/user', { headers: { authorization: `Bearer ${access_token}` } });
    expect(JSON.parse(me.body)).toMatchObject({ html_url: `https://ghe.corp.test:${s.port}/octocat`, url: `https://ghe.corp.test:${s.port}/api/v3/users/octocat` });
    expect(s.requests.at(-1)).toMatchObject({ origin: `https://ghe.corp.test:${s.port}`, path: '/api/v3/user' });
    // simulateBrowser reaches the public name at the fake's port.
    let seen = '';
    const loop = createServer((req, res) => {
      seen = req.url ?? '';
      res.end('ok');
    });
    await new Promise<void>((r) => loop.listen(0, '127.0.0.1', r));
    try {
      const redirect = `http://127.0.0.1:${(loop.address() as AddressInfo).port}/callback`;
      const r = await s.simulateBrowser(`${s.url}/login/oauth/authorize?client_id=test-client-id&redirect_uri=${encodeURIComponent(redirect)}&state=q`);
      expect(r.callback).toEqual({ status: 200, body: 'ok' });
      expect(seen).toMatch(/^\/callback\?code=[0-9a-f]{20}&state=q$/);
    } finally {
      await new Promise<void>((r) => loop.close(() => r()));
    }
  });

  it('GHE.com with data residency: OAuth on acme.ghe.com, the REST API at the root of api.acme.ghe.com', async () => {
    const s = await start({ tls: cert, publicHost: { name: 'acme.ghe.com' }, device: { interval: 0, pendingPolls: 0 } });
    s.setRepos('octocat', 3);
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const dc = await httpsRequest(s.port, 'acme.ghe.com', '/login/device/code', { method: 'POST', headers: form, body: 'client_id=test-client-id&scope=repo' });
    const code = JSON.parse(dc.body) as Json;
    expect(code.verification_uri).toBe(`https://acme.ghe.com:${s.port}/login/device`);
    const tok = await httpsRequest(s.port, 'acme.ghe.com', '/login/oauth/access_token', { method: 'POST', headers: form, body: `client_id=test-client-id&grant_type=${encodeURIComponent(DEVICE_GRANT)}&device_code=${String(code.device_code)}` });
    const token = String((JSON.parse(tok.body) as Json).access_token);
    const auth = { authorization: `Bearer ${token}` };

    const repos = await httpsRequest(s.port, 'api.acme.ghe.com', '/user/repos?per_page=1', { headers: auth });
    expect(repos.status).toBe(200);
    const api = `https://api.acme.ghe.com:${s.port}`;
    expect(repos.headers.link).toBe(`<${api}/user/repos?per_page=1&page=2>; rel="next", <${api}/user/repos?per_page=1&page=3>; rel="last"`);
    expect(JSON.parse(repos.body)[0]).toMatchObject({ html_url: `https://acme.ghe.com:${s.port}/octocat/repo-0001`, url: `${api}/repos/octocat/repo-0001` });
    const root = await httpsRequest(s.port, 'api.acme.ghe.com', '/');
    expect(JSON.parse(root.body)).toEqual({ current_user_url: `${api}/user` });
    // No /api/v3 on the API host, and no OAuth pages there either.
    expect((await httpsRequest(s.port, 'api.acme.ghe.com', '/api/v3/user', { headers: auth })).status).toBe(404);
    expect((await httpsRequest(s.port, 'api.acme.ghe.com', '/login/device/code', { method: 'POST', headers: form, body: 'client_id=test-client-id' })).status).toBe(404);
    // Revocation with the app's credentials, at the API root.
    const basic = `Basic ${Buffer.from('test-client-id:test-client-secret').toString('base64')}`;
    const del = await httpsRequest(s.port, 'api.acme.ghe.com', '/applications/test-client-id/token', { method: 'DELETE', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ access_token: token }) });
    expect(del.status).toBe(204);
    expect(s.isTokenValid(token)).toBe(false);
  });

  it('github.com style through a client that uses the fake as its HTTP proxy (absolute-form targets)', async () => {
    const s = await start();
    s.setRepos('octocat', 150);
    const { access_token } = s.issueToken('octocat');
    const raw = (target: string) =>
      new Promise<{ head: string; body: string }>((resolve, reject) => {
        const sock = connect(s.port, '127.0.0.1', () => {
          sock.write(`GET ${target} HTTP/1.1\r\nHost: ${new URL(target).host}\r\nAuthorization: token ${access_token}\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        sock.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => {
          const i = text.indexOf('\r\n\r\n');
          resolve({ head: text.slice(0, i), body: text.slice(i + 4) });
        });
        sock.on('error', reject);
      });
    const page = await raw('http://api.github.localhost/user/repos?per_page=100');
    expect(page.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(page.head).toContain('link: <http://api.github.localhost/user/repos?per_page=100&page=2>; rel="next", <http://api.github.localhost/user/repos?per_page=100&page=2>; rel="last"');
    expect(JSON.parse(page.body)[0]).toMatchObject({ html_url: 'http://github.localhost/octocat/repo-0001', url: 'http://api.github.localhost/repos/octocat/repo-0001' });
    const me = await raw('http://api.github.localhost/user');
    expect(JSON.parse(me.body)).toMatchObject({ login: 'octocat', html_url: 'http://github.localhost/octocat' });
    expect(s.requests.at(-1)).toMatchObject({ origin: 'http://api.github.localhost', path: '/user' });
    expect(s.requestCount('/user/repos')).toBe(1);
  });
});
