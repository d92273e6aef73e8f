// Why saving failed, in words a user can act on: a full disk, a quota or a read-only file system
// are the machine's state, not a bug in oauthcli.
import { AppError } from '../errors.js';

const FILE_SYSTEM_STATES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
};

/** The errno code of a write that failed for want of room or permission to write, if that is why. */
export function fileSystemState(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && FILE_SYSTEM_STATES[code]) return FILE_SYSTEM_STATES[code];
  }
  return undefined;
}

/** One short reason for a failed write. */
export function describeWriteFailure(error: unknown): string {
  const state = fileSystemState(error);
  if (state) return state;
  const message = error instanceof AppError || error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).trim();
}
