// In process: gh's token variables (GH_TOKEN, GITHUB_TOKEN, GH_ENTERPRISE_TOKEN,
// GITHUB_ENTERPRISE_TOKEN with GH_HOST; https://cli.github.com/manual/gh_help_environment) with
// gh's precedence and OAUTHCLI_GITHUB_TOKEN winning; and `status`: exit 1 as `gh auth status`,
// a headline that says what is true, one line for a keychain error, -h HOST.
import { afterEach, describe, expect, it } from 'vitest';
import { run as status } from '../../src/cli/commands/status.js';
import { run as whoami } from '../../src/cli/commands/whoami.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { exitCodeOf as cli } from '../support/command-world.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeAnswer, type FakeHttpClient } from '../support/fake-http-client.js';
import { MemoryKeyring, testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const TOKENS = { GH_TOKEN: 'gho_fromGhToken000000000001', GITHUB_TOKEN: 'ghs_fromGithubToken00000002', GH_ENTERPRISE_TOKEN: 'gho_fromGhEnterprise0000003', GITHUB_ENTERPRISE_TOKEN: 'gho_fromGithubEnterprise004', OAUTHCLI_GITHUB_TOKEN: 'gho_fromOauthcli00000000005' };

/** GitHub's GET /user for whoever holds a known token (https://docs.github.com/en/rest/users/users#get-the-authenticated-user). */
const userAnswer = (refuse: string[] = []) => (req: { url: URL; headers?: Record<string, string> }): FakeAnswer => {
  const token = (req.headers?.authorization ?? '').replace(/^Bearer /, '');
  if (req.url.pathname.endsWith('/user') && !refuse.includes(token)) return { headers: { 'x-oauth-scopes': 'repo' }, body: { login: `user-of-${token.slice(9, 20)}`, id: 7 } };
  return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
};

/** `answer` null: no request may be made. */
function world(env: NodeJS.ProcessEnv, answer: ReturnType<typeof userAnswer> | null = userAnswer(), keyring?: MemoryKeyring): { t: TestWorld; http: FakeHttpClient } {
  const http = answer ? fakeHttpClient(answer) : noRequestsHttpClient();
  const t = testWorld({ env, http, ...(keyring ? { keyring } : {}) });
  worlds.push(t);
  return { t, http };
}

const sent = (http: FakeHttpClient) => http.requests.map((r) => `${r.url.origin}${r.url.pathname} ${r.headers?.authorization ?? ''}`);

describe("gh's token variables", () => {
  it.each([
    [{ GH_TOKEN: TOKENS.GH_TOKEN }, TOKENS.GH_TOKEN, 'GH_TOKEN'],
    [{ GITHUB_TOKEN: TOKENS.GITHUB_TOKEN }, TOKENS.GITHUB_TOKEN, 'GITHUB_TOKEN'],
    [{ GH_TOKEN: TOKENS.GH_TOKEN, GITHUB_TOKEN: TOKENS.GITHUB_TOKEN }, TOKENS.GH_TOKEN, 'GH_TOKEN'],
    [{ GH_TOKEN: TOKENS.GH_TOKEN, OAUTHCLI_GITHUB_TOKEN: TOKENS.OAUTHCLI_GITHUB_TOKEN }, TOKENS.OAUTHCLI_GITHUB_TOKEN, 'OAUTHCLI_GITHUB_TOKEN'],
  ])('%j: github.com gets %s', async (env, token, variable) => {
    const { t, http } = world(env);
    expect(await cli(t, () => whoami(t.world, undefined, { jq: '.host' }))).toBe(0);
    expect(t.stdout()).toBe('github.com\n');
    expect(sent(http)).toEqual([`https://api.github.com/user Bearer ${token}`]);
    const s = world(env);
    expect(await status(s.t.world, {})).toBe(0);
    expect(s.t.stdout()).toContain(`(from ${variable})`);
    expect(s.t.stdout()).toContain('Storage: env');
    expect(s.t.stdout() + s.t.stderr()).not.toContain(token);
  });

  it('GH_ENTERPRISE_TOKEN (then GITHUB_ENTERPRISE_TOKEN) goes to the host GH_HOST names, GH_TOKEN only to github.com', async () => {
    const env = { GH_HOST: 'ghe.corp.example', GH_TOKEN: TOKENS.GH_TOKEN, GH_ENTERPRISE_TOKEN: TOKENS.GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN: TOKENS.GITHUB_ENTERPRISE_TOKEN };
    const { t, http } = world(env);
    // GH_HOST is the default host, as in gh.
    expect(await cli(t, () => whoami(t.world, 'github', { jq: '.host' }))).toBe(0);
    expect(t.stdout()).toBe('ghe.corp.example\n');
    expect(sent(http)).toEqual([`https://ghe.corp.example/api/v3/user Bearer ${TOKENS.GH_ENTERPRISE_TOKEN}`]);
    const s = world(env);
    expect(await status(s.t.world, { jq: '.[] | [.host, .envVar, .storage] | join(" ")' })).toBe(0);
    expect(s.t.stdout()).toBe('github.com GH_TOKEN env\nghe.corp.example GH_ENTERPRISE_TOKEN env\n');
    expect(sent(s.http).sort()).toEqual([`https://api.github.com/user Bearer ${TOKENS.GH_TOKEN}`, `https://ghe.corp.example/api/v3/user Bearer ${TOKENS.GH_ENTERPRISE_TOKEN}`]);
  });

  it('GH_HOST on an enterprise host with only GH_TOKEN: not signed in there (gh never sends GH_TOKEN to it)', async () => {
    const { t, http } = world({ GH_HOST: 'ghe.corp.example', GH_TOKEN: TOKENS.GH_TOKEN });
    expect(await cli(t, () => whoami(t.world, 'github', { hostname: 'ghe.corp.example' }))).toBe(4);
    expect(t.stderr()).toMatch(/not signed in to GitHub ghe\.corp\.example/);
    expect(http.requests).toEqual([]);
    // The one account there is, github.com's, still works where it belongs.
    expect(await cli(t, () => whoami(t.world, 'github', { jq: '.host' }))).toBe(0);
    expect(sent(http)).toEqual([`https://api.github.com/user Bearer ${TOKENS.GH_TOKEN}`]);
  });

  it('GH_ENTERPRISE_TOKEN without GH_HOST: no host to send it to, so it is not used', async () => {
    const { t, http } = world({ GH_ENTERPRISE_TOKEN: TOKENS.GH_ENTERPRISE_TOKEN }, null);
    expect(await cli(t, () => whoami(t.world, 'github', {}))).toBe(4);
    expect(http.requests).toEqual([]);
  });
});

const stored = (login: string, host = 'github.com'): AccountMeta => ({ key: `github:${host}:${login}`, provider: 'github', host, login, id: '1', scopes: ['repo'], storage: 'keychain', signedInAt: '2026-01-01T00:00:00Z' });

async function signedIn(t: TestWorld, ...accounts: AccountMeta[]): Promise<void> {
  for (const a of accounts) {
    await t.world.accounts.saveActive(a);
    await t.keyring.write(`${a.key}`, Buffer.from(JSON.stringify({ accessToken: `gho_${a.login}00000000000000000`, tokenType: 'bearer', scopes: a.scopes })));
  }
}

describe('status', () => {
  it('no account: one line on stderr, nothing on stdout, exit 1 (as gh auth status); --json: [] and exit 1', async () => {
    const { t } = world({}, null);
    expect(await status(t.world, {})).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('No account is signed in. Run: oauthcli login github\n');
    const j = world({}, null);
    expect(await status(j.t.world, { json: true })).toBe(1);
    expect(j.t.stdout()).toBe('[]\n');
  });

  it('the only token is refused: ✗, a headline saying so (not "Connected"), exit 1', async () => {
    const { t } = world({ GH_TOKEN: TOKENS.GH_TOKEN }, userAnswer([TOKENS.GH_TOKEN]));
    expect(await status(t.world, {})).toBe(1);
    expect(t.stdout().split('\n')[0]).toBe('1 account: 1 not working');
    expect(t.stdout()).toContain('✗');
    expect(t.stdout()).not.toMatch(/Connected/);
  });

  it('the host does not answer: ?, "not checked", exit 0', async () => {
    const { t } = world({ GH_TOKEN: TOKENS.GH_TOKEN }, () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    });
    expect(await status(t.world, {})).toBe(0);
    expect(t.stdout().split('\n')[0]).toBe('1 account: 1 not checked');
    expect(t.stdout()).toContain('?');
  });

  it('one working, one refused: both counted; exit 1', async () => {
    const { t } = world({}, userAnswer(['gho_hubot00000000000000000']));
    await signedIn(t, stored('octocat'), stored('hubot'));
    expect(await status(t.world, {})).toBe(1);
    expect(t.stdout().split('\n')[0]).toBe('2 accounts: 1 working, 1 not working');
  });

  it('a keychain that cannot be read: one line on stderr for all the accounts, exit 1', async () => {
    class BrokenKeyring extends MemoryKeyring {
      override async read(): Promise<Uint8Array | null> {
        throw new Error(`org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files ${'x'.repeat(200)}`);
      }
    }
    const { t } = world({}, null, new BrokenKeyring());
    await t.world.accounts.saveActive(stored('octocat'));
    await t.world.accounts.saveActive(stored('hubot'));
    await t.world.accounts.saveActive(stored('monalisa', 'ghe.corp.example'));
    expect(await status(t.world, {})).toBe(1);
    const lines = t.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^oauthcli: .*org\.freedesktop\.secrets/);
    expect(t.stdout().split('\n')[0]).toBe('3 accounts: 3 not checked');
    expect(t.stdout().match(/ServiceUnknown/g)).toBeNull();
    expect(t.stdout().match(/could not be read/g)).toHaveLength(3);
  });

  it('-h HOST: only that host\'s accounts; none there: exit 1 naming the host', async () => {
    const { t } = world({}, null);
    await signedIn(t, stored('octocat'), stored('monalisa', 'ghe.corp.example'));
    expect(await status(t.world, { hostname: 'ghe.corp.example', offline: true, jq: '.[].login' })).toBe(0);
    expect(t.stdout()).toBe('monalisa\n');
    const none = world({}, null);
    await signedIn(none.t, stored('octocat'));
    expect(await status(none.t.world, { hostname: 'gitlab.example' })).toBe(1);
    expect(none.t.stderr()).toBe('No account is signed in on gitlab.example. Run: oauthcli login github --hostname gitlab.example\n');
  });
});
