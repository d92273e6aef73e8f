// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// docker-credential-oauthcli as docker runs it, and setup-docker. There is no Docker engine here;
// docker itself only ever runs the helper by name from PATH with one argument and talks to it over
// stdin/stdout (docker/cli, cli/config/credentials/native_store.go, through
// docker-credential-helpers' client package), so that is what these tests do. The expected
// behaviour is docker-credential-helpers' protocol (credentials/credentials.go: `get` reads the
// server URL on stdin and prints {"ServerURL","Username","Secret"}; every error is its message on
// stdout and exit status 1; credentials/error.go: "credentials not found in native keychain").
// The account is a real sign-in against the fake GitHub, with read:packages.
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { filesContaining, REPO_ROOT, type Env } from '../support/cli.js';
import { keychainLookup } from './provider-harness.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

const HELPER_BIN = join(REPO_ROOT, 'bin', 'docker-credential-oauthcli.js');
/** setup-* runs kubectl or writes files several times: on a loaded machine that takes longer than runCli's 20 s default. */
const SLOW = { timeoutMs: 120_000 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface DockerLab {
  w: GitHubLab;
  /** DOCKER_CONFIG's config.json. */
  configFile: string;
  /** Runs the helper by name from PATH, as docker does: one argument, `input` on stdin. */
  helper(action: string, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

async function lab(): Promise<DockerLab> {
  const w = await setUp({ tokenLifetime: 3600 });
  cleanups.push(() => w.close());
  // What `npm install -g` leaves on PATH, beside the Node that runs it (the launcher's `env node`).
  const binDir = join(w.sandbox.root, 'npm-global', 'bin');
  mkdirSync(binDir, { recursive: true });
  symlinkSync(HELPER_BIN, join(binDir, 'docker-credential-oauthcli'));
  const dockerConfig = join(w.sandbox.root, 'docker-config');
  w.env = { ...w.env, DOCKER_CONFIG: dockerConfig, PATH: `${binDir}${delimiter}${dirname(process.execPath)}${delimiter}${w.env.PATH ?? ''}` };
  const helper = (action: string, input = '') =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(w.env as Env)) if (v !== undefined) env[k] = v;
      const child = execFile('docker-credential-oauthcli', [action], { env, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(error);
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    });
  return { w, configFile: join(dockerConfig, 'config.json'), helper };
}

// A sign-in and a dozen helper runs a test: more than the usual 60 s on a loaded machine.
describe('docker-credential-oauthcli, run by name as docker runs it', { timeout: 180_000 }, () => {
  it('get answers a mapped registry with the live token; unknown hosts get the library\'s not-found line; store, erase and list', async () => {
    const { w, helper } = await lab();
    await w.signIn(undefined, ['-s', 'read:packages']);
    const token = w.server.grants[0]!.access_token;
    const setup = await w.cli(['setup-docker', '--registry', 'registry.test', '--provider', 'github', '--hostname', w.host], SLOW);
    expect(setup, setup.stderr).toMatchObject({ code: 0, stdout: '' });

    const got = await helper('get', 'registry.test\n');
    expect(got, got.stdout).toMatchObject({ code: 0, stderr: '' });
    expect(got.stdout).toBe(`${JSON.stringify({ ServerURL: 'registry.test', Username: 'octocat', Secret: token })}\n`);
    expect(w.server.isTokenValid(JSON.parse(got.stdout).Secret)).toBe(true);

    for (const url of ['ghcr.io', 'https://index.docker.io/v1/', 'registry.other.test']) {
      expect(await helper('get', url)).toEqual({ code: 1, stdout: 'credentials not found in native keychain\n', stderr: '' });
    }
    expect(await helper('get', '')).toEqual({ code: 1, stdout: 'no credentials server URL\n', stderr: '' });

    // `docker login registry.test` hands the helper what the user typed: heard, never kept.
    const stored = await keychainLookup(accountKeyFor(w));
    const config = readFileSync(join(w.sandbox.configDir, 'config.json'), 'utf8');
    expect(await helper('store', JSON.stringify({ ServerURL: 'registry.test', Username: 'octocat', Secret: 'typed-by-hand' }))).toEqual({ code: 0, stdout: '', stderr: '' });
    // `docker logout registry.test`: the sign-in stays.
    expect(await helper('erase', 'registry.test\n')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await keychainLookup(accountKeyFor(w))).toBe(stored);
    expect(readFileSync(join(w.sandbox.configDir, 'config.json'), 'utf8')).toBe(config);
    expect(filesContaining(w.sandbox.root, 'typed-by-hand')).toEqual([]);
    expect((await helper('get', 'registry.test')).stdout).toContain(token);

    expect(await helper('list')).toEqual({ code: 0, stdout: '{"registry.test":"octocat"}\n', stderr: '' });
    expect(await helper('nonsense')).toEqual({ code: 1, stdout: 'Unknown credential action `nonsense`\n', stderr: '' });
    expect(filesContaining(w.sandbox.root, token)).toEqual([]);
  });

  it('get refreshes an expired token under the lock, as every command does; a refused sign-in is an error docker shows', async () => {
    const { w, helper } = await lab();
    w.server.setOptions({ tokenLifetime: 2 });
    await w.signIn(undefined, ['-s', 'read:packages']);
    const first = w.server.grants[0]!.access_token;
    w.server.setOptions({ tokenLifetime: 3600 });
    expect(await w.cli(['setup-docker', '--registry', 'registry.test', '--provider', 'github', '--hostname', w.host], SLOW)).toMatchObject({ code: 0 });
    // Four pulls at once: one refresh.
    const answers = await Promise.all(Array.from({ length: 4 }, () => helper('get', 'registry.test')));
    const secrets = new Set(answers.map((a) => (JSON.parse(a.stdout) as { Secret: string }).Secret));
    expect(secrets.size).toBe(1);
    const [secret] = [...secrets];
    expect(secret).not.toBe(first);
    expect(w.server.isTokenValid(secret!)).toBe(true);
    expect(w.server.grants.filter((g) => g.grant_type === 'refresh_token')).toHaveLength(1);

    // The provider forgets the grant: the next refresh is refused and the account needs a sign-in.
    w.server.revokeToken(secret!);
    w.server.setOptions({ tokenLifetime: 2 });
    expect(await w.cli(['refresh'], SLOW)).toMatchObject({ code: 4 });
    const refused = await helper('get', 'registry.test');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`^oauthcli: the sign-in to ${w.host.replace(/\./g, '\\.')} as octocat has expired\\. Run: oauthcli login github --hostname ${w.host.replace(/\./g, '\\.')}\\n$`));
  });
});

describe('setup-docker', { timeout: 180_000 }, () => {
  it('adds credHelpers entries once, keeps every other key, and --remove gives back the same file', async () => {
    const { w, configFile } = await lab();
    await w.signIn(undefined, ['-s', 'read:packages']);
    mkdirSync(dirname(configFile), { recursive: true });
    // A config as docker writes it (tab-indented), with what a user has: logins, a store, another helper, proxies.
    const original = `${JSON.stringify(
      {
        auths: { 'https://index.docker.io/v1/': {}, 'registry.old.test': { auth: 'dXNlcjpwYXNz' } },
        credsStore: 'secretservice',
        credHelpers: { 'gcr.io': 'gcloud' },
        proxies: { default: { httpProxy: 'http://127.0.0.1:3128' } },
      },
      null,
      '\t',
    )}\n`;
    writeFileSync(configFile, original, { mode: 0o600 });

    const first = await w.cli(['setup-docker', '--registry', 'registry.test', '--provider', 'github', '--hostname', w.host], SLOW);
    expect(first, first.stderr).toMatchObject({ code: 0, stdout: '' });
    const written = readFileSync(configFile, 'utf8');
    const parsed = JSON.parse(written) as Record<string, unknown>;
    expect(parsed).toEqual({ ...JSON.parse(original), credHelpers: { 'gcr.io': 'gcloud', 'registry.test': 'oauthcli' } });
    expect(Object.keys(parsed)).toEqual(['auths', 'credsStore', 'credHelpers', 'proxies']);
    expect(lstatSync(configFile).mode & 0o777).toBe(0o600);
    // The config file remembers which account answers.
    expect(w.config()).toMatchObject({ dockerRegistries: { 'registry.test': { provider: 'github', host: w.host } } });

    const second = await w.cli(['setup-docker', '--registry', 'registry.test', '--provider', 'github', '--hostname', w.host], SLOW);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stderr).toMatch(/nothing changed/);
    expect(readFileSync(configFile, 'utf8')).toBe(written);

    const removed = await w.cli(['setup-docker', '--remove'], SLOW);
    expect(removed, removed.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(configFile, 'utf8')).toBe(original);
    expect((w.config() as { dockerRegistries?: unknown }).dockerRegistries).toBeUndefined();
    expect((await w.cli(['setup-docker', '--remove'], SLOW)).stderr).toMatch(/nothing changed/);
    expect(readFileSync(configFile, 'utf8')).toBe(original);
  });

  it('with no config yet: creates one (0600) with the built-in GitHub registries; --remove leaves none', async () => {
    const { w, configFile } = await lab();
    const res = await w.cli(['setup-docker'], SLOW);
    expect(res, res.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ credHelpers: { 'ghcr.io': 'oauthcli', 'docker.pkg.github.com': 'oauthcli' } });
    expect(lstatSync(configFile).mode & 0o777).toBe(0o600);
    expect(res.stderr).toMatch(/ghcr\.io: no account here that it takes yet; sign in with the read:packages scope/);
    expect(res.stderr).not.toMatch(/not on PATH/);
    expect(await w.cli(['setup-docker', '--remove'], SLOW)).toMatchObject({ code: 0 });
    expect(existsSync(configFile)).toBe(false);
  });

  it('refuses to write through a symbolic link, an unknown registry without --provider, and a config that is not JSON', async () => {
    const { w, configFile } = await lab();
    mkdirSync(dirname(configFile), { recursive: true });
    const target = join(w.sandbox.root, 'dotfiles-docker.json');
    writeFileSync(target, '{"auths":{}}\n');
    symlinkSync(target, configFile);
    const linked = await w.cli(['setup-docker'], SLOW);
    expect(linked).toMatchObject({ code: 1, stdout: '' });
    expect(linked.stderr).toMatch(/is a symbolic link; oauthcli does not write through links/);
    expect(readFileSync(target, 'utf8')).toBe('{"auths":{}}\n');
    expect(lstatSync(configFile).isSymbolicLink()).toBe(true);

    const unknown = await w.cli(['setup-docker', '--registry', 'registry.test'], SLOW);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/does not know which account registry\.test takes/);

    const broken = join(w.sandbox.root, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'config.json'), '{"auths": ');
    const bad = await w.cli(['setup-docker'], { ...SLOW, env: { DOCKER_CONFIG: broken } });
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toMatch(/config\.json is not valid JSON/);
    expect(readFileSync(join(broken, 'config.json'), 'utf8')).toBe('{"auths": ');
  });
});
