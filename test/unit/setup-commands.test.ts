// `setup-kubectl` and `setup-docker` in process (through the World seam): what each writes, that
// running it twice changes nothing, that --remove gives the file back, and the usage errors.
// setup-kubectl drives the real kubectl, as it does for users; the kubeconfig is the test's own.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as setupDocker } from '../../src/cli/commands/setup-docker.js';
import { run as setupKubectl } from '../../src/cli/commands/setup-kubectl.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { exitCodeOf as exitCode } from '../support/command-world.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const dirs: string[] = [];
const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function make(env: NodeJS.ProcessEnv): TestWorld {
  const t = testWorld({ env });
  worlds.push(t);
  return t;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauthcli-setup-'));
  dirs.push(dir);
  return dir;
}

// kubectl runs up to eight times a test: more than the usual 60 s on a loaded machine.
describe('setup-kubectl', { timeout: 180_000 }, () => {
  function kube() {
    const dir = tempDir();
    const kubeconfig = join(dir, 'config');
    const env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig };
    execFileSync('kubectl', ['config', 'set-cluster', 'prod', '--server=https://127.0.0.1:6443'], { env });
    execFileSync('kubectl', ['config', 'set-context', 'prod', '--cluster=prod', '--user=admin'], { env });
    execFileSync('kubectl', ['config', 'set-credentials', 'admin', '--token=static'], { env });
    execFileSync('kubectl', ['config', 'use-context', 'prod'], { env });
    return { dir, kubeconfig, env };
  }
  const view = (env: NodeJS.ProcessEnv) => JSON.parse(execFileSync('kubectl', ['config', 'view', '-o', 'json'], { env, encoding: 'utf8' })) as Record<string, unknown>;

  it('adds a user whose exec runs oauthcli and a context for the cluster, leaves the current context alone; twice is once; --remove restores the file', async () => {
    const { kubeconfig, env } = kube();
    const before = readFileSync(kubeconfig, 'utf8');
    const t = make(env);
    expect(await setupKubectl(t.world, 'github', { cluster: 'prod', hostname: 'ghe.example.com' })).toBe(0);
    const written = readFileSync(kubeconfig, 'utf8');
    const config = view(env) as { 'current-context': string; users: Array<{ name: string; user: { exec: { command: string; args: string[]; apiVersion: string } } }>; contexts: unknown[] };
    expect(config['current-context']).toBe('prod');
    expect(config.contexts).toContainEqual({ name: 'oauthcli-prod', context: { cluster: 'prod', user: 'oauthcli-github-ghe-example-com' } });
    const user = config.users.find((u) => u.name === 'oauthcli-github-ghe-example-com')!;
    expect(user.user.exec.apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(user.user.exec.args.slice(-5)).toEqual(['token', '--exec-credential', 'github', '--hostname', 'ghe.example.com']);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(/Use it: kubectl --context oauthcli-prod get pods/);

    expect(await setupKubectl(t.world, 'github', { cluster: 'prod', hostname: 'ghe.example.com' })).toBe(0);
    expect(readFileSync(kubeconfig, 'utf8')).toBe(written);
    expect(await setupKubectl(t.world, 'github', { cluster: 'prod', hostname: 'ghe.example.com', remove: true })).toBe(0);
    expect(readFileSync(kubeconfig, 'utf8')).toBe(before);
  });

  it('--user and --context name the entries; --id-token asks for the ID token; --kubeconfig picks the file', async () => {
    const { kubeconfig, env } = kube();
    const t = make({ PATH: env.PATH, HOME: env.HOME });
    expect(await setupKubectl(t.world, 'github', { cluster: 'prod', user: 'me', context: 'prod-sso', idToken: true, kubeconfig })).toBe(0);
    const config = view(env) as { users: Array<{ name: string; user: { exec: { args: string[] } } }>; contexts: unknown[] };
    expect(config.users.find((u) => u.name === 'me')!.user.exec.args.slice(-4)).toEqual(['token', '--exec-credential', 'github', '--id-token']);
    expect(config.contexts).toContainEqual({ name: 'prod-sso', context: { cluster: 'prod', user: 'me' } });
    // The user's own context keeps its own user.
    expect(config.contexts).toContainEqual({ name: 'prod', context: { cluster: 'prod', user: 'admin' } });
  });

  it('usage errors: no --cluster, an unknown provider, a context of that name for another user', async () => {
    const { env } = kube();
    const t = make(env);
    expect(await exitCode(t, () => setupKubectl(t.world, 'github', {}), 'setup-kubectl')).toBe(2);
    expect(await exitCode(t, () => setupKubectl(t.world, 'nope', { cluster: 'prod' }), 'setup-kubectl')).toBe(2);
    expect(await exitCode(t, () => setupKubectl(t.world, 'github', { cluster: 'prod', context: 'prod' }), 'setup-kubectl')).toBe(2);
    const lines = t.stderr().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/setup-kubectl needs --cluster NAME/);
    expect(lines[1]).toMatch(/unknown provider 'nope'/);
    expect(lines[2]).toMatch(/already has a context "prod" for another cluster or user: name another one with --context/);
  });

  it('without kubectl: the entry on stdout, to add by hand; --remove without kubectl fails in one line', async () => {
    const dir = tempDir();
    const t = make({ PATH: join(dir, 'empty'), HOME: dir });
    expect(await setupKubectl(t.world, 'gitlab', { cluster: 'prod' })).toBe(0);
    expect(t.stdout()).toContain('- name: "oauthcli-gitlab"');
    expect(t.stdout()).toContain('      - "--exec-credential"\n      - "gitlab"\n      interactiveMode: Never\n');
    expect(t.stderr()).toMatch(/kubectl is not on PATH/);
    expect(await exitCode(t, () => setupKubectl(t.world, 'gitlab', { cluster: 'prod', remove: true }), 'setup-kubectl')).toBe(1);
    expect(t.stderr()).toMatch(/oauthcli: kubectl is not installed \(or not on PATH\)\n$/);
  });
});

describe('setup-docker', () => {
  const account = (provider: string, host: string, login: string): AccountMeta => ({ key: `${provider}:${host}:${login}`, provider, host, login, id: '1', scopes: ['read:packages'], storage: 'keychain', signedInAt: '' });

  it('the built-in registries of the accounts here and the mapped ones; twice is once; --remove deletes what it made', async () => {
    const dir = tempDir();
    const t = make({ DOCKER_CONFIG: dir, PATH: '' });
    await t.world.accounts.saveActive(account('github', 'github.com', 'octocat'));
    await t.world.accounts.saveActive(account('gitlab', 'gitlab.com', 'tanuki'));
    expect(await setupDocker(t.world, { registry: 'https://Registry.Corp.example:5050/', provider: 'gitlab', hostname: 'gitlab.corp.example', username: 'robot' })).toBe(0);
    expect(t.world.accounts.dockerRegistries()).toEqual({ 'registry.corp.example:5050': { provider: 'gitlab', host: 'gitlab.corp.example', username: 'robot' } });
    expect(await setupDocker(t.world, {})).toBe(0);
    const file = join(dir, 'config.json');
    const written = readFileSync(file, 'utf8');
    expect(JSON.parse(written)).toEqual({ credHelpers: { 'registry.corp.example:5050': 'oauthcli', 'ghcr.io': 'oauthcli', 'docker.pkg.github.com': 'oauthcli', 'registry.gitlab.com': 'oauthcli' } });
    expect(written).toMatch(/^\{\n\t"credHelpers": \{\n\t\t"registry\.corp\.example:5050": "oauthcli",/);
    expect(t.stderr()).toMatch(/docker-credential-oauthcli is not on PATH/);
    expect(await setupDocker(t.world, {})).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(written);
    expect(t.stdout()).toBe('');

    expect(await setupDocker(t.world, { registry: 'registry.corp.example:5050', remove: true })).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).credHelpers as object)).toEqual(['ghcr.io', 'docker.pkg.github.com', 'registry.gitlab.com']);
    expect(t.world.accounts.dockerRegistries()).toEqual({});
    expect(await setupDocker(t.world, { remove: true })).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('usage errors: a registry that is not a host, --provider without --registry', async () => {
    const dir = tempDir();
    const t = make({ DOCKER_CONFIG: dir });
    expect(await exitCode(t, () => setupDocker(t.world, { registry: 'not a host' }), 'setup-docker')).toBe(2);
    expect(await exitCode(t, () => setupDocker(t.world, { provider: 'github' }), 'setup-docker')).toBe(2);
    expect(t.stderr().trim().split('\n')).toHaveLength(2);
    writeFileSync(join(dir, 'config.json'), '[]');
    expect(await exitCode(t, () => setupDocker(t.world, {}), 'setup-docker')).toBe(1);
    expect(t.stderr()).toMatch(/does not hold a JSON object/);
  });
});
