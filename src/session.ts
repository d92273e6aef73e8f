// "Give me a valid token for account X": which account a command means, its tokens (refreshed
// under a cross-process lock when close to expiry), revocation, and forgetting an account.
// Every token this module reads or receives is handed to `rememberSecret` first, so nothing
// the process prints afterwards (an error echoing a refresh token, say) can show it.
import { AppError, failure, interrupted, notSignedIn, usageError } from './errors.js';
import type { HttpClient } from './http/client.js';
import { clientAuth } from './oauth/client-auth.js';
import { OAuthError } from './oauth/errors.js';
import { REFRESH_REFUSALS, refreshTokenGrant } from './oauth/refresh.js';
import { tokenSetFrom } from './oauth/token-response.js';
import { defaultHostFor, normalizeHost, type ProviderRegistry } from './providers/registry.js';
import type { Credentials, Endpoints, Profile, Provider } from './providers/types.js';
import type { AccountMeta, AccountStore } from './store/accounts.js';
import { loadAppSecret } from './store/app-secrets.js';
import { accountLockHeld, withAccountLock } from './store/lock.js';
import type { SecretStore, StorageKind } from './store/secrets.js';
import { describeWriteFailure } from './store/write-failure.js';
import type { TokenSet } from './token-set.js';

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

export interface AccountSelector {
  provider?: string | undefined;
  hostname?: string | undefined;
  user?: string | undefined;
}

export function loginCommandFor(provider: Provider, host?: string, env: NodeJS.ProcessEnv = {}): string {
  return `oauthcli login ${provider.name}${host && host !== defaultHostFor(provider, env) ? ` --hostname ${host}` : ''}`;
}

/** How the user knows an account: its login, or where its token comes from. */
export function describeAccount(a: Pick<AccountMeta, 'login' | 'storage' | 'provider' | 'envVar'>, provider?: Provider): string {
  if (a.storage === 'env') return `the token in ${a.envVar ?? `OAUTHCLI_${provider?.envName ?? a.provider.toUpperCase()}_TOKEN`}`;
  return a.login;
}

/**
 * The accounts a provider's tokens in the environment give, for CI and scripts, one a host, each
 * used instead of any stored account of that provider on that host and never sent anywhere else:
 * OAUTHCLI_<PROVIDER>_TOKEN on its default host (OAUTHCLI_<PROVIDER>_HOST, else the provider's
 * own); then, for GitHub, gh's: GH_TOKEN or GITHUB_TOKEN on github.com, GH_ENTERPRISE_TOKEN or
 * GITHUB_ENTERPRISE_TOKEN on the host GH_HOST names. OAUTHCLI_<PROVIDER>_TOKEN wins on its host.
 */
export function envAccountsOf(deps: Pick<SessionDeps, 'env'>, provider: Provider): AccountMeta[] {
  const found: Array<{ host: string; variable: string }> = [];
  const own = `OAUTHCLI_${provider.envName}_TOKEN`;
  if (deps.env[own]) found.push({ host: defaultHostFor(provider, deps.env), variable: own });
  const foreign = provider.foreignEnv;
  if (foreign) {
    const first = (names: readonly string[]) => names.find((name) => deps.env[name]);
    const token = first(foreign.tokens);
    if (token) found.push({ host: provider.defaultHost, variable: token });
    const hostText = deps.env[foreign.host];
    const enterpriseHost = hostText ? normalizeHost(provider, hostText) : undefined;
    const enterpriseToken = first(foreign.enterpriseTokens);
    if (enterpriseHost && enterpriseHost !== provider.defaultHost && enterpriseToken) found.push({ host: enterpriseHost, variable: enterpriseToken });
  }
  const byHost = new Map<string, string>();
  for (const { host, variable } of found) if (!byHost.has(host)) byHost.set(host, variable);
  return [...byHost].map(([host, envVar]) => ({ key: `env:${provider.name}:${host}`, provider: provider.name, host, login: '', id: '', scopes: [], storage: 'env', signedInAt: '', envVar }));
}

/** The account a token from the environment gives for `host` (default: the provider's default host). */
export function envAccount(deps: Pick<SessionDeps, 'env'>, provider: Provider, host = defaultHostFor(provider, deps.env)): AccountMeta | undefined {
  return envAccountsOf(deps, provider).find((a) => a.host === host);
}

/** Every account tokens in the environment give. */
export function envAccounts(deps: Pick<SessionDeps, 'env' | 'providers'>): AccountMeta[] {
  return deps.providers.builtIn().flatMap((p) => envAccountsOf(deps, p));
}

/** Every account (from the environment first, then stored) that provider/host/user match; not signed in when none does. */
function matchingAccounts(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, selector: AccountSelector): AccountMeta[] {
  const provider = selector.provider ? deps.providers.get(selector.provider) : undefined;
  const host = provider && selector.hostname ? normalizeHost(provider, selector.hostname) : selector.hostname?.toLowerCase();
  const fromEnv = selector.user ? [] : envAccounts(deps);
  const overridden = new Set(fromEnv.map((a) => `${a.provider}:${a.host}`));
  const all = [...fromEnv, ...deps.accounts.list().filter((a) => !overridden.has(`${a.provider}:${a.host}`))];
  const matching = all.filter((a) => (!provider || a.provider === provider.name) && (!host || a.host === host) && (!selector.user || a.login === selector.user));
  if (matching.length === 0) {
    const what = [provider?.displayName, host, selector.user].filter(Boolean).join(' ');
    // No provider named: the one whose default host this is (gitlab.com: gitlab), else github (the default).
    const guess = provider ?? deps.providers.builtIn().find((p) => host && defaultHostFor(p, deps.env) === host) ?? deps.providers.get('github');
    const hint = loginCommandFor(guess, host, deps.env);
    throw notSignedIn(`not signed in${what ? ` to ${what}` : ''}. Run: ${hint}`, 'no_account');
  }
  return matching;
}

/**
 * The one account a destructive command (logout, revoke) means: it never guesses. When several
 * match, a usage error lists them, each as the command that names it.
 */
export function selectOnlyAccount(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, selector: AccountSelector, command: string): AccountMeta {
  const matching = matchingAccounts(deps, selector);
  if (matching.length === 1) return matching[0]!;
  const choices = matching.map((a) => (a.storage === 'env' ? `${a.provider} ${a.host} (${describeAccount(a)})` : `oauthcli ${command} ${a.provider} --hostname ${a.host} --user ${a.login}`));
  throw usageError(`${matching.length} accounts match; name the one to ${command === 'logout' ? 'sign out of' : command}: ${choices.join('; ')}`, 'ambiguous_account');
}

/**
 * The account a command means: the only one matching provider/host/user, else the active one
 * of those, else (no provider named) the current one. A token from the environment stands in
 * for the stored accounts of its provider and host, unless --user names one of them.
 */
export function selectAccount(deps: Pick<SessionDeps, 'accounts' | 'providers' | 'env'>, selector: AccountSelector): AccountMeta {
  const host = selector.hostname;
  const matching = matchingAccounts(deps, selector);
  if (matching.length === 1) return matching[0]!;
  const isActive = (a: AccountMeta) => a.storage === 'env' || deps.accounts.isActive(a);
  const active = matching.filter(isActive);
  if (active.length === 1) return active[0]!;
  const current = deps.accounts.currentKey();
  const currentMatch = active.find((a) => a.key === current);
  if (currentMatch) return currentMatch;
  // Each on its provider's default host (GH_HOST's, with gh's variables): as gh, that host first.
  const onDefaultHost = host ? [] : active.filter((a) => a.host === defaultHostFor(deps.providers.get(a.provider), deps.env));
  if (onDefaultHost.length === 1) return onDefaultHost[0]!;
  const names = matching.map((a) => `${a.provider} ${a.host} ${describeAccount(a)}`).join(', ');
  throw usageError(`several accounts match (${names}); name one with a provider, --hostname or --user`, 'ambiguous_account');
}

export interface Session {
  account: AccountMeta;
  provider: Provider;
  tokens: TokenSet;
  /** The provider's endpoints for this account's host (discovery for OpenID Connect issuers): fetched once, when first needed. */
  endpoints(): Promise<Endpoints>;
}

/** Refresh when the access token expires within this margin. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export function needsRefresh(tokens: TokenSet, now = Date.now(), marginMs = REFRESH_MARGIN_MS): boolean {
  return tokens.expiresAt !== undefined && Date.parse(tokens.expiresAt) - now < marginMs;
}

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

/** Runs under the account's lock: re-read, refresh only if still needed, save before unlocking. */
async function refreshLocked(
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
      if (error instanceof OAuthError && REFRESH_REFUSALS.has(error.code ?? '')) {
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

/** "The sign-in … has expired. Run: oauthcli login …": the provider refused the account's tokens. */
export function expiredSignIn(deps: Pick<SessionDeps, 'env'>, account: AccountMeta, provider: Provider) {
  return notSignedIn(`the sign-in to ${account.host} as ${account.login} has expired. Run: ${loginCommandFor(provider, account.host, deps.env)}`, 'needs_login');
}

function missingToken(deps: Pick<SessionDeps, 'env'>, account: AccountMeta, provider: Provider) {
  const where = account.storage === 'keychain' ? 'the OS keychain' : account.storage === 'pass' ? 'the pass store' : 'the insecure token file';
  return notSignedIn(
    `${where} has no token for ${account.login} on ${account.host} (it was removed outside oauthcli). Run: ${loginCommandFor(provider, account.host, deps.env)}`,
    'no_token',
  );
}

/** A client's credentials, and whether its secret is to be read from the keychain (an app `app create` registered). */
export interface ClientChoice extends Credentials {
  /** The client is the app registered for this host; its secret is in the keychain (src/store/app-secrets.ts). */
  registeredApp?: boolean;
}

/**
 * The OAuth app a sign-in on `host` uses: OAUTHCLI_<P>_CLIENT_ID (and _SECRET) first, then the
 * app `oauthcli app create` registered for this host, then the config file's client.
 */
export function configuredClient(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider, host: string): ClientChoice {
  const prefix = `OAUTHCLI_${provider.envName}_CLIENT`;
  const settings = { ...deps.accounts.providerSettings(provider.name), ...provider.credentials };
  const app = registeredAppFor(settings.apps, host);
  if (!deps.env[`${prefix}_ID`] && app) {
    return { clientId: app.clientId, registeredApp: true };
  }
  return credentialsFrom(deps.env, prefix, settings.clientId, settings.clientSecret);
}

function registeredAppFor(apps: unknown, host: string): { clientId: string } | undefined {
  if (!apps || typeof apps !== 'object' || !Object.hasOwn(apps, host)) return undefined;
  const app = (apps as Record<string, unknown>)[host];
  return app && typeof app === 'object' && typeof (app as { clientId?: unknown }).clientId === 'string' ? (app as { clientId: string }) : undefined;
}

/**
 * The client an account's tokens belong to. Tokens can only be refreshed (and revoked) by the
 * client that was issued them, so the client id the account signed in with wins; what the
 * environment or the config names is used only when it is that same client (then its secret is
 * the current one). An account whose tokens came from the provider's device client (Google's
 * "TVs and Limited Input devices" client) uses that client.
 */
export function clientCredentials(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider, account?: Pick<AccountMeta, 'client' | 'clientId' | 'host'>): ClientChoice {
  const configured =
    account?.client === 'device' ? deviceClientCredentials(deps, provider) : configuredClient(deps, provider, account?.host ?? defaultHostFor(provider, deps.env));
  if (!account?.clientId || account.clientId === configured.clientId) return configured;
  return { clientId: account.clientId };
}

/**
 * clientCredentials with the secret filled in: the configured one, else the one the account
 * signed in with (kept with its tokens), else that of the app registered for the host.
 */
export async function accountClient(deps: SessionDeps, provider: Provider, account: AccountMeta, tokens: TokenSet): Promise<Credentials> {
  const { clientId, clientSecret: configured } = clientCredentials(deps, provider, account);
  if (!clientId) return {};
  const clientSecret = configured ?? tokens.clientSecret ?? (await loadAppSecret(deps.secrets('keychain'), provider.name, account.host, clientId));
  deps.rememberSecret(clientSecret);
  return { clientId, ...(clientSecret ? { clientSecret } : {}) };
}

/** The tenant used where none is remembered or given: OAUTHCLI_<P>_TENANT, the config's, else the provider's default. */
export function configuredTenant(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider): string | undefined {
  if (!provider.tenancy) return undefined;
  return deps.env[`OAUTHCLI_${provider.envName}_TENANT`] || deps.accounts.providerSettings(provider.name).tenant || provider.tenancy.default;
}

/** A provider's separate device-flow client (OAUTHCLI_<P>_DEVICE_CLIENT_ID/_SECRET, or deviceClientId in the config). */
export function deviceClientCredentials(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider): Credentials {
  const settings = deps.accounts.providerSettings(provider.name);
  return credentialsFrom(deps.env, `OAUTHCLI_${provider.envName}_DEVICE_CLIENT`, settings.deviceClientId, settings.deviceClientSecret);
}

/** `<prefix>_ID` and `<prefix>_SECRET` from the environment, else the configured ones. */
function credentialsFrom(env: NodeJS.ProcessEnv, prefix: string, configuredId: string | undefined, configuredSecret: string | undefined): Credentials {
  const clientId = env[`${prefix}_ID`] || configuredId;
  const clientSecret = env[`${prefix}_SECRET`] || configuredSecret;
  return { ...(clientId ? { clientId } : {}), ...(clientSecret ? { clientSecret } : {}) };
}

/** Who the session's token belongs to, asked of the provider now (whoami, status). */
export async function fetchSessionProfile(deps: SessionDeps, session: Session, signal: AbortSignal | undefined = deps.signal): Promise<Profile> {
  const { clientId } = clientCredentials(deps, session.provider, session.account);
  return session.provider.fetchProfile(await deps.http(), { endpoints: await session.endpoints(), tokens: session.tokens, clientId, ...(signal ? { signal } : {}) });
}

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

/**
 * Runs `run` holding the account's lock (the one a refresh holds), with the config read again
 * under it: `run` gets the account as it is now, or undefined when another process removed it.
 * `onWait` is called first when another process holds the lock (a refresh in flight).
 */
export async function withAccount<T>(
  deps: SessionDeps,
  account: AccountMeta,
  run: (now: AccountMeta | undefined) => Promise<T>,
  options: { onWait?: () => void } = {},
): Promise<T> {
  if (account.storage === 'env') return run(account);
  if (options.onWait && (await accountLockHeld(deps.configDir, account.key))) options.onWait();
  return withAccountLock(deps.configDir, account.key, async () => {
    deps.accounts.reload();
    return run(deps.accounts.get(account.key));
  });
}

/** Makes the account the active and current one, under its lock; refuses one another process removed meanwhile. */
export async function activateAccount(deps: SessionDeps, account: AccountMeta, onWait?: () => void): Promise<void> {
  await withAccount(
    deps,
    account,
    async (now) => {
      if (!now) throw notSignedIn(`${account.login} on ${account.host} was signed out by another oauthcli process meanwhile`, 'no_account');
      await deps.accounts.setActive(now);
    },
    onWait ? { onWait } : {},
  );
}

/** Forgets an account on this machine: its tokens, then its metadata. Call it under the account's lock (`withAccount`). */
export async function forgetAccount(deps: SessionDeps, account: AccountMeta): Promise<void> {
  if (account.storage === 'env') throw usageError(`the token comes from ${account.envVar ?? `OAUTHCLI_${deps.providers.get(account.provider).envName}_TOKEN`}: unset that variable instead`, 'env_token');
  await deps.secrets(account.storage).delete(account.key);
  await deps.accounts.remove(account.key);
}

/** When an account's ID token stops being good (its `exp`), for the programs it is handed to; jose loads only here. */
export async function idTokenExpiresAt(idToken: string): Promise<string | undefined> {
  const { idTokenExpiresAt: expiry } = await import('./oauth/id-token-expiry.js');
  return expiry(idToken);
}
