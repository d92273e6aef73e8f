// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `setup-kubectl` and `token --exec-credential` end to end with the real kubectl (/usr/bin/kubectl,
// or Debian's kubernetes-client 1.20 in CI): kubectl runs the built CLI as its exec credential
// plugin against an HTTPS Kubernetes API stand-in (test/support/kube-apiserver.ts) that lets in
// only live tokens of the fake GitHub, and oauthcli refreshes an expired token against that fake.
// kubectl's kubeconfig is the sandbox's own (KUBECONFIG).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, filesContaining, type Env } from '../support/cli.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/kube-apiserver.js';
import { makeTestCa, type TestCa } from '../support/tls.js';
import { until } from '../support/until.js';
import { setUp, type GitHubLab } from './harness.js';

/** setup-* runs kubectl or writes files several times: on a loaded machine that takes longer than runCli's 20 s default. */
const SLOW = { timeoutMs: 120_000 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let ca: TestCa;
/**
 * v1 ExecCredentials came with kubectl 1.22, and need `interactiveMode` in the kubeconfig, which
 * setup-kubectl writes only where `kubectl config set-credentials` has --exec-interactive-mode
 * (Debian's 1.20 has neither).
 */
let speaksV1 = false;
beforeAll(async () => {
  ca = makeTestCa();
  const version = await run('kubectl', ['version', '--client', '-o', 'json'], {});
  const minor = Number((JSON.parse(version.stdout) as { clientVersion: { minor: string } }).clientVersion.minor.replace(/\D.*$/, ''));
  const help = await run('kubectl', ['config', 'set-credentials', '--help'], {});
  speaksV1 = minor >= 22 && help.stdout.includes('--exec-interactive-mode');
  return () => ca.cleanup();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(program: string, args: string[], env: Env): Promise<Run> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return new Promise((resolve) => {
    execFile(program, args, { env: Object.keys(clean).length ? clean : process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

interface KubeLab {
  w: GitHubLab;
  api: FakeKubeApiServer;
  kubeconfig: string;
  kubectl(args: string[]): Promise<Run>;
}

async function lab(): Promise<KubeLab> {
  const w = await setUp({ tokenLifetime: 3600 });
  cleanups.push(() => w.close());
  const api = await startFakeKubeApiServer(ca, (token) => w.server.isTokenValid(token));
  cleanups.push(() => api.close());
  const kubeconfig = join(w.sandbox.root, 'kubeconfig');
  w.env = { ...w.env, KUBECONFIG: kubeconfig };
  const kubectl = (args: string[]) => run('kubectl', args, w.env);
  const cluster = await kubectl(['config', 'set-cluster', 'test-cluster', `--server=${api.url}`, `--certificate-authority=${ca.caCertPath}`]);
  expect(cluster, cluster.stderr).toMatchObject({ code: 0 });
  return { w, api, kubeconfig, kubectl };
}

const ok = (r: Run) => expect(r, `${r.stdout}\n${r.stderr}`).toMatchObject({ code: 0 });
const PODS = ['get', '--raw', '/api/v1/namespaces/default/pods'];

// Each test runs kubectl and oauthcli a dozen times in a row: minutes on a loaded machine, not the usual 60 s.
describe('kubectl with oauthcli as its exec credential plugin', { timeout: 240_000 }, () => {
  it('setup-kubectl writes the user and context once; kubectl gets the token, and a refreshed one after it expired; --remove restores the kubeconfig', async () => {
    const { w, api, kubeconfig, kubectl } = await lab();
    await w.signIn();
    const first = w.server.grants[0]!.access_token;
    const before = readFileSync(kubeconfig, 'utf8');

    const setup = await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--hostname', w.host], SLOW);
    expect(setup, setup.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(setup.stderr).toContain('context "oauthcli-test-cluster"');
    const written = readFileSync(kubeconfig, 'utf8');
    // Twice changes nothing.
    ok(await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--hostname', w.host], SLOW));
    expect(readFileSync(kubeconfig, 'utf8')).toBe(written);

    // The entry as kubectl reads it.
    const view = JSON.parse((await kubectl(['config', 'view', '-o', 'json'])).stdout) as {
      'current-context': string;
      users: Array<{ name: string; user: { exec: Record<string, unknown> } }>;
      contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
    };
    expect(view['current-context']).toBe('oauthcli-test-cluster');
    expect(view.contexts).toEqual([{ name: 'oauthcli-test-cluster', context: { cluster: 'test-cluster', user: 'oauthcli-github-127-0-0-1-' + w.host.split(':')[1] } }]);
    const exec = view.users[0]!.user.exec;
    expect(exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: process.execPath,
      args: [CLI_BIN, 'token', '--exec-credential', 'github', '--hostname', w.host],
      provideClusterInfo: false,
    });
    if (speaksV1) expect(exec.interactiveMode).toBe('Never');

    // kubectl runs the plugin and sends its token.
    const pods = await kubectl(PODS);
    ok(pods);
    expect(JSON.parse(pods.stdout)).toMatchObject({ kind: 'PodList', items: [{ metadata: { name: 'hello-7d4b9c' } }] });
    expect(api.requests.at(-1)).toMatchObject({ path: '/api/v1/namespaces/default/pods', token: first, status: 200 });
    const table = await kubectl(['get', 'pods']);
    ok(table);
    expect(table.stdout).toMatch(/hello-7d4b9c/);
    expect(w.server.grants.filter((g) => g.grant_type === 'refresh_token')).toEqual([]);

    // The token expires: a refresh hands out one that lasts 2 s, and the time passes.
    w.server.setOptions({ tokenLifetime: 2 });
    ok(await w.cli(['refresh'], SLOW));
    const shortLived = w.server.grants.at(-1)!.access_token;
    await until(() => !w.server.isTokenValid(shortLived), 'the short-lived token to expire', 10_000, 100);
    w.server.setOptions({ tokenLifetime: 3600 });
    // From now on only a token issued after the expiry gets in.
    api.authorize = (token) => token !== first && token !== shortLived && w.server.isTokenValid(token);
    const again = await kubectl(PODS);
    ok(again);
    const refreshed = w.server.grants.at(-1)!;
    expect(refreshed.grant_type).toBe('refresh_token');
    expect(api.requests.at(-1)).toMatchObject({ token: refreshed.access_token, status: 200 });
    expect(w.server.grants.filter((g) => g.grant_type === 'refresh_token')).toHaveLength(2);
    // The next kubectl reuses the fresh token: no other refresh.
    ok(await kubectl(PODS));
    expect(w.server.grants.filter((g) => g.grant_type === 'refresh_token')).toHaveLength(2);
    for (const r of [pods, table, again]) expect(r.stdout + r.stderr).not.toContain(refreshed.access_token);
    expect(filesContaining(w.sandbox.root, refreshed.access_token)).toEqual([]);

    // kubectl asks for v1 when the kubeconfig says so; the same plugin answers.
    if (speaksV1) {
      const user = view.users[0]!.name;
      ok(await kubectl(['config', 'set-credentials', user, '--exec-api-version=client.authentication.k8s.io/v1']));
      ok(await kubectl(PODS));
      expect(api.requests.at(-1)).toMatchObject({ status: 200 });
      ok(await kubectl(['config', 'set-credentials', user, '--exec-api-version=client.authentication.k8s.io/v1beta1']));
      expect(readFileSync(kubeconfig, 'utf8')).toBe(written);
    }

    const removed = await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--hostname', w.host, '--remove'], SLOW);
    expect(removed, removed.stderr).toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(kubeconfig, 'utf8')).toBe(before);
    // Once more: nothing to remove, nothing changed.
    const again2 = await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--hostname', w.host, '--remove'], SLOW);
    expect(again2).toMatchObject({ code: 0 });
    expect(again2.stderr).toMatch(/nothing changed/);
    expect(readFileSync(kubeconfig, 'utf8')).toBe(before);
  });

  it('not signed in: kubectl fails showing the one line that says what to run, and no sign-in starts', async () => {
    const { w, api, kubectl } = await lab();
    ok(await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--hostname', w.host], SLOW));
    const res = await kubectl(PODS);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`oauthcli: not signed in to GitHub ${w.host}. Run: oauthcli login github --hostname ${w.host}`);
    // kubectl 1.32 says "exit code 4", older ones "exit status 4".
    expect(res.stderr).toMatch(/exit (code|status) 4/);
    expect(w.server.requests.filter((r) => r.path.includes('/login/'))).toEqual([]);
    expect(api.requests.filter((r) => r.token !== null)).toEqual([]);
  });

  it('refuses a cluster the kubeconfig does not have, and a user name that is taken', async () => {
    const { w, kubeconfig, kubectl } = await lab();
    const before = readFileSync(kubeconfig, 'utf8');
    const missing = await w.cli(['setup-kubectl', 'github', '--cluster', 'nope'], SLOW);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^oauthcli: the kubeconfig has no cluster named "nope"/);
    ok(await kubectl(['config', 'set-credentials', 'admin', '--token=static-admin-token']));
    const taken = await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--user', 'admin'], SLOW);
    expect(taken).toMatchObject({ code: 2 });
    expect(taken.stderr).toMatch(/already has a user "admin" that oauthcli did not write/);
    expect(taken.stderr).not.toContain('static-admin-token');
    ok(await kubectl(['config', 'unset', 'users.admin']));
    expect(readFileSync(kubeconfig, 'utf8')).toBe(before);
  });

  it('without kubectl: prints the entry to add by hand, which kubectl then reads as setup would have written it', async () => {
    const { w, kubectl } = await lab();
    const res = await w.cli(['setup-kubectl', 'github', '--cluster', 'test-cluster', '--hostname', w.host, '--id-token'], { ...SLOW, env: { PATH: join(w.sandbox.root, 'empty') } });
    expect(res, res.stderr).toMatchObject({ code: 0 });
    expect(res.stderr).toMatch(/kubectl is not on PATH: add this to your kubeconfig/);
    const file = join(w.sandbox.root, 'by-hand.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: Config\n${res.stdout}`);
    const view = JSON.parse((await kubectl(['--kubeconfig', file, 'config', 'view', '-o', 'json'])).stdout) as { users: Array<{ name: string; user: { exec: Record<string, unknown> } }> };
    expect(view.users).toEqual([
      {
        name: `oauthcli-github-127-0-0-1-${w.host.split(':')[1]}-id-token`,
        user: {
          exec: expect.objectContaining({
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: process.execPath,
            args: [CLI_BIN, 'token', '--exec-credential', 'github', '--hostname', w.host, '--id-token'],
            provideClusterInfo: false,
          }),
        },
      },
    ]);
  });
});
