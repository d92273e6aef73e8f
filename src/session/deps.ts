// What every part of the session is handed (the stores, the providers, the HTTP client, the
// environment), and the one rule for every token it reads or receives: it is handed to
// `rememberSecret` first, so nothing the process prints afterwards (an error echoing a refresh
// token, say) can show it.
import type { HttpClient } from '../http/client.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { AccountStore } from '../store/accounts.js';
import type { SecretStore, StorageKind } from '../store/secrets.js';
import type { TokenSet } from '../token-set.js';

export interface SessionDeps {
  accounts: AccountStore;
  providers: ProviderRegistry;
  /** Folder of the config file; lock files live there too. */
  configDir: string;
  secrets(kind: Exclude<StorageKind, 'env'>): SecretStore;
  http(): Promise<HttpClient>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /**
   * Runs `run` with Ctrl-C held back until it ends (a second Ctrl-C still quits at once): a
   * refresh request once sent is answered and its tokens saved before the command stops.
   */
  holdInterrupts?<T>(run: () => Promise<T>): Promise<T>;
  /** Remembers a secret so that nothing the process prints can show it. */
  rememberSecret(value: string | undefined): void;
}

/** Remembers every token of a set (ID token included), so that nothing the process prints can show them. */
export function rememberTokens(deps: Pick<SessionDeps, 'rememberSecret'>, tokens: Pick<TokenSet, 'accessToken' | 'refreshToken' | 'idToken'>): void {
  deps.rememberSecret(tokens.accessToken);
  deps.rememberSecret(tokens.refreshToken);
  deps.rememberSecret(tokens.idToken);
}
