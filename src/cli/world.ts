// Everything a command touches outside itself, handed in (as gh's Factory does): streams, env,
// the HTTP client, the stores, the browser, Ctrl-C. Heavy modules load only when first asked for.
import type { HttpClient } from '../http/client.js';
import { redactText } from '../http/redact.js';
import type { SessionDeps } from '../session.js';
import { InsecureFileStore, KeychainStore, type SecretStore, type StorageKind } from '../store/secrets.js';

export interface World extends SessionDeps {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  debug: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  configDir: string | undefined;
  /** Remembers a secret so that nothing this process prints can show it. */
  rememberSecret(value: string | undefined): void;
  redact(text: string): string;
  /** A line for the user on stderr (never stdout). */
  info(line: string): void;
}

export async function createWorld(opts: { debug: boolean; signal: AbortSignal }): Promise<World> {
  const env = process.env;
  const configDir = env.OAUTHCLI_CONFIG_DIR || undefined;
  const secrets: string[] = [];
  const redact = (text: string) => redactText(text, secrets);
  const stores = new Map<StorageKind, SecretStore>();
  let http: Promise<HttpClient> | undefined;
  const { AccountStore } = await import('../store/accounts.js');
  const accounts = await AccountStore.open(configDir);

  const world: World = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env,
    debug: opts.debug,
    signal: opts.signal,
    configDir,
    accounts,
    rememberSecret(value) {
      if (value && !secrets.includes(value)) secrets.push(value);
    },
    redact,
    info(line) {
      process.stderr.write(`${redact(line)}\n`);
    },
    secrets(kind) {
      let store = stores.get(kind);
      if (!store) {
        store = kind === 'keychain' ? new KeychainStore() : new InsecureFileStore(configDir ?? defaultConfigDir(accounts.path));
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

function defaultConfigDir(configPath: string): string {
  return configPath.replace(/[\\/][^\\/]+$/, '');
}

declare global {
  const __OAUTHCLI_VERSION__: string;
}
