// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// GitLab, end to end against a local fake of its Doorkeeper OAuth endpoints and REST API, reached
// with --hostname 127.0.0.1:PORT: a public ("non confidential") application, so PKCE and no
// secret; the device flow; /api/v4/user; rotating refresh tokens; RFC 7009 revocation; logout.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pkceChallenge, startFakeGitLab, type FakeGitLab } from '../support/gitlab-server.js';
import { filesContaining, type CliResult } from '../support/cli.js';
import { expectExpiresIn } from '../support/expiry.js';
import { until } from '../support/until.js';
import { deviceCodeFrom, expectOneErrorLine, keychainLookup, makeWorld, type CliWorld } from './provider-harness.js';

let server: FakeGitLab;
let w: CliWorld;
beforeEach(async () => {
  server = await startFakeGitLab({ device: { pendingPolls: 1 } });
  // A public application: a client id, no secret anywhere.
  w = makeWorld({ OAUTHCLI_GITLAB_CLIENT_ID: server.options.clientId });
});
afterEach(async () => {
  await w.close();
  await server.close();
});

const key = (login = 'jdoe') => `gitlab:${server.host}:${login}`;

async function webLogin(): Promise<{ res: CliResult; url: string }> {
  const cli = w.start(['login', 'gitlab', '--web', '--hostname', server.host], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
  const url = await w.openedUrl(cli);
  await server.simulateBrowser(url);
  return { res: await cli.exited, url };
}

/** A quick sign-in for the tests about what comes after it. */
async function signIn(): Promise<void> {
  const { res } = await webLogin();
  expect(res.code, res.stderr).toBe(0);
}

describe('login gitlab', () => {
  it('--web with PKCE and no client secret: exit 0, the tokens in the keychain only', async () => {
    const { res, url } = await webLogin();
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(`Signed in to ${server.host} as jdoe`);

    const q = new URL(url).searchParams;
    expect(url.startsWith(`${server.url}/oauth/authorize?`)).toBe(true);
    expect(q.get('client_id')).toBe(server.options.clientId);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('scope')).toBe('read_user read_api');
    expect(q.get('nonce')).toBeNull();

    expect(server.grants).toHaveLength(1);
    const grant = server.grants[0]!;
    expect(grant).toMatchObject({ grant_type: 'authorization_code', pkce: true, client_secret_sent: false, username: 'jdoe' });
    const exchange = server.requests.find((r) => r.path === '/oauth/token')!;
    expect(pkceChallenge(exchange.body.code_verifier!)).toBe(q.get('code_challenge'));
    expect(exchange.body.client_secret).toBeUndefined();
    expect(exchange.authorization).toBeUndefined();

    const set = (await w.stored(key()))!;
    expect(set).toMatchObject({ accessToken: grant.access_token, refreshToken: grant.refresh_token, tokenType: 'bearer', scopes: ['read_user', 'read_api'] });
    // GitLab's access tokens last two hours.
    expectExpiresIn(set.expiresAt, 7200, grant.time);
    for (const secret of [grant.access_token, grant.refresh_token]) {
      expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
      expect(res.stderr).not.toContain(secret);
    }
    expect(w.config().accounts[key()]).toMatchObject({ provider: 'gitlab', host: server.host, login: 'jdoe', id: '4242', storage: 'keychain' });
  });

  it('--device: the code and URL on stderr, polls past authorization_pending, exit 0', async () => {
    const cli = w.start(['login', 'gitlab', '--device', '--no-browser', '--hostname', server.host]);
    const { userCode, verificationUri } = await deviceCodeFrom(cli);
    expect(verificationUri).toBe(`${server.url}/oauth/device`);
    expect(server.deviceCodes[0]!.user_code).toBe(userCode);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Signed in to ${server.host} as jdoe`);
    const polls = server.deviceCodes[0]!.polls;
    expect(polls.map((p) => p.result)).toEqual(['authorization_pending', 'success']);
    expect(server.earlyPolls).toEqual([]);
    expect(server.grants).toHaveLength(1);
    expect(server.grants[0]).toMatchObject({ grant_type: 'device_code', client_secret_sent: false });
    expect((await w.stored(key()))!.accessToken).toBe(server.grants[0]!.access_token);
  });

  it('plain `login gitlab` without a secret and without a terminal uses the device flow', async () => {
    server.setDevice({ pendingPolls: 0 });
    const res = await w.cli(['login', 'gitlab', '--hostname', server.host], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Using the device flow: this is not an interactive terminal/);
    expect(server.grants[0]!.grant_type).toBe('device_code');
  });
});

// docs.gitlab.com/api/oauth2/#device-authorization-grant-flow: the device grant came in 17.2 behind
// a flag (on by default from 17.3, generally available in 17.9). Before 17.2 the route does not
// exist (Rails' 404 page); with the flag off it answers 204 with no body.
describe('a GitLab without the device flow', () => {
  it('--device before 17.2 (a 404 page): one line saying so and to use --web, exit 1, no code shown, nothing stored', async () => {
    server.setOptions({ deviceFlow: false });
    const res = await w.cli(['login', 'gitlab', '--device', '--hostname', server.host]);
    expect(res.code).toBe(1);
    expectOneErrorLine(res, /no device flow .*use --web$/);
    expect(res.stderr).not.toMatch(/<html|one-time code/i);
    expect(await keychainLookup(key())).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });

  it('chosen automatically with the flag off (204): says so in one line and signs in with the browser flow instead', async () => {
    server.setOptions({ deviceFlow: 'flag-off' });
    const cli = w.start(['login', 'gitlab', '--hostname', server.host], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const url = await w.openedUrl(cli);
    await server.simulateBrowser(url);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/no device flow/);
    expect(server.grants.map((g) => g.grant_type)).toEqual(['authorization_code']);
    expect(server.deviceCodes).toEqual([]);
  });
});

describe('a GitLab account', () => {
  it('whoami reads /api/v4/user with the stored token', async () => {
    await signIn();
    const set = (await w.stored(key()))!;
    const res = await w.cli(['whoami', 'gitlab', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual({
      provider: 'gitlab',
      host: server.host,
      login: 'jdoe',
      id: '4242',
      name: 'Jane Doe',
      email: 'jdoe@example.com',
      url: `${server.url}/jdoe`,
      scopes: ['read_user', 'read_api'],
      expiresAt: set.expiresAt,
    });
    const userRequests = server.requests.filter((r) => r.path === '/api/v4/user');
    expect(userRequests.at(-1)!.authorization).toBe(`Bearer ${set.accessToken}`);
    const text = await w.cli(['whoami']);
    expect(text.stdout).toMatch(/^Login:\s+jdoe$/m);
    expect(text.stdout).toMatch(/^Host:\s+127\.0\.0\.1:\d+ \(GitLab\)$/m);
  });

  it('refresh rotates: new tokens stored, the old pair revoked at GitLab, `token` prints the new one', async () => {
    await signIn();
    const before = (await w.stored(key()))!;
    const res = await w.cli(['refresh', 'gitlab']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^Refreshed the token for jdoe on 127\.0\.0\.1:\d+: expires in/);

    const refreshes = server.grants.filter((g) => g.grant_type === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.client_secret_sent).toBe(false);
    const after = (await w.stored(key()))!;
    expect(after).toMatchObject({ accessToken: refreshes[0]!.access_token, refreshToken: refreshes[0]!.refresh_token });
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(server.isRefreshTokenValid(before.refreshToken!)).toBe(false);
    expect(server.isTokenValid(before.accessToken)).toBe(false);
    expect(server.isRefreshTokenValid(after.refreshToken!)).toBe(true);
    expect(server.isTokenValid(after.accessToken)).toBe(true);

    const token = await w.cli(['token', 'gitlab']);
    expect(token.stdout).toBe(`${after.accessToken}\n`);
    expect(token.stderr).toBe('');
    const who = await w.cli(['whoami', '--json']);
    expect(JSON.parse(who.stdout).login).toBe('jdoe');
  });

  it('revoke: RFC 7009 at /oauth/revoke with the public client id, then forgotten here', async () => {
    await signIn();
    const set = (await w.stored(key()))!;
    const res = await w.cli(['revoke', 'gitlab']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Revoked the token at GitLab and signed out of ${server.host} as jdoe`);
    const revokeRequests = server.requests.filter((r) => r.path === '/oauth/revoke');
    expect(revokeRequests.length).toBeGreaterThanOrEqual(1);
    for (const r of revokeRequests) {
      expect(r.method).toBe('POST');
      expect(r.body).toMatchObject({ client_id: server.options.clientId });
      expect(r.body.client_secret).toBeUndefined();
      expect([set.accessToken, set.refreshToken]).toContain(r.body.token);
    }
    expect(server.revocations.map((r) => r.via)).toEqual(['api']);
    expect(server.isTokenValid(set.accessToken)).toBe(false);
    expect(server.isRefreshTokenValid(set.refreshToken!)).toBe(false);
    expect(await w.stored(key())).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });

  it('logout: revokes at GitLab and forgets the account', async () => {
    await signIn();
    const set = (await w.stored(key()))!;
    const res = await w.cli(['logout', 'gitlab']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`Signed out of ${server.host} as jdoe`);
    expect(res.stderr).toContain('The token was revoked at GitLab');
    expect(server.isTokenValid(set.accessToken)).toBe(false);
    expect(await w.stored(key())).toBeUndefined();
    expect(JSON.parse((await w.cli(['status', '--json'])).stdout)).toEqual([]);
    const who = await w.cli(['whoami', 'gitlab']);
    expect(who.code).toBe(4);
  });
});

describe('repos for GitLab: /api/v4/projects', () => {
  it('--json streams every page in GitLab order with GitLab field names; the table summarises them', async () => {
    await signIn();
    server.setProjects('jdoe', 230);
    const json = await w.cli(['repos', 'gitlab', '--json', '--hostname', server.host]);
    expect(json.code, json.stderr).toBe(0);
    const projects = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(projects).toHaveLength(230);
    expect(projects[0]).toEqual(expect.objectContaining({ path_with_namespace: expect.any(String), web_url: expect.any(String), star_count: expect.any(Number), visibility: expect.any(String) }));
    expect(json.stderr).toMatch(/230 repositories/);
    const pages = server.requests.filter((r) => r.path === '/api/v4/projects');
    expect(pages.map((r) => r.query.page ?? '1').sort()).toEqual(['1', '2', '3']);
    expect(pages.every((r) => r.query.membership === 'true' && r.query.per_page === '100')).toBe(true);

    // GitLab's links are our URL with its parameters sorted and another page: the second listing
    // asks for pages 2 and 3 with page 1, and for nothing twice.
    server.requests.length = 0;
    // Page 1 is answered once pages 2 and 3 have been asked for (or after 10 s, which fails below).
    const projectRequests = () => server.requests.filter((r) => r.path === '/api/v4/projects').length;
    let arrivedBeforePage1 = 0;
    const page1Held = until(() => projectRequests() >= 3, 'pages 2 and 3', 10_000)
      .catch(() => undefined)
      .then(() => void (arrivedBeforePage1 = projectRequests()));
    server.setOptions({ pageDelay: (page) => (page === 1 ? page1Held : 0) });
    try {
      const again = await w.cli(['repos', 'gitlab', '--json', '--hostname', server.host]);
      expect(again.stdout).toBe(json.stdout);
    } finally {
      server.setOptions({ pageDelay: undefined });
    }
    const second = server.requests.filter((r) => r.path === '/api/v4/projects');
    expect(second.map((r) => r.query.page ?? '1').sort()).toEqual(['1', '2', '3']);
    // Pages 2 and 3 arrived while page 1 was still on its way.
    expect(arrivedBeforePage1).toBe(3);

    const table = await w.cli(['repos', '--hostname', server.host, '--limit', '5']);
    expect(table.code, table.stderr).toBe(0);
    // In a pipe: gh's tab-separated form, no header.
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]!.split('\t')[0]).toBe(String(projects[0]!.path_with_namespace));
    expect(table.stdout).not.toMatch(/\u001b\[/);
  });

  it('maps the flags onto GitLab parameters', async () => {
    await signIn();
    server.setProjects('jdoe', 3);
    const res = await w.cli(['repos', 'gitlab', '--json', '--hostname', server.host, '--visibility', 'private', '--sort', 'pushed', '--direction', 'asc', '--affiliation', 'owner']);
    expect(res.code, res.stderr).toBe(0);
    const req = server.requests.find((r) => r.path === '/api/v4/projects')!;
    expect(req.query).toMatchObject({ visibility: 'private', order_by: 'last_activity_at', sort: 'asc', owned: 'true' });
  });
});
