// src/store/private-file.ts and its users (the config file, the insecure token file, the listing
// cache, the locks) against a hostile or careless file system, as ssh guards its own files: a
// symbolic link at the file's name, at a temp file's name or at a lock's; a config or cache folder
// others may write or that another user owns; temp files a killed process left behind.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccountStore, type AccountMeta } from '../../src/store/accounts.js';
import { ListingPages } from '../../src/store/listing-pages.js';
import { withAccountLock } from '../../src/store/lock.js';
import { STALE_TEMP_MS, tempNameFor, writePrivateFile } from '../../src/store/private-file.js';
import { InsecureFileStore } from '../../src/store/secrets.js';

// Temp names are random; here they are known, so a test can plant a link at the very name a
// write will use next (as an attacker who could guess it would).
vi.mock('node:crypto', async (original) => ({ ...(await original<typeof import('node:crypto')>()), randomBytes: (n: number) => Buffer.alloc(n, 0xab) }));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'oauthcli-files-'));
  dirs.push(d);
  return d;
};
const mode = (path: string) => statSync(path).mode & 0o7777;
const isRoot = process.getuid?.() === 0;
const posix = process.platform !== 'win32';

const account = (login: string): AccountMeta => ({ key: `github:github.com:${login}`, provider: 'github', host: 'github.com', login, id: login, scopes: [], storage: 'keychain', signedInAt: '' });

/** A file of the user's that a planted link points at: its contents and mode must never change. */
function victim(root: string): { path: string; unchanged(): void } {
  const path = join(root, 'victim.txt');
  writeFileSync(path, 'precious\n');
  chmodSync(path, 0o644);
  return {
    path,
    unchanged() {
      expect(readFileSync(path, 'utf8')).toBe('precious\n');
      expect(mode(path)).toBe(0o644);
    },
  };
}

function openError(run: () => unknown): { code?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe.skipIf(!posix)('never through a symbolic link', () => {
  it('a symlinked config.json: its target is not chmodded when the store opens, nor written; the write replaces the link', async () => {
    const root = tempDir();
    const dir = join(root, 'oauthcli');
    mkdirSync(dir, { mode: 0o700 });
    const target = victim(root);
    symlinkSync(target.path, join(dir, 'config.json'));
    // The target holds no JSON the store could read: open reports it, and must not chmod it.
    expect(() => AccountStore.open(dir)).toThrow();
    target.unchanged();
    writeFileSync(target.path, '{"accounts":{},"active":{},"providers":{}}');
    chmodSync(target.path, 0o644);
    const store = AccountStore.open(dir);
    expect(mode(target.path)).toBe(0o644);
    await store.saveActive(account('octocat'));
    expect(readFileSync(target.path, 'utf8')).toBe('{"accounts":{},"active":{},"providers":{}}');
    expect(mode(target.path)).toBe(0o644);
    expect(lstatSync(join(dir, 'config.json')).isFile()).toBe(true);
    expect(mode(join(dir, 'config.json'))).toBe(0o600);
  });

  it('a link planted at the name of the next temp file: the write fails, the link target is untouched, no temp file is left', async () => {
    const dir = tempDir();
    const target = victim(dir);
    const path = join(dir, 'config.json');
    symlinkSync(target.path, tempNameFor(path));
    await expect(writePrivateFile(path, 'secret')).rejects.toMatchObject({ code: 'EEXIST' });
    target.unchanged();
    expect(existsSync(path)).toBe(false);
    // The planted link is the attacker's; nothing of ours is left.
    expect(readdirSync(dir).sort()).toEqual([`config.json.${process.pid}.${'ab'.repeat(8)}.tmp`, 'victim.txt']);
  });

  it('the insecure token file: a link at its temp name never receives the tokens', async () => {
    const dir = tempDir();
    const target = victim(dir);
    symlinkSync(target.path, tempNameFor(join(dir, 'insecure-tokens.json')));
    await expect(new InsecureFileStore(dir).set('k', { accessToken: 'gho_secret', tokenType: 'bearer', scopes: [] })).rejects.toThrow();
    target.unchanged();
  });

  it('the listing cache: links at its temp names (the old predictable one and the next random one) are never written through', () => {
    const dir = join(tempDir(), 'oauthcli');
    mkdirSync(dir, { mode: 0o700 });
    const target = victim(dir);
    const path = join(dir, 'listing-pages.json');
    symlinkSync(target.path, `${path}.${process.pid}.tmp`);
    symlinkSync(target.path, tempNameFor(path));
    new ListingPages(dir).remember('a', 5);
    target.unchanged();
  });

  it('a symlinked config.json.lock fails at once with one line, not after the wait for a stale lock', async () => {
    const dir = tempDir();
    const target = join(dir, 'elsewhere');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'config.json.lock'));
    const error = (await AccountStore.open(dir)
      .saveActive(account('octocat'))
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: string; message: string };
    expect(error).toMatchObject({ code: 'unsafe_lock' });
    expect(error.message).toContain(join(dir, 'config.json.lock'));
    expect(error.message).not.toContain('\n');
    expect(existsSync(target)).toBe(true);
  });

  it('a symlinked entry in locks/ (the refresh lock) fails at once too, and so does a symlinked locks/', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'locks'), { mode: 0o700 });
    symlinkSync(tmpdir(), join(dir, 'locks', 'github_github.com_octocat.lock'));
    await expect(withAccountLock(dir, 'github:github.com:octocat', async () => 1)).rejects.toMatchObject({ code: 'unsafe_lock' });
    const other = tempDir();
    symlinkSync(dir, join(other, 'locks'));
    await expect(withAccountLock(other, 'github:github.com:octocat', async () => 1)).rejects.toMatchObject({ code: 'unsafe_lock' });
  });
});

describe.skipIf(!posix)('the folder must be the user’s alone', () => {
  it('a shared 0777 folder as the config folder is refused with one line naming it, and left as it was', () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const error = openError(() => AccountStore.open(dir));
    expect(error).toMatchObject({ code: 'unsafe_folder' });
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/may be written by other users \(mode 0777\): run chmod go-w/);
    expect(error.message).not.toContain('\n');
    expect(mode(dir)).toBe(0o777);
  });

  it('a group-writable folder, and a sticky world-writable one (as /tmp), are refused too', () => {
    const dir = tempDir();
    chmodSync(dir, 0o770);
    expect(openError(() => AccountStore.open(dir))).toMatchObject({ code: 'unsafe_folder' });
    chmodSync(dir, 0o1777);
    expect(openError(() => AccountStore.open(dir))).toMatchObject({ code: 'unsafe_folder' });
    expect(mode(dir)).toBe(0o1777);
  });

  it.skipIf(!isRoot)('a folder owned by another user is refused', () => {
    const dir = tempDir();
    chmodSync(dir, 0o700);
    chownSync(dir, 65534, 65534);
    const error = openError(() => AccountStore.open(dir));
    expect(error).toMatchObject({ code: 'unsafe_folder' });
    expect(error.message).toMatch(/belongs to another user \(uid 65534/);
    expect(statSync(dir).uid).toBe(65534);
  });

  it('a cache folder others may write is refused by the listing cache', () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    expect(openError(() => new ListingPages(dir))).toMatchObject({ code: 'unsafe_folder', message: expect.stringContaining('the cache folder') });
  });

  it('a folder of the user’s that others may only read: the file is tightened, the folder only when it is oauthcli’s own', () => {
    const custom = tempDir();
    chmodSync(custom, 0o755);
    writeFileSync(join(custom, 'config.json'), '{}');
    chmodSync(join(custom, 'config.json'), 0o644);
    AccountStore.open(custom);
    expect(mode(join(custom, 'config.json'))).toBe(0o600);
    expect(mode(custom)).toBe(0o755);
  });
});

describe.skipIf(!posix)('temp files', () => {
  it('those a killed process left (ours, older than a while) go with the next write; fresh ones and others stay', async () => {
    const dir = tempDir();
    const old = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
    const names = {
      stale: 'config.json.4242.1700000000000.tmp',
      staleRandom: 'config.json.4243.0123456789abcdef.tmp',
      fresh: 'config.json.4244.fedcba9876543210.tmp',
      notOurs: 'notes.json.4245.1.tmp',
    };
    for (const name of Object.values(names)) writeFileSync(join(dir, name), '{"accessToken":"gho_old"}');
    for (const name of [names.stale, names.staleRandom, names.notOurs]) utimesSync(join(dir, name), old, old);
    await AccountStore.open(dir).saveActive(account('octocat'));
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp')).sort()).toEqual([names.fresh, names.notOurs].sort());
  });

  it('a failed write leaves no temp file behind', async () => {
    const dir = tempDir();
    // A folder at the file's name: the rename fails.
    mkdirSync(join(dir, 'config.json'));
    await expect(writePrivateFile(join(dir, 'config.json'), 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});
