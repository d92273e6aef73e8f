// `oauthcli setup-git` in process (src/cli/commands/setup-git.ts through the World seam) with the
// real git and a throw-away global config (HOME and GIT_CONFIG_GLOBAL in a temp folder): which
// hosts it sets up, with a provider, --hostname or none; running it twice; --remove; and the
// one line (with its exit code) each failure gives. What the written lines mean to git is
// test/unit/git-credential.test.ts's subject.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { run } from '../../src/cli/commands/setup-git.js';
import { helperCommand, helperKey } from '../../src/git/setup.js';
import { accountMeta, commandWorld, exitCodeOf } from '../support/command-world.js';
import { noRequestsHttpClient } from '../support/fake-http-client.js';
import type { TestWorld } from '../support/test-world.js';

/** A user's home with a global git config that already has a general helper (`store`). */
function home(config = '[credential]\n\thelper = store\n') {
  const dir = mkdtempSync(join(tmpdir(), 'oauthcli-setup-git-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gitconfig');
  writeFileSync(file, config);
  const env = { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: '1' };
  /** Every value git has for `key` in the global config. */
  const values = (key: string): string[] => {
    try {
      return execFileSync('git', ['config', '--global', '--get-all', key], { env, encoding: 'utf8' }).split('\n').slice(0, -1);
    } catch {
      return [];
    }
  };
  return { dir, file, env, values };
}

/**
 * A world in which this process looks like the installed program: git is told to start
 * `bin/oauthcli.js` (helperCommand names process.argv[1]), which is also what --remove
 * recognises as ours; under vitest, argv[1] is vitest's worker.
 */
function world(env: NodeJS.ProcessEnv): TestWorld {
  const script = process.argv[1];
  process.argv[1] = fileURLToPath(new URL('../../bin/oauthcli.js', import.meta.url));
  onTestFinished(() => {
    process.argv[1] = script!;
  });
  return commandWorld({ http: noRequestsHttpClient(), env });
}

const setupGit = (t: TestWorld, provider?: string, opts: { hostname?: string; remove?: boolean } = {}) => exitCodeOf(t, () => run(t.world, provider, opts), 'setup-git');

describe('setup-git', () => {
  it('with no account: github.com and its gists, an empty helper line then ours; twice is once; --remove gives the user their config back', async () => {
    const h = home();
    const t = world(h.env);
    const ours = helperCommand(t.world.env);
    expect(ours).toMatch(/bin\/oauthcli\.js'? git-credential$/);
    expect(await setupGit(t)).toBe(0);
    expect(h.values(helperKey('github.com'))).toEqual(['', ours]);
    expect(h.values(helperKey('gist.github.com'))).toEqual(['', ours]);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('✓ git now asks oauthcli for the credentials of github.com, gist.github.com (undo with oauthcli setup-git --remove)\n');
    const written = readFileSync(h.file, 'utf8');

    expect(await setupGit(t)).toBe(0);
    expect(readFileSync(h.file, 'utf8')).toBe(written);

    expect(await setupGit(t, undefined, { remove: true })).toBe(0);
    expect(h.values(helperKey('github.com'))).toEqual([]);
    expect(h.values(helperKey('gist.github.com'))).toEqual([]);
    expect(h.values('credential.helper')).toEqual(['store']);
    expect(t.stderr().split('\n').at(-2)).toBe('✓ git no longer asks oauthcli for github.com, gist.github.com');
    expect(t.stdout()).toBe('');
  });

  it('with no provider: every host with a GitHub or GitLab account here, and no other', async () => {
    const h = home();
    const t = world(h.env);
    await t.world.accounts.saveActive(accountMeta('github', 'ghe.example.com', 'octocat'));
    await t.world.accounts.saveActive(accountMeta('gitlab', 'gitlab.com', 'tanuki'));
    await t.world.accounts.saveActive(accountMeta('google', 'accounts.google.com', 'someone@example.com'));
    expect(await setupGit(t)).toBe(0);
    expect(t.stderr()).toBe('✓ git now asks oauthcli for the credentials of ghe.example.com, gitlab.com (undo with oauthcli setup-git --remove)\n');
    expect(h.values(helperKey('ghe.example.com'))).toHaveLength(2);
    expect(h.values(helperKey('gitlab.com'))).toHaveLength(2);
    expect(h.values(helperKey('github.com'))).toEqual([]);
    expect(h.values(helperKey('accounts.google.com'))).toEqual([]);
  });

  it('a provider and --hostname pick one host; a loopback host is set up for http', async () => {
    const h = home();
    const t = world(h.env);
    expect(await setupGit(t, 'gitlab', { hostname: 'GitLab.Corp.Example' })).toBe(0);
    expect(h.values(helperKey('gitlab.corp.example'))).toHaveLength(2);
    expect(await setupGit(t, undefined, { hostname: '127.0.0.1:8080' })).toBe(0);
    expect(h.values('credential.http://127.0.0.1:8080.helper')).toEqual(['', helperCommand(t.world.env)]);
    expect(h.values(helperKey('github.com'))).toEqual([]);
  });

  it('--remove where nothing was set up: says so, changes nothing, exit 0', async () => {
    const h = home();
    const t = world(h.env);
    expect(await setupGit(t, 'github', { remove: true })).toBe(0);
    expect(t.stderr()).toBe('git was not set up to ask oauthcli for github.com, gist.github.com; nothing changed\n');
    expect(readFileSync(h.file, 'utf8')).toBe('[credential]\n\thelper = store\n');
  });

  it('a provider that hosts no git, or an unknown one: a usage error (exit 2), the config untouched', async () => {
    const h = home();
    const t = world(h.env);
    expect(await setupGit(t, 'google')).toBe(2);
    expect(await setupGit(t, 'nope')).toBe(2);
    const lines = t.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('oauthcli: Google does not host git repositories; setup-git is for github and gitlab');
    expect(lines[1]).toMatch(/^oauthcli: unknown provider 'nope'/);
    expect(readFileSync(h.file, 'utf8')).toBe('[credential]\n\thelper = store\n');
    expect(t.stdout()).toBe('');
  });

  it('without git on PATH: exit 1, one line saying so', async () => {
    const h = home();
    const t = world({ ...h.env, PATH: join(h.dir, 'empty') });
    expect(await setupGit(t)).toBe(1);
    expect(t.stderr()).toBe('oauthcli: git is not installed (or not on PATH)\n');
  });

  it('a global config git cannot read: exit 1, one line with what git said', async () => {
    const h = home('[credential\n');
    const t = world(h.env);
    expect(await setupGit(t, 'github')).toBe(1);
    expect(t.stderr()).toMatch(/^oauthcli: git config --global --replace-all failed: [^\n]*bad config line 1[^\n]*\n$/);
    expect(readFileSync(h.file, 'utf8')).toBe('[credential\n');
  });
});
