// Files only their owner may read (the config file, the --insecure-storage token file, the
// listing cache), kept as ssh keeps its own:
// - in a folder that is the user's and writable by nobody else, or not at all (one line says
//   which folder and what to do): in a folder others may write, anyone could swap the files;
// - each write atomic (a temp file beside the file, renamed over it, so a reader sees the old
//   contents or the new, whole) with mode 0600 whatever the umask;
// - never through a symbolic link: the temp file is created new (O_CREAT|O_EXCL|O_NOFOLLOW) under
//   a name nobody can guess, its mode set on the open file, and the rename replaces a link at the
//   file's name rather than writing where it points; a temp file is removed on any failure, and
//   one a killed process left behind is removed by the next write.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fchmodSync, lstatSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { failure } from '../errors.js';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
/** A temp file of ours this old belongs to a process that died mid-write (a write takes milliseconds). */
export const STALE_TEMP_MS = 10 * 60_000;

/** 0 where the platform has no such flag (Windows): its files have no modes or links of this kind. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;
/** A new file only: fails on anything already at the name, a symbolic link included. */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

/** Which folder a check is about, for the message: "config" or "cache". */
export type FolderKind = 'config' | 'cache';

const FIX: Record<FolderKind, string> = {
  config: 'set OAUTHCLI_CONFIG_DIR to a folder of your own that only you can write',
  cache: 'set XDG_CACHE_HOME to a folder of your own that only you can write',
};

/**
 * Refuses a folder that is not the user's or that others may write (group or world): one line
 * naming it and what to do. A missing folder passes (it is created 0700 when needed). A symbolic link to a
 * folder is judged by the folder it leads to. Windows has no owner ids or modes of this kind.
 */
export function checkPrivateFolder(folder: string, kind: FolderKind): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  let st;
  try {
    st = statSync(folder);
  } catch (error) {
    // Missing (or a file where a folder above it should be): creating it says what is wrong.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw failure(`cannot use the ${kind} folder ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'}): ${FIX[kind]}`, { code: 'unsafe_folder', cause: error });
  }
  if (!st.isDirectory()) throw failure(`the ${kind} folder ${folder} is not a folder: ${FIX[kind]}`, { code: 'unsafe_folder' });
  if (st.uid !== uid) {
    throw failure(`the ${kind} folder ${folder} belongs to another user (uid ${st.uid}, you are ${uid}); oauthcli keeps its files only in a folder of yours: ${FIX[kind]}`, {
      code: 'unsafe_folder',
    });
  }
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    throw failure(`the ${kind} folder ${folder} may be written by other users (mode ${mode}): run chmod go-w '${folder}', or ${FIX[kind]}`, { code: 'unsafe_folder' });
  }
}

/** Creates the folder (0700) when missing, then refuses it if it is not the user's alone to write. */
export async function makePrivateFolder(folder: string, kind: FolderKind = 'config'): Promise<void> {
  await mkdir(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
  checkPrivateFolder(folder, kind);
}

/** A name beside `path` for its next version: unguessable, so nobody can plant anything there first. */
export function tempNameFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
}

/** Replaces `path` with `text`; on failure the file is as it was and no temp file is left. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = tempNameFor(path);
  let made = false;
  try {
    const file = await open(tmp, CREATE_NEW, PRIVATE_FILE_MODE);
    made = true;
    try {
      // The mode given to open() is filtered by the umask; the file must be the owner's alone.
      await file.chmod(PRIVATE_FILE_MODE);
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    // Only what this write made: whatever else is at the name is not ours to remove.
    if (made) await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  removeStaleTempFiles(path);
}

/** The same, synchronously and without fsync: for a cache, which may be lost at any time. */
export function writePrivateFileSync(path: string, text: string): void {
  const tmp = tempNameFor(path);
  let made = false;
  try {
    const fd = openSync(tmp, CREATE_NEW, PRIVATE_FILE_MODE);
    made = true;
    try {
      fchmodSync(fd, PRIVATE_FILE_MODE);
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      if (made) unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw error;
  }
  removeStaleTempFiles(path);
}

/**
 * Removes the temp files of `path` (`<name>.<pid>.<anything>.tmp`) that a process killed mid-write
 * left behind, once older than `olderThanMs`: they may hold a whole token set. Without a lock
 * another write may be under way, hence STALE_TEMP_MS; under the lock every writer of `path`
 * holds, none can be, and 0 removes them all. Only regular files of the user's; best effort.
 */
export function removeStaleTempFiles(path: string, olderThanMs = STALE_TEMP_MS): void {
  const now = Date.now();
  const folder = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+\.[^/]*\.tmp$|^\d+\.tmp$/.test(name.slice(prefix.length))) continue;
    const file = join(folder, name);
    try {
      const st = lstatSync(file);
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || now - st.mtimeMs < olderThanMs) continue;
      unlinkSync(file);
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
}

/**
 * Sets `mode` on a file or folder when it is looser, never through a symbolic link (the link is
 * left alone, and so is what it points to) and only on what the user owns. Opened with
 * O_NOFOLLOW and changed through the open descriptor: nothing can be swapped in between.
 */
export function tightenMode(path: string, mode: number, kind: 'file' | 'folder'): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NOFOLLOW | (kind === 'folder' ? DIRECTORY : 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    // Missing, a symbolic link (ELOOP), or not ours to open: nothing to tighten.
    return;
  }
  try {
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    const right = kind === 'folder' ? st.isDirectory() : st.isFile();
    if (right && (uid === undefined || st.uid === uid) && (st.mode & 0o777 & ~mode) !== 0) fchmodSync(fd, mode);
  } catch {
    // Not ours to change: the next write sets the file's mode anyway.
  } finally {
    closeSync(fd);
  }
}
