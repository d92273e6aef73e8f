// "Give me a valid token for account X": the account's tokens, from the environment or its
// store, refreshed first (src/session/refresh.ts) when close to expiry.
import { failure } from '../errors.js';
import type { Endpoints } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import { withAccountLock } from '../store/lock.js';
import type { TokenSet } from '../token-set.js';
import { configuredTenant } from './client-credentials.js';
import { rememberTokens, type SessionDeps } from './deps.js';
import { needsRefresh, refreshLocked } from './refresh.js';
import type { Session } from './session.js';
import { expiredSignIn, missingToken } from './sign-in-needed.js';

/**
 * The account's tokens, refreshed first when the access token expires within 5 minutes (or
 * always, with `forceRefresh`). Every command that calls an API gets its token here. A token
 * that needs no refresh costs one storage read and no request.
 */
export async function openSession(
  deps: SessionDeps,
  account: AccountMeta,
  options: {
    forceRefresh?: boolean;
    skipRefresh?: boolean;
    /** Refresh only a token that expires within this (default 5 minutes; 0: only an expired one, as `status` does). */
    marginMs?: number;
  } = {},
): Promise<Session> {
  const provider = deps.providers.get(account.provider);
  let endpoints: Promise<Endpoints> | undefined;
  const lazyEndpoints = () => {
    endpoints ??= deps.http().then((http) => provider.endpoints(account.host, http, deps.signal, account.tenant ?? configuredTenant(deps, provider)));
    return endpoints;
  };
  const session = (tokens: TokenSet): Session => ({ account, provider, tokens, endpoints: lazyEndpoints });

  if (account.storage === 'env') {
    const variable = account.envVar ?? `OAUTHCLI_${provider.envName}_TOKEN`;
    const accessToken = deps.env[variable] ?? '';
    deps.rememberSecret(accessToken);
    if (options.forceRefresh) throw failure(`a token from ${variable} cannot be refreshed by oauthcli`, { code: 'no_refresh_token' });
    return session({ accessToken, tokenType: 'bearer', scopes: [] });
  }
  if (account.needsLogin && !options.skipRefresh) throw expiredSignIn(deps, account, provider);
  const tokens = await deps.secrets(account.storage).get(account.key);
  if (!tokens) throw missingToken(deps, account, provider);
  rememberTokens(deps, tokens);
  if (options.skipRefresh || (!options.forceRefresh && !needsRefresh(tokens, Date.now(), options.marginMs))) return session(tokens);
  if (!tokens.refreshToken) {
    if (options.forceRefresh) throw failure(`the token for ${account.login} on ${account.host} has no refresh token, so it cannot be refreshed`, { code: 'no_refresh_token' });
    // Close to expiry but not refreshable: use it while it lasts, then the user must sign in.
    if (tokens.expiresAt && Date.parse(tokens.expiresAt) <= Date.now()) throw expiredSignIn(deps, account, provider);
    return session(tokens);
  }
  const refreshed = await withAccountLock(deps.configDir, account.key, () => refreshLocked(deps, account, provider, lazyEndpoints, tokens, Boolean(options.forceRefresh), options.marginMs));
  return session(refreshed);
}
