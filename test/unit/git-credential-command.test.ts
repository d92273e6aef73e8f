// `oauthcli git-credential get|store|erase|capability` in process (src/cli/commands/git-credential.ts
// through the World seam): what git reads on stdout for each operation, what the user reads on
// stderr, the exit codes, and that a token goes to stdout only as git's answer for its own host.
// Which account answers which host is test/unit/git-credential.test.ts's subject.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/git-credential.js';
import { accountMeta, commandWorld, exitCodeOf, inMinutes, storeAccount } from '../support/command-world.js';
import { fakeHttpClient, noRequestsHttpClient } from '../support/fake-http-client.js';
import type { TestWorldOptions } from '../support/test-world.js';

/** What git writes to a helper's stdin for `git fetch https://HOST/octo/repo.git`. */
const request = (host = 'github.com', protocol = 'https') => `protocol=${protocol}\nhost=${host}\n\n`;

const octocat = accountMeta('github', 'github.com', 'octocat', { scopes: ['repo'] });

function world(stdin: string, options: TestWorldOptions = {}) {
  return commandWorld({ http: noRequestsHttpClient(), ...options, stdin, env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', ...options.env } });
}

const gitCredential = (t: ReturnType<typeof world>, operation: string) => exitCodeOf(t, () => run(t.world, operation), 'git-credential');

describe('git-credential get', () => {
  it("answers with the host's account and token, on stdout only, and nothing on stderr", async () => {
    const t = world(request());
    await storeAccount(t, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: ['repo'] });
    expect(await gitCredential(t, 'get')).toBe(0);
    expect(t.stdout()).toBe('username=octocat\npassword=gho_stored\n');
    expect(t.stderr()).toBe('');
  });

  it('an expiring token is refreshed first and git hears the new one with its expiry; the old one is not printed', async () => {
    const http = fakeHttpClient((req) => {
      if (req.url.pathname !== '/login/oauth/access_token') return { status: 404, body: { message: 'Not Found' } };
      return { body: { access_token: 'ghu_new', refresh_token: 'ghr_new', expires_in: 28_800, refresh_token_expires_in: 15_897_600, token_type: 'bearer', scope: 'repo' } };
    });
    const t = world(request(), { http });
    await storeAccount(t, octocat, { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(2), tokenType: 'bearer', scopes: ['repo'] });
    expect(await gitCredential(t, 'get')).toBe(0);
    const expiresAt = (await t.world.secrets('keychain').get(octocat.key))!.expiresAt!;
    expect(t.stdout()).toBe(`username=octocat\npassword=ghu_new\npassword_expiry_utc=${Math.floor(Date.parse(expiresAt) / 1000)}\n`);
    expect(http.requests.map((r) => r.form?.grant_type)).toEqual(['refresh_token']);
    expect(t.stderr()).toBe('');
  });

  it('a host without an account: no answer and no line (git asks its next helper), exit 0', async () => {
    const t = world(request('gitlab.com'));
    await storeAccount(t, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(t, 'get')).toBe(0);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('');
  });

  it('plain http to a host across a network: no answer, the token stays home', async () => {
    const t = world(request('github.com', 'http'));
    await storeAccount(t, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(t, 'get')).toBe(0);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).not.toContain('gho_stored');
  });

  it('a sign-in the provider refused earlier: no answer, one line saying to log in again, exit 0 (git goes on to its next helper)', async () => {
    const t = world(request());
    await storeAccount(t, { ...octocat, needsLogin: true }, { accessToken: 'gho_dead', tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(t, 'get')).toBe(0);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: the sign-in to github.com as octocat has expired. Run: oauthcli login github\n');
  });

  it('a refresh the provider refuses now: exit 4, one line saying to log in again, no token anywhere, the account marked', async () => {
    // https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
    const http = fakeHttpClient(() => ({ body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' } }));
    const t = world(request(), { http });
    await storeAccount(t, octocat, { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(-1), tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(t, 'get')).toBe(4);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: the sign-in to github.com as octocat has expired. Run: oauthcli login github\n');
    expect(t.world.accounts.get(octocat.key)!.needsLogin).toBe(true);
  });

  it('a provider that fails the refresh (HTTP 500): exit 1, one line, no token on either stream', async () => {
    const http = fakeHttpClient(() => ({ status: 500, body: 'upstream broke' }));
    const t = world(request(), { http });
    await storeAccount(t, octocat, { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(1), tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(t, 'get')).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: github.com answered /login/oauth/access_token with a malformed reply instead of JSON (HTTP 500)\n');
    for (const secret of ['ghu_old', 'ghr_old']) expect(t.stderr()).not.toContain(secret);
  });

  it('input that is not a credential request (over 256 KB, or a terminal) gets no answer', async () => {
    const big = world(`${request().trim()}\n${'x'.repeat(300 * 1024)}\n\n`);
    await storeAccount(big, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(big, 'get')).toBe(0);
    expect(big.stdout()).toBe('');

    const terminal = world(request(), { tty: true });
    await storeAccount(terminal, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(terminal, 'get')).toBe(0);
    expect(terminal.stdout()).toBe('');
    expect(terminal.stderr()).toBe('');
  });
});

describe('git-credential store, erase, capability', () => {
  it('store and erase print nothing and forget no sign-in, even for the stored token itself', async () => {
    for (const operation of ['store', 'erase']) {
      const t = world(`${request().trim()}\nusername=octocat\npassword=gho_stored\n\n`);
      await storeAccount(t, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
      expect(await gitCredential(t, operation)).toBe(0);
      expect(t.stdout()).toBe('');
      expect(t.stderr()).toBe('');
      expect(t.world.accounts.get(octocat.key)).toBeDefined();
      expect((await t.world.secrets('keychain').get(octocat.key))!.accessToken).toBe('gho_stored');
    }
  });

  it('capability: version 0 and no optional capability', async () => {
    const t = world('');
    expect(await gitCredential(t, 'capability')).toBe(0);
    expect(t.stdout()).toBe('version 0\n');
  });

  it('an operation git may add later is ignored quietly, exit 0', async () => {
    const t = world(request());
    await storeAccount(t, octocat, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
    expect(await gitCredential(t, 'approve-later')).toBe(0);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('');
  });
});
