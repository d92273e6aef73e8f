// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Issue 25: the pass store, end to end. The built CLI against the fake GitHub, with Debian's real
// gpg and pass (test/support/gpg.ts): a GNUPGHOME and a password store in the sandbox's HOME
// (~/.gnupg, ~/.password-store, pass's defaults). The pass-only tests run with no D-Bus session
// bus at all, as on an SSH server or in a container. After every scenario no token appears in
// plaintext in any file under the sandbox (HOME, config, the store, the GnuPG folder).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLI_BIN, filesContaining, keychainEntries, type Env } from '../support/cli.js';
import { startTerminal } from '../support/terminal.js';
import { setUpGpg, type GpgLab } from '../support/gpg.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

// Each scenario runs the CLI and gpg many times: room for a small, busy machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 90_000 });

let w: GitHubLab;
let gpg: GpgLab;
/** No Secret Service, no desktop: only gpg-agent is there, with nothing to show a prompt on. */
let headless: Env;

beforeEach(async () => {
  w = await setUp({ tokenLifetime: 60 });
  gpg = await setUpGpg(w.sandbox.root, { gnupgHome: join(w.sandbox.home, '.gnupg'), storeDir: join(w.sandbox.home, '.password-store') });
  // PASSWORD_STORE_DIR left out: oauthcli finds ~/.password-store by itself, as pass does.
  headless = { GNUPGHOME: gpg.gnupgHome, DBUS_SESSION_BUS_ADDRESS: undefined, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, GPG_TTY: undefined };
});
afterEach(async () => {
  await gpg.close();
  await w.close();
});

const cli: GitHubLab['cli'] = (args, opts = {}) => w.cli(args, { timeoutMs: 60_000, ...opts });
const entry = (login = 'octocat') => `oauthcli/${accountKeyFor(w, login)}`;

/** Every token the fake GitHub ever issued: none may be in any file in plaintext. */
function expectNoPlaintextTokens(issued: string[] = []): void {
  const secrets = [...issued, ...w.server.grants.flatMap((g) => [g.access_token, g.refresh_token].filter((t): t is string => Boolean(t)))];
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(filesContaining(w.sandbox.root, secret)).toEqual([]);
}

async function passShow(name = entry()): Promise<{ accessToken: string; refreshToken?: string }> {
  const shown = await gpg.pass(['show', name]);
  expect(shown.code).toBe(0);
  return JSON.parse(shown.stdout);
}

describe('pass store, no Secret Service on the bus', () => {
  it('login --storage pass, token, refresh with rotation, git credential, status, logout', async () => {
    const login = await cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host, '--storage', 'pass'], { env: headless });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`pass show ${entry()}`);
    const first = w.server.grants[0]!;
    expect(await passShow()).toMatchObject({ accessToken: first.access_token, refreshToken: first.refresh_token });
    expect(w.config().accounts[accountKeyFor(w)]).toMatchObject({ storage: 'pass' });
    expect(existsSync(join(w.sandbox.home, '.password-store', 'oauthcli', `${accountKeyFor(w)}.gpg`))).toBe(true);
    expectNoPlaintextTokens();

    // The token lives 60 s, inside the refresh margin: `token` refreshes, and the rotated pair is saved.
    const token = await cli(['token'], { env: headless });
    expect(token.code).toBe(0);
    const second = w.server.grants.at(-1)!;
    expect(second.access_token).not.toBe(first.access_token);
    expect(token.stdout).toBe(`${second.access_token}\n`);
    expect(await passShow()).toMatchObject({ accessToken: second.access_token, refreshToken: second.refresh_token });
    expect(second.refresh_token).not.toBe(first.refresh_token);

    const refresh = await cli(['refresh'], { env: headless });
    expect(refresh.code).toBe(0);
    const third = w.server.grants.at(-1)!;
    expect(await passShow()).toMatchObject({ accessToken: third.access_token, refreshToken: third.refresh_token });
    // No refresh token was ever spent twice (GitHub would revoke the whole family).
    expect(w.server.revocations.filter((r) => r.via === 'family')).toEqual([]);

    const helper = await cli(['git-credential', 'get'], { env: headless, input: `protocol=http\nhost=${w.host}\n\n` });
    expect(helper.code).toBe(0);
    expect(helper.stdout).toContain(`password=${w.server.grants.at(-1)!.access_token}`);

    const status = await cli(['status', '--json', '--offline'], { env: headless });
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ login: 'octocat', storage: 'pass' });
    expect((await cli(['status', '--offline'], { env: headless })).stdout).toMatch(/Storage: pass/);
    expectNoPlaintextTokens();

    const logout = await cli(['logout', 'github', '--hostname', w.host], { env: headless });
    expect(logout.code).toBe(0);
    expect((await gpg.pass(['show', entry()])).code).not.toBe(0);
    expect(existsSync(join(w.sandbox.home, '.password-store', 'oauthcli'))).toBe(false);
    expect(w.config().accounts).toEqual({});
    expectNoPlaintextTokens();
  });

  it('OAUTHCLI_STORAGE=pass with --with-token; the config file\'s "storage" likewise', async () => {
    const issued = w.server.issueToken('octocat');
    const res = await cli(['login', 'github', '--with-token', '--hostname', w.host], { env: { ...headless, OAUTHCLI_STORAGE: 'pass' }, input: `${issued.access_token}\n` });
    expect(res.code).toBe(0);
    expect((await passShow()).accessToken).toBe(issued.access_token);
    expect((await cli(['token'], { env: headless })).stdout).toBe(`${issued.access_token}\n`);
    expect((await cli(['logout', 'github', '--keep-remote', '--hostname', w.host], { env: headless })).code).toBe(0);

    mkdirSync(w.sandbox.configDir, { recursive: true });
    writeFileSync(join(w.sandbox.configDir, 'config.json'), JSON.stringify({ storage: 'pass' }));
    const again = w.server.issueToken('octocat');
    expect((await cli(['login', 'github', '--with-token', '--hostname', w.host], { env: headless, input: `${again.access_token}\n` })).code).toBe(0);
    expect((await passShow()).accessToken).toBe(again.access_token);
    expect(JSON.parse(readFileSync(join(w.sandbox.configDir, 'config.json'), 'utf8')).storage).toBe('pass');
    expectNoPlaintextTokens([issued.access_token, again.access_token]);

    const bad = await cli(['login', 'github', '--with-token', '--hostname', w.host], { env: { ...headless, OAUTHCLI_STORAGE: 'vault' }, input: 'x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("oauthcli: invalid OAUTHCLI_STORAGE 'vault' (keychain, pass or file)");
    const clash = await cli(['login', 'github', '--storage', 'pass', '--insecure-storage'], { env: headless });
    expect(clash.code).toBe(2);
  });

  it('a locked key: one line saying how to unlock it; after unlocking, the same command works', async () => {
    // pass init -p: the oauthcli folder has its own .gpg-id, naming the key with a passphrase.
    expect((await gpg.pass(['init', '--path', 'oauthcli', gpg.lockedKey])).code).toBe(0);
    expect((await w.signIn(undefined, ['--storage', 'pass'])).code).toBe(0);
    await gpg.lock();
    const locked = await cli(['token'], { env: headless });
    expect(locked.code).toBe(1);
    expect(locked.stdout).toBe('');
    expect(locked.stderr.trim().split('\n')).toHaveLength(1);
    expect(locked.stderr).toContain(`oauthcli: the GPG key of ${entry()} is locked and no passphrase prompt can be shown here; unlock it first, e.g. run: pass show ${entry()}`);
    await gpg.unlock();
    const token = await cli(['token'], { env: headless });
    expect(token.code).toBe(0);
    expect(token.stdout).toBe(`${w.server.grants.at(-1)!.access_token}\n`);
    expectNoPlaintextTokens();
  });

  it('a locked key in a terminal: gpg-agent asks for the passphrase on that terminal (pinentry-curses), then the token is printed', async () => {
    // The terminal's name reaches pinentry from oauthcli itself: GPG_TTY is not set.
    appendFileSync(join(gpg.gnupgHome, 'gpg-agent.conf'), 'pinentry-program /usr/bin/pinentry-curses\n');
    expect((await gpg.pass(['init', '--path', 'oauthcli', gpg.lockedKey])).code).toBe(0);
    expect((await w.signIn(undefined, ['--storage', 'pass'])).code).toBe(0);
    await gpg.lock();
    const terminal = await startTerminal([process.execPath, CLI_BIN, 'token'], { env: { ...w.env, ...headless }, cols: 100, rows: 30 });
    try {
      await terminal.waitForScreen(/Passphrase:/, 30_000);
      await terminal.type(gpg.passphrase);
      await terminal.sendKeys('Enter');
      expect(await terminal.waitForExit(30_000)).toBe(0);
      expect(await terminal.screen()).toContain(w.server.grants.at(-1)!.access_token);
    } finally {
      await terminal.close();
    }
    expectNoPlaintextTokens();
  });

  it('a store that is not set up: login fails before the sign-in starts, saying how to set it up', async () => {
    const res = await cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host, '--storage', 'pass'], { env: { ...headless, PASSWORD_STORE_DIR: join(w.sandbox.root, 'no-store') } });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^oauthcli: the password store at .*no-store is not set up \(it has no \.gpg-id\): run pass init <gpg-key-id>/);
    expect(w.server.requests).toEqual([]);
  });
});

describe('the keychain unavailable: login names what this machine can use instead', () => {
  const login = (env: Env) => cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host], { env: { ...headless, ...env } });

  it('a password store is set up → --storage pass', async () => {
    const res = await login({});
    expect(res.code).toBe(1);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^oauthcli: the OS keychain is not available \(.*\)\. A password store is set up at .*\.password-store: run login again with --storage pass/);
    expect(w.server.requests).toEqual([]);
  });

  it('gpg has a secret key but no store → pass init <key>', async () => {
    const res = await login({ PASSWORD_STORE_DIR: join(w.sandbox.root, 'no-store') });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(new RegExp(`^oauthcli: the OS keychain is not available \\(.*\\)\\. Your GPG key [0-9A-F]{40} can keep them encrypted: run pass init [0-9A-F]{40}, then login again with --storage pass`));
    expect([gpg.plainKey, gpg.lockedKey].some((k) => res.stderr.includes(`pass init ${k}`))).toBe(true);
  });

  it('no gpg key at all → the file', async () => {
    const res = await login({ PASSWORD_STORE_DIR: join(w.sandbox.root, 'no-store'), GNUPGHOME: join(w.sandbox.root, 'empty-gnupg') });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^oauthcli: the OS keychain is not available .*--insecure-storage \(--storage file\)/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('storage migrate', () => {
  it('keychain → pass → keychain, without signing in again, nothing left behind, idempotent', async () => {
    await w.signIn();
    const key = accountKeyFor(w);
    const grants = w.server.grants.length;
    const toPass = await cli(['storage', 'migrate', '--to', 'pass'], { env: { GNUPGHOME: gpg.gnupgHome } });
    expect(toPass.code).toBe(0);
    expect(toPass.stderr).toBe(`✓ github octocat (${w.host}): keychain → pass\n`);
    expect((await keychainEntries()).filter((e) => e.account.startsWith(key))).toEqual([]);
    expect((await passShow()).accessToken).toBe(w.server.grants.at(-1)!.access_token);
    expect(w.config().accounts[key]).toMatchObject({ storage: 'pass' });
    // Usable with no Secret Service at all now; a `token` refreshes (60 s tokens) into pass.
    expect((await cli(['token'], { env: headless })).code).toBe(0);
    expect(w.server.grants.length).toBe(grants + 1);
    expectNoPlaintextTokens();

    const again = await cli(['storage', 'migrate', '--to', 'pass', 'github'], { env: { GNUPGHOME: gpg.gnupgHome } });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe(`- github octocat (${w.host}): already in pass\n`);

    const back = await cli(['storage', 'migrate', '--to', 'keychain'], { env: { GNUPGHOME: gpg.gnupgHome } });
    expect(back.code).toBe(0);
    expect(back.stderr).toBe(`✓ github octocat (${w.host}): pass → keychain\n`);
    expect((await gpg.pass(['show', entry()])).code).not.toBe(0);
    const stored = (await keychainEntries()).find((e) => e.account === key);
    expect(JSON.parse(stored!.secret).accessToken).toBe(w.server.grants.at(-1)!.access_token);
    expect(w.config().accounts[key]).toMatchObject({ storage: 'keychain' });
    expect(w.server.grants.length).toBe(grants + 1);
    expectNoPlaintextTokens();
  });

  it('file → pass → file with no Secret Service; the file no longer holds the token', async () => {
    const login = await cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host, '--storage', 'file'], { env: headless });
    expect(login.code).toBe(0);
    const file = join(w.sandbox.configDir, 'insecure-tokens.json');
    const token = w.server.grants.at(-1)!.access_token;
    expect(readFileSync(file, 'utf8')).toContain(token);

    const toPass = await cli(['storage', 'migrate', '--to', 'pass'], { env: headless });
    expect(toPass.code).toBe(0);
    expect(toPass.stderr).toBe(`✓ github octocat (${w.host}): file → pass\n`);
    expect(readFileSync(file, 'utf8')).not.toContain(token);
    expect((await passShow()).accessToken).toBe(token);
    expectNoPlaintextTokens();

    const toFile = await cli(['storage', 'migrate', '--to', 'file'], { env: headless });
    expect(toFile.code).toBe(0);
    expect(toFile.stderr).toBe(`✓ github octocat (${w.host}): pass → file\n`);
    expect(readFileSync(file, 'utf8')).toContain(token);
    expect((await gpg.pass(['show', entry()])).code).not.toBe(0);
    expect(w.config().accounts[accountKeyFor(w)]).toMatchObject({ storage: 'insecure-file' });
  });

  it('to a store that cannot be used: one line, nothing moved', async () => {
    const login = await cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host, '--storage', 'file'], { env: headless });
    expect(login.code).toBe(0);
    const res = await cli(['storage', 'migrate', '--to', 'keychain'], { env: headless });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^oauthcli: the OS keychain is not available/);
    expect(w.config().accounts[accountKeyFor(w)]).toMatchObject({ storage: 'insecure-file' });
    const usage = await cli(['storage', 'migrate', '--to', 'vault'], { env: headless });
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toMatch(/^oauthcli: option '--to <store>' argument 'vault' is invalid\. Allowed choices are keychain, pass, file\./);
  });
});
