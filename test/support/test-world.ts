// A World for running commands and sessions in process (gh's IOStreams.Test() and Factory):
// captured streams, an env of the test's choosing, a config folder in a temp dir, an in-memory
// keychain, and whatever HTTP client the test gives (a fake, or the real one against nock).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createWorld, type InStream, type OutStream, type World, type WorldParts } from '../../src/cli/world.js';
import type { HttpClient } from '../../src/http/client.js';
import { KeychainStore, type KeyringBackend } from '../../src/store/secrets.js';

/** An in-memory OS keychain, optionally with a platform's size limit per entry. */
export class MemoryKeyring implements KeyringBackend {
  readonly entries = new Map<string, Uint8Array>();
  writes = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  async read(account: string): Promise<Uint8Array | null> {
    return this.entries.get(account) ?? null;
  }

  async write(account: string, secret: Uint8Array): Promise<void> {
    // As Windows' Credential Manager does past 2,560 bytes.
    if (secret.byteLength > this.maxBytes) throw new Error(`the stub name or password is too long (${secret.byteLength} bytes)`);
    this.writes += 1;
    this.entries.set(account, Uint8Array.from(secret));
  }

  async remove(account: string): Promise<boolean> {
    return this.entries.delete(account);
  }
}

class Capture extends Writable implements OutStream {
  text = '';
  constructor(
    public isTTY: boolean,
    public columns: number | undefined,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface TestWorldOptions {
  env?: NodeJS.ProcessEnv;
  http?: HttpClient;
  /** What stdin holds (then closed); leave out for an empty, closed stdin. */
  stdin?: string;
  tty?: boolean;
  columns?: number;
  keyring?: MemoryKeyring;
  /** Share a config folder between worlds (two "processes" of one user). */
  configDir?: string;
  platform?: NodeJS.Platform;
  openBrowser?: WorldParts['openBrowser'];
  signal?: AbortSignal;
}

export interface TestWorld {
  world: World;
  keyring: MemoryKeyring;
  configDir: string;
  stdout(): string;
  stderr(): string;
  cleanup(): void;
}

export function testWorld(options: TestWorldOptions = {}): TestWorld {
  const ownDir = options.configDir === undefined;
  const configDir = options.configDir ?? mkdtempSync(join(tmpdir(), 'oauthcli-world-'));
  // The user's cache folder, which a listing writes to (src/store/listing-pages.ts): the test's own.
  const cacheDir = mkdtempSync(join(tmpdir(), 'oauthcli-world-cache-'));
  const keyring = options.keyring ?? new MemoryKeyring();
  const tty = options.tty ?? false;
  const stdout = new Capture(tty, tty ? (options.columns ?? 80) : undefined);
  const stderr = new Capture(tty, tty ? (options.columns ?? 80) : undefined);
  const stdin = new PassThrough() as PassThrough & InStream;
  stdin.isTTY = tty;
  stdin.end(options.stdin ?? '');
  const keychain = new KeychainStore(keyring, { maxSecretBytes: Number.POSITIVE_INFINITY });
  const world = createWorld({
    stdout,
    stderr,
    stdin,
    env: { OAUTHCLI_CONFIG_DIR: configDir, ...options.env },
    platform: options.platform ?? 'linux',
    configDir,
    cacheDir,
    ...(options.http ? { http: options.http } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    secrets: (kind) => (kind === 'keychain' ? keychain : (undefined as never)),
    openBrowser: options.openBrowser ?? (async () => false),
  });
  return {
    world,
    keyring,
    configDir,
    stdout: () => stdout.text,
    stderr: () => stderr.text,
    cleanup() {
      if (ownDir) rmSync(configDir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}
