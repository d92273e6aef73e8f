// `oauthcli switch` in process (src/cli/commands/switch.ts through the World seam): with two
// accounts of a host the other one becomes active, as `gh auth switch` does; --user and
// --hostname pick; and the one line (with its exit code) each failure gives. No request is made.
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/switch.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { accountMeta, commandWorld, exitCodeOf, storeAccount } from '../support/command-world.js';
import { noRequestsHttpClient } from '../support/fake-http-client.js';
import type { TestWorld } from '../support/test-world.js';

const github = (login: string, host = 'github.com') => accountMeta('github', host, login, { id: login });

/** A world with these accounts stored in this order (the last one stored is the active one of its host). */
async function world(...accounts: AccountMeta[]): Promise<TestWorld> {
  const t = commandWorld({ http: noRequestsHttpClient() });
  for (const a of accounts) await storeAccount(t, a, { accessToken: `gho_${a.login}_0123456789`, tokenType: 'bearer', scopes: [] });
  return t;
}

const switchTo = (t: TestWorld, provider: string, opts: { hostname?: string; user?: string } = {}) => exitCodeOf(t, () => run(t.world, provider, opts), 'switch');
const active = (t: TestWorld) => t.world.accounts.list().filter((a) => t.world.accounts.isActive(a)).map((a) => `${a.host} ${a.login}`);

describe('switch', () => {
  it('two accounts on a host: the other one becomes active, said on stderr; switching again goes back', async () => {
    const t = await world(github('octocat'), github('hubot'));
    expect(active(t)).toEqual(['github.com hubot']);
    expect(await switchTo(t, 'github')).toBe(0);
    expect(active(t)).toEqual(['github.com octocat']);
    expect(t.stderr()).toBe('✓ Switched the active GitHub account on github.com to octocat\n');
    expect(await switchTo(t, 'github')).toBe(0);
    expect(active(t)).toEqual(['github.com hubot']);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).not.toMatch(/gho_/);
  });

  it('--user names the account; --hostname keeps to one host and leaves the other host\'s active account alone', async () => {
    const t = await world(github('octocat'), github('hubot'), github('monalisa'), github('corp-octo', 'ghe.corp.example'), github('corp-hubot', 'ghe.corp.example'));
    expect(await switchTo(t, 'github', { hostname: 'github.com', user: 'octocat' })).toBe(0);
    expect(await switchTo(t, 'github', { hostname: 'GHE.corp.example' })).toBe(0);
    expect(active(t).sort()).toEqual(['ghe.corp.example corp-octo', 'github.com octocat']);
  });

  it('the only account of its host: says there is nothing to switch to, exit 0, still active', async () => {
    const t = await world(github('octocat'));
    expect(await switchTo(t, 'github')).toBe(0);
    expect(t.stderr()).toBe('octocat is the only GitHub account on github.com; nothing to switch to.\n');
    expect(active(t)).toEqual(['github.com octocat']);
  });

  it('not signed in to that provider (or host): exit 4 with the login command', async () => {
    const t = await world(github('octocat'));
    expect(await switchTo(t, 'gitlab')).toBe(4);
    expect(await switchTo(t, 'github', { hostname: 'ghe.corp.example' })).toBe(4);
    expect(t.stderr().split('\n').slice(0, -1)).toEqual([
      'oauthcli: not signed in to GitLab. Run: oauthcli login gitlab',
      'oauthcli: not signed in to GitHub on ghe.corp.example. Run: oauthcli login github --hostname ghe.corp.example',
    ]);
    expect(t.stdout()).toBe('');
  });

  it('usage errors (exit 2), the active account unchanged: an unknown --user, accounts on several hosts, several others to choose from, an unknown provider', async () => {
    const t = await world(github('octocat'), github('hubot'), github('monalisa'), github('corp-octo', 'ghe.corp.example'));
    expect(await switchTo(t, 'github', { hostname: 'github.com', user: 'nobody' })).toBe(2);
    expect(await switchTo(t, 'github')).toBe(2);
    expect(await switchTo(t, 'github', { hostname: 'github.com' })).toBe(2);
    expect(await switchTo(t, 'nope')).toBe(2);
    const lines = t.stderr().split('\n').slice(0, -1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('oauthcli: no stored GitHub account \'nobody\' (stored: octocat, hubot, monalisa)');
    expect(lines[1]).toBe("oauthcli: GitHub accounts on several hosts (github.com, ghe.corp.example): pick one with --hostname or --user. Run 'oauthcli switch --help' for usage.");
    expect(lines[2]).toBe("oauthcli: several accounts to switch to (octocat, hubot): pick one with --user. Run 'oauthcli switch --help' for usage.");
    expect(lines[3]).toMatch(/^oauthcli: unknown provider 'nope'/);
    expect(active(t).sort()).toEqual(['ghe.corp.example corp-octo', 'github.com monalisa']);
  });
});
