import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.ts';
import { gitlabRateLimitFault, pkceChallenge, startFakeGitLab } from '../support/gitlab-server.js';
import type { FakeGitLab, FakeGitLabOptions } from '../support/gitlab-server.js';

type Json = Record<string, unknown>;
const servers: FakeGitLab[] = [];
async function start(opts: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const s = await startFakeGitLab(opts);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const REDIRECT = 'http://127.0.0.1:41234/callback';
function authUrl(s: FakeGitLab, verifier?: string, scope = 'read_user read_api'): string {
  const u = new URL(`${s.url}/oauth/authorize`);
  u.searchParams.set('client_id', s.options.clientId);
  u.searchParams.set('redirect_uri', REDIRECT);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('state', 'gl-state');
  u.searchParams.set('scope', scope);
  if (verifier) {
    u.searchParams.set('code_challenge', pkceChallenge(verifier));
    u.searchParams.set('code_challenge_method', 'S256');
  }
  return u.toString();
}

function parseLink(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (m) out[m[2]!] = m[1]!;
  }
  return out;
}

describe('fake GitLab', () => {
  it('web flow with PKCE: code → tokens; token works on /api/v4/user and /oauth/token/info', async () => {
    const s = await start();
    const noPkce = await s.simulateBrowser(authUrl(s), { followRedirect: false });
    expect(new URL(noPkce.location).searchParams.get('error')).toBe('invalid_request');

    const verifier = randomBytes(32).toString('base64url');
    const { location } = await s.simulateBrowser(authUrl(s, verifier), { followRedirect: false });
    const cb = new URL(location);
    expect(cb.searchParams.get('state')).toBe('gl-state');
    const code = cb.searchParams.get('code')!;
    const base = { grant_type: 'authorization_code', code, client_id: s.options.clientId, redirect_uri: REDIRECT };
    expect(await post(`${s.url}/oauth/token`, { ...base, code_verifier: 'x'.repeat(43) })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await post(`${s.url}/oauth/token`, { ...base, client_id: 'nope', code_verifier: verifier })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const ok = await post(`${s.url}/oauth/token`, { ...base, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      access_token: expect.stringMatching(/^[0-9a-f]{64}$/),
      token_type: 'Bearer',
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/),
      scope: 'read_user read_api',
      created_at: expect.any(Number),
    });
    expect(s.grants[0]).toMatchObject({ grant_type: 'authorization_code', pkce: true, client_secret_sent: false });
    // Replaying the code fails and revokes what it issued.
    expect(await post(`${s.url}/oauth/token`, { ...base, code_verifier: verifier })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(s.isTokenValid(String(ok.body.access_token))).toBe(false);

    const t = s.issueToken();
    const user = await fetch(`${s.url}/api/v4/user`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ id: 4242, username: 'jdoe', name: 'Jane Doe', state: 'active', web_url: `${s.url}/jdoe`, email: 'jdoe@example.com', public_email: '' });
    const info = await fetch(`${s.url}/oauth/token/info`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(await info.json()).toMatchObject({ resource_owner_id: 4242, scope: ['read_user', 'read_api'], application: { uid: s.options.clientId } });

    const denied = await s.simulateBrowser(authUrl(s, verifier), { decision: 'deny', followRedirect: false });
    expect(new URL(denied.location).searchParams.get('error')).toBe('access_denied');
  });

  it('401 shapes: missing/unknown, expired, revoked; 403 insufficient_scope', async () => {
    const s = await start();
    const none = await fetch(`${s.url}/api/v4/user`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: '401 Unauthorized' });
    const expired = s.issueToken(undefined, { expired: true });
    const e = await fetch(`${s.url}/api/v4/user`, { headers: { authorization: `Bearer ${expired.access_token}` } });
    expect(e.status).toBe(401);
    expect(await e.json()).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/expired/) });
    const t = s.issueToken();
    s.revokeToken(t.access_token);
    const r = await fetch(`${s.url}/api/v4/user`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(await r.json()).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(/revoked/) });
    const narrow = s.issueToken(undefined, { scopes: 'read_repository' });
    const f = await fetch(`${s.url}/api/v4/user`, { headers: { authorization: `Bearer ${narrow.access_token}` } });
    expect(f.status).toBe(403);
    expect(await f.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refresh rotates: new pair, old refresh + access tokens invalid; revoke (RFC 7009)', async () => {
    const s = await start();
    const t = s.issueToken();
    const r1 = await post(`${s.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: s.options.clientId });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(t.refresh_token);
    expect(r1.body.access_token).not.toBe(t.access_token);
    expect(s.isTokenValid(t.access_token)).toBe(false);
    expect(s.isRefreshTokenValid(t.refresh_token)).toBe(false);
    const replay = await post(`${s.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: s.options.clientId });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(s.isTokenValid(String(r1.body.access_token))).toBe(true);

    const rev = await post(`${s.url}/oauth/revoke`, { token: String(r1.body.access_token), client_id: s.options.clientId });
    expect(rev).toEqual({ status: 200, body: {} });
    expect(s.isTokenValid(String(r1.body.access_token))).toBe(false);
    expect(s.isRefreshTokenValid(String(r1.body.refresh_token))).toBe(false);
    expect(s.revocations.map((x) => x.via)).toEqual(['refresh', 'api']);
    // Unknown token → still 200 (RFC 7009); bad client → 401.
    expect((await post(`${s.url}/oauth/revoke`, { token: 'nope', client_id: s.options.clientId })).status).toBe(200);
    expect((await post(`${s.url}/oauth/revoke`, { token: 'nope', client_id: 'other' })).status).toBe(401);
  });

  it('confidential apps need client_secret (body or Basic)', async () => {
    const s = await start({ confidential: true });
    const t = s.issueToken();
    const noSecret = await post(`${s.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: s.options.clientId });
    expect(noSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const basic = `Basic ${Buffer.from(`${s.options.clientId}:${s.options.clientSecret}`).toString('base64')}`;
    const ok = await post(`${s.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: t.refresh_token }, { authorization: basic });
    expect(ok.status).toBe(200);
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'refresh_token', client_secret_sent: true });
  });

  it('device flow: authorize_device shape, pending/slow_down/denied/expired (all HTTP 400), approval', async () => {
    // The fake's poll interval is checked on performance.now(): a fake clock moved by the test,
    // so a quick poll is early and a later one on time however fast this machine runs.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => void vi.useRealTimers());
    const s = await start({ device: { interval: 0.05 } });
    const da = await post(`${s.url}/oauth/authorize_device`, { client_id: s.options.clientId, scope: 'read_user read_api' });
    expect(da.status).toBe(200);
    expect(da.body).toEqual({
      device_code: expect.any(String),
      user_code: expect.any(String),
      verification_uri: `${s.url}/oauth/device`,
      verification_uri_complete: `${s.url}/oauth/device?user_code=${String(da.body.user_code)}`,
      expires_in: 300,
      interval: 0.05,
    });
    const poll = (dc: unknown) => post(`${s.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT, device_code: String(dc), client_id: s.options.clientId });
    expect(await poll(da.body.device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    expect(await poll(da.body.device_code)).toMatchObject({ status: 400, body: { error: 'slow_down' } });
    vi.advanceTimersByTime(80);
    const ok = await poll(da.body.device_code);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 7200, scope: 'read_user read_api' });
    expect(s.grants.at(-1)).toMatchObject({ grant_type: 'device_code', username: 'jdoe' });

    s.setDevice({ outcome: 'access_denied', pendingPolls: 0 });
    const d2 = await post(`${s.url}/oauth/authorize_device`, { client_id: s.options.clientId, scope: 'read_user' });
    expect(await poll(d2.body.device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
    s.setDevice({ outcome: 'approve', expiresIn: 0 });
    const d3 = await post(`${s.url}/oauth/authorize_device`, { client_id: s.options.clientId, scope: 'read_user' });
    expect(await poll(d3.body.device_code)).toMatchObject({ status: 400, body: { error: 'expired_token' } });

    s.setDevice({ outcome: 'manual', expiresIn: 300 });
    const d4 = await post(`${s.url}/oauth/authorize_device`, { client_id: s.options.clientId, scope: 'read_user' });
    const page = await fetch(`${s.url}/oauth/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: String(d4.body.user_code), decision: 'authorize' }),
    });
    expect(await page.text()).toContain('id="result"');
    expect(s.deviceCodes.at(-1)!.status).toBe('approved');
  });

  it('paginates /api/v4/projects with x-* headers and absolute Link URLs', async () => {
    const s = await start();
    s.setProjects('jdoe', 45);
    const t = s.issueToken();
    const get = (q: string) => fetch(`${s.url}/api/v4/projects?${q}`, { headers: { authorization: `Bearer ${t.access_token}` } });
    const r1 = await get('membership=true&per_page=20&order_by=id&sort=asc');
    expect(r1.status).toBe(200);
    expect(Object.fromEntries(['x-page', 'x-per-page', 'x-total', 'x-total-pages', 'x-next-page', 'x-prev-page'].map((h) => [h, r1.headers.get(h)]))).toEqual({
      'x-page': '1',
      'x-per-page': '20',
      'x-total': '45',
      'x-total-pages': '3',
      'x-next-page': '2',
      'x-prev-page': '',
    });
    const links = parseLink(r1.headers.get('link'));
    expect(Object.keys(links).sort()).toEqual(['first', 'last', 'next']);
    expect(links.next).toMatch(new RegExp(`^${s.url}/api/v4/projects\\?`));
    expect(new URL(links.next!).searchParams.get('page')).toBe('2');
    expect(new URL(links.last!).searchParams.get('page')).toBe('3');
    const p1 = (await r1.json()) as Json[];
    expect(p1).toHaveLength(20);
    expect(p1[0]).toMatchObject({
      id: 42420001,
      name: 'project-0001',
      path: 'project-0001',
      path_with_namespace: 'jdoe/project-0001',
      name_with_namespace: 'Jane Doe / project-0001',
      visibility: 'public',
      web_url: `${s.url}/jdoe/project-0001`,
      default_branch: 'main',
      archived: false,
      namespace: { path: 'jdoe', kind: 'user', full_path: 'jdoe' },
      topics: expect.any(Array),
      star_count: expect.any(Number),
      forks_count: expect.any(Number),
      last_activity_at: expect.any(String),
    });

    const r3 = await fetch(links.last!, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(r3.headers.get('x-next-page')).toBe('');
    expect(r3.headers.get('x-prev-page')).toBe('2');
    expect(Object.keys(parseLink(r3.headers.get('link'))).sort()).toEqual(['first', 'last', 'prev']);
    expect((await r3.json()) as Json[]).toHaveLength(5);

    const priv = (await (await get('membership=true&visibility=private&per_page=100&simple=true')).json()) as Json[];
    expect(priv).toHaveLength(15);
    expect(priv[0]).not.toHaveProperty('visibility'); // simple=true
    const desc = (await (await get('membership=true&per_page=5')).json()) as Json[];
    expect(desc[0]!.name).toBe('project-0045'); // default order_by=created_at sort=desc
    expect((await get('order_by=bogus')).status).toBe(400);
  });

  it("gzips JSON for a client that accepts it, as GitLab's nginx does (20 bytes and up)", async () => {
    const s = await start();
    s.setProjects('jdoe', 3);
    const t = s.issueToken();
    // node:http, not fetch: fetch always asks for gzip and decodes it out of sight.
    const head = (encoding: string | undefined) =>
      new Promise<{ encoding: string | undefined; vary: string | undefined }>((resolve, reject) => {
        const req = request(`${s.url}/api/v4/projects?membership=true`, { headers: { authorization: `Bearer ${t.access_token}`, ...(encoding ? { 'accept-encoding': encoding } : {}) } }, (res) => {
          res.resume();
          resolve({ encoding: res.headers['content-encoding'], vary: res.headers.vary });
        });
        req.on('error', reject).end();
      });
    expect(await head('gzip, deflate, br')).toEqual({ encoding: 'gzip', vary: 'Accept-Encoding' });
    expect((await head(undefined)).encoding).toBeUndefined();
    expect((await head('gzip;q=0')).encoding).toBeUndefined();
  });

  it('pageDelay, faults and rate limit fault; requestCount', async () => {
    const s = await start({ pageDelay: (p) => (p === 2 ? 150 : 0) });
    s.setProjects('jdoe', 10);
    const t = s.issueToken();
    const auth = { authorization: `Bearer ${t.access_token}` };
    const t0 = Date.now();
    await (await fetch(`${s.url}/api/v4/projects?membership=true&per_page=5&page=2`, { headers: auth })).arrayBuffer();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    s.fail('/api/v4/projects', gitlabRateLimitFault({ retryAfter: 2 }));
    const limited = await fetch(`${s.url}/api/v4/projects?membership=true`, { headers: auth });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.text()).toBe('Retry later\n');
    expect((await fetch(`${s.url}/api/v4/projects?membership=true`, { headers: auth })).status).toBe(200);
    expect(s.requestCount('/api/v4/projects')).toBe(3);
  });
});

describe('fake GitLab: the device grant by version (docs.gitlab.com/api/oauth2/#device-authorization-grant-flow)', () => {
  it('deviceFlow: false (before 17.2): no route, Rails 404 page; the token endpoint does not know the grant', async () => {
    const s = await start({ deviceFlow: false });
    const res = await fetch(`${s.url}/oauth/authorize_device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: s.options.clientId, scope: 'read_user' }),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<title>[^<]*\(404\)<\/title>/);
    const poll = await post(`${s.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT, device_code: 'x', client_id: s.options.clientId });
    expect(poll).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    // A GET of an unknown path goes to the sign-in page, as GitLab's catch-all route does for a signed-out user.
    const page = await fetch(`${s.url}/oauth/device`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`${s.url}/users/sign_in`);
    expect(s.deviceCodes).toEqual([]);
  });

  it("deviceFlow: 'flag-off' (17.2–17.8, flag disabled): 204 No Content, empty body", async () => {
    const s = await start({ deviceFlow: 'flag-off' });
    const res = await fetch(`${s.url}/oauth/authorize_device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: s.options.clientId, scope: 'read_user' }),
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    s.setOptions({ deviceFlow: true });
    expect((await post(`${s.url}/oauth/authorize_device`, { client_id: s.options.clientId, scope: 'read_user' })).status).toBe(200);
    expect(s.deviceCodes[0]).toMatchObject({ scope: 'read_user', scopes: ['read_user'] });
  });
});

describe('fake GitLab under a public host name', () => {
  it('makes every URL from its external URL', async () => {
    const s = await start({ publicHost: { name: 'gitlab.corp.test' } });
    expect(s.url).toBe(`http://gitlab.corp.test:${s.port}`);
    s.setProjects('jdoe', 3);
    const da = await post(`${s.loopbackUrl}/oauth/authorize_device`, { client_id: s.options.clientId, scope: 'read_user' });
    expect(da.body.verification_uri).toBe(`${s.url}/oauth/device`);
    const t = s.issueToken();
    const r = await fetch(`${s.loopbackUrl}/api/v4/projects?membership=true&per_page=1`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(parseLink(r.headers.get('link')).next).toMatch(new RegExp(`^${s.url}/api/v4/projects\\?`));
    expect(((await r.json()) as Json[])[0]).toMatchObject({ web_url: `${s.url}/jdoe/project-0003`, ssh_url_to_repo: 'git@gitlab.corp.test:jdoe/project-0003.git' });
    const { location } = await s.simulateBrowser(authUrl(s, randomBytes(32).toString('base64url')), { followRedirect: false });
    expect(new URL(location).searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/);
  });
});
