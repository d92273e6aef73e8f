// `oauthcli whoami` in process (src/cli/commands/whoami.ts through the World seam, GitHub's
// GET /user answered by a fake HTTP client): the profile block on stdout, the contract's --json
// shape, provider text that cannot drive the terminal, and the exit code and line of a token the
// provider no longer accepts. --jq and tokens from the environment are in jq-format.test.ts and
// status-and-env.test.ts.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/whoami.js';
import type { WhoamiOptions } from '../../src/cli/commands/whoami.js';
import { accountMeta, commandWorld, exitCodeOf, storeAccount } from '../support/command-world.js';
import { fakeHttpClient, type FakeAnswer, type FakeHttpClient } from '../support/fake-http-client.js';
import type { TestWorld } from '../support/test-world.js';

const TOKEN = 'gho_whoamiCommand0123456789';
const octocat = accountMeta('github', 'github.com', 'octocat', { id: '583231', scopes: ['repo'] });

/** GitHub's GET /user (https://docs.github.com/en/rest/users/users#get-the-authenticated-user). */
const user = (over: Record<string, unknown> = {}): FakeAnswer => ({
  headers: { 'x-oauth-scopes': 'repo, read:org' },
  body: { login: 'octocat', id: 583231, name: 'The Octocat', email: 'octocat@github.com', html_url: 'https://github.com/octocat', ...over },
});

async function world(answer: FakeAnswer): Promise<{ t: TestWorld; http: FakeHttpClient }> {
  const http = fakeHttpClient((req) => (req.url.href === 'https://api.github.com/user' ? answer : { status: 404, body: { message: 'Not Found' } }));
  const t = commandWorld({ http });
  await storeAccount(t, octocat, { accessToken: TOKEN, tokenType: 'bearer', scopes: ['repo'] });
  return { t, http };
}

const whoami = (t: TestWorld, opts: WhoamiOptions = {}) => exitCodeOf(t, () => run(t.world, undefined, opts), 'whoami');

describe('whoami', () => {
  it('the live profile as a block on stdout, asked for with the stored token; nothing on stderr', async () => {
    const { t, http } = await world(user());
    expect(await whoami(t)).toBe(0);
    expect(t.stdout()).toBe(
      [
        'Login:   octocat',
        'Name:    The Octocat',
        'Email:   octocat@github.com',
        'Profile: https://github.com/octocat',
        'Host:    github.com (GitHub)',
        'Scopes:  repo, read:org',
        'Token:   does not expire',
        '',
      ].join('\n'),
    );
    expect(t.stderr()).toBe('');
    expect(http.requests.map((r) => r.headers?.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it("--json: the contract's fields, and nothing else on stdout", async () => {
    const { t } = await world(user({ email: null }));
    expect(await whoami(t, { json: true })).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual({
      provider: 'github',
      host: 'github.com',
      login: 'octocat',
      id: '583231',
      name: 'The Octocat',
      email: null,
      url: 'https://github.com/octocat',
      scopes: ['repo', 'read:org'],
      expiresAt: null,
    });
  });

  it('a name with terminal controls in it is printed without them', async () => {
    const { t } = await world(user({ name: 'Evil\u001b]52;c;ZWNobyBwd25lZA==\u0007 Cat\u001b[2J' }));
    expect(await whoami(t)).toBe(0);
    expect(t.stdout()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // The control characters are gone (ESC leaves a space); the rest stays as text.
    expect(t.stdout().split('\n')[1]).toBe('Name:    Evil ]52;c;ZWNobyBwd25lZA== Cat [2J');
  });

  it('a token the provider no longer accepts (401): exit 4, one line saying to sign in again, no token printed', async () => {
    const { t } = await world({ status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });
    expect(await whoami(t)).toBe(4);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: api.github.com no longer accepts the stored token. Run: oauthcli login github\n');
    expect(t.stderr()).not.toContain(TOKEN);
  });
});
