// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Issue 2: device-flow sign-in, the keychain, whoami, status, logout and the contract's exit codes.
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesContaining, keychainEntries } from '../support/cli.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeEach(async () => {
  w = await setUp();
});
afterEach(async () => {
  await w.close();
});

const login = (extra: string[] = [], env = {}) => w.cli(['login', 'github', '--no-browser', '--hostname', w.host, ...extra], { env });

async function storedSecret(key: string) {
  return (await keychainEntries()).find((e) => e.account === key);
}

describe('login github (device flow)', () => {
  it('shows the code and URL on stderr, polls past authorization_pending, and stores the token in the keychain only', async () => {
    w.server.setDevice({ pendingPolls: 2 });
    const res = await login();
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    const code = w.server.deviceCodes[0]!;
    expect(res.stderr).toContain(code.user_code);
    expect(res.stderr).toContain(`${w.server.url}/login/device`);
    expect(res.stderr).toMatch(new RegExp(`Signed in to ${w.host.replace(/\./g, '\\.')} as octocat`));
    expect(res.stderr).toMatch(/Using the device flow: --no-browser was given/);

    // RFC 8628: never faster than the interval.
    expect(w.server.earlyPolls).toEqual([]);
    expect(code.polls.length).toBe(3);
    const deviceReq = w.server.requests.find((r) => r.path === '/login/device/code')!;
    expect(deviceReq.headers.accept).toBe('application/json');
    // Space-delimited, as GitHub documents (and RFC 6749 §3.3 says).
    expect(deviceReq.body).toMatchObject({ client_id: 'test-client-id', scope: 'read:user repo' });

    const token = w.server.grants[0]!.access_token;
    const entry = await storedSecret(accountKeyFor(w));
    expect(entry).toBeDefined();
    expect(JSON.parse(entry!.secret)).toMatchObject({ accessToken: token, tokenType: 'bearer' });
    // Nowhere else: not in any file under HOME or the config folder, not in any output.
    expect(filesContaining(w.sandbox.root, token)).toEqual([]);
    expect(res.stderr).not.toContain(token);

    const meta = w.config().accounts[accountKeyFor(w)]!;
    expect(meta).toMatchObject({ provider: 'github', host: w.host, login: 'octocat', id: '583231', storage: 'keychain' });
    expect(meta.scopes).toEqual(['read:user', 'repo']);
    // Dated when the sign-in ended: after the fake granted the token, before the test looked.
    expect(Date.parse(meta.signedInAt as string)).toBeGreaterThanOrEqual(w.server.grants[0]!.time);
    expect(Date.parse(meta.signedInAt as string)).toBeLessThanOrEqual(Date.now());
    expect(w.config().active[`github:${w.host}`]).toBe(accountKeyFor(w));
    expect((w.config() as { current?: string }).current).toBe(accountKeyFor(w));
  });

  it('plain `login github` with no secret and no terminal uses the device flow and says why', async () => {
    const res = await w.cli(['login', 'github', '--hostname', w.host], { env: { OAUTHCLI_BROWSER: 'true' } });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/Using the device flow: no client secret is configured/);
  });

  it('on slow_down waits the interval the server sends for this and every later poll', async () => {
    w.server.setDevice({ pendingPolls: 3, slowDownOnPoll: 1, slowDownIncrement: 1 });
    const res = await login();
    expect(res.code).toBe(0);
    const polls = w.server.deviceCodes[0]!.polls;
    expect(polls[0]!.result).toBe('slow_down');
    expect(w.server.earlyPolls).toEqual([]);
    // After slow_down the interval is 2 s: every later gap is at least that.
    for (let i = 1; i < polls.length; i++) expect(polls[i]!.time - polls[i - 1]!.time).toBeGreaterThanOrEqual(2000);
  });

  it.each([
    ['access_denied', /denied/],
    ['expired_token', /expired/],
  ] as const)('stops with exit 1 on %s and stores nothing', async (outcome, message) => {
    w.server.setDevice({ outcome, pendingPolls: 1 });
    const res = await login();
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n').at(-1)).toMatch(/^oauthcli: /);
    expect(await storedSecret(accountKeyFor(w))).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });

  it('gives up once expires_in has passed', async () => {
    w.server.setDevice({ outcome: 'manual', expiresIn: 2 });
    const res = await login();
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/expired/);
  });

  it('a client id the server does not know: exit 1 with a clear line', async () => {
    const res = await login([], { OAUTHCLI_GITHUB_CLIENT_ID: 'nope' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/client id/);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('no client id configured: exit 2 with how to register an app and which variable to set', async () => {
    const res = await login([], { OAUTHCLI_GITHUB_CLIENT_ID: '' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/OAUTHCLI_GITHUB_CLIENT_ID/);
    expect(res.stderr).toMatch(/Device Flow/);
    expect(res.stderr).toMatch(/settings\/applications\/new/);
    expect(w.server.requests).toEqual([]);
  });

  it('device_flow_disabled: exit 1, says to enable it', async () => {
    w.server.setDevice({ deviceFlowDisabled: true });
    const res = await login();
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Device Flow/i);
  });

  it('Ctrl-C while waiting: exit 130 and nothing stored', async () => {
    w.server.setDevice({ outcome: 'manual' });
    const cli = w.start(['login', 'github', '--no-browser', '--hostname', w.host]);
    await cli.waitForStderr(/one-time code/);
    cli.kill('SIGINT');
    const res = await cli.exited;
    expect(res.code).toBe(130);
    expect(res.stderr.trim().split('\n').at(-1)).toBe('oauthcli: interrupted (Ctrl-C)');
    w.server.approveDevice();
    expect(await storedSecret(accountKeyFor(w))).toBeUndefined();
    expect(w.config().accounts).toEqual({});
  });

  it('opens the verification URL with OAUTHCLI_BROWSER unless --no-browser', async () => {
    const file = join(w.sandbox.root, 'opened.txt');
    const script = join(w.sandbox.root, 'browser.sh');
    writeFileSync(script, `#!/bin/sh\necho "$1" >> ${file}\n`, { mode: 0o755 });
    const res = await w.cli(['login', 'github', '--device', '--hostname', w.host], { env: { OAUTHCLI_BROWSER: script } });
    expect(res.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`${w.server.url}/login/device`);
  });
});

describe('whoami', () => {
  it('prints a readable profile, and the contract JSON with --json', async () => {
    await w.signIn();
    const text = await w.cli(['whoami']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Login:\s+octocat/);
    expect(text.stdout).toMatch(/Name:\s+The Octocat/);
    expect(text.stdout).toMatch(/Email:\s+octocat@example.com/);
    expect(text.stdout).toMatch(/Scopes:\s+read:user, repo/);
    expect(text.stdout).toMatch(/Token:\s+does not expire/);
    expect(text.stdout).toContain(`${w.server.url}/octocat`);
    expect(text.stdout).not.toMatch(/\u001b\[/); // no colours into a pipe

    const json = await w.cli(['whoami', 'github', '--json', '--hostname', w.host]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      provider: 'github',
      host: w.host,
      login: 'octocat',
      id: '583231',
      name: 'The Octocat',
      email: 'octocat@example.com',
      url: `${w.server.url}/octocat`,
      scopes: ['read:user', 'repo'],
      expiresAt: null,
    });
    const token = w.server.grants[0]!.access_token;
    for (const r of [text, json]) expect(r.stdout + r.stderr).not.toContain(token);
  });

  it('a token the server rejects: exit 4 and "run oauthcli login github"', async () => {
    await w.signIn();
    w.server.revokeToken(w.server.grants[0]!.access_token);
    const res = await w.cli(['whoami']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/oauthcli login github/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('not signed in: exit 4', async () => {
    const res = await w.cli(['whoami']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/not signed in.*oauthcli login/);
  });

  it('an HTML error page or a malformed reply: exit 1, one clear line, nothing lost', async () => {
    await w.signIn();
    w.server.fail('/api/v3/user', { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', times: 3 });
    const html = await w.cli(['whoami']);
    expect(html.code).toBe(1);
    expect(html.stderr.trim()).toMatch(/^oauthcli: .*HTML page instead of JSON \(HTTP 502\)$/);
    w.server.fail('/api/v3/user', { status: 200, body: 'not json', headers: { 'content-type': 'application/json' } });
    const bad = await w.cli(['whoami']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect((await w.cli(['whoami'])).code).toBe(0);
  });

  it('--debug prints an HTTP trace with the token redacted', async () => {
    await w.signIn();
    const token = w.server.grants[0]!.access_token;
    const res = await w.cli(['whoami', '--debug']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/> GET http:\/\/127\.0\.0\.1:\d+\/api\/v3\/user/);
    expect(res.stderr).toMatch(/authorization: Bearer \[REDACTED\]/);
    expect(res.stderr).not.toContain(token);
    const login2 = await w.cli(['login', 'github', '--device', '--no-browser', '--debug', '--hostname', w.host], { env: { OAUTHCLI_DEBUG: '1' } });
    expect(login2.code).toBe(0);
    expect(login2.stderr).toMatch(/access_token":"\[REDACTED\]"/);
    for (const g of w.server.grants) expect(login2.stderr).not.toContain(g.access_token);
    expect(login2.stderr).not.toContain(w.server.deviceCodes.at(-1)!.device_code);
  });
});

describe('status', () => {
  it('nothing stored: says so on stderr, exit 1 (as gh auth status); --json gives [] and exit 1', async () => {
    const res = await w.cli(['status']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^No account is signed in\. Run: oauthcli login github\n$/);
    const json = await w.cli(['status', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(json.code).toBe(1);
  });

  it('lists every account with active marker, scopes, expiry and storage', async () => {
    await w.signIn();
    const res = await w.cli(['status']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`${w.host} (github)`);
    expect(res.stdout).toMatch(/octocat \(active, current\)/);
    expect(res.stdout).toMatch(/Storage: keychain/);
    const json = JSON.parse((await w.cli(['status', '--json'])).stdout);
    expect(json).toEqual([
      expect.objectContaining({ provider: 'github', host: w.host, login: 'octocat', active: true, scopes: ['read:user', 'repo'], expiresAt: null, storage: 'keychain' }),
    ]);
    expect(JSON.stringify(json)).not.toContain(w.server.grants[0]!.access_token);
  });
});

describe('logout', () => {
  it('removes the keychain entry and the metadata, and says where to revoke', async () => {
    await w.signIn();
    const res = await w.cli(['logout', 'github', '--hostname', w.host]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/Signed out of .* as octocat/);
    expect(res.stderr).toMatch(/settings\/connections\/applications\/test-client-id/);
    expect(await storedSecret(accountKeyFor(w))).toBeUndefined();
    expect(w.config().accounts).toEqual({});
    expect((await w.cli(['whoami'])).code).toBe(4);
  });
});

describe('storage without a keychain', () => {
  const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };

  it('login fails with one line naming the cause and the fix, and stores nothing', async () => {
    const res = await login([], noKeychain);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^oauthcli: the OS keychain is not available .*--insecure-storage/);
    expect(w.server.requests).toEqual([]);
    expect(w.config().accounts).toEqual({});
    expect(filesContaining(w.sandbox.configDir, 'accessToken')).toEqual([]);
  });

  it('--insecure-storage writes a 0600 file, and status says "insecure file"', async () => {
    const res = await login(['--insecure-storage'], noKeychain);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/plain file/);
    const file = join(w.sandbox.configDir, 'insecure-tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(w.server.grants[0]!.access_token);
    const status = await w.cli(['status'], { env: noKeychain });
    expect(status.stdout).toMatch(/Storage: insecure file/);
    expect(JSON.parse((await w.cli(['status', '--json'], { env: noKeychain })).stdout)[0].storage).toBe('insecure file');
    expect((await w.cli(['whoami'], { env: noKeychain })).code).toBe(0);
  });
});

describe('usage errors and bad input', () => {
  it('unknown provider, command or flag: exit 2', async () => {
    const provider = await w.cli(['login', 'gitbucket']);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toMatch(/unknown provider 'gitbucket'/);
    expect((await w.cli(['frobnicate'])).code).toBe(2);
    expect((await w.cli(['status', '--frobnicate'])).code).toBe(2);
    expect((await w.cli(['login', 'github', '--web', '--device'])).code).toBe(2);
  });

  it('a corrupted config: one clear line, exit 1, and the file is left as it was', async () => {
    await w.signIn();
    const path = join(w.sandbox.configDir, 'config.json');
    const broken = readFileSync(path, 'utf8').slice(0, 40);
    writeFileSync(path, broken);
    for (const args of [['status'], ['whoami'], ['login', 'github', '--no-browser', '--hostname', w.host]]) {
      const res = await w.cli(args);
      expect(res.code).toBe(1);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/config\.json/);
    }
    expect(readFileSync(path, 'utf8')).toBe(broken);
  });

  it('--version and --help exit 0', async () => {
    const v = await w.cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const h = await w.cli(['--help']);
    expect(h.code).toBe(0);
    for (const c of ['login', 'whoami', 'status', 'logout', 'token', 'refresh', 'revoke']) expect(h.stdout).toContain(c);
  });
});
