// Token sets in a `pass` password store (https://www.passwordstore.org/): one gpg-encrypted file
// per account, `<store>/oauthcli/<account>.gpg`, encrypted with the gpg program to the key(s) in
// the store's `.gpg-id`, exactly as `pass insert` would, so `pass show oauthcli/<account>` reads
// it and `pass git` syncs it. Decryption goes through gpg-agent, which asks for the passphrase
// with its pinentry (on the terminal over SSH) when one can be shown, and is told not to ask
// (`--pinentry-mode error`) when none can: then a locked key is one clear error line.
//
// Writes are atomic: the ciphertext goes to a new hidden file in the same folder (O_EXCL, never
// through a symlink), then is renamed over the entry. Plaintext only ever travels through gpg's
// stdin and stdout pipes.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { AppError, failure } from '../errors.js';
import type { TokenSet } from '../token-set.js';
import { gpgErrorCode, runGpg, type GpgRun } from './gpg.js';
import { parseTokenSet, type SecretStore } from './secrets.js';

/** The folder of oauthcli's entries inside the password store. */
export const PASS_FOLDER = 'oauthcli';
/** Far above any token set (a few KB with JWTs); a larger entry is not one oauthcli wrote. */
export const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_TOKEN_SET_BYTES = 64 * 1024;
/** A file name's bytes, well under every file system's 255, with room for `.gpg` and a temp suffix. */
const MAX_NAME_BYTES = 200;

export interface PassStoreOptions {
  env: NodeJS.ProcessEnv;
  /** The user's home folder: the store defaults to `~/.password-store`, as for pass. */
  home: string;
  /**
   * Whether gpg-agent may show a passphrase prompt (a terminal or a desktop is there). When it may,
   * `tty` is the terminal its pinentry uses (GPG_TTY); when it may not, gpg is told not to ask.
   */
  prompt: { allowed: boolean; tty?: string | undefined };
  /** A gpg call that shows no prompt. */
  timeoutMs?: number;
  /** A decryption that may wait for someone to type a passphrase. */
  promptTimeoutMs?: number;
}

/** Characters kept as they are in an entry's file name; every other byte is %XX. */
const SAFE = /^[A-Za-z0-9._@+=,:-]$/;

/**
 * The entry's name for an account key (`github:github.com:octocat` → `oauthcli/github:github.com:octocat`):
 * a reversible percent-encoding that keeps a name readable, and leaves no `/`, `\`, `%`, control
 * character, or leading dot (so no `..` and no hidden file) in it.
 */
export function entryFileName(account: string): string {
  if (!account) throw failure('an empty account name cannot be a pass entry', { code: 'storage_error' });
  let name = '';
  for (const ch of account) {
    if (SAFE.test(ch) && !(name === '' && ch === '.')) name += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) name += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw failure(`the account name ${account.slice(0, 40)}… is too long for a pass entry`, { code: 'storage_error' });
  return name;
}

/** The account key an entry's file name stands for. */
export function accountOfFileName(name: string): string {
  return decodeURIComponent(name);
}

export function passStoreDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.PASSWORD_STORE_DIR || join(home, '.password-store');
}

export class PassStore implements SecretStore {
  readonly kind = 'pass' as const;
  readonly dir: string;

  constructor(private readonly options: PassStoreOptions) {
    this.dir = passStoreDir(options.env, options.home);
  }

  /** `oauthcli/<name>`: what the user types after `pass show`. */
  entryName(account: string): string {
    return `${PASS_FOLDER}/${entryFileName(account)}`;
  }

  private entryPath(account: string): string {
    return join(this.dir, PASS_FOLDER, `${entryFileName(account)}.gpg`);
  }

  private get gpgOptions(): string[] {
    // pass's own options (PASSWORD_STORE_GPG_OPTS first, as pass puts them) but --quiet, which
    // also silences the status lines that tell a locked key from a missing one (gpg's messages are
    // captured, never shown); --batch: gpg itself never asks on the terminal, only gpg-agent's
    // pinentry does; keys only from the local keyring, never looked up on the network (WKD).
    const extra = (this.options.env.PASSWORD_STORE_GPG_OPTS ?? '').split(/\s+/).filter(Boolean);
    return [...extra, '--yes', '--compress-algo=none', '--no-encrypt-to', '--batch', '--auto-key-locate', 'local', '--no-auto-key-retrieve'];
  }

  private gpg(args: string[], input?: Uint8Array | string, prompting = false): Promise<GpgRun> {
    const { env, prompt } = this.options;
    return runGpg(args, {
      env: prompt.allowed && prompt.tty && !env.GPG_TTY ? { ...env, GPG_TTY: prompt.tty } : env,
      ...(input === undefined ? {} : { input }),
      timeoutMs: prompting ? (this.options.promptTimeoutMs ?? 180_000) : (this.options.timeoutMs ?? 20_000),
      maxOutputBytes: MAX_ENTRY_BYTES,
    });
  }

  /**
   * The key ids of the `.gpg-id` nearest the entry folder, as pass finds them: the folder's own,
   * else its parent's, up to the store's root. Checked against `.gpg-id.sig` when
   * PASSWORD_STORE_SIGNING_KEY is set, as pass does.
   */
  async recipients(): Promise<{ ids: string[]; file: string }> {
    let folder = join(this.dir, PASS_FOLDER);
    for (let depth = 0; depth < 64; depth++) {
      const file = join(folder, '.gpg-id');
      let text: string | undefined;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw failure(`cannot read ${file}: ${(error as Error).message}`, { code: 'storage_error' });
      }
      if (text !== undefined) {
        const ids = text
          .split('\n')
          .map((line) => line.replace(/#.*/, '').trim())
          .filter(Boolean);
        if (ids.length === 0) throw notInitialised(this.dir, `${file} names no key`);
        await this.verifyGpgId(file);
        return { ids, file };
      }
      if (relative(this.dir, folder) === '') break;
      folder = dirname(folder);
    }
    throw notInitialised(this.dir, 'it has no .gpg-id');
  }

  private async verifyGpgId(file: string): Promise<void> {
    const signers = (this.options.env.PASSWORD_STORE_SIGNING_KEY ?? '').split(/\s+/).filter(Boolean);
    if (signers.length === 0) return;
    const run = await this.gpg([...(this.options.env.PASSWORD_STORE_GPG_OPTS ?? '').split(/\s+/).filter(Boolean), '--batch', '--verify', `${file}.sig`, file]);
    const valid = run.status.filter((l) => l.startsWith('VALIDSIG ')).flatMap((l) => l.split(' ').slice(1));
    if (run.code !== 0 || !signers.some((s) => valid.includes(s.toUpperCase()))) {
      throw failure(`the signature of ${file} is missing or not made by PASSWORD_STORE_SIGNING_KEY; nothing was encrypted`, { code: 'pass_signature' });
    }
  }

  async get(account: string): Promise<TokenSet | undefined> {
    const path = this.entryPath(account);
    const entry = this.entryName(account);
    let ciphertext: Buffer;
    try {
      const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const { size } = await file.stat();
        if (size > MAX_ENTRY_BYTES) throw failure(`the pass entry ${entry} is larger than ${MAX_ENTRY_BYTES / 1024} KB; it is not one oauthcli wrote`, { code: 'storage_error' });
        ciphertext = await file.readFile();
      } finally {
        await file.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw failure(`the pass entry ${entry} is a symbolic link; oauthcli reads only its own files`, { code: 'storage_error' });
      throw error instanceof AppError ? error : failure(`cannot read ${path}: ${(error as Error).message}`, { code: 'storage_error' });
    }
    const { prompt } = this.options;
    const args = [...this.gpgOptions, ...(prompt.allowed ? [] : ['--pinentry-mode', 'error']), '--decrypt'];
    const run = await this.gpg(args, ciphertext, prompt.allowed);
    if (run.code !== 0 || !run.status.some((l) => l.startsWith('DECRYPTION_OKAY'))) throw this.decryptionFailure(entry, run);
    return parseTokenSet(run.stdout.toString('utf8'), `the pass entry ${entry}`);
  }

  private decryptionFailure(entry: string, run: GpgRun) {
    const keyFailure = run.status.find((l) => l.startsWith('ERROR pkdecrypt_failed'));
    const unlock = `unlock it first, e.g. run: pass show ${entry} >/dev/null (gpg-agent then remembers the passphrase for a while)`;
    if (keyFailure) {
      const code = gpgErrorCode(keyFailure.split(' ')[2]);
      if (code === GPG_ERR_CANCELED) return failure(`the passphrase prompt for the GPG key of ${entry} was cancelled; nothing was read`, { code: 'gpg_locked' });
      if (code === GPG_ERR_BAD_PASSPHRASE) return failure(`wrong passphrase for the GPG key of ${entry}; run the command again to retry`, { code: 'gpg_locked' });
      return failure(`the GPG key of ${entry} is locked and no passphrase prompt can be shown here; ${unlock}`, { code: 'gpg_locked' });
    }
    const missing = run.status.filter((l) => l.startsWith('NO_SECKEY ')).map((l) => l.split(' ')[1]);
    if (missing.length > 0) {
      const home = this.options.env.GNUPGHOME || join(this.options.home, '.gnupg');
      return failure(`no secret key to decrypt ${entry} (encrypted to ${missing.join(', ')}) is in the GnuPG keyring at ${home}: import it with gpg --import, or sign in again`, {
        code: 'gpg_no_secret_key',
      });
    }
    return failure(`gpg could not decrypt ${entry}: ${lastGpgLine(run.stderr)}`, { code: 'gpg_error' });
  }

  async set(account: string, tokens: TokenSet): Promise<void> {
    const text = `${JSON.stringify(tokens)}\n`;
    if (Buffer.byteLength(text) > MAX_TOKEN_SET_BYTES) throw failure(`the token set for ${account} is larger than ${MAX_TOKEN_SET_BYTES / 1024} KB; not stored`, { code: 'storage_error' });
    const path = this.entryPath(account);
    const { ids, file } = await this.recipients();
    const folder = dirname(path);
    await this.makeEntryFolder(folder);
    const run = await this.gpg([...this.gpgOptions, '--encrypt', ...ids.flatMap((id) => ['--recipient', id])], text);
    if (run.code !== 0 || run.stdout.length === 0) throw this.encryptionFailure(ids, file, run);
    const temp = join(folder, `.${entryFileName(account)}.${process.pid}.${randomSuffix()}.tmp`);
    // O_EXCL: a new file, never one (or a symlink) that was there; 0600 as pass's umask 077 makes it.
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      try {
        await handle.writeFile(run.stdout);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw failure(`cannot write the pass entry ${this.entryName(account)}: ${(error as Error).message}`, { code: (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'disk_full' : 'storage_error', cause: error });
    }
  }

  private encryptionFailure(ids: string[], file: string, run: GpgRun) {
    const invalid = run.status.filter((l) => l.startsWith('INV_RECP '));
    if (invalid.length > 0) {
      const reasons = invalid.map((l) => {
        const [, reason, id] = l.split(' ');
        return `${id ?? '?'} (${INV_RECP_REASONS[Number(reason)] ?? 'unusable'})`;
      });
      return failure(`gpg cannot encrypt to the key(s) in ${file}: ${reasons.join(', ')}; check gpg --list-keys ${ids.join(' ')}, or run pass init with a key you have`, {
        code: 'gpg_bad_recipient',
      });
    }
    return failure(`gpg could not encrypt to ${ids.join(', ')}: ${lastGpgLine(run.stderr)}`, { code: 'gpg_error' });
  }

  /** `<store>/oauthcli`, 0700 as pass makes its folders; a symlink or a file there is refused. */
  private async makeEntryFolder(folder: string): Promise<void> {
    try {
      await mkdir(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw failure(`cannot create ${folder}: ${(error as Error).message}`, { code: 'storage_error' });
    }
    const info = await lstat(folder);
    if (!info.isDirectory()) throw failure(`${folder} is not a folder (a symbolic link or a file); oauthcli writes only into a real folder`, { code: 'storage_error' });
  }

  async delete(account: string): Promise<boolean> {
    const path = this.entryPath(account);
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw failure(`cannot remove the pass entry ${this.entryName(account)}: ${(error as Error).message}`, { code: 'storage_error' });
    }
    // As `pass rm` does: an emptied folder goes too (rmdir refuses a folder with anything in it).
    await rmdir(dirname(path)).catch(() => undefined);
    return true;
  }

  /**
   * Before a sign-in: the store is initialised, gpg can encrypt to its keys, and a secret key for
   * one of them is here (else tokens could be written but never read back).
   */
  async check(): Promise<void> {
    const { ids, file } = await this.recipients();
    const secret = await this.gpg(['--batch', '--with-colons', '--list-secret-keys', '--', ...ids]);
    if (!/^sec:/m.test(secret.stdout.toString('utf8'))) {
      throw failure(`no secret key for ${ids.join(', ')} (from ${file}) is in your GnuPG keyring: tokens stored there could never be read back; import the key, or run pass init with a key you have`, {
        code: 'gpg_no_secret_key',
      });
    }
    const probe = await this.gpg([...this.gpgOptions, '--encrypt', ...ids.flatMap((id) => ['--recipient', id])], 'probe');
    if (probe.code !== 0) throw this.encryptionFailure(ids, file, probe);
  }
}

const GPG_ERR_BAD_PASSPHRASE = 11;
const GPG_ERR_CANCELED = 99;

/** The reason numbers of gpg's INV_RECP status (GnuPG's doc/DETAILS). */
const INV_RECP_REASONS: Record<number, string> = {
  0: 'not found or not usable',
  1: 'not found',
  2: 'ambiguous',
  3: 'cannot encrypt',
  4: 'revoked',
  5: 'expired',
  10: 'not trusted',
  13: 'disabled',
};

function notInitialised(dir: string, why: string) {
  return failure(`the password store at ${dir} is not set up (${why}): run pass init <gpg-key-id> (make a key first with gpg --quick-gen-key "Your Name <you@example.com>" if you have none)`, {
    code: 'pass_not_initialised',
  });
}

function lastGpgLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^gpg: /, '').trim())
    .filter(Boolean);
  return lines.at(-1) ?? 'it gave no reason';
}

function randomSuffix(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}
