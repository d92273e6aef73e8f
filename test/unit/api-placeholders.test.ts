// `api` fills {owner}, {repo} and {branch} as gh does (cli/cli pkg/cmd/api fillPlaceholders):
// from --repo or GH_REPO, else the current repository's remote and branch, asked of real git in
// a temporary repository (GIT_DIR points the in-process world at it). Outside a repository: one
// clear line, exit 1, nothing sent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as api } from '../../src/cli/commands/api.js';
import { reportError } from '../../src/cli/errors.js';
import { parseRemoteUrl } from '../../src/git/repo-context.js';
import { fakeHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function gitRepo(remotes: Record<string, string>, branch = 'feature/x'): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauthcli-placeholders-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
  git('init', '-q', '-b', branch);
  for (const [name, url] of Object.entries(remotes)) git('remote', 'add', name, url);
  return dir;
}

function world(env: NodeJS.ProcessEnv): { t: TestWorld; http: FakeHttpClient } {
  const http = fakeHttpClient(() => ({ body: { ok: true } }));
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_placeholderTest00000000', PATH: process.env.PATH, ...env }, http });
  cleanups.push(() => t.cleanup());
  return { t, http };
}

async function cli(t: TestWorld, endpoint: string, opts: { repo?: string } = {}): Promise<number> {
  try {
    return await api(t.world, endpoint, undefined, { rawField: [], field: [], header: [], ...opts });
  } catch (error) {
    return reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact, loginHint: t.world.loginHint });
  }
}

describe('parseRemoteUrl', () => {
  it.each([
    ['https://github.com/octocat/hello-world.git', { host: 'github.com', owner: 'octocat', name: 'hello-world' }],
    ['git@github.com:octocat/hello-world.git', { host: 'github.com', owner: 'octocat', name: 'hello-world' }],
    ['ssh://git@ghe.corp.example:2222/acme/tools.git', { host: 'ghe.corp.example:2222', owner: 'acme', name: 'tools' }],
    ['http://127.0.0.1:8080/octocat/hello', { host: '127.0.0.1:8080', owner: 'octocat', name: 'hello' }],
    ['/srv/git/only-a-path', undefined],
  ])('%s', (url, parsed) => {
    expect(parseRemoteUrl(url)).toEqual(parsed);
  });
});

describe('{owner}, {repo}, {branch}', () => {
  it('from the remote on the account\'s host (upstream before origin) and the checked-out branch', async () => {
    const dir = gitRepo({ origin: 'git@github.com:me/fork.git', upstream: 'https://github.com/octocat/hello-world.git', other: 'https://gitlab.com/x/y.git' });
    const { t, http } = world({ GIT_DIR: join(dir, '.git') });
    expect(await cli(t, 'repos/{owner}/{repo}/branches/{branch}')).toBe(0);
    expect(http.requests[0]!.url.pathname).toBe('/repos/octocat/hello-world/branches/feature/x');
  });

  it('GH_REPO, then --repo, win over the remote', async () => {
    const dir = gitRepo({ origin: 'https://github.com/octocat/hello-world.git' });
    const { t, http } = world({ GIT_DIR: join(dir, '.git'), GH_REPO: 'acme/tools' });
    expect(await cli(t, 'repos/{owner}/{repo}/issues')).toBe(0);
    expect(await cli(t, 'repos/{owner}/{repo}/issues', { repo: 'github.com/other/thing' })).toBe(0);
    expect(http.requests.map((r) => r.url.pathname)).toEqual(['/repos/acme/tools/issues', '/repos/other/thing/issues']);
  });

  it('outside a repository: one line, exit 1, nothing sent; no placeholder: git is not asked', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'oauthcli-not-a-repo-'));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const { t, http } = world({ GIT_DIR: join(empty, 'nothing-here') });
    expect(await cli(t, 'repos/{owner}/{repo}')).toBe(1);
    expect(t.stderr()).toBe('oauthcli: {owner}, {repo} and {branch} are filled from the current git repository: not in a git repository (set GH_REPO or use --repo OWNER/REPO)\n');
    expect(http.requests).toEqual([]);
    expect(await cli(t, 'user')).toBe(0);
  });
});
