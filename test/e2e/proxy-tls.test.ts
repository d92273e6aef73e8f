// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// The corporate network, for real: a forward proxy (proxy-chain) that the CLI reaches through
// HTTPS_PROXY and that tunnels (CONNECT) to a GitHub Enterprise host name with no DNS entry,
// served over TLS with a certificate from a CA this test makes (openssl), trusted through
// NODE_EXTRA_CA_CERTS. Also GitHub Enterprise Cloud with data residency (SUBDOMAIN.ghe.com, its
// REST API on api.SUBDOMAIN.ghe.com), NO_PROXY, proxy credentials, and the untrusted certificate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainEntries, makeSandbox, runCli, type Env, type Sandbox } from '../support/cli.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-server.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { makeTestCa, type TestCa } from '../support/tls.js';

let ca: TestCa;
let ghe: FakeGitHub;
let tenant: FakeGitHub;
let proxy: TestProxy;
let sandbox: Sandbox;
let env: Env;

const NAMES = ['ghe.corp.test', 'acme.ghe.com', 'api.acme.ghe.com'];

beforeAll(async () => {
  ca = makeTestCa();
  const leaf = ca.issue(NAMES);
  const tls = { key: leaf.key, cert: leaf.cert };
  ghe = await startFakeGitHub({ tls, publicHost: { name: 'ghe.corp.test' }, device: { pendingPolls: 0 }, tokenLifetime: 28800, clientSecret: 'test-client-secret' });
  tenant = await startFakeGitHub({ tls, publicHost: { name: 'acme.ghe.com' }, device: { pendingPolls: 0 } });
  proxy = await startProxy({ hosts: Object.fromEntries(NAMES.map((n) => [n, '127.0.0.1'])) });
  sandbox = makeSandbox();
  env = { ...sandbox.env, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca.caCertPath, OAUTHCLI_GITHUB_CLIENT_SECRET: 'test-client-secret' };
});

afterAll(async () => {
  await Promise.all([ghe?.close(), tenant?.close(), proxy?.close()]);
  sandbox?.cleanup();
  ca?.cleanup();
});

const cli = (args: string[], extra: Env = {}) => runCli(args, { env: { ...env, ...extra }, timeoutMs: 45_000 });
const connectsTo = (host: string) => proxy.requests.filter((r) => r.method === 'CONNECT' && `${r.hostname}:${r.port}` === host).length;

describe('GitHub Enterprise Server behind an HTTPS proxy, with a private CA', () => {
  it('device login, whoami, repos, refresh and revoke all go through CONNECT to a host with no DNS entry', async () => {
    ghe.setRepos('octocat', 150);
    const steps: Array<[string[], RegExp | null]> = [
      [['login', 'github', '--device', '--no-browser', '-h', ghe.host], /Signed in to ghe\.corp\.test:\d+ as octocat/],
      [['whoami', '-h', ghe.host, '--json'], null],
      [['repos', '-h', ghe.host, '--json'], null],
      [['refresh', '-h', ghe.host], null],
      [['revoke', '-h', ghe.host], /Revoked the token/],
    ];
    let before = connectsTo(ghe.host);
    for (const [args, stderr] of steps) {
      const res = await cli(args);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
      if (stderr) expect(res.stderr).toMatch(stderr);
      // Each step went through the proxy's tunnel.
      expect(connectsTo(ghe.host)).toBeGreaterThan(before);
      before = connectsTo(ghe.host);
    }
    expect(ghe.grants.map((g) => g.grant_type)).toEqual(['device_code', 'refresh_token']);
    expect(ghe.revocations.some((r) => r.via === 'api')).toBe(true);
    // Every API request named the host the user gave, over TLS, by way of the tunnel.
    expect(ghe.requests.filter((r) => r.path.startsWith('/api/v3/')).every((r) => r.origin === `https://${ghe.host}`)).toBe(true);
  });

  it('NO_PROXY skips the proxy: the name then has no address, and nothing went through the proxy', async () => {
    const before = proxy.requests.length;
    const res = await cli(['login', 'github', '--device', '--no-browser', '-h', ghe.host], { NO_PROXY: 'ghe.corp.test' });
    expect(res.code).toBe(1);
    expect(res.stderr.trimEnd().split('\n').at(-1)).toMatch(/^oauthcli: could not reach ghe\.corp\.test:\d+: no such host \(ENOTFOUND\)$/);
    expect(proxy.requests.length).toBe(before);
  });

  it('without the CA: one line naming the certificate problem and both fixes, exit 1, nothing stored', async () => {
    const isolated = makeSandbox();
    try {
      const res = await runCli(['login', 'github', '--device', '--no-browser', '-h', ghe.host], { env: { ...isolated.env, HTTPS_PROXY: proxy.url }, timeoutMs: 45_000 });
      expect(res.code).toBe(1);
      const lines = res.stderr.trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(/^oauthcli: the TLS certificate of ghe\.corp\.test:\d+ is signed by a certificate authority this machine does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. .*NODE_EXTRA_CA_CERTS.*NODE_USE_SYSTEM_CA=1/);
      expect(res.stderr).not.toMatch(/one-time code/);
      expect((await keychainEntries()).filter((e) => e.account.includes('ghe.corp.test'))).toEqual([]);
    } finally {
      isolated.cleanup();
    }
  });

  it('proxy credentials in HTTPS_PROXY are used; a proxy that refuses them says so in one line', async () => {
    const guarded = await startProxy({ hosts: { 'ghe.corp.test': '127.0.0.1' }, auth: { username: 'corp', password: 'p@ss word' } });
    try {
      const ok = await cli(['login', 'github', '--device', '--no-browser', '-h', ghe.host], { HTTPS_PROXY: guarded.urlWithAuth });
      expect(ok.code, ok.stderr).toBe(0);
      expect(guarded.requests.length).toBeGreaterThan(0);
      expect(guarded.requests.every((r) => r.authorized)).toBe(true);
      const refused = await cli(['login', 'github', '--device', '--no-browser', '-h', ghe.host], { HTTPS_PROXY: guarded.url });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trimEnd().split('\n').at(-1)).toMatch(/the proxy http:\/\/127\.0\.0\.1:\d+ \(HTTPS_PROXY\) refused to connect to ghe\.corp\.test:\d+ \(HTTP 407\): it needs credentials/);
    } finally {
      await guarded.close();
    }
  });
});

describe('GitHub Enterprise Cloud with data residency (SUBDOMAIN.ghe.com)', () => {
  it('signs in at acme.ghe.com and calls the REST API at api.acme.ghe.com, through the proxy', async () => {
    const login = await cli(['login', 'github', '--device', '--no-browser', '-h', tenant.host]);
    expect(login.code, login.stderr).toBe(0);
    const who = await cli(['whoami', '-h', tenant.host, '--json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ login: 'octocat', host: tenant.host });
    const port = tenant.host.split(':')[1];
    expect(tenant.requests.filter((r) => r.path === '/user').map((r) => r.origin)).toContain(`https://api.acme.ghe.com:${port}`);
    expect(tenant.requests.some((r) => r.path === '/api/v3/user')).toBe(false);
    expect(connectsTo(`api.acme.ghe.com:${port}`)).toBeGreaterThan(0);
  });
});

describe('loopback hosts never go through a proxy', () => {
  it('with HTTP_PROXY and HTTPS_PROXY set, a 127.0.0.1 server is reached directly', async () => {
    const local = await startFakeGitHub({ device: { pendingPolls: 0 } });
    try {
      const before = proxy.requests.length;
      const res = await cli(['login', 'github', '--device', '--no-browser', '-h', local.host], { HTTP_PROXY: proxy.url, http_proxy: proxy.url });
      expect(res.code, res.stderr).toBe(0);
      expect(proxy.requests.length).toBe(before);
    } finally {
      await local.close();
    }
  });
});
