// Accounts that tokens in the environment give (CI, scripts): never stored, and each stands in
// for the stored accounts of its provider on its host.
import { defaultHostFor, normalizeHost } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import type { AccountMeta } from '../store/accounts.js';
import type { SessionDeps } from './deps.js';

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
