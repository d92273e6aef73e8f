// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Linked identities: one local profile signed in to GitHub, Google and GitLab at once. status
// lists every connection, whoami with no provider shows the profile and each identity (fetched
// live), whoami with a provider keeps the contract's object, and logout --all forgets everything,
// revoking at each provider.
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/github-server.js';
import { startFakeGitLab, type FakeGitLab } from '../support/gitlab-server.js';
import { startFakeGoogle, type FakeGoogle } from '../support/google-server.js';
import { filesContaining } from '../support/cli.js';
import { makeWorld, type CliWorld } from './provider-harness.js';

const CONTRACT_FIELDS = ['provider', 'host', 'login', 'id', 'name', 'email', 'url', 'scopes', 'expiresAt'];

let github: FakeGitHub;
let google: FakeGoogle;
let gitlab: FakeGitLab;
let w: CliWorld;
let keys: { github: string; google: string; gitlab: string };

beforeEach(async () => {
  [github, google, gitlab] = await Promise.all([startFakeGitHub({ device: { pendingPolls: 0 } }), startFakeGoogle(), startFakeGitLab()]);
  w = makeWorld({
    // The sandbox's OAUTHCLI_GITHUB_CLIENT_ID is the fake's; its secret lets logout revoke.
    OAUTHCLI_GITHUB_CLIENT_SECRET: github.options.clientSecret,
    OAUTHCLI_GOOGLE_CLIENT_ID: google.options.clientId,
    OAUTHCLI_GOOGLE_CLIENT_SECRET: google.options.clientSecret,
    OAUTHCLI_GITLAB_CLIENT_ID: gitlab.options.clientId,
  });
  keys = {
    github: `github:${github.host}:octocat`,
    google: `google:${google.host}:110248495921238986420`,
    gitlab: `gitlab:${gitlab.host}:jdoe`,
  };

  // One after the other, as a user would: GitHub by the device flow, Google and GitLab in the browser.
  const gh = await w.cli(['login', 'github', '--device', '--no-browser', '--hostname', github.host]);
  expect(gh.code, gh.stderr).toBe(0);
  for (const [provider, server] of [['google', google], ['gitlab', gitlab]] as const) {
    const cli = w.start(['login', provider, '--web', '--hostname', server.host], { env: { OAUTHCLI_BROWSER: w.browserCommand } });
    const url = await w.openedUrl(cli);
    await server.simulateBrowser(url);
    const res = await cli.exited;
    expect(res.code, res.stderr).toBe(0);
    rmSync(w.openedFile, { force: true });
  }
});
afterEach(async () => {
  await w.close();
  await Promise.all([github.close(), google.close(), gitlab.close()]);
});

describe('one profile, three providers', () => {
  it('status shows every connected provider (text and --json)', async () => {
    const text = await w.cli(['status']);
    expect(text.code, text.stderr).toBe(0);
    const profileId = w.config().profile!.id;
    // No internal profile id in what people read (it stays in --json).
    expect(text.stdout).not.toContain(profileId);
    // The headline says what is true: how many accounts, and whether their tokens work.
    expect(text.stdout.split('\n')[0]).toBe('3 accounts: 3 working');
    expect(text.stdout).toContain(`${github.host} (github)`);
    expect(text.stdout).toContain(`${google.host} (google)`);
    expect(text.stdout).toContain(`${gitlab.host} (gitlab)`);
    // The last sign-in is the current one.
    expect(text.stdout).toMatch(/ jdoe \(active, current\)$/m);
    expect(text.stdout).toMatch(/ octocat \(active\)$/m);

    const json = await w.cli(['status', '--json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => [r.provider, r.host, r.login, r.active, r.storage])).toEqual([
      ['github', github.host, 'octocat', true, 'keychain'],
      ['gitlab', gitlab.host, 'jdoe', true, 'keychain'],
      ['google', google.host, 'alice@example.com', true, 'keychain'],
    ]);
    for (const row of rows) for (const field of ['provider', 'host', 'login', 'active', 'scopes', 'expiresAt', 'storage']) expect(row).toHaveProperty(field);
    expect(rows.filter((r) => r.current === true).map((r) => r.provider)).toEqual(['gitlab']);
  });

  it('whoami with no provider shows the profile with each linked identity, fetched live', async () => {
    const before = { github: github.requestCount('/api/v3/user'), google: google.requestCount('/v1/userinfo'), gitlab: gitlab.requestCount('/api/v4/user') };
    const text = await w.cli(['whoami']);
    expect(text.code, text.stderr).toBe(0);
    const profileId = w.config().profile!.id;
    expect(text.stdout).not.toContain(profileId);
    expect(text.stdout).toMatch(/^3 linked identities$/m);
    expect(text.stdout).toContain(`gitlab · ${gitlab.host} · jdoe (active, current)`);
    expect(text.stdout).toContain(`github · ${github.host} · octocat (active)`);
    expect(text.stdout).toContain(`google · ${google.host} · alice@example.com (active)`);
    for (const login of ['octocat', 'alice@example.com', 'jdoe']) expect(text.stdout).toMatch(new RegExp(`^  Login:\\s+${login.replace(/\./g, '\\.')}$`, 'm'));
    expect(text.stdout).toMatch(/^ {2}Host:\s+127\.0\.0\.1:\d+ \(GitHub\)$/m);
    expect(text.stdout).toMatch(/^ {2}Host:\s+127\.0\.0\.1:\d+ \(Google\)$/m);
    expect(text.stdout).toMatch(/^ {2}Host:\s+127\.0\.0\.1:\d+ \(GitLab\)$/m);
    expect(github.requestCount('/api/v3/user')).toBe(before.github + 1);
    expect(google.requestCount('/v1/userinfo')).toBe(before.google + 1);
    expect(gitlab.requestCount('/api/v4/user')).toBe(before.gitlab + 1);

    const json = await w.cli(['whoami', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as Record<string, unknown> & { profile: { id: string }; identities: Array<Record<string, unknown>> };
    expect(out.profile).toMatchObject({ id: profileId });
    expect(out.identities).toHaveLength(3);
    const byProvider = Object.fromEntries(out.identities.map((i) => [i.provider, i]));
    expect(byProvider.github).toMatchObject({ host: github.host, login: 'octocat', id: '583231', name: 'The Octocat', active: true, current: false });
    expect(byProvider.google).toMatchObject({ host: google.host, login: 'alice@example.com', id: '110248495921238986420', name: 'Alice Example', active: true, current: false });
    expect(byProvider.gitlab).toMatchObject({ host: gitlab.host, login: 'jdoe', id: '4242', name: 'Jane Doe', active: true, current: true });
    for (const identity of out.identities) {
      for (const field of CONTRACT_FIELDS) expect(identity).toHaveProperty(field);
      expect(identity.error).toBeUndefined();
    }
    // The contract's fields at the top describe the current identity.
    expect(out).toMatchObject({ provider: 'gitlab', login: 'jdoe' });
  });

  it('whoami with a provider still gives the contract object, for each of them', async () => {
    for (const [provider, login] of [['github', 'octocat'], ['google', 'alice@example.com'], ['gitlab', 'jdoe']] as const) {
      const res = await w.cli(['whoami', provider, '--json']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toBe('');
      const who = JSON.parse(res.stdout) as Record<string, unknown>;
      expect(Object.keys(who).sort()).toEqual([...CONTRACT_FIELDS].sort());
      expect(who).toMatchObject({ provider, login });
      expect(who.expiresAt === null || typeof who.expiresAt === 'string').toBe(true);
      expect(Array.isArray(who.scopes)).toBe(true);
    }
  });

  it('logout --all forgets every identity, revoking at each provider; status --json is []', async () => {
    const tokens = Object.fromEntries(await Promise.all(Object.entries(keys).map(async ([p, k]) => [p, (await w.stored(k))!] as const)));
    for (const set of Object.values(tokens)) expect(set).toBeDefined();

    const res = await w.cli(['logout', '--all']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    for (const name of ['GitHub', 'Google', 'GitLab']) expect(res.stderr).toContain(`The token was revoked at ${name}.`);
    expect(res.stderr).not.toMatch(/not revoked/);

    expect(github.revocations.filter((r) => r.via === 'api').map((r) => r.access_token)).toEqual([tokens.github!.accessToken]);
    expect(github.isTokenValid(tokens.github!.accessToken)).toBe(false);
    expect(google.isTokenValid(tokens.google!.accessToken)).toBe(false);
    expect(google.isRefreshTokenValid(tokens.google!.refreshToken!)).toBe(false);
    expect(gitlab.isTokenValid(tokens.gitlab!.accessToken)).toBe(false);
    expect(gitlab.isRefreshTokenValid(tokens.gitlab!.refreshToken!)).toBe(false);

    const status = await w.cli(['status', '--json']);
    // Nobody signed in: exit 1, as gh auth status.
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toEqual([]);
    for (const k of Object.values(keys)) expect(await w.stored(k)).toBeUndefined();
    const config = w.config();
    expect(config.accounts).toEqual({});
    expect(config.active).toEqual({});
    expect(config.current).toBeUndefined();
    expect(config.profile).toBeUndefined();
    for (const set of Object.values(tokens)) expect(filesContaining(w.sandbox.root, set.accessToken)).toEqual([]);

    const who = await w.cli(['whoami']);
    expect(who.code).toBe(4);
  });
});
