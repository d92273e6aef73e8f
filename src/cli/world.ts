// Everything a command touches outside itself, handed in (as gh's Factory does): streams, env,
// the HTTP client, the stores, the browser, Ctrl-C. Heavy modules load only when first asked for.
import { dirname } from 'node:path';
import type { HttpClient } from '../http/client.js';
import { redactText } from '../http/redact.js';
import { loginCommandFor, selectAccount, type AccountSelector, type SessionDeps } from '../session.js';
import type { AccountMeta } from '../store/accounts.js';
import { InsecureFileStore, KeychainStore, type SecretStore, type StorageKind } from '../store/secrets.js';

export interface World extends SessionDeps {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  debug: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Remembers a secret so that nothing this process prints can show it. */
  rememberSecret(value: string | undefined): void;
  redact(text: string): string;
  /** A line for the user on stderr (never stdout). */
  info(line: string): void;
  /** The account a command means (see selectAccount); remembered for "run oauthcli login …" hints. */
  selectAccount(selector: AccountSelector): AccountMeta;
  /** The login command for the account this command is about, once known. */
  loginHint: string | undefined;
}

export async function createWorld(opts: { debug: boolean; signal: AbortSignal }): Promise<World> {
  const env = process.env;
  const secrets: string[] = [];
  const redact = (text: string) => redactText(text, secrets);
  const stores = new Map<StorageKind, SecretStore>();
  let http: Promise<HttpClient> | undefined;
  const { AccountStore } = await import('../store/accounts.js');
  const accounts = await AccountStore.open(env.OAUTHCLI_CONFIG_DIR || undefined);
  const configDir = dirname(accounts.path);
  const { ProviderRegistry } = await import('../providers/registry.js');
  const providers = new ProviderRegistry(accounts.customProviders());

  const world: World = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env,
    debug: opts.debug,
    signal: opts.signal,
    configDir,
    accounts,
    providers,
    rememberSecret(value) {
      if (value && !secrets.includes(value)) secrets.push(value);
    },
    redact,
    info(line) {
      process.stderr.write(`${redact(line)}\n`);
    },
    loginHint: undefined,
    selectAccount(selector) {
      if (selector.provider) world.loginHint = loginCommandFor(providers.get(selector.provider), selector.hostname);
      const account = selectAccount(world, selector);
      world.loginHint = loginCommandFor(providers.get(account.provider), account.host);
      return account;
    },
    secrets(kind) {
      let store = stores.get(kind);
      if (!store) {
        store = kind === 'keychain' ? new KeychainStore() : new InsecureFileStore(configDir);
        stores.set(kind, store);
      }
      return store;
    },
    http() {
      http ??= import('../http/client.js').then(({ createHttpClient }) =>
        createHttpClient({
          userAgent: `oauthcli/${__OAUTHCLI_VERSION__}`,
          debug: opts.debug ? (line) => process.stderr.write(`${redact(line)}\n`) : undefined,
          notice: (line) => process.stderr.write(`${line}\n`),
        }),
      );
      return http;
    },
  };
  return world;
}

declare global {
  const __OAUTHCLI_VERSION__: string;
}
