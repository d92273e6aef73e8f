// "Give me a valid token for account X": which account a command means, its tokens (refreshed
// under a cross-process lock when close to expiry), revocation, and forgetting an account.
// Every token this module reads or receives is handed to `rememberSecret` first, so nothing
// the process prints afterwards (an error echoing a refresh token, say) can show it.
import { failure, notSignedIn, usageError } from './errors.js';
import type { HttpClient } from './http/client.js';
import { clientAuth } from './oauth/client-auth.js';
import { OAuthError } from './oauth/errors.js';
import { REFRESH_REFUSALS, refreshTokenGrant } from './oauth/refresh.js';
import { tokenSetFrom } from './oauth/token-response.js';
import { defaultHostFor, normalizeHost, type ProviderRegistry } from './providers/registry.js';
import type { Credentials, Endpoints, Profile, Provider } from './providers/types.js';
import type { AccountMeta, AccountStore } from './store/accounts.js';
import { withAccountLock } from './store/lock.js';
import type { SecretStore, StorageKind } from './store/secrets.js';
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
  /** Remembers a secret so that nothing the process prints can show it. */
  rememberSecret(value: string | undefined): void;
}

/** Remembers both tokens of a set, so that nothing the process prints can show them. */
export function rememberTokens(deps: Pick<SessionDeps, 'rememberSecret'>, tokens: Pick<TokenSet, 'accessToken' | 'refreshToken'>): void {
  deps.rememberSecret(tokens.accessToken);
  deps.rememberSecret(tokens.refreshToken);
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
    endpoints ??= deps.http().then((http) => provider.endpoints(account.host, http, deps.signal));
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
  if (!current) throw missingToken(deps, account, provider);
  rememberTokens(deps, current);
  // Another process refreshed while we waited for the lock: its tokens are ours too.
  if (current.accessToken !== seen.accessToken || (!force && !needsRefresh(current, Date.now(), marginMs))) return current;
  if (!current.refreshToken) throw expiredSignIn(deps, account, provider);
  if (current.refreshTokenExpiresAt && Date.parse(current.refreshTokenExpiresAt) <= Date.now()) {
    await deps.accounts.markNeedsLogin(account.key);
    throw expiredSignIn(deps, account, provider);
  }
  const { clientId, clientSecret } = clientCredentials(deps, provider, account);
  if (!clientId) throw usageError(`refreshing needs the OAuth app's client id: set OAUTHCLI_${provider.envName}_CLIENT_ID`, 'no_client_id');
  const { token: tokenEndpoint, clientAuthMethod } = await endpoints();
  let response;
  try {
    response = await refreshTokenGrant(await deps.http(), {
      tokenEndpoint,
      client: clientAuth(clientId, clientSecret, clientAuthMethod),
      refreshToken: current.refreshToken,
      headers: provider.oauthHeaders,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (error) {
    if (error instanceof OAuthError && REFRESH_REFUSALS.has(error.code ?? '')) {
      // Nothing is written to the keychain; the account is marked so every command says so.
      await deps.accounts.markNeedsLogin(account.key);
      throw expiredSignIn(deps, account, provider);
    }
    throw error;
  }
  const next = tokenSetFrom(response, new Date(), current.scopes);
  rememberTokens(deps, next);
  // RFC 6749 §6: without a new refresh token (Google never rotates), the old one stays valid.
  if (!next.refreshToken) {
    next.refreshToken = current.refreshToken;
    if (current.refreshTokenExpiresAt) next.refreshTokenExpiresAt = current.refreshTokenExpiresAt;
  }
  await store.set(account.key, next);
  return next;
}

/** "The sign-in … has expired. Run: oauthcli login …": the provider refused the account's tokens. */
export function expiredSignIn(deps: Pick<SessionDeps, 'env'>, account: AccountMeta, provider: Provider) {
  return notSignedIn(`the sign-in to ${account.host} as ${account.login} has expired. Run: ${loginCommandFor(provider, account.host, deps.env)}`, 'needs_login');
}

function missingToken(deps: Pick<SessionDeps, 'env'>, account: AccountMeta, provider: Provider) {
  const where = account.storage === 'keychain' ? 'the OS keychain' : 'the insecure token file';
  return notSignedIn(
    `${where} has no token for ${account.login} on ${account.host} (it was removed outside oauthcli). Run: ${loginCommandFor(provider, account.host, deps.env)}`,
    'no_token',
  );
}

/**
 * The OAuth app's credentials: the environment first, then the config file. An account whose
 * tokens came from the provider's device client (Google's "TVs and Limited Input devices"
 * client) refreshes with that client.
 */
export function clientCredentials(deps: Pick<SessionDeps, 'accounts' | 'env'>, provider: Provider, account?: Pick<AccountMeta, 'client'>): Credentials {
  if (account?.client === 'device') return deviceClientCredentials(deps, provider);
  const settings = { ...deps.accounts.providerSettings(provider.name), ...provider.credentials };
  return credentialsFrom(deps.env, `OAUTHCLI_${provider.envName}_CLIENT`, settings.clientId, settings.clientSecret);
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

/** Revokes the session's token at the provider. Throws with the reason when it cannot. */
export async function revokeAtProvider(deps: SessionDeps, session: Pick<Session, 'account' | 'provider' | 'tokens' | 'endpoints'>): Promise<void> {
  const { provider, account, tokens } = session;
  if (!provider.revoke) throw failure(`${provider.displayName} offers no way to revoke a token from here`, { code: 'no_revocation' });
  const { clientId, clientSecret } = clientCredentials(deps, provider, account);
  if (!clientId) throw failure(`revoking needs the OAuth app's client id (OAUTHCLI_${provider.envName}_CLIENT_ID)`, { code: 'no_client_id' });
  const http = await deps.http();
  await provider.revoke(http, { endpoints: await session.endpoints(), clientId, clientSecret, tokens, ...(deps.signal ? { signal: deps.signal } : {}) });
}

/** Forgets an account on this machine: its tokens, then its metadata. */
export async function forgetAccount(deps: SessionDeps, account: AccountMeta): Promise<void> {
  if (account.storage === 'env') throw usageError(`the token comes from ${account.envVar ?? `OAUTHCLI_${deps.providers.get(account.provider).envName}_TOKEN`}: unset that variable instead`, 'env_token');
  await deps.secrets(account.storage).delete(account.key);
  await deps.accounts.remove(account.key);
}
