// Refreshing an account's tokens under its cross-process lock: only when still needed once the
// lock is held, with room to save the answer checked before anything is sent, the new tokens
// saved before the lock is let go, and a refreshed ID token kept only once validated.
import { AppError, failure, interrupted, notSignedIn, usageError } from '../errors.js';
import { clientAuth } from '../oauth/client-auth.js';
import { isRefreshRefusal, refreshTokenGrant } from '../oauth/refresh.js';
import { tokenSetFrom } from '../oauth/token-response.js';
import type { Endpoints, Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import type { SecretStore, StorageKind } from '../store/secrets.js';
import { describeWriteFailure } from '../store/write-failure.js';
import type { TokenSet } from '../token-set.js';
import { accountClient } from './client-credentials.js';
import { rememberTokens, type SessionDeps } from './deps.js';
import { revokeAtProvider } from './revoke.js';
import type { Session } from './session.js';
import { expiredSignIn, loginCommandFor, missingToken } from './sign-in-needed.js';

/** Refresh when the access token expires within this margin. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function needsRefresh(tokens: TokenSet, now = Date.now(), marginMs = REFRESH_MARGIN_MS): boolean {
  return tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) - now < marginMs;
}

/** Runs under the account's lock: re-read, refresh only if still needed, save before unlocking. */
export async function refreshLocked(
  deps: SessionDeps,
  account: AccountMeta,
  provider: Provider,
  endpoints: () => Promise<Endpoints>,
  seen: TokenSet,
  force: boolean,
  marginMs = REFRESH_MARGIN_MS,
): Promise<TokenSet> {
  const store = deps.secrets(account.storage as Exclude<StorageKind, 'env'>);
  const current = await store.get(account.key);
  if (!current) {
    // Signed out (logout, revoke) while this process waited for the lock: say that, not "removed outside oauthcli".
    deps.accounts.reload();
    if (!deps.accounts.get(account.key)) throw notSignedIn(`${account.login} on ${account.host} was signed out meanwhile. Run: ${loginCommandFor(provider, account.host, deps.env)}`, 'signed_out');
    throw missingToken(deps, account, provider);
  }
  rememberTokens(deps, current);
  // Another process refreshed while we waited for the lock: its tokens are ours too.
  if (current.accessToken !== seen.accessToken || (!force && !needsRefresh(current, Date.now(), marginMs))) return current;
  if (!current.refreshToken) throw expiredSignIn(deps, account, provider);
  if (current.refreshTokenExpiresAt && Date.parse(current.refreshTokenExpiresAt) <= Date.now()) {
    await deps.accounts.markNeedsLogin(account.key);
    throw expiredSignIn(deps, account, provider);
  }
  const { clientId, clientSecret } = await accountClient(deps, provider, account, current);
  if (!clientId) throw usageError(`refreshing needs the OAuth app's client id: set OAUTHCLI_${provider.envName}_CLIENT_ID`, 'no_client_id');
  const { token: tokenEndpoint, clientAuthMethod } = await endpoints();
  // A provider that rotates refresh tokens spends the old one the moment it answers: make sure
  // the answer can be kept before asking.
  await checkRoomFor(deps, account, provider, store, current);
  if (deps.signal?.aborted) throw interrupted();
  const http = await deps.http();
  const hold = deps.holdInterrupts ?? (<T>(run: () => Promise<T>) => run());
  const next = await hold(async () => {
    let response;
    try {
      // No Ctrl-C signal: once sent, the request runs to its answer (or its own deadline).
      response = await refreshTokenGrant(http, {
        tokenEndpoint,
        client: clientAuth(clientId, clientSecret, clientAuthMethod),
        refreshToken: current.refreshToken!,
        headers: provider.oauthHeaders,
      });
    } catch (error) {
      if (isRefreshRefusal(error, provider.refreshRefusals)) {
        // Nothing is written to the keychain; the account is marked so every command says so.
        await deps.accounts.markNeedsLogin(account.key);
        throw expiredSignIn(deps, account, provider);
      }
      throw error;
    }
    const fresh = tokenSetFrom(response, new Date(), current.scopes);
    rememberTokens(deps, fresh);
    // The client's secret stays with the tokens it refreshes.
    if (current.clientSecret) fresh.clientSecret = current.clientSecret;
    // RFC 6749 §6: without a new refresh token (Google never rotates), the old one stays valid.
    if (!fresh.refreshToken) {
      fresh.refreshToken = current.refreshToken;
      if (current.refreshTokenExpiresAt) fresh.refreshTokenExpiresAt = current.refreshTokenExpiresAt;
    }
    // A refreshed ID token replaces the stored one only once checked (keepIdToken, after the save).
    if (current.idToken) fresh.idToken = current.idToken;
    else delete fresh.idToken;
    // Saved before anything else can fail: the rotated refresh token is spent already.
    const saved = await saveRefreshed(deps, { account, provider, endpoints }, store, current, fresh);
    if (saved === fresh && response.id_token) await keepIdToken(deps, store, provider, account, endpoints, clientId, fresh, response.id_token);
    return saved;
  });
  // A Ctrl-C held back while the refresh finished: the tokens are saved, now stop.
  if (deps.signal?.aborted) throw interrupted();
  return next;
}

/** Fails, before anything is sent, when a token set like `current` could not be saved now. */
async function checkRoomFor(deps: SessionDeps, account: AccountMeta, provider: Provider, store: SecretStore, current: TokenSet): Promise<void> {
  if (!store.checkRoom) return;
  try {
    // Twice the current set's size: the new tokens may be longer.
    await store.checkRoom(2 * Buffer.byteLength(JSON.stringify(current)));
  } catch (error) {
    if (error instanceof AppError && error.kind === 'interrupted') throw error;
    throw failure(
      `cannot refresh the token for ${account.login} on ${account.host}: a new one could not be saved (${describeWriteFailure(error)}). Nothing was sent; the stored sign-in still works once it can be written`,
      { code: 'save_failed', cause: error },
    );
  }
}

/**
 * Stores a refreshed set, under the account's lock, unless the account was signed out (or signed
 * in again) meanwhile by a process that did not wait for the lock: then the new tokens are
 * revoked, never stored. A failed write is tried once more; then the account is marked (if the
 * config can be written) and the user told to sign in again, since the old refresh token is spent.
 */
async function saveRefreshed(
  deps: SessionDeps,
  session: Pick<Session, 'account' | 'provider' | 'endpoints'>,
  store: SecretStore,
  current: TokenSet,
  next: TokenSet,
): Promise<TokenSet> {
  const { account, provider } = session;
  deps.accounts.reload();
  const meta = deps.accounts.get(account.key);
  const stored = meta ? await store.get(account.key).catch(() => current) : undefined;
  if (!meta || !stored || stored.refreshToken !== current.refreshToken) {
    const revoked = await revokeAtProvider(deps, { ...session, tokens: next }, { verify: false }).then(
      () => 'revoked',
      (error: unknown) => `not stored; revoking it failed (${error instanceof Error ? error.message : String(error)})`,
    );
    if (meta && stored) return stored; // signed in again meanwhile: the newer sign-in stands
    throw notSignedIn(`${account.login} on ${account.host} was signed out while its token was being refreshed; the new token was ${revoked}. To sign in again, run: ${loginCommandFor(provider, account.host, deps.env)}`, 'signed_out');
  }
  try {
    await store.set(account.key, next);
  } catch {
    try {
      await store.set(account.key, next);
    } catch (error) {
      const rotated = next.refreshToken !== current.refreshToken;
      if (rotated) await deps.accounts.markNeedsLogin(account.key).catch(() => undefined);
      const consequence = rotated
        ? `the old one is spent, so the sign-in must be renewed: run ${loginCommandFor(provider, account.host, deps.env)}`
        : 'the stored one still works once it can be written';
      throw failure(`could not save the refreshed token for ${account.login} on ${account.host} (${describeWriteFailure(error)}); ${consequence}`, {
        code: 'save_failed',
        cause: error,
      });
    }
  }
  return next;
}

/**
 * Keeps the ID token a refresh brought, once validated (OIDC Core §12.2: the same iss, sub and
 * aud as the one it replaces; no nonce needed). One about someone else drops the kept ID token
 * and stops the account until the user signs in again; when the issuer's keys cannot be read
 * now, the earlier ID token stays and a later refresh brings another to check.
 */
async function keepIdToken(
  deps: SessionDeps,
  store: SecretStore,
  provider: Provider,
  account: AccountMeta,
  endpoints: () => Promise<Endpoints>,
  clientId: string,
  next: TokenSet,
  idToken: string,
): Promise<void> {
  deps.rememberSecret(idToken);
  if (!provider.checkRefreshedIdToken) {
    // Not an OpenID Connect provider: its ID token says nothing oauthcli relies on, and whoever
    // it is handed to (kubectl's API server) validates it.
    next.idToken = idToken;
    await store.set(account.key, next);
    return;
  }
  try {
    await provider.checkRefreshedIdToken(await deps.http(), {
      endpoints: await endpoints(),
      clientId,
      idToken,
      ...(next.idToken ? { previous: next.idToken } : {}),
      subject: account.id,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof AppError && (error.code === 'invalid_id_token' || error.kind === 'interrupted'))) return;
    if (error.code === 'invalid_id_token') {
      delete next.idToken;
      await store.set(account.key, next);
      await deps.accounts.markNeedsLogin(account.key);
    }
    throw error;
  }
  next.idToken = idToken;
  await store.set(account.key, next);
}
