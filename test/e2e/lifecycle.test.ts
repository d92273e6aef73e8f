// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Issue 4: expiring tokens, refresh safe across processes, token, refresh, revoke, and a logout
// that revokes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainEntries } from '../support/cli.js';
import { expectExpiresIn } from '../support/expiry.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeEach(async () => {
  // Tokens from sign-in expire in 2 s; refreshed ones last an hour (set in each test).
  w = await setUp({ tokenLifetime: 2 });
});
afterEach(async () => {
  await w.close();
});

const SECRET = { OAUTHCLI_GITHUB_CLIENT_SECRET: 'test-client-secret' };

async function stored(key = accountKeyFor(w)) {
  const entry = (await keychainEntries()).find((e) => e.account === key);
  return entry ? (JSON.parse(entry.secret) as Record<string, unknown>) : undefined;
}

const refreshGrants = () => w.server.grants.filter((g) => g.grant_type === 'refresh_token');

describe('expiring tokens', () => {
  it('stores the whole token set with absolute expiry times, and shows the expiry', async () => {
    await w.signIn();
    const set = (await stored())!;
    expect(set).toMatchObject({ tokenType: 'bearer', scopes: ['read:user', 'repo'] });
    expect(set.accessToken).toBe(w.server.grants[0]!.access_token);
    expect(set.refreshToken).toBe(w.server.grants[0]!.refresh_token);
    expectExpiresIn(set.expiresAt, 2, w.server.grants[0]!.time);
    // GitHub's refresh tokens last six months (15,897,600 s).
    expectExpiresIn(set.refreshTokenExpiresAt, 15_897_600, w.server.grants[0]!.time);
    // --offline: what is stored (asking the provider would refresh a token this short-lived first).
    const status = JSON.parse((await w.cli(['status', '--offline', '--json'])).stdout)[0];
    expect(status.expiresAt).toBe(set.expiresAt);
    w.server.setOptions({ tokenLifetime: 3600 });
    const who = await w.cli(['whoami']);
    expect(who.stdout).toMatch(/Token:\s+expires in (59|60) min/);
  });

  it('whoami after the access token expired refreshes first and leaves a new token set in the keychain', async () => {
    await w.signIn();
    const before = (await stored())!;
    // Its 2 s are over (at the fake; the CLI refreshes a token this close to its expiry either way).
    w.server.expireAccessToken(before.accessToken as string);
    expect(w.server.isTokenValid(before.accessToken as string)).toBe(false);
    w.server.setOptions({ tokenLifetime: 3600 });
    const res = await w.cli(['whoami', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).login).toBe('octocat');
    const after = (await stored())!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(w.server.isTokenValid(after.accessToken as string)).toBe(true);
    expect(refreshGrants()).toHaveLength(1);
    expectExpiresIn(after.expiresAt, 3600, refreshGrants()[0]!.time);
    // Tokens from the device flow refresh without a client secret.
    expect(refreshGrants()[0]!.client_secret_sent).toBe(false);
    expect(res.stdout + res.stderr).not.toContain(after.accessToken as string);
  });

  it('8 `token` processes started together on an expired token: one refresh, all exit 0 with the same valid token', async () => {
    await w.signIn();
    w.server.setOptions({ tokenLifetime: 3600 });
    const results = await Promise.all(Array.from({ length: 8 }, () => w.cli(['token'], { timeoutMs: 45_000 })));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
    const tokens = new Set(results.map((r) => r.stdout));
    expect(tokens.size).toBe(1);
    const token = [...tokens][0]!.trimEnd();
    expect(w.server.isTokenValid(token)).toBe(true);
    expect(refreshGrants()).toHaveLength(1);
    expect(w.server.revocations.filter((r) => r.via === 'family')).toEqual([]);
    expect((await stored())!.accessToken).toBe(token);
  });

  it('a refresh the provider refuses (revoked family): exit 4, account marked, nothing half-written', async () => {
    await w.signIn();
    const before = (await stored())!;
    // Someone replays the refresh token: the server revokes the whole family.
    const replay = () =>
      fetch(`${w.server.url}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before.refreshToken as string, client_id: 'test-client-id' }),
      }).then((r) => r.json());
    await replay();
    expect(await replay()).toMatchObject({ error: 'bad_refresh_token' });

    const res = await w.cli(['whoami']);
    expect(res.code).toBe(4);
    expect(res.stderr.trim()).toMatch(/^oauthcli: .*expired.*oauthcli login github --hostname 127\.0\.0\.1:\d+$/);
    expect(await stored()).toEqual(before);
    expect(w.config().accounts[accountKeyFor(w)]!.needsLogin).toBe(true);
    const status = await w.cli(['status']);
    expect(status.stdout).toMatch(/sign-in expired/);
    // Every later command says so at once, without another refresh attempt.
    const grants = w.server.grants.length;
    expect((await w.cli(['token'])).code).toBe(4);
    expect(w.server.grants.length).toBe(grants);
    // Signing in again clears the mark.
    await w.signIn();
    expect(w.config().accounts[accountKeyFor(w)]!.needsLogin).toBeUndefined();
  });
});

describe('token and refresh', () => {
  it('`token` prints the token and a newline on stdout, nothing else', async () => {
    w.server.setOptions({ tokenLifetime: undefined });
    await w.signIn();
    const res = await w.cli(['token', 'github', '--hostname', w.host]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`${w.server.grants[0]!.access_token}\n`);
    expect(res.stderr).toBe('');
  });

  it('`refresh` refreshes now and prints the new expiry; the client secret is sent when configured', async () => {
    w.server.setOptions({ tokenLifetime: 3600 });
    await w.signIn();
    const res = await w.cli(['refresh'], { env: SECRET });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Refreshed the token for octocat .*expires in (59|60) min/);
    expect(refreshGrants()).toHaveLength(1);
    expect(refreshGrants()[0]!.client_secret_sent).toBe(true);
    expect((await stored())!.accessToken).toBe(refreshGrants()[0]!.access_token);
  });

  it('`refresh` of a token without a refresh token: exit 1 with a clear line', async () => {
    w.server.setOptions({ tokenLifetime: undefined });
    await w.signIn();
    const res = await w.cli(['refresh']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^oauthcli: .*has no refresh token/);
  });
});

describe('revoke', () => {
  beforeEach(() => w.server.setOptions({ tokenLifetime: undefined }));

  it('revokes at GitHub with Basic client credentials, then forgets locally', async () => {
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const res = await w.cli(['revoke'], { env: SECRET });
    expect(res.code, res.stderr).toBe(0);
    const call = w.server.requests.find((r) => r.method === 'DELETE' && r.path === '/api/v3/applications/test-client-id/token')!;
    expect(call.authorization).toBe(`Basic ${Buffer.from('test-client-id:test-client-secret').toString('base64')}`);
    expect(JSON.parse(call.rawBody)).toEqual({ access_token: token });
    expect(w.server.isTokenValid(token)).toBe(false);
    expect(await stored()).toBeUndefined();
    expect(w.config().accounts).toEqual({});
    expect(res.stderr).not.toContain(token);
  });

  it('without a client secret, or when the provider fails: keeps the local copy, says why, exit 1', async () => {
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const noSecret = await w.cli(['revoke']);
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/client secret/);
    w.server.fail('/api/v3/applications', { status: 500, body: { message: 'boom' }, times: 5 });
    const broken = await w.cli(['revoke'], { env: SECRET });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/could not revoke.*HTTP 500/);
    expect((await stored())!.accessToken).toBe(token);
    expect((await w.cli(['whoami'])).code).toBe(0);
  });

  it('a token already gone at the provider (404) counts as revoked', async () => {
    await w.signIn();
    w.server.revokeToken(w.server.grants[0]!.access_token);
    const res = await w.cli(['revoke'], { env: SECRET });
    expect(res.code).toBe(0);
    expect(await stored()).toBeUndefined();
  });
});

describe('logout', () => {
  beforeEach(() => w.server.setOptions({ tokenLifetime: undefined }));

  it('forgets locally and revokes remotely when it can, and says so', async () => {
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const res = await w.cli(['logout'], { env: SECRET });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/revoked at GitHub/);
    expect(w.server.isTokenValid(token)).toBe(false);
    expect(await stored()).toBeUndefined();
  });

  it('forgets locally even when revocation fails, and says what happened with the URL to revoke by hand', async () => {
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const res = await w.cli(['logout']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/not revoked: .*client secret/);
    expect(res.stderr).toContain('/settings/connections/applications/test-client-id');
    expect(w.server.isTokenValid(token)).toBe(true);
    expect(await stored()).toBeUndefined();

    await w.signIn();
    w.server.fail('/api/v3/applications', { destroySocket: true, times: 5 });
    const net = await w.cli(['logout'], { env: SECRET });
    expect(net.code).toBe(0);
    expect(net.stderr).toMatch(/not revoked: could not reach/);
    expect(await stored()).toBeUndefined();
  });

  it('--keep-remote makes no call to the provider', async () => {
    await w.signIn();
    const res = await w.cli(['logout', '--keep-remote'], { env: SECRET });
    expect(res.code).toBe(0);
    expect(w.server.requests.filter((r) => r.path.startsWith('/api/v3/applications'))).toEqual([]);
    expect(res.stderr).toMatch(/--keep-remote/);
    expect(w.server.isTokenValid(w.server.grants[0]!.access_token)).toBe(true);
  });
});
