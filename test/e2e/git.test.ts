// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `setup-git` and `git-credential` end to end: Debian's real git (clone, push, fetch, ls-remote,
// `git credential fill|approve|reject`) runs the built CLI as its credential helper against the
// fake GitHub, which serves repositories over git's smart HTTP behind Basic auth whose password
// must be a live access token (test/support/github-server.ts, git-http.ts).
//
// git runs in the sandbox: its HOME, a global config of its own (GIT_CONFIG_GLOBAL, which
// setup-git writes too), no system config, never a terminal prompt, and the sandbox's
// OAUTHCLI_CONFIG_DIR and session bus so the helper it starts sees the same accounts and keychain.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN, filesContaining, type Env } from '../support/cli.js';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../support/github-server.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';
import { keychainLookup } from './provider-harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(options: FakeGitHubOptions = {}): Promise<GitHubLab> {
  const w = await setUp(options);
  cleanups.push(() => w.close());
  w.env = gitEnv(w);
  return w;
}

/** The sandbox's environment plus what keeps git to the sandbox and away from any terminal. */
function gitEnv(w: GitHubLab): Env {
  return {
    ...w.env,
    GIT_CONFIG_GLOBAL: join(w.sandbox.root, 'gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: undefined,
    SSH_ASKPASS: undefined,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: 'Octo Cat',
    GIT_AUTHOR_EMAIL: 'octocat@example.com',
    GIT_COMMITTER_NAME: 'Octo Cat',
    GIT_COMMITTER_EMAIL: 'octocat@example.com',
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs git (no terminal: stdin is a pipe, closed after `input`). */
function git(w: GitHubLab, args: string[], opts: { cwd?: string; input?: string; env?: Env } = {}): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...w.env, ...opts.env })) if (v !== undefined) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd ?? w.sandbox.root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

const ok = (r: Run) => expect(r, `${r.stdout}\n${r.stderr}`).toMatchObject({ code: 0 });

/** The helper line `setup-git` writes when the CLI runs as `node bin/oauthcli.js`. */
const HELPER = `!${process.execPath} ${CLI_BIN} git-credential`;

function helperLines(w: GitHubLab, host = w.host): Promise<string[]> {
  return git(w, ['config', '--global', '--get-all', `credential.http://${host}.helper`]).then((r) => (r.code === 0 ? r.stdout.split('\n').slice(0, -1) : []));
}

const refreshGrants = (server: FakeGitHub) => server.grants.filter((g) => g.grant_type === 'refresh_token');

/** One entry, looked up by name: listing every entry fails when another test file deletes one meanwhile. */
async function storedTokens(w: GitHubLab): Promise<Record<string, unknown> | undefined> {
  const secret = await keychainLookup(accountKeyFor(w));
  return secret === undefined ? undefined : (JSON.parse(secret) as Record<string, unknown>);
}

describe('setup-git, then git clone and push with the signed-in account', () => {
  it('writes an empty helper line and our command for the host, once; clone and push use the live token; --remove undoes it', async () => {
    const w = await world();
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const repo = w.server.createGitRepo('octocat', 'hello');
    // A helper for every host, as a credential store would be: the empty line must keep it out.
    const marker = join(w.sandbox.root, 'general-helper-ran');
    ok(await git(w, ['config', '--global', 'credential.helper', `!f() { touch '${marker}'; }; f`]));

    const setup = await w.cli(['setup-git', '--hostname', w.host]);
    expect(setup, setup.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(setup.stderr).toContain(w.host);
    expect(await helperLines(w)).toEqual(['', HELPER]);
    const configFile = join(w.sandbox.root, 'gitconfig');
    const written = readFileSync(configFile, 'utf8');
    expect(written).toContain(`[credential "http://${w.host}"]`);
    // Twice changes nothing.
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    expect(readFileSync(configFile, 'utf8')).toBe(written);

    const clone = await git(w, ['clone', repo.cloneUrl, 'hello']);
    ok(clone);
    const work = join(w.sandbox.root, 'hello');
    expect(readFileSync(join(work, 'README.md'), 'utf8')).toBe('# octocat/hello\n');
    writeFileSync(join(work, 'notes.txt'), 'pushed through oauthcli\n');
    ok(await git(w, ['add', 'notes.txt'], { cwd: work }));
    ok(await git(w, ['commit', '-q', '-m', 'Add notes'], { cwd: work }));
    const push = await git(w, ['push', 'origin', 'main'], { cwd: work });
    ok(push);
    // The server has the commit.
    ok(await git(w, ['--git-dir', repo.dir, 'cat-file', '-e', 'main:notes.txt']));

    // git asked (a 401), then every request carried the token as the password.
    const reqs = w.server.gitRequests;
    expect(reqs[0]).toMatchObject({ authorized: false, status: 401, password: null });
    const authorized = reqs.filter((r) => r.authorized);
    expect(authorized.map((r) => r.service)).toEqual(expect.arrayContaining(['git-upload-pack', 'git-receive-pack']));
    expect(authorized.every((r) => r.password === token && r.login === 'octocat' && r.username === 'octocat')).toBe(true);
    expect(reqs.filter((r) => !r.authorized).every((r) => r.password === null)).toBe(true);
    // No prompt, and the token printed nowhere, written nowhere in the sandbox.
    for (const r of [setup, clone, push]) {
      expect(r.stdout + r.stderr).not.toMatch(/Username|Password|terminal prompts/i);
      expect(r.stdout + r.stderr).not.toContain(token);
    }
    expect(filesContaining(w.sandbox.root, token)).toEqual([]);
    expect(existsSync(marker)).toBe(false);

    // --remove: back to the general helper only, and git has no password for the host.
    const removed = await w.cli(['setup-git', '--remove', '--hostname', w.host]);
    expect(removed).toMatchObject({ code: 0, stdout: '' });
    expect(await helperLines(w)).toEqual([]);
    expect(readFileSync(configFile, 'utf8')).not.toContain('git-credential');
    const before = w.server.gitRequests.length;
    const denied = await git(w, ['clone', repo.cloneUrl, 'again']);
    expect(denied.code).toBe(128);
    expect(denied.stderr).toMatch(/terminal prompts disabled|Authentication failed/);
    expect(w.server.gitRequests.slice(before).map((r) => [r.status, r.password])).toEqual([[401, null]]);
    expect(existsSync(marker)).toBe(true);
  });

  it('names the program so that git can run it from a path with a space and a quote', async () => {
    const w = await world();
    await w.signIn();
    const repo = w.server.createGitRepo('octocat', 'hello');
    // The CLI as git would find it in an odd place: node <dir with ' and space>/bin/oauthcli.js.
    const odd = join(w.sandbox.root, "it's a dir");
    mkdirSync(join(odd, 'bin'), { recursive: true });
    symlinkSync(CLI_BIN, join(odd, 'bin', 'oauthcli.js'));
    const setup = await w.cli(['setup-git', '--hostname', w.host], { bin: join(odd, 'bin', 'oauthcli.js') });
    expect(setup, setup.stderr).toMatchObject({ code: 0 });
    const lines = await helperLines(w);
    expect(lines).toEqual(['', `!${process.execPath} '${join(w.sandbox.root, "it'\\''s a dir", 'bin', 'oauthcli.js')}' git-credential`]);
    ok(await git(w, ['clone', repo.cloneUrl, 'hello']));
    expect(w.server.gitRequests.some((r) => r.authorized)).toBe(true);
    // --remove recognises the quoted line as ours.
    expect(await w.cli(['setup-git', '--remove', '--hostname', w.host], { bin: join(odd, 'bin', 'oauthcli.js') })).toMatchObject({ code: 0 });
    expect(await helperLines(w)).toEqual([]);
  });
});

describe('setup-git, installed as a command on PATH', () => {
  it('writes `!oauthcli git-credential` when oauthcli on PATH is this program, and git runs it', async () => {
    const w = await world();
    await w.signIn();
    const repo = w.server.createGitRepo('octocat', 'hello');
    // What `npm install -g` leaves: <prefix>/bin/oauthcli → …/bin/oauthcli.js (run by its shebang).
    const binDir = join(w.sandbox.root, 'npm-global', 'bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(CLI_BIN, join(binDir, 'oauthcli'));
    w.env = { ...w.env, PATH: `${binDir}${delimiter}${dirname(process.execPath)}${delimiter}${w.env.PATH ?? ''}` };
    expect(await w.cli(['setup-git', '--hostname', w.host], { bin: join(binDir, 'oauthcli') })).toMatchObject({ code: 0 });
    expect(await helperLines(w)).toEqual(['', '!oauthcli git-credential']);
    ok(await git(w, ['clone', repo.cloneUrl, 'hello']));
    expect(w.server.gitRequests.some((r) => r.authorized)).toBe(true);
    expect(await w.cli(['setup-git', '--remove', '--hostname', w.host])).toMatchObject({ code: 0 });
    expect(await helperLines(w)).toEqual([]);
  });

  it('says so in one line when git is not installed', async () => {
    const w = await world();
    const r = await w.cli(['setup-git', '--hostname', w.host], { env: { PATH: join(w.sandbox.root, 'empty') } });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/git is not installed/);
  });
});

describe('which host gets a password', () => {
  it('answers nothing for a host without an account, even as the helper for every host: the token never reaches it', async () => {
    const w = await world();
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const other = await startFakeGitHub();
    cleanups.push(() => other.close());
    const otherRepo = other.createGitRepo('octocat', 'hello');
    const repo = w.server.createGitRepo('octocat', 'hello');
    // oauthcli as the helper of every host (not what setup-git writes, the riskiest way to use it).
    ok(await git(w, ['config', '--global', 'credential.helper', HELPER]));

    const denied = await git(w, ['clone', otherRepo.cloneUrl, 'other']);
    expect(denied.code).toBe(128);
    expect(denied.stderr).toMatch(/terminal prompts disabled|Authentication failed/);
    expect(denied.stderr).not.toContain(token);
    expect(other.gitRequests.length).toBeGreaterThan(0);
    expect(other.gitRequests.every((r) => !r.authorized && r.password === null)).toBe(true);
    expect(other.gitRequests.map((r) => r.password)).not.toContain(token);

    // The same helper does answer for the host it has an account for.
    ok(await git(w, ['clone', repo.cloneUrl, 'hello']));
    expect(w.server.gitRequests.filter((r) => r.authorized).every((r) => r.password === token)).toBe(true);
    expect(other.gitRequests.map((r) => r.password)).not.toContain(token);
  });
});

describe('expiring tokens', () => {
  it('refreshes a token about to expire before answering: one refresh grant, and git sends the new token', async () => {
    // Signed in with a token that lives 60 s: inside the 5-minute margin, so the helper refreshes.
    const w = await world({ tokenLifetime: 60 });
    await w.signIn();
    const old = w.server.grants[0]!.access_token;
    w.server.setOptions({ tokenLifetime: 28_800 });
    const repo = w.server.createGitRepo('octocat', 'hello');
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    ok(await git(w, ['clone', repo.cloneUrl, 'hello']));
    expect(refreshGrants(w.server)).toHaveLength(1);
    const fresh = refreshGrants(w.server)[0]!.access_token;
    expect(fresh).not.toBe(old);
    expect((await storedTokens(w))?.accessToken).toBe(fresh);
    const authorized = w.server.gitRequests.filter((r) => r.authorized);
    expect(authorized.length).toBeGreaterThan(0);
    expect(authorized.every((r) => r.password === fresh)).toBe(true);
    expect(w.server.gitRequests.map((r) => r.password)).not.toContain(old);

    // The new token lasts 8 hours: a fetch now refreshes nothing.
    ok(await git(w, ['fetch', 'origin'], { cwd: join(w.sandbox.root, 'hello') }));
    expect(refreshGrants(w.server)).toHaveLength(1);
  });

  it('four git processes at once on a token about to expire: exactly one refresh, all succeed with the new token', async () => {
    const w = await world({ tokenLifetime: 60 });
    await w.signIn();
    w.server.setOptions({ tokenLifetime: 28_800 });
    const tokenRequests = w.server.requestCount('/login/oauth/access_token');
    const repo = w.server.createGitRepo('octocat', 'hello');
    // No provider or host: every host with an account here.
    expect(await w.cli(['setup-git'])).toMatchObject({ code: 0 });
    expect(await helperLines(w)).toEqual(['', HELPER]);
    const runs = await Promise.all([1, 2, 3, 4].map(() => git(w, ['ls-remote', repo.cloneUrl])));
    for (const r of runs) {
      ok(r);
      expect(r.stdout).toMatch(/^[0-9a-f]{40}\tHEAD\n[0-9a-f]{40}\trefs\/heads\/main\n$/);
    }
    expect(refreshGrants(w.server)).toHaveLength(1);
    const fresh = refreshGrants(w.server)[0]!.access_token;
    // Each process: a 401, then the ref advertisement with the password (and, with protocol v2, ls-refs).
    const authorized = w.server.gitRequests.filter((r) => r.authorized);
    expect(authorized.filter((r) => r.method === 'GET' && r.path.endsWith('/info/refs'))).toHaveLength(4);
    expect(authorized.every((r) => r.password === fresh)).toBe(true);
    expect(w.server.gitRequests.filter((r) => !r.authorized).every((r) => r.password === null)).toBe(true);
    // One request to the token endpoint: no process sent the rotated refresh token again.
    expect(w.server.requestCount('/login/oauth/access_token')).toBe(tokenRequests + 1);
    expect(w.server.revocations.filter((r) => r.via === 'family')).toEqual([]);
    expect((await storedTokens(w))?.accessToken).toBe(fresh);
  });
});

describe('a sign-in that has expired', () => {
  it('git fails with one line saying to sign in again, and no prompt', async () => {
    const w = await world({ tokenLifetime: 60 });
    await w.signIn();
    const { access_token: token, refresh_token: refresh } = w.server.grants[0]!;
    w.server.expireRefreshToken(refresh!);
    const tokenRequests = w.server.requestCount('/login/oauth/access_token');
    const repo = w.server.createGitRepo('octocat', 'hello');
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    // The first time the helper finds out (the refresh is refused), then it knows without asking.
    for (let i = 0; i < 2; i++) {
      const r = await git(w, ['clone', repo.cloneUrl, 'hello']);
      expect(r.code).toBe(128);
      const ours = r.stderr.split('\n').filter((l) => l.startsWith('oauthcli'));
      expect(ours).toEqual([`oauthcli: the sign-in to ${w.host} as octocat has expired. Run: oauthcli login github --hostname ${w.host}`]);
      expect(r.stderr).toContain('terminal prompts disabled');
      expect(r.stderr).not.toContain(token);
    }
    expect(w.server.requestCount('/login/oauth/access_token')).toBe(tokenRequests + 1);
    expect(refreshGrants(w.server)).toHaveLength(0);
    expect(w.server.gitRequests.every((q) => !q.authorized && q.password === null)).toBe(true);
    // Straight from the helper: the same line on stderr, nothing on stdout, exit 0.
    const direct = await w.cli(['git-credential', 'get'], { input: `protocol=http\nhost=${w.host}\n\n` });
    expect(direct).toMatchObject({ code: 0, stdout: '' });
    expect(direct.stderr).toMatch(/^oauthcli: the sign-in to .* has expired\. Run: oauthcli login github --hostname .*\n$/);
  });
});

describe('password_expiry_utc', () => {
  async function fill(w: GitHubLab): Promise<Run> {
    return git(w, ['credential', 'fill'], { input: `url=http://${w.host}\n\n` });
  }
  async function getDirect(w: GitHubLab) {
    return w.cli(['git-credential', 'get'], { input: `protocol=http\nhost=${w.host}\n\n` });
  }
  /** git ≥ 2.41 passes a helper's password_expiry_utc on; older ones drop the key they do not know. */
  async function gitKnowsExpiry(w: GitHubLab): Promise<boolean> {
    const [major = 0, minor = 0] = ((await git(w, ['version'])).stdout.match(/(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
    return major > 2 || (major === 2 && minor >= 41);
  }

  it('is given for an expiring token', async () => {
    const w = await world({ tokenLifetime: 28_800 });
    await w.signIn();
    const set = (await storedTokens(w))!;
    const expiry = Math.floor(Date.parse(set.expiresAt as string) / 1000);
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    const direct = await getDirect(w);
    expect(direct).toMatchObject({ code: 0, stdout: `username=octocat\npassword=${set.accessToken as string}\npassword_expiry_utc=${expiry}\n`, stderr: '' });
    const r = await fill(w);
    ok(r);
    expect(r.stdout).toContain(`password=${set.accessToken as string}\n`);
    if (await gitKnowsExpiry(w)) expect(r.stdout).toContain(`password_expiry_utc=${expiry}\n`);
    else expect(r.stdout).not.toContain('password_expiry_utc');
  });

  it('is not given for a classic token that does not expire', async () => {
    const w = await world();
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    const direct = await getDirect(w);
    expect(direct).toMatchObject({ code: 0, stdout: `username=octocat\npassword=${token}\n`, stderr: '' });
    const r = await fill(w);
    ok(r);
    expect(r.stdout).toBe(`protocol=http\nhost=${w.host}\nusername=octocat\npassword=${token}\n`);
  });
});

describe('store and erase', () => {
  it('never forget a sign-in: git credential approve and reject leave the account and its keychain entry alone', async () => {
    const w = await world();
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    const creds = `protocol=http\nhost=${w.host}\nusername=octocat\npassword=${token}\n\n`;
    const approve = await git(w, ['credential', 'approve'], { input: creds });
    ok(approve);
    expect(approve.stdout + approve.stderr).toBe('');
    const reject = await git(w, ['credential', 'reject'], { input: creds });
    ok(reject);
    expect(reject.stdout + reject.stderr).toBe('');
    // Directly too: nothing on stdout, exit 0.
    for (const op of ['store', 'erase']) expect(await w.cli(['git-credential', op], { input: creds })).toMatchObject({ code: 0, stdout: '', stderr: '' });

    expect((await storedTokens(w))?.accessToken).toBe(token);
    expect(await w.cli(['token', '--hostname', w.host])).toMatchObject({ code: 0, stdout: `${token}\n` });
    expect(w.config().accounts[accountKeyFor(w)]).toBeDefined();
    // And git still gets the password.
    const r = await git(w, ['credential', 'fill'], { input: `url=http://${w.host}\n\n` });
    expect(r.stdout).toContain(`password=${token}\n`);
  });

  it('a password the server rejects (revoked token) makes git fail, and the account stays for `oauthcli login` to fix', async () => {
    const w = await world();
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const repo = w.server.createGitRepo('octocat', 'hello');
    expect(await w.cli(['setup-git', '--hostname', w.host])).toMatchObject({ code: 0 });
    w.server.revokeToken(token);
    const r = await git(w, ['clone', repo.cloneUrl, 'hello']);
    expect(r.code).toBe(128);
    expect(r.stderr).toMatch(/Authentication failed/);
    expect(r.stderr).not.toContain(token);
    expect(w.server.gitRequests.filter((q) => q.password === token).every((q) => q.status === 401)).toBe(true);
    expect((await storedTokens(w))?.accessToken).toBe(token);
  });
});

describe('CI: a token from the environment, no keychain', () => {
  it('OAUTHCLI_GITHUB_TOKEN with OAUTHCLI_GITHUB_HOST: setup-git with no arguments, clone and push, without a session bus', async () => {
    const w = await world();
    const { access_token: token } = w.server.issueToken('octocat');
    const repo = w.server.createGitRepo('octocat', 'hello');
    w.env = { ...w.env, OAUTHCLI_GITHUB_TOKEN: token, OAUTHCLI_GITHUB_HOST: w.host, DBUS_SESSION_BUS_ADDRESS: undefined };
    const setup = await w.cli(['setup-git']);
    expect(setup, setup.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(await helperLines(w)).toEqual(['', HELPER]);
    const clone = await git(w, ['clone', repo.cloneUrl, 'hello']);
    ok(clone);
    const work = join(w.sandbox.root, 'hello');
    writeFileSync(join(work, 'ci.txt'), 'from CI\n');
    ok(await git(w, ['add', 'ci.txt'], { cwd: work }));
    ok(await git(w, ['commit', '-q', '-m', 'CI'], { cwd: work }));
    ok(await git(w, ['push', 'origin', 'main'], { cwd: work }));
    const authorized = w.server.gitRequests.filter((r) => r.authorized);
    expect(authorized.map((r) => r.service)).toEqual(expect.arrayContaining(['git-upload-pack', 'git-receive-pack']));
    // No login is known for an environment token: GitHub takes any user name.
    expect(authorized.every((r) => r.password === token && r.username === 'x-access-token')).toBe(true);
    expect(clone.stdout + clone.stderr).not.toContain(token);
    expect(filesContaining(w.sandbox.root, token)).toEqual([]);
  });
});

describe('the helper itself', () => {
  it('get writes exactly the answer on stdout, nothing on stderr', async () => {
    const w = await world();
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    // As git ≥ 2.46 asks, with capabilities and the server's challenge.
    const input = `capability[]=authtype\ncapability[]=state\nprotocol=http\nhost=${w.host}\nwwwauth[]=Basic realm="GitHub"\n\n`;
    expect(await w.cli(['git-credential', 'get'], { input })).toMatchObject({ code: 0, stdout: `username=octocat\npassword=${token}\n`, stderr: '' });
    // A generic user name in the URL fits the account; another user's does not.
    expect((await w.cli(['git-credential', 'get'], { input: `url=http://x-access-token@${w.host}/octocat/hello.git\n\n` })).stdout).toBe(`username=octocat\npassword=${token}\n`);
    expect(await w.cli(['git-credential', 'get'], { input: `url=http://hubot@${w.host}/octocat/hello.git\n\n` })).toMatchObject({ code: 0, stdout: '' });
  });

  it('with --debug on (OAUTHCLI_DEBUG=1) and a refresh to make, stdout is still only the answer and no secret is traced', async () => {
    const w = await world({ tokenLifetime: 60 });
    await w.signIn();
    const { access_token: old, refresh_token: refresh } = w.server.grants[0]!;
    w.server.setOptions({ tokenLifetime: 28_800 });
    const r = await w.cli(['git-credential', 'get'], { input: `protocol=http\nhost=${w.host}\n\n`, env: { OAUTHCLI_DEBUG: '1' } });
    const fresh = refreshGrants(w.server)[0]!;
    const expiry = Math.floor(Date.parse((await storedTokens(w))!.expiresAt as string) / 1000);
    expect(r).toMatchObject({ code: 0, stdout: `username=octocat\npassword=${fresh.access_token}\npassword_expiry_utc=${expiry}\n` });
    expect(r.stderr).toContain('/login/oauth/access_token');
    for (const secret of [old, refresh!, fresh.access_token, fresh.refresh_token!]) expect(r.stderr).not.toContain(secret);
  });

  it('for an unknown host, or a non-loopback host over plain http, prints nothing and exits 0', async () => {
    const w = await world();
    await w.signIn();
    for (const input of [
      'protocol=https\nhost=example.com\n\n',
      'protocol=http\nhost=127.0.0.1:1\n\n',
      'protocol=https\nhost=github.com\n\n',
      `protocol=https\nhost=${w.host}\n\n`.replace('127.0.0.1', 'localhost'),
      '',
    ]) {
      expect(await w.cli(['git-credential', 'get'], { input })).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    expect(await w.cli(['git-credential', 'capability'], { input: '' })).toMatchObject({ code: 0 });
    // A host with an account (here a token from the environment for a GitHub Enterprise host):
    // over https it gets the token, over plain http never.
    const env = { OAUTHCLI_GITHUB_TOKEN: 'ghp_fromtheenvironment', OAUTHCLI_GITHUB_HOST: 'ghe.example.com' };
    expect(await w.cli(['git-credential', 'get'], { env, input: 'protocol=https\nhost=ghe.example.com\n\n' })).toMatchObject({ code: 0, stdout: 'username=x-access-token\npassword=ghp_fromtheenvironment\n' });
    expect(await w.cli(['git-credential', 'get'], { env, input: 'protocol=http\nhost=ghe.example.com\n\n' })).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});
