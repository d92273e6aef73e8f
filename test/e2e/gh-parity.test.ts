// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// What a gh user types works as in gh (issue #24), the built CLI against the fake GitHub, signed in
// with the device flow: -q output, and the rest of the items as they land.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeAll(async () => {
  w = await setUp();
  await w.signIn();
});
afterAll(async () => {
  await w.close();
});
afterEach(() => {
  w.server.clearFaults();
  w.server.requests.length = 0;
});

describe('-q prints each result on one line, as gh does', () => {
  it('whoami, status, repos and provider list: objects compact with keys sorted, strings raw', async () => {
    w.server.setRepos('octocat', 3);
    const who = await w.cli(['whoami', '-h', w.host, '-q', '{login, host: "<&>"}, .login']);
    expect(who.stdout).toBe('{"host":"\\u003c\\u0026\\u003e","login":"octocat"}\noctocat\n');
    const status = await w.cli(['status', '-q', '.[] | {login, valid}']);
    expect(status.stdout).toBe('{"login":"octocat","valid":true}\n');
    const repos = await w.cli(['repos', '-h', w.host, '-q', '.[] | {name, private}']);
    expect(repos.stdout).toBe('{"name":"repo-0001","private":false}\n{"name":"repo-0002","private":false}\n{"name":"repo-0003","private":true}\n');
    const providers = await w.cli(['provider', 'list', '-q', 'map(.name) | .[0:2]']);
    expect(providers.stdout).toBe('["github","google"]\n');
  });
});

describe('login -s adds to the default scopes, as gh auth login -s', () => {
  it('-s read:org -s gist,workflow: the device code is asked for the defaults plus the three', async () => {
    const res = await w.cli(['login', 'github', '-h', w.host, '--device', '--no-browser', '-s', 'read:org', '-s', 'gist,workflow']);
    expect(res.code).toBe(0);
    expect([...w.server.deviceCodes.at(-1)!.scopes].sort()).toEqual(['gist', 'read:org', 'read:user', 'repo', 'workflow']);
  });
});

describe("gh's token variables and status, with the built CLI", () => {
  it('GH_ENTERPRISE_TOKEN with GH_HOST: whoami and api on that host with it; status shows it as env, from GH_ENTERPRISE_TOKEN', async () => {
    const token = w.server.grants[0]!.access_token;
    const env = { OAUTHCLI_CONFIG_DIR: `${w.sandbox.root}/empty-config`, GH_HOST: w.host, GH_ENTERPRISE_TOKEN: token, GH_TOKEN: 'gho_neverSentToThisHost000000' };
    const who = await w.cli(['whoami', '-q', '.login'], { env });
    expect(who.stdout, who.stderr).toBe('octocat\n');
    expect(w.server.requests.filter((r) => r.path === '/api/v3/user').map((r) => r.authorization)).toEqual([`Bearer ${token}`]);
    const status = await w.cli(['status', '-h', w.host], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('octocat (from GH_ENTERPRISE_TOKEN)');
    expect(status.stdout).toContain('Storage: env');
    expect(status.stdout + status.stderr).not.toContain(token);
  });

  it('status: a refused token is ✗ with exit 1; -h limits to a host; no account there is exit 1', async () => {
    const env = { OAUTHCLI_CONFIG_DIR: `${w.sandbox.root}/empty-config`, GH_HOST: w.host, GH_ENTERPRISE_TOKEN: 'gho_refusedByTheFake0000000000' };
    const refused = await w.cli(['status'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout.split('\n')[0]).toBe('1 account: 1 not working');
    expect(refused.stdout).toContain('✗');
    const elsewhere = await w.cli(['status', '-h', 'ghe.example.com']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toBe('No account is signed in on ghe.example.com. Run: oauthcli login github --hostname ghe.example.com\n');
    const here = await w.cli(['status', '-h', w.host]);
    expect(here.code).toBe(0);
    expect(here.stdout.split('\n')[0]).toBe('1 account: 1 working');
  });
});

describe('logout and revoke refuse to guess', () => {
  it('two accounts on the host and none named: exit 2 with both as commands; nothing forgotten; named: that one', async () => {
    await w.signIn('hubot');
    const before = w.config().accounts;
    expect(Object.keys(before).sort()).toEqual([`github:${w.host}:hubot`, `github:${w.host}:octocat`]);
    for (const command of ['logout', 'revoke']) {
      const res = await w.cli([command]);
      expect(res.code, `${res.stdout}${res.stderr}`).toBe(2);
      expect(res.stderr).toContain(`oauthcli ${command} github --hostname ${w.host} --user octocat`);
      expect(res.stderr).toContain(`oauthcli ${command} github --hostname ${w.host} --user hubot`);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(w.config().accounts).toEqual(before);
    const named = await w.cli(['logout', '-h', w.host, '-u', 'hubot', '--keep-remote']);
    expect(named.code, named.stderr).toBe(0);
    expect(Object.keys(w.config().accounts)).toEqual([`github:${w.host}:octocat`]);
  });
});

describe("repos as gh's users read it", () => {
  it('piped: OWNER/NAME, description, visibility, updated, tab-separated, no header; --json FIELDS; --json alone as before', async () => {
    w.server.setRepos('octocat', 3);
    const tsv = await w.cli(['repos', '-h', w.host]);
    expect(tsv.stdout).toBe(
      'octocat/repo-0001\tTest repository number 1\tpublic\t2024-01-01T01:00:00Z\n' +
        'octocat/repo-0002\tTest repository number 2\tpublic\t2024-01-01T02:00:00Z\n' +
        'octocat/repo-0003\tTest repository number 3\tprivate\t2024-01-01T03:00:00Z\n',
    );
    const fields = await w.cli(['repos', '-h', w.host, '--json', 'full_name,private']);
    expect(JSON.parse(fields.stdout)).toEqual([
      { full_name: 'octocat/repo-0001', private: false },
      { full_name: 'octocat/repo-0002', private: false },
      { full_name: 'octocat/repo-0003', private: true },
    ]);
    const whole = await w.cli(['repos', '-h', w.host, '--json']);
    expect((JSON.parse(whole.stdout) as Array<Record<string, unknown>>)[0]).toHaveProperty('owner');
    const provider = await w.cli(['repos', '--json', 'github', '-h', w.host]);
    expect(provider.stdout).toBe(whole.stdout);
    const unknown = await w.cli(['repos', '-h', w.host, '--json', 'nope']);
    expect(unknown.code).toBe(2);
  });
});

describe('api fills {owner}, {repo} and {branch} from the git repository it runs in', () => {
  it('in a clone whose origin is on the host: the request names the repository and branch; outside one: exit 1, one line', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const repo = `${w.sandbox.root}/clone`;
    mkdirSync(repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { PATH: process.env.PATH, HOME: w.sandbox.home, GIT_CONFIG_NOSYSTEM: '1' } });
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', `http://${w.host}/octocat/hello-world.git`);
    const res = await w.cli(['api', 'repos/{owner}/{repo}/branches/{branch}', '-h', w.host], { cwd: repo });
    expect(res.code).toBe(1); // the fake has no such route: what matters is where the request went
    expect(w.server.requests.map((r) => r.path)).toContain('/api/v3/repos/octocat/hello-world/branches/main');
    const outside = `${w.sandbox.root}/not-a-repo`;
    mkdirSync(outside, { recursive: true });
    w.server.requests.length = 0;
    const out = await w.cli(['api', 'repos/{owner}/{repo}', '-h', w.host], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: w.sandbox.root } });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('oauthcli: {owner}, {repo} and {branch} are filled from the current git repository: not in a git repository (set GH_REPO or use --repo OWNER/REPO)\n');
    expect(w.server.requests.filter((r) => r.path.startsWith('/api/v3/repos'))).toEqual([]);
  });
});
