// Cross-process locks (proper-lockfile: an atomic mkdir beside the file, its mtime kept fresh
// while held, taken over once stale). Two kinds:
// - the config and insecure-token files: held for a read-modify-write of a few milliseconds;
// - an account's refresh: refresh tokens are single use, and a provider that sees one twice may
//   revoke the whole family, so only one process refreshes an account at a time. It is held
//   across a token request, so it must stay fresh (not stale) for longer than that request may
//   take (the HTTP client's REQUEST_DEADLINE_MS; storage makes no requests, so a test holds the
//   two together), or a live holder could lose it mid-request.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { failure } from '../errors.js';
import { makePrivateFolder } from './private-file.js';

export interface LockTiming {
  /** A lock whose mtime has not moved for this long belongs to a dead process and is taken over. */
  staleMs: number;
  /** How long to keep trying before giving up. */
  waitMs: number;
}

export const FILE_LOCK: LockTiming = { staleMs: 10_000, waitMs: 20_000 };
/** Stale only well after a refresh request's own deadline, plus the keychain write (test/unit/lock-timing.test.ts holds it to the HTTP client's deadline). */
export const REFRESH_LOCK: LockTiming = { staleMs: 45_000, waitMs: 60_000 };

export async function withFileLock<T>(path: string, run: () => Promise<T>, timing: LockTiming = FILE_LOCK, what = path): Promise<T> {
  refuseForeignLock(`${path}.lock`);
  const { default: lockfile } = await import('proper-lockfile');
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: timing.staleMs,
      update: Math.max(1_000, Math.floor(timing.staleMs / 5)),
      retries: retriesFor(timing.waitMs),
      onCompromised: () => undefined,
    });
  } catch (error) {
    throw failure(`another oauthcli process holds the lock for ${what} (${(error as Error).message})`, { code: 'lock_timeout', cause: error });
  }
  try {
    return await run();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * A lock is a folder we make (mkdir is the atomic step). Anything else at its name (a symbolic
 * link, a file) is not a lock another oauthcli holds: it would never go away, and waiting for it
 * to turn stale would follow the link. Fails at once, naming it.
 */
function refuseForeignLock(lock: string): void {
  let st;
  try {
    st = lstatSync(lock);
  } catch {
    return; // No lock: take it.
  }
  if (st.isDirectory()) return;
  const what = st.isSymbolicLink() ? 'a symbolic link' : 'not a folder';
  throw failure(`the lock ${lock} is ${what}, so no oauthcli made it: remove it, then try again`, { code: 'unsafe_lock' });
}

/** The lock around refreshing one account's tokens, in `<config dir>/locks/`. */
export async function withAccountLock<T>(configDir: string, accountKey: string, run: () => Promise<T>): Promise<T> {
  const dir = join(configDir, 'locks');
  if (lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw failure(`the lock folder ${dir} is a symbolic link, so no oauthcli made it: remove it, then try again`, { code: 'unsafe_lock' });
  }
  await makePrivateFolder(dir);
  return withFileLock(accountLockPath(configDir, accountKey), run, REFRESH_LOCK, accountKey);
}

/** Whether another live process holds the account's lock now (so a command can say it waits for it). */
export async function accountLockHeld(configDir: string, accountKey: string): Promise<boolean> {
  const { default: lockfile } = await import('proper-lockfile');
  return lockfile.check(accountLockPath(configDir, accountKey), { realpath: false, stale: REFRESH_LOCK.staleMs }).catch(() => false);
}

function accountLockPath(configDir: string, accountKey: string): string {
  return join(configDir, 'locks', accountKey.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** Short waits first (a config write takes milliseconds), then up to a quarter second each, for about `waitMs` in all. */
function retriesFor(waitMs: number) {
  const maxTimeout = 250;
  return { retries: Math.ceil(waitMs / maxTimeout) + 8, factor: 1.3, minTimeout: 10, maxTimeout, randomize: true };
}
