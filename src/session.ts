// "Give me a valid token for account X": which account a command means, and its tokens.
import { failure, notSignedIn, usageError } from './errors.js';
import type { HttpClient } from './http/client.js';
import { OAuthError } from './oauth/errors.js';
import { REFRESH_REFUSALS, refreshTokenGrant } from './oauth/refresh.js';
import { tokenSetFrom, type TokenSet } from './oauth/token-set.js';
import { getProvider, normalizeHost } from './providers/registry.js';
import type { Provider } from './providers/types.js';
import { accountKey, type AccountMeta, type AccountStore } from './store/accounts.js';
import { withAccountLock } from './store/lock.js';
import type { SecretStore, StorageKind } from './store/secrets.js';

export interface SessionDeps {
  accounts: AccountStore;
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

/** Refresh when the access token expires within this margin. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function needsRefresh(tokens: TokenSet, now = Date.now()): boolean {
  return tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) - now < REFRESH_MARGIN_MS;
}

/**
 * The account's tokens, refreshed first when the access token expires within 5 minutes (or
 * always, with `forceRefresh`). Every command that calls an API gets its token here.
 */
export async function openSession(deps: SessionDeps, account: AccountMeta, options: { forceRefresh?: boolean; skipRefresh?: boolean } = {}): Promise<Session> {
  const provider = getProvider(account.provider);
  const key = accountKey(account);
  if (account.needsLogin) throw expiredSignIn(account);
  const tokens = await deps.secrets(account.storage).get(key);
  if (!tokens) throw notSignedIn(`no stored token for ${account.login} on ${account.host}. Run: ${loginCommandFor(account.provider, account.host)}`, 'no_token');
  if (options.skipRefresh || (!options.forceRefresh && !needsRefresh(tokens))) return { account, provider, tokens };
  if (!tokens.refreshToken) {
    if (options.forceRefresh) throw failure(`the token for ${account.login} on ${account.host} has no refresh token, so it cannot be refreshed`, { code: 'no_refresh_token' });
    // Close to expiry but not refreshable: use it while it lasts, then the user must sign in.
    if (tokens.expiresAt && Date.parse(tokens.expiresAt) <= Date.now()) throw expiredSignIn(account);
    return { account, provider, tokens };
  }
  const refreshed = await withAccountLock(deps.configDir, key, () => refreshLocked(deps, account, provider, tokens, Boolean(options.forceRefresh)));
  return { account, provider, tokens: refreshed };
}

/** Runs under the account's lock: re-read, refresh only if still needed, save before unlocking. */
async function refreshLocked(deps: SessionDeps, account: AccountMeta, provider: Provider, seen: TokenSet, force: boolean): Promise<TokenSet> {
  const key = accountKey(account);
  const store = deps.secrets(account.storage);
  const current = await store.get(key);
  if (!current) throw expiredSignIn(account);
  // Another process refreshed while we waited for the lock: its tokens are ours too.
  if (current.accessToken !== seen.accessToken || (!force && !needsRefresh(current))) return current;
  if (!current.refreshToken) throw expiredSignIn(account);
  if (current.refreshTokenExpiresAt && Date.parse(current.refreshTokenExpiresAt) <= Date.now()) {
    markNeedsLogin(deps, account);
    throw expiredSignIn(account);
  }
  const { clientId, clientSecret } = clientCredentials(deps, provider);
  if (!clientId) throw usageError(`refreshing needs the OAuth app's client id: set OAUTHCLI_${provider.envName}_CLIENT_ID`, 'no_client_id');
  const http = await deps.http();
  let response;
  try {
    response = await refreshTokenGrant(http, {
      tokenEndpoint: provider.endpoints(account.host).token,
      clientId,
      clientSecret,
      refreshToken: current.refreshToken,
      headers: provider.oauthHeaders,
      signal: deps.signal,
    });
  } catch (error) {
    if (error instanceof OAuthError && REFRESH_REFUSALS.has(error.code ?? '')) {
      // Nothing is written to the keychain; the account is marked so every command says so.
      markNeedsLogin(deps, account);
      throw expiredSignIn(account);
    }
    throw error;
  }
  const next = tokenSetFrom(response, new Date(), current.scopes);
  // RFC 6749 §6: without a new refresh token, the old one stays valid.
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

function expiredSignIn(account: AccountMeta) {
  return notSignedIn(`the sign-in to ${account.host} as ${account.login} has expired. Run: ${loginCommandFor(account.provider, account.host)}`, 'needs_login');
}

export function clientCredentials(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider): { clientId?: string; clientSecret?: string } {
  const settings = deps.accounts.providerSettings(provider.name);
  const clientId = deps.env[`OAUTHCLI_${provider.envName}_CLIENT_ID`] || settings.clientId;
  const clientSecret = deps.env[`OAUTHCLI_${provider.envName}_CLIENT_SECRET`] || settings.clientSecret;
  return { ...(clientId ? { clientId } : {}), ...(clientSecret ? { clientSecret } : {}) };
}

/** Revokes the session's token at the provider. Throws with the reason when it cannot. */
export async function revokeAtProvider(deps: SessionDeps, session: Session): Promise<void> {
  const { provider, account, tokens } = session;
  if (!provider.revoke) throw failure(`${provider.displayName} offers no way to revoke a token from here`, { code: 'no_revocation' });
  const { clientId, clientSecret } = clientCredentials(deps, provider);
  if (!clientId) throw failure(`revoking needs the OAuth app's client id (OAUTHCLI_${provider.envName}_CLIENT_ID)`, { code: 'no_client_id' });
  await provider.revoke(await deps.http(), { endpoints: provider.endpoints(account.host), clientId, clientSecret, tokens, signal: deps.signal });
}

/** Forgets an account on this machine: its tokens, then its metadata. */
export async function forgetAccount(deps: SessionDeps, account: AccountMeta): Promise<void> {
  const key = accountKey(account);
  await deps.secrets(account.storage).delete(key);
  deps.accounts.remove(key);
}
