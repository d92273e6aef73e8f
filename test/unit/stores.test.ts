// src/store: the keychain holds token sets of any realistic size on every platform; the config
// file is validated, never overwritten when unreadable, written 0600 in a 0700 folder, and every
// read-modify-write is locked; the insecure token file likewise.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { AccountStore, type AccountMeta } from '../../src/store/accounts.js';
import { configDirFor } from '../../src/store/config-file.js';
import { REFRESH_LOCK } from '../../src/store/lock.js';
import { REQUEST_DEADLINE_MS } from '../../src/http/limits.js';
import { InsecureFileStore, KeychainStore, maxSecretBytesFor } from '../../src/store/secrets.js';
import type { TokenSet } from '../../src/token-set.js';
import { MemoryKeyring } from '../support/test-world.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'oauthcli-store-'));
  dirs.push(d);
  return d;
};

/** A token set as Entra or Keycloak issue them: JWT access and refresh tokens, ~6 KB in all. */
function bigTokenSet(): TokenSet {
  const jwt = (n: number) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('x'.repeat(n)).toString('base64url')}.${'s'.repeat(342)}`;
  return { accessToken: jwt(2600), refreshToken: jwt(1500), idToken: undefined, tokenType: 'bearer', expiresAt: '2026-12-02T10:00:00.000Z', scopes: ['openid', 'offline_access', 'https://graph.microsoft.com/User.Read'] } as TokenSet;
}

describe('keychain entries of any size', () => {
  it('a 6 KB token set round-trips through a keychain that holds 2,560 bytes per entry (Windows), split into parts', async () => {
    const keyring = new MemoryKeyring(maxSecretBytesFor('win32'));
    const store = new KeychainStore(keyring, { maxSecretBytes: maxSecretBytesFor('win32') });
    const tokens = bigTokenSet();
    expect(JSON.stringify(tokens).length).toBeGreaterThan(6_000);
    await store.set('oidc:login.example:sub-1', tokens);
    expect(keyring.entries.size).toBeGreaterThan(3);
    for (const bytes of keyring.entries.values()) expect(bytes.byteLength).toBeLessThanOrEqual(2_560);
    expect(await store.get('oidc:login.example:sub-1')).toEqual(JSON.parse(JSON.stringify(tokens)));
  });

  it('rewriting replaces the parts and leaves none behind; a small set goes back into one entry; delete removes all', async () => {
    const keyring = new MemoryKeyring(2_560);
    const store = new KeychainStore(keyring, { maxSecretBytes: 2_560 });
    await store.set('k', bigTokenSet());
    const firstParts = keyring.entries.size;
    await store.set('k', { ...bigTokenSet(), accessToken: `${bigTokenSet().accessToken}x` });
    expect(keyring.entries.size).toBe(firstParts);
    await store.set('k', { accessToken: 'small', tokenType: 'bearer', scopes: [] });
    expect([...keyring.entries.keys()]).toEqual(['k']);
    expect(await store.get('k')).toMatchObject({ accessToken: 'small' });
    await store.set('k', bigTokenSet());
    expect(await store.delete('k')).toBe(true);
    expect(keyring.entries.size).toBe(0);
  });

  it('a part that is missing or changed is reported, never returned as a token', async () => {
    const keyring = new MemoryKeyring(2_560);
    const store = new KeychainStore(keyring, { maxSecretBytes: 2_560 });
    await store.set('k', bigTokenSet());
    const part = [...keyring.entries.keys()].find((name) => name.endsWith('.2'))!;
    keyring.entries.set(part, Buffer.from('tampered'));
    await expect(store.get('k')).rejects.toMatchObject({ code: 'storage_error', message: expect.stringMatching(/incomplete/) });
  });

  it('the platform limits: 2,560 bytes on Windows, far more elsewhere', () => {
    expect(maxSecretBytesFor('win32')).toBe(2_560);
    expect(maxSecretBytesFor('linux')).toBeGreaterThan(8_192);
    expect(maxSecretBytesFor('darwin')).toBeGreaterThan(8_192);
  });
});

const account = (login: string): AccountMeta => ({
  key: `github:github.com:${login}`,
  provider: 'github',
  host: 'github.com',
  login,
  id: login,
  scopes: [],
  storage: 'keychain',
  signedInAt: '2026-12-01T00:00:00Z',
});

describe('a Secret Service that goes away mid-call', () => {
  const DISCONNECTED = 'Platform failure: DBus error: Message recipient disconnected from message bus without replying';
  /** A keyring whose first `failures` calls fail as a D-Bus call to a crashed daemon does. */
  function crashingKeyring(failures: number, message = DISCONNECTED) {
    const inner = new MemoryKeyring(1 << 20);
    let calls = 0;
    const fail = () => {
      calls += 1;
      if (calls <= failures) throw new Error(message);
    };
    return {
      calls: () => calls,
      backend: {
        read: async (a: string) => (fail(), inner.read(a)),
        write: async (a: string, b: Uint8Array) => (fail(), inner.write(a, b)),
        remove: async (a: string) => (fail(), inner.remove(a)),
      },
    };
  }

  it('is asked once more, a moment later (the daemon is started again): the call succeeds', async () => {
    const keyring = crashingKeyring(1);
    const store = new KeychainStore(keyring.backend);
    await store.set('github:github.com:octocat', bigTokenSet());
    expect(await store.get('github:github.com:octocat')).toEqual(bigTokenSet());
    expect(keyring.calls()).toBe(4); // the failed read, its retry, the write, the read back
  });

  it('twice in a row, or any other failure: one clear line, no third try', async () => {
    const twice = crashingKeyring(2);
    await expect(new KeychainStore(twice.backend).get('github:github.com:octocat')).rejects.toMatchObject({ code: 'keychain_unavailable', message: expect.stringContaining('disconnected from message bus') });
    expect(twice.calls()).toBe(2);
    const locked = crashingKeyring(1, 'Platform failure: the collection is locked');
    await expect(new KeychainStore(locked.backend).get('github:github.com:octocat')).rejects.toMatchObject({ code: 'keychain_unavailable' });
    expect(locked.calls()).toBe(1);
  });
});

describe('the config file', () => {
  it.each([
    ['null', 'null'],
    ['[]', 'a list'],
    ['"x"', 'a string'],
    ['{"accounts": null}', '"accounts" is null'],
    ['{"accounts": {"github:github.com:x": null}}', 'the account "github:github.com:x" is null'],
    ['{"active": []}', '"active" is a list'],
    ['{"providers": {"corp": "x"}}', 'the provider settings "corp"'],
    ['{nope', 'not valid JSON'],
  ])('a file holding %s is reported in one line naming the file and the fix, and never overwritten', async (content, why) => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileSync(path, content);
    let error: unknown;
    try {
      AccountStore.open(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: 'failure', code: 'corrupt_config' });
    const message = (error as Error).message;
    expect(message).toContain(path);
    expect(message).toContain(why);
    expect(message).toMatch(/Fix or move the file; nothing was changed/);
    expect(message).not.toContain('\n');
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('is written 0600 in a 0700 folder, and an older looser file is tightened', async () => {
    const parent = tempDir();
    const dir = join(parent, 'oauthcli');
    const store = AccountStore.open(dir);
    await store.saveActive(account('octocat'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    chmodSync(join(dir, 'config.json'), 0o644);
    chmodSync(dir, 0o755);
    AccountStore.open(dir);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('eight writers at once (each its own store, as eight processes) lose nothing', async () => {
    const dir = tempDir();
    const stores = Array.from({ length: 8 }, () => AccountStore.open(dir));
    await Promise.all(stores.map((s, i) => s.saveActive(account(`user${i}`))));
    const after = AccountStore.open(dir);
    expect(after.list().map((a) => a.login).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `user${i}`));
    await Promise.all(stores.map((s, i) => s.remove(`github:github.com:user${i}`)));
    expect(AccountStore.open(dir).list()).toEqual([]);
  });

  it('a read-only folder fails before anything starts, with one line', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const dir = tempDir();
    mkdirSync(join(dir, 'ro'));
    chmodSync(join(dir, 'ro'), 0o500);
    await expect(AccountStore.open(join(dir, 'ro')).checkWritable()).rejects.toMatchObject({ code: 'config_not_writable' });
  });

  it('keys like __proto__ in the file stay plain entries', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), '{"accounts":{},"active":{},"providers":{"__proto__":{"issuer":"https://x.example","clientId":"c"}}}');
    const store = AccountStore.open(dir);
    expect(store.providerSettings('constructor')).toEqual({});
    expect(Object.keys(store.customProviders())).toEqual(['__proto__']);
  });

  it('the platform config folders are the ones earlier versions used', () => {
    expect(configDirFor({}, 'linux', '/home/u')).toBe('/home/u/.config/oauthcli');
    expect(configDirFor({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/oauthcli');
    expect(configDirFor({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Preferences/oauthcli');
    expect(configDirFor({ OAUTHCLI_CONFIG_DIR: '/c' }, 'linux', '/home/u')).toBe('/c');
  });
});

describe('provider names', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('%s is an unknown provider (a usage error)', (name) => {
    expect(() => new ProviderRegistry({}).get(name)).toThrow(expect.objectContaining({ kind: 'usage', code: 'unknown_provider' }));
  });
});

describe('the insecure token file', () => {
  it('two accounts refreshing at once keep both their rotated tokens (locked read-modify-write), 0600', async () => {
    const dir = tempDir();
    const stores = Array.from({ length: 6 }, () => new InsecureFileStore(dir));
    await Promise.all(stores.map((s, i) => s.set(`k${i}`, { accessToken: `t${i}`, tokenType: 'bearer', scopes: [] })));
    const all = JSON.parse(readFileSync(join(dir, 'insecure-tokens.json'), 'utf8')) as Record<string, TokenSet>;
    expect(Object.keys(all).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    expect(statSync(join(dir, 'insecure-tokens.json')).mode & 0o777).toBe(0o600);
  });
});

describe('the refresh lock', () => {
  it('stays fresh for longer than the refresh request may take, so a live holder never loses it mid-request', () => {
    expect(REFRESH_LOCK.staleMs).toBeGreaterThan(REQUEST_DEADLINE_MS);
    expect(REFRESH_LOCK.waitMs).toBeGreaterThan(REQUEST_DEADLINE_MS);
  });
});
