// A cross-process lock per account, around refreshes and token writes: refresh tokens are
// single use, and a provider that sees one twice may revoke the whole family. A lock file
// next to the config (proper-lockfile: mkdir-based, with stale-lock recovery).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { failure } from '../errors.js';

export async function withAccountLock<T>(configDir: string, accountKey: string, run: () => Promise<T>): Promise<T> {
  const { default: lockfile } = await import('proper-lockfile');
  const dir = join(configDir, 'locks');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const target = join(dir, accountKey.replace(/[^A-Za-z0-9._-]/g, '_'));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, {
      realpath: false,
      // A holder that died leaves a lock whose mtime stops moving; take it over after 10 s.
      stale: 10_000,
      update: 2_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 20, maxTimeout: 250, randomize: true },
      onCompromised: () => undefined,
    });
  } catch (error) {
    throw failure(`another oauthcli process holds the lock for ${accountKey} (${(error as Error).message})`, { code: 'lock_timeout', cause: error });
  }
  try {
    return await run();
  } finally {
    await release().catch(() => undefined);
  }
}
