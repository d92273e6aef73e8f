// Files only their owner may read (the config file, the --insecure-storage token file): a 0700
// folder, and each write atomic (a temp file beside the file, renamed over it, so a reader sees
// the old contents or the new, whole) with mode 0600 whatever the umask.
import { chmod, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export async function makePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Replaces `path` with `text`; on failure the file is as it was and no temp file is left. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    const file = await open(tmp, 'w', PRIVATE_FILE_MODE);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    // The mode given to open() is filtered by the umask; the file must be the owner's alone.
    await chmod(tmp, PRIVATE_FILE_MODE);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Removes temp files of `path` that a killed process left behind (they may hold a secret). Only
 * safe under the lock every writer of `path` holds: no other write can be in progress.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const temp = join(dirname(path), name);
    if ((await lstat(temp).catch(() => undefined))?.isFile()) await rm(temp, { force: true }).catch(() => undefined);
  }
}
