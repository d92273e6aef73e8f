// Which OAuth client (app) a sign-in, a refresh or a revocation uses: from the environment, the
// app `oauthcli app create` registered, or the config file; and the tenant where the provider has them.
import { defaultHostFor } from '../providers/registry.js';
import type { Credentials, Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import { loadAppSecret } from '../store/app-secrets.js';
import type { TokenSet } from '../token-set.js';
import type { SessionDeps } from './deps.js';

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
