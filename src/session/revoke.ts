// Revoking a session's token at its provider, and checking afterwards that it no longer works.
import { AppError, failure, usageError } from '../errors.js';
import { accountClient } from './client-credentials.js';
import type { SessionDeps } from './deps.js';
import type { Session } from './session.js';

/**
 * Revokes the session's token at the provider, then (unless `verify` is false) asks whether it
 * still works where the provider can say: GitHub answers 404 alike for a token already gone and
 * for one this OAuth app did not issue (a personal access token, another app's). Throws with the
 * reason when it cannot revoke, `token_still_valid` when the token still works afterwards.
 */
export async function revokeAtProvider(
  deps: SessionDeps,
  session: Pick<Session, 'account' | 'provider' | 'tokens' | 'endpoints'>,
  options: { verify?: boolean } = {},
): Promise<void> {
  const { provider, account, tokens } = session;
  if (!provider.revoke) throw failure(`${provider.displayName} offers no way to revoke a token from here${provider.signOutElsewhere ? `; ${provider.signOutElsewhere}` : ''}`, { code: 'no_revocation' });
  const { clientId, clientSecret } = await accountClient(deps, provider, account, tokens);
  if (!clientId) throw usageError(`revoking needs the OAuth app's client id (OAUTHCLI_${provider.envName}_CLIENT_ID)`, 'no_client_id');
  const http = await deps.http();
  const endpoints = await session.endpoints();
  const signal = deps.signal ? { signal: deps.signal } : {};
  await provider.revoke(http, { endpoints, clientId, clientSecret, tokens, ...signal });
  if (options.verify === false || !provider.tokenWorks) return;
  let works: boolean;
  try {
    works = await provider.tokenWorks(http, { endpoints, tokens, ...signal });
  } catch (error) {
    if (error instanceof AppError && error.kind === 'interrupted') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw failure(`${provider.displayName} took the revocation request, but checking the token afterwards failed (${reason}), so it may still be valid`, {
      code: 'revoke_unconfirmed',
      cause: error,
    });
  }
  if (works) {
    throw failure(`the token still works at ${provider.displayName} after the revocation request (it may not have been issued by this OAuth app)`, { code: 'token_still_valid' });
  }
}
