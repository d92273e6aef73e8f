// Where token sets live: the OS keychain (service `oauthcli`, one entry per account), or, only
// when the user asked with --insecure-storage, a file readable by the owner alone.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, failure } from '../errors.js';
import type { TokenSet } from '../oauth/token-set.js';

export const KEYCHAIN_SERVICE = 'oauthcli';
export type StorageKind = 'keychain' | 'insecure-file';

export interface SecretStore {
  readonly kind: StorageKind;
  get(account: string): Promise<TokenSet | undefined>;
  set(account: string, tokens: TokenSet): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  delete(account: string): Promise<boolean>;
  /** Throws a clear error when the store cannot be used at all. */
  check(): Promise<void>;
}

const KEYCHAIN_FIX =
  'Start and unlock a keyring (GNOME Keyring, KWallet or another Secret Service on Linux), ' +
  'or run login with --insecure-storage to keep tokens in a file only you can read.';

export function keychainUnavailable(cause: unknown): AppError {
  const reason = firstLine(cause instanceof Error ? cause.message : String(cause));
  return failure(`the OS keychain is not available (${reason}). ${KEYCHAIN_FIX}`, { code: 'keychain_unavailable', cause });
}

/** The OS keychain through @napi-rs/keyring, every call bounded by a timeout: a locked keyring can hang. */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;

  constructor(private readonly timeoutMs = 5_000) {}

  private async entry(account: string) {
    try {
      const { AsyncEntry } = await import('@napi-rs/keyring');
      // Pin Linux to the Secret Service: the library's default falls back silently to the
      // kernel keyring, which forgets everything at reboot.
      return new AsyncEntry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
    } catch (error) {
      throw keychainUnavailable(error);
    }
  }

  private async bounded<T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(keychainUnavailable(new Error(`no answer to ${what} within ${this.timeoutMs / 1000} s; is it locked?`)));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([run(controller.signal), timeout]);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw keychainUnavailable(error);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(account: string): Promise<TokenSet | undefined> {
    const entry = await this.entry(account);
    // getSecret rejects on a locked or broken store; getPassword would say "nothing stored".
    const bytes = await this.bounded('a keychain read', (signal) => entry.getSecret(signal));
    if (bytes === null) return undefined;
    return parseTokenSet(Buffer.from(bytes).toString('utf8'), `the keychain entry for ${account}`);
  }

  async set(account: string, tokens: TokenSet): Promise<void> {
    const entry = await this.entry(account);
    await this.bounded('a keychain write', (signal) => entry.setPassword(JSON.stringify(tokens), signal));
  }

  async delete(account: string): Promise<boolean> {
    const entry = await this.entry(account);
    return this.bounded('a keychain delete', (signal) => entry.deleteCredential(signal));
  }

  async check(): Promise<void> {
    // A name of this process's own: two logins at once must not delete each other's probe.
    const probe = `__oauthcli_probe__:${process.pid}:${Date.now()}`;
    await this.set(probe, { accessToken: 'probe', tokenType: 'probe', scopes: [] });
    await this.get(probe);
    await this.delete(probe);
  }
}

/** Tokens in `<config dir>/insecure-tokens.json`, mode 0600. Only ever chosen by the user. */
export class InsecureFileStore implements SecretStore {
  readonly kind = 'insecure-file' as const;
  readonly path: string;

  constructor(private readonly configDir: string) {
    this.path = join(configDir, 'insecure-tokens.json');
  }

  private async readAll(): Promise<Record<string, TokenSet>> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw failure(`cannot read ${this.path}: ${(error as Error).message}`, { code: 'storage_error' });
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, TokenSet>;
    } catch {
      // below
    }
    throw failure(`${this.path} is not valid JSON; fix or remove it`, { code: 'storage_error' });
  }

  private async writeAll(all: Record<string, TokenSet>): Promise<void> {
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.path);
  }

  async get(account: string): Promise<TokenSet | undefined> {
    return (await this.readAll())[account];
  }

  async set(account: string, tokens: TokenSet): Promise<void> {
    const all = await this.readAll();
    all[account] = tokens;
    await this.writeAll(all);
  }

  async delete(account: string): Promise<boolean> {
    const all = await this.readAll();
    if (!(account in all)) return false;
    delete all[account];
    await this.writeAll(all);
    return true;
  }

  async check(): Promise<void> {
    await this.readAll();
  }
}

function parseTokenSet(raw: string, where: string): TokenSet {
  try {
    const parsed = JSON.parse(raw) as TokenSet;
    if (typeof parsed.accessToken === 'string') return { ...parsed, scopes: Array.isArray(parsed.scopes) ? parsed.scopes : [] };
  } catch {
    // below
  }
  throw failure(`${where} is not a token set oauthcli wrote; run oauthcli login again`, { code: 'storage_error' });
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim();
}
