// The token another program is handed (a script, kubectl, docker): the access token or the
// OpenID Connect ID token of an account, valid for at least as long as the caller needs, with
// its expiry. It comes through openSession, so it is refreshed under the same lock as every
// command; a sign-in is never started from here.
import { failure, notSignedIn } from '../errors.js';
import { formatDuration } from '../duration.js';
import type { Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import type { SessionDeps } from './deps.js';
import { openSession } from './open-session.js';
import { REFRESH_MARGIN_MS } from './refresh.js';
import { loginCommandFor } from './sign-in-needed.js';

export interface ToolCredential {
  account: AccountMeta;
  provider: Provider;
  /** The access token, or the ID token when one was asked for. */
  token: string;
  /** ISO-8601; undefined for a token that does not expire (or one whose expiry nobody told us). */
  expiresAt: string | undefined;
  scopes: string[];
}

export interface CredentialOptions {
  /** The token must stay valid at least this long: refreshed first otherwise (at least the usual 5 minutes). */
  minValidMs?: number;
  /** The OpenID Connect ID token instead of the access token. */
  idToken?: boolean;
}

export async function credentialFor(deps: SessionDeps, account: AccountMeta, options: CredentialOptions = {}): Promise<ToolCredential> {
  const marginMs = Math.max(REFRESH_MARGIN_MS, options.minValidMs ?? 0);
  let session = await openSession(deps, account, { marginMs });
  let { token, expiresAt } = options.idToken ? await idTokenOf(deps, session.tokens, session.provider, account) : { token: session.tokens.accessToken, expiresAt: session.tokens.expiresAt };
  // An ID token can end before the access token does (each has its own lifetime): a refresh brings a new one.
  if (options.idToken && expiresAt && Date.parse(expiresAt) - Date.now() < marginMs && session.tokens.refreshToken) {
    session = await openSession(deps, account, { forceRefresh: true });
    ({ token, expiresAt } = await idTokenOf(deps, session.tokens, session.provider, account));
  }
  const credential: ToolCredential = { account, provider: session.provider, token, expiresAt, scopes: session.tokens.scopes.length ? session.tokens.scopes : account.scopes };
  checkLifetime(deps, credential, Boolean(session.tokens.refreshToken), options);
  return credential;
}

async function idTokenOf(deps: SessionDeps, tokens: { idToken?: string }, provider: Provider, account: AccountMeta): Promise<{ token: string; expiresAt: string | undefined }> {
  if (!tokens.idToken) {
    const why = provider.openIdConnect
      ? `no ID token is stored for ${account.login} on ${account.host}; sign in again to get one: ${loginCommandFor(provider, account.host, deps.env)}`
      : `${provider.displayName} gives no ID token (it is not an OpenID Connect provider)`;
    throw failure(why, { code: 'no_id_token' });
  }
  deps.rememberSecret(tokens.idToken);
  return { token: tokens.idToken, expiresAt: await idTokenExpiresAt(tokens.idToken) };
}

/** When an account's ID token stops being good (its `exp`), for the programs it is handed to; jose loads only here. */
async function idTokenExpiresAt(idToken: string): Promise<string | undefined> {
  const { idTokenExpiresAt: expiry } = await import('../oauth/id-token-expiry.js');
  return expiry(idToken);
}

/** A token that ends sooner than asked for: expired and not refreshable (sign in), or shorter-lived than asked (say so). */
function checkLifetime(deps: SessionDeps, credential: ToolCredential, refreshable: boolean, options: CredentialOptions): void {
  if (!credential.expiresAt) return;
  const left = Date.parse(credential.expiresAt) - Date.now();
  const what = options.idToken ? 'ID token' : 'token';
  const { account, provider } = credential;
  if (left <= 0 || (!refreshable && options.minValidMs !== undefined && left < options.minValidMs)) {
    throw notSignedIn(
      `the ${what} for ${account.login} on ${account.host} ${left <= 0 ? 'has expired' : `expires in ${formatDuration(left)}`} and cannot be refreshed. Run: ${loginCommandFor(provider, account.host, deps.env)}`,
      'needs_login',
    );
  }
  if (options.minValidMs !== undefined && left < options.minValidMs) {
    throw failure(`the ${what} for ${account.login} on ${account.host} expires in ${formatDuration(left)}, sooner than the ${formatDuration(options.minValidMs)} asked for: ${provider.displayName}'s tokens do not last that long`, {
      code: 'token_too_short',
    });
  }
}
