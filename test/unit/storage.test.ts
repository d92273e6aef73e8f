// Choosing a store, the advice when the keychain is unavailable, and `login --storage pass`,
// `token`, `status` and `storage migrate` in process through the test world (test/support/
// test-world.ts), with the real gpg and pass (test/support/gpg.ts) behind the pass store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run as login } from '../../src/cli/commands/login.js';
import { run as status } from '../../src/cli/commands/status.js';
import { migrate } from '../../src/cli/commands/storage.js';
import { run as token } from '../../src/cli/commands/token.js';
import { reportError } from '../../src/cli/errors.js';
import { AppError } from '../../src/errors.js';
import type { HttpRequest } from '../../src/http/client.js';
import { chooseStorage } from '../../src/store/choose-storage.js';
import { keychainAdvice } from '../../src/store/storage-advice.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeAnswer, type FakeHttpClient } from '../support/fake-http-client.js';
import { setUpGpg, type GpgLab } from '../support/gpg.js';
import { MemoryKeyring, testWorld, type TestWorld } from '../support/test-world.js';

describe('chooseStorage: the flag, then OAUTHCLI_STORAGE, then the config, then the keychain', () => {
  it.each([
    [{ flag: 'pass', env: { OAUTHCLI_STORAGE: 'file' }, configured: 'keychain' }, 'pass'],
    [{ flag: 'file', env: {} }, 'insecure-file'],
    [{ insecure: true, env: { OAUTHCLI_STORAGE: 'pass' } }, 'insecure-file'],
    [{ flag: 'file', insecure: true, env: {} }, 'insecure-file'],
    [{ env: { OAUTHCLI_STORAGE: 'pass' }, configured: 'file' }, 'pass'],
    [{ env: {}, configured: 'pass' }, 'pass'],
    [{ env: {} }, 'keychain'],
  ] as const)('%j → %s', (choice, kind) => {
    expect(chooseStorage(choice)).toBe(kind);
  });

  it('refuses what it does not know, and --insecure-storage with another --storage', () => {
    expect(() => chooseStorage({ env: { OAUTHCLI_STORAGE: 'vault' } })).toThrow("invalid OAUTHCLI_STORAGE 'vault' (keychain, pass or file)");
    expect(() => chooseStorage({ env: {}, configured: 'plaintext' })).toThrow(/"storage" in the config file/);
    expect(() => chooseStorage({ flag: 'pass', insecure: true, env: {} })).toThrow(/--insecure-storage means --storage file/);
  });
});

let root: string;
let lab: GpgLab;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'oauthcli-storage-'));
  lab = await setUpGpg(root);
}, 60_000);
afterAll(async () => {
  await lab.close();
  rmSync(root, { recursive: true, force: true });
});

describe('keychainAdvice: what this machine can use instead', () => {
  const env = () => ({ PATH: process.env.PATH, ...lab.env });
  const WSL = 'Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc (GCC) 11.2.0) #1 SMP';

  it('a store that is set up: --storage pass; on WSL, one more line saying why', async () => {
    const advice = await keychainAdvice({ env: env(), home: root, procVersion: WSL });
    expect(advice.advice).toBe(`A password store is set up at ${lab.storeDir}: run login again with --storage pass (or --insecure-storage for a plain file).`);
    expect(advice.hints).toEqual(['On WSL the Windows Credential Manager cannot be reached from Linux programs: pass (gpg) is the store to use here.']);
    expect((await keychainAdvice({ env: env(), home: root, procVersion: 'Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org)' })).hints).toEqual([]);
  });

  it('a secret key and no store: pass init with that key; neither: the file', async () => {
    const noStore = { ...env(), PASSWORD_STORE_DIR: join(root, 'nothing-here') };
    const { advice } = await keychainAdvice({ env: noStore, home: root });
    const key = /pass init ([0-9A-F]{40})/.exec(advice)?.[1];
    expect([lab.plainKey, lab.lockedKey]).toContain(key);
    expect((await keychainAdvice({ env: { ...noStore, GNUPGHOME: mkdtempSync(join(root, 'empty-gnupg-')) }, home: root })).advice).toMatch(/--insecure-storage \(--storage file\)/);
    expect((await keychainAdvice({ env: { ...noStore, PATH: '/nonexistent' }, home: root })).advice).toMatch(/--insecure-storage \(--storage file\)/);
  });
});

describe('the error line with its hints', () => {
  it('prints the message, then at most two indented hint lines, each sanitised', () => {
    const out: string[] = [];
    const error = new AppError('failure', 'the OS keychain is not available (no bus). Use --storage pass.', { hints: ['On WSL \u001b[31mthe\u001b[0m Windows Credential Manager …', 'two', 'three'] });
    expect(reportError(error, { stderr: { write: (t: string) => out.push(t) } as unknown as NodeJS.WritableStream, debug: false, redact: (t) => t })).toBe(1);
    expect(out.join('').split('\n')).toEqual(['oauthcli: the OS keychain is not available (no bus). Use --storage pass.', '  On WSL [31mthe [0m Windows Credential Manager …', '  two', '']);
  });
});

describe('in process: login --storage pass, token, status, storage migrate', () => {
  const worlds: TestWorld[] = [];
  // One client for all the worlds ("processes") of a test: what the test asks of GitHub, in all.
  let http: FakeHttpClient | undefined;
  afterEach(() => {
    for (const w of worlds.splice(0)) w.cleanup();
    http = undefined;
  });
  const answer = (req: HttpRequest & { url: URL }): FakeAnswer =>
    req.url.pathname === '/user' ? { body: { login: 'octocat', id: 1 }, headers: { 'x-oauth-scopes': 'repo' } } : { status: 404, body: {} };
  const world = (options: { stdin?: string; keyring?: MemoryKeyring; configDir?: string; noRequests?: boolean } = {}) => {
    const { noRequests, ...parts } = options;
    http ??= noRequests ? noRequestsHttpClient() : fakeHttpClient(answer);
    const w = testWorld({ http, env: { PATH: process.env.PATH, HOME: root, ...lab.env, OAUTHCLI_GITHUB_CLIENT_ID: 'cid' }, ...parts });
    worlds.push(w);
    return w;
  };
  const loginOptions = { browser: false, withToken: true, timeout: '5m', storage: 'pass' };
  const KEY = 'github:github.com:octocat';

  it('stores in pass, reads it back, and moves it to the file, the keychain, and back to pass', async () => {
    const keyring = new MemoryKeyring();
    const first = world({ stdin: 'gho_inprocess_token_0123456789\n', keyring });
    expect(await login(first.world, 'github', loginOptions)).toBe(0);
    expect(first.stderr()).toContain(`pass show oauthcli/${KEY}`);
    expect(JSON.parse((await lab.pass(['show', `oauthcli/${KEY}`])).stdout).accessToken).toBe('gho_inprocess_token_0123456789');

    const { configDir } = first;
    const reader = world({ keyring, configDir });
    expect(await token(reader.world, undefined, {})).toBe(0);
    expect(reader.stdout()).toBe('gho_inprocess_token_0123456789\n');
    const shown = world({ keyring, configDir });
    await status(shown.world, { json: true, offline: true });
    expect(JSON.parse(shown.stdout())[0]).toMatchObject({ login: 'octocat', storage: 'pass' });

    const steps: Array<[string, string]> = [
      ['file', `✓ github octocat (github.com): pass → file\n`],
      ['keychain', `✓ github octocat (github.com): file → keychain\n`],
      ['keychain', `- github octocat (github.com): already in keychain\n`],
      ['pass', `✓ github octocat (github.com): keychain → pass\n`],
    ];
    for (const [to, line] of steps) {
      const mover = world({ keyring, configDir });
      expect(await migrate(mover.world, 'github', { to })).toBe(0);
      expect(mover.stderr()).toBe(line);
    }
    expect(keyring.entries.size).toBe(0);
    expect(readFileSync(join(configDir, 'insecure-tokens.json'), 'utf8')).not.toContain('gho_inprocess_token');
    const last = world({ keyring, configDir });
    expect(await token(last.world, undefined, {})).toBe(0);
    expect(last.stdout()).toBe('gho_inprocess_token_0123456789\n');
    await lab.pass(['rm', '-f', `oauthcli/${KEY}`]);
  });

  it('the keychain unavailable: the error names the pass store this machine has, and nothing is stored', async () => {
    class NoKeychain extends MemoryKeyring {
      override async write(): Promise<void> {
        throw new Error('failed to connect to socket /run/user/1000/bus: No such file or directory');
      }
    }
    const w = world({ stdin: 'gho_inprocess_token_0123456789\n', keyring: new NoKeychain(), noRequests: true });
    const error = await login(w.world, 'github', { ...loginOptions, storage: undefined as unknown as string }).catch((e: unknown) => e);
    const stderr: string[] = [];
    const code = reportError(error, { stderr: { write: (t: string) => stderr.push(t) } as unknown as NodeJS.WritableStream, debug: false, redact: (t) => t });
    expect(code).toBe(1);
    expect(stderr.join('')).toMatch(/^oauthcli: the OS keychain is not available \(failed to connect to socket .*\)\. A password store is set up at .*: run login again with --storage pass/);
    expect(w.world.accounts.list()).toEqual([]);
  });
});
