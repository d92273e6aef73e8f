// The pass store against the real gpg and pass programs (test/support/gpg.ts): what oauthcli
// writes, `pass show` reads; what pass's .gpg-id says, oauthcli encrypts to; a locked or missing
// key is one clear error; nothing is ever written in plaintext.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountOfFileName, entryFileName, MAX_ENTRY_BYTES, PassStore } from '../../src/store/pass-store.js';
import type { TokenSet } from '../../src/token-set.js';
import { filesContaining } from '../support/cli.js';
import { setUpGpg, type GpgLab } from '../support/gpg.js';

let root: string;
let lab: GpgLab;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'oauthcli-pass-'));
  lab = await setUpGpg(root);
}, 60_000);
afterAll(async () => {
  await lab.close();
  rmSync(root, { recursive: true, force: true });
});

const env = () => ({ PATH: process.env.PATH, HOME: root, ...lab.env });
const store = (overrides: Partial<ConstructorParameters<typeof PassStore>[0]> = {}) => new PassStore({ env: env(), home: root, prompt: { allowed: false }, ...overrides });
const tokens = (n: number): TokenSet => ({ accessToken: `gho_access_${n}_${'x'.repeat(20)}`, refreshToken: `ghr_refresh_${n}_${'y'.repeat(20)}`, tokenType: 'bearer', scopes: ['repo'] });

describe('entry names', () => {
  it.each([
    ['github:github.com:octocat', 'github:github.com:octocat'],
    ['github:127.0.0.1:8080:octocat', 'github:127.0.0.1:8080:octocat'],
    ['../../etc/passwd', '%2E.%2F..%2Fetc%2Fpasswd'],
    ['oidc:corp.example:a/b\\c', 'oidc:corp.example:a%2Fb%5Cc'],
    ['..', '%2E.'],
    ['100%', '100%25'],
    ['gitlab:host:zoë\n', 'gitlab:host:zo%C3%AB%0A'],
  ])('%j is the file name %j, and back', (account, name) => {
    expect(entryFileName(account)).toBe(name);
    expect(accountOfFileName(name)).toBe(account);
    expect(name).not.toMatch(/[/\\]/);
    expect(name.startsWith('.')).toBe(false);
  });

  it('refuses an empty or an overlong name', () => {
    expect(() => entryFileName('')).toThrow(/empty/);
    expect(() => entryFileName('a'.repeat(300))).toThrow(/too long/);
  });
});

describe('PassStore with real gpg and pass', () => {
  it('writes an entry that `pass show` reads, 0600, with no temp file and no plaintext left', async () => {
    const s = store();
    await s.check();
    const account = 'github:github.com:octocat';
    await s.set(account, tokens(1));
    const shown = await lab.pass(['show', `oauthcli/${account}`]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(tokens(1));
    expect(await s.get(account)).toEqual(tokens(1));
    const file = join(lab.storeDir, 'oauthcli', `${account}.gpg`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(lab.storeDir, 'oauthcli')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(lab.storeDir, 'oauthcli'))).toEqual([`${account}.gpg`]);
    expect(filesContaining(root, tokens(1).accessToken)).toEqual([]);
    expect(filesContaining(root, tokens(1).refreshToken!)).toEqual([]);
    // Encrypted to the key in .gpg-id, as pass would.
    const packets = await lab.gpg(['--batch', '--list-packets', '--pinentry-mode', 'error', file]);
    expect(packets.stdout + packets.stderr).toMatch(/pubkey enc packet/);

    await s.set(account, tokens(2));
    expect(await s.get(account)).toEqual(tokens(2));
    expect(readdirSync(join(lab.storeDir, 'oauthcli'))).toEqual([`${account}.gpg`]);

    expect(await s.delete(account)).toBe(true);
    expect(await s.delete(account)).toBe(false);
    expect(await s.get(account)).toBeUndefined();
    expect(existsSync(join(lab.storeDir, 'oauthcli'))).toBe(false);
  });

  it('reads what `pass insert` wrote', async () => {
    const account = 'gitlab:gitlab.com:alice';
    expect((await lab.pass(['insert', '--multiline', `oauthcli/${account}`], JSON.stringify(tokens(3)))).code).toBe(0);
    expect(await store().get(account)).toEqual(tokens(3));
    await store().delete(account);
  });

  it('honours a .gpg-id in the oauthcli folder (pass init -p), and a locked key is one line saying what to do', async () => {
    expect((await lab.pass(['init', '--path', 'oauthcli', lab.lockedKey])).code).toBe(0);
    try {
      const s = store();
      const account = 'github:github.com:locked';
      await s.set(account, tokens(4));
      const packets = await lab.gpg(['--batch', '--list-packets', '--pinentry-mode', 'error', join(lab.storeDir, 'oauthcli', `${account}.gpg`)]);
      const subkey = async (fpr: string) => /^sub:(?:[^:]*:){3}([0-9A-F]{16}):/m.exec((await lab.gpg(['--batch', '--with-colons', '--list-keys', fpr])).stdout)![1]!;
      expect(packets.stdout + packets.stderr).toContain(await subkey(lab.lockedKey));
      expect(packets.stdout + packets.stderr).not.toContain(await subkey(lab.plainKey));
      await lab.lock();
      const error = await s.get(account).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error?.code).toBe('gpg_locked');
      expect(error?.message).toMatch(/^the GPG key of oauthcli\/github:github\.com:locked is locked and no passphrase prompt can be shown here; unlock it first, e\.g\. run: pass show oauthcli\/github:github\.com:locked/);
      expect(error?.message).not.toContain('\n');
      await lab.unlock();
      expect(await s.get(account)).toEqual(tokens(4));
      await s.delete(account);
    } finally {
      rmSync(join(lab.storeDir, 'oauthcli'), { recursive: true, force: true });
    }
  });

  it('a key that is not in the keyring: one line naming the key and what to do', async () => {
    const s = store();
    const account = 'github:github.com:elsewhere';
    await s.set(account, tokens(5));
    const otherHome = mkdtempSync(join(root, 'other-gnupg-'));
    try {
      const elsewhere = new PassStore({ env: { ...env(), GNUPGHOME: otherHome }, home: root, prompt: { allowed: false } });
      await expect(elsewhere.get(account)).rejects.toMatchObject({ code: 'gpg_no_secret_key', message: expect.stringMatching(/^no secret key to decrypt oauthcli\/github:github\.com:elsewhere .*gpg --import/) });
    } finally {
      await s.delete(account);
    }
  });

  it('an uninitialised store, a key without its secret half, or no gpg: check says so before anything is asked', async () => {
    const empty = mkdtempSync(join(root, 'empty-store-'));
    await expect(store({ env: { ...env(), PASSWORD_STORE_DIR: empty } }).check()).rejects.toMatchObject({ code: 'pass_not_initialised', message: expect.stringMatching(/pass init/) });
    await expect(store({ env: { ...env(), PASSWORD_STORE_DIR: empty } }).set('a:b:c', tokens(1))).rejects.toMatchObject({ code: 'pass_not_initialised' });

    const strange = mkdtempSync(join(root, 'strange-store-'));
    writeFileSync(join(strange, '.gpg-id'), 'nobody@nowhere.test\n');
    await expect(store({ env: { ...env(), PASSWORD_STORE_DIR: strange } }).check()).rejects.toMatchObject({ code: 'gpg_no_secret_key' });
    await expect(store({ env: { ...env(), PASSWORD_STORE_DIR: strange } }).set('a:b:c', tokens(1))).rejects.toMatchObject({ code: 'gpg_bad_recipient', message: expect.stringMatching(/nobody@nowhere\.test \(not found/) });
    expect(readdirSync(join(strange, 'oauthcli'))).toEqual([]);

    await expect(store({ env: { ...env(), PATH: '/nonexistent' } }).check()).rejects.toMatchObject({ code: 'gpg_missing', message: expect.stringMatching(/install GnuPG/) });
  });

  it('with PASSWORD_STORE_SIGNING_KEY, a .gpg-id must carry a good signature by that key, as pass requires', async () => {
    const signed = mkdtempSync(join(root, 'signed-store-'));
    writeFileSync(join(signed, '.gpg-id'), `${lab.plainKey}\n`);
    expect((await lab.gpg(['--batch', '--yes', '--default-key', lab.plainKey, '--detach-sign', join(signed, '.gpg-id')])).code).toBe(0);
    const s = store({ env: { ...env(), PASSWORD_STORE_DIR: signed, PASSWORD_STORE_SIGNING_KEY: lab.plainKey } });
    await s.set('a:b:signed', tokens(6));
    expect(await s.get('a:b:signed')).toEqual(tokens(6));
    // Someone adds their key to .gpg-id: oauthcli encrypts nothing to it.
    writeFileSync(join(signed, '.gpg-id'), `${lab.plainKey}\n${lab.lockedKey}\n`);
    await expect(s.set('a:b:signed', tokens(7))).rejects.toMatchObject({ code: 'pass_signature' });
    await expect(s.check()).rejects.toMatchObject({ code: 'pass_signature' });
    expect(await s.get('a:b:signed')).toEqual(tokens(6));
  });

  it('never writes through a symlinked folder, never reads a symlinked or oversized entry', async () => {
    const target = mkdtempSync(join(root, 'elsewhere-'));
    symlinkSync(target, join(lab.storeDir, 'oauthcli'));
    try {
      await expect(store().set('a:b:c', tokens(1))).rejects.toMatchObject({ code: 'storage_error', message: expect.stringMatching(/not a folder/) });
      expect(readdirSync(target)).toEqual([]);
    } finally {
      rmSync(join(lab.storeDir, 'oauthcli'));
    }
    mkdirSync(join(lab.storeDir, 'oauthcli'), { mode: 0o700 });
    try {
      symlinkSync(join(root, 'gnupg', 'gpg-agent.conf'), join(lab.storeDir, 'oauthcli', 'a:b:link.gpg'));
      await expect(store().get('a:b:link')).rejects.toMatchObject({ message: expect.stringMatching(/symbolic link/) });
      writeFileSync(join(lab.storeDir, 'oauthcli', 'a:b:big.gpg'), Buffer.alloc(MAX_ENTRY_BYTES + 1));
      await expect(store().get('a:b:big')).rejects.toMatchObject({ message: expect.stringMatching(/larger than/) });
    } finally {
      rmSync(join(lab.storeDir, 'oauthcli'), { recursive: true });
    }
  });

  it('two writers at once: each rename is whole, the last one wins, no temp file is left', async () => {
    const account = 'github:github.com:racer';
    await Promise.all([1, 2, 3, 4].map((n) => store().set(account, tokens(n))));
    const read = await store().get(account);
    expect([1, 2, 3, 4].map((n) => tokens(n).accessToken)).toContain(read?.accessToken);
    expect(readdirSync(join(lab.storeDir, 'oauthcli'))).toEqual([`${account}.gpg`]);
    await store().delete(account);
  });
});
