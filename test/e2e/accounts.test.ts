// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Issue 6: several accounts per provider and host, switch, --user, and logout of one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainEntries } from '../support/cli.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeEach(async () => {
  w = await setUp();
});
afterEach(async () => {
  await w.close();
});

const whoLogin = async (args: string[] = []) => {
  const res = await w.cli(['whoami', '--json', ...args]);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout).login as string;
};

describe('two GitHub accounts on one host', () => {
  beforeEach(async () => {
    await w.signIn('octocat');
    await w.signIn('hubot');
  });

  it('the second sign-in adds an account and makes it active; status marks it', async () => {
    const status = JSON.parse((await w.cli(['status', '--json'])).stdout) as Array<{ login: string; active: boolean }>;
    expect(status.map((s) => [s.login, s.active])).toEqual([
      ['hubot', true],
      ['octocat', false],
    ]);
    const text = (await w.cli(['status'])).stdout;
    expect(text).toMatch(/hubot \(active, current\)/);
    expect(text).toMatch(/ octocat\n/);
    expect(await whoLogin()).toBe('hubot');
    const keys = (await keychainEntries()).map((e) => e.account);
    expect(keys).toEqual(expect.arrayContaining([accountKeyFor(w, 'octocat'), accountKeyFor(w, 'hubot')]));
  });

  it('switch with two accounts and no --user makes the other one active', async () => {
    const res = await w.cli(['switch', 'github', '--hostname', w.host]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/Switched the active GitHub account on .* to octocat/);
    expect(await whoLogin()).toBe('octocat');
    expect((await w.cli(['switch', 'github', '--user', 'hubot'])).code).toBe(0);
    expect(await whoLogin()).toBe('hubot');
  });

  it('switch --user to an unknown login: exit 2, nothing changes', async () => {
    const res = await w.cli(['switch', 'github', '--user', 'nobody']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no stored GitHub account 'nobody'.*hubot.*octocat|octocat.*hubot/);
    expect(await whoLogin()).toBe('hubot');
  });

  it('--user picks an account for whoami and token, whichever is active', async () => {
    expect(await whoLogin(['--user', 'octocat'])).toBe('octocat');
    const token = await w.cli(['token', '--user', 'octocat']);
    const octocatToken = w.server.grants.find((g) => g.login === 'octocat')!.access_token;
    expect(token.stdout).toBe(`${octocatToken}\n`);
  });

  it('logout of one keeps the other, which becomes active', async () => {
    const res = await w.cli(['logout', 'github', '--user', 'hubot', '--keep-remote']);
    expect(res.code).toBe(0);
    const keys = (await keychainEntries()).map((e) => e.account);
    expect(keys).not.toContain(accountKeyFor(w, 'hubot'));
    expect(keys).toContain(accountKeyFor(w, 'octocat'));
    const status = JSON.parse((await w.cli(['status', '--json'])).stdout);
    expect(status).toEqual([expect.objectContaining({ login: 'octocat', active: true })]);
    expect(await whoLogin()).toBe('octocat');
  });

  it('logout --all forgets every account, revoking where possible', async () => {
    const res = await w.cli(['logout', '--all'], { env: { OAUTHCLI_GITHUB_CLIENT_SECRET: 'test-client-secret' } });
    expect(res.code).toBe(0);
    expect(res.stderr.match(/Signed out of/g)).toHaveLength(2);
    expect(res.stderr.match(/revoked at GitHub/g)).toHaveLength(2);
    for (const g of w.server.grants) expect(w.server.isTokenValid(g.access_token)).toBe(false);
    expect(JSON.parse((await w.cli(['status', '--json'])).stdout)).toEqual([]);
    expect((await keychainEntries()).filter((e) => e.account.includes(w.host))).toEqual([]);
  });
});

describe('providers added by name', () => {
  it('provider add refuses plain http to a non-loopback issuer, unknown names and built-in names', async () => {
    const http = await w.cli(['provider', 'add', 'corp', '--issuer', 'http://login.example.com', '--client-id', 'x']);
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/https/);
    expect((await w.cli(['provider', 'add', 'github', '--issuer', 'https://x.example', '--client-id', 'x'])).code).toBe(2);
    expect((await w.cli(['provider', 'remove', 'nope'])).code).toBe(2);
    expect((await w.cli(['login', 'nope'])).code).toBe(2);
  });

  it('provider list shows the built-in providers', async () => {
    const res = await w.cli(['provider', 'list', '--json']);
    expect(JSON.parse(res.stdout).map((p: { name: string }) => p.name)).toEqual(['github', 'google', 'gitlab', 'entra']);
  });

  it('provider list --json shows a client id set in the config file, never its secret', async () => {
    const configDir = mkdtempSync(join(w.sandbox.root, 'config-'));
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ providers: { gitlab: { clientId: 'gl-app-id', clientSecret: 'gloas-do-not-print' } } }));
    const res = await w.cli(['provider', 'list', '--json'], { env: { OAUTHCLI_CONFIG_DIR: configDir } });
    expect(res.code).toBe(0);
    const gitlab = (JSON.parse(res.stdout) as Array<{ name: string; clientId: string | null }>).find((p) => p.name === 'gitlab');
    expect(gitlab?.clientId).toBe('gl-app-id');
    expect(res.stdout + res.stderr).not.toContain('gloas-do-not-print');
  });
});
