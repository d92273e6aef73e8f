// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// The browser sign-in (`login github --web`): authorization code + PKCE through a loopback
// redirect, driven end to end from the built CLI with a real Chromium (Debian's, never a
// downloaded one) clicking the fake GitHub's consent page.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumForFile } from '../support/chromium.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pkceChallenge } from '../support/github-server.js';
import { CLI_BIN, filesContaining, keychainEntries, stripAnsi, type CliResult, type Env, type RunningCli } from '../support/cli.js';
import { standInBrowser, type StandInBrowser } from '../support/stand-in-browser.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

const SECRET = 'test-client-secret';
const withSecret: Env = { OAUTHCLI_GITHUB_CLIENT_SECRET: SECRET };
/** Generous: these machines are small and busy. */
const WAIT_MS = 20_000;

const { newPage } = chromiumForFile({ timeoutMs: WAIT_MS });

let w: GitHubLab;
let running: RunningCli | undefined;
beforeEach(async () => {
  w = await setUp();
});
afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
  await w.close();
});

// ---------------------------------------------------------------------------------------------

/** A stand-in for the system browser (test/support/stand-in-browser.ts). */
const fakeBrowserCommand = (): StandInBrowser => standInBrowser(w.sandbox.root, 'urls');

function start(args: string[], env: Env = {}): RunningCli {
  running = w.start(['login', 'github', ...args, '--hostname', w.host], { env, timeoutMs: 45_000 });
  return running;
}

/** Resolves with the first URL the fake browser was given; rejects when the CLI exits first. */
const opened = (browser: StandInBrowser, cli: RunningCli) => browser.first(cli, WAIT_MS);

/** Opens the authorize URL in Chromium, clicks a button on the consent page, waits for the loopback's page. */
async function decideInChromium(authorizeUrl: string, button: '#authorize' | '#deny'): Promise<Page> {
  const redirectUri = new URL(authorizeUrl).searchParams.get('redirect_uri')!;
  const page = await newPage();
  await page.goto(authorizeUrl);
  await page.locator(button).waitFor();
  await Promise.all([page.waitForURL((u) => u.href.startsWith(`${redirectUri}?`), { waitUntil: 'load' }), page.click(button)]);
  return page;
}

/** HTTP status of a GET, or 'refused' when nothing listens any more. */
async function statusOf(url: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(url, { redirect: 'manual' });
    await res.text();
    return res.status;
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED') return 'refused';
    throw error;
  }
}

function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

async function storedSecret(): Promise<string | undefined> {
  return (await keychainEntries()).find((e) => e.account === accountKeyFor(w))?.secret;
}

async function expectNothingStored(): Promise<void> {
  expect(await storedSecret()).toBeUndefined();
  expect(w.server.grants).toEqual([]);
  const config = join(w.sandbox.configDir, 'config.json');
  if (existsSync(config)) expect(w.config().accounts).toEqual({});
}

const lastLine = (r: CliResult) => r.stderr.trim().split('\n').at(-1) ?? '';
const authorizeRequests = () => w.server.requests.filter((r) => r.path === '/login/oauth/authorize');

// ---------------------------------------------------------------------------------------------

describe('login github --web in Chromium', () => {
  it('Authorize: signs in with PKCE + client secret, Chromium shows the success page, the token is in the keychain only', async () => {
    const browserCmd = fakeBrowserCommand();
    const cli = start(['--web'], { ...withSecret, OAUTHCLI_BROWSER: browserCmd.command });
    const url = await opened(browserCmd, cli);

    // The authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 8252 §7.3).
    const authorize = new URL(url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${w.server.url}/login/oauth/authorize`);
    const q = authorize.searchParams;
    expect(q.get('client_id')).toBe('test-client-id');
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const redirectUri = q.get('redirect_uri')!;
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/callback$/.exec(redirectUri);
    expect(m).not.toBeNull();
    const port = Number(m![1]);
    expect(cli.stderr()).toContain(url);

    const page = await decideInChromium(url, '#authorize');
    // The loopback listener's own page, served from the redirect URI.
    expect(page.url().startsWith(`${redirectUri}?`)).toBe(true);
    await page.getByText('You may close this tab').waitFor();
    expect(await page.title()).toMatch(/^Signed in/);
    const callbackUrl = page.url();

    const res = await cli.exited;
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(new RegExp(`Signed in to ${w.host.replace(/\./g, '\\.')} as octocat`));

    // The grant the server saw: authorization_code, PKCE verified, client secret sent.
    expect(w.server.grants).toHaveLength(1);
    const grant = w.server.grants[0]!;
    expect(grant).toMatchObject({ grant_type: 'authorization_code', pkce: true, client_secret_sent: true, login: 'octocat' });
    const exchange = w.server.requests.find((r) => r.path === '/login/oauth/access_token')!;
    expect(exchange.body.redirect_uri).toBe(redirectUri);
    expect(pkceChallenge(exchange.body.code_verifier!)).toBe(q.get('code_challenge'));
    expect(authorizeRequests()).toHaveLength(1);

    // Where the token is, and where it is not.
    const token = grant.access_token;
    const secret = await storedSecret();
    expect(secret).toBeDefined();
    expect(JSON.parse(secret!)).toMatchObject({ accessToken: token, tokenType: 'bearer' });
    expect(filesContaining(w.sandbox.root, token)).toEqual([]);
    expect(filesContaining(w.sandbox.root, SECRET)).toEqual([]);
    for (const out of [res.stdout, res.stderr]) {
      expect(out).not.toContain(token);
      expect(out).not.toContain(exchange.body.code_verifier!);
      expect(out).not.toContain(SECRET);
    }

    const whoami = await w.cli(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ provider: 'github', host: w.host, login: 'octocat', id: '583231' });

    // The listener was one-shot: replaying the same callback finds nobody (or a 409).
    expect(['refused', 409]).toContain(await statusOf(callbackUrl));
    expect(await portIsClosed(port)).toBe(true);
    expect(w.server.grants).toHaveLength(1);
  });

  it('Deny: exit 1 saying it was denied, Chromium shows the denial page, nothing stored', async () => {
    const browserCmd = fakeBrowserCommand();
    const cli = start(['--web'], { ...withSecret, OAUTHCLI_BROWSER: browserCmd.command });
    const url = await opened(browserCmd, cli);

    const page = await decideInChromium(url, '#deny');
    await page.getByText('Sign-in not completed').waitFor();
    expect(await page.locator('#detail').textContent()).toMatch(/^access_denied/);

    const res = await cli.exited;
    expect(res.code).toBe(1);
    expect(lastLine(res)).toMatch(/^oauthcli: .*denied/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(w.server.requestCount('/login/oauth/access_token')).toBe(0);
    await expectNothingStored();
  });
});

describe('choosing the flow automatically', () => {
  it.each([
    ['an SSH session (secret configured)', { ...withSecret, SSH_CONNECTION: '203.0.113.9 50022 198.51.100.4 22' }, /Using the device flow: this is an SSH session/],
    ['no client secret', { DISPLAY: ':0' }, /Using the device flow: no client secret is configured/],
  ] as const)('%s: the device flow, and it says why', async (_name, env, announce) => {
    const browserCmd = fakeBrowserCommand();
    const res = await w.cli(['login', 'github', '--hostname', w.host], { env: { ...env, OAUTHCLI_BROWSER: browserCmd.command } });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(announce);
    expect(authorizeRequests()).toEqual([]);
    expect(w.server.grants.map((g) => g.grant_type)).toEqual(['device_code']);
    // What was opened is the device verification page, not an authorize URL.
    expect(readFileSync(browserCmd.file, 'utf8')).toContain(`${w.server.url}/login/device`);
  });

  // util-linux `script` gives the CLI a terminal on stdin, stdout and stderr. A pty whose size
  // was never set reports 0 columns: the spinner must neither hang nor spin the CPU there.
  it.each([
    ['80', '24'],
    ['0', '0'],
  ])('in a %s-column terminal with a browser and a secret: the browser flow (CLI run in a pty)', async (cols, rows) => {
    const browserCmd = fakeBrowserCommand();
    const pidFile = join(w.sandbox.root, 'cli.pid');
    const env: Record<string, string> = {};
    const base: Env = {
      ...w.env,
      ...withSecret,
      OAUTHCLI_BROWSER: browserCmd.command,
      NO_COLOR: '1',
      SHELL: '/bin/sh',
      SSH_CONNECTION: undefined,
      SSH_CLIENT: undefined,
      SSH_TTY: undefined,
    };
    for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const cli = [process.execPath, CLI_BIN, 'login', 'github', '--no-git', '--hostname', w.host].map(quote).join(' ');
    // The shell records its pid and becomes the CLI (exec), so the CLI itself can be killed.
    const command = `echo $$ > ${quote(pidFile)}; stty cols ${cols} rows ${rows}; exec ${cli}`;
    const child = spawn('script', ['-q', '-e', '-f', '-c', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const waiters = new Set<() => void>();
    const onData = (d: string) => {
      output += d;
      for (const check of [...waiters]) check();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    // The pty's output reaches us through `script`, possibly after the fake browser has run.
    const waitForOutput = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${String(re)} in:\n${output}`)), WAIT_MS);
        const finish = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (re.test(stripAnsi(output))) finish();
          else if (done) finish(new Error(`the CLI exited before printing ${String(re)}:\n${output}`));
        };
        waiters.add(check);
        check();
      });
    const exited = new Promise<number | null>((resolve) =>
      child.once('close', (code) => {
        done = true;
        for (const check of [...waiters]) check();
        resolve(code);
      }),
    );
    try {
      const url = await browserCmd.first({ ended: () => child.exitCode !== null, describe: () => output }, WAIT_MS);
      await waitForOutput(/Using the browser flow: a browser can be opened here/);
      const page = await decideInChromium(url, '#authorize');
      await page.getByText('You may close this tab').waitFor();
      expect(await exited).toBe(0);
      expect(stripAnsi(output)).toMatch(/Signed in to .* as octocat/);
      expect(output.length).toBeLessThan(20_000);
      expect(w.server.grants.map((g) => g.grant_type)).toEqual(['authorization_code']);
    } finally {
      // `script` waits for the CLI; while it runs, the CLI may still be running too.
      if (!done) {
        const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
        try {
          if (pid > 0) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
        child.kill('SIGKILL');
      }
      child.stdin.destroy();
    }
  });
});

describe('login github --web without a browser here', () => {
  it('without a client secret: exit 2 naming OAUTHCLI_GITHUB_CLIENT_SECRET and --device, and no request made', async () => {
    const browserCmd = fakeBrowserCommand();
    const res = await w.cli(['login', 'github', '--web', '--hostname', w.host], { env: { OAUTHCLI_BROWSER: browserCmd.command } });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^oauthcli: .*OAUTHCLI_GITHUB_CLIENT_SECRET/);
    expect(res.stderr).toMatch(/--device/);
    expect(w.server.requests).toEqual([]);
    expect(existsSync(browserCmd.file)).toBe(false);
  });

  it('--no-browser: prints the URL, opens nothing, and accepts the redirect URL pasted on stdin', async () => {
    const browserCmd = fakeBrowserCommand();
    const cli = start(['--web', '--no-browser'], { ...withSecret, OAUTHCLI_BROWSER: browserCmd.command });
    const [, url] = (await cli.waitForStderr(/Open this URL in your browser to sign in: (\S+)/, WAIT_MS)) as [string, string];
    await cli.waitForStderr(/paste here the full URL/, WAIT_MS);

    // The browser is on another machine: its redirect to 127.0.0.1 goes nowhere, the user copies it.
    const { location } = await w.server.simulateBrowser(url, { followRedirect: false });
    expect(location.startsWith(`${new URL(url).searchParams.get('redirect_uri')!}?`)).toBe(true);
    cli.write(`${location}\n`);

    const res = await cli.exited; // stdin is still open: the CLI must not wait for it
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/Signed in to .* as octocat/);
    expect(w.server.grants[0]).toMatchObject({ grant_type: 'authorization_code', pkce: true, client_secret_sent: true });
    expect(JSON.parse((await storedSecret())!)).toMatchObject({ accessToken: w.server.grants[0]!.access_token });
    expect(existsSync(browserCmd.file)).toBe(false);
  });

  it('--no-browser: a pasted URL with the wrong state is refused and the CLI keeps waiting for the right one', async () => {
    const cli = start(['--web', '--no-browser'], withSecret);
    const [, url] = (await cli.waitForStderr(/Open this URL in your browser to sign in: (\S+)/, WAIT_MS)) as [string, string];
    await cli.waitForStderr(/paste here the full URL/, WAIT_MS);
    const { location } = await w.server.simulateBrowser(url, { followRedirect: false });

    const forged = new URL(location);
    forged.searchParams.set('state', 'A'.repeat(43));
    cli.write(`${forged.href}\n`);
    await cli.waitForStderr(/That URL was not accepted: the state does not match/, WAIT_MS);
    expect(cli.child.exitCode).toBeNull();
    expect(w.server.requestCount('/login/oauth/access_token')).toBe(0);

    cli.write(`${location}\n`);
    const res = await cli.exited;
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/Signed in to .* as octocat/);
    expect(w.server.grants).toHaveLength(1);
  });
});

describe('waiting for the browser', () => {
  it('--timeout 2s with nobody answering: exit 1 with "no answer from the browser", and the listener is closed', async () => {
    const browserCmd = fakeBrowserCommand();
    const t0 = Date.now();
    const cli = start(['--web', '--timeout', '2s'], { ...withSecret, OAUTHCLI_BROWSER: browserCmd.command });
    const url = await opened(browserCmd, cli);
    const port = Number(new URL(new URL(url).searchParams.get('redirect_uri')!).port);

    await cli.waitForStderr(/no answer from the browser/, WAIT_MS);
    // It waited its 2 s (a lower bound holds however loaded the machine is; how much longer it
    // took says nothing about the CLI).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    // Closed by the time the CLI says so, not only once the process is gone.
    expect(await portIsClosed(port)).toBe(true);

    const res = await cli.exited;
    expect(res.code).toBe(1);
    expect(lastLine(res)).toMatch(/^oauthcli: no answer from the browser within 2 s/);
    expect(await portIsClosed(port)).toBe(true);
    await expectNothingStored();
  });

  it('Ctrl-C while waiting: exit 130, the listener is gone and nothing is stored', async () => {
    const browserCmd = fakeBrowserCommand();
    const cli = start(['--web'], { ...withSecret, OAUTHCLI_BROWSER: browserCmd.command });
    const url = await opened(browserCmd, cli);
    await cli.waitForStderr(/Open this URL in your browser/, WAIT_MS);
    cli.kill('SIGINT');
    const res = await cli.exited;
    expect(res.code).toBe(130);
    expect(res.stderr).not.toMatch(/\n\s+at /);

    // The user authorizing afterwards reaches nobody.
    const port = Number(new URL(new URL(url).searchParams.get('redirect_uri')!).port);
    expect(await portIsClosed(port)).toBe(true);
    await expect(w.server.simulateBrowser(url, { followRedirect: true })).rejects.toThrow();
    await expectNothingStored();
  });
});

describe('the iss parameter (RFC 9207)', () => {
  it('a callback carrying the expected issuer signs in', async () => {
    w.server.setOptions({ issParam: `${w.server.url}/login/oauth` });
    const cli = start(['--web', '--no-browser'], withSecret);
    const [, url] = (await cli.waitForStderr(/Open this URL in your browser to sign in: (\S+)/, WAIT_MS)) as [string, string];
    const { location, callback } = await w.server.simulateBrowser(url, { followRedirect: true });
    expect(new URL(location).searchParams.get('iss')).toBe(`${w.server.url}/login/oauth`);
    expect(callback?.status).toBe(200);
    const res = await cli.exited;
    expect(res.code).toBe(0);
    expect(w.server.grants.map((g) => g.grant_type)).toEqual(['authorization_code']);
  });

  it('a callback from another issuer is refused with 400 and the CLI keeps waiting', async () => {
    w.server.setOptions({ issParam: 'https://evil.example/login/oauth' });
    const cli = start(['--web', '--no-browser'], withSecret);
    const [, url] = (await cli.waitForStderr(/Open this URL in your browser to sign in: (\S+)/, WAIT_MS)) as [string, string];
    const { callback } = await w.server.simulateBrowser(url, { followRedirect: true });
    expect(callback?.status).toBe(400);
    expect(callback?.body).toMatch(/another authorization server/);
    expect(cli.child.exitCode).toBeNull();
    expect(w.server.requestCount('/login/oauth/access_token')).toBe(0);

    // Still waiting: only Ctrl-C ends it.
    cli.kill('SIGINT');
    const res = await cli.exited;
    expect(res.code).toBe(130);
    await expectNothingStored();
  });
});
