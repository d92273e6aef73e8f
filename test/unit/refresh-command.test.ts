// `oauthcli refresh` in process (src/cli/commands/refresh.ts through the World seam, GitHub's
// token endpoint and device flow answered by a fake HTTP client): a refresh-token grant whatever
// the expiry, `--scopes` signing in again for the same account, and the one line (with its exit
// code) each failure gives, with no token on either stream.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/refresh.js';
import type { RefreshOptions } from '../../src/cli/commands/refresh.js';
import type { TokenSet } from '../../src/token-set.js';
import { accountMeta, commandWorld, exitCodeOf, inMinutes, storeAccount } from '../support/command-world.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import type { TestWorld } from '../support/test-world.js';

const HOST = 'ghe.example.com';
const octocat = accountMeta('github', HOST, 'octocat', { id: '1', scopes: ['repo'] });
const expiring = (): TokenSet => ({ accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(120), refreshTokenExpiresAt: inMinutes(60 * 24 * 30), tokenType: 'bearer', scopes: ['repo'] });

/** GitHub's refresh grant answer (expiring user tokens: 8 hours, the refresh token 6 months). */
const refreshed = { access_token: 'ghu_new', refresh_token: 'ghr_new', expires_in: 28_800, refresh_token_expires_in: 15_897_600, token_type: 'bearer', scope: 'repo' };

function world(http: FakeHttpClient, env: NodeJS.ProcessEnv = {}): TestWorld {
  return commandWorld({ http, env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', ...env } });
}

const refresh = (t: TestWorld, opts: RefreshOptions = {}, provider: string | undefined = 'github') => exitCodeOf(t, () => run(t.world, provider, { hostname: HOST, ...opts }), 'refresh');

const grants = (http: FakeHttpClient) => http.requests.map((r) => r.form?.grant_type);

describe('refresh', () => {
  it('sends a refresh grant even for a token that lasts hours, stores the new tokens, and says when they expire on stdout', async () => {
    const http = fakeHttpClient((req) => (req.url.pathname === '/login/oauth/access_token' ? { body: refreshed } : { status: 404, body: { message: 'Not Found' } }));
    const t = world(http);
    await storeAccount(t, octocat, expiring());
    expect(await refresh(t)).toBe(0);
    expect(grants(http)).toEqual(['refresh_token']);
    expect(http.requests[0]!.url.href).toBe(`https://${HOST}/login/oauth/access_token`);
    expect(http.requests[0]!.form).toMatchObject({ refresh_token: 'ghr_old', client_id: 'cid' });
    const stored = (await t.world.secrets('keychain').get(octocat.key))!;
    expect(stored).toMatchObject({ accessToken: 'ghu_new', refreshToken: 'ghr_new' });
    expect(t.stdout()).toBe(`Refreshed the token for octocat on ${HOST}: expires in 8 h (${stored.expiresAt})\n`);
    expect(t.stderr()).toBe('');
  });

  it('the provider refuses the refresh token: exit 4, the sign-in marked expired, the stored tokens kept, no token printed', async () => {
    // https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
    const http = fakeHttpClient(() => ({ body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' } }));
    const t = world(http);
    await storeAccount(t, octocat, expiring());
    expect(await refresh(t)).toBe(4);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe(`oauthcli: the sign-in to ${HOST} as octocat has expired. Run: oauthcli login github --hostname ${HOST}\n`);
    expect(t.world.accounts.get(octocat.key)!.needsLogin).toBe(true);
    expect((await t.world.secrets('keychain').get(octocat.key))!.accessToken).toBe('ghu_old');
  });

  it('a sign-in already marked expired: exit 4 with the login command, and no request', async () => {
    const t = world(noRequestsHttpClient());
    await storeAccount(t, { ...octocat, needsLogin: true }, expiring());
    expect(await refresh(t)).toBe(4);
    expect(t.stderr()).toBe(`oauthcli: the sign-in to ${HOST} as octocat has expired. Run: oauthcli login github --hostname ${HOST}\n`);
  });

  it('a token without a refresh token: exit 1, one line saying why, no request', async () => {
    const t = world(noRequestsHttpClient());
    await storeAccount(t, octocat, { accessToken: 'gho_classic', tokenType: 'bearer', scopes: ['repo'] });
    expect(await refresh(t)).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe(`oauthcli: the token for octocat on ${HOST} has no refresh token, so it cannot be refreshed\n`);
  });

  it('a token from the environment: exit 1, the variable named, the token not', async () => {
    const t = world(noRequestsHttpClient(), { OAUTHCLI_GITHUB_TOKEN: 'gho_fromEnv0123456789' });
    expect(await refresh(t, { hostname: undefined })).toBe(1);
    expect(t.stderr()).toBe('oauthcli: a token from OAUTHCLI_GITHUB_TOKEN cannot be refreshed by oauthcli\n');
    expect(t.stdout()).toBe('');
  });

  it('not signed in: exit 4 with the login command for that host', async () => {
    const t = world(noRequestsHttpClient());
    expect(await refresh(t)).toBe(4);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(new RegExp(`^oauthcli: not signed in to [^\\n]*Run: oauthcli login github --hostname ${HOST.replace(/\./g, '\\.')}\\n$`));
  });

  it('an unknown provider is a usage error (exit 2)', async () => {
    const t = world(noRequestsHttpClient());
    expect(await refresh(t, {}, 'nope')).toBe(2);
    expect(t.stderr()).toMatch(/^oauthcli: unknown provider 'nope'[^\n]*\n$/);
  });
});

describe('refresh --scopes', () => {
  /** GitHub's device flow (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow) signing in `login`. */
  function deviceFlow(login: string, id: number) {
    const http: FakeHttpClient = fakeHttpClient((req) => {
      if (req.url.pathname === '/login/device/code') return { body: { device_code: 'dc', user_code: 'ABCD-1234', verification_uri: `https://${HOST}/login/device`, expires_in: 900, interval: 1 } };
      if (req.url.pathname === '/login/oauth/access_token') return { body: { access_token: 'gho_again0123456789', token_type: 'bearer', scope: String(http.requests[0]!.form?.scope).replace(/ /g, ',') } };
      if (req.url.pathname === '/api/v3/user') return { headers: { 'x-oauth-scopes': 'repo, read:org' }, body: { login, id } };
      return { status: 404, body: { message: 'Not Found' } };
    });
    return http;
  }

  it('signs in again asking for the current scopes plus the new ones, and keeps the account', async () => {
    const http = deviceFlow('octocat', 1);
    const t = world(http);
    await storeAccount(t, octocat, expiring());
    expect(await refresh(t, { scopes: 'read:org' })).toBe(0);
    expect(http.requests[0]!.form?.scope?.split(' ')).toEqual(['repo', 'read:org']);
    expect(t.world.accounts.list().map((a) => a.key)).toEqual([octocat.key]);
    expect(t.world.accounts.get(octocat.key)!.scopes).toEqual(['repo', 'read:org']);
    expect((await t.world.secrets('keychain').get(octocat.key))!.accessToken).toBe('gho_again0123456789');
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toContain('ABCD-1234');
    expect(t.stderr()).toMatch(new RegExp(`Signed in again to ${HOST.replace(/\./g, '\\.')} as octocat with the scopes repo, read:org\\n$`));
    for (const secret of ['gho_again0123456789', 'ghu_old', 'ghr_old']) expect(t.stderr()).not.toContain(secret);
  });

  it('someone else signing in at the provider changes nothing: exit 1, the account and its tokens as they were', async () => {
    const http = deviceFlow('hubot', 2);
    const t = world(http);
    await storeAccount(t, octocat, expiring());
    expect(await refresh(t, { scopes: 'read:org' })).toBe(1);
    expect(t.stderr()).toMatch(/oauthcli: you signed in as hubot, but this is octocat's account; nothing was changed\. [^\n]*\n$/);
    expect(t.world.accounts.list().map((a) => a.key)).toEqual([octocat.key]);
    expect(t.world.accounts.get(octocat.key)!.scopes).toEqual(['repo']);
    expect((await t.world.secrets('keychain').get(octocat.key))!.accessToken).toBe('ghu_old');
    expect(t.stdout()).toBe('');
  });

  it('usage errors (exit 2), before any request: no scope given, or a token from the environment', async () => {
    const t = world(noRequestsHttpClient());
    await storeAccount(t, octocat, expiring());
    expect(await refresh(t, { scopes: ' , ' })).toBe(2);
    expect(t.stderr()).toBe("oauthcli: --scopes needs at least one scope, e.g. --scopes read:org. Run 'oauthcli refresh --help' for usage.\n");

    const env = world(noRequestsHttpClient(), { OAUTHCLI_GITHUB_TOKEN: 'gho_fromEnv0123456789' });
    expect(await refresh(env, { hostname: undefined, scopes: 'read:org' })).toBe(2);
    expect(env.stderr()).toBe('oauthcli: --scopes signs in again, which a token from the environment cannot do\n');
    expect(env.stderr()).not.toContain('gho_fromEnv0123456789');
  });
});
