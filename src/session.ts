// "Give me a valid token for account X": which account a command means, its tokens (refreshed
// under a cross-process lock when close to expiry), revocation, and forgetting an account.
import { failure, notSignedIn, usageError } from './errors.js';
import type { HttpClient } from './http/client.js';
import { clientAuth } from './oauth/client-auth.js';
import { OAuthError } from './oauth/errors.js';
import { REFRESH_REFUSALS, refreshTokenGrant } from './oauth/refresh.js';
import { tokenSetFrom, type TokenSet } from './oauth/token-set.js';
import { normalizeHost, type ProviderRegistry } from './providers/registry.js';
import type { Credentials, Endpoints, Provider } from './providers/types.js';
import { accountKey, type AccountMeta, type AccountStore } from './store/accounts.js';
import { withAccountLock } from './store/lock.js';
import type { SecretStore, StorageKind } from './store/secrets.js';

export interface SessionDeps {
  accounts: AccountStore;
  providers: ProviderRegistry;
  /** Folder of the config file; lock files live there too. */
  configDir: string;
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

export function loginCommandFor(provider: Provider, host?: string): string {
  return `oauthcli login ${provider.name}${host && host !== provider.defaultHost ? ` --hostname ${host}` : ''}`;
}

/**
 * The account a command means: the only one matching provider/host/user, else the active one
 * of those, else (no provider named) the current one.
 */
export function selectAccount(deps: Pick<SessionDeps, 'accounts' | 'providers'>, selector: AccountSelector): AccountMeta {
  const provider = selector.provider ? deps.providers.get(selector.provider) : undefined;
  const host = provider && selector.hostname ? normalizeHost(provider, selector.hostname) : selector.hostname?.toLowerCase();
  const matching = deps.accounts
    .list()
    .filter((a) => (!provider || a.provider === provider.name) && (!host || a.host === host) && (!selector.user || a.login === selector.user));
  if (matching.length === 0) {
    const what = [provider?.name, host, selector.user].filter(Boolean).join(' ');
    const hint = provider ? loginCommandFor(provider, host) : 'oauthcli login <provider>';
    throw notSignedIn(`not signed in${what ? ` to ${what}` : ''}. Run: ${hint}`, 'no_account');
  }
  if (matching.length === 1) return matching[0]!;
  const active = matching.filter((a) => deps.accounts.isActive(a));
  if (active.length === 1) return active[0]!;
  const current = deps.accounts.currentKey();
  const currentMatch = active.find((a) => accountKey(a) === current);
  if (currentMatch) return currentMatch;
  const onDefaultHost = provider && active.filter((a) => a.host === provider.defaultHost);
  if (onDefaultHost?.length === 1) return onDefaultHost[0]!;
  const names = matching.map((a) => `${a.provider} ${a.host} ${a.login}`).join(', ');
  throw usageError(`several accounts match (${names}); name one with a provider, --hostname or --user`, 'ambiguous_account');
}

export interface Session {
  account: AccountMeta;
  provider: Provider;
  endpoints: Endpoints;
  tokens: TokenSet;
}

/** Refresh when the access token expires within this margin. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function needsRefresh(tokens: TokenSet, now = Date.now()): boolean {
  return tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) - now < REFRESH_MARGIN_MS;
}

/**
 * The account's tokens, refreshed first when the access token expires within 5 minutes (or
 * always, with `forceRefresh`). Every command that calls an API gets its token here.
 */
export async function openSession(
  deps: SessionDeps,
  account: AccountMeta,
  options: { forceRefresh?: boolean; skipRefresh?: boolean } = {},
): Promise<Session> {
  const provider = deps.providers.get(account.provider);
  const key = accountKey(account);
  if (account.needsLogin && !options.skipRefresh) throw expiredSignIn(account, provider);
  const tokens = await deps.secrets(account.storage).get(key);
  if (!tokens) throw notSignedIn(`no stored token for ${account.login} on ${account.host}. Run: ${loginCommandFor(provider, account.host)}`, 'no_token');
  const endpoints = await provider.endpoints(account.host, await deps.http(), deps.signal);
  if (options.skipRefresh || (!options.forceRefresh && !needsRefresh(tokens))) return { account, provider, endpoints, tokens };
  if (!tokens.refreshToken) {
    if (options.forceRefresh) throw failure(`the token for ${account.login} on ${account.host} has no refresh token, so it cannot be refreshed`, { code: 'no_refresh_token' });
    // Close to expiry but not refreshable: use it while it lasts, then the user must sign in.
    if (tokens.expiresAt && Date.parse(tokens.expiresAt) <= Date.now()) throw expiredSignIn(account, provider);
    return { account, provider, endpoints, tokens };
  }
  const refreshed = await withAccountLock(deps.configDir, key, () => refreshLocked(deps, account, provider, endpoints, tokens, Boolean(options.forceRefresh)));
  return { account, provider, endpoints, tokens: refreshed };
}

/** Runs under the account's lock: re-read, refresh only if still needed, save before unlocking. */
async function refreshLocked(deps: SessionDeps, account: AccountMeta, provider: Provider, endpoints: Endpoints, seen: TokenSet, force: boolean): Promise<TokenSet> {
  const key = accountKey(account);
  const store = deps.secrets(account.storage);
  const current = await store.get(key);
  if (!current) throw expiredSignIn(account, provider);
  // Another process refreshed while we waited for the lock: its tokens are ours too.
  if (current.accessToken !== seen.accessToken || (!force && !needsRefresh(current))) return current;
  if (!current.refreshToken) throw expiredSignIn(account, provider);
  if (current.refreshTokenExpiresAt && Date.parse(current.refreshTokenExpiresAt) <= Date.now()) {
    markNeedsLogin(deps, account);
    throw expiredSignIn(account, provider);
  }
  const { clientId, clientSecret } = clientCredentials(deps, provider);
  if (!clientId) throw usageError(`refreshing needs the OAuth app's client id: set OAUTHCLI_${provider.envName}_CLIENT_ID`, 'no_client_id');
  let response;
  try {
    response = await refreshTokenGrant(await deps.http(), {
      tokenEndpoint: endpoints.token,
      client: clientAuth(clientId, clientSecret, endpoints.clientAuthMethod),
      refreshToken: current.refreshToken,
      headers: provider.oauthHeaders,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (error) {
    if (error instanceof OAuthError && REFRESH_REFUSALS.has(error.code ?? '')) {
      // Nothing is written to the keychain; the account is marked so every command says so.
      markNeedsLogin(deps, account);
      throw expiredSignIn(account, provider);
    }
    throw error;
  }
  const next = tokenSetFrom(response, new Date(), current.scopes);
  // RFC 6749 §6: without a new refresh token (Google never rotates), the old one stays valid.
  if (!next.refreshToken) {
    next.refreshToken = current.refreshToken;
    if (current.refreshTokenExpiresAt) next.refreshTokenExpiresAt = current.refreshTokenExpiresAt;
  }
  await store.set(key, next);
  return next;
}

function markNeedsLogin(deps: SessionDeps, account: AccountMeta): void {
  const stored = deps.accounts.get(accountKey(account));
  if (stored) deps.accounts.save({ ...stored, needsLogin: true });
}

function expiredSignIn(account: AccountMeta, provider: Provider) {
  return notSignedIn(`the sign-in to ${account.host} as ${account.login} has expired. Run: ${loginCommandFor(provider, account.host)}`, 'needs_login');
}

/** The OAuth app's credentials: the environment first, then the config file. */
export function clientCredentials(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider): Credentials {
  const settings = { ...deps.accounts.providerSettings(provider.name), ...provider.credentials };
  const clientId = deps.env[`OAUTHCLI_${provider.envName}_CLIENT_ID`] || settings.clientId;
  const clientSecret = deps.env[`OAUTHCLI_${provider.envName}_CLIENT_SECRET`] || settings.clientSecret;
  return { ...(clientId ? { clientId } : {}), ...(clientSecret ? { clientSecret } : {}) };
}

/** Revokes the session's token at the provider. Throws with the reason when it cannot. */
export async function revokeAtProvider(deps: SessionDeps, session: Omit<Session, 'endpoints'> & { endpoints?: Endpoints }): Promise<void> {
  const { provider, account, tokens } = session;
  if (!provider.revoke) throw failure(`${provider.displayName} offers no way to revoke a token from here`, { code: 'no_revocation' });
  const { clientId, clientSecret } = clientCredentials(deps, provider);
  if (!clientId) throw failure(`revoking needs the OAuth app's client id (OAUTHCLI_${provider.envName}_CLIENT_ID)`, { code: 'no_client_id' });
  const http = await deps.http();
  const endpoints = session.endpoints ?? (await provider.endpoints(account.host, http, deps.signal));
  await provider.revoke(http, { endpoints, clientId, clientSecret, tokens, ...(deps.signal ? { signal: deps.signal } : {}) });
}

/** Forgets an account on this machine: its tokens, then its metadata. */
export async function forgetAccount(deps: SessionDeps, account: AccountMeta): Promise<void> {
  const key = accountKey(account);
  await deps.secrets(account.storage).delete(key);
  deps.accounts.remove(key);
}
