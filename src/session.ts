// "Give me a valid token for account X": which account a command means, and its tokens.
import { notSignedIn, usageError } from './errors.js';
import type { HttpClient } from './http/client.js';
import type { TokenSet } from './oauth/token-set.js';
import { getProvider, normalizeHost } from './providers/registry.js';
import type { Provider } from './providers/types.js';
import { accountKey, type AccountMeta, type AccountStore } from './store/accounts.js';
import type { SecretStore, StorageKind } from './store/secrets.js';

export interface SessionDeps {
  accounts: AccountStore;
  secrets(kind: StorageKind): SecretStore;
  http(): Promise<HttpClient>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface AccountSelector {
  provider?: string;
  hostname?: string;
  user?: string;
}

export function loginCommandFor(provider: string, host?: string): string {
  const p = getProvider(provider);
  return `oauthcli login ${p.name}${host && host !== p.defaultHost ? ` --hostname ${host}` : ''}`;
}

/** The account a command means: named by provider/host/user, the only one, or the active one. */
export function selectAccount(accounts: AccountStore, selector: AccountSelector): AccountMeta {
  const provider = selector.provider ? getProvider(selector.provider) : undefined;
  const host = provider && selector.hostname ? normalizeHost(provider, selector.hostname) : selector.hostname;
  const matching = accounts
    .list()
    .filter((a) => (!provider || a.provider === provider.name) && (!host || a.host === host) && (!selector.user || a.login === selector.user));
  const what = [provider?.name, host, selector.user].filter(Boolean).join(' ');
  if (matching.length === 0) {
    const hint = provider ? loginCommandFor(provider.name, host) : 'oauthcli login <provider>';
    throw notSignedIn(`not signed in${what ? ` to ${what}` : ''}. Run: ${hint}`, 'no_account');
  }
  if (matching.length === 1) return matching[0]!;
  const active = matching.filter((a) => accounts.activeKey(a.provider) === accountKey(a));
  if (active.length === 1) return active[0]!;
  const names = matching.map((a) => `${a.provider} ${a.host} ${a.login}`).join(', ');
  throw usageError(`several accounts match (${names}); name one with a provider, --hostname or --user`, 'ambiguous_account');
}

export interface Session {
  account: AccountMeta;
  provider: Provider;
  tokens: TokenSet;
}

/** Loads the stored tokens of an account. */
export async function openSession(deps: SessionDeps, account: AccountMeta): Promise<Session> {
  const provider = getProvider(account.provider);
  const login = loginCommandFor(account.provider, account.host);
  if (account.needsLogin) throw notSignedIn(`the sign-in to ${account.host} as ${account.login} has expired. Run: ${login}`, 'needs_login');
  const tokens = await deps.secrets(account.storage).get(accountKey(account));
  if (!tokens) throw notSignedIn(`no stored token for ${account.login} on ${account.host}. Run: ${login}`, 'no_token');
  return { account, provider, tokens };
}

export function clientCredentials(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider): { clientId?: string; clientSecret?: string } {
  const settings = deps.accounts.providerSettings(provider.name);
  const clientId = deps.env[`OAUTHCLI_${provider.envName}_CLIENT_ID`] || settings.clientId;
  const clientSecret = deps.env[`OAUTHCLI_${provider.envName}_CLIENT_SECRET`] || settings.clientSecret;
  return { ...(clientId ? { clientId } : {}), ...(clientSecret ? { clientSecret } : {}) };
}
