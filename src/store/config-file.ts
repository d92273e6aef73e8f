// One JSON file of settings and metadata (never a token), shared by every oauthcli process:
// - read whole and validated; a file we cannot read is reported, never overwritten (it may be
//   the user's only record of their accounts);
// - every read-modify-write runs under a cross-process lock and re-reads the file first, so two
//   commands at once (eight logins, say) never lose each other's changes;
// - written atomically (a temp file renamed over it), mode 0600 in a 0700 folder that is the
//   user's alone, never through a symbolic link (private-file.ts): it may hold a client secret
//   the user put there.
//
// Why not `conf` (the library the stack first chose): it loads a JSON-schema validator on every
// start (~60 ms, more than Node's own start-up), and its read-modify-write has no lock.
import { readFileSync, statSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AppError, failure } from '../errors.js';
import { withFileLock } from './lock.js';
import { checkPrivateFolder, makePrivateFolder, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, tightenMode, writePrivateFile } from './private-file.js';

/** Turns whatever JSON the file holds into T, or throws a message saying what is wrong with it. */
export type Validate<T> = (raw: unknown) => T;

export class ConfigFile<T> {
  private snapshot: T;

  private constructor(
    readonly path: string,
    private readonly validate: Validate<T>,
    private readonly empty: () => T,
  ) {
    this.snapshot = this.readNow();
  }

  /** Reads the file (or starts empty when there is none). Throws `corrupt_config` for a file we cannot use. */
  static open<T>(path: string, validate: Validate<T>, empty: () => T): ConfigFile<T> {
    return new ConfigFile(path, validate, empty);
  }

  /** The file as this process last read or wrote it. */
  get data(): T {
    return this.snapshot;
  }

  /** Reads the file again: what another process changed since becomes `data`. */
  reload(): void {
    this.snapshot = this.readNow();
  }

  /**
   * Applies `change` to the current contents under the lock and writes the result. `change` may
   * mutate its argument; it runs on what is on disk now, not on this process's older snapshot.
   */
  async update(change: (data: T) => void): Promise<T> {
    await this.ensureFolder();
    return withFileLock(this.path, async () => {
      const data = this.readNow();
      change(data);
      await this.write(data);
      this.snapshot = data;
      return data;
    });
  }

  /** Fails now, with one clear line, when the file could not be written later (a read-only folder). */
  async checkWritable(): Promise<void> {
    await this.ensureFolder();
    const folder = dirname(this.path);
    try {
      await access(folder, constants.W_OK);
      if (exists(this.path)) await access(this.path, constants.W_OK);
    } catch (error) {
      throw failure(`cannot write the config file ${this.path} (${(error as NodeJS.ErrnoException).code ?? 'not writable'}): make the folder writable or set OAUTHCLI_CONFIG_DIR`, {
        code: 'config_not_writable',
        cause: error,
      });
    }
  }

  private readNow(): T {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      // No file yet (or no folder: checkWritable says what is wrong with it, when it matters).
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return this.empty();
      throw corrupt(this.path, (error as Error).message);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw corrupt(this.path, 'it is not valid JSON');
    }
    try {
      return this.validate(raw);
    } catch (error) {
      throw corrupt(this.path, (error as Error).message);
    }
  }

  private async ensureFolder(): Promise<void> {
    const folder = dirname(this.path);
    try {
      await makePrivateFolder(folder);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw failure(`cannot create the config folder ${folder} (${(error as NodeJS.ErrnoException).code ?? 'error'}): set OAUTHCLI_CONFIG_DIR to a writable folder`, {
        code: 'config_not_writable',
        cause: error,
      });
    }
  }

  private async write(data: T): Promise<void> {
    try {
      await writePrivateFile(this.path, `${JSON.stringify(data, null, 2)}\n`);
    } catch (error) {
      throw failure(`cannot write the config file ${this.path}: ${(error as Error).message}`, { code: 'config_not_writable', cause: error });
    }
  }
}

function corrupt(path: string, why: string) {
  return failure(`cannot read the config file ${path}: ${why}. Fix or move the file; nothing was changed`, { code: 'corrupt_config' });
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder of the config file: OAUTHCLI_CONFIG_DIR, else the platform's config folder (the
 * same ones earlier versions used): `$XDG_CONFIG_HOME/oauthcli` or `~/.config/oauthcli` on Linux,
 * `~/Library/Preferences/oauthcli` on macOS, `%APPDATA%\oauthcli\Config` on Windows.
 */
export function configDirFor(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.OAUTHCLI_CONFIG_DIR) return env.OAUTHCLI_CONFIG_DIR;
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', 'oauthcli');
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'oauthcli', 'Config');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'oauthcli');
}

/** oauthcli's folder in the platform's cache folder (where bin/oauthcli.js keeps the compile cache too). */
export function cacheDirFor(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'oauthcli');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'oauthcli');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'oauthcli');
}

/**
 * Refuses a config folder that is not the user's alone (see checkPrivateFolder), then tightens
 * the folder and file an older version wrote with looser modes: never through a symbolic link,
 * never what the user does not own. The folder itself only when it is oauthcli's own (named
 * oauthcli, as the platform folders are): a folder given with OAUTHCLI_CONFIG_DIR may hold other
 * things and is not ours to close.
 */
export function tightenModes(path: string): void {
  const folder = dirname(path);
  checkPrivateFolder(folder, 'config');
  if (basename(folder) === 'oauthcli') tightenMode(folder, PRIVATE_DIR_MODE, 'folder');
  tightenMode(path, PRIVATE_FILE_MODE, 'file');
}
