// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// A hostile or broken provider, concurrent use, bad input: the built CLI against the fake GitHub.
// Provider text never drives the terminal; limits hold; nothing stored is lost; one clear line.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainEntries } from '../support/cli.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';
import { lastLine } from './provider-harness.js';

let w: GitHubLab;
beforeEach(async () => {
  w = await setUp();
});
afterEach(async () => {
  await w.close();
});

/** What a hostile provider puts in its text: a clipboard write (OSC 52), a hyperlink (OSC 8), a screen clear, a C1 CSI, a bidi override. */
const HOSTILE = '\u001b]52;c;cHduZWQ=\u0007\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\\u001b[2J\u009b31m\u202eevil';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

function expectClean(...texts: string[]) {
  for (const text of texts) expect(text).not.toMatch(CONTROL);
}

describe('provider text never reaches the terminal with its control characters', () => {
  it('whoami (text and --json), status, and "Signed in as"', async () => {
    w.server.addUser({ login: 'mallory', id: 666, name: `Mallory ${HOSTILE}`, email: `m${HOSTILE}@evil.example` });
    const login = await w.signIn('mallory');
    expectClean(login.stderr);
    for (const args of [['whoami'], ['whoami', '--json'], ['status'], ['status', '--json']]) {
      const res = await w.cli([...args]);
      expect(res.code, res.stderr).toBe(0);
      expectClean(res.stdout, res.stderr);
    }
    // The JSON still says what the provider said, as escapes.
    const who = JSON.parse((await w.cli(['whoami', '--json'])).stdout) as { name: string };
    expect(who.name).toBe(`Mallory ${HOSTILE}`);
  });

  it('error_description from the token endpoint, an API error message, and the device code and URL', async () => {
    w.server.fail('/login/oauth/access_token', { status: 200, body: { error: 'access_denied', error_description: `denied ${HOSTILE}` }, times: 1 });
    const denied = await w.cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host]);
    expect(denied.code).toBe(1);
    expectClean(denied.stderr);

    w.server.fail('/login/device/code', { status: 200, body: { device_code: 'dc', user_code: `AB${HOSTILE}`, verification_uri: `${w.server.url}/login/device`, interval: 1, expires_in: 5 }, times: 1 });
    const code = await w.cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host]);
    expectClean(code.stderr);

    await w.signIn();
    w.server.fail('/api/v3/user', { status: 422, body: { message: `Validation Failed ${HOSTILE}` }, times: 5 });
    const api = await w.cli(['whoami']);
    expect(api.code).toBe(1);
    expect(lastLine(api)).toMatch(/^oauthcli: 127\.0\.0\.1:\d+ answered HTTP 422: Validation Failed/);
    expectClean(api.stderr);
  });

  it('repos --json: raw controls in every item (not only the first) come out escaped, and the JSON value is kept', async () => {
    await w.signIn();
    const page = JSON.stringify([{ full_name: 'o/a', name: 'a', description: 'fine' }, { full_name: 'o/b', name: 'b', description: 'PLACEHOLDER' }]).replace('PLACEHOLDER', `raw\u001b[2J\u0007 ${HOSTILE}`.replace(/\\/g, '\\\\'));
    w.server.fail('/api/v3/user/repos', { status: 200, body: page, headers: { 'content-type': 'application/json' }, times: 2 });
    const json = await w.cli(['repos', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expectClean(json.stdout);
    expect((JSON.parse(json.stdout) as Array<{ description: string }>)[1]!.description).toBe(`raw\u001b[2J\u0007 ${HOSTILE}`);
    const table = await w.cli(['repos']);
    expectClean(table.stdout);
  });
});

describe('bad input: one line, the documented exit code, nothing lost', () => {
  it.each([
    [['whoami', '__proto__'], /unknown provider '__proto__'/],
    [['login', 'constructor'], /unknown provider 'constructor'/],
    [['login', 'github', '--hostname', '127.0.0.1:99999'], /invalid --hostname '127\.0\.0\.1:99999'/],
    [['login', 'github', '--timeout', '600h'], /invalid --timeout '600h'/],
    [['whoami', '--bogus'], /unknown option '--bogus'\. Run 'oauthcli whoami --help' for usage\./],
  ])('%j: exit 2', async (args, message) => {
    const res = await w.cli(args);
    expect(res.code).toBe(2);
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toMatch(/^oauthcli: /);
  });

  it('--with-token stops reading at its limit', async () => {
    // stdin without end: a CLI that read it all before checking its length would never finish.
    // Written as the pipe drains, so what the CLI took is bounded by what was written.
    const cli = w.start(['login', 'github', '--with-token', '--hostname', w.host]);
    const chunk = 'x'.repeat(64 * 1024);
    let written = 0;
    const pump = () => {
      while (cli.child.exitCode === null && !cli.child.stdin.destroyed && cli.child.stdin.write(chunk)) written += chunk.length;
      if (cli.child.exitCode === null && !cli.child.stdin.destroyed) cli.child.stdin.once('drain', pump);
    };
    pump();
    const res = await cli.exited;
    expect(res.timedOut).toBe(false);
    expect(res.code).toBe(1);
    expect(lastLine(res)).toMatch(/longer than 16 KB/);
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  it('a config folder that cannot be written fails before the sign-in starts (no code is shown, no request made)', async () => {
    const blocker = join(w.sandbox.root, 'not-a-folder');
    writeFileSync(blocker, 'a file where the config folder should be');
    const res = await w.cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host], { env: { OAUTHCLI_CONFIG_DIR: join(blocker, 'oauthcli') } });
    expect(res.code).toBe(1);
    expect(lastLine(res)).toMatch(/cannot create the config folder .*OAUTHCLI_CONFIG_DIR/);
    expect(res.stderr).not.toMatch(/one-time code/);
    expect(w.server.requestCount('/login/device/code')).toBe(0);
  });

  it('a keychain that cannot be reached after login is a keychain error (exit 1), never "not signed in"', async () => {
    await w.signIn();
    const res = await w.cli(['token'], { env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' } });
    expect(res.code).toBe(1);
    expect(lastLine(res)).toMatch(/^oauthcli: the OS keychain is not available/);
    expect(res.stdout).toBe('');
  });

  it('a token removed from the keychain behind our back: the message says so', async () => {
    await w.signIn();
    execFileSync('secret-tool', ['clear', 'service', 'oauthcli', 'username', accountKeyFor(w)]);
    const res = await w.cli(['token']);
    expect(res.code).toBe(4);
    expect(lastLine(res)).toMatch(/the OS keychain has no token for octocat on 127\.0\.0\.1:\d+ .*Run: oauthcli login github --hostname/);
  });
});

describe('storage', () => {
  it('the config folder is 0700 and config.json 0600', async () => {
    await w.signIn();
    expect(statSync(w.sandbox.configDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(w.sandbox.configDir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('eight logins at once record eight accounts; logout --all then leaves no token in the keychain', async () => {
    const logins = Array.from({ length: 8 }, (_, i) => `user${i}`);
    for (const [i, login] of logins.entries()) w.server.addUser({ login, id: 2000 + i, name: login, email: `${login}@example.com` });
    // Each device code is approved by the user it was issued for, in order of issue.
    const started = logins.map((login) => w.cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host, '--timeout', '60s'], { env: { OAUTHCLI_TEST_LOGIN: login } }));
    const approve = setInterval(() => {
      for (const [i, code] of w.server.deviceCodes.entries()) if (code.status === 'pending') w.server.approveDevice(logins[i % logins.length], code.user_code);
    }, 50);
    w.server.setDevice({ outcome: 'manual' });
    const results = await Promise.all(started);
    clearInterval(approve);
    for (const res of results) expect(res.code, res.stderr).toBe(0);
    expect(Object.keys(w.config().accounts).sort()).toEqual(logins.map((l) => accountKeyFor(w, l)).sort());

    const out = await w.cli(['logout', '--all']);
    expect(out.code, out.stderr).toBe(0);
    expect(w.config().accounts).toEqual({});
    expect((await keychainEntries()).filter((e) => e.account.startsWith(`github:${w.host}:`))).toEqual([]);
  }, 120_000);

  it('provider add takes its client secret from stdin (never argv), and the config file is 0600', async () => {
    const { startFakeGoogle } = await import('../support/google-server.js');
    const google = await startFakeGoogle();
    try {
      const res = await w.cli(['provider', 'add', 'corp', '--issuer', google.issuer, '--client-id', 'c', '--client-secret-stdin'], { input: 's3cret-from-stdin\n' });
      expect(res.code, res.stderr).toBe(0);
      const config = readFileSync(join(w.sandbox.configDir, 'config.json'), 'utf8');
      expect(JSON.parse(config).providers.corp).toMatchObject({ clientId: 'c', clientSecret: 's3cret-from-stdin' });
      expect(statSync(join(w.sandbox.configDir, 'config.json')).mode & 0o777).toBe(0o600);
    } finally {
      await google.close();
    }
  });
});

