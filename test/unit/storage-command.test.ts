// `oauthcli storage migrate` in process (src/cli/commands/storage.ts through the World seam, the
// keychain in memory and the 0600 file in the world's config folder): accounts move and come back
// without signing in again, one line each; and the exit code and line of each failure, with no
// token printed. The pass store's part is test/unit/storage.test.ts's (it needs gpg).
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/cli/commands/storage.js';
import type { TokenSet } from '../../src/token-set.js';
import { accountMeta, commandWorld, exitCodeOf, storeAccount } from '../support/command-world.js';
import { noRequestsHttpClient } from '../support/fake-http-client.js';
import { MemoryKeyring, type TestWorld } from '../support/test-world.js';

const tokens = (login: string): TokenSet => ({ accessToken: `gho_${login}_0123456789`, refreshToken: `ghr_${login}_0123456789`, tokenType: 'bearer', scopes: ['repo'] });
const octocat = accountMeta('github', 'github.com', 'octocat');
const tanuki = accountMeta('gitlab', 'gitlab.com', 'tanuki');

function world(keyring?: MemoryKeyring): TestWorld {
  return commandWorld({ http: noRequestsHttpClient(), ...(keyring ? { keyring } : {}) });
}

const storageMigrate = (t: TestWorld, to: string, provider?: string) => exitCodeOf(t, () => migrate(t.world, provider, { to }), 'storage migrate');
const storageOf = (t: TestWorld, key: string) => t.world.accounts.get(key)!.storage;

describe('storage migrate', () => {
  it('moves every account to the file and back to the keychain, one line each on stderr; running it again moves nothing', async () => {
    const t = world();
    await storeAccount(t, octocat, tokens('octocat'));
    await storeAccount(t, tanuki, tokens('tanuki'));
    expect(await storageMigrate(t, 'file')).toBe(0);
    expect(t.stderr()).toBe('✓ github octocat (github.com): keychain → file\n✓ gitlab tanuki (gitlab.com): keychain → file\n');
    expect([storageOf(t, octocat.key), storageOf(t, tanuki.key)]).toEqual(['insecure-file', 'insecure-file']);
    expect(t.keyring.entries.size).toBe(0);
    expect(await t.world.secrets('insecure-file').get(octocat.key)).toEqual(tokens('octocat'));

    expect(await storageMigrate(t, 'file')).toBe(0);
    expect(t.stderr()).toMatch(/- github octocat \(github\.com\): already in file\n- gitlab tanuki \(gitlab\.com\): already in file\n$/);

    expect(await storageMigrate(t, 'keychain', 'gitlab')).toBe(0);
    expect([storageOf(t, octocat.key), storageOf(t, tanuki.key)]).toEqual(['insecure-file', 'keychain']);
    expect(await t.world.secrets('keychain').get(tanuki.key)).toEqual(tokens('tanuki'));
    expect(await t.world.secrets('insecure-file').get(tanuki.key)).toBeUndefined();
    expect(t.stdout()).toBe('');
    expect(t.stderr()).not.toMatch(/gh[or]_/);
  });

  it('nothing stored (or nothing of that provider): says so, exit 0', async () => {
    const t = world();
    expect(await storageMigrate(t, 'file')).toBe(0);
    await storeAccount(t, octocat, tokens('octocat'));
    expect(await storageMigrate(t, 'file', 'gitlab')).toBe(0);
    expect(t.stderr()).toBe('No account is stored; nothing to move.\nNo gitlab account is stored; nothing to move.\n');
    expect(storageOf(t, octocat.key)).toBe('keychain');
  });

  it('a store it does not know, or an unknown provider: a usage error (exit 2), nothing moved', async () => {
    const t = world();
    await storeAccount(t, octocat, tokens('octocat'));
    expect(await storageMigrate(t, 'cloud')).toBe(2);
    expect(await storageMigrate(t, 'file', 'nope')).toBe(2);
    const lines = t.stderr().split('\n').slice(0, -1);
    expect(lines[0]).toBe("oauthcli: invalid --to 'cloud' (keychain, pass or file)");
    expect(lines[1]).toMatch(/^oauthcli: unknown provider 'nope'/);
    expect(lines).toHaveLength(2);
    expect(storageOf(t, octocat.key)).toBe('keychain');
  });

  it('a keychain that refuses to store: exit 1, the account stays in the file with its tokens, no token printed', async () => {
    class RefusingKeyring extends MemoryKeyring {
      override async write(): Promise<void> {
        throw new Error('the keyring is locked');
      }
    }
    const t = world(new RefusingKeyring());
    await t.world.secrets('insecure-file').set(octocat.key, tokens('octocat'));
    await t.world.accounts.saveActive({ ...octocat, storage: 'insecure-file' });
    expect(await storageMigrate(t, 'keychain')).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(/^oauthcli: the OS keychain is not available \(the keyring is locked\)\. [^\n]*\n$/);
    expect(t.stderr()).not.toMatch(/gh[or]_/);
    expect(storageOf(t, octocat.key)).toBe('insecure-file');
    expect(await t.world.secrets('insecure-file').get(octocat.key)).toEqual(tokens('octocat'));
  });
});
