// Where token sets live: the OS keychain (service `oauthcli`, one entry per account), or, only
// when the user asked with --insecure-storage, a file readable by the owner alone.
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, failure } from '../errors.js';
import type { TokenSet } from '../token-set.js';
import { withFileLock } from './lock.js';
import { makePrivateFolder, removeStaleTempFiles, writePrivateFile } from './private-file.js';

export const KEYCHAIN_SERVICE = 'oauthcli';
/** `env`: a token from OAUTHCLI_<PROVIDER>_TOKEN, never stored by oauthcli. */
export type StorageKind = 'keychain' | 'pass' | 'insecure-file' | 'env';

export interface SecretStore {
  readonly kind: StorageKind;
  get(account: string): Promise<TokenSet | undefined>;
  set(account: string, tokens: TokenSet): Promise<void>;
  /** Resolves false when there was nothing to delete. */
  delete(account: string): Promise<boolean>;
  /** Throws a clear error when the store cannot be used at all. */
  check(): Promise<void>;
  /**
   * Throws when a token set of about `bytes` could not be saved now: asked before a refresh token
   * is spent. It proves there was room a moment ago, not that there still is at the write.
   */
  checkRoom?(bytes: number): Promise<void>;
}

const KEYCHAIN_FIX =
  'Start and unlock a keyring (GNOME Keyring, KWallet or another Secret Service on Linux), ' +
  'or run login with --storage pass (a gpg-encrypted pass store) or --insecure-storage (a file only you can read).';

/** `fix`: what to do instead, when the caller knows better (login names what this machine has). */
export function keychainUnavailable(cause: unknown, fix = KEYCHAIN_FIX, hints: readonly string[] = []): AppError {
  const reason = firstLine(cause instanceof Error ? cause.message : String(cause));
  return failure(`the OS keychain is not available (${reason}). ${fix}`, { code: 'keychain_unavailable', cause, hints });
}

const SERVICE_RESTART_WAIT_MS = 500;

/** D-Bus's words for a service that left without answering, or is not there (yet) to answer. */
function secretServiceWentAway(error: unknown): boolean {
  const cause = error instanceof AppError ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return /disconnected from message bus without replying|org\.freedesktop\.DBus\.Error\.(NoReply|ServiceUnknown)/i.test(message);
}

/** One keychain entry's bytes, by account name: the OS keychain, or an in-memory one in tests. */
export interface KeyringBackend {
  read(account: string, signal: AbortSignal): Promise<Uint8Array | null>;
  write(account: string, secret: Uint8Array, signal: AbortSignal): Promise<void>;
  remove(account: string, signal: AbortSignal): Promise<boolean>;
}

/**
 * The most one keychain entry holds, by platform. Windows' Credential Manager stores at most
 * 2,560 bytes (CRED_MAX_CREDENTIAL_BLOB_SIZE); the others have no limit a token set comes near.
 */
export function maxSecretBytesFor(platform: NodeJS.Platform): number {
  return platform === 'win32' ? 2_560 : 64 * 1024;
}

/** @napi-rs/keyring, pinned on Linux to the Secret Service (its default falls back silently to the kernel keyring, which forgets everything at reboot). */
export function osKeyring(): KeyringBackend {
  const entry = async (account: string) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    return new AsyncEntry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
  };
  return {
    // getSecret rejects on a locked or broken store; getPassword would say "nothing stored".
    read: async (account, signal) => {
      const bytes = await (await entry(account)).getSecret(signal);
      return bytes === null ? null : Uint8Array.from(bytes);
    },
    write: async (account, secret, signal) => (await entry(account)).setSecret(secret, signal),
    remove: async (account, signal) => (await entry(account)).deleteCredential(signal),
  };
}

/** What the main entry holds when a token set is split over several entries. */
interface Manifest {
  oauthcli: 'parts';
  /** Names the parts of this write, so a new write never overwrites parts a reader may be reading. */
  generation: string;
  parts: number;
  sha256: string;
}

/**
 * The OS keychain. A token set that does not fit in one entry (JWT access and refresh tokens from
 * Entra or Keycloak run to several KB) is split into parts `<account>#<generation>.<n>`, written
 * first; the main entry then points at them (with their hash), so a reader sees either the old
 * set or the new one, whole. Every call is bounded by a timeout: a locked keyring can hang.
 */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;

  constructor(
    private readonly backend: KeyringBackend = osKeyring(),
    private readonly options: { timeoutMs?: number; maxSecretBytes?: number } = {},
  ) {}

  private get maxBytes(): number {
    return this.options.maxSecretBytes ?? maxSecretBytesFor(process.platform);
  }

  private async bounded<T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.boundedOnce(what, run);
      } catch (error) {
        // The Secret Service went away mid-call (GNOME Keyring can abort under many short-lived
        // clients; D-Bus or a session manager starts it again): every call here is idempotent, so
        // one more try, a moment later, reaches the new one.
        if (attempt > 1 || !secretServiceWentAway(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, SERVICE_RESTART_WAIT_MS));
      }
    }
  }

  private async boundedOnce<T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(keychainUnavailable(new Error(`no answer to ${what} within ${timeoutMs / 1000} s; is it locked?`)));
      }, timeoutMs);
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

  private read(account: string) {
    return this.bounded('a keychain read', (signal) => this.backend.read(account, signal));
  }

  private write(account: string, text: string) {
    return this.bounded('a keychain write', (signal) => this.backend.write(account, Buffer.from(text, 'utf8'), signal));
  }

  private remove(account: string) {
    return this.bounded('a keychain delete', (signal) => this.backend.remove(account, signal));
  }

  async get(account: string): Promise<TokenSet | undefined> {
    // A write may replace the parts between our reading the manifest and the parts: read again.
    for (let attempt = 1; ; attempt++) {
      const main = await this.read(account);
      if (main === null) return undefined;
      const text = decode(main);
      const manifest = manifestOf(text);
      if (!manifest) return parseTokenSet(text, `the keychain entry for ${account}`);
      const joined = await this.readParts(account, manifest);
      if (joined !== undefined) return parseTokenSet(joined, `the keychain entry for ${account}`);
      if (attempt >= 3) throw failure(`the keychain entry for ${account} is incomplete (a part is missing or changed); run oauthcli login again`, { code: 'storage_error' });
    }
  }

  private async readParts(account: string, manifest: Manifest): Promise<string | undefined> {
    const parts: string[] = [];
    for (let i = 1; i <= manifest.parts; i++) {
      const part = await this.read(partName(account, manifest.generation, i));
      if (part === null) return undefined;
      parts.push(decode(part));
    }
    const joined = parts.join('');
    return (await sha256(joined)) === manifest.sha256 ? joined : undefined;
  }

  async set(account: string, tokens: TokenSet): Promise<void> {
    const text = JSON.stringify(tokens);
    const previous = await this.read(account).then((bytes) => (bytes === null ? undefined : manifestOf(decode(bytes))));
    if (Buffer.byteLength(text) <= this.maxBytes) {
      await this.write(account, text);
    } else {
      const generation = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(4))).toString('hex');
      const parts = split(text, this.maxBytes);
      for (const [i, part] of parts.entries()) await this.write(partName(account, generation, i + 1), part);
      const manifest: Manifest = { oauthcli: 'parts', generation, parts: parts.length, sha256: await sha256(text) };
      await this.write(account, JSON.stringify(manifest));
    }
    if (previous) await this.removeParts(account, previous);
  }

  async delete(account: string): Promise<boolean> {
    const main = await this.read(account);
    if (main === null) return false;
    const manifest = manifestOf(decode(main));
    await this.remove(account);
    if (manifest) await this.removeParts(account, manifest);
    return true;
  }

  private async removeParts(account: string, manifest: Manifest): Promise<void> {
    for (let i = 1; i <= manifest.parts; i++) await this.remove(partName(account, manifest.generation, i)).catch(() => false);
  }

  async check(): Promise<void> {
    // A name of this process's own: two logins at once must not delete each other's probe.
    const probe = `__oauthcli_probe__:${process.pid}:${Date.now()}`;
    await this.write(probe, 'probe');
    await this.read(probe);
    await this.remove(probe);
  }

  async checkRoom(bytes: number): Promise<void> {
    // An entry as large as the set will be (one part's worth, when it is split), then gone.
    const probe = `__oauthcli_probe__:${process.pid}:${Date.now()}`;
    await this.write(probe, 'x'.repeat(Math.max(1, Math.min(bytes, this.maxBytes))));
    await this.remove(probe);
  }
}

function partName(account: string, generation: string, n: number): string {
  return `${account}#${generation}.${n}`;
}

/** Splits on character boundaries into pieces of at most `maxBytes` UTF-8 bytes. */
function split(text: string, maxBytes: number): string[] {
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > maxBytes) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += n;
  }
  if (current) parts.push(current);
  return parts;
}

function manifestOf(text: string): Manifest | undefined {
  if (!text.includes('"oauthcli"')) return undefined;
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    if (m.oauthcli === 'parts' && typeof m.generation === 'string' && Number.isSafeInteger(m.parts) && typeof m.sha256 === 'string') return m as Manifest;
  } catch {
    // not a manifest
  }
  return undefined;
}

/** UTF-8; entries an earlier version wrote with setPassword on Windows are UTF-16. */
function decode(bytes: Uint8Array): string {
  const looksUtf16 = bytes.length >= 2 && bytes.length % 2 === 0 && bytes[1] === 0 && bytes[0] !== 0;
  return Buffer.from(bytes).toString(looksUtf16 ? 'utf16le' : 'utf8');
}

/** Loaded only for a token set split in parts: node:crypto costs every command's start otherwise. */
async function sha256(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/** Tokens in `<config dir>/insecure-tokens.json`, mode 0600, every change under a lock. Only ever chosen by the user. */
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
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Object.create(null) as Record<string, TokenSet>;
      throw failure(`cannot read ${this.path}: ${(error as Error).message}`, { code: 'storage_error' });
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return Object.assign(Object.create(null) as Record<string, TokenSet>, parsed);
    } catch {
      // below
    }
    throw failure(`${this.path} is not valid JSON; fix or remove it`, { code: 'storage_error' });
  }

  /** A read-modify-write under the file's lock: two accounts refreshing at once keep both their rotated tokens. */
  private async change(apply: (all: Record<string, TokenSet>) => boolean): Promise<boolean> {
    await makePrivateFolder(this.configDir);
    return withFileLock(this.path, async () => {
      // A temp file a killed writer left holds every token the file held then; under the lock none is in use.
      removeStaleTempFiles(this.path, 0);
      const all = await this.readAll();
      if (!apply(all)) return false;
      await writePrivateFile(this.path, `${JSON.stringify(all, null, 2)}\n`);
      return true;
    });
  }

  async get(account: string): Promise<TokenSet | undefined> {
    const all = await this.readAll();
    return Object.hasOwn(all, account) ? all[account] : undefined;
  }

  async set(account: string, tokens: TokenSet): Promise<void> {
    await this.change((all) => {
      all[account] = tokens;
      return true;
    });
  }

  async delete(account: string): Promise<boolean> {
    return this.change((all) => {
      if (!Object.hasOwn(all, account)) return false;
      delete all[account];
      return true;
    });
  }

  async check(): Promise<void> {
    await this.readAll();
  }

  async checkRoom(bytes: number): Promise<void> {
    // The next write is a whole new file beside the old one: that much room, written and removed.
    await makePrivateFolder(this.configDir);
    const size = await stat(this.path).then((s) => s.size, () => 0);
    const probe = `${this.path}.room-check`;
    try {
      await writePrivateFile(probe, ' '.repeat(size + bytes));
    } finally {
      await rm(probe, { force: true }).catch(() => undefined);
    }
  }
}

export function parseTokenSet(raw: string, where: string): TokenSet {
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
