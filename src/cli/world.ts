// Everything a command touches outside itself, handed in (as gh's Factory and IOStreams do):
// streams, env, platform, the HTTP client, the stores, the browser, Ctrl-C. `createWorld` builds
// the real one from the process; tests build one from parts (test/support/test-world.ts) and run
// commands in process. Heavy modules load only when first asked for.
import type { HttpClient } from '../http/client.js';
import { redactText } from '../http/redact.js';
import { ProviderRegistry } from '../providers/registry.js';
import { selectAccount, type AccountSelector } from '../session/account-choice.js';
import type { SessionDeps } from '../session/deps.js';
import { loginCommandFor } from '../session/sign-in-needed.js';
import { AccountStore, type AccountMeta } from '../store/accounts.js';
import { cacheDirFor, configDirFor } from '../store/config-file.js';
import { lazyStore } from '../store/lazy-store.js';
import { InsecureFileStore, KeychainStore, type SecretStore, type StorageKind } from '../store/secrets.js';
import { safeText } from './terminal/safe-text.js';
import { passPrompt } from './terminal/pass-prompt.js';
import type { InStream, OutStream } from './terminal/streams.js';

export type { InStream, OutStream } from './terminal/streams.js';

export interface World extends SessionDeps {
  stdout: OutStream;
  stderr: OutStream;
  stdin: InStream;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  debug: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** oauthcli's folder in the user's cache folder: what may be lost at any time. */
  cacheDir: string;
  redact(text: string): string;
  /** A line for the user on stderr (never stdout), with every remembered secret redacted. */
  info(line: string): void;
  /** The account a command means (see selectAccount); remembered for "run oauthcli login …" hints. */
  selectAccount(selector: AccountSelector): AccountMeta;
  /** The login command for the account this command is about, once known. */
  loginHint: string | undefined;
  /** Opens a URL in the user's browser; resolves false when none could be opened. */
  openBrowser(url: string): Promise<boolean>;
}

/** What a world is made of; whatever is left out comes from the process. */
export interface WorldParts {
  stdout?: OutStream;
  stderr?: OutStream;
  stdin?: InStream;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  debug?: boolean;
  signal?: AbortSignal;
  holdInterrupts?: SessionDeps['holdInterrupts'];
  configDir?: string;
  cacheDir?: string;
  http?: HttpClient;
  secrets?: (kind: Exclude<StorageKind, 'env'>) => SecretStore;
  openBrowser?: (url: string) => Promise<boolean>;
}

export function createWorld(parts: WorldParts = {}): World {
  const env = parts.env ?? process.env;
  const stderr = parts.stderr ?? process.stderr;
  const debug = parts.debug ?? false;
  const secrets: string[] = [];
  const redact = (text: string) => redactText(text, secrets);
  const configDir = parts.configDir ?? configDirFor(env, parts.platform ?? process.platform);
  const accounts = AccountStore.open(configDir);
  const providers = new ProviderRegistry(accounts.customProviders());
  const stores = new Map<string, SecretStore>();
  const newStore = (kind: Exclude<StorageKind, 'env'>): SecretStore => {
    if (kind === 'keychain') return new KeychainStore();
    if (kind === 'pass') {
      const prompt = passPrompt(env, world.platform, world.stdin, world.stderr);
      return lazyStore('pass', async () => {
        const [{ PassStore }, { homedir }] = await Promise.all([import('../store/pass-store.js'), import('node:os')]);
        return new PassStore({ env, home: env.HOME || homedir(), prompt });
      });
    }
    return new InsecureFileStore(configDir);
  };
  let http: Promise<HttpClient> | undefined = parts.http ? Promise.resolve(parts.http) : undefined;

  const world: World = {
    stdout: parts.stdout ?? process.stdout,
    stderr,
    stdin: parts.stdin ?? process.stdin,
    env,
    platform: parts.platform ?? process.platform,
    debug,
    signal: parts.signal ?? new AbortController().signal,
    ...(parts.holdInterrupts ? { holdInterrupts: parts.holdInterrupts } : {}),
    configDir,
    cacheDir: parts.cacheDir ?? cacheDirFor(env, parts.platform ?? process.platform),
    accounts,
    providers,
    rememberSecret(value) {
      if (value && value.length >= 4 && !secrets.includes(value)) secrets.push(value);
    },
    redact,
    info(line) {
      stderr.write(`${redact(line)}\n`);
    },
    loginHint: undefined,
    selectAccount(selector) {
      if (selector.provider) world.loginHint = loginCommandFor(providers.get(selector.provider), selector.hostname, env);
      const account = selectAccount(world, selector);
      world.loginHint = loginCommandFor(providers.get(account.provider), account.host, env);
      return account;
    },
    secrets(kind) {
      let store = stores.get(kind);
      if (!store) {
        store = parts.secrets?.(kind) ?? newStore(kind);
        stores.set(kind, store);
      }
      return store;
    },
    http() {
      http ??= import('../http/client.js').then(({ createHttpClient }) =>
        createHttpClient({
          env,
          userAgent: `oauthcli/${__OAUTHCLI_VERSION__}`,
          debug: debug ? (line) => stderr.write(`${safeText(redact(line))}\n`) : undefined,
          notice: (line) => stderr.write(`${safeText(redact(line))}\n`),
        }),
      );
      return http;
    },
    openBrowser:
      parts.openBrowser ??
      (async (url) => {
        const { openBrowser } = await import('./terminal/browser.js');
        return openBrowser(url, env, world.platform);
      }),
  };
  return world;
}

declare global {
  const __OAUTHCLI_VERSION__: string;
}
