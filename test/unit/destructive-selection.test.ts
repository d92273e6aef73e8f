// `logout` and `revoke` never guess: with several accounts matching what was named, they refuse
// (exit 2) and list the choices, and nothing is forgotten or revoked. In process.
import { afterEach, describe, expect, it } from 'vitest';
import { run as logout } from '../../src/cli/commands/logout.js';
import { run as revoke } from '../../src/cli/commands/revoke.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { exitCodeOf as cli } from '../support/command-world.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const account = (login: string, host: string): AccountMeta => ({ key: `github:${host}:${login}`, provider: 'github', host, login, id: '1', scopes: ['repo'], storage: 'keychain', signedInAt: '2026-01-01T00:00:00Z' });

/**
 * `revokes`: GitHub answers the revocation (204), and the check after it (GET /user) says the
 * token no longer works (401); otherwise no request may be made at all.
 */
async function world(revokes: boolean, ...accounts: AccountMeta[]): Promise<{ t: TestWorld; http: FakeHttpClient }> {
  const http = revokes ? fakeHttpClient((req) => ((req.method ?? 'GET') === 'GET' ? { status: 401, body: { message: 'Bad credentials' } } : { status: 204, body: '' })) : noRequestsHttpClient();
  const t = testWorld({ http, env: { OAUTHCLI_GITHUB_CLIENT_ID: 'Iv1.test', OAUTHCLI_GITHUB_CLIENT_SECRET: 'secret' } });
  worlds.push(t);
  for (const a of accounts) {
    await t.world.accounts.saveActive(a);
    await t.keyring.write(a.key, Buffer.from(JSON.stringify({ accessToken: `gho_${a.login}0000000000000000`, tokenType: 'bearer', scopes: a.scopes })));
  }
  return { t, http };
}

describe.each([
  ['logout', (t: TestWorld, p: string | undefined, o: { hostname?: string; user?: string }) => logout(t.world, p, { ...o, keepRemote: true })],
  ['revoke', (t: TestWorld, p: string | undefined, o: { hostname?: string; user?: string }) => revoke(t.world, p, o)],
] as const)('%s', (name, command) => {
  it('accounts on two hosts and none named: exit 2, both listed as commands, nothing forgotten or sent', async () => {
    const { t, http } = await world(false, account('octocat', 'github.com'), account('monalisa', 'ghe.corp.example'));
    expect(await cli(t, () => command(t, 'github', {}))).toBe(2);
    expect(t.stderr()).toBe(
      `oauthcli: 2 accounts match; name the one to ${name === 'logout' ? 'sign out of' : 'revoke'}: oauthcli ${name} github --hostname github.com --user octocat; oauthcli ${name} github --hostname ghe.corp.example --user monalisa\n`,
    );
    expect(t.world.accounts.list()).toHaveLength(2);
    expect(t.keyring.entries.size).toBe(2);
    expect(http.requests).toEqual([]);
  });

  it('two accounts on one host, no --user: refused too (the active one is not assumed)', async () => {
    const { t } = await world(false, account('octocat', 'github.com'), account('hubot', 'github.com'));
    expect(await cli(t, () => command(t, undefined, { hostname: 'github.com' }))).toBe(2);
    expect(t.stderr()).toMatch(/2 accounts match/);
    expect(t.world.accounts.list()).toHaveLength(2);
  });

  it('named by --hostname: that one only', async () => {
    const { t } = await world(name === 'revoke', account('octocat', 'github.com'), account('monalisa', 'ghe.corp.example'));
    expect(await cli(t, () => command(t, 'github', { hostname: 'ghe.corp.example' }))).toBe(0);
    expect(t.world.accounts.list().map((a) => a.login)).toEqual(['octocat']);
  });
});
